//! The helpdesk's view of UIS calls, for a channel authenticated by its API key: a contact by
//! phone, a contact's calls page by page, one call with what hangs off it and its notifications
//! page by page. A key
//! only ever sees its own channel's calls and its own tenant's contacts.

use serde::Serialize;
use serde_json::{Value, json};

use super::call::{Call, CallSessionId};
use super::config::UisChannel;
use super::record::{self, CallDetail};
use crate::clock::rfc3339;
use crate::crm::contact::{Contact, ContactKey};
use crate::crm::ids::ContactId;
use crate::error::ApiError;
use crate::http::{page_size, page_size_up_to};
use crate::phone::PhoneNumber;
use crate::recordings::playback::recording_id;
use crate::store::lookup::Match;
use crate::store::{Cursor, Store};

/// A contact as the helpdesk sees it through one UIS channel.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactView {
    pub channel: String,
    pub contact_id: ContactId,
    pub phone: PhoneNumber,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub created_at: String,
}

/// The contact of the channel's tenant with this number (any notation).
pub async fn contact_by_phone(store: &Store, channel: &UisChannel, phone: &str) -> Result<ContactView, ApiError> {
    let phone = PhoneNumber::parse(phone, channel.default_country)
        .map_err(|e| ApiError::bad_request("invalid_query", format!("query.phone: {e}")))?;
    let not_found = || ApiError::NotFound("no contact has this phone number".into());
    let id = match Contact::find(store, &channel.tenant, &ContactKey::Phone(phone.clone())).await? {
        Match::One(id) => id,
        Match::None => return Err(not_found()),
        Match::Ambiguous(ids) => {
            return Err(ApiError::Conflict(format!("{} contacts have this phone number", ids.len())));
        }
    };
    let contact = Contact::get(store, &channel.tenant, &id).await?.ok_or_else(not_found)?;
    let name = contact.name.clone().or_else(|| {
        let full = [contact.first_name.as_deref(), contact.last_name.as_deref()].into_iter().flatten();
        Some(full.collect::<Vec<_>>().join(" ")).filter(|n| !n.is_empty())
    });
    Ok(ContactView {
        channel: channel.id.to_string(),
        contact_id: contact.id,
        phone,
        name,
        created_at: rfc3339(contact.created_at),
    })
}

/// A page of a contact's calls on the channel, newest first.
pub async fn contact_calls(
    store: &Store,
    channel: &UisChannel,
    contact_id: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<Value, ApiError> {
    let limit = page_size(limit)?;
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let calls = match ContactId::parse(contact_id) {
        Some(contact) => {
            let page = record::calls_of_contact(store, &channel.id, &contact, limit, cursor.as_ref()).await?;
            json!({ "contact_id": contact_id, "calls": page.items.iter().map(summary).collect::<Vec<_>>(),
                "next_cursor": page.next.map(|c| c.encode()) })
        }
        None => json!({ "contact_id": contact_id, "calls": [], "next_cursor": null }),
    };
    Ok(calls)
}

/// The most notifications one answer holds. Each is kept up to 300 KB, the call and its ticket
/// up to 400 KB each: ten stay far below the 6 MB a Lambda answer may have.
pub const MAX_NOTIFICATIONS_PER_PAGE: i32 = 10;

/// One call with a page of its notifications (token removed), its ticket and its recordings;
/// `next_cursor` fetches the next page of notifications.
pub async fn call(
    store: &Store,
    channel: &UisChannel,
    id: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<Value, ApiError> {
    let id: CallSessionId =
        id.parse().map_err(|_| ApiError::bad_request("invalid_path", "call_session_id must be a number"))?;
    let limit = page_size_up_to(limit, MAX_NOTIFICATIONS_PER_PAGE, MAX_NOTIFICATIONS_PER_PAGE)?;
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let detail = CallDetail::read(store, &channel.id, id, limit, cursor.as_ref())
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("call {id} is not known")))?;
    let events: Vec<Value> = detail
        .notifications
        .iter()
        .map(|n| {
            json!({
                "event": n.kind,
                "received_at": rfc3339(n.received_at),
                "format": n.format,
                "fields": serde_json::from_str::<Value>(&n.fields).unwrap_or(Value::Null),
            })
        })
        .collect();
    let recordings: Vec<Value> = detail
        .recordings
        .iter()
        .map(|r| {
            json!({
                "id": recording_id(r), "link_id": r.link_id, "host": r.host,
                "status": r.job.status, "attempts": r.job.attempts, "created_at": rfc3339(r.job.created_at),
                "copied": r.object.is_some(), "last_error": r.job.last_error,
            })
        })
        .collect();
    Ok(json!({
        "call": summary(&detail.call), "events": events, "next_cursor": detail.next.map(|c| c.encode()),
        "ticket": detail.ticket, "recordings": recordings,
    }))
}

/// A call as the helpdesk sees it: the merged fields, without the merge's bookkeeping.
fn summary(call: &Call) -> Value {
    let mut value = serde_json::to_value(call).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("events");
        map.remove("seen");
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_leaves_the_merge_bookkeeping_out() {
        let call: Call = serde_json::from_value(json!({
            "channel": "uis-a", "call_session_id": 7, "events": {}, "seen": ["abc"], "state": "ringing",
            "lost": false, "transfer": false,
        }))
        .expect("call");
        let summary = summary(&call);
        assert_eq!(summary["call_session_id"], 7);
        assert!(summary.get("events").is_none() && summary.get("seen").is_none(), "{summary}");
    }
}
