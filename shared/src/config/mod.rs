//! The configuration document: one TOML document listing the channels (provider accounts) with
//! their secrets, mappings and options.
//!
//! Locally it is a file (`CCBRIDGE_CONFIG_FILE`); deployed, an SSM SecureString parameter
//! (`CCBRIDGE_CONFIG_PARAMETER`). It is read and validated once per cold start, and a bad
//! document fails with one message naming the field.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::PathBuf;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// Environment variable naming a local configuration file.
pub const FILE_ENV: &str = "CCBRIDGE_CONFIG_FILE";
/// Environment variable naming the SSM parameter holding the configuration.
pub const PARAMETER_ENV: &str = "CCBRIDGE_CONFIG_PARAMETER";

/// Default largest request body a function accepts.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Why the configuration could not be used. The message always names the field or the source.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: neither {FILE_ENV} nor {PARAMETER_ENV} is set")]
    NoSource,
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
    #[error("configuration parameter {name}: {message}")]
    Parameter { name: String, message: String },
    #[error("configuration field `{field}`: {message}")]
    Invalid { field: String, message: String },
}

impl ConfigError {
    fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }
}

/// Where the configuration document comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    File(PathBuf),
    SsmParameter(String),
}

impl ConfigSource {
    /// The source named by the environment; a file wins over a parameter.
    pub fn from_env() -> Result<Self, ConfigError> {
        if let Some(path) = std::env::var_os(FILE_ENV).filter(|v| !v.is_empty()) {
            return Ok(Self::File(path.into()));
        }
        match std::env::var(PARAMETER_ENV) {
            Ok(name) if !name.is_empty() => Ok(Self::SsmParameter(name)),
            _ => Err(ConfigError::NoSource),
        }
    }

    /// Reads and validates the document.
    pub async fn load(&self, sdk: &aws_config::SdkConfig) -> Result<Config, ConfigError> {
        match self {
            Self::File(path) => {
                let text = tokio::fs::read_to_string(path)
                    .await
                    .map_err(|e| ConfigError::File { path: path.display().to_string(), message: e.to_string() })?;
                Config::parse(&text)
            }
            Self::SsmParameter(name) => {
                let out = aws_sdk_ssm::Client::new(sdk)
                    .get_parameter()
                    .name(name)
                    .with_decryption(true)
                    .send()
                    .await
                    .map_err(|e| ConfigError::Parameter {
                    name: name.clone(),
                    message: aws_sdk_ssm::error::DisplayErrorContext(e).to_string(),
                })?;
                let text = out.parameter.and_then(|p| p.value).ok_or_else(|| ConfigError::Parameter {
                    name: name.clone(),
                    message: "the parameter has no value".into(),
                })?;
                Config::parse(&text)
            }
        }
    }
}

/// The whole configuration document.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub service: Service,
    #[serde(default, rename = "channel")]
    pub channels: Vec<Channel>,
}

/// Options that apply to every function.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Largest request body accepted, in bytes; larger bodies get 413.
    #[serde(default = "default_max_body_bytes")]
    pub max_body_bytes: usize,
}

impl Default for Service {
    fn default() -> Self {
        Self { max_body_bytes: DEFAULT_MAX_BODY_BYTES }
    }
}

fn default_max_body_bytes() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

/// A channel's identifier, unique in the document and stable in stored keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct ChannelId(String);

impl ChannelId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ChannelId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Self(value))
        } else {
            Err(format!("channel id {value:?} must be 1 to 64 characters of a-z, 0-9 and -"))
        }
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One provider account. The `kind` field selects the provider.
// Parsed once per cold start and never moved around: variant sizes do not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Channel {
    Uis(UisChannel),
    Wde(WdeChannel),
    GenesysCloud(GenesysCloudChannel),
    Chatbot(ChatbotChannel),
}

impl Channel {
    pub fn id(&self) -> &ChannelId {
        match self {
            Self::Uis(c) => &c.id,
            Self::Wde(c) => &c.id,
            Self::GenesysCloud(c) => &c.id,
            Self::Chatbot(c) => &c.id,
        }
    }
}

