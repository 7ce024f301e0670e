//! The CRM API's flows, for a caller a channel's key selected ([`super::access`]): activities
//! with their notes and wrap-up, cases, and a contact's timeline — of the caller's tenant only;
//! another tenant's ids are simply not found.
//!
//! Costs: reading an activity is one Query (the activity, its notes, wrap-up and cases); a note
//! is that Query and one conditional PutItem; a wrap-up the Query, one GetItem and one
//! conditional PutItem; a case opened by an agent the Query and one conditional PutItem; a
//! status change one GetItem and one conditional PutItem; a timeline or a page of cases one
//! Query.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::access::Caller;
use super::activity::{self, ActivityView, Note, Wrapup};
use super::case::{Case, CaseId, CaseStatus};
use super::config::CrmSettings;
use super::history::{self, Subject, TimelineEntry};
use super::ids::{ActivityId, ContactId};
use crate::config::{Channel, Config};
use crate::error::ApiError;
use crate::http::page_size_up_to;
use crate::store::{Cursor, Store, Written};

/// The CRM settings of the channel an activity came from; a channel since removed from the
/// configuration has none, so nothing can be checked against its list.
pub fn settings_of<'a>(config: &'a Config, activity: &activity::Activity) -> Option<&'a CrmSettings> {
    match config.channel(&activity.channel)? {
        Channel::Uis(c) => Some(&c.crm),
        Channel::Wde(c) => Some(&c.crm),
        Channel::Chatbot(c) => Some(&c.crm),
        Channel::GenesysCloud(_) | Channel::AgentStates(_) => None,
    }
}

/// An id from a path, where a client may have escaped its `:` and `~`.
fn unescaped(text: &str) -> String {
    text.replace("%3A", ":").replace("%3a", ":").replace("%7E", "~").replace("%7e", "~")
}

fn activity_id(text: &str) -> Result<ActivityId, ApiError> {
    ActivityId::parse(&unescaped(text)).ok_or_else(|| ApiError::NotFound("no activity has this id".into()))
}

fn case_id(text: &str) -> Result<CaseId, ApiError> {
    CaseId::parse(&unescaped(text)).ok_or_else(|| ApiError::NotFound("no case has this id".into()))
}

/// `GET /activities/{id}`.
pub async fn activity(store: &Store, caller: Caller<'_>, id: &str) -> Result<ActivityView, ApiError> {
    ActivityView::read(store, caller.tenant, &activity_id(id)?)
        .await?
        .ok_or_else(|| ApiError::NotFound("no activity has this id".into()))
}

/// The body of `POST /activities/{id}/notes`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    /// Who writes it: the agent's name or login.
    pub author: String,
    pub text: String,
}

/// `POST /activities/{id}/notes`: appends a note, during the interaction or after.
pub async fn add_note(
    store: &Store,
    caller: Caller<'_>,
    id: &str,
    request: &NoteRequest,
    now: OffsetDateTime,
) -> Result<Note, ApiError> {
    Ok(activity::add_note(store, caller.tenant, &activity_id(id)?, &request.author, &request.text, now).await?)
}

/// The body of `PUT /activities/{id}/wrapup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WrapupRequest {
    /// One of the `wrapup_codes` of the activity's channel.
    pub code: String,
    #[serde(default)]
    pub text: Option<String>,
    /// Who gives it.
    pub by: String,
}

/// `PUT /activities/{id}/wrapup`: a code outside the channel's list is a 422 naming the list.
pub async fn set_wrapup(
    store: &Store,
    config: &Config,
    caller: Caller<'_>,
    id: &str,
    request: &WrapupRequest,
    now: OffsetDateTime,
) -> Result<(Written, Wrapup), ApiError> {
    let view = activity(store, caller, id).await?;
    let empty = CrmSettings::default();
    let crm = settings_of(config, &view.activity).unwrap_or(&empty);
    let text = request.text.as_deref();
    Ok(activity::set_wrapup(store, &view.activity, crm, &request.code, text, &request.by, now).await?)
}

/// A page of a contact's timeline.
#[derive(Debug, Serialize)]
pub struct Timeline {
    pub contact_id: String,
    pub entries: Vec<TimelineEntry>,
}

/// `GET /crm/contacts/{contact_id}/timeline?limit=`: the newest activities and cases.
pub async fn timeline(
    store: &Store,
    caller: Caller<'_>,
    contact_id: &str,
    limit: Option<&str>,
) -> Result<Timeline, ApiError> {
    let limit = page_size_up_to(limit, 20, 100)?;
    let entries = match ContactId::parse(contact_id) {
        Some(contact) => history::recent(store, caller.tenant, Subject::Contact(&contact), limit).await?,
        None => Vec::new(),
    };
    Ok(Timeline { contact_id: contact_id.to_owned(), entries })
}

/// The body of `POST /cases`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OpenCase {
    pub activity_id: String,
    pub subject: String,
    /// Who opens it.
    pub by: String,
    /// The caller's key for this request: sending it again opens no second case.
    pub request_id: String,
}

/// `POST /cases`: an agent opens a case for an activity.
pub async fn open_case(
    store: &Store,
    caller: Caller<'_>,
    request: &OpenCase,
    now: OffsetDateTime,
) -> Result<(Written, Case), ApiError> {
    let view = activity(store, caller, &request.activity_id).await?;
    Ok(Case::open_by_agent(store, view.activity.origin(), &request.subject, &request.by, &request.request_id, now)
        .await?)
}

/// `GET /cases/{id}`.
pub async fn case(store: &Store, caller: Caller<'_>, id: &str) -> Result<Case, ApiError> {
    Case::get(store, caller.tenant, &case_id(id)?)
        .await?
        .ok_or_else(|| ApiError::NotFound("no case has this id".into()))
}

/// The body of `PUT /cases/{id}/status`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    /// `open`, `in_progress` or `closed`.
    pub status: String,
    pub by: String,
}

fn status(text: &str, field: &str) -> Result<CaseStatus, ApiError> {
    CaseStatus::parse(text).ok_or_else(|| {
        ApiError::bad_request("invalid_field", format!("{field}: must be one of open, in_progress, closed"))
    })
}

/// `PUT /cases/{id}/status`.
pub async fn set_case_status(
    store: &Store,
    caller: Caller<'_>,
    id: &str,
    change: &StatusChange,
    now: OffsetDateTime,
) -> Result<(Written, Case), ApiError> {
    let status = status(&change.status, "body.status")?;
    Ok(Case::set_status(store, caller.tenant, &case_id(id)?, status, &change.by, now).await?)
}

/// A page of cases in one status.
#[derive(Debug, Serialize)]
pub struct CasePage {
    pub status: CaseStatus,
    pub cases: Vec<Case>,
    pub next_cursor: Option<String>,
}

/// `GET /cases?status=&limit=&cursor=`: the tenant's cases in a status (default `open`),
/// oldest first.
pub async fn cases(
    store: &Store,
    caller: Caller<'_>,
    status_name: Option<&str>,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<CasePage, ApiError> {
    let status = status_name.map_or(Ok(CaseStatus::Open), |s| status(s, "query.status"))?;
    let limit = page_size_up_to(limit, 50, 100)?;
    let cursor = cursor.map(Cursor::decode).transpose()?;
    let page = Case::in_status(store, caller.tenant, status, limit, cursor.as_ref()).await?;
    Ok(CasePage { status, cases: page.items, next_cursor: page.next.map(|c| c.encode()) })
}
