//! The transcript of a session: every message both ways, typing events and receipts, in the
//! order they reached us, so a session can be replayed or audited. Each entry is written once
//! per provider id (with a marker item in the same transaction), whatever the retries.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::session::SessionId;
use crate::clock::micros;
use crate::config::common::ChannelId;
use crate::genesys::open_messaging::MediaType;
use crate::store::keys::{self, TRANSCRIPT_END, TRANSCRIPT_PREFIX};
use crate::store::{Entity, InvalidCursor, Key, Store, StoreError, Written};

/// Who wrote an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", schema(as = ChatDirection))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    pub channel: ChannelId,
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
    /// When the provider says it happened (ISO-8601, as the provider wrote it).
    pub at: String,
    #[serde(with = "crate::clock::serde_micros")]
    pub received_at: OffsetDateTime,
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
        channel: &ChannelId,
        session_id: &SessionId,
        id: &str,
        direction: Direction,
        kind: EntryKind,
        at: &str,
        received_at: OffsetDateTime,
        expires_at: i64,
    ) -> Self {
        Self {
            channel: channel.clone(),
            session_id: session_id.clone(),
            position: keys::transcript_position(&micros(received_at), direction.as_str(), id),
            id: id.to_owned(),
            direction,
            kind,
            text: None,
            attachments: Vec::new(),
            status: None,
            genesys_id: None,
            at: at.to_owned(),
            received_at,
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
        Key::new(keys::chat_partition(self.channel.as_str(), self.session_id.as_str()), self.position.clone())
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at)
    }
}

/// The marker making an entry unique per provider id: it points at the entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Marker {
    channel: ChannelId,
    session_id: SessionId,
    dedupe: String,
    position: String,
    expires_at: i64,
}

impl Entity for Marker {
    const TYPE: &'static str = "transcript_marker";

    fn key(&self) -> Key {
        keys::transcript_marker(self.channel.as_str(), self.session_id.as_str(), &self.dedupe)
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
    let key = Key::new(keys::chat_partition(entry.channel.as_str(), entry.session_id.as_str()), position);
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
    /// Parses a cursor this API returned; anything else is refused.
    pub fn decode(token: &str) -> Result<Self, InvalidCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidCursor)?;
        let position = String::from_utf8(bytes).map_err(|_| InvalidCursor)?;
        if position.starts_with(TRANSCRIPT_PREFIX) { Ok(Self(position)) } else { Err(InvalidCursor) }
    }
}

/// Up to `limit` entries of a session after `after`, oldest first.
pub async fn list(
    store: &Store,
    channel: &ChannelId,
    session: &SessionId,
    after: Option<&After>,
    limit: i32,
) -> Result<Vec<TranscriptEntry>, StoreError> {
    let from = after.map_or(TRANSCRIPT_PREFIX, |a| a.0.as_str());
    let partition = keys::chat_partition(channel.as_str(), session.as_str());
    let mut entries: Vec<TranscriptEntry> =
        store.query_range(&partition, from, TRANSCRIPT_END, limit.saturating_add(1)).await?;
    entries.retain(|entry| after.is_none_or(|a| a.0 != entry.position));
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let session = SessionId::generate();
        let channel = ChannelId::try_from("bot".to_string()).expect("id");
        let received = OffsetDateTime::UNIX_EPOCH;
        let entry =
            TranscriptEntry::new(&channel, &session, "m1", Direction::Agent, EntryKind::Message, "t", received, 0);
        let after = After::decode(&entry.cursor()).expect("ours");
        assert_eq!(after.0, entry.position);
        assert!(After::decode("bm9wZQ").is_err());
        assert!(After::decode("!!").is_err());
    }
}
