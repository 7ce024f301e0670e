//! A customer's timeline across channels: every WDE interaction that involves a contact (or a
//! company) carries an index entry in the contact's (company's) history partition, sorted by
//! start time, and the contact's UIS calls are listed per UIS channel of the tenant. Both are
//! the same contact record, so one read gives the newest of everything.
//!
//! Joining another source: its entity sets `gsi1pk = keys::history_of_contact(..)` (and
//! `gsi2pk = keys::history_of_company(..)`) with `keys::history_sort(started_at, "<SOURCE>#<id>")`,
//! and gets a variant in [`HistoryEntry`].

use time::OffsetDateTime;

use super::ids::{CompanyId, ContactId};
use super::interaction::Interaction;
use crate::config::common::{ChannelId, TenantId};
use crate::store::{Entity, Index, Store, StoreError, item_type, keys};
use crate::uis::call::Call;
use crate::uis::record;

/// One entry of a history, whatever channel it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum HistoryEntry {
    Wde(Box<Interaction>),
    UisCall(Box<Call>),
}

impl HistoryEntry {
    /// When it started. UIS gives account-local times without an offset; they are read as UTC,
    /// which only matters for ordering against other channels within the offset.
    pub fn started_at(&self) -> Option<OffsetDateTime> {
        match self {
            Self::Wde(interaction) => interaction.started_at,
            Self::UisCall(call) => call.started_at.map(|t| t.assume_utc()),
        }
    }
}

/// Whose history to read.
#[derive(Debug, Clone)]
pub enum Subject<'a> {
    Contact(&'a ContactId),
    Company(&'a CompanyId),
}

/// The newest `limit` entries of the subject's history, newest first: its WDE interactions
/// and, for a contact, its calls on `uis_channels` (the UIS channels of the tenant). Entries of
/// a type this version does not know are skipped.
pub async fn recent(
    store: &Store,
    tenant: &TenantId,
    subject: Subject<'_>,
    uis_channels: impl IntoIterator<Item = &ChannelId>,
    limit: i32,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let (index, partition) = match &subject {
        Subject::Contact(c) => (Index::Gsi1, keys::history_of_contact(tenant.as_str(), c.as_str())),
        Subject::Company(c) => (Index::Gsi2, keys::history_of_company(tenant.as_str(), c.as_str())),
    };
    let mut entries = Vec::new();
    for item in store.query_index_items(index, &partition, limit).await? {
        if item_type(&item) == Some(Interaction::TYPE) {
            entries.push(HistoryEntry::Wde(Box::new(store.decode_item(item)?)));
        }
    }
    if let Subject::Contact(contact) = subject {
        for channel in uis_channels {
            let page = record::calls_of_contact(store, channel, contact, limit, None).await?;
            entries.extend(page.items.into_iter().map(|call| HistoryEntry::UisCall(Box::new(call))));
        }
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.started_at()));
    entries.truncate(usize::try_from(limit).unwrap_or(0));
    Ok(entries)
}