/// A UIS (CoMagic) account sending call notifications.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UisChannel {
    pub id: ChannelId,
    /// The `ud_channel_token` UIS puts in every notification.
    pub token: SecretString,
    /// Key for the helpdesk-side history API.
    pub api_key: SecretString,
    /// ISO 3166 country used for numbers without a country code.
    #[serde(default = "default_country")]
    pub default_country: String,
    /// UIS `employee_id` → operator.
    #[serde(default)]
    pub operators: BTreeMap<String, String>,
    /// Hosts recording links may point at (HTTPS only).
    #[serde(default)]
    pub recording_hosts: Vec<String>,
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

fn default_country() -> String {
    "RU".into()
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

/// A Genesys WDE installation calling the YetiForce-compatible webservice.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WdeChannel {
    pub id: ChannelId,
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
    /// ISO 3166 country used for numbers without a country code.
    #[serde(default = "default_wde_country")]
    pub default_country: String,
    /// Media types (`messenger`, `voice in`, …) whose unknown customers become new contacts.
    #[serde(default = "default_create_contacts_for")]
    pub create_contacts_for: Vec<String>,
    /// Key signing the screen-pop links; anyone holding it can forge a card link.
    pub card_secret: SecretString,
    /// Public base URL of the card page (`https://api.example.com/card`); when unset, the host
    /// the webservice was called on.
    pub card_base_url: Option<String>,
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
}

fn default_wde_country() -> String {
    "PL".into()
}

fn default_create_contacts_for() -> Vec<String> {
    vec!["messenger".into()]
}

/// Longest screen-pop link lifetime accepted: a week.
pub const MAX_CARD_TTL_SECONDS: u64 = 7 * 24 * 3600;

fn default_card_ttl_seconds() -> u64 {
    3600
}

fn default_listener_port() -> u16 {
    6999
}

/// A Genesys Cloud organisation reached with OAuth client credentials.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesysCloudChannel {
    pub id: ChannelId,
    /// Region key (`eu_central_1`) or domain (`mypurecloud.de`); see `genesys::regions`.
    pub region: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Overrides the region's `https://api.<domain>` (local runs and tests).
    #[serde(default)]
    pub api_base_url: Option<String>,
    /// Overrides the region's `https://login.<domain>` (local runs and tests).
    #[serde(default)]
    pub login_base_url: Option<String>,
}

/// The most custom-attribute mappings a chatbot channel may have.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 10;
/// Genesys wants webhook signature secrets longer than 15 characters.
pub const MIN_WEBHOOK_SECRET_LEN: usize = 16;

/// A chatbot escalating conversations to Genesys Cloud live chat (open messaging).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatbotChannel {
    pub id: ChannelId,
    /// Key the bot presents on every call (`X-API-Key`).
    pub api_key: SecretString,
    /// The Genesys Cloud channel conversations are escalated to.
    pub genesys: ChannelId,
    /// Integrations are named "<prefix> (<skill>)", and "<prefix>" for no skill; defaults to
    /// "ccbridge <id>". Genesys admins map these names to queues, so they must not change.
    #[serde(default)]
    pub integration_prefix: Option<String>,
    /// The bot's live-chat skills; each gets its own integration (hence queue).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Our public webhook URL (`…/genesys/messaging/webhook`, HTTPS on port 443), given to
    /// Genesys when the integrations are provisioned.
    #[serde(default)]
    pub webhook_url: Option<String>,
    /// The integrations' `X-Hub-Signature-256` secret (more than 15 characters).
    pub webhook_secret: SecretString,
    /// Which bot variables describe the user to the agent.
    #[serde(default)]
    pub identity: IdentityMapping,
    /// Bot variables passed as Genesys custom attributes (participant data), at most 10.
    #[serde(default)]
    pub custom_attributes: Vec<CustomAttributeMapping>,
    /// Where agent messages are pushed to (signed POST); without it the bot polls.
    #[serde(default)]
    pub callback_url: Option<String>,
    /// Key of the callback's `X-Ccbridge-Signature` (required with `callback_url`).
    #[serde(default)]
    pub callback_secret: Option<SecretString>,
    /// Integration id of the no-skill integration when it was created outside ccbridge.
    #[serde(default)]
    pub default_integration_id: Option<String>,
    /// Skill → integration id, for integrations created outside ccbridge.
    #[serde(default)]
    pub integration_ids: BTreeMap<String, String>,
}

impl ChatbotChannel {
    /// The name prefix of this bot's integrations.
    pub fn integration_prefix(&self) -> String {
        self.integration_prefix.clone().unwrap_or_else(|| format!("ccbridge {}", self.id))
    }
}

