//! The store: one DynamoDB table for every entity, one S3 bucket for large bodies. It knows
//! keys, conditional writes, merges, transactions, queries and cursors; it knows nothing of
//! calls, contacts or jobs — each domain owns its entities (their `impl Entity` lives with
//! them) and builds their keys through [`keys`].
//!
//! # Single-table design
//!
//! | attribute | role |
//! |---|---|
//! | `pk`, `sk` (S) | primary key; `pk` groups what is read together (`CALL#<channel>#<id>`) |
//! | `gsi1pk`, `gsi1sk` (S) | index `gsi1`: lookups by an alternate key, newest first by `gsi1sk` |
//! | `gsi2pk`, `gsi2sk` (S) | index `gsi2`: work queues and status listings |
//! | `type` (S) | the entity type, for streams and audits |
//! | `expires_at` (N) | TTL in epoch seconds; DynamoDB deletes lazily, so readers also check it |
//! | `_v` (N) | the version an optimistic update expects |
//!
//! Both indexes project all attributes. The table streams new and old images, which is how
//! work (recording jobs) reaches the functions that do it. Writes are conditional, so a
//! provider's duplicate delivery never creates a second item. Every key format is in [`keys`].

mod blobs;
mod items;
pub mod keys;
pub mod lookup;
pub mod schema;

pub use blobs::{BlobError, Blobs, MIN_PART_SIZE, StoredObject};
pub use items::{
    Cursor, Entity, Index, InvalidCursor, Item, Key, MAX_ITEM_BYTES, MAX_TRANSACTION_ACTIONS, MAX_UPDATE_ATTEMPTS,
    Page, Store, StoreError, Written, item_type,
};
