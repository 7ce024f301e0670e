//! How a call is kept: the merged [`Call`] and what hangs off it, in one partition per call so
//! that one Query reads the whole aggregate:
//!
//! | `sk` | `type` | item |
//! |---|---|---|
//! | `CALL` | `uis_call` | the merged [`Call`]; gsi1 lists a contact's calls on the channel |
//! | `EVENT#<kind>#<digest>` | `uis_notification` | one delivery as received (token removed), for audit and replay |
//! | `TICKET` | `ticket` | see [`super::ticket`] |
//! | `RECORDING#<link_id>` | `recording_job` | see [`crate::recordings::job`] |

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::call::{Call, CallSessionId};
use super::notification::{BodyFormat, EventKind};
use super::ticket::Ticket;
use crate::config::common::ChannelId;
use crate::crm::ids::ContactId;
use crate::recordings::job::RecordingJob;
use crate::store::{Cursor, Entity, Index, Key, Page, Store, StoreError, item_type, keys};

impl Entity for Call {
    const TYPE: &'static str = "uis_call";

    fn key(&self) -> Key {
        keys::call(self.channel.as_str(), self.call_session_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        match &self.contact_id {
            Some(contact) => {
                vec![(Index::Gsi1, keys::calls_of_contact(self.channel.as_str(), contact.as_str()), self.sort_key())]
            }
            None => Vec::new(),
        }
    }
}

/// One notification as received, without the channel token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallNotification {
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    pub kind: EventKind,
    pub digest: String,
    pub format: BodyFormat,
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    /// Every field as received (JSON text), known or not.
    pub fields: String,
}

impl Entity for CallNotification {
    const TYPE: &'static str = "uis_notification";

    fn key(&self) -> Key {
        keys::call_notification(self.channel.as_str(), self.call_session_id, self.kind.as_str(), &self.digest)
    }
}

impl CallNotification {
    /// Stores the notification (the same delivery always lands on the same item).
    pub fn put_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
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
        channel: &ChannelId,
        call_session_id: CallSessionId,
    ) -> Result<Option<Self>, StoreError> {
        let mut call = None;
        let mut notifications = Vec::new();
        let mut ticket = None;
        let mut recordings = Vec::new();
        for item in store.partition(&keys::call_partition(channel.as_str(), call_session_id)).await? {
            match item_type(&item) {
                Some(Call::TYPE) => call = Some(store.decode_item::<Call>(item)?),
                Some(CallNotification::TYPE) => notifications.push(store.decode_item(item)?),
                Some(Ticket::TYPE) => ticket = Some(store.decode_item(item)?),
                Some(RecordingJob::TYPE) => recordings.push(store.decode_item(item)?),
                _ => {}
            }
        }
        notifications.sort_by_key(|n: &CallNotification| n.received_at);
        Ok(call.map(|call| Self { call, notifications, ticket, recordings }))
    }
}

/// The call `call_session_id` of `channel`, if known.
pub async fn get(
    store: &Store,
    channel: &ChannelId,
    call_session_id: CallSessionId,
) -> Result<Option<Call>, StoreError> {
    store.get(&keys::call(channel.as_str(), call_session_id)).await
}

/// A contact's calls on `channel`, newest first.
pub async fn calls_of_contact(
    store: &Store,
    channel: &ChannelId,
    contact: &ContactId,
    limit: i32,
    after: Option<&Cursor>,
) -> Result<Page<Call>, StoreError> {
    store.query_index(Index::Gsi1, &keys::calls_of_contact(channel.as_str(), contact.as_str()), limit, after).await
}
