//! The callback work list: an incoming call nobody answered is a callback the helpdesk owes the
//! caller. It is kept under its call (`CALLBACK`), listed per channel oldest first (gsi2) and
//! found per contact (gsi1), and it closes in one of two ways:
//!
//! - an agent marks it done (`POST /uis/callbacks/{ticket_id}/done`, or many at once), with
//!   who and when;
//! - a later answered call with the same contact — in either direction — closes it by itself.
//!
//! Every outgoing call to the contact while it is open counts as an attempt (a click-to-call
//! included, once, however many notifications follow it).
//!
//! The ticket keeps saying what happened on the call (`callback_needed`); the callback says
//! whether someone still has to act. Creating it goes in the call's own transaction, and its
//! open/done state is never reset by a redelivered notification.
//!
//! Cost, when a notification changes its call: none for ringing or talking incoming calls; one
//! Query for a finished or outgoing call with a known contact (its open callbacks) or a missed
//! one (the contact's later calls), the changes riding in the call's transaction. A duplicate
//! costs nothing here.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::call::{Call, CallSessionId, CallState, Direction, LocalTime};
use super::record;
use crate::config::common::ChannelId;
use crate::crm::ids::ContactId;
use crate::error::ApiError;
use crate::http::page_size;
use crate::phone::PhoneNumber;
use crate::store::{Cursor, Entity, Index, Key, Page, Store, StoreError, Written, keys};

/// How many outgoing calls an open callback remembers as attempts.
pub const MAX_ATTEMPTS: usize = 100;
/// How many of a contact's calls or open callbacks one follow-up looks at.
const FOLLOW_UP_LIMIT: i32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    Open,
    Done,
}

impl CallbackStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
        }
    }
}

/// Who closed a callback, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Done {
    /// The operator who marked it, or `None` when an answered call closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The answered call that closed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_call: Option<CallSessionId>,
}

/// A callback owed for a missed incoming call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Callback {
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    pub ticket_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    /// When the missed call started (the account's local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub called_at: Option<LocalTime>,
    pub status: CallbackStatus,
    /// The outgoing calls to the contact while it was open.
    #[serde(default)]
    pub attempts: BTreeSet<CallSessionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done: Option<Done>,
    /// The missed call's sort key: the list's order.
    pub order: String,
}

impl Entity for Callback {
    const TYPE: &'static str = "uis_callback";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::callback(self.channel.as_str(), self.call_session_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let (channel, status) = (self.channel.as_str(), self.status.as_str());
        let mut keys = vec![(Index::Gsi2, keys::callbacks_in_status(channel, status), self.order.clone())];
        if let Some(contact) = &self.contact_id {
            keys.push((Index::Gsi1, keys::callbacks_of_contact(channel, contact.as_str(), status), self.order.clone()));
        }
        keys
    }
}

/// What a follow-up or a done mark did to one callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Closed,
    AttemptCounted,
}

impl Callback {
    /// The callback a call asks for: an incoming call that was lost.
    pub fn for_call(call: &Call) -> Option<Self> {
        if call.state != CallState::Lost || call.direction != Some(Direction::In) {
            return None;
        }
        Some(Self {
            channel: call.channel.clone(),
            call_session_id: call.call_session_id,
            ticket_id: call.ticket_id.clone()?,
            contact_id: call.contact_id.clone(),
            contact_phone: call.contact_phone.clone(),
            contact_name: call.contact_name.clone(),
            called_at: call.started_at,
            status: CallbackStatus::Open,
            attempts: BTreeSet::new(),
            done: None,
            order: call.sort_key(),
        })
    }

    /// Creates the callback, or refreshes what the call says about it; its state (open or done,
    /// the attempts, the index entries that follow the state) is never reset.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        let (_, gsi1pk, gsi1sk) = Index::Gsi1.attributes();
        let (_, gsi2pk, gsi2sk) = Index::Gsi2.attributes();
        store.upsert_write(self, &["status", "attempts", "done", gsi1pk, gsi1sk, gsi2pk, gsi2sk])
    }

    /// Whether `call` came after the missed one (a call with no start time yet is happening now).
    fn precedes(&self, call: &Call) -> bool {
        call.call_session_id != self.call_session_id
            && match (self.called_at, call.started_at) {
                (Some(missed), Some(later)) => later > missed,
                _ => true,
            }
    }

    fn close(&mut self, by: Option<String>, answered_call: Option<CallSessionId>, at: OffsetDateTime) {
        self.status = CallbackStatus::Done;
        self.done = Some(Done { by, at, answered_call });
    }
}

