//! The helpdesk's view of UIS calls, authenticated by the channel's API key (`X-API-KEY`):
//!
//! - `GET /uis/contacts?phone=<number>`: the contact with this number (any notation).
//! - `GET /uis/contacts/{contact_id}/calls?limit=&cursor=`: the contact's calls, newest first;
//!   `next_cursor` fetches the next page.
//! - `GET /uis/calls/{call_session_id}`: one call with its notifications, ticket and recordings.
//! - `GET /recordings/{id}`: a short-lived presigned link to play a recording copied into S3.
//!
//! A key only ever sees its own channel's data.

use std::sync::Arc;

use ccbridge::error::json_error;
use ccbridge::http::{Request, Response, header_str, json_response, path_param, query_pairs};
use ccbridge::phone::PhoneNumber;
use ccbridge::recordings;
use ccbridge::store::calls::{self, CallDetail};
use ccbridge::store::contacts::Contact;
use ccbridge::store::{Cursor, Store};
use ccbridge::uis::call::{Call, CallSessionId};
use ccbridge::uis::{API_KEY_HEADER, channel_by_api_key};
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::StatusCode;
use serde_json::{Value, json};

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "uis-history",
    routes: &[
        Route::get("/uis/contacts"),
        Route::get("/uis/contacts/{contact_id}/calls"),
        Route::get("/uis/calls/{call_session_id}"),
        Route::get("/recordings/{id}"),
    ],
    handler: |app, req| Box::pin(handle(app, req)),
    render_error: json_error,
};

/// Page size when the caller does not ask for one, and the most it may ask for.
const DEFAULT_LIMIT: i32 = 20;
const MAX_LIMIT: i32 = 100;

async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    let channel = channel_by_api_key(&app.config, header_str(&req, API_KEY_HEADER))?;
    let channel_id = channel.id.as_str();
    let path = req.uri().path();
    if path.starts_with("/recordings/") {
        let link = recordings::playback::link(&app, channel_id, path_param(&req, "id")?).await?;
        Ok(json_response(StatusCode::OK, &link))
    } else if path.starts_with("/uis/calls/") {
        let id: CallSessionId = path_param(&req, "call_session_id")?
            .parse()
            .map_err(|_| ApiError::bad_request("invalid_path", "call_session_id must be a number"))?;
        call(&app.store, channel_id, id).await
    } else if path.ends_with("/calls") {
        let contact_id = path_param(&req, "contact_id")?;
        contact_calls(&app.store, channel_id, contact_id, &req).await
    } else {
        let phone =
            query(&req, "phone").ok_or_else(|| ApiError::bad_request("missing_query", "query.phone is missing"))?;
        let phone = PhoneNumber::parse(&phone, &channel.default_country)
            .map_err(|e| ApiError::bad_request("invalid_query", format!("query.phone: {e}")))?;
        let contact = Contact::find_by_phone(&app.store, channel_id, &phone)
            .await?
            .ok_or_else(|| ApiError::NotFound("no contact has this phone number".into()))?;
        Ok(json_response(StatusCode::OK, &contact))
    }
}

fn query(req: &Request, name: &str) -> Option<String> {
    query_pairs(req).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

async fn contact_calls(store: &Store, channel: &str, contact_id: &str, req: &Request) -> Result<Response, ApiError> {
    let limit =
        match query(req, "limit") {
            None => DEFAULT_LIMIT,
            Some(text) => text.parse::<i32>().ok().filter(|n| (1..=MAX_LIMIT).contains(n)).ok_or_else(|| {
                ApiError::bad_request("invalid_query", format!("query.limit must be 1 to {MAX_LIMIT}"))
            })?,
        };
    let cursor = query(req, "cursor").map(|c| Cursor::decode(&c)).transpose()?;
    let page = calls::of_contact(store, channel, contact_id, limit, cursor.as_ref()).await?;
    let calls: Vec<Value> = page.items.iter().map(summary).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "contact_id": contact_id, "calls": calls, "next_cursor": page.next.map(|c| c.encode()) }),
    ))
}

async fn call(store: &Store, channel: &str, id: CallSessionId) -> Result<Response, ApiError> {
    let detail = CallDetail::read(store, channel, id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("call {id} is not known")))?;
    let events: Vec<Value> = detail
        .notifications
        .iter()
        .map(|n| {
            json!({
                "event": n.kind,
                "received_at": n.received_at,
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
                "id": recordings::playback::recording_id(r), "link_id": r.link_id, "host": r.host,
                "status": r.status, "attempts": r.attempts, "created_at": r.created_at,
                "copied": r.object.is_some(), "last_error": r.last_error,
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "call": summary(&detail.call), "events": events, "ticket": detail.ticket, "recordings": recordings }),
    ))
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
