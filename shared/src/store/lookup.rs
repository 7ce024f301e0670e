//! Alternate keys shared by many records: one small item per (key value, record), in the key
//! value's partition, so a strongly consistent query finds every record holding the value and a
//! second holder shows up as an ambiguity instead of being overwritten.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::items::{Entity, Key, Store, StoreError, Written};

/// How many holders of one key value are read; more than one is already ambiguous.
const MAX_HOLDERS: i32 = 10;

/// One record holding one key value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupItem {
    pub pk: String,
    pub sk: String,
    /// The record's id.
    pub target: String,
    /// A second factor the match requires (a company's customer token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Entity for LookupItem {
    const TYPE: &'static str = "lookup";

    fn key(&self) -> Key {
        Key::new(&self.pk, &self.sk)
    }
}

/// What a search by one key value found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Match<T> {
    None,
    One(T),
    /// Several records hold the value: never pick one.
    Ambiguous(Vec<T>),
}

impl<T> Match<T> {
    pub fn from_vec(mut found: Vec<T>) -> Self {
        match found.len() {
            0 => Self::None,
            1 => found.pop().map_or(Self::None, Self::One),
            _ => Self::Ambiguous(found),
        }
    }
}

impl LookupItem {
    /// Records the holder; a repeated call writes nothing.
    pub async fn put(&self, store: &Store) -> Result<Written, StoreError> {
        store.put_new(self).await
    }

    /// The same, as part of a transaction.
    pub fn put_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &[])
    }

    /// Removes the holder, as part of a transaction: the record no longer holds the value.
    pub fn delete_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.delete_write(&self.key())
    }

    /// Every holder of the value whose partition is `partition` (up to ten: more than one is already ambiguous), read
    /// consistently.
    pub async fn holders(store: &Store, partition: &str) -> Result<Vec<Self>, StoreError> {
        store.query_partition(partition, MAX_HOLDERS).await
    }
}
