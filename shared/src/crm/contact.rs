//! CRM contacts: the people interactions are matched to, by e-mail, E.164 phone or messenger
//! id. Each key value a contact holds is a [`lookup`](super::lookup) item, so two contacts
//! sharing a phone are found as an ambiguity, never merged or guessed.
//!
//! A contact created from an interaction gets an id derived from the key it was created for,
//! so concurrent or repeated deliveries create it once.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::companies::CompanyId;
use super::consents::ConsentState;
use super::items::{Entity, Key, Store, StoreError, Written};
use super::lookup::{self, LookupItem, Match};
use crate::phone::PhoneNumber;

/// A contact's id (`c` and 20 hex digits).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ContactId(String);

impl ContactId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id a contact created for `key` gets, the same on every delivery.
    pub fn for_key(key: &ContactKey) -> Self {
        let digest = Sha256::digest(key.partition().as_bytes());
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
        let ok = !text.is_empty() && text.len() <= 64 && text.chars().all(crate::wde::fields::is_alnum);
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A key a contact is found by, in the order interactions try them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactKey {
    Email(Email),
    Phone(PhoneNumber),
    Messenger(MessengerId),
}

impl ContactKey {
    /// The field name, for ambiguity reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Email(_) => "email",
            Self::Phone(_) => "phone",
            Self::Messenger(_) => "messenger_id",
        }
    }

    fn partition(&self) -> String {
        match self {
            Self::Email(e) => format!("CRMKEY#email#{}", e.as_str()),
            Self::Phone(p) => format!("CRMKEY#phone#{}", p.as_str()),
            Self::Messenger(m) => format!("CRMKEY#messenger#{}", m.as_str()),
        }
    }
}

/// A contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmContact {
    pub id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub messenger_id: Option<MessengerId>,
    pub company: Option<CompanyId>,
    /// Current consent state by consent name; the newest decision wins.
    #[serde(default)]
    pub consents: BTreeMap<String, ConsentState>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// What created it (`wde:<channel>:<interaction>`).
    pub created_by: String,
}

impl Entity for CrmContact {
    const TYPE: &'static str = "crm_contact";

    fn key(&self) -> Key {
        contact_key(&self.id)
    }
}

fn contact_key(id: &ContactId) -> Key {
    Key::new(format!("CONTACT#{id}"), "CONTACT")
}

impl CrmContact {
    /// Every key value the contact can be found by.
    pub fn keys(&self) -> Vec<ContactKey> {
        let mut keys = Vec::new();
        keys.extend(self.email.clone().map(ContactKey::Email));
        keys.extend(self.phone.clone().map(ContactKey::Phone));
        keys.extend(self.messenger_id.clone().map(ContactKey::Messenger));
        keys
    }

    /// The name to show: first and last name, else whichever key it has.
    pub fn display_name(&self) -> String {
        let name =
            [self.first_name.as_deref(), self.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            return name;
        }
        self.email
            .as_ref()
            .map(|e| e.as_str().to_owned())
            .or_else(|| self.phone.as_ref().map(|p| p.as_str().to_owned()))
            .unwrap_or_else(|| self.id.to_string())
    }
}

/// Stores a contact and its key items. Each write is conditional: a repeated call writes
/// nothing new, and one interrupted half-way is completed by the next.
pub async fn create(store: &Store, contact: &CrmContact) -> Result<Written, StoreError> {
    let written = store.put_new(contact).await?;
    for key in contact.keys() {
        let item = LookupItem {
            pk: key.partition(),
            sk: format!("CONTACT#{}", contact.id),
            target: contact.id.to_string(),
            token: None,
        };
        lookup::put(store, &item).await?;
    }
    Ok(written)
}

/// The contacts holding `key`.
pub async fn find(store: &Store, key: &ContactKey) -> Result<Match<ContactId>, StoreError> {
    let holders = lookup::holders(store, &key.partition()).await?;
    Ok(Match::from_vec(holders.into_iter().filter_map(|h| ContactId::parse(&h.target)).collect()))
}

pub async fn get(store: &Store, id: &ContactId) -> Result<Option<CrmContact>, StoreError> {
    store.get(&contact_key(id)).await
}

/// Applies one consent decision to the contact's current state, unless a newer decision is
/// already there: deliveries in any order end in the same state.
pub async fn apply_consent(
    store: &Store,
    id: &ContactId,
    name: &str,
    decision: &ConsentState,
) -> Result<Written, StoreError> {
    let (written, _) = store
        .update_with(&contact_key(id), |current: Option<&CrmContact>| {
            let contact = current?;
            if contact.consents.get(name).is_some_and(|known| !decision.supersedes(known)) {
                return None;
            }
            let mut next = contact.clone();
            next.consents.insert(name.to_owned(), decision.clone());
            Some(next)
        })
        .await?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(Email::parse(" Jan.Kowalski@Example.PL ").expect("valid").as_str(), "jan.kowalski@example.pl");
        for bad in ["", "x", "a@b", "a b@c.pl", "@c.pl", "a@@c.pl", "a@c.pl.", "<a>@c.pl"] {
            assert!(Email::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn ids_follow_the_creating_key() {
        let email = ContactKey::Email(Email::parse("a@b.pl").expect("email"));
        assert_eq!(ContactId::for_key(&email), ContactId::for_key(&email.clone()));
        let phone = ContactKey::Phone(PhoneNumber::parse("+48884998123", "PL").expect("phone"));
        assert_ne!(ContactId::for_key(&email), ContactId::for_key(&phone));
        let id = ContactId::for_key(&phone);
        assert_eq!(ContactId::parse(id.as_str()), Some(id));
        assert_eq!(ContactId::parse("c123"), None);
    }
}
