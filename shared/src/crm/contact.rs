//! Contacts: one record per customer and tenant, whichever channel met them — a UIS caller, a
//! WDE customer, a chat user. A contact is found by e-mail, E.164 phone or messenger id: each
//! key value it holds is a [`lookup`](crate::store::lookup) item, so two contacts sharing a
//! phone are found as an ambiguity, never merged or guessed.
//!
//! A contact created from an interaction gets an id derived from its tenant and the key it was
//! created for (the phone when it has one, so a caller and a WDE customer with the same number
//! land on the same record), and concurrent or repeated deliveries create it once.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ids::{CompanyId, ContactId, Email, InteractionId, MessengerId};
use crate::config::common::TenantId;
use crate::phone::PhoneNumber;
use crate::store::lookup::{LookupItem, Match};
use crate::store::{Entity, Key, Store, StoreError, Written, keys};

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

    fn partition(&self, tenant: &TenantId) -> String {
        let (kind, value) = match self {
            Self::Email(e) => ("email", e.as_str()),
            Self::Phone(p) => ("phone", p.as_str()),
            Self::Messenger(m) => ("messenger", m.as_str()),
        };
        keys::alternate_key(tenant.as_str(), kind, value)
    }
}

impl ContactId {
    /// The id a contact of `tenant` created for `key` gets.
    pub fn for_key(tenant: &TenantId, key: &ContactKey) -> Self {
        Self::for_partition(&key.partition(tenant))
    }
}

/// Accepted or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// YetiForce `PLL_ACCEPTANCE`.
    Accepted,
    /// YetiForce `PLL_RESIGNATION`.
    Resigned,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Resigned => "withdrawn",
        }
    }
}

/// A contact's current decision on one consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentState {
    pub decision: Decision,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The interaction the decision was taken in.
    pub interaction: InteractionId,
}

impl ConsentState {
    /// Whether this decision replaces `other`: later wins; at the same instant, the higher
    /// interaction id, so every order of deliveries ends the same.
    pub fn supersedes(&self, other: &ConsentState) -> bool {
        (self.at, self.interaction) > (other.at, other.interaction)
    }
}

/// A contact. Fields a channel does not know are left out, so a channel that adds to the
/// record (a caller's name) never erases what another wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub tenant: TenantId,
    pub id: ContactId,
    /// The name as a provider gives it whole (UIS `contact_full_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messenger_id: Option<MessengerId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<CompanyId>,
    /// Current consent state by consent name; the newest decision wins.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub consents: BTreeMap<String, ConsentState>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// What created it (`wde:<channel>:<interaction>`, `uis:<channel>:<call>`).
    pub created_by: String,
}

impl Entity for Contact {
    const TYPE: &'static str = "contact";

    fn key(&self) -> Key {
        keys::contact(self.tenant.as_str(), self.id.as_str())
    }
}

impl Contact {
    /// A new contact of `tenant` holding `keys` (at least one), with the id its keys give.
    pub fn new(tenant: &TenantId, keys: ContactKeys, created_at: OffsetDateTime, created_by: String) -> Option<Self> {
        let identity = keys.identity()?;
        Some(Self {
            tenant: tenant.clone(),
            id: ContactId::for_key(tenant, &identity),
            name: None,
            first_name: None,
            last_name: None,
            email: keys.email,
            phone: keys.phone,
            messenger_id: keys.messenger_id,
            company: None,
            consents: BTreeMap::new(),
            created_at,
            created_by,
        })
    }

    /// Every key value the contact can be found by.
    pub fn keys(&self) -> Vec<ContactKey> {
        let mut keys = Vec::new();
        keys.extend(self.email.clone().map(ContactKey::Email));
        keys.extend(self.phone.clone().map(ContactKey::Phone));
        keys.extend(self.messenger_id.clone().map(ContactKey::Messenger));
        keys
    }

    /// The name to show: first and last name, the provider's name, else whichever key it has.
    pub fn display_name(&self) -> String {
        let name =
            [self.first_name.as_deref(), self.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ");
        if !name.is_empty() {
            return name;
        }
        self.name
            .clone()
            .or_else(|| self.email.as_ref().map(|e| e.as_str().to_owned()))
            .or_else(|| self.phone.as_ref().map(|p| p.as_str().to_owned()))
            .unwrap_or_else(|| self.id.to_string())
    }

    fn lookup_items(&self) -> Vec<LookupItem> {
        self.keys()
            .into_iter()
            .map(|key| {
                let partition = key.partition(&self.tenant);
                let sk = keys::alternate_key_of_contact(&partition, self.id.as_str()).sk;
                LookupItem { pk: partition, sk, target: self.id.to_string(), token: None }
            })
            .collect()
    }

    /// Stores the contact and its key items. Each write is conditional: a repeated call writes
    /// nothing new, and one interrupted half-way is completed by the next.
    pub async fn create(&self, store: &Store) -> Result<Written, StoreError> {
        let written = store.put_new(self).await?;
        for item in self.lookup_items() {
            item.put(store).await?;
        }
        Ok(written)
    }

    /// Creates the contact with its key items, for a transaction that fails if the contact was
    /// created meanwhile (see [`Store::create_write`]).
    pub fn create_writes(&self, store: &Store) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = vec![store.create_write(self)?];
        for item in self.lookup_items() {
            writes.push(item.put_write(store)?);
        }
        Ok(writes)
    }

