//! The open-messaging integration of each chatbot skill, as provisioning recorded it.

use serde::{Deserialize, Serialize};

use crate::config::common::ChannelId;
use crate::genesys::open_messaging::IntegrationId;
use crate::store::{Entity, Key, Store, StoreError, keys};

/// One integration: `skill` `None` is the no-skill one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatIntegration {
    pub channel: ChannelId,
    pub skill: Option<String>,
    pub name: String,
    pub integration_id: IntegrationId,
    pub webhook_url: Option<String>,
}

impl Entity for ChatIntegration {
    const TYPE: &'static str = "chat_integration";

    fn key(&self) -> Key {
        keys::chat_integration(self.channel.as_str(), self.skill.as_deref())
    }
}

impl ChatIntegration {
    /// The recorded integration of `skill` of `channel`.
    pub async fn get(store: &Store, channel: &ChannelId, skill: Option<&str>) -> Result<Option<Self>, StoreError> {
        store.get(&keys::chat_integration(channel.as_str(), skill)).await
    }
}
