//! Call records and what hangs off them, in one partition per call so that one Query reads
//! the whole aggregate:
//!
//! | `sk` | `type` | item |
//! |---|---|---|
//! | `CALL` | `uis_call` | the merged [`Call`]; `gsi1pk` = `CALLS#<channel>#<contact_id>`, `gsi1sk` = start time + id |
//! | `EVENT#<kind>#<digest>` | `uis_notification` | one delivery as received (token removed), for audit and replay |
//! | `TICKET` | `ticket` | see [`super::tickets`] |
//! | `RECORDING#<link_id>` | `recording_job` | see [`super::recording_jobs`] |
//!
//! `pk` is `CALL#<channel>#<call_session_id>`.

use serde::{Deserialize, Serialize};

use super::recording_jobs::RecordingJob;
use super::schema::TYPE as TYPE_ATTR;
use super::tickets::Ticket;
use super::{Cursor, Entity, Index, Key, Page, Store, StoreError};
use crate::uis::call::{Call, CallSessionId};
use crate::uis::notification::{BodyFormat, EventKind};

pub const TYPE: &str = "uis_call";

/// The partition of one call.
pub fn partition(channel: &str, call_session_id: CallSessionId) -> String {
    format!("CALL#{channel}#{call_session_id}")
}

pub fn key(channel: &str, call_session_id: CallSessionId) -> Key {
    Key::new(partition(channel, call_session_id), "CALL")
}

fn contact_partition(channel: &str, contact_id: &str) -> String {
    format!("CALLS#{channel}#{contact_id}")
}

impl Entity for Call {
    const TYPE: &'static str = TYPE;

    fn key(&self) -> Key {
        key(&self.channel, self.call_session_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        match &self.contact_id {
            Some(contact) => vec![(Index::Gsi1, contact_partition(&self.channel, contact), self.sort_key())],
            None => Vec::new(),
        }
    }
}

/// One notification as received, without the channel token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallNotification {
    pub channel: String,
    pub call_session_id: CallSessionId,
    pub kind: EventKind,
    pub digest: String,
    pub format: BodyFormat,
    pub received_at: String,
    /// Every field as received (JSON text), known or not.
    pub fields: String,
}

impl Entity for CallNotification {
    const TYPE: &'static str = "uis_notification";

    fn key(&self) -> Key {
        Key::new(
            partition(&self.channel, self.call_session_id),
            format!("EVENT#{}#{}", self.kind.as_str(), self.digest),
        )
    }
}

impl CallNotification {
    /// Stores the notification (the same delivery always lands on the same item).
    pub fn put_write(&self, store: &Store) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
        store.upsert_write(self, &["received_at"])
    }
}

/// A call with everything that hangs off it.
#[derive(Debug, Clone)]
pub struct CallDetail {
    pub call: Call,
    pub notifications: Vec<CallNotification>,
    pub ticket: Option<Ticket>,
    pub recordings: Vec<RecordingJob>,
}

impl CallDetail {
    /// Reads a call and its items in one Query; `None` when there is no such call.
    pub async fn read(
        store: &Store,
        channel: &str,
        call_session_id: CallSessionId,
    ) -> Result<Option<Self>, StoreError> {
        let mut call = None;
        let mut notifications = Vec::new();
        let mut ticket = None;
        let mut recordings = Vec::new();
        for item in store.partition(&partition(channel, call_session_id)).await? {
            match item.get(TYPE_ATTR).and_then(|t| t.as_s().ok()).map(String::as_str) {
                Some(TYPE) => call = Some(store.decode_item::<Call>(item)?),
                Some(<CallNotification as Entity>::TYPE) => notifications.push(store.decode_item(item)?),
                Some(super::tickets::TYPE) => ticket = Some(store.decode_item(item)?),
                Some(super::recording_jobs::TYPE) => recordings.push(store.decode_item(item)?),
                _ => {}
            }
        }
        notifications.sort_by(|a: &CallNotification, b| a.received_at.cmp(&b.received_at));
        Ok(call.map(|call| Self { call, notifications, ticket, recordings }))
    }
}

/// A contact's calls, newest first.
pub async fn of_contact(
    store: &Store,
    channel: &str,
    contact_id: &str,
    limit: i32,
    after: Option<&Cursor>,
) -> Result<Page<Call>, StoreError> {
    store.query_index(Index::Gsi1, &contact_partition(channel, contact_id), limit, after).await
}