/// Which bot variable holds each identity field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityMapping {
    /// What `from.id` is: the bot's user id (`opaque`) or the user's email (`email`).
    #[serde(default)]
    pub id_type: IdentityType,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub nickname: Option<String>,
}

/// The `idType` of the users a bot escalates.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityType {
    #[default]
    Opaque,
    Email,
}

/// One bot variable → Genesys custom attribute.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAttributeMapping {
    pub variable: String,
    pub attribute: String,
}

impl Config {
    /// Parses and validates a TOML document.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let de = toml::Deserializer::parse(text).map_err(|e| toml_error("document", &e))?;
        let config: Config = serde_path_to_error::deserialize(de).map_err(|e| {
            let field = e.path().to_string();
            toml_error(if field == "." { "document" } else { &field }, e.inner())
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if self.service.max_body_bytes == 0 {
            return Err(ConfigError::invalid("service.max_body_bytes", "must be greater than 0"));
        }
        let mut ids = HashSet::new();
        let mut wde_keys = HashSet::new();
        for (i, channel) in self.channels.iter().enumerate() {
            let at = |field: &str| format!("channel[{i}].{field}");
            if !ids.insert(channel.id()) {
                return Err(ConfigError::invalid(at("id"), format!("{} is used twice", channel.id())));
            }
            let secrets: Vec<(&str, &SecretString)> = match channel {
                Channel::Uis(c) => {
                    if !is_country_code(&c.default_country) {
                        return Err(ConfigError::invalid(
                            at("default_country"),
                            "must be a two-letter ISO 3166 code such as RU",
                        ));
                    }
                    for host in &c.recording_hosts {
                        if host.is_empty() || host.contains(['/', ':', ' ']) {
                            return Err(ConfigError::invalid(
                                at("recording_hosts"),
                                format!("{host:?} is not a host name"),
                            ));
                        }
                    }
                    if c.allow_insecure_loopback_recordings
                        && let Some(host) = c.recording_hosts.iter().find(|h| !crate::uis::recording::is_loopback(h))
                    {
                        return Err(ConfigError::invalid(
                            at("allow_insecure_loopback_recordings"),
                            format!("is for local tests only, but recording host {host:?} is not a loopback address"),
                        ));
                    }
                    if c.recording_attempts == 0 || c.recording_attempts > 20 {
                        return Err(ConfigError::invalid(at("recording_attempts"), "must be between 1 and 20"));
                    }
                    if c.recording_retry_seconds > 3600 {
                        return Err(ConfigError::invalid(at("recording_retry_seconds"), "must be at most 3600"));
                    }
                    if c.recording_max_bytes == 0 {
                        return Err(ConfigError::invalid(at("recording_max_bytes"), "must be positive"));
                    }
                    if let Some(genesys) = &c.genesys {
                        self.expect_genesys(genesys, &at("genesys"))?;
                    }
                    vec![("token", &c.token), ("api_key", &c.api_key)]
                }
                Channel::Wde(c) => {
                    validate_wde(c, &at)?;
                    // The key is what tells WDE channels apart on the shared webservice path.
                    if !wde_keys.insert(c.api_key.expose_secret()) {
                        return Err(ConfigError::invalid(at("api_key"), "is the key of another wde channel"));
                    }
                    let mut secrets = vec![("api_key", &c.api_key), ("card_secret", &c.card_secret)];
                    if let Some(token) = &c.listener_token {
                        secrets.push(("listener_token", token));
                    }
                    secrets
                }
                Channel::GenesysCloud(c) => {
                    if c.client_id.trim().is_empty() {
                        return Err(ConfigError::invalid(at("client_id"), "must not be empty"));
                    }
                    if crate::genesys::Region::find(&c.region).is_none() {
                        return Err(ConfigError::invalid(
                            at("region"),
                            format!(
                                "{:?} is not a Genesys Cloud region (e.g. eu_central_1 or mypurecloud.de)",
                                c.region
                            ),
                        ));
                    }
                    for (name, url) in [("api_base_url", &c.api_base_url), ("login_base_url", &c.login_base_url)] {
                        if let Some(url) = url {
                            check_url(url, false).map_err(|m| ConfigError::invalid(at(name), m))?;
                        }
                    }
                    vec![("client_secret", &c.client_secret)]
                }
                Channel::Chatbot(c) => {
                    self.expect_genesys(&c.genesys, &at("genesys"))?;
                    validate_chatbot(c, &at)?;
                    let mut secrets = vec![("api_key", &c.api_key), ("webhook_secret", &c.webhook_secret)];
                    if let Some(secret) = &c.callback_secret {
                        secrets.push(("callback_secret", secret));
                    }
                    secrets
                }
            };
            for (name, secret) in secrets {
                if secret.expose_secret().trim().len() < 8 {
                    return Err(ConfigError::invalid(at(name), "must be at least 8 characters"));
                }
            }
        }
        Ok(())
    }

    fn expect_genesys(&self, id: &ChannelId, field: &str) -> Result<(), ConfigError> {
        match self.channel(id) {
            Some(Channel::GenesysCloud(_)) => Ok(()),
            Some(_) => Err(ConfigError::invalid(field, format!("channel {id} is not a genesys_cloud channel"))),
            None => Err(ConfigError::invalid(field, format!("no channel has the id {id}"))),
        }
    }

    pub fn channel(&self, id: &ChannelId) -> Option<&Channel> {
        self.channels.iter().find(|c| c.id() == id)
    }
}

fn validate_wde(c: &WdeChannel, at: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
    // WDE's X-API-KEY header only passes YetiForce's sanitizer when it is `[A-Za-z0-9_]`.
    if !c.api_key.expose_secret().chars().all(crate::wde::fields::is_alnum) {
        return Err(ConfigError::invalid(at("api_key"), "must be letters, digits and _ only"));
    }
    if !is_country_code(&c.default_country) {
        return Err(ConfigError::invalid(at("default_country"), "must be a two-letter ISO 3166 code such as PL"));
    }
    for media in &c.create_contacts_for {
        if crate::wde::MediaType::parse(media).is_none() {
            return Err(ConfigError::invalid(at("create_contacts_for"), format!("{media:?} is not a WDE media type")));
        }
    }
    if c.card_secret.expose_secret().len() < 32 {
        return Err(ConfigError::invalid(at("card_secret"), "must be at least 32 characters"));
    }
    if let Some(url) = &c.card_base_url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(ConfigError::invalid(at("card_base_url"), "must be an http(s) URL"));
    }
    if c.card_ttl_seconds == 0 || c.card_ttl_seconds > MAX_CARD_TTL_SECONDS {
        return Err(ConfigError::invalid(at("card_ttl_seconds"), "must be between 1 and 604800"));
    }
    if c.listener_port == 0 {
        return Err(ConfigError::invalid(at("listener_port"), "must be a port number"));
    }
    if let Some(op) = &c.default_operator
        && op.trim().is_empty()
    {
        return Err(ConfigError::invalid(at("default_operator"), "must not be empty"));
    }
    Ok(())
}

