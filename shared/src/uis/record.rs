//! How a call is kept: the merged [`Call`] and what hangs off it, in one partition per call;
//! [`CallDetail::read`] reads the call with one page of its notifications:
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
use super::recording::MAX_RECORDINGS;
use super::ticket::Ticket;
use crate::config::common::ChannelId;
use crate::crm::ids::ContactId;
use crate::recordings::job::RecordingJob;
use crate::store::{Cursor, Entity, Index, Key, Page, Store, StoreError, keys};

impl Entity for Call {
    const TYPE: &'static str = "uis_call";
    const PERSONAL_DATA: bool = true;

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
    const PERSONAL_DATA: bool = true;

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

/// A call with what hangs off it, and one page of its notifications: a call may have been
/// delivered thousands of times, so its notifications are read page by page.
#[derive(Debug, Clone)]
pub struct CallDetail {
    pub call: Call,
    /// In the order they are kept: by event, then by delivery.
    pub notifications: Vec<CallNotification>,
    /// Where the next page of notifications starts, if there is one.
    pub next: Option<Cursor>,
    pub ticket: Option<Ticket>,
    pub recordings: Vec<RecordingJob>,
}

impl CallDetail {
    /// Reads a call, its ticket, its first [`RECORDING_JOBS_READ`] recording jobs and up to
    /// `limit` notifications after `after`, in four concurrent reads; `None` when there is no
    /// such call.
    pub async fn read(
        store: &Store,
        channel: &ChannelId,
        call_session_id: CallSessionId,
        limit: i32,
        after: Option<&Cursor>,
    ) -> Result<Option<Self>, StoreError> {
        let pk = keys::call_partition(channel.as_str(), call_session_id);
        let (call_key, ticket_key) =
            (keys::call(channel.as_str(), call_session_id), keys::ticket(channel.as_str(), call_session_id));
        let (call, ticket, recordings, page) = futures::try_join!(
            store.get::<Call>(&call_key),
            store.get::<Ticket>(&ticket_key),
            store.query_range::<RecordingJob>(
                &pk,
                keys::CALL_RECORDINGS.0,
                keys::CALL_RECORDINGS.1,
                RECORDING_JOBS_READ
            ),
            store.page_range::<CallNotification>(&pk, keys::CALL_NOTIFICATIONS, limit, after),
        )?;
        Ok(call.map(|call| Self { call, notifications: page.items, next: page.next, ticket, recordings }))
    }
}

/// The recording jobs one read returns: a delivery brings at most [`MAX_RECORDINGS`], and the
/// call itself lists every recording it has; this keeps the answer bounded however many
/// deliveries brought recordings.
pub const RECORDING_JOBS_READ: i32 = 5 * MAX_RECORDINGS as i32;

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
