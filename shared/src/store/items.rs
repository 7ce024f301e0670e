//! Typed, idempotent access to the table.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{DisplayErrorContext, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, KeysAndAttributes, Put, TransactWriteItem, Update};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::schema::{INDEXES, PK, SK, TTL, TYPE, VERSION};

/// One raw item of the table.
pub type Item = HashMap<String, AttributeValue>;

/// One transaction of [`Store::merge_batch`]: each merge it commits (the key's index, the new
/// entity, what writing it is) and all their actions.
type Transaction<E> = (Vec<(usize, E, Written)>, Vec<TransactWriteItem>);

/// The largest item DynamoDB stores, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// How many times an optimistic update re-reads after losing a race before giving up.
pub const MAX_UPDATE_ATTEMPTS: usize = 8;
/// The most actions DynamoDB takes in one TransactWriteItems.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;
/// The most keys DynamoDB takes in one BatchGetItem.
const MAX_BATCH_GET: usize = 100;

/// Why the table could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// DynamoDB failed or could not be reached: trying again may help.
    #[error("table {table}: {message}")]
    Backend { table: String, message: String },
    /// An item is not what its type says: trying again cannot help.
    #[error("item {key} cannot be read as {entity}: {message}")]
    Corrupt { key: String, entity: &'static str, message: String },
    /// Concurrent writers kept winning: trying again later may help.
    #[error("item {0} kept changing under {MAX_UPDATE_ATTEMPTS} concurrent updates")]
    Contention(String),
    /// The item would be larger than DynamoDB stores (400 KB): no retry can write it.
    #[error("item {key} would be {size} bytes, more than the {MAX_ITEM_BYTES} bytes an item may hold")]
    TooLarge { key: String, size: usize },
    /// The table itself is not there (a stack half deployed, a wrong name).
    #[error("table {0} does not exist")]
    NoTable(String),
    /// A caller's cursor is well formed but not one of this listing's: the caller's mistake.
    #[error("the cursor does not belong to this listing")]
    ForeignCursor,
}

impl StoreError {
    /// Whether a later attempt can succeed.
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::Corrupt { .. } | Self::ForeignCursor | Self::TooLarge { .. })
    }
}

/// A cursor a caller sent back that this store never handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this API returned")]
pub struct InvalidCursor;

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub pk: String,
    pub sk: String,
}

impl Key {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self { pk: pk.into(), sk: sk.into() }
    }

    fn to_item(&self) -> Item {
        HashMap::from([
            (PK.to_string(), AttributeValue::S(self.pk.clone())),
            (SK.to_string(), AttributeValue::S(self.sk.clone())),
        ])
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.pk, self.sk)
    }
}

/// A global secondary index of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Gsi1,
    Gsi2,
}

impl Index {
    pub fn attributes(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Gsi1 => INDEXES[0],
            Self::Gsi2 => INDEXES[1],
        }
    }
}

/// Something stored as one item. Its own fields are serialised with serde; the store adds the
/// key, the index keys, the type and the TTL.
pub trait Entity: Serialize + DeserializeOwned {
    /// Written to the `type` attribute.
    const TYPE: &'static str;

    fn key(&self) -> Key;

    /// Index entries: (index, partition key, sort key).
    fn index_keys(&self) -> Vec<(Index, String, String)> {
        Vec::new()
    }

    /// When DynamoDB may delete the item, in epoch seconds.
    fn expires_at(&self) -> Option<i64> {
        None
    }

    /// Whether the item holds a person's data (a phone number, a name, what a call or an
    /// interaction said) and so is kept only for the store's retention, counted from its last
    /// write, when it has no [`Entity::expires_at`] of its own.
    const PERSONAL_DATA: bool = false;
}

/// What a conditional write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
    /// The item was already there (or already as wanted): nothing was written.
    Unchanged,
}

/// Typed access to the table.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
    /// How long personal data is kept after its last write; `None` keeps it.
    retention: Option<time::Duration>,
}

