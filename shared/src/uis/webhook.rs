//! One UIS notification, end to end:
//!
//! 1. read the body (413 above `service.max_body_bytes`) as JSON or form fields;
//! 2. find the channel by its token (`ud_channel_token` in the body, or the
//!    `X-UIS-Channel-Token` header) compared in constant time — 401 otherwise, nothing written;
//! 3. read the call id and fields into domain types (400 naming the field);
//! 4. merge into the call record; if the delivery was merged before, stop: nothing is written;
//! 5. otherwise write, in one transaction with the call record: the notification as received,
//!    the contact (when first linked or named), the ticket and the CRM activity with the cases
//!    the channel's rules open (each when it changes), what the call does to callbacks (a lost
//!    incoming call's own, the contact's open ones an answered or outgoing call closes or counts
//!    an attempt on: [`super::callback::follow_up`]), on a channel linked to Genesys Cloud the
//!    conversation job (when the call ends) and the jobs of what the delivery says about its
//!    employees (talking, after-call work: [`crate::ex::employee`]), and one job per newly
//!    accepted recording.
//!
//! A delivery costs one consistent GetItem and, unless it is a duplicate, one
//! TransactWriteItems; a lost race re-reads and re-merges. A changed finished or outgoing call
//! with a known contact adds the one Query that finds its callbacks. A duplicate is the GetItem
//! alone: everything it would do went with the first delivery's transaction.

use aws_sdk_dynamodb::types::TransactWriteItem;
use http::StatusCode;
use serde_json::json;
use time::OffsetDateTime;

use super::call::{Call, CallState, Incoming};
use super::callback;
use super::config::UisChannel;
use super::notification::{EventKind, Notification};
use super::record::CallNotification;
use super::ticket::Ticket;
use crate::App;
use crate::crm::contact::{Contact, ContactKeys};
use crate::error::ApiError;
use crate::ex::employee::from_call;
use crate::ex::employee_job::{self, EmployeeJob};
use crate::ex::job::ConversationJob;
use crate::http::{Request, Response, body, header_str, json_response, media_type};
use crate::recordings::job::RecordingJob;
use crate::store::{MAX_UPDATE_ATTEMPTS, Store, StoreError, Written};

/// The largest notification (as JSON) kept for audit: DynamoDB items hold at most 400 KB,
/// and a larger `service.max_body_bytes` must not make every delivery fail.
const MAX_STORED_FIELDS: usize = 300 * 1024;

/// Header that may carry the channel token instead of the body.
pub const TOKEN_HEADER: &str = "x-uis-channel-token";

/// Handles one delivery of a `kind` notification.
pub async fn receive(app: &App, req: &Request, kind: EventKind) -> Result<Response, ApiError> {
    let body = body(req, app.config.service.max_body_bytes)?;
    let form = media_type(req).as_deref() == Some("application/x-www-form-urlencoded");
    let notification = Notification::parse(kind, body, form)?;
    let token = header_str(req, TOKEN_HEADER).or(notification.token());
    let channel = super::channel_by_token(&app.config, token)?;
    let incoming = Incoming::read(&notification, channel)?;
    if !incoming.unreadable_phones.is_empty() {
        tracing::warn!(fields = ?incoming.unreadable_phones, "fields that are not phone numbers were left out");
    }
    let now = crate::clock::now();
    let (written, call, callbacks) =
        merge(&app.store, channel, &incoming, Some(&notification), Vec::new(), now).await?;
    crate::metrics::webhook(written != Written::Unchanged);
    tracing::info!(
        channel = %channel.id,
        call_session_id = %incoming.call_session_id,
        event = kind.as_str(),
        written = ?written,
        callbacks = ?callbacks,
        "notification merged"
    );
    let rejected: Vec<_> =
        incoming.recordings.values().filter_map(|r| r.rejected.as_ref()).map(ToString::to_string).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "call_session_id": incoming.call_session_id,
            "event": kind,
            "result": match written { Written::Created => "created", Written::Updated => "updated", Written::Unchanged => "unchanged" },
            "state": call.as_ref().map(|c| c.state),
            "ticket_id": call.as_ref().and_then(|c| c.ticket_id.clone()),
            "contact_id": call.as_ref().and_then(|c| c.contact_id.clone()),
            "recordings": { "accepted": incoming.new_recordings.len(), "rejected": rejected },
        }),
    ))
}

