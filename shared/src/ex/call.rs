//! A finished UIS call as what one external conversation tells ([`Finished`]): a pure function
//! of the call record and the channel's EX settings, so every retry builds the same events with
//! the same ids.
//!
//! The customer's numbers (E.164), the queue of the call's scenario, the employees who talked
//! and map to a Genesys user (the first who answered, then the last, when the call was
//! transferred), the disconnect types of the finish reason, and for an answered call its wrap-up
//! (the first tag that maps, else the default code, else skipped; the tags as notes). Times are
//! the call's own, placed in UTC by the account's time zone. UIS does not say when a transfer
//! happened: it is placed halfway through the talk time.

use time::{Duration, OffsetDateTime};

use super::config::ExSettings;
use super::conversation::{self, Finished, Medium, WrapUp};
use crate::genesys::conversations::Disconnect;
use crate::uis::call::{Call, CallState, Direction, LocalTime, Participant};

pub use super::conversation::Built;

/// Who hung up, as the customer's and the agents' `disconnectType`.
fn disconnects(finish_reason: Option<&str>) -> (Disconnect, Disconnect) {
    match finish_reason {
        Some("subscriber_disconnects") => (Disconnect::Self_, Disconnect::Peer),
        Some("operator_disconnects" | "employee_disconnects") => (Disconnect::Peer, Disconnect::Self_),
        None | Some("success_finish" | "transfer_disconnects" | "scenario_disconnects") => {
            (Disconnect::Peer, Disconnect::Peer)
        }
        Some(_) => (Disconnect::System, Disconnect::System),
    }
}

/// The conversation of `call`, reported finished at `reported_at` (the fallback when UIS gave
/// no times).
pub fn build(call: &Call, ex: &ExSettings, source_id: &str, reported_at: OffsetDateTime) -> Built {
    let (finished, unmapped) = finished(call, ex, reported_at);
    conversation::build(&finished, source_id, unmapped)
}

