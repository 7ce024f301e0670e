//! A customer's timeline across channels: every activity (a UIS call, a WDE interaction, a chat
//! session) and every case of a contact carries an index entry in the contact's history
//! partition (gsi1), sorted by start time, and every activity of a company one in the company's
//! (gsi2). One Query gives the newest of everything.
//!
//! Joining another kind of entry: its entity sets `gsi1pk = keys::history_of_contact(..)` with
//! `keys::history_sort(started_at, "<KIND>#<id>")`, and gets a variant in [`TimelineEntry`].

use serde::Serialize;

use super::activity::Activity;
use super::case::Case;
use super::ids::{CompanyId, ContactId};
use crate::config::common::TenantId;
use crate::store::{Entity, Index, Store, StoreError, item_type, keys};

/// One entry of a customer's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TimelineEntry {
    Activity(Box<Activity>),
    Case(Box<Case>),
}

/// Whose timeline to read.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Contact(&'a ContactId),
    Company(&'a CompanyId),
}

/// The newest `limit` entries of the subject's timeline, newest first: one Query. Entries of a
/// type this version does not know are skipped.
pub async fn recent(
    store: &Store,
    tenant: &TenantId,
    subject: Subject<'_>,
    limit: i32,
) -> Result<Vec<TimelineEntry>, StoreError> {
    let (index, partition) = match subject {
        Subject::Contact(c) => (Index::Gsi1, keys::history_of_contact(tenant.as_str(), c.as_str())),
        Subject::Company(c) => (Index::Gsi2, keys::history_of_company(tenant.as_str(), c.as_str())),
    };
    let mut entries = Vec::new();
    for item in store.query_index_items(index, &partition, limit).await? {
        match item_type(&item) {
            Some(Activity::TYPE) => entries.push(TimelineEntry::Activity(Box::new(store.decode_item(item)?))),
            Some(Case::TYPE) => entries.push(TimelineEntry::Case(Box::new(store.decode_item(item)?))),
            _ => {}
        }
    }
    Ok(entries)
}
