//! A call the helpdesk asks for (`POST /uis/calls`, or a phone number on the screen-pop card):
//!
//! 1. the employee: `employee_id`, or the `operator` the channel's `operators` map to one;
//! 2. the number, read in the channel's region into E.164 (400 naming `phone`) and sent as the
//!    digits the Call API wants;
//! 3. a lease on (employee, number) for `double_click_seconds`: a second request while it holds
//!    answers the first call — after waiting briefly if the first is still being placed — and
//!    rings nobody twice;
//! 4. `start.employee_call`, the employee's phone first; a refusal releases the lease and
//!    becomes a 4xx naming the field, a spent limit a 429, an outage a 503;
//! 5. the call record in state `dialing`, its contact (found or created) and its ticket, in one
//!    transaction with the lease's session id and the attempt it counts on the contact's open
//!    callbacks, as the first event of a call the webhooks UIS sends next merge into.
//!
//! Cost: one conditional PutItem (the lease), one Call API request, one GetItem, one Query (the
//! callbacks) and one TransactWriteItems (the call).

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::call::{Call, CallSessionId, Incoming, Requested};
use super::call_api::{self, CALL_API_TIMEOUT, CallApiError};
use super::config::UisChannel;
use super::{record, webhook};
use crate::App;
use crate::error::ApiError;
use crate::phone::PhoneNumber;
use crate::store::{Entity, Key, Written, keys};

/// How often a second click looks whether the first one's call was placed.
const POLL: Duration = Duration::from_millis(200);
/// The longest `external_id` kept.
const MAX_EXTERNAL_ID: usize = 128;

/// `POST /uis/calls`: who calls and whom.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallRequest {
    /// The operator (as the channel's `operators` name them) who calls.
    pub operator: Option<String>,
    /// Or the UIS employee directly: a number, or a string of digits.
    pub employee_id: Option<serde_json::Value>,
    /// The customer's number, in any common notation.
    pub phone: String,
    /// The number the customer sees, if not the channel's `call_api.virtual_phone`.
    pub virtual_phone: Option<String>,
    /// The helpdesk's own reference, kept on the call.
    pub external_id: Option<String>,
}

/// The lease of one employee's calls to one number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Click {
    channel: String,
    employee_id: u64,
    number: PhoneNumber,
    /// Set once the Call API placed the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    call_session_id: Option<CallSessionId>,
    #[serde(with = "time::serde::rfc3339")]
    requested_at: OffsetDateTime,
    /// Epoch seconds until which the lease holds.
    live_until: i64,
}

impl Entity for Click {
    const TYPE: &'static str = "uis_click";

    fn key(&self) -> Key {
        keys::click(&self.channel, self.employee_id, self.number.digits())
    }

    fn expires_at(&self) -> Option<i64> {
        Some(self.live_until)
    }
}

/// A call placed, or found placed by an earlier click.
#[derive(Debug, Clone)]
pub struct Placed {
    pub call: Call,
    /// `false` when a click within the window had placed it already.
    pub created: bool,
}

/// What an API caller gets back.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlacedView {
    pub call_session_id: CallSessionId,
    pub result: &'static str,
    pub state: super::call::CallState,
    pub employee_id: Option<String>,
    pub operator: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub virtual_phone: Option<PhoneNumber>,
    pub contact_id: Option<crate::crm::ids::ContactId>,
    pub ticket_id: Option<String>,
    pub external_id: Option<String>,
}

impl Placed {
    pub fn view(&self) -> PlacedView {
        let c = &self.call;
        PlacedView {
            call_session_id: c.call_session_id,
            result: if self.created { "created" } else { "existing" },
            state: c.state,
            employee_id: c.operator.as_ref().map(|o| o.employee_id.clone()),
            operator: c.operator.as_ref().and_then(|o| o.operator.clone()),
            phone: c.contact_phone.clone(),
            virtual_phone: c.virtual_phone.clone(),
            contact_id: c.contact_id.clone(),
            ticket_id: c.ticket_id.clone(),
            external_id: c.external_id.clone(),
        }
    }
}