/// What `call` tells, with the employees of the call that map to no Genesys user.
pub fn finished(call: &Call, ex: &ExSettings, reported_at: OffsetDateTime) -> (Finished, Vec<String>) {
    let instant = |t: Option<LocalTime>| t.and_then(|t| ex.time_zone.instant(t.wall_clock()));
    let seconds = |s: Option<u64>| Duration::seconds(i64::try_from(s.unwrap_or(0)).unwrap_or(i64::MAX));
    let (wait, talk) = (seconds(call.wait_seconds), seconds(call.talk_seconds));
    let start = instant(call.started_at).unwrap_or_else(|| reported_at - wait - talk);
    let answered = call.state == CallState::Finished;
    let answer = instant(call.answered_at).unwrap_or(start + wait);
    let finish = instant(call.finished_at).unwrap_or(if answered { answer + talk } else { start + wait });

    let mut unmapped = Vec::new();
    let mut user_of = |p: &Participant| match ex.users.get(&p.employee_id) {
        Some(user) => Some((p.employee_id.clone(), user.clone())),
        None => {
            unmapped.push(p.employee_id.clone());
            None
        }
    };
    let mut agents = Vec::new();
    if answered || call.direction == Some(Direction::Out) {
        let first = call
            .first_operator
            .as_ref()
            .filter(|f| Some(&f.employee_id) != call.operator.as_ref().map(|o| &o.employee_id));
        for participant in first.into_iter().chain(call.operator.as_ref()) {
            agents.extend(user_of(participant));
        }
    }
    unmapped.sort();
    unmapped.dedup();

    let inbound = call.direction != Some(Direction::Out);
    let (ani, dnis) = match inbound {
        true => (&call.contact_phone, &call.virtual_phone),
        false => (&call.virtual_phone, &call.contact_phone),
    };
    let wrap_up = answered.then(|| WrapUp {
        code: call.tags.iter().find_map(|tag| ex.wrapup_codes.get(tag)).or(ex.default_wrapup_code.as_ref()).cloned(),
        notes: (!call.tags.is_empty()).then(|| format!("UIS tags: {}", call.tags.join(", "))),
    });
    let finished = Finished {
        channel: call.channel.to_string(),
        id: call.call_session_id.to_string(),
        medium: Medium::Voice {
            ani: ani.as_ref().map(|p| p.as_str().to_owned()),
            dnis: dnis.as_ref().map(|p| p.as_str().to_owned()),
            recorded: call.recordings.values().any(|r| r.rejected.is_none()),
        },
        inbound,
        queue: call.scenario.as_ref().and_then(|s| ex.queues.get(s)).filter(|_| inbound).cloned(),
        agents,
        start,
        answer: answered.then_some(answer),
        transfer_at: answer + talk / 2,
        finish,
        disconnects: disconnects(call.finish_reason.as_deref()),
        wrap_up,
    };
    (finished, unmapped)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Channel, Config};
    use crate::uis::call::Incoming;
    use crate::uis::config::UisChannel;
    use crate::uis::notification::{EventKind, Notification};
    use time::macros::datetime;

    const USER: &str = "6a1f7d2e-3b4c-4d5e-8f90-a1b2c3d4e5f6";

    fn channel() -> UisChannel {
        let doc = format!(
            "[[channel]]\nkind = \"uis\"\nid = \"uis-a\"\ntoken = \"token-1234567890ab\"\napi_key = \"api-key-1234567890\"\n\
             [channel.ex]\ntime_zone = \"Europe/Moscow\"\nusers = {{ \"11\" = \"{USER}\" }}\n"
        );
        match Config::parse(&doc).expect("config").into_channels().remove(0) {
            Channel::Uis(c) => c,
            _ => unreachable!(),
        }
    }

    fn call(body: serde_json::Value) -> Call {
        let n = Notification::parse(EventKind::CallFinished, body.to_string().as_bytes(), false).expect("parse");
        let incoming = Incoming::read(&n, &channel()).expect("read");
        Call::merge(None, &incoming, &channel()).expect("call")
    }

    use crate::genesys::conversations::Voice;

    fn kinds(built: &Built) -> Vec<&'static str> {
        built
            .conversation
            .events
            .iter()
            .map(|e| match e.voice {
                Voice::External { .. } => "external",
                Voice::Routing { .. } => "routing",
                Voice::User { .. } => "user",
                Voice::Answered { .. } => "answered",
                Voice::Disposition { .. } => "disposition",
                Voice::Ended { .. } => "ended",
                Voice::UserTransfer { .. } => "transfer",
                Voice::ProgressTransfer { .. } => "progress",
                Voice::EndTransfer { .. } => "end-transfer",
            })
            .collect()
    }

    #[test]
    fn an_outbound_call_starts_with_the_agent_and_every_leg_ends() {
        let ex = channel().ex.expect("ex");
        let answered = call(serde_json::json!({"call_session_id": 5, "direction": "out", "is_lost": false,
            "employee_id": 11, "contact_phone_number": "79161234567", "virtual_phone_number": "74993720692",
            "start_time": "2026-11-21 10:00:00", "answer_time": "2026-11-21 10:00:07", "talk_time_duration": 60,
            "finish_time": "2026-11-21 10:01:07", "finish_reason": "operator_disconnects"}));
        let built = build(&answered, &ex, "source", datetime!(2026-11-21 07:05 UTC));
        assert_eq!(kinds(&built), ["user", "external", "answered", "ended", "ended", "disposition"]);
        let at: Vec<_> = built.conversation.events.iter().map(|e| e.at).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "strictly ordered: {at:?}");
        assert_eq!(at[0], datetime!(2026-11-21 07:00 UTC));
        let ended: Vec<_> = built
            .conversation
            .events
            .iter()
            .filter_map(|e| match &e.voice {
                Voice::Ended { disconnect, .. } => Some(*disconnect),
                _ => None,
            })
            .collect();
        assert_eq!(ended, [Disconnect::Peer, Disconnect::Self_], "the agent hung up");

        let unanswered = call(serde_json::json!({"call_session_id": 6, "direction": "out", "is_lost": true,
            "employee_id": 12, "contact_phone_number": "79161234567", "talk_time_duration": 0,
            "start_time": "2026-11-21 10:00:00", "finish_time": "2026-11-21 10:00:30"}));
        let built = build(&unanswered, &ex, "source", datetime!(2026-11-21 07:05 UTC));
        assert_eq!(kinds(&built), ["external", "ended"], "employee 12 has no user");
        assert_eq!(built.unmapped, ["12"]);
        assert_eq!(build(&unanswered, &ex, "source", datetime!(2030-01-01 00:00 UTC)), built, "the same every time");
    }
}