impl Store {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into(), retention: None }
    }

    /// The same store, keeping items that hold personal data ([`Entity::PERSONAL_DATA`]) for
    /// `retention` after their last write: DynamoDB's TTL then deletes them.
    pub fn with_retention(self, retention: Option<time::Duration>) -> Self {
        Self { retention, ..self }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A failed DynamoDB call, as the store reports it.
    pub(crate) fn backend<E, R>(&self, error: SdkError<E, R>) -> StoreError
    where
        E: std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        StoreError::Backend { table: self.table.clone(), message: DisplayErrorContext(error).to_string() }
    }

    /// Whether the table exists and answers.
    pub async fn check(&self) -> Result<(), StoreError> {
        match self.client.describe_table().table_name(&self.table).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()) => {
                Err(StoreError::NoTable(self.table.clone()))
            }
            Err(e) => Err(self.backend(e)),
        }
    }

    fn encode<E: Entity>(&self, entity: &E, version: u64) -> Result<Item, StoreError> {
        let key = entity.key();
        let mut item: Item = serde_dynamo::to_item(entity).map_err(|e| StoreError::Corrupt {
            key: key.to_string(),
            entity: E::TYPE,
            message: e.to_string(),
        })?;
        item.extend(key.to_item());
        item.insert(TYPE.into(), AttributeValue::S(E::TYPE.into()));
        item.insert(VERSION.into(), AttributeValue::N(version.to_string()));
        for (index, pk, sk) in entity.index_keys() {
            let (_, pk_name, sk_name) = index.attributes();
            item.insert(pk_name.into(), AttributeValue::S(pk));
            item.insert(sk_name.into(), AttributeValue::S(sk));
        }
        let retained = || {
            let retention = self.retention.filter(|_| E::PERSONAL_DATA)?;
            Some((time::OffsetDateTime::now_utc() + retention).unix_timestamp())
        };
        if let Some(at) = entity.expires_at().or_else(retained) {
            item.insert(TTL.into(), AttributeValue::N(at.to_string()));
        }
        let size = item_size(&item);
        if size > MAX_ITEM_BYTES {
            return Err(StoreError::TooLarge { key: key.to_string(), size });
        }
        Ok(item)
    }

    fn decode<E: Entity>(&self, item: Item) -> Result<(E, u64), StoreError> {
        let version = match item.get(VERSION) {
            Some(AttributeValue::N(n)) => n.parse().unwrap_or(0),
            _ => 0,
        };
        let key = match (item.get(PK), item.get(SK)) {
            (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => format!("{pk}/{sk}"),
            _ => "?".into(),
        };
        let entity = serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt {
            key,
            entity: E::TYPE,
            message: e.to_string(),
        })?;
        Ok((entity, version))
    }

    /// Reads an item, or `None`. Expired items count as absent.
    pub async fn get<E: Entity>(&self, key: &Key) -> Result<Option<E>, StoreError> {
        Ok(self.get_versioned(key).await?.map(|(entity, _)| entity))
    }

    /// Reads an item with its version, for [`Store::versioned_write`].
    pub async fn get_versioned<E: Entity>(&self, key: &Key) -> Result<Option<(E, u64)>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| self.backend(e))?;
        match out.item {
            Some(item) if !is_expired(&item) => self.decode(item).map(Some),
            _ => Ok(None),
        }
    }

    /// Writes the entity unless an item with its key exists: one conditional write, so two
    /// concurrent deliveries of the same provider event store it once.
    pub async fn put_new<E: Entity>(&self, entity: &E) -> Result<Written, StoreError> {
        self.put_if(entity, "attribute_not_exists(#pk)", None).await
    }

    /// Writes the entity unless a live (unexpired) item holds its key: a short lease, such as
    /// the one that makes a double click place one call. `Unchanged` when the lease is held.
    pub async fn put_unless_live<E: Entity>(&self, entity: &E) -> Result<Written, StoreError> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        self.put_if(entity, "attribute_not_exists(#pk) OR #ttl <= :now", Some(now)).await
    }

    /// One conditional PutItem (`#pk` and `#ttl` name the key and the TTL, `:now` is `now`):
    /// `Unchanged` when the condition does not hold.
    async fn put_if<E: Entity>(&self, entity: &E, condition: &str, now: Option<i64>) -> Result<Written, StoreError> {
        let mut request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.encode(entity, 1)?))
            .condition_expression(condition)
            .expression_attribute_names("#pk", PK);
        if let Some(now) = now {
            request = request
                .expression_attribute_names("#ttl", TTL)
                .expression_attribute_values(":now", AttributeValue::N(now.to_string()));
        }
        match request.send().await {
            Ok(_) => Ok(Written::Created),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Ok(Written::Unchanged)
            }
            Err(e) => Err(self.backend(e)),
        }
    }

    /// Deletes the item at `key`, if any.
    pub async fn delete(&self, key: &Key) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .send()
            .await
            .map_err(|e| self.backend(e))?;
        Ok(())
    }

    /// [`Store::put_new`] with `writes` (made with [`Store::upsert_write`]) that must happen with
    /// it, in one TransactWriteItems: all or nothing. `Unchanged` when the entity exists.
    pub async fn put_new_with<E: Entity>(
        &self,
        entity: &E,
        writes: Vec<TransactWriteItem>,
    ) -> Result<Written, StoreError> {
        let all = std::iter::once(self.create_write(entity)?).chain(writes).collect();
        Ok(if self.transact(all).await? { Written::Created } else { Written::Unchanged })
    }

    /// Writes every item, each only if its key is new, in one transaction: all or nothing.
    /// `Unchanged` when any of them exists already. Build the items with [`Store::item_of`].
    pub async fn put_all_new(&self, items: Vec<Item>) -> Result<Written, StoreError> {
        let mut request = self.client.transact_write_items();
        for item in items {
            let put = aws_sdk_dynamodb::types::Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(#pk)")
                .expression_attribute_names("#pk", PK)
                .build()
                .map_err(|e| StoreError::Backend { table: self.table.clone(), message: e.to_string() })?;
            request = request.transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build());
        }
        match request.send().await {
            Ok(_) => Ok(Written::Created),
            Err(e)
                if matches!(
                    e.as_service_error(),
                    Some(aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError::TransactionCanceledException(t))
                        if t.cancellation_reasons().iter().any(|r| r.code() == Some("ConditionalCheckFailed"))
                ) =>
            {
                Ok(Written::Unchanged)
            }
            Err(e) => Err(self.backend(e)),
        }
    }

    /// The item `entity` is written as by [`Store::put_new`], for [`Store::put_all_new`].
    pub fn item_of<E: Entity>(&self, entity: &E) -> Result<HashMap<String, AttributeValue>, StoreError> {
        self.encode(entity, 1)
    }

    /// Merges into the item at `key`: `merge` gets the current entity (or `None`) and returns
    /// the new one, or `None` when nothing changes, in which case nothing is written. The write
    /// expects the version it read, so concurrent merges are re-applied, never lost.
    pub async fn update_with<E, F>(&self, key: &Key, mut merge: F) -> Result<(Written, Option<E>), StoreError>
    where
        E: Entity,
        F: FnMut(Option<&E>) -> Option<E>,
    {
        self.merge_with(key, |current| Ok(merge(current).map(|next| (next, Vec::new())))).await
    }

    /// Like [`Store::update_with`], but the merge also returns writes to other items (made with
    /// [`Store::upsert_write`]) that must happen with it: they go in the same
    /// TransactWriteItems, all or nothing, and are re-derived if the merge is re-applied.
    /// Without other writes this is one conditional PutItem.
    pub async fn merge_with<E, F>(&self, key: &Key, mut merge: F) -> Result<(Written, Option<E>), StoreError>
    where
        E: Entity,
        F: FnMut(Option<&E>) -> Result<Option<(E, Vec<TransactWriteItem>)>, StoreError>,
    {
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let current = self.get_versioned::<E>(key).await?;
            let read = current.as_ref().map(|(_, v)| *v);
            let current = current.map(|(e, _)| e);
            let Some((next, writes)) = merge(current.as_ref())? else { return Ok((Written::Unchanged, current)) };
            if let Some(written) = self.commit(key, read, &next, writes).await? {
                return Ok((written, Some(next)));
            }
        }
        Err(StoreError::Contention(key.to_string()))
    }

    /// The write half of [`Store::merge_with`], for a merge that must read other items between
    /// its read of `key` ([`Store::get_versioned`], which gave `read`) and its write (a query
    /// of related items whose changes, made with [`Store::versioned_write`], go with it):
    /// `next` with `writes` in one transaction (one conditional PutItem without), on condition
    /// that the item is still as read. `None` when it is not: the caller reads and merges again,
    /// at most [`MAX_UPDATE_ATTEMPTS`] times.
    pub async fn commit<E: Entity>(
        &self,
        key: &Key,
        read: Option<u64>,
        next: &E,
        writes: Vec<TransactWriteItem>,
    ) -> Result<Option<Written>, StoreError> {
        let item = self.merged_item(key, read, next)?;
        let written = if writes.is_empty() {
            let (condition, name, value) = unchanged_since(read);
            let request = self
                .client
                .put_item()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression(condition)
                .expression_attribute_names(name.0, name.1);
            let request = match value {
                Some((n, v)) => request.expression_attribute_values(n, v),
                None => request,
            };
            match request.send().await {
                Ok(_) => true,
                Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => false,
                Err(e) => return Err(self.backend(e)),
            }
        } else {
            let put = self.versioned_put(key, item, read)?;
            self.transact(std::iter::once(put).chain(writes).collect()).await?
        };
        Ok(written.then_some(if read.is_some() { Written::Updated } else { Written::Created }))
    }

    /// The item a merge writes at `key` over the version it read: a merge that moved the entity
    /// to another key is a bug, never written.
    fn merged_item<E: Entity>(&self, key: &Key, read: Option<u64>, next: &E) -> Result<Item, StoreError> {
        if next.key() != *key {
            return Err(StoreError::Corrupt {
                key: key.to_string(),
                entity: E::TYPE,
                message: format!("merge moved the item to {}", next.key()),
            });
        }
        self.encode(next, read.unwrap_or(0) + 1)
    }

    /// [`Store::merge_with`] for several items at once, so a batch costs what one item does:
    /// one consistent BatchGetItem reads them all, `merge` gets each key's index in `keys` and
    /// its current entity, and the changes go with their writes into TransactWriteItems of at
    /// most [`MAX_TRANSACTION_ACTIONS`] (one when they fit). A transaction that loses a race
    /// has its keys re-read and re-merged; the others stay written. `keys` must be distinct.
    pub async fn merge_batch<E, F>(&self, keys: &[Key], mut merge: F) -> Result<Vec<(Written, Option<E>)>, StoreError>
    where
        E: Entity,
        F: FnMut(usize, Option<&E>) -> Result<Option<(E, Vec<TransactWriteItem>)>, StoreError>,
    {
        if let Some(twice) = keys.iter().enumerate().find(|(i, k)| keys[..*i].contains(k)) {
            return Err(self.invalid_write(twice.1, "the key is named twice in one batch"));
        }
        let mut results: Vec<Option<(Written, Option<E>)>> = keys.iter().map(|_| None).collect();
        let mut pending: Vec<usize> = (0..keys.len()).collect();
        for _ in 0..MAX_UPDATE_ATTEMPTS {
            let wanted: Vec<&Key> = pending.iter().map(|&i| &keys[i]).collect();
            let mut current = self.batch_get_versioned::<E>(&wanted).await?;
            let mut transactions: Vec<Transaction<E>> = Vec::new();
            for (&i, read) in pending.iter().zip(current.iter_mut()) {
                let read = read.take();
                let Some((next, writes)) = merge(i, read.as_ref().map(|(e, _)| e))? else {
                    results[i] = Some((Written::Unchanged, read.map(|(e, _)| e)));
                    continue;
                };
                let version = read.as_ref().map(|(_, v)| *v);
                let put = self.versioned_put(&keys[i], self.merged_item(&keys[i], version, &next)?, version)?;
                let actions: Vec<TransactWriteItem> = std::iter::once(put).chain(writes).collect();
                if actions.len() > MAX_TRANSACTION_ACTIONS {
                    return Err(self.invalid_write(&keys[i], format!("{} writes in one transaction", actions.len())));
                }
                let written = if read.is_some() { Written::Updated } else { Written::Created };
                match transactions.last_mut() {
                    Some((merged, all)) if all.len() + actions.len() <= MAX_TRANSACTION_ACTIONS => {
                        merged.push((i, next, written));
                        all.extend(actions);
                    }
                    _ => transactions.push((vec![(i, next, written)], actions)),
                }
            }
            let mut lost = Vec::new();
            for (merged, all) in transactions {
                if self.transact(all).await? {
                    for (i, next, written) in merged {
                        results[i] = Some((written, Some(next)));
                    }
                } else {
                    lost.extend(merged.into_iter().map(|(i, ..)| i));
                }
            }
            if lost.is_empty() {
                return Ok(results.into_iter().map(|r| r.unwrap_or((Written::Unchanged, None))).collect());
            }
            pending = lost;
        }
        Err(StoreError::Contention(pending.first().map_or_else(String::new, |&i| keys[i].to_string())))
    }

    /// The items at `keys`, in their order (`None`: absent or expired), read consistently with
    /// as few BatchGetItem requests as DynamoDB allows ([`MAX_BATCH_GET`] keys each), the keys
    /// it leaves unprocessed asked for again.
    async fn batch_get_versioned<E: Entity>(&self, keys: &[&Key]) -> Result<Vec<Option<(E, u64)>>, StoreError> {
        let mut found: HashMap<Key, Item> = HashMap::new();
        for chunk in keys.chunks(MAX_BATCH_GET) {
            let mut wanted: Vec<Item> = chunk.iter().map(|k| k.to_item()).collect();
            for _ in 0..MAX_UPDATE_ATTEMPTS {
                if wanted.is_empty() {
                    break;
                }
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut wanted)))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| StoreError::Backend { table: self.table.clone(), message: e.to_string() })?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(&self.table, request)
                    .send()
                    .await
                    .map_err(|e| self.backend(e))?;
                for item in out.responses.unwrap_or_default().remove(&self.table).unwrap_or_default() {
                    if let (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) = (item.get(PK), item.get(SK)) {
                        found.insert(Key::new(pk.clone(), sk.clone()), item);
                    }
                }
                wanted = out
                    .unprocessed_keys
                    .unwrap_or_default()
                    .remove(&self.table)
                    .map(|left| left.keys)
                    .unwrap_or_default();
            }
            if !wanted.is_empty() {
                return Err(StoreError::Backend {
                    table: self.table.clone(),
                    message: format!("{} keys left unprocessed by BatchGetItem", wanted.len()),
                });
            }
        }
        keys.iter()
            .map(|key| match found.remove(*key) {
                Some(item) if !is_expired(&item) => self.decode(item).map(Some),
                _ => Ok(None),
            })
            .collect()
    }

    /// A write for a transaction: `entity`, created on condition that its key is still free, so
    /// that a concurrent creation makes the whole transaction fail rather than be overwritten.
    pub fn create_write<E: Entity>(&self, entity: &E) -> Result<TransactWriteItem, StoreError> {
        self.versioned_put(&entity.key(), self.encode(entity, 1)?, None)
    }

    /// A write for [`Store::commit`]: `entity` over the item read at `version` (from
    /// [`Store::query_index_versioned`] or [`Store::get_versioned`]), on condition that it has not
    /// changed since, so that a concurrent change makes the whole transaction re-read.
    pub fn versioned_write<E: Entity>(&self, entity: &E, version: u64) -> Result<TransactWriteItem, StoreError> {
        self.versioned_put(&entity.key(), self.encode(entity, version + 1)?, Some(version))
    }

    /// The Put of `item` at `key` on condition that the item is as it was read at `version`
    /// (`None`: it was not there).
    fn versioned_put(&self, key: &Key, item: Item, version: Option<u64>) -> Result<TransactWriteItem, StoreError> {
        let (condition, name, value) = unchanged_since(version);
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(condition)
            .expression_attribute_names(name.0, name.1)
            .set_expression_attribute_values(value.map(|(n, v)| HashMap::from([(n.to_string(), v)])))
            .build()
            .map_err(|e| self.invalid_write(key, e))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// One TransactWriteItems: `false` when a condition failed or a concurrent transaction won.
    async fn transact(&self, all: Vec<TransactWriteItem>) -> Result<bool, StoreError> {
        match self.client.transact_write_items().set_transact_items(Some(all)).send().await {
            Ok(_) => Ok(true),
            Err(e) if is_lost_race(&e) => Ok(false),
            Err(e) => Err(self.backend(e)),
        }
    }

    /// A write for [`Store::merge_with`]: sets every attribute of `entity` (with its key, index
    /// keys, type and TTL) on its item, creating it if needed, except that the attributes named
    /// in `keep` are only set when absent, so that a later owner's changes (a job's status) are
    /// never reset. Attributes the entity does not serialise are left as they are. The item's
    /// version is incremented, as a merge's write would.
    pub fn upsert_write<E: Entity>(&self, entity: &E, keep: &[&str]) -> Result<TransactWriteItem, StoreError> {
        let key = entity.key();
        let mut item = self.encode(entity, 0)?;
        item.remove(PK);
        item.remove(SK);
        item.remove(VERSION);
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut assignments = Vec::new();
        for (i, (attribute, value)) in item.into_iter().enumerate() {
            let (n, v) = (format!("#a{i}"), format!(":a{i}"));
            if keep.contains(&attribute.as_str()) {
                assignments.push(format!("{n} = if_not_exists({n}, {v})"));
            } else {
                assignments.push(format!("{n} = {v}"));
            }
            names.insert(n, attribute);
            values.insert(v, value);
        }
        // The version moves on, so a merge that read the item before this write re-reads
        // instead of writing back what it read.
        assignments.push("#version = if_not_exists(#version, :zero) + :one".into());
        names.insert("#version".into(), VERSION.to_string());
        values.insert(":zero".into(), AttributeValue::N("0".into()));
        values.insert(":one".into(), AttributeValue::N("1".into()));
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .update_expression(format!("SET {}", assignments.join(", ")))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(|e| self.invalid_write(&key, e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// A write for [`Store::merge_with`]: deletes the item at `key`, if there is one, in the same
    /// transaction as the merge (an alternate key a record no longer holds).
    pub fn delete_write(&self, key: &Key) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.to_item()))
            .build()
            .map_err(|e| self.invalid_write(key, e))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn invalid_write(&self, key: &Key, error: impl fmt::Display) -> StoreError {
        StoreError::Backend { table: self.table.clone(), message: format!("write of {key} is incomplete: {error}") }
    }

    /// Every item of one partition (`pk`), in sort-key order, as raw attributes: for reading a
    /// small aggregate in one request. Pages are followed.
    pub async fn partition(&self, pk: &str) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let (page, next) = self.query(Query { start, ..Query::table(pk) }).await?;
            items.extend(page);
            start = next;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Reads one raw item of [`Store::partition`] as an entity.
    pub fn decode_item<E: Entity>(&self, item: Item) -> Result<E, StoreError> {
        self.decode(item).map(|(entity, _)| entity)
    }

    /// One page of an index partition, newest (highest sort key) first.
    pub async fn query_index<E: Entity>(
        &self,
        index: Index,
        partition: &str,
        limit: i32,
        after: Option<&Cursor>,
    ) -> Result<Page<E>, StoreError> {
        self.page(Query { limit: Some(limit), start: after.map(Cursor::to_item), ..Query::index(index, partition) })
            .await
    }

    /// Up to `limit` items of an index partition, newest first, each with its version: for
    /// changes made with [`Store::versioned_write`]. Index reads are eventually consistent; the
    /// versions make a stale one fail its write rather than overwrite a newer item.
    pub async fn query_index_versioned<E: Entity>(
        &self,
        index: Index,
        partition: &str,
        limit: i32,
    ) -> Result<Vec<(E, u64)>, StoreError> {
        let (items, _) = self.query(Query { limit: Some(limit), ..Query::index(index, partition) }).await?;
        items.into_iter().map(|item| self.decode(item)).collect()
    }

    /// One page of an index partition, oldest (lowest sort key) first: a work list.
    pub async fn query_index_oldest_first<E: Entity>(
        &self,
        index: Index,
        partition: &str,
        limit: i32,
        after: Option<&Cursor>,
    ) -> Result<Page<E>, StoreError> {
        let query = Query {
            oldest_first: true,
            limit: Some(limit),
            start: after.map(Cursor::to_item),
            ..Query::index(index, partition)
        };
        self.page(query).await
    }

    async fn page<E: Entity>(&self, query: Query<'_>) -> Result<Page<E>, StoreError> {
        let (items, next) = self.query(query).await?;
        Ok(Page { items: self.decode_all(items)?, next: next.and_then(|key| Cursor::from_item(&key)) })
    }

    /// Up to `limit` items of partition `pk` whose sort key is between `from` and `to`
    /// (inclusive), in sort-key order, read consistently.
    pub async fn query_range<E: Entity>(
        &self,
        pk: &str,
        from: &str,
        to: &str,
        limit: i32,
    ) -> Result<Vec<E>, StoreError> {
        let query = Query { between: Some((from, to)), limit: Some(limit), ..Query::table(pk) };
        self.decode_all(self.query(query).await?.0)
    }

    /// One page of the items of partition `pk` whose sort key is between `from` and `to`
    /// (inclusive), in sort-key order, read consistently: a listing under one aggregate.
    pub async fn page_range<E: Entity>(
        &self,
        pk: &str,
        (from, to): (&str, &str),
        limit: i32,
        after: Option<&Cursor>,
    ) -> Result<Page<E>, StoreError> {
        let query = Query {
            between: Some((from, to)),
            limit: Some(limit),
            start: after.map(Cursor::to_item),
            ..Query::table(pk)
        };
        self.page(query).await
    }

    /// Up to `limit` items of partition `pk`, in sort-key order, read consistently: the holders
    /// of an alternate key, say.
    pub async fn query_partition<E: Entity>(&self, pk: &str, limit: i32) -> Result<Vec<E>, StoreError> {
        self.decode_all(self.query(Query { limit: Some(limit), ..Query::table(pk) }).await?.0)
    }

    /// The newest `limit` items of an index partition, of whatever type, as raw items: for a
    /// listing that mixes entities (a customer's history). Read them with [`Store::decode_item`]
    /// after checking [`item_type`].
    pub async fn query_index_items(&self, index: Index, partition: &str, limit: i32) -> Result<Vec<Item>, StoreError> {
        Ok(self.query(Query { limit: Some(limit), ..Query::index(index, partition) }).await?.0)
    }

    /// Up to `limit` items of an index partition whose sort key is at most `until`, oldest
    /// first, of whatever type, and where the next page starts: a work queue read in order.
    pub async fn query_index_until(
        &self,
        index: Index,
        partition: &str,
        until: &str,
        limit: i32,
        after: Option<&Cursor>,
    ) -> Result<(Vec<Item>, Option<Cursor>), StoreError> {
        let query = Query {
            until: Some(until),
            oldest_first: true,
            limit: Some(limit),
            start: after.map(Cursor::to_item),
            ..Query::index(index, partition)
        };
        let (items, next) = self.query(query).await?;
        Ok((items, next.and_then(|key| Cursor::from_item(&key))))
    }

    /// One page of a query, unexpired items only, and the key to continue from.
    async fn query(&self, query: Query<'_>) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let (index, pk_name, sk_name) = match query.index {
            Some(index) => {
                let (name, pk, sk) = index.attributes();
                (Some(name), pk, sk)
            }
            None => (None, PK, SK),
        };
        if let Some(start) = &query.start {
            // DynamoDB refuses a start key of another partition or index only as a server
            // error; a cursor must name exactly this listing's keys, and its partition.
            let mut wanted = vec![PK, SK];
            if index.is_some() {
                wanted.extend([pk_name, sk_name]);
            }
            let exact = start.len() == wanted.len() && wanted.iter().all(|name| start.contains_key(*name));
            let here = start.get(pk_name).and_then(|v| v.as_s().ok()).is_some_and(|p| p == query.partition);
            let bounded = start.values().all(|v| v.as_s().is_ok_and(|s| !s.is_empty() && s.len() <= 1024));
            // A start key outside the key condition is refused by DynamoDB as a server error too.
            let sort = start.get(sk_name).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or_default();
            let in_range = query.between.is_none_or(|(from, to)| (from..=to).contains(&sort))
                && query.until.is_none_or(|until| sort <= until);
            if !(exact && here && bounded && in_range) {
                return Err(StoreError::ForeignCursor);
            }
        }
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(str::to_owned))
            .expression_attribute_names("#p", pk_name)
            .expression_attribute_values(":p", AttributeValue::S(query.partition.into()))
            // Only the table reads consistently; index reads are eventually consistent.
            .consistent_read(index.is_none())
            .scan_index_forward(index.is_none() || query.oldest_first)
            .set_limit(query.limit)
            .set_exclusive_start_key(query.start);
        request = match (query.between, query.until) {
            (Some((from, to)), _) => request
                .key_condition_expression("#p = :p AND #s BETWEEN :lo AND :hi")
                .expression_attribute_names("#s", sk_name)
                .expression_attribute_values(":lo", AttributeValue::S(from.into()))
                .expression_attribute_values(":hi", AttributeValue::S(to.into())),
            (None, Some(until)) => request
                .key_condition_expression("#p = :p AND #s <= :hi")
                .expression_attribute_names("#s", sk_name)
                .expression_attribute_values(":hi", AttributeValue::S(until.into())),
            (None, None) => request.key_condition_expression("#p = :p"),
        };
        let out = request.send().await.map_err(|e| self.backend(e))?;
        let items = out.items.unwrap_or_default().into_iter().filter(|i| !is_expired(i)).collect();
        Ok((items, out.last_evaluated_key))
    }

    fn decode_all<E: Entity>(&self, items: Vec<Item>) -> Result<Vec<E>, StoreError> {
        items.into_iter().map(|item| self.decode(item).map(|(e, _)| e)).collect()
    }
}

