//! A finished WDE interaction as what one external conversation tells ([`Finished`]): voice
//! (`voice in`, `voice out`, `callback`, `outbound`) with the voice events, e-mail (`email in`,
//! `email out`, campaign `email`) with the e-mail family. Other media (chat, messenger, SMS) have
//! no event family in Genesys Cloud EX and are not sent.
//!
//! The agent is `AgentID`, and `TransferAgentID` when it names another agent: the interaction
//! was handed over to them (halfway through, as WDE does not say when). It waited in the queue
//! `QueueName` for `QueueTime` seconds, and ended at `InteractionEndDateTime` (else after
//! `InteractionHandleTime`). The wrap-up is the code `DispositionCode` maps to, else
//! `CallResult`'s, else the default; the codes go into the notes. A registered interaction was
//! in an agent's hands, so it was answered, unless `CallResult` says nobody answered.

use time::Duration;

use super::config::WdeExSettings;
use super::conversation::{Finished, Medium, WrapUp};
use crate::crm::interaction::Interaction;
use crate::genesys::conversations::{Disconnect, Email};
use crate::phone::PhoneNumber;
use crate::wde::MediaType;
use crate::wde::config::WdeChannel;

/// `CallResult` values that say nobody answered.
const UNANSWERED: [&str; 6] = ["abandoned", "busy", "noanswer", "no_answer", "answeringmachine", "dropped"];

/// Whether interactions of `media` become conversations.
pub fn is_sent(media: Option<MediaType>) -> bool {
    medium_of(media).is_some()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Voice { inbound: bool },
    Email { inbound: bool },
}

fn medium_of(media: Option<MediaType>) -> Option<Kind> {
    match media? {
        MediaType::VoiceIn => Some(Kind::Voice { inbound: true }),
        MediaType::VoiceOut | MediaType::Callback | MediaType::Outbound => Some(Kind::Voice { inbound: false }),
        MediaType::EmailIn => Some(Kind::Email { inbound: true }),
        MediaType::EmailOut | MediaType::Email => Some(Kind::Email { inbound: false }),
        _ => None,
    }
}

/// What `interaction` tells, with its agents that map to no Genesys user; `None` when it is not
/// sent (another medium, or not ended yet); an error naming what is missing when Genesys could
/// not take it.
pub fn finished(
    interaction: &Interaction,
    channel: &WdeChannel,
    ex: &WdeExSettings,
) -> Result<Option<(Finished, Vec<String>)>, String> {
    let Some(kind) = medium_of(MediaType::parse(&interaction.media_type)) else { return Ok(None) };
    let Some(end) = &interaction.end else { return Ok(None) };
    let start = interaction.started_at.or(end.ended_at).ok_or("the interaction has no start time")?;
    let seconds = |s: Option<i64>| Duration::seconds(s.unwrap_or(0).clamp(0, 7 * 24 * 3600));
    let answer = start + seconds(interaction.queue_time);
    let finish = end.ended_at.unwrap_or(answer + seconds(end.handle_time)).max(start);

    let first = end.agent_login.as_ref().or(interaction.agent_login.as_ref());
    let transferred = end.transfer_agent_id.as_ref().filter(|t| Some(*t) != first);
    let mut agents = Vec::new();
    let mut unmapped = Vec::new();
    for agent in first.into_iter().chain(transferred) {
        match ex.users.get(agent) {
            Some(user) => agents.push((agent.clone(), user.clone())),
            None => unmapped.push(agent.clone()),
        }
    }
    let answered = !end.result.as_deref().is_some_and(|r| UNANSWERED.contains(&r.to_ascii_lowercase().as_str()));
    let codes: Vec<&String> = [&end.disposition_code, &end.result].into_iter().flatten().collect();
    let wrap_up = answered.then(|| WrapUp {
        code: codes.iter().find_map(|c| ex.wrapup_codes.get(*c)).or(ex.default_wrapup_code.as_ref()).cloned(),
        notes: end.disposition_code.as_ref().map(|code| format!("WDE disposition: {code}")),
    });
    let (inbound, medium) = match kind {
        Kind::Voice { inbound } => {
            let dialed =
                interaction.dialed_number.as_deref().and_then(|n| PhoneNumber::parse(n, channel.default_country).ok());
            let customer = interaction.phone.clone().or_else(|| dialed.clone().filter(|_| !inbound));
            let contact_center = if inbound { dialed } else { None };
            let (ani, dnis) = if inbound { (customer, contact_center) } else { (contact_center, customer) };
            let number = |n: Option<PhoneNumber>| n.map(|n| n.as_str().to_owned());
            (inbound, Medium::Voice { ani: number(ani), dnis: number(dnis), recorded: false })
        }
        Kind::Email { inbound } => {
            let customer = interaction.email.as_ref().map(|e| e.as_str().to_owned());
            let mailbox = interaction.service_value.clone().or_else(|| channel.service_value_email.clone());
            let (Some(customer), Some(mailbox)) = (customer, mailbox) else {
                return Err(format!(
                    "e-mail interaction {} names no {}: Genesys needs both addresses",
                    interaction.genesys_id,
                    if interaction.email.is_none() { "customer address" } else { "mailbox (ServiceValue)" }
                ));
            };
            let (from, to) = if inbound { (customer, mailbox) } else { (mailbox, customer) };
            (inbound, Medium::Email(Email { from, to, subject: None }))
        }
    };
    let finished = Finished {
        channel: channel.id.to_string(),
        id: interaction.genesys_id.clone(),
        medium,
        inbound,
        queue: interaction.queue_name.as_ref().and_then(|q| ex.queues.get(q)).filter(|_| inbound).cloned(),
        agents,
        start,
        answer: answered.then_some(answer),
        transfer_at: answer + (finish - answer) / 2,
        finish,
        disconnects: (Disconnect::Peer, Disconnect::Peer),
        wrap_up,
    };
    Ok(Some((finished, unmapped)))
}