/// What a merged call does to callbacks, for the call's own transaction.
#[derive(Debug, Default)]
pub struct FollowUp {
    pub changes: Vec<Change>,
    pub writes: Vec<TransactWriteItem>,
}

/// What a merged call means for callbacks: a missed one is created (or refreshed), closed at
/// once when an answered call of the contact already followed it (notifications come in any
/// order); an answered call closes the contact's open callbacks before it, and an outgoing one
/// counts as an attempt on them. `current` is the call as it was before this merge.
///
/// The writes go in the call's transaction, so the follow-up happens exactly when the call
/// changes and a duplicate delivery has nothing left to do. Each open callback is written over
/// the version the query read, so a concurrent change (an agent marking it done) makes the
/// whole transaction re-read instead of being overwritten.
pub async fn follow_up(
    store: &Store,
    current: Option<&Call>,
    call: &Call,
    now: OffsetDateTime,
) -> Result<FollowUp, StoreError> {
    let mut follow = FollowUp::default();
    if let Some(missed) = Callback::for_call(call) {
        follow.writes.extend(missed_call(store, current, missed, &mut follow.changes, now).await?);
        return Ok(follow);
    }
    let Some(contact) = &call.contact_id else { return Ok(follow) };
    let answered = call.state == CallState::Finished;
    let outgoing = call.direction == Some(Direction::Out);
    if !answered && !outgoing {
        return Ok(follow);
    }
    let partition = keys::callbacks_of_contact(call.channel.as_str(), contact.as_str(), CallbackStatus::Open.as_str());
    let open = store.query_index_versioned::<Callback>(Index::Gsi1, &partition, FOLLOW_UP_LIMIT).await?;
    let id = call.call_session_id;
    for (callback, version) in open.into_iter().filter(|(c, _)| c.status == CallbackStatus::Open && c.precedes(call)) {
        let mut next = callback.clone();
        if outgoing && next.attempts.len() < MAX_ATTEMPTS {
            next.attempts.insert(id);
        }
        let change = if answered {
            next.close(None, Some(id), now);
            Change::Closed
        } else {
            Change::AttemptCounted
        };
        if next != callback {
            follow.writes.push(store.versioned_write(&next, version)?);
            follow.changes.push(change);
        }
    }
    Ok(follow)
}

/// The write of a missed call's callback, if any: created or refreshed (its state kept), or
/// closed by the answered call of the contact that already followed it.
async fn missed_call(
    store: &Store,
    current: Option<&Call>,
    mut missed: Callback,
    changes: &mut Vec<Change>,
    now: OffsetDateTime,
) -> Result<Option<TransactWriteItem>, StoreError> {
    let before = current.and_then(Callback::for_call);
    let refresh = |missed: &Callback| (before.as_ref() != Some(missed)).then(|| missed.upsert_write(store)).transpose();
    let answered = match &missed.contact_id {
        Some(contact) => record::calls_of_contact(store, &missed.channel, contact, FOLLOW_UP_LIMIT, None)
            .await?
            .items
            .into_iter()
            .find(|c| c.state == CallState::Finished && missed.precedes(c))
            .map(|c| c.call_session_id),
        None => None,
    };
    let Some(answered) = answered else { return refresh(&missed) };
    if before.is_none() {
        // New: it is created closed.
        missed.close(None, Some(answered), now);
        changes.push(Change::Closed);
        return Ok(Some(missed.upsert_write(store)?));
    }
    // An earlier delivery created it: closed where it stands, if still open.
    match store.get_versioned::<Callback>(&missed.key()).await? {
        Some((stored, version)) if stored.status == CallbackStatus::Open => {
            let mut next = Callback { attempts: stored.attempts, ..missed };
            next.close(None, Some(answered), now);
            changes.push(Change::Closed);
            Ok(Some(store.versioned_write(&next, version)?))
        }
        _ => refresh(&missed),
    }
}

/// What marking one callback done found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marked {
    Closed(Callback),
    AlreadyDone(Callback),
    NotFound,
}

/// Marks the callback of ticket `ticket_id` done by `by`.
pub async fn mark_done(
    store: &Store,
    channel: &ChannelId,
    ticket_id: &str,
    by: &str,
    now: OffsetDateTime,
) -> Result<Marked, StoreError> {
    let Some(call_session_id) = ticket_id.strip_prefix("uis-").and_then(|id| id.parse::<CallSessionId>().ok()) else {
        return Ok(Marked::NotFound);
    };
    let key = keys::callback(channel.as_str(), call_session_id);
    let (written, callback) = store
        .update_with(&key, |current: Option<&Callback>| {
            let mut next = current.filter(|c| c.status == CallbackStatus::Open)?.clone();
            next.close(Some(by.to_owned()), None, now);
            Some(next)
        })
        .await?;
    Ok(match (written, callback) {
        (_, None) => Marked::NotFound,
        (Written::Unchanged, Some(callback)) => Marked::AlreadyDone(callback),
        (_, Some(callback)) => Marked::Closed(callback),
    })
}

