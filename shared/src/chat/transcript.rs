//! The transcript of a session: every message both ways, typing events and receipts, in the
//! order they reached us, so a session can be replayed or audited. Each entry is written once
//! per provider id (with a marker item in the same transaction), whatever the retries.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::chat_sessions::{SessionId, partition};
use super::{Entity, Key, Store, StoreError, Written};
use crate::error::ApiError;
use crate::genesys::open_messaging::MediaType;

/// Who wrote an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The bot's user, towards the agent.
    User,
    /// The agent, towards the user.
    Agent,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Agent => "agent",
        }
    }
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Message,
    Typing,
    Receipt,
}

/// An attachment of an entry: the user's link as given, or the agent's file copied into S3.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredAttachment {
    pub media_type: MediaType,
    pub mime: Option<String>,
    pub filename: Option<String>,
    /// The user's link (user messages) or Genesys's download link (agent messages).
    pub source_url: Option<String>,
    /// Where the copy is in the bucket, once copied.
    pub s3_key: Option<String>,
    pub size: Option<u64>,
}

/// Delivery of an entry to its recipient (Genesys for user messages, the bot's callback for
/// agent messages).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Delivery {
    Pending,
    Done,
    /// Nothing to deliver to (no callback configured).
    NotNeeded,
    Failed {
        reason: String,
    },
}

/// One transcript entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    pub channel: String,
    pub session_id: SessionId,
    /// Sort key: `MSG#<received at>#<id>`; also the polling cursor.
    pub position: String,
    /// The provider's message id (the bot's, or Genesys's).
    pub id: String,
    pub direction: Direction,
    pub kind: EntryKind,
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Vec<StoredAttachment>,
    /// Receipt status (`Delivered`, `Read`, …) for receipts.
    pub status: Option<String>,
    /// The Genesys message id once Genesys accepted a user message.
    pub genesys_id: Option<String>,
    /// When the provider says it happened (ISO-8601).
    pub at: String,
    pub received_at: String,
    pub delivery: Delivery,
    /// For agent messages: whether Genesys got our Delivered/Failed receipt.
    #[serde(default)]
    pub receipt_sent: bool,
    pub expires_at: i64,
}

impl TranscriptEntry {
    /// A new entry that reached us at `received_at`; [`record`] makes it unique.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        channel: &str,
        session_id: &SessionId,
        id: &str,
        direction: Direction,
        kind: EntryKind,
        at: &str,
        received_at: &str,
        expires_at: i64,
    ) -> Self {
        Self {
            channel: channel.to_owned(),
            session_id: session_id.clone(),
            position: format!("MSG#{received_at}#{}#{id}", direction.as_str()),
            id: id.to_owned(),
            direction,
            kind,
            text: None,
            attachments: Vec::new(),
            status: None,
            genesys_id: None,
            at: at.to_owned(),
            received_at: received_at.to_owned(),
            delivery: Delivery::Pending,
            receipt_sent: false,
            expires_at,
        }
    }

    /// The opaque cursor pointing just after this entry.
    pub fn cursor(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.position.as_bytes())
    }
}

impl Entity for TranscriptEntry {
    const TYPE: &'static str = "transcript_entry";

    fn key(&self) -> Key {
        Key::new(partition(&self.channel, &self.session_id), self.position.clone())
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at)
    }
}

/// The marker making an entry unique per provider id: it points at the entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Marker {
    channel: String,
    session_id: SessionId,
    dedupe: String,
    position: String,
    expires_at: i64,
}

impl Entity for Marker {
    const TYPE: &'static str = "transcript_marker";

    fn key(&self) -> Key {
        Key::new(partition(&self.channel, &self.session_id), format!("ID#{}", self.dedupe))
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at)
    }
}

/// Whether [`record`] wrote the entry or found it there.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    New(TranscriptEntry),
    Existing(TranscriptEntry),
}

impl Recorded {
    pub fn entry(&self) -> &TranscriptEntry {
        match self {
            Self::New(e) | Self::Existing(e) => e,
        }
    }
}

