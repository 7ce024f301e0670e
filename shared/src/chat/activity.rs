//! A chat session as a CRM activity, written with the session when it starts.
//!
//! Source fields for the channel's mapping and case rules: every bot variable by its name, then
//! `session_id`, `user_id`, `skill`, `email`, `first_name`, `last_name` and `nickname` as the
//! session knows the user. `contact_known` is `true` when the user is linked to a contact (by
//! the e-mail the bot gave; one is created when none has it).

use std::collections::BTreeMap;

use time::OffsetDateTime;

use super::config::ChatbotChannel;
use super::session::ChatSession;
use crate::crm::activity::{Activity, Direction, Draft, Projection};
use crate::crm::ids::{ActivityId, Email, Source};
use crate::crm::mapping::Fields;

/// The activity of a session started with the bot's `variables`, and the cases the channel's
/// rules open for it.
pub fn projection(
    bot: &ChatbotChannel,
    session: &ChatSession,
    variables: &BTreeMap<String, String>,
    now: OffsetDateTime,
) -> Projection {
    let from = &session.from;
    let name = [from.first_name.as_deref(), from.last_name.as_deref()].into_iter().flatten().collect::<Vec<_>>();
    let who =
        if name.is_empty() { from.nickname.clone().unwrap_or_else(|| session.user_id.clone()) } else { name.join(" ") };
    let activity = Activity {
        tenant: session.tenant.clone(),
        id: ActivityId::new(Source::Chat, &session.channel, &session.session_id),
        channel: session.channel.clone(),
        source: Source::Chat,
        media: "chat".into(),
        direction: Some(Direction::Inbound),
        subject: format!("Chat with {who}"),
        started_at: Some(session.created_at),
        ended_at: None,
        duration_seconds: None,
        owner: None,
        previous_owners: Vec::new(),
        contact: session.contact.clone(),
        company: None,
        phone: None,
        email: from.email.as_deref().and_then(Email::parse),
        queue: session.skill.clone(),
        outcome: Some("escalated".into()),
        provider_wrapup: None,
        recordings: Vec::new(),
        survey: Vec::new(),
        fields: Fields::new(),
    };
    let mut fields: Fields = variables.clone();
    let known = [
        ("session_id", Some(session.session_id.to_string())),
        ("user_id", Some(session.user_id.clone())),
        ("skill", session.skill.clone()),
        ("email", from.email.clone()),
        ("first_name", from.first_name.clone()),
        ("last_name", from.last_name.clone()),
        ("nickname", from.nickname.clone()),
    ];
    for (name, value) in known {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            fields.insert(name.to_owned(), value);
        }
    }
    let draft = Draft { activity, contact_known: session.contact.is_some(), fields };
    draft.project(&bot.crm, None, now)
}
