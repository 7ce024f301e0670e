//! Contacts: the people calls are with, found by phone number.
//!
//! | attribute | value |
//! |---|---|
//! | `pk` / `sk` | `CONTACT#<channel>#<contact_id>` / `CONTACT` |
//! | `type` | `contact` |
//! | `contact_id` | `c` + 20 hex digits of SHA-256(`<channel>|<E.164>`) |
//! | `phone`, `name`, `created_at` | E.164 number; name and creation time as first known |
//!
//! The id is derived from the normalised number, so finding a caller by phone is one GetItem
//! and creating one is an idempotent write that concurrent deliveries cannot duplicate.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Entity, Key, Store, StoreError};
use crate::phone::PhoneNumber;

pub const TYPE: &str = "contact";

/// The contact id of a phone number on a channel.
pub fn contact_id(channel: &str, phone: &PhoneNumber) -> String {
    let digest = Sha256::digest(format!("{channel}|{}", phone.as_str()).as_bytes());
    format!("c{}", hex::encode(&digest[..10]))
}

pub fn key(channel: &str, contact_id: &str) -> Key {
    Key::new(format!("CONTACT#{channel}#{contact_id}"), "CONTACT")
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub channel: String,
    pub contact_id: String,
    pub phone: PhoneNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub created_at: String,
}

impl Entity for Contact {
    const TYPE: &'static str = TYPE;

    fn key(&self) -> Key {
        key(&self.channel, &self.contact_id)
    }
}

impl Contact {
    pub fn new(channel: &str, phone: PhoneNumber, name: Option<String>, now: &str) -> Self {
        Self { channel: channel.into(), contact_id: contact_id(channel, &phone), phone, name, created_at: now.into() }
    }

    /// Creates the contact or leaves it as it is; a name is only filled in when it has none.
    pub fn upsert_write(&self, store: &Store) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
        store.upsert_write(self, &["name", "created_at"])
    }

    /// The contact with this number, if any.
    pub async fn find_by_phone(store: &Store, channel: &str, phone: &PhoneNumber) -> Result<Option<Self>, StoreError> {
        store.get(&key(channel, &contact_id(channel, phone))).await
    }
}
