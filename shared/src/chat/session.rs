//! Chat sessions: one bot user escalated to Genesys Cloud through one integration.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Entity, Index, Key, Store, StoreError};
use crate::error::ApiError;
use crate::genesys::open_messaging::FromRecipient;

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
    pub channel: String,
    pub session_id: SessionId,
    /// The bot's id of the user.
    pub user_id: String,
    pub skill: Option<String>,
    pub integration_id: String,
    /// `channel.from` of every message: who the agent talks to.
    pub from: FromRecipient,
    /// Custom attributes sent with every message (only mapped variables with a value).
    pub custom_attributes: BTreeMap<String, String>,
    pub created_at: String,
    pub expires_at: i64,
}

impl ChatSession {
    pub fn key_of(channel: &str, session: &SessionId) -> Key {
        Key::new(partition(channel, session), "SESSION")
    }
}

/// The partition holding a session and its transcript.
pub fn partition(channel: &str, session: &SessionId) -> String {
    format!("CHAT#{channel}#{session}")
}

/// The index partition finding a session from what Genesys sends back: the integration and
/// the recipient id (hashed, so no email or phone is in a key).
pub fn peer_partition(integration_id: &str, peer_id: &str) -> String {
    let digest = hex::encode(Sha256::digest(peer_id.as_bytes()));
    format!("CHATPEER#{integration_id}#{digest}")
}

impl Entity for ChatSession {
    const TYPE: &'static str = "chat_session";

    fn key(&self) -> Key {
        Self::key_of(&self.channel, &self.session_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        vec![(
            Index::Gsi1,
            peer_partition(&self.integration_id, &self.from.id),
            format!("{}#{}", self.created_at, self.session_id),
        )]
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.expires_at)
    }
}

pub async fn get(store: &Store, channel: &str, session: &SessionId) -> Result<Option<ChatSession>, StoreError> {
    store.get(&ChatSession::key_of(channel, session)).await
}

/// The newest session of `peer_id` on `integration_id`: where an agent's reply goes.
pub async fn latest_for_peer(
    store: &Store,
    integration_id: &str,
    peer_id: &str,
) -> Result<Option<ChatSession>, StoreError> {
    let page = store.query_index::<ChatSession>(Index::Gsi1, &peer_partition(integration_id, peer_id), 1, None).await?;
    Ok(page.items.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_checked_and_peers_hashed() {
        assert!(SessionId::try_from("demo-session_1".to_string()).is_ok());
        assert!(SessionId::parse("a/b", "session_id").is_err());
        let partition = peer_partition("int-1", "jane@example.com");
        assert!(partition.starts_with("CHATPEER#int-1#") && !partition.contains("jane"));
    }
}