/// What [`Store::query`] reads: the table's partitions oldest first and consistently, an
/// index's newest first unless `oldest_first`.
struct Query<'a> {
    index: Option<Index>,
    partition: &'a str,
    between: Option<(&'a str, &'a str)>,
    until: Option<&'a str>,
    oldest_first: bool,
    limit: Option<i32>,
    start: Option<Item>,
}

impl<'a> Query<'a> {
    fn table(partition: &'a str) -> Self {
        Self { index: None, partition, between: None, until: None, oldest_first: false, limit: None, start: None }
    }

    fn index(index: Index, partition: &'a str) -> Self {
        Self { index: Some(index), ..Self::table(partition) }
    }
}

/// An item's size as DynamoDB counts it: names and values, binary and strings by their bytes,
/// numbers by their digits, a little for each nested element.
fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => s.len(),
        AttributeValue::B(b) => b.as_ref().len(),
        AttributeValue::Ss(v) | AttributeValue::Ns(v) => v.iter().map(String::len).sum(),
        AttributeValue::Bs(v) => v.iter().map(|b| b.as_ref().len()).sum(),
        AttributeValue::L(v) => 3 + v.iter().map(|e| 1 + value_size(e)).sum::<usize>(),
        AttributeValue::M(m) => 3 + m.iter().map(|(k, e)| 1 + k.len() + value_size(e)).sum::<usize>(),
        _ => 1,
    }
}