/// Places the call `request` asks for on `channel`.
pub async fn place(app: &App, channel: &UisChannel, request: &CallRequest) -> Result<Placed, ApiError> {
    let settings = channel.call_api.as_ref().ok_or_else(|| {
        ApiError::Conflict(format!("channel {} has no call_api settings: it places no calls", channel.id))
    })?;
    let employee_id = employee(channel, request)?;
    let phone = PhoneNumber::parse(&request.phone, channel.default_country)
        .map_err(|e| ApiError::bad_request("invalid_field", format!("body.phone: {e}")))?;
    let virtual_phone = match &request.virtual_phone {
        Some(text) => PhoneNumber::parse(text, channel.default_country)
            .map_err(|e| ApiError::bad_request("invalid_field", format!("body.virtual_phone: {e}")))?,
        None => settings.virtual_phone.clone(),
    };
    let external_id = request.external_id.as_deref().map(str::trim).filter(|id| !id.is_empty());
    if external_id.is_some_and(|id| id.len() > MAX_EXTERNAL_ID || id.chars().any(char::is_control)) {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("body.external_id: at most {MAX_EXTERNAL_ID} bytes of printable text"),
        ));
    }
    let now = crate::clock::now();
    let lease = Click {
        channel: channel.id.to_string(),
        employee_id,
        number: phone.clone(),
        call_session_id: None,
        requested_at: now,
        live_until: now.unix_timestamp() + i64::try_from(CALL_API_TIMEOUT.as_secs()).unwrap_or(8) + 2,
    };
    if app.store.put_unless_live(&lease).await? == Written::Unchanged {
        if let Some(placed) = earlier_call(app, channel, &lease.key()).await? {
            return Ok(placed);
        }
        // The earlier click failed and let go of its lease: this one tries.
        if app.store.put_unless_live(&lease).await? == Written::Unchanged {
            return Err(ApiError::Conflict("a call to this number is being placed; try again in a few seconds".into()));
        }
    }
    let requested = Requested { employee_id, contact: &phone, virtual_phone: &virtual_phone, external_id, at: now };
    let placed = call_api::start_employee_call(&app.clients.uis_call_api, settings, &requested).await;
    crate::metrics::outbound(
        crate::metrics::Target::UisCallApi,
        placed.as_ref().map_or_else(CallApiError::outcome, |_| "ok"),
    );
    let call_session_id = match placed {
        Ok(id) => id,
        Err(error) => {
            app.store.delete(&lease.key()).await?;
            log_refusal(channel, employee_id, &phone, &error);
            return Err(error.into());
        }
    };
    let placed_lease = Click {
        call_session_id: Some(call_session_id),
        live_until: now.unix_timestamp() + i64::try_from(settings.double_click_seconds).unwrap_or(0),
        ..lease
    };
    let incoming = Incoming::requested(call_session_id, &requested);
    let extra = vec![app.store.upsert_write(&placed_lease, &[])?];
    let (_, merged, callbacks) = webhook::merge(&app.store, channel, &incoming, None, extra, now).await?;
    let call = merged.ok_or_else(|| ApiError::Internal(format!("call {call_session_id} was not recorded")))?;
    tracing::info!(
        channel = %channel.id,
        call_session_id = %call_session_id,
        employee_id,
        phone = %phone.masked(),
        callbacks = ?callbacks,
        "call placed"
    );
    Ok(Placed { call, created: true })
}

/// The UIS employee who calls: named, or mapped from the operator.
fn employee(channel: &UisChannel, request: &CallRequest) -> Result<u64, ApiError> {
    let invalid = |message: &str| ApiError::bad_request("invalid_field", message.to_string());
    match (&request.employee_id, &request.operator) {
        (Some(_), Some(_)) => Err(invalid("body: give either operator or employee_id, not both")),
        (None, None) => Err(ApiError::bad_request("missing_field", "body.operator or body.employee_id is missing")),
        (Some(id), None) => {
            let parsed = match id {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) if !s.is_empty() && s.len() <= 20 => s.parse().ok(),
                _ => None,
            };
            parsed.filter(|id| *id > 0).ok_or_else(|| invalid("body.employee_id: must be a UIS employee id (a number)"))
        }
        (None, Some(operator)) => {
            channel.employee_of(operator).and_then(|id| id.parse().ok()).ok_or_else(|| ApiError::Unprocessable {
                code: "unknown_operator",
                message: "body.operator: no UIS employee of this channel is mapped to this operator".into(),
            })
        }
    }
}

/// The call a live lease stands for, waiting while its click is still being placed; `None`
/// when that click failed and let go.
async fn earlier_call(app: &App, channel: &UisChannel, key: &Key) -> Result<Option<Placed>, ApiError> {
    let deadline = tokio::time::Instant::now() + CALL_API_TIMEOUT + Duration::from_secs(1);
    loop {
        let Some(click) = app.store.get::<Click>(key).await? else { return Ok(None) };
        if let Some(id) = click.call_session_id {
            let call = record::get(&app.store, &channel.id, id)
                .await?
                .ok_or_else(|| ApiError::Internal(format!("call {id} of a placed click is missing")))?;
            return Ok(Some(Placed { call, created: false }));
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(ApiError::Conflict("a call to this number is being placed; try again in a few seconds".into()));
        }
        tokio::time::sleep(POLL).await;
    }
}

fn log_refusal(channel: &UisChannel, employee_id: u64, phone: &PhoneNumber, error: &CallApiError) {
    match error {
        CallApiError::Refused { .. } | CallApiError::LimitExceeded { .. } => {
            tracing::info!(channel = %channel.id, employee_id, phone = %phone.masked(), error = %error, "call refused");
        }
        _ => {
            tracing::error!(channel = %channel.id, employee_id, phone = %phone.masked(), error = %error, "call not placed")
        }
    }
}
