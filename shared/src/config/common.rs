//! What every channel kind's settings share: the ids that name channels and tenants, the
//! configuration error, and the checks several kinds apply. A leaf module, so each domain can
//! keep its own settings without importing the document that lists them.

use std::fmt;

use secrecy::SecretString;
use serde::Deserialize;

/// Why the configuration could not be used. The message always names the field or the source.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: neither {} nor {} is set", super::FILE_ENV, super::PARAMETER_ENV)]
    NoSource,
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
    #[error("configuration parameter {name}: {message}")]
    Parameter { name: String, message: String },
    #[error("configuration field `{field}`: {message}")]
    Invalid { field: String, message: String },
}

impl ConfigError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }
}

/// Names a field of the channel being checked (`channel[2].token`).
pub type FieldName<'a> = &'a dyn Fn(&str) -> String;

/// A channel's identifier, unique in the document and stable in stored keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct ChannelId(String);

impl ChannelId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ChannelId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if is_slug(&value) {
            Ok(Self(value))
        } else {
            Err(format!("channel id {value:?} must be 1 to 64 characters of a-z, 0-9 and -"))
        }
    }
}

impl From<ChannelId> for String {
    fn from(id: ChannelId) -> Self {
        id.0
    }
}

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The organisation whose customers a channel serves. Channels of one tenant share contacts and
/// their history; nothing of another tenant is readable or writable through them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for TenantId {
    /// The single tenant of a configuration that names none.
    fn default() -> Self {
        Self("default".into())
    }
}

impl TryFrom<String> for TenantId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        if is_slug(&value) {
            Ok(Self(value))
        } else {
            Err(format!("tenant {value:?} must be 1 to 64 characters of a-z, 0-9 and -"))
        }
    }
}

impl From<TenantId> for String {
    fn from(id: TenantId) -> Self {
        id.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_slug(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 64
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// What the document needs of each kind of channel's settings to check them as a whole.
pub trait Settings {
    /// The kind's own rules; `at` names a field of this channel.
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError>;

    /// Every secret, by field name: each must be at least 8 characters.
    fn secrets(&self) -> Vec<(&'static str, &SecretString)>;

    /// The secrets that select this channel among those of its kind: no two channels of the
    /// kind may share one.
    fn selecting_secrets(&self) -> Vec<(&'static str, &SecretString)> {
        Vec::new()
    }

    /// The Genesys Cloud channel this one refers to, with the field naming it.
    fn genesys_reference(&self) -> Option<(&'static str, &ChannelId)> {
        None
    }
}

/// An absolute URL we call or give out: HTTPS, or HTTP on loopback for local runs. A webhook
/// URL for Genesys must be HTTPS on port 443.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct OutboundUrl(url::Url);

impl OutboundUrl {
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn url(&self) -> &url::Url {
        &self.0
    }

    /// Whether Genesys Cloud can call it: HTTPS on the default port.
    pub fn check_genesys_webhook(&self) -> Result<(), String> {
        if self.0.scheme() != "https" {
            return Err(format!("{:?} must be an https URL", self.as_str()));
        }
        if self.0.port().is_some() {
            return Err(format!("{:?}: Genesys Cloud calls webhooks on port 443 only", self.as_str()));
        }
        Ok(())
    }
}

impl TryFrom<String> for OutboundUrl {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let parsed = url::Url::parse(&text).map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        let loopback = matches!(parsed.host_str().unwrap_or_default(), "127.0.0.1" | "localhost" | "[::1]");
        match parsed.scheme() {
            "https" => Ok(Self(parsed)),
            "http" if loopback => Ok(Self(parsed)),
            _ => Err(format!("{text:?} must be an https URL")),
        }
    }
}

impl fmt::Display for OutboundUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