fn validate_chatbot(c: &ChatbotChannel, at: &dyn Fn(&str) -> String) -> Result<(), ConfigError> {
    if c.webhook_secret.expose_secret().chars().count() < MIN_WEBHOOK_SECRET_LEN {
        return Err(ConfigError::invalid(at("webhook_secret"), "must be longer than 15 characters (Genesys Cloud)"));
    }
    if let Some(prefix) = &c.integration_prefix
        && (prefix.trim().is_empty() || prefix.len() > 100)
    {
        return Err(ConfigError::invalid(at("integration_prefix"), "must be 1 to 100 characters"));
    }
    let mut skills = HashSet::new();
    for skill in &c.skills {
        if skill.trim().is_empty() || skill.len() > 100 || skill.contains(['(', ')']) {
            return Err(ConfigError::invalid(
                at("skills"),
                format!("{skill:?} must be 1 to 100 characters without parentheses"),
            ));
        }
        if !skills.insert(skill.as_str()) {
            return Err(ConfigError::invalid(at("skills"), format!("{skill:?} is listed twice")));
        }
    }
    for skill in c.integration_ids.keys() {
        if !skills.contains(skill.as_str()) {
            return Err(ConfigError::invalid(at("integration_ids"), format!("{skill:?} is not one of the skills")));
        }
    }
    let pinned = c.default_integration_id.iter().map(|id| ("default_integration_id", id));
    for (name, id) in pinned.chain(c.integration_ids.values().map(|id| ("integration_ids", id))) {
        crate::genesys::open_messaging::IntegrationId::try_from(id.clone())
            .map_err(|m| ConfigError::invalid(at(name), m))?;
    }
    if let Some(url) = &c.webhook_url {
        check_url(url, true).map_err(|m| ConfigError::invalid(at("webhook_url"), m))?;
    }
    match (&c.callback_url, &c.callback_secret) {
        (Some(url), Some(_)) => check_url(url, false).map_err(|m| ConfigError::invalid(at("callback_url"), m))?,
        (Some(_), None) => return Err(ConfigError::invalid(at("callback_secret"), "is required with callback_url")),
        (None, Some(_)) => return Err(ConfigError::invalid(at("callback_url"), "is required with callback_secret")),
        (None, None) => {}
    }
    if c.identity.id_type == IdentityType::Email && c.identity.email.is_none() {
        return Err(ConfigError::invalid(at("identity.email"), "is required when identity.id_type is email"));
    }
    if c.custom_attributes.len() > MAX_CUSTOM_ATTRIBUTES {
        return Err(ConfigError::invalid(
            at("custom_attributes"),
            format!("at most {MAX_CUSTOM_ATTRIBUTES} mappings, found {}", c.custom_attributes.len()),
        ));
    }
    let mut attributes = HashSet::new();
    for mapping in &c.custom_attributes {
        if mapping.variable.trim().is_empty() || mapping.attribute.trim().is_empty() {
            return Err(ConfigError::invalid(at("custom_attributes"), "variable and attribute must not be empty"));
        }
        if !attributes.insert(mapping.attribute.as_str()) {
            return Err(ConfigError::invalid(
                at("custom_attributes"),
                format!("attribute {:?} is mapped twice", mapping.attribute),
            ));
        }
    }
    Ok(())
}

