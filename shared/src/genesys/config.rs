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
    /// Requests in flight to this organisation at once from one function instance, so a
    /// backlog of jobs does not spend the organisation's rate limit in a burst.
    #[serde(default = "default_concurrent_requests")]
    pub max_concurrent_requests: usize,
}

/// Requests in flight to one organisation at once unless its channel says otherwise.
pub const DEFAULT_CONCURRENT_REQUESTS: usize = 8;

fn default_concurrent_requests() -> usize {
    DEFAULT_CONCURRENT_REQUESTS
}

impl Settings for GenesysCloudChannel {
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if self.client_id.trim().is_empty() {
            return Err(ConfigError::invalid(at("client_id"), "must not be empty"));
        }
        if !(1..=100).contains(&self.max_concurrent_requests) {
            return Err(ConfigError::invalid(at("max_concurrent_requests"), "must be between 1 and 100"));
        }
        Ok(())
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("client_secret", &self.client_secret)]
    }
}
