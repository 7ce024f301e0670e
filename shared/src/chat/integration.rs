//! The open-messaging integration of each chatbot skill, as provisioning recorded it.

use serde::{Deserialize, Serialize};

use super::{Entity, Key, Store, StoreError};

/// One integration: `skill` `None` is the no-skill one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatIntegration {
    pub channel: String,
    pub skill: Option<String>,
    pub name: String,
    pub integration_id: String,
    pub webhook_url: Option<String>,
}

impl ChatIntegration {
    pub fn key_of(channel: &str, skill: Option<&str>) -> Key {
        let sk = match skill {
            Some(skill) => format!("INTEGRATION#{skill}"),
            None => "INTEGRATION".to_string(),
        };
        Key::new(format!("CHATBOT#{channel}"), sk)
    }
}

impl Entity for ChatIntegration {
    const TYPE: &'static str = "chat_integration";

    fn key(&self) -> Key {
        Self::key_of(&self.channel, self.skill.as_deref())
    }
}

/// The recorded integration of `skill` of `channel`.
pub async fn get(store: &Store, channel: &str, skill: Option<&str>) -> Result<Option<ChatIntegration>, StoreError> {
    store.get(&ChatIntegration::key_of(channel, skill)).await
}
