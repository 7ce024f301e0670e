//! A WDE interaction of any media as a CRM activity, written with the interaction when it is
//! registered and again when it ends.
//!
//! Source fields for the channel's mapping and case rules: `genesys_id`, `media_type` (as WDE
//! sent it), `queue_name`, `service_type`, `service_value`, `dialed_number`, `phone`, `email`,
//! `agent_login`, `operator`, `transfer_agent_id`, `disposition_code`, `result`, `status`,
//! `handle_time`, `campaign` (`true`/`false`), then every attached data key as WDE sent it (a
//! text value as the text, anything else as JSON; the end's attached data wins over the
//! registration's), and `survey.<question>` for each answer of an `IVRSurvey`.

use time::OffsetDateTime;

use super::MediaType;
use super::config::WdeChannel;
use crate::crm::activity::{Activity, Direction, Draft, Projection, parse_survey};
use crate::crm::ids::{ActivityId, Source};
use crate::crm::interaction::Interaction;
use crate::crm::mapping::Fields;

/// The attached data key WDE carries an IVR survey in.
const SURVEY_KEY: &str = "IVRSurvey";

/// The activity of `interaction` and the cases the channel's rules open for it.
pub fn projection(interaction: &Interaction, channel: &WdeChannel, now: OffsetDateTime) -> Projection {
    draft(interaction, channel).project(&channel.crm, Some(channel.default_country), now)
}

fn draft(i: &Interaction, channel: &WdeChannel) -> Draft {
    let media = MediaType::parse(&i.media_type);
    let (medium, direction) = match media {
        Some(MediaType::VoiceIn | MediaType::InboundNew) => ("voice", Some(Direction::Inbound)),
        Some(MediaType::VoiceOut | MediaType::Callback | MediaType::Outbound) => ("voice", Some(Direction::Outbound)),
        Some(MediaType::EmailIn) => ("email", Some(Direction::Inbound)),
        Some(MediaType::EmailOut | MediaType::Email) => ("email", Some(Direction::Outbound)),
        Some(MediaType::Sms) => ("sms", Some(Direction::Inbound)),
        Some(MediaType::Chat | MediaType::Messenger | MediaType::Facebook | MediaType::FacebookPrivateMessage) => {
            ("chat", Some(Direction::Inbound))
        }
        _ => ("other", None),
    };
    let end = i.end.as_ref();
    let first_owner = i.agent_login.clone().or_else(|| i.operator.clone());
    let transferred_to = end.and_then(|e| e.transfer_agent_id.clone()).filter(|t| Some(t) != first_owner.as_ref());
    let (owner, previous_owners) = match transferred_to {
        Some(to) => (Some(to), first_owner.into_iter().collect()),
        None => (end.and_then(|e| e.agent_login.clone()).or(first_owner), Vec::new()),
    };
    let customer = i
        .phone
        .as_ref()
        .map(|p| p.as_str().to_owned())
        .or_else(|| i.email.as_ref().map(|e| e.as_str().to_owned()))
        .or_else(|| i.messenger_id.as_ref().map(|m| m.as_str().to_owned()))
        .unwrap_or_else(|| "an unknown customer".into());
    let subject = match direction {
        Some(Direction::Outbound) => format!("{} to {customer}", i.call_type),
        _ => format!("{} from {customer}", i.call_type),
    };
    let survey = attached(i).get(SURVEY_KEY).map(|raw| parse_survey(raw)).unwrap_or_default();
    let outcome = match end {
        None => "ongoing".to_owned(),
        Some(end) => end.result.clone().or_else(|| end.status.clone()).unwrap_or_else(|| "ended".into()),
    };
    let activity = Activity {
        tenant: channel.tenant.clone(),
        id: ActivityId::new(Source::Wde, &channel.id, i.id),
        channel: channel.id.clone(),
        source: Source::Wde,
        media: medium.into(),
        direction,
        subject,
        started_at: i.started_at,
        ended_at: end.and_then(|e| e.ended_at),
        duration_seconds: end.and_then(|e| e.handle_time).and_then(|s| u64::try_from(s).ok()),
        owner,
        previous_owners,
        contact: i.contact.clone(),
        company: i.company.clone(),
        phone: i.phone.clone(),
        email: i.email.clone(),
        queue: i.queue_name.clone(),
        outcome: Some(outcome),
        provider_wrapup: end.and_then(|e| e.disposition_code.clone()),
        recordings: Vec::new(),
        survey,
        fields: Default::default(),
    };
    let contact_known = i.contact.is_some() && !i.created_contact;
    Draft { activity, contact_known, fields: fields(i) }
}

/// The attached data, the end's over the registration's, as text.
fn attached(i: &Interaction) -> Fields {
    let mut all = Fields::new();
    let sources = std::iter::once(&i.attached).chain(i.end.as_ref().map(|e| &e.attached));
    for (key, json) in sources.flatten() {
        let text = match serde_json::from_str::<serde_json::Value>(json) {
            Ok(serde_json::Value::String(s)) => s,
            _ => json.clone(),
        };
        all.insert(key.clone(), text);
    }
    all
}

fn fields(i: &Interaction) -> Fields {
    let mut fields = Fields::new();
    let end = i.end.as_ref();
    let named = [
        ("genesys_id", Some(i.genesys_id.clone())),
        ("media_type", Some(i.media_type.clone())),
        ("queue_name", i.queue_name.clone()),
        ("service_type", i.service_type.clone()),
        ("service_value", i.service_value.clone()),
        ("dialed_number", i.dialed_number.clone()),
        ("phone", i.phone.as_ref().map(|p| p.as_str().to_owned())),
        ("email", i.email.as_ref().map(|e| e.as_str().to_owned())),
        ("agent_login", i.agent_login.clone()),
        ("operator", i.operator.clone()),
        ("transfer_agent_id", end.and_then(|e| e.transfer_agent_id.clone())),
        ("disposition_code", end.and_then(|e| e.disposition_code.clone())),
        ("result", end.and_then(|e| e.result.clone())),
        ("status", end.and_then(|e| e.status.clone())),
        ("handle_time", end.and_then(|e| e.handle_time).map(|s| s.to_string())),
        ("campaign", Some(i.campaign.to_string())),
    ];
    fields.extend(attached(i));
    for (name, value) in named {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            fields.insert(name.to_owned(), value);
        }
    }
    fields
}