/// The `type` attribute of a raw item.
pub fn item_type(item: &Item) -> Option<&str> {
    item.get(TYPE).and_then(|t| t.as_s().ok()).map(String::as_str)
}

/// One page of a query and where the next one starts.
#[derive(Debug)]
pub struct Page<E> {
    pub items: Vec<E>,
    pub next: Option<Cursor>,
}

/// Where a query stopped: an opaque, URL-safe token for API callers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(BTreeMap<String, String>);

impl Cursor {
    fn from_item(item: &Item) -> Option<Self> {
        item.iter()
            .map(|(k, v)| v.as_s().ok().map(|s| (k.clone(), s.clone())))
            .collect::<Option<BTreeMap<_, _>>>()
            .map(Self)
    }

    fn to_item(&self) -> Item {
        self.0.iter().map(|(k, v)| (k.clone(), AttributeValue::S(v.clone()))).collect()
    }

    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&self.0).unwrap_or_default())
    }

    /// Parses a token from a caller; anything that is not one of ours is refused.
    pub fn decode(token: &str) -> Result<Self, InvalidCursor> {
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidCursor)?;
        let map: BTreeMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
        if map.contains_key(PK) && map.contains_key(SK) { Ok(Self(map)) } else { Err(InvalidCursor) }
    }
}

