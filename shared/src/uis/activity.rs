//! A UIS call as a CRM activity: derived from the merged call record alone, so every order of
//! notifications gives the same activity, written with the call in its transaction.
//!
//! Source fields for the channel's mapping and case rules, by the notification's names:
//! `call_session_id`, `contact_phone_number`, `virtual_phone_number`, `contact_full_name`,
//! `scenario_name`, `employee_id`, `employee_full_name`, `first_talked_employee_id`,
//! `finish_reason`, `lost_reason`, `wait_time_duration`, `talk_time_duration`, `tags`
//! (comma-separated) and `external_id`; `contact_known` is `true` when UIS named the caller.

use time::OffsetDateTime;

use super::call::{Call, CallState, Direction as CallDirection, Participant};
use super::config::UisChannel;
use crate::crm::activity::{Activity, Direction, Draft, Projection};
use crate::crm::ids::{ActivityId, Source};
use crate::crm::mapping::Fields;

/// The activity of `call` and the cases the channel's rules open for it.
pub fn projection(call: &Call, channel: &UisChannel, now: OffsetDateTime) -> Projection {
    draft(call, channel).project(&channel.crm, Some(channel.default_country), now)
}

fn who(p: &Participant) -> String {
    p.operator.clone().or_else(|| p.name.clone()).unwrap_or_else(|| p.employee_id.clone())
}

fn draft(call: &Call, channel: &UisChannel) -> Draft {
    let direction = call.direction.map(|d| match d {
        CallDirection::In => Direction::Inbound,
        CallDirection::Out => Direction::Outbound,
    });
    let outcome = match call.state {
        CallState::Dialing | CallState::Ringing | CallState::Talking => "ongoing",
        CallState::Finished => "answered",
        CallState::Lost => "lost",
    };
    let number = call.contact_phone.as_ref().map_or("an unknown number", |p| p.as_str());
    let subject = match direction {
        Some(Direction::Outbound) => format!("Outgoing call to {number}"),
        _ => format!("Incoming call from {number}"),
    };
    let owner = call.operator.as_ref().map(who);
    let previous_owners =
        call.first_operator.as_ref().map(who).filter(|first| owner.as_ref() != Some(first)).into_iter().collect();
    let activity = Activity {
        tenant: channel.tenant.clone(),
        id: ActivityId::new(Source::Uis, &channel.id, call.call_session_id),
        channel: channel.id.clone(),
        source: Source::Uis,
        media: "voice".into(),
        direction,
        subject,
        started_at: call.started_at.map(|t| t.assume_utc()),
        ended_at: call.finished_at.map(|t| t.assume_utc()),
        duration_seconds: call.talk_seconds,
        owner,
        previous_owners,
        contact: call.contact_id.clone(),
        company: None,
        phone: call.contact_phone.clone(),
        email: None,
        queue: call.scenario.clone(),
        outcome: Some(outcome.into()),
        provider_wrapup: None,
        recordings: call.recordings.keys().map(|link| format!("{}-{link}", call.call_session_id)).collect(),
        survey: Vec::new(),
        fields: Default::default(),
    };
    Draft { activity, contact_known: call.contact_name.is_some(), fields: fields(call) }
}

fn fields(call: &Call) -> Fields {
    let mut fields = Fields::new();
    let mut put = |name: &str, value: Option<String>| {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            fields.insert(name.to_owned(), value);
        }
    };
    put("call_session_id", Some(call.call_session_id.to_string()));
    put("contact_phone_number", call.contact_phone.as_ref().map(|p| p.as_str().to_owned()));
    put("virtual_phone_number", call.virtual_phone.as_ref().map(|p| p.as_str().to_owned()));
    put("contact_full_name", call.contact_name.clone());
    put("scenario_name", call.scenario.clone());
    put("employee_id", call.operator.as_ref().map(|p| p.employee_id.clone()));
    put("employee_full_name", call.operator.as_ref().and_then(|p| p.name.clone()));
    put("first_talked_employee_id", call.first_operator.as_ref().map(|p| p.employee_id.clone()));
    put("finish_reason", call.finish_reason.clone());
    put("lost_reason", call.lost_reason.clone());
    put("wait_time_duration", call.wait_seconds.map(|s| s.to_string()));
    put("talk_time_duration", call.talk_seconds.map(|s| s.to_string()));
    put("tags", Some(call.tags.join(",")));
    put("external_id", call.external_id.clone());
    fields
}
