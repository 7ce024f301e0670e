//! Alternate keys shared by many records: one small item per (key value, record), in the
//! key value's partition, so a strongly consistent query finds every record holding the
//! value and a second holder shows up as an ambiguity instead of being overwritten.

use serde::{Deserialize, Serialize};

use super::items::{Entity, Key, Store, StoreError, Written};
use super::schema::PK;

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
    pub(crate) fn from_vec(mut found: Vec<T>) -> Self {
        match found.len() {
            0 => Self::None,
            1 => found.pop().map_or(Self::None, Self::One),
            _ => Self::Ambiguous(found),
        }
    }
}

/// Records `target` as a holder of the value whose partition is `partition`.
pub(crate) async fn put(store: &Store, item: &LookupItem) -> Result<Written, StoreError> {
    store.put_new(item).await
}

/// Every holder of the value (up to [`MAX_HOLDERS`]), read consistently.
pub(crate) async fn holders(store: &Store, partition: &str) -> Result<Vec<LookupItem>, StoreError> {
    let out = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("#p = :p")
        .expression_attribute_names("#p", PK)
        .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S(partition.into()))
        .consistent_read(true)
        .limit(MAX_HOLDERS)
        .send()
        .await
        .map_err(|e| store.backend(e))?;
    out.items
        .unwrap_or_default()
        .into_iter()
        .map(|item| {
            serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt {
                key: partition.into(),
                entity: LookupItem::TYPE,
                message: e.to_string(),
            })
        })
        .collect()
}
