//! The store: one DynamoDB table for every entity, one S3 bucket for large bodies.
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
//! work (recording jobs) reaches the functions that do it. Every entity implements [`Entity`];
//! writes are conditional, so a provider's duplicate delivery never creates a second item.
//!
//! Entities, one module each, with their item layout in the module docs: [`calls`] (UIS call
//! records and stored notifications), [`contacts`], [`tickets`], [`recording_jobs`].

mod blobs;
pub mod calls;
pub mod chat_integrations;
pub mod chat_sessions;
pub mod companies;
pub mod consents;
pub mod contacts;
pub mod crm_contacts;
pub mod history;
pub mod interactions;
mod items;
pub mod lookup;
pub mod recording_jobs;
pub mod schema;
pub mod tickets;
pub mod transcripts;

pub use blobs::{BlobError, Blobs, MIN_PART_SIZE, StoredObject};
pub use items::{Cursor, Entity, Index, Item, Key, Page, Store, StoreError, Written};