/// The condition, attribute name and value under which a write replaces what was read at
/// `version`: the same version, or still nothing there.
fn unchanged_since(
    version: Option<u64>,
) -> (&'static str, (&'static str, &'static str), Option<(&'static str, AttributeValue)>) {
    match version {
        // Items created by `upsert_write` have no version yet.
        Some(0) => {
            ("attribute_not_exists(#v) OR #v = :v", ("#v", VERSION), Some((":v", AttributeValue::N("0".into()))))
        }
        Some(version) => ("#v = :v", ("#v", VERSION), Some((":v", AttributeValue::N(version.to_string())))),
        None => ("attribute_not_exists(#pk)", ("#pk", PK), None),
    }
}

/// Whether a transaction was cancelled because another writer got there first (a condition
/// failed or a concurrent transaction touched the same items): the merge is re-applied.
fn is_lost_race<R>(error: &SdkError<TransactWriteItemsError, R>) -> bool {
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) = error.as_service_error() else {
        return false;
    };
    cancelled
        .cancellation_reasons()
        .iter()
        .any(|r| matches!(r.code(), Some("ConditionalCheckFailed" | "TransactionConflict")))
}

fn is_expired(item: &Item) -> bool {
    let Some(AttributeValue::N(at)) = item.get(TTL) else { return false };
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    at.parse::<i64>().is_ok_and(|at| at <= now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_forgeries() {
        let item: Item = [("pk", "A"), ("sk", "B"), ("gsi1pk", "C")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), AttributeValue::S(v.to_string())))
            .collect();
        let cursor = Cursor::from_item(&item).expect("all strings");
        let token = cursor.encode();
        assert_eq!(Cursor::decode(&token).expect("ours"), cursor);
        assert_eq!(cursor.to_item(), item);
        assert_eq!(Cursor::decode("not a cursor"), Err(InvalidCursor));
        let no_key = URL_SAFE_NO_PAD.encode(br#"{"x":"y"}"#);
        assert!(Cursor::decode(&no_key).is_err());
    }
}
