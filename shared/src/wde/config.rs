//! A WDE channel's settings: its key, operators, who may call, which customers become contacts,
//! and the screen-pop card with the agent's local WDE listener.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer};

use super::card::Listener;
use super::fields::is_alnum;
use super::media::MediaType;
use crate::config::common::{ChannelId, ConfigError, FieldName, Settings, TenantId};
use crate::crm::config::CrmSettings;
use crate::ex::config::WdeExSettings;
use crate::phone::Country;

/// Longest screen-pop link lifetime accepted: a week.
pub const MAX_CARD_TTL_SECONDS: u64 = 7 * 24 * 3600;

/// A Genesys WDE installation calling the YetiForce-compatible webservice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WdeChannel {
    pub id: ChannelId,
    /// Whose customers its interactions are with.
    #[serde(default)]
    pub tenant: TenantId,
    /// The `X-API-KEY` value, also the HMAC key of `X-API-SIGNATURE`.
    pub api_key: SecretString,
    /// Genesys agent id → operator.
    #[serde(default)]
    pub operators: BTreeMap<String, String>,
    /// Operator campaign interactions are assigned to when their agent is not mapped
    /// (YetiForce falls back to the administrator).
    pub default_operator: Option<String>,
    /// Addresses allowed to call; empty allows any (the key still has to match).
    #[serde(default)]
    pub allowed_ips: Vec<std::net::IpAddr>,
    /// The region of numbers without a country code.
    #[serde(default = "default_country")]
    pub default_country: Country,
    /// Media types (`messenger`, `voice in`, …) whose unknown customers become new contacts.
    #[serde(default = "default_create_contacts_for", deserialize_with = "media_types")]
    pub create_contacts_for: Vec<MediaType>,
    /// Key signing the screen-pop links; anyone holding it can forge a card link.
    pub card_secret: SecretString,
    /// Public base URL of the card page (`https://api.example.com/card`); when unset, the host
    /// the webservice was called on.
    #[serde(default, deserialize_with = "card_base_url")]
    pub card_base_url: Option<url::Url>,
    /// How long a screen-pop link stays valid.
    #[serde(default = "default_card_ttl_seconds")]
    pub card_ttl_seconds: u64,
    /// Port of the agent's local WDE HTTP listener (`CLICKTODIAL`, `CLICKTOMAIL`).
    #[serde(default = "default_listener_port")]
    pub listener_port: u16,
    /// `Token-Api` header value the WDE listener expects, if any.
    pub listener_token: Option<SecretString>,
    /// `servicevalue` sent with click-to-dial (the outbound number to use).
    pub service_value_phone: Option<String>,
    /// `servicevalue` sent with click-to-mail (the mailbox to use).
    pub service_value_email: Option<String>,
    /// The Genesys Cloud organisation (a `genesys_cloud` channel) its interactions are sent to
    /// as external conversations, for Genesys Cloud EX.
    pub genesys: Option<ChannelId>,
    /// What Genesys Cloud EX needs to know of the installation: required with `genesys`.
    pub ex: Option<WdeExSettings>,
    /// How its interactions' attached data fill the CRM: field mapping, wrap-up codes, case rules.
    #[serde(default)]
    pub crm: CrmSettings,
}

fn default_country() -> Country {
    Country::parse("PL").unwrap_or_else(|| unreachable!("PL is in the numbering plan"))
}

fn default_create_contacts_for() -> Vec<MediaType> {
    vec![MediaType::Messenger]
}

fn default_card_ttl_seconds() -> u64 {
    3600
}

fn default_listener_port() -> u16 {
    6999
}

fn media_types<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<MediaType>, D::Error> {
    let names = Vec::<String>::deserialize(deserializer)?;
    names
        .iter()
        .map(|name| {
            MediaType::parse(name).ok_or_else(|| serde::de::Error::custom(format!("{name:?} is not a WDE media type")))
        })
        .collect()
}

/// The card's links carry bearer tokens: HTTPS, or HTTP on loopback for local runs.
fn card_base_url<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<url::Url>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let loopback = |u: &url::Url| matches!(u.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    url::Url::parse(&text)
        .ok()
        .filter(|u| u.scheme() == "https" || (u.scheme() == "http" && loopback(u)))
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("{text:?} must be an https URL")))
}

impl WdeChannel {
    /// Whether an unknown customer reached through `media` becomes a new contact.
    pub fn creates_contacts_for(&self, media: MediaType) -> bool {
        self.create_contacts_for.contains(&media)
    }

    /// The agent's local listener the card links to.
    pub fn listener(&self) -> Listener<'_> {
        Listener {
            port: self.listener_port,
            token: self.listener_token.as_ref(),
            service_value_phone: self.service_value_phone.as_deref(),
            service_value_email: self.service_value_email.as_deref(),
        }
    }
}

impl Settings for WdeChannel {
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        // WDE's X-API-KEY header only passes YetiForce's sanitizer when it is `[A-Za-z0-9_]`.
        if !self.api_key.expose_secret().chars().all(is_alnum) {
            return Err(ConfigError::invalid(at("api_key"), "must be letters, digits and _ only"));
        }
        if self.card_secret.expose_secret().len() < 32 {
            return Err(ConfigError::invalid(at("card_secret"), "must be at least 32 characters"));
        }
        if self.card_ttl_seconds == 0 || self.card_ttl_seconds > MAX_CARD_TTL_SECONDS {
            return Err(ConfigError::invalid(at("card_ttl_seconds"), "must be between 1 and 604800"));
        }
        if self.listener_port == 0 {
            return Err(ConfigError::invalid(at("listener_port"), "must be a port number"));
        }
        if let Some(op) = &self.default_operator
            && op.trim().is_empty()
        {
            return Err(ConfigError::invalid(at("default_operator"), "must not be empty"));
        }
        self.crm.validate(at)?;
        match (&self.genesys, &self.ex) {
            (Some(_), None) => Err(ConfigError::invalid(at("ex"), "is required with `genesys`")),
            (None, Some(_)) => Err(ConfigError::invalid(at("ex"), "needs `genesys`: the organisation to send to")),
            (_, Some(ex)) => ex.validate(at),
            (None, None) => Ok(()),
        }
    }

    fn genesys_reference(&self) -> Option<(&'static str, &ChannelId)> {
        self.genesys.as_ref().map(|id| ("genesys", id))
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        let mut secrets = vec![("api_key", &self.api_key), ("card_secret", &self.card_secret)];
        secrets.extend(self.listener_token.as_ref().map(|token| ("listener_token", token)));
        secrets
    }

    /// The key is what tells WDE channels apart on the shared webservice path.
    fn selecting_secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("api_key", &self.api_key)]
    }
}
