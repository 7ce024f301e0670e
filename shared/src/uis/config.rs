//! A UIS channel's settings: its secrets, numbering region, operators, what its recordings
//! may be fetched from and how hard their copy is tried, how it places calls through the Call
//! API and how it reads employees' statuses through the Data API.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;

use super::recording::{Host, LinkPolicy};
use crate::config::common::{ChannelId, ConfigError, FieldName, OutboundUrl, Settings, TenantId};
use crate::crm::config::CrmSettings;
use crate::ex::config::ExSettings;
use crate::phone::{Country, PhoneNumber};

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
    /// The Genesys Cloud (EX) organisation every finished call is sent to, with its recording.
    pub genesys: Option<ChannelId>,
    /// What Genesys Cloud EX needs to know of the account: required with `genesys`.
    pub ex: Option<ExSettings>,
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
    /// Click-to-call through the UIS Call API; without it the channel places no calls.
    pub call_api: Option<CallApiSettings>,
    /// Employees' statuses read through the UIS Data API; without it none are read.
    pub data_api: Option<DataApiSettings>,
    /// How its notifications fill the CRM: field mapping, wrap-up codes, case rules.
    #[serde(default)]
    pub crm: CrmSettings,
}

/// How a UIS channel places calls (`start.employee_call`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallApiSettings {
    /// The Call API key (a UIS user's "access by key"), sent as `access_token`.
    pub access_token: SecretString,
    /// The account's number customers see when a request names none, in E.164.
    pub virtual_phone: PhoneNumber,
    /// The Call API endpoint, with its version.
    #[serde(default = "default_call_api_url")]
    pub url: OutboundUrl,
    /// A second request for the same employee and number within this many seconds answers the
    /// first call instead of placing another: a double click rings nobody twice.
    #[serde(default = "default_double_click_seconds")]
    pub double_click_seconds: u64,
}

/// How a UIS channel reads the account through the Data API (`get.statuses`, `get.employees`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataApiSettings {
    /// The Data API key (a UIS user's API key with `employees: select`), sent as `access_token`.
    pub access_token: SecretString,
    /// The Data API endpoint, with its version. UIS credentials are valid only on UIS's own host.
    #[serde(default = "default_data_api_url")]
    pub url: OutboundUrl,
    /// How often employees' statuses are read: each read costs the account's points.
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u64,
    /// Points of the account's day budget left untouched, for its other integrations.
    #[serde(default = "default_reserve_points")]
    pub reserve_points: u64,
}

/// The bounds of `data_api.poll_seconds`: often enough to follow statuses, seldom enough for
/// a day's points.
pub const POLL_SECONDS: std::ops::RangeInclusive<u64> = 30..=3600;

fn default_data_api_url() -> OutboundUrl {
    OutboundUrl::try_from("https://dataapi.uiscom.ru/v2.0".to_string())
        .unwrap_or_else(|_| unreachable!("the default Data API URL is an https URL"))
}

fn default_poll_seconds() -> u64 {
    60
}

fn default_reserve_points() -> u64 {
    1000
}

fn default_call_api_url() -> OutboundUrl {
    OutboundUrl::try_from("https://callapi.uiscom.ru/v4.0".to_string())
        .unwrap_or_else(|_| unreachable!("the default Call API URL is an https URL"))
}

fn default_double_click_seconds() -> u64 {
    5
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

    /// The UIS employee an operator name stands for (the reverse of `operators`).
    pub fn employee_of(&self, operator: &str) -> Option<&str> {
        self.operators.iter().find(|(_, name)| name.as_str() == operator).map(|(id, _)| id.as_str())
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
        let mut operators: Vec<&String> = self.operators.values().collect();
        operators.sort();
        if let Some(pair) = operators.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(ConfigError::invalid(
                at("operators"),
                format!("operator {:?} is named for two employees, so calls cannot be placed for it", pair[0]),
            ));
        }
        if self.operators.keys().any(|id| id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit())) {
            return Err(ConfigError::invalid(at("operators"), "UIS employee ids are numbers"));
        }
        match (&self.genesys, &self.ex) {
            (Some(_), None) => {
                return Err(ConfigError::invalid(
                    at("ex"),
                    "is required with `genesys`: at least `ex.time_zone`, the UIS account's time zone",
                ));
            }
            (_, Some(ex)) => ex.validate(at)?,
            (None, None) => {}
        }
        if let Some(api) = &self.call_api {
            if PhoneNumber::parse(api.virtual_phone.as_str(), self.default_country).is_err() {
                return Err(ConfigError::invalid(at("call_api.virtual_phone"), "is not a valid phone number"));
            }
            if api.double_click_seconds > 60 {
                return Err(ConfigError::invalid(at("call_api.double_click_seconds"), "must be at most 60"));
            }
        }
        if let Some(api) = &self.data_api
            && !POLL_SECONDS.contains(&api.poll_seconds)
        {
            return Err(ConfigError::invalid(
                at("data_api.poll_seconds"),
                format!("must be between {} and {}", POLL_SECONDS.start(), POLL_SECONDS.end()),
            ));
        }
        self.crm.validate(at)
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        let mut secrets = self.selecting_secrets();
        secrets.extend(self.call_api.as_ref().map(|api| ("call_api.access_token", &api.access_token)));
        secrets.extend(self.data_api.as_ref().map(|api| ("data_api.access_token", &api.access_token)));
        secrets
    }

    fn selecting_secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("token", &self.token), ("api_key", &self.api_key)]
    }

    fn genesys_reference(&self) -> Option<(&'static str, &ChannelId)> {
        self.genesys.as_ref().map(|id| ("genesys", id))
    }
}