/// Merges what is known about a call into its record, with the writes that go with it, what
/// it does to callbacks and `extra` writes, in one transaction; `audit` is the notification to
/// keep, if it was one. Returns the callback changes with the call.
pub(super) async fn merge(
    store: &Store,
    channel: &UisChannel,
    incoming: &Incoming,
    audit: Option<&Notification>,
    extra: Vec<TransactWriteItem>,
    now: OffsetDateTime,
) -> Result<(Written, Option<Call>, Vec<callback::Change>), StoreError> {
    let key = crate::store::keys::call(channel.id.as_str(), incoming.call_session_id);
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let current = store.get_versioned::<Call>(&key).await?;
        let read = current.as_ref().map(|(_, version)| *version);
        let current = current.map(|(call, _)| call);
        let Some(call) = Call::merge(current.as_ref(), incoming, channel) else {
            return Ok((Written::Unchanged, current, Vec::new()));
        };
        let follow_up = callback::follow_up(store, current.as_ref(), &call, now).await?;
        let mut writes = writes_with(store, channel, current.as_ref(), &call, incoming, audit, now)?;
        writes.extend(follow_up.writes);
        writes.extend(extra.iter().cloned());
        if let Some(written) = store.commit(&key, read, &call, writes).await? {
            return Ok((written, Some(call), follow_up.changes));
        }
    }
    Err(StoreError::Contention(key.to_string()))
}

/// The writes that go with a merged call: only what this delivery changes.
fn writes_with(
    store: &Store,
    channel: &UisChannel,
    current: Option<&Call>,
    call: &Call,
    incoming: &Incoming,
    audit: Option<&Notification>,
    now: OffsetDateTime,
) -> Result<Vec<TransactWriteItem>, StoreError> {
    let mut writes = Vec::new();
    if let Some(notification) = audit {
        let mut fields = serde_json::to_string(&notification.fields_without_token()).unwrap_or_default();
        if fields.len() > MAX_STORED_FIELDS {
            fields = serde_json::json!({ "not_stored": format!("{} bytes of fields", fields.len()) }).to_string();
        }
        let received = CallNotification {
            channel: channel.id.clone(),
            call_session_id: incoming.call_session_id,
            kind: incoming.kind,
            digest: incoming.digest.clone(),
            format: notification.format,
            received_at: now,
            fields,
        };
        writes.push(received.put_write(store)?);
    }
    let activity = super::activity::projection(call, channel, now);
    if let Some(phone) = &call.contact_phone {
        let linked = |c: &Call| (c.contact_id.clone(), c.contact_name.clone());
        if current.map(linked) != Some(linked(call)) {
            let keys = ContactKeys { phone: Some(phone.clone()), ..ContactKeys::default() };
            let origin = format!("uis:{}:{}", channel.id, call.call_session_id);
            if let Some(mut contact) = Contact::new(&channel.tenant, keys, now, origin) {
                contact.name.clone_from(&call.contact_name);
                activity.name_contact(&mut contact, Some(channel.default_country));
                writes.extend(contact.upsert_writes(store)?);
            }
        }
    }
    let ticket = Ticket::for_call(call);
    if let Some(ticket) = &ticket
        && current.and_then(Ticket::for_call).as_ref() != Some(ticket)
    {
        writes.push(ticket.upsert_write(store)?);
    }
    writes.extend(activity.writes(store, current.map(|c| super::activity::projection(c, channel, now)).as_ref())?);
    let finished = |c: &Call| matches!(c.state, CallState::Finished | CallState::Lost);
    if let Some(genesys) = &channel.genesys
        && finished(call)
        && !current.is_some_and(finished)
    {
        writes.push(ConversationJob::pending(&channel.id, call.call_session_id, genesys, now).upsert_write(store)?);
    }
    if let (Some(genesys), Some(ex)) = (&channel.genesys, &channel.ex) {
        let mut unmapped = Vec::new();
        for (employee, event) in from_call(incoming.kind, &incoming.event, call, ex, now) {
            let Some(user_id) = ex.users.get(&employee) else {
                unmapped.push(employee);
                continue;
            };
            let who = employee_job::Mapped { channel: &channel.id, employee: &employee, user_id, genesys };
            for job in EmployeeJob::for_event(who, event, now) {
                writes.push(job.upsert_write(store)?);
            }
        }
        if !unmapped.is_empty() {
            tracing::info!(channel = %channel.id, ?unmapped, "employees without a Genesys Cloud user: their states are not sent");
        }
    }
    for recording in &incoming.new_recordings {
        if current.is_some_and(|c| c.recordings.contains_key(&recording.id)) {
            continue;
        }
        let host = call.recordings.get(&recording.id).and_then(|r| r.host.clone()).unwrap_or_default();
        let job = RecordingJob::pending(
            &channel.id,
            incoming.call_session_id,
            &recording.id,
            &recording.url,
            &host,
            channel.genesys.clone(),
            now,
        );
        writes.push(job.upsert_write(store)?);
    }
    Ok(writes)
}
