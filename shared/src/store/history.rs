//! A customer's history across channels: every interaction or call that involves a contact
//! (or a company) carries an index entry in the contact's (company's) history partition,
//! sorted by start time, so one query lists the newest from every channel.
//!
//! Joining another channel: its call entity sets `gsi1pk = contact_partition(contact)` (and
//! `gsi2pk = company_partition(company)`) with `sort_key(started_at, "<SOURCE>#<id>")`, and
//! gets a variant in [`HistoryEntry`]. UIS calls join here once their contacts are unified
//! with [`crm_contacts`](super::crm_contacts).

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::companies::CompanyId;
use super::crm_contacts::ContactId;
use super::interactions::Interaction;
use super::items::{Entity, Store, StoreError};
use super::schema::{INDEXES, TYPE};

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
        .map_err(|e| StoreError::Backend {
            table: store.table().into(),
            message: aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string(),
        })?;
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