    /// Creates the contact or completes it, for a transaction: what it already has (name,
    /// creation, consents) is kept, and its key items are written with it.
    pub fn upsert_writes(&self, store: &Store) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = vec![store.upsert_write(self, &["name", "created_at", "created_by"])?];
        for item in self.lookup_items() {
            writes.push(item.put_write(store)?);
        }
        Ok(writes)
    }

    /// The writes that make the contact's key items follow it from `before` (as stored) to
    /// `self`, for the transaction that writes it: a key value it gained is written, one it lost
    /// is deleted, so a search by the old value no longer finds it and nothing is half-moved.
    pub fn key_writes(&self, before: Option<&Contact>, store: &Store) -> Result<Vec<TransactWriteItem>, StoreError> {
        let old = before.map(Contact::lookup_items).unwrap_or_default();
        let new = self.lookup_items();
        let mut writes = Vec::new();
        for item in new.iter().filter(|item| !old.contains(item)) {
            writes.push(item.put_write(store)?);
        }
        for item in old.iter().filter(|item| !new.iter().any(|n| n.key() == item.key())) {
            writes.push(item.delete_write(store)?);
        }
        Ok(writes)
    }

    /// The contacts of `tenant` holding `key`.
    pub async fn find(store: &Store, tenant: &TenantId, key: &ContactKey) -> Result<Match<ContactId>, StoreError> {
        let holders = LookupItem::holders(store, &key.partition(tenant)).await?;
        Ok(Match::from_vec(holders.into_iter().filter_map(|h| ContactId::parse(&h.target)).collect()))
    }

    /// The contact `id` of `tenant`; another tenant's contact is not found.
    pub async fn get(store: &Store, tenant: &TenantId, id: &ContactId) -> Result<Option<Self>, StoreError> {
        store.get(&keys::contact(tenant.as_str(), id.as_str())).await
    }

    /// Takes one consent decision into the contact's current state, unless a newer decision is
    /// already there, so decisions delivered in any order end in the same state. Whether the
    /// state changed.
    pub fn decide(&mut self, name: &str, decision: &ConsentState) -> bool {
        if self.consents.get(name).is_some_and(|known| !decision.supersedes(known)) {
            return false;
        }
        self.consents.insert(name.to_owned(), decision.clone());
        true
    }
}

/// The keys a new contact holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactKeys {
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub messenger_id: Option<MessengerId>,
}

impl ContactKeys {
    /// The key a new contact's id comes from: the phone first, so every channel that meets a
    /// number gives its contact the same id.
    fn identity(&self) -> Option<ContactKey> {
        self.phone
            .clone()
            .map(ContactKey::Phone)
            .or_else(|| self.email.clone().map(ContactKey::Email))
            .or_else(|| self.messenger_id.clone().map(ContactKey::Messenger))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::Country;

    fn tenant(name: &str) -> TenantId {
        TenantId::try_from(name.to_string()).expect("tenant")
    }

    #[test]
    fn ids_follow_the_creating_key_and_the_tenant() {
        let t = tenant("default");
        let email = ContactKey::Email(Email::parse("a@b.pl").expect("email"));
        assert_eq!(ContactId::for_key(&t, &email), ContactId::for_key(&t, &email.clone()));
        let phone =
            ContactKey::Phone(PhoneNumber::parse("+48884998123", Country::parse("PL").expect("PL")).expect("phone"));
        assert_ne!(ContactId::for_key(&t, &email), ContactId::for_key(&t, &phone));
        assert_ne!(ContactId::for_key(&t, &phone), ContactId::for_key(&tenant("other"), &phone));
        let id = ContactId::for_key(&t, &phone);
        assert_eq!(ContactId::parse(id.as_str()), Some(id));
        assert_eq!(ContactId::parse("c123"), None);
    }

    #[test]
    fn a_new_contact_takes_its_id_from_the_phone_first() {
        let t = tenant("default");
        let phone = PhoneNumber::parse("+48884998123", Country::parse("PL").expect("PL")).expect("phone");
        let keys = ContactKeys { email: Email::parse("a@b.pl"), phone: Some(phone.clone()), messenger_id: None };
        let contact = Contact::new(&t, keys, OffsetDateTime::UNIX_EPOCH, "test".into()).expect("has keys");
        assert_eq!(contact.id, ContactId::for_key(&t, &ContactKey::Phone(phone)));
        assert_eq!(contact.keys().len(), 2);
        assert!(Contact::new(&t, ContactKeys::default(), OffsetDateTime::UNIX_EPOCH, "test".into()).is_none());
    }
}
