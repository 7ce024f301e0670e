//! A finished UIS call as the events of one external conversation: a pure function of the call
//! record and the channel's EX settings, so every retry builds the same events with the same ids.
//!
//! Inbound: the customer's leg (`externalEstablished`, ani/dnis in E.164), the queue leg when
//! the call's scenario maps to a queue, then — when it was answered — each employee who talked
//! and maps to a Genesys user (`userEstablished`, `communicationAnswered`; a transfer from the
//! first to the last as `userTransfer` … `endTransfer`), and at the end every leg's
//! `communicationEnded` with the disconnect type of the finish reason and the last agent's
//! `communicationDispositionApplied` (the first tag that maps, else the default code, else a
//! skipped wrap-up; the tags as notes). Outbound calls start with the agent's leg.
//!
//! Times are the call's own, placed in UTC by the account's time zone. UIS does not say when a
//! transfer happened: it is placed halfway through the talk time. Events of one conversation
//! are strictly ordered, one millisecond apart where the call's times coincide.

use time::{Duration, OffsetDateTime};

use super::config::ExSettings;
use crate::genesys::conversations::{Conversation, Disconnect, Event, Voice, derived_uuid};
use crate::uis::call::{Call, CallState, Direction, LocalTime, Participant};

/// A conversation and the employees of the call that map to no Genesys user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub conversation: Conversation,
    pub unmapped: Vec<String>,
}

/// The ids of a call's conversation, derived from the channel and the call.
pub fn conversation_id(channel: &str, call_session_id: &str) -> String {
    derived_uuid(&format!("ccbridge/conversation/{channel}/{call_session_id}"))
}

/// Collects the events with strictly increasing times.
struct Timeline {
    conversation: Conversation,
    last: Option<OffsetDateTime>,
}

impl Timeline {
    fn push(&mut self, at: OffsetDateTime, what: &str, voice: Voice) {
        let at = match self.last {
            Some(last) if at <= last => last + Duration::milliseconds(1),
            _ => at,
        };
        self.last = Some(at);
        let id = self.conversation.event_id(what);
        self.conversation.events.push(Event { id, at, voice });
    }
}

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
    let channel = call.channel.as_str();
    let id = call.call_session_id.to_string();
    let comm = |what: &str| derived_uuid(&format!("ccbridge/communication/{channel}/{id}{what}"));
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
    let customer = comm("");
    let (ani, dnis) = match inbound {
        true => (&call.contact_phone, &call.virtual_phone),
        false => (&call.virtual_phone, &call.contact_phone),
    };
    let mut t = Timeline {
        conversation: Conversation {
            id: conversation_id(channel, &id),
            source_id: source_id.to_owned(),
            interaction_id: id.clone(),
            events: Vec::new(),
        },
        last: None,
    };
    let external = Voice::External {
        communication: customer.clone(),
        ani: ani.as_ref().map(|p| p.as_str().to_owned()),
        dnis: dnis.as_ref().map(|p| p.as_str().to_owned()),
        inbound,
        recorded: call.recordings.values().any(|r| r.rejected.is_none()),
    };
    let (customer_end, agent_end) = disconnects(call.finish_reason.as_deref());
    let queue = call.scenario.as_ref().and_then(|s| ex.queues.get(s)).filter(|_| inbound);
    let queue_leg = comm("/queue");
    let agent_leg = |employee: &str| comm(&format!("/user/{employee}"));

    let mut talking: Option<String> = None;
    if inbound {
        t.push(start, &format!("established/{customer}"), external);
        if let Some(queue_id) = queue {
            let routing = Voice::Routing { communication: queue_leg.clone(), queue_id: queue_id.clone(), inbound };
            t.push(start, &format!("established/{queue_leg}"), routing);
        }
    } else if let Some((employee, user)) = agents.last() {
        let leg = agent_leg(employee);
        let voice = Voice::User {
            communication: leg.clone(),
            user_id: user.clone(),
            invited_by: None,
            inbound,
            alerting: false,
        };
        t.push(start, &format!("established/{leg}"), voice);
        t.push(start, &format!("established/{customer}"), external);
        talking = Some(leg);
    } else {
        t.push(start, &format!("established/{customer}"), external);
    }

    let mut queue_open = queue.is_some();
    if answered && inbound {
        for (n, (employee, user)) in agents.iter().enumerate() {
            let leg = agent_leg(employee);
            let at = if n == 0 { answer - Duration::milliseconds(1) } else { answer + talk / 2 };
            if let Some(from) = &talking {
                let command = derived_uuid(&format!("ccbridge/transfer/{channel}/{id}/{employee}"));
                let transfer = Voice::UserTransfer {
                    command: command.clone(),
                    initiating: from.clone(),
                    object: customer.clone(),
                    destination_user: user.clone(),
                };
                t.push(at, &format!("transfer/{command}"), transfer);
                let voice = Voice::User {
                    communication: leg.clone(),
                    user_id: user.clone(),
                    invited_by: None,
                    inbound,
                    alerting: true,
                };
                t.push(at, &format!("established/{leg}"), voice);
                let progress = Voice::ProgressTransfer {
                    command: command.clone(),
                    object: customer.clone(),
                    destination: leg.clone(),
                };
                t.push(at, &format!("progress/{command}"), progress);
                t.push(at, &format!("answered/{leg}"), Voice::Answered { communication: leg.clone() });
                t.push(
                    at,
                    &format!("ended/{from}"),
                    Voice::Ended { communication: from.clone(), disconnect: Disconnect::TransferUser },
                );
                t.push(
                    at,
                    &format!("end-transfer/{command}"),
                    Voice::EndTransfer { command, object: customer.clone() },
                );
            } else {
                let invited_by = queue.map(|_| queue_leg.clone());
                let voice = Voice::User {
                    communication: leg.clone(),
                    user_id: user.clone(),
                    invited_by,
                    inbound,
                    alerting: true,
                };
                t.push(at, &format!("established/{leg}"), voice);
                t.push(answer, &format!("answered/{leg}"), Voice::Answered { communication: leg.clone() });
                if queue_open {
                    let ended = Voice::Ended { communication: queue_leg.clone(), disconnect: Disconnect::Transfer };
                    t.push(answer, &format!("ended/{queue_leg}"), ended);
                    queue_open = false;
                }
            }
            talking = Some(leg);
        }
    } else if answered {
        t.push(answer, &format!("answered/{customer}"), Voice::Answered { communication: customer.clone() });
    }

    t.push(
        finish,
        &format!("ended/{customer}"),
        Voice::Ended { communication: customer.clone(), disconnect: customer_end },
    );
    if queue_open {
        t.push(
            finish,
            &format!("ended/{queue_leg}"),
            Voice::Ended { communication: queue_leg.clone(), disconnect: Disconnect::Peer },
        );
    }
    if let Some(leg) = talking {
        t.push(finish, &format!("ended/{leg}"), Voice::Ended { communication: leg.clone(), disconnect: agent_end });
        if answered {
            let code =
                call.tags.iter().find_map(|tag| ex.wrapup_codes.get(tag)).or(ex.default_wrapup_code.as_ref()).cloned();
            let notes = (!call.tags.is_empty()).then(|| format!("UIS tags: {}", call.tags.join(", ")));
            t.push(finish, &format!("disposition/{leg}"), Voice::Disposition { communication: leg, code, notes });
        }
    }
    Built { conversation: t.conversation, unmapped }
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
