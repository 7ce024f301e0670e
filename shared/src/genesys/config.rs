//! A Genesys Cloud organisation's settings: its region and OAuth client.

use secrecy::SecretString;
use serde::Deserialize;

use super::regions::Region;
use crate::config::common::{ChannelId, ConfigError, FieldName, OutboundUrl, Settings};

/// A Genesys Cloud organisation reached with OAuth client credentials.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesysCloudChannel {
    pub id: ChannelId,
    /// Region key (`eu_central_1`) or domain (`mypurecloud.de`); see [`Region`].
    pub region: Region,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Overrides the region's `https://api.<domain>` (local runs and tests).
    #[serde(default)]
    pub api_base_url: Option<OutboundUrl>,
    /// Overrides the region's `https://login.<domain>` (local runs and tests).
    #[serde(default)]
    pub login_base_url: Option<OutboundUrl>,
}

impl Settings for GenesysCloudChannel {
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::invalid(at("client_id"), "must not be empty"));
        }
        Ok(())
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("client_secret", &self.client_secret)]
    }
}
