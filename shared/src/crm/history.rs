//! A customer's history across channels: every interaction or call that involves a contact
//! (or a company) carries an index entry in the contact's (company's) history partition,
//! sorted by start time, so one query lists the newest from every channel.
//!
//! Joining another channel: its call entity sets `gsi1pk = contact_partition(contact)` (and
//! `gsi2pk = company_partition(company)`) with `sort_key(started_at, "<SOURCE>#<id>")`, and
//! gets a variant in [`HistoryEntry`]. UIS calls keep their own per-channel contacts (keyed
//! by E.164 number), so [`uis_calls`] finds them by the CRM contact's phone on every UIS
//! channel and [`newest_first`] merges them in.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::calls;
use super::companies::CompanyId;
use super::contacts;
use super::crm_contacts::ContactId;
use super::interactions::Interaction;
use super::items::{Entity, Store, StoreError};
use super::schema::{INDEXES, TYPE};
use crate::config::{Channel, Config};
use crate::phone::PhoneNumber;
use crate::uis::call::Call;

pub fn contact_partition(contact: &ContactId) -> String {
    format!("HISTORY#CONTACT#{contact}")
}

pub fn company_partition(company: &CompanyId) -> String {
    format!("HISTORY#COMPANY#{company}")
}

/// Sorts by start time (unknown times first), then by source and id.
pub fn sort_key(started_at: Option<OffsetDateTime>, source_id: &str) -> String {
    format!("{:012}#{source_id}", started_at.map_or(0, |t| t.unix_timestamp().max(0)))
}

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
            Self::UisCall(call) => {
                let text = call.started_at.as_deref()?.get(..19)?;
                let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
                time::PrimitiveDateTime::parse(text, format).ok().map(|t| t.assume_utc())
            }
        }
    }
}

/// Sorts entries from several channels newest first and keeps `limit` of them.
pub fn newest_first(entries: &mut Vec<HistoryEntry>, limit: usize) {
    entries.sort_by_key(|e| std::cmp::Reverse(e.started_at()));
    entries.truncate(limit);
}

/// The newest `limit` UIS calls of `phone`, on every UIS channel of the configuration.
pub async fn uis_calls(
    store: &Store,
    config: &Config,
    phone: &PhoneNumber,
    limit: i32,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut entries = Vec::new();
    for channel in &config.channels {
        if let Channel::Uis(uis) = channel {
            let contact = contacts::contact_id(uis.id.as_str(), phone);
            let page = calls::of_contact(store, uis.id.as_str(), &contact, limit, None).await?;
            entries.extend(page.items.into_iter().map(|call| HistoryEntry::UisCall(Box::new(call))));
        }
    }
    Ok(entries)
}

/// Whose history to read.
#[derive(Debug, Clone)]
pub enum Subject<'a> {
    Contact(&'a ContactId),
    Company(&'a CompanyId),
}

/// The newest `limit` entries of the subject's history, newest first. Entries of a type this
/// version does not know are skipped.
pub async fn recent(store: &Store, subject: Subject<'_>, limit: i32) -> Result<Vec<HistoryEntry>, StoreError> {
    let (index, partition) = match subject {
        Subject::Contact(c) => (INDEXES[0], contact_partition(c)),
        Subject::Company(c) => (INDEXES[1], company_partition(c)),
    };
    let (name, pk, _) = index;
    let out = store
        .client()
        .query()
        .table_name(store.table())
        .index_name(name)
        .key_condition_expression("#p = :p")
        .expression_attribute_names("#p", pk)
        .expression_attribute_values(":p", AttributeValue::S(partition.clone()))
        .scan_index_forward(false)
        .limit(limit)
        .send()
        .await
        .map_err(|e| store.backend(e))?;
    let mut entries = Vec::new();
    for item in out.items.unwrap_or_default() {
        let kind = item.get(TYPE).and_then(|t| t.as_s().ok()).cloned().unwrap_or_default();
        if kind == Interaction::TYPE {
            let interaction: Interaction = serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt {
                key: partition.clone(),
                entity: Interaction::TYPE,
                message: e.to_string(),
            })?;
            entries.push(HistoryEntry::Wde(Box::new(interaction)));
        }
    }
    Ok(entries)
}