/// An absolute URL we call or give out: HTTPS, or HTTP on loopback for local runs. A webhook
/// URL for Genesys must be HTTPS on port 443.
fn check_url(url: &str, genesys_webhook: bool) -> Result<(), String> {
    let parsed = reqwest::Url::parse(url).map_err(|e| format!("{url:?} is not a URL: {e}"))?;
    let host = parsed.host_str().unwrap_or_default();
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match parsed.scheme() {
        "https" => {}
        "http" if loopback && !genesys_webhook => {}
        _ => return Err(format!("{url:?} must be an https URL")),
    }
    if genesys_webhook && parsed.port().is_some() {
        return Err(format!("{url:?}: Genesys Cloud calls webhooks on port 443 only"));
    }
    Ok(())
}

/// A two-letter ISO 3166 code the numbering plan knows (`RU`, `PL`).
fn is_country_code(code: &str) -> bool {
    code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase()) && crate::phone::is_known_country(code)
}

fn toml_error(field: &str, error: &toml::de::Error) -> ConfigError {
    let message = error.message().to_string();
    let field = if field == "document" {
        match error.span() {
            Some(span) => format!("document (byte {})", span.start),
            None => field.to_string(),
        }
    } else {
        field.to_string()
    };
    ConfigError::invalid(field, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [service]
        max_body_bytes = 1024

        [[channel]]
        kind = "uis"
        id = "uis-main"
        token = "uis-token-123456"
        api_key = "uis-api-key-123456"
        genesys = "gc-eu"
        operators = { "101" = "ivanov" }

        [[channel]]
        kind = "genesys_cloud"
        id = "gc-eu"
        region = "mypurecloud.de"
        client_id = "client"
        client_secret = "very-secret-value"
    "#;

    #[test]
    fn parses_a_valid_document() {
        let config = Config::parse(GOOD).expect("valid");
        assert_eq!(config.service.max_body_bytes, 1024);
        assert_eq!(config.channels.len(), 2);
        let Channel::Uis(uis) = &config.channels[0] else { panic!("uis first") };
        assert_eq!(uis.default_country, "RU");
        assert_eq!(uis.operators["101"], "ivanov");
    }

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config::parse(GOOD).expect("valid");
        let debug = format!("{config:?}");
        assert!(!debug.contains("uis-token-123456"), "{debug}");
        assert!(!debug.contains("very-secret-value"), "{debug}");
        assert!(debug.contains("REDACTED"));
    }

    fn error_of(doc: &str) -> String {
        Config::parse(doc).expect_err("invalid").to_string()
    }

    #[test]
    fn insecure_loopback_recordings_are_for_loopback_hosts_only() {
        let local = GOOD.replace(
            "genesys = \"gc-eu\"",
            "genesys = \"gc-eu\"\nrecording_hosts = [\"127.0.0.1\"]\nallow_insecure_loopback_recordings = true",
        );
        assert!(Config::parse(&local).is_ok());
        let msg = error_of(&local.replace("[\"127.0.0.1\"]", "[\"127.0.0.1\", \"app.uiscom.ru\"]"));
        assert!(
            msg.contains("channel[0].allow_insecure_loopback_recordings") && msg.contains("app.uiscom.ru"),
            "{msg}"
        );
        let msg = error_of(&GOOD.replace("genesys = \"gc-eu\"", "genesys = \"gc-eu\"\nrecording_attempts = 0"));
        assert!(msg.contains("channel[0].recording_attempts"), "{msg}");
    }

    #[test]
    fn missing_field_names_the_channel() {
        let msg = error_of("[[channel]]\nkind = \"wde\"\nid = \"wde-a\"\n");
        assert!(msg.contains("channel[0]") && msg.contains("api_key"), "{msg}");
    }

    #[test]
    fn wrong_type_names_the_field() {
        let msg = error_of("[service]\nmax_body_bytes = \"big\"\n");
        assert!(msg.contains("service.max_body_bytes"), "{msg}");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let msg = error_of("[service]\nmax_body = 3\n");
        assert!(msg.contains("max_body"), "{msg}");
    }

    #[test]
    fn unknown_kind_is_rejected() {
        let msg = error_of("[[channel]]\nkind = \"fax\"\nid = \"f\"\n");
        assert!(msg.contains("channel[0]") && msg.contains("fax"), "{msg}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let doc = format!("{WDE}{WDE}");
        assert!(error_of(&doc).contains("channel[1].id"));
    }

    #[test]
    fn wde_channels_need_distinct_keys() {
        let msg = error_of(&format!("{WDE}{}", WDE.replace("\"a\"", "\"b\"")));
        assert!(msg.contains("channel[1].api_key"), "{msg}");
    }

    #[test]
    fn short_secret_is_rejected() {
        let msg = error_of(&WDE.replace("wdeApiKey01", "short"));
        assert!(msg.contains("channel[0].api_key"), "{msg}");
    }

    #[test]
    fn dangling_genesys_reference_is_rejected() {
        let doc = "[[channel]]\nkind=\"chatbot\"\nid=\"bot\"\napi_key=\"12345678\"\ngenesys=\"nope\"\nwebhook_secret=\"0123456789abcdef\"\n";
        let msg = error_of(doc);
        assert!(msg.contains("channel[0].genesys") && msg.contains("nope"), "{msg}");
    }

    #[test]
    fn bad_channel_id_is_rejected() {
        let msg = error_of(&WDE.replace("\"a\"", "\"Bad Id\""));
        assert!(msg.contains("channel[0]") && msg.contains("Bad Id"), "{msg}");
    }

    const WDE: &str = "[[channel]]\nkind=\"wde\"\nid=\"a\"\napi_key=\"wdeApiKey01\"\ncard_secret=\"0123456789abcdef0123456789abcdef\"\n";

    #[test]
    fn wde_defaults_follow_the_yetiforce_connector() {
        let config = Config::parse(WDE).expect("valid");
        let Channel::Wde(wde) = &config.channels[0] else { panic!("wde") };
        assert_eq!(wde.listener_port, 6999);
        assert_eq!(wde.default_country, "PL");
        assert_eq!(wde.create_contacts_for, vec!["messenger".to_string()]);
        assert_eq!(wde.card_ttl_seconds, 3600);
    }

    #[test]
    fn wde_fields_are_validated_by_name() {
        let cases = [
            ("default_country = \"XX\"", "default_country"),
            ("create_contacts_for = [\"fax\"]", "create_contacts_for"),
            ("card_ttl_seconds = 0", "card_ttl_seconds"),
            ("card_base_url = \"ftp://x\"", "card_base_url"),
            ("listener_token = \"short\"", "listener_token"),
        ];
        let msg = error_of(&WDE.replace("wdeApiKey01", "wde-api-key-01"));
        assert!(msg.contains("channel[0].api_key"), "{msg}");
        for (line, field) in cases {
            let msg = error_of(&format!("{WDE}{line}\n"));
            assert!(msg.contains(&format!("channel[0].{field}")), "{line}: {msg}");
        }
        let msg = error_of(&format!("{WDE}allowed_ips = [\"10.0.0.300\"]\n"));
        assert!(msg.contains("channel[0]") && msg.contains("IP address"), "{msg}");
        let msg = error_of(&WDE.replace("0123456789abcdef0123456789abcdef", "too-short-secret"));
        assert!(msg.contains("channel[0].card_secret"), "{msg}");
    }

    #[test]
    fn syntax_error_says_where() {
        let msg = error_of("[service\n");
        assert!(msg.contains("document (byte"), "{msg}");
    }

    const GENESYS: &str = "[[channel]]\nkind=\"genesys_cloud\"\nid=\"gc\"\nregion=\"eu_central_1\"\nclient_id=\"c\"\nclient_secret=\"secret-123\"\n";

    fn bot(extra: &str) -> String {
        format!(
            "{GENESYS}[[channel]]\nkind=\"chatbot\"\nid=\"bot\"\napi_key=\"bot-key-123\"\ngenesys=\"gc\"\nwebhook_secret=\"0123456789abcdef\"\n{extra}"
        )
    }

    #[test]
    fn chatbot_channel_with_every_option_parses() {
        let doc = bot(r#"
            integration_prefix = "DYDU bot connector"
            skills = ["Marketing", "Paiement"]
            webhook_url = "https://abc.execute-api.eu-west-1.amazonaws.com/genesys/messaging/webhook"
            callback_url = "https://bot.example.com/livechat"
            callback_secret = "callback-secret-1"
            identity = { id_type = "email", email = "mail", first_name = "prenom", last_name = "nom" }
            custom_attributes = [{ variable = "contrat", attribute = "contractId" }]
            integration_ids = { Marketing = "6685901b-6d0e-43db-95ff-d64406e9dce2" }
        "#);
        let config = Config::parse(&doc).expect("valid");
        let Channel::Chatbot(chatbot) = &config.channels[1] else { panic!("chatbot") };
        assert_eq!(chatbot.integration_prefix(), "DYDU bot connector");
        assert_eq!(chatbot.identity.id_type, IdentityType::Email);
        assert_eq!(chatbot.custom_attributes[0].attribute, "contractId");
        let plain = Config::parse(&bot("")).expect("valid");
        let Channel::Chatbot(chatbot) = &plain.channels[1] else { panic!("chatbot") };
        assert_eq!(chatbot.integration_prefix(), "ccbridge bot");
    }

    #[test]
    fn chatbot_rules_name_the_field() {
        let cases = [
            ("webhook_secret=\"short-secret\"\n", "webhook_secret"),
            ("skills = [\"A\", \"A\"]\n", "skills"),
            ("skills = [\"A (x)\"]\n", "skills"),
            ("callback_url = \"https://bot.example.com/cb\"\n", "callback_secret"),
            ("callback_url = \"http://bot.example.com/cb\"\ncallback_secret = \"cb-secret-123\"\n", "callback_url"),
            ("webhook_url = \"https://x.example.com:8443/genesys/messaging/webhook\"\n", "webhook_url"),
            ("identity = { id_type = \"email\" }\n", "identity.email"),
            ("integration_ids = { Nope = \"abc\" }\n", "integration_ids"),
            ("default_integration_id = \"../x\"\n", "default_integration_id"),
        ];
        for (extra, field) in cases {
            let doc = bot(extra).replace("webhook_secret=\"0123456789abcdef\"\nwebhook_secret", "webhook_secret");
            let msg = error_of(&doc);
            assert!(msg.contains(&format!("channel[1].{field}")), "{extra}: {msg}");
        }
        let eleven: Vec<String> = (0..11).map(|i| format!("{{ variable = \"v{i}\", attribute = \"a{i}\" }}")).collect();
        let msg = error_of(&bot(&format!("custom_attributes = [{}]\n", eleven.join(", "))));
        assert!(msg.contains("channel[1].custom_attributes") && msg.contains("at most 10"), "{msg}");
    }

    #[test]
    fn genesys_region_and_base_urls_are_checked() {
        let msg = error_of(&GENESYS.replace("eu_central_1", "mars_1"));
        assert!(msg.contains("channel[0].region"), "{msg}");
        let doc = format!("{GENESYS}api_base_url = \"ftp://x\"\n");
        assert!(error_of(&doc).contains("channel[0].api_base_url"));
        let doc = format!("{GENESYS}api_base_url = \"http://127.0.0.1:3303\"\n");
        assert!(Config::parse(&doc).is_ok());
    }
}