/// One page of a channel's open callbacks, oldest first.
pub async fn open(
    store: &Store,
    channel: &ChannelId,
    limit: i32,
    after: Option<&Cursor>,
) -> Result<Page<Callback>, StoreError> {
    let partition = keys::callbacks_in_status(channel.as_str(), CallbackStatus::Open.as_str());
    store.query_index_oldest_first(Index::Gsi2, &partition, limit, after).await
}

/// The most tickets one bulk `done` may name.
pub const MAX_BULK: usize = 100;

/// `POST /uis/callbacks/{ticket_id}/done`, and the bulk form's body.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoneRequest {
    /// Who called back (as the helpdesk names its agents).
    pub operator: String,
    /// The bulk form only: the tickets whose callbacks are done.
    #[serde(default)]
    pub ticket_ids: Vec<String>,
}

impl DoneRequest {
    fn operator(&self) -> Result<&str, ApiError> {
        let operator = self.operator.trim();
        if operator.is_empty() || operator.len() > 64 || operator.chars().any(char::is_control) {
            return Err(ApiError::bad_request("invalid_field", "body.operator: 1 to 64 bytes of printable text"));
        }
        Ok(operator)
    }
}

/// The helpdesk's view of a callback.
pub fn view(callback: &Callback) -> serde_json::Value {
    serde_json::json!({
        "ticket_id": callback.ticket_id,
        "call_session_id": callback.call_session_id,
        "called_at": callback.called_at,
        "status": callback.status,
        "attempts": callback.attempts.len(),
        "contact": {
            "contact_id": callback.contact_id,
            "phone": callback.contact_phone,
            "name": callback.contact_name,
        },
        "done": callback.done,
    })
}

/// `GET /uis/callbacks`: a page of the channel's open callbacks, oldest first.
pub async fn list(
    store: &Store,
    channel: &ChannelId,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<serde_json::Value, ApiError> {
    let limit = page_size(limit)?;
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let page = open(store, channel, limit, cursor.as_ref()).await?;
    Ok(serde_json::json!({
        "callbacks": page.items.iter().map(view).collect::<Vec<_>>(),
        "next_cursor": page.next.map(|c| c.encode()),
    }))
}

/// `POST /uis/callbacks/{ticket_id}/done`: 404 when the ticket has no callback; marking a done
/// one again changes nothing and says so.
pub async fn done_one(
    store: &Store,
    channel: &ChannelId,
    ticket_id: &str,
    request: &DoneRequest,
) -> Result<serde_json::Value, ApiError> {
    if !request.ticket_ids.is_empty() {
        return Err(ApiError::bad_request("invalid_field", "body.ticket_ids: only for POST /uis/callbacks/done"));
    }
    let operator = request.operator()?;
    match mark_done(store, channel, ticket_id, operator, crate::clock::now()).await? {
        Marked::Closed(c) => Ok(serde_json::json!({ "result": "done", "callback": view(&c) })),
        Marked::AlreadyDone(c) => Ok(serde_json::json!({ "result": "already_done", "callback": view(&c) })),
        Marked::NotFound => Err(ApiError::NotFound(format!("ticket {ticket_id:?} has no callback"))),
    }
}

/// `POST /uis/callbacks/done`: each of up to [`MAX_BULK`] tickets, with a result per ticket.
pub async fn done_many(
    store: &Store,
    channel: &ChannelId,
    request: &DoneRequest,
) -> Result<serde_json::Value, ApiError> {
    let operator = request.operator()?;
    if request.ticket_ids.is_empty() || request.ticket_ids.len() > MAX_BULK {
        return Err(ApiError::bad_request("invalid_field", format!("body.ticket_ids: 1 to {MAX_BULK} ticket ids")));
    }
    let now = crate::clock::now();
    let mut results = Vec::new();
    for ticket_id in &request.ticket_ids {
        let result = match mark_done(store, channel, ticket_id, operator, now).await? {
            Marked::Closed(_) => "done",
            Marked::AlreadyDone(_) => "already_done",
            Marked::NotFound => "not_found",
        };
        results.push(serde_json::json!({ "ticket_id": ticket_id, "result": result }));
    }
    Ok(serde_json::json!({ "results": results }))
}
