//! A UIS channel's settings: its secrets, numbering region, operators and what its recordings
//! may be fetched from and how hard their copy is tried.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;

use super::recording::{Host, LinkPolicy};
use crate::config::common::{ChannelId, ConfigError, FieldName, Settings, TenantId};
use crate::phone::Country;

/// A UIS (CoMagic) account sending call notifications.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UisChannel {
    pub id: ChannelId,
    /// Whose customers its callers are.
    #[serde(default)]
    pub tenant: TenantId,
    /// The `ud_channel_token` UIS puts in every notification.
    pub token: SecretString,
    /// Key for the helpdesk-side history API.
    pub api_key: SecretString,
    /// The region of numbers without a country code.
    #[serde(default = "default_country")]
    pub default_country: Country,
    /// UIS `employee_id` → operator.
    #[serde(default)]
    pub operators: BTreeMap<String, String>,
    /// Hosts recording links may point at (HTTPS only).
    #[serde(default)]
    pub recording_hosts: Vec<Host>,
    /// The Genesys Cloud channel recordings are uploaded to, if any.
    pub genesys: Option<ChannelId>,
    /// Local development and tests only: also accept `http://` recording links (any port) whose
    /// host is a loopback address literal listed in `recording_hosts`, so a provider can be
    /// simulated on 127.0.0.1. Validation rejects it when a non-loopback host is listed.
    #[serde(default)]
    pub allow_insecure_loopback_recordings: bool,
    /// Attempts at copying one recording before its job is marked failed.
    #[serde(default = "default_recording_attempts")]
    pub recording_attempts: u32,
    /// Delay before the second attempt, doubled for each further one.
    #[serde(default = "default_recording_retry_seconds")]
    pub recording_retry_seconds: u64,
    /// Largest recording copied; a bigger one fails its job.
    #[serde(default = "default_recording_max_bytes")]
    pub recording_max_bytes: u64,
}

fn default_country() -> Country {
    Country::parse("RU").unwrap_or_else(|| unreachable!("RU is in the numbering plan"))
}

fn default_recording_attempts() -> u32 {
    5
}

fn default_recording_retry_seconds() -> u64 {
    30
}

fn default_recording_max_bytes() -> u64 {
    2 * 1024 * 1024 * 1024
}

impl UisChannel {
    /// Where this channel's recordings may be fetched from.
    pub fn link_policy(&self) -> LinkPolicy<'_> {
        LinkPolicy { hosts: &self.recording_hosts, insecure_loopback: self.allow_insecure_loopback_recordings }
    }

    /// The delay before the second attempt at a recording.
    pub fn first_retry_delay(&self) -> time::Duration {
        time::Duration::seconds(i64::try_from(self.recording_retry_seconds).unwrap_or(i64::MAX))
    }
}

impl Settings for UisChannel {
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if self.allow_insecure_loopback_recordings
            && let Some(host) = self.recording_hosts.iter().find(|h| !h.is_loopback())
        {
            return Err(ConfigError::invalid(
                at("allow_insecure_loopback_recordings"),
                format!("is for local tests only, but recording host {:?} is not a loopback address", host.as_str()),
            ));
        }
        if self.recording_attempts == 0 || self.recording_attempts > 20 {
            return Err(ConfigError::invalid(at("recording_attempts"), "must be between 1 and 20"));
        }
        if self.recording_retry_seconds > 3600 {
            return Err(ConfigError::invalid(at("recording_retry_seconds"), "must be at most 3600"));
        }
        if self.recording_max_bytes == 0 {
            return Err(ConfigError::invalid(at("recording_max_bytes"), "must be positive"));
        }
        Ok(())
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("token", &self.token), ("api_key", &self.api_key)]
    }

    fn selecting_secrets(&self) -> Vec<(&'static str, &SecretString)> {
        self.secrets()
    }

    fn genesys_reference(&self) -> Option<(&'static str, &ChannelId)> {
        self.genesys.as_ref().map(|id| ("genesys", id))
    }
}
