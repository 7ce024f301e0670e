//! Chat sessions: one bot user escalated to Genesys Cloud through one integration, kept with
//! its transcript (`CHAT#<channel>#<session>`) and found from what Genesys sends back by the
//! integration and the recipient (gsi1, the recipient id hashed).

use std::collections::BTreeMap;
use std::fmt;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::common::{ChannelId, TenantId};
use crate::crm::ids::ContactId;
use crate::error::ApiError;
use crate::genesys::open_messaging::{FromRecipient, IntegrationId};
use crate::store::{Entity, Index, Key, Store, StoreError, Written, keys};

/// How long a session and its transcript are kept.
pub const RETENTION_DAYS: i64 = 90;

/// A session id: chosen by the bot (idempotent start) or generated.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SessionId(String);

impl SessionId {
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses a caller's id; the error is a 400 naming `field`.
    pub fn parse(value: &str, field: &str) -> Result<Self, ApiError> {
        Self::try_from(value.to_owned()).map_err(|m| ApiError::bad_request("invalid_field", format!("{field}: {m}")))
    }
}

impl TryFrom<String> for SessionId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok { Ok(Self(value)) } else { Err("must be 1 to 64 characters of A-Z, a-z, 0-9, - and _".into()) }
    }
}

impl From<SessionId> for String {
    fn from(id: SessionId) -> Self {
        id.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An escalated conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatSession {
    /// The chatbot channel.
    pub channel: ChannelId,
    /// The tenant of the channel, whose contact the user is.
    #[serde(default)]
    pub tenant: TenantId,
    pub session_id: SessionId,
    /// The bot's id of the user.
    pub user_id: String,
    pub skill: Option<String>,
    pub integration_id: IntegrationId,
    /// The user as the tenant's contact, when the bot gives an e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactId>,
    /// `channel.from` of every message: who the agent talks to.
    pub from: FromRecipient,
    /// Custom attributes sent with every message (only mapped variables with a value).
    pub custom_attributes: BTreeMap<String, String>,
    #[serde(with = "crate::clock::serde_micros")]
    pub created_at: OffsetDateTime,
    pub expires_at: i64,
}

impl Entity for ChatSession {
    const TYPE: &'static str = "chat_session";

    fn key(&self) -> Key {
        keys::chat_session(self.channel.as_str(), self.session_id.as_str())
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        vec![(
            Index::Gsi1,
            keys::chat_peer(self.integration_id.as_str(), &self.from.id),
            format!("{}#{}", crate::clock::micros(self.created_at), self.session_id),
        )]
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at)
    }
}

/// The newest session of a peer, kept whole under the peer's key and written in the same
/// transaction as the session: an agent's reply right after a (re)start is routed by a
/// consistent read, never by an index that may lag or still show the older session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
struct LatestSession(ChatSession);

impl Entity for LatestSession {
    const TYPE: &'static str = "chat_peer_latest";

    fn key(&self) -> Key {
        keys::chat_peer_latest(self.0.integration_id.as_str(), &self.0.from.id)
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.0.expires_at)
    }
}

impl ChatSession {
    /// Stores a new session and makes it its peer's latest, with `writes` (its activity), in
    /// one transaction; `Unchanged` when a session with its id exists.
    pub async fn create(&self, store: &Store, writes: Vec<TransactWriteItem>) -> Result<Written, StoreError> {
        let mut all = vec![store.upsert_write(&LatestSession(self.clone()), &[])?];
        all.extend(writes);
        store.put_new_with(self, all).await
    }

    pub async fn get(store: &Store, channel: &ChannelId, session: &SessionId) -> Result<Option<Self>, StoreError> {
        store.get(&keys::chat_session(channel.as_str(), session.as_str())).await
    }

    /// The newest session of `peer_id` on `integration`: where an agent's reply goes.
    pub async fn latest_for_peer(
        store: &Store,
        integration: &IntegrationId,
        peer_id: &str,
    ) -> Result<Option<Self>, StoreError> {
        let latest: Option<LatestSession> = store.get(&keys::chat_peer_latest(integration.as_str(), peer_id)).await?;
        Ok(latest.map(|l| l.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_checked_and_peers_hashed() {
        assert!(SessionId::try_from("demo-session_1".to_string()).is_ok());
        assert!(SessionId::parse("a/b", "session_id").is_err());
        let partition = keys::chat_peer("int-1", "jane@example.com");
        assert!(partition.starts_with("CHATPEER#int-1#") && !partition.contains("jane"));
    }
}