/// Writes `entry` unless an entry with the same `dedupe` key exists (one transaction), and
/// returns the stored one either way.
pub async fn record(store: &Store, entry: TranscriptEntry, dedupe: &str) -> Result<Recorded, StoreError> {
    let marker = Marker {
        channel: entry.channel.clone(),
        session_id: entry.session_id.clone(),
        dedupe: dedupe.to_owned(),
        position: entry.position.clone(),
        expires_at: entry.expires_at,
    };
    let items = vec![store.item_of(&marker)?, store.item_of(&entry)?];
    if store.put_all_new(items).await? == Written::Created {
        return Ok(Recorded::New(entry));
    }
    let existing = store.get::<Marker>(&marker.key()).await?;
    let position = existing.map(|m| m.position).ok_or_else(|| StoreError::Contention(marker.key().to_string()))?;
    let key = Key::new(partition(&entry.channel, &entry.session_id), position);
    let stored = store.get::<TranscriptEntry>(&key).await?.ok_or_else(|| StoreError::Contention(key.to_string()))?;
    Ok(Recorded::Existing(stored))
}

/// Applies `change` to the stored entry (optimistic, re-applied on races).
pub async fn update(
    store: &Store,
    entry: &TranscriptEntry,
    change: impl Fn(&mut TranscriptEntry),
) -> Result<Option<TranscriptEntry>, StoreError> {
    let (_, stored) = store
        .update_with(&entry.key(), |current: Option<&TranscriptEntry>| {
            let mut next = current?.clone();
            change(&mut next);
            (Some(&next) != current).then_some(next)
        })
        .await?;
    Ok(stored)
}

/// Where a reader stopped: the position of the last entry it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct After(String);

impl After {
    /// Parses a cursor this API returned; anything else is a 400.
    pub fn decode(token: &str) -> Result<Self, ApiError> {
        let invalid = || ApiError::bad_request("invalid_cursor", "the cursor is not one this API returned");
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
        let position = String::from_utf8(bytes).map_err(|_| invalid())?;
        if position.starts_with("MSG#") { Ok(Self(position)) } else { Err(invalid()) }
    }
}

/// Up to `limit` entries of a session after `after`, oldest first.
pub async fn list(
    store: &Store,
    channel: &str,
    session: &SessionId,
    after: Option<&After>,
    limit: i32,
) -> Result<Vec<TranscriptEntry>, StoreError> {
    let lower = after.map_or_else(|| "MSG#".to_string(), |a| a.0.clone());
    let values = HashMap::from([
        (":p".to_string(), AttributeValue::S(partition(channel, session))),
        (":lo".to_string(), AttributeValue::S(lower)),
        (":hi".to_string(), AttributeValue::S("MSG$".to_string())),
    ]);
    let out = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("#pk = :p AND #sk BETWEEN :lo AND :hi")
        .expression_attribute_names("#pk", super::schema::PK)
        .expression_attribute_names("#sk", super::schema::SK)
        .set_expression_attribute_values(Some(values))
        .scan_index_forward(true)
        .consistent_read(true)
        .limit(limit.saturating_add(1))
        .send()
        .await
        .map_err(|e| store.backend(e))?;
    let mut entries = Vec::new();
    for item in out.items.unwrap_or_default() {
        let entry: TranscriptEntry = serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt {
            key: partition(channel, session),
            entity: TranscriptEntry::TYPE,
            message: e.to_string(),
        })?;
        if after.is_none_or(|a| a.0 != entry.position) {
            entries.push(entry);
        }
    }
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let session = SessionId::generate();
        let entry = TranscriptEntry::new("bot", &session, "m1", Direction::Agent, EntryKind::Message, "t", "2026", 0);
        let after = After::decode(&entry.cursor()).expect("ours");
        assert_eq!(after.0, entry.position);
        assert!(After::decode("bm9wZQ").is_err());
        assert!(After::decode("!!").is_err());
    }
}
