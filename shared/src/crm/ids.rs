//! The ids and keys CRM records are known by: parsed once where they enter, compared as
//! values. A leaf module, so every domain can name a contact or an interaction.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::common::ChannelId;

/// A contact's id (`c` and 20 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContactId(String);

impl ContactId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id a contact created for the key whose partition is `partition` gets, the same
    /// on every delivery.
    pub(super) fn for_partition(partition: &str) -> Self {
        let digest = Sha256::digest(partition.as_bytes());
        Self(format!("c{}", &hex::encode(digest)[..20]))
    }

    /// A stored id as given back by a caller; anything else is not one of ours.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = text.len() == 21 && text.starts_with('c') && text[1..].bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| Self(text.to_owned()))
    }
}

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address, compared case-insensitively (stored lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let (local, domain) = text.split_once('@')?;
        let ok = !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && text.len() <= 254
            && !domain.contains('@')
            && !text.chars().any(|c| c.is_whitespace() || c.is_control() || "<>\"'".contains(c));
        ok.then(|| Self(text.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value).ok_or_else(|| "not an e-mail address".into())
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

/// A messenger (Facebook) actor id: ASCII letters, digits and `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MessengerId(String);

impl MessengerId {
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty() && text.len() <= 64 && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CompanyId(String);

impl CompanyId {
    /// The id a company derived from `seed` gets (`co` and 20 hex digits), the same every time.
    pub(super) fn for_seed(seed: &str) -> Self {
        let digest = Sha256::digest(seed.as_bytes());
        Self(format!("co{}", &hex::encode(digest)[..20]))
    }

    /// Ids are letters, digits, `-` and `_`, up to 64 characters.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tax id (Polish NIP and the like): digits only, separators removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaxId(String);

impl TaxId {
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let ok = (5..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The CRM-side id of an interaction: a positive integer below 2^53, so that every JSON
/// client (WDE's .NET, browsers) reads it exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InteractionId(u64);

impl InteractionId {
    /// The id of the interaction `genesys_id` of `channel`.
    pub fn derive(channel: &str, genesys_id: &str) -> Self {
        let digest = Sha256::digest(format!("{channel}\0{genesys_id}").as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Self((u64::from_be_bytes(bytes) & ((1 << 53) - 1)).max(1))
    }

    /// An id as a caller sends it back; out-of-range values are none of ours.
    pub fn from_number(n: i64) -> Option<Self> {
        u64::try_from(n).ok().filter(|n| (1..1 << 53).contains(n)).map(Self)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for InteractionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The longest activity id: a source, a channel id and the provider's own id.
const MAX_ACTIVITY_ID_LEN: usize = 200;

/// Where an activity came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    Uis,
    Wde,
    Chat,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Self::Uis => "uis",
            Self::Wde => "wde",
            Self::Chat => "chat",
        }
    }
}

/// `<source>:<channel>:<the provider's id>`: derived, so every delivery finds the same one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ActivityId(String);

impl ActivityId {
    pub fn new(source: Source, channel: &ChannelId, local: impl fmt::Display) -> Self {
        Self(format!("{}:{channel}:{local}", source.as_str()))
    }

    /// A caller's id: `None` unless it is one this version hands out.
    pub fn parse(text: &str) -> Option<Self> {
        Self::try_from(text.to_owned()).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ActivityId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let mut parts = value.splitn(3, ':');
        let source_ok = matches!(parts.next(), Some("uis" | "wde" | "chat"));
        let rest_ok = parts.next().is_some_and(|c| !c.is_empty()) && parts.next().is_some_and(|l| !l.is_empty());
        let chars_ok = value.len() <= MAX_ACTIVITY_ID_LEN
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_' | b'.'));
        if source_ok && rest_ok && chars_ok {
            Ok(Self(value))
        } else {
            Err("not an activity id (`uis:…`, `wde:…` or `chat:…`)".into())
        }
    }
}

impl From<ActivityId> for String {
    fn from(id: ActivityId) -> Self {
        id.0
    }
}

impl fmt::Display for ActivityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked() {
        let id = ActivityId::new(Source::Uis, &ChannelId::try_from("uis-main".to_owned()).unwrap(), 42);
        assert_eq!(id.as_str(), "uis:uis-main:42");
        assert_eq!(ActivityId::parse("uis:uis-main:42"), Some(id));
        for bad in ["", "uis", "uis:x", "uis::1", "crm:x:1", "uis:x:1/2", &format!("wde:x:{}", "1".repeat(200))] {
            assert!(ActivityId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Jan.Kowalski@Example.PL ").expect("valid").as_str(), "jan.kowalski@example.pl");
        for bad in ["", "x", "a@b", "a b@c.pl", "@c.pl", "a@@c.pl", "a@c.pl.", "<a>@c.pl"] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn tax_ids_keep_digits_only() {
        assert_eq!(TaxId::parse("123-456-32-18").expect("nip").as_str(), "1234563218");
        assert!(TaxId::parse("12a4567890").is_none());
        assert!(TaxId::parse("12").is_none());
    }

    #[test]
    fn interaction_ids_are_stable_json_safe_and_per_channel() {
        let a = InteractionId::derive("wde-demo", "00047aHK833X02TB");
        assert_eq!(a, InteractionId::derive("wde-demo", "00047aHK833X02TB"));
        assert_ne!(a, InteractionId::derive("wde-other", "00047aHK833X02TB"));
        assert!(a.get() < 1 << 53 && a.get() > 0);
        assert_eq!(InteractionId::from_number(a.get() as i64), Some(a));
        assert_eq!(InteractionId::from_number(-1), None);
        assert_eq!(InteractionId::from_number(1 << 53), None);
    }
}
