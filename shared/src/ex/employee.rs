//! A UIS employee's state in Genesys Cloud EX, from the two things UIS tells separately: the
//! status the employee chose (polled from the Data API: the presence) and their calls (the
//! webhooks: the routing status).
//!
//! Each employee of a UIS channel linked to Genesys has one item (`AGENT#<channel>#<employee>` /
//! `STATE`) holding the last status and the last call activity, each with the time of the event
//! that set it, what Genesys was last told, and the changes not yet accepted by Genesys (the
//! outbox). [`apply`] is pure: an event older than the one stored changes nothing, a repeated
//! one changes nothing, so the same events in any order end in the same state.
//!
//! | status (presence) | activity | presence | routing |
//! |---|---|---|---|
//! | not polled | talking / after-call work / done | not sent | `Communicating` / `Interacting` / `Idle` |
//! | `OnQueue` (`available`) | the same | `OnQueue` | the same, `Idle` without calls |
//! | any other | any | that presence | `OffQueue` |
//!
//! A call's `conversation_started` makes its employee *talking*; its `call_finished` starts
//! after-call work for `postprocess_time_duration` seconds, whose end makes them *done* (`Idle`).
//! Genesys has no routing status for after-call work: an agent in wrap-up stays `Interacting`.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::agents::{RoutingStatus, SystemPresence};
use super::config::ExSettings;
use crate::config::common::ChannelId;
use crate::genesys::conversations::derived_uuid;
use crate::store::{Entity, Key, keys};
use crate::uis::call::{Call, CallEvent, CallSessionId, CallState, LocalTime};
use crate::uis::notification::EventKind;

/// The most changes kept waiting for Genesys per employee: an old state is worth little, and
/// the item must stay small whatever the outage.
pub const MAX_OUTBOX: usize = 20;

/// What the Data API says the employee chose, as a presence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Status {
    /// The status's mnemonic (`break`), or its name for a custom status.
    pub name: String,
    pub presence: SystemPresence,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// What a call makes the employee do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "doing")]
pub enum Doing {
    Talking,
    /// After-call work until `until`; `ended` once that time has come.
    WrappingUp {
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
        ended: bool,
    },
}

/// The employee's last call activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    pub call: CallSessionId,
    #[serde(flatten)]
    pub doing: Doing,
    /// When it began.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Activity {
    /// The order activities replace each other in: by start, then wrap-up after talking, then
    /// by call, so two calls reported for the same instant settle the same way in any order.
    fn order(&self) -> (OffsetDateTime, bool, CallSessionId) {
        (self.at, matches!(self.doing, Doing::WrappingUp { .. }), self.call)
    }
}

/// One thing learnt about an employee.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum EmployeeEvent {
    /// A poll found this status.
    Status(Status),
    /// `conversation_started`: talking on `call` since `at`.
    Talking {
        call: CallSessionId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// `call_finished`: `call` ended at `at`, after-call work until `until`.
    WrapUp {
        call: CallSessionId,
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        #[serde(with = "time::serde::rfc3339")]
        until: OffsetDateTime,
    },
}

/// The longest after-call work taken from a call: UIS allows minutes, not hours.
const MAX_WRAP_UP: time::Duration = time::Duration::hours(1);

/// What one delivery of a `kind` notification (`delivered`, merged into `call`) tells about the
/// call's employees: `conversation_started` that its employee is talking since the answer;
/// `call_finished` of an answered call that whoever talked last is wrapping up from the end
/// for `postprocess_time_duration`, and that the one who talked first, when the call was
/// transferred, was done at the transfer (UIS does not say when: halfway through the talk, as
/// the call's conversation places it). Times are the call's own, placed by the account's time
/// zone; `reported_at` when UIS gave none.
pub fn from_call(
    kind: EventKind,
    delivered: &CallEvent,
    call: &Call,
    ex: &ExSettings,
    reported_at: OffsetDateTime,
) -> Vec<(String, EmployeeEvent)> {
    let instant = |t: Option<LocalTime>| t.and_then(|t| ex.time_zone.instant(t.wall_clock()));
    let seconds = |s: Option<u64>| time::Duration::seconds(i64::try_from(s.unwrap_or(0)).unwrap_or(i64::MAX));
    let id = call.call_session_id;
    match kind {
        EventKind::ConversationStarted => {
            let at = instant(delivered.answer_time.as_deref().and_then(LocalTime::parse)).unwrap_or(reported_at);
            delivered.employee.iter().map(|e| (e.id.clone(), EmployeeEvent::Talking { call: id, at })).collect()
        }
        EventKind::CallFinished if call.state == CallState::Finished => {
            let finish = instant(call.finished_at).unwrap_or(reported_at);
            let wrap_up = seconds(delivered.postprocess_seconds).min(MAX_WRAP_UP);
            let mut events = Vec::new();
            if let Some(last) = &call.operator {
                let until = finish + wrap_up;
                events.push((last.employee_id.clone(), EmployeeEvent::WrapUp { call: id, at: finish, until }));
            }
            if let Some(first) = call.first_operator.as_ref().filter(|f| Some(*f) != call.operator.as_ref()) {
                let talk = seconds(call.talk_seconds);
                let answer = instant(call.answered_at).unwrap_or(finish - talk);
                let at = answer + talk / 2;
                events.push((first.employee_id.clone(), EmployeeEvent::WrapUp { call: id, at, until: at }));
            }
            events
        }
        _ => Vec::new(),
    }
}

/// One change Genesys is to be told, with the id it is sent under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Told {
    Presence(SystemPresence),
    Routing(RoutingStatus),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub event_id: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub told: Told,
}

/// A UIS employee's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmployeeState {
    pub channel: ChannelId,
    pub employee: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
    /// The presence Genesys was last told (or is about to be: it is in the outbox).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<SystemPresence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingStatus>,
    /// Changes Genesys has not accepted yet, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox: Vec<Change>,
}

impl Entity for EmployeeState {
    const TYPE: &'static str = "employee_state";

    fn key(&self) -> Key {
        keys::agent_state(self.channel.as_str(), &self.employee)
    }
}

impl EmployeeState {
    fn new(channel: &ChannelId, employee: &str) -> Self {
        Self {
            channel: channel.clone(),
            employee: employee.to_owned(),
            status: None,
            activity: None,
            presence: None,
            routing: None,
            outbox: Vec::new(),
        }
    }

    /// The presence and routing status the status and the activity make.
    pub fn effective(&self) -> (Option<SystemPresence>, Option<RoutingStatus>) {
        let presence = self.status.as_ref().map(|s| s.presence);
        let routing = match (presence, self.activity.map(|a| a.doing)) {
            (Some(p), _) if p != SystemPresence::OnQueue => Some(RoutingStatus::OffQueue),
            (_, Some(Doing::Talking)) => Some(RoutingStatus::Communicating),
            (_, Some(Doing::WrappingUp { ended: false, .. })) => Some(RoutingStatus::Interacting),
            (_, Some(Doing::WrappingUp { ended: true, .. })) => Some(RoutingStatus::Idle),
            (Some(_), None) => Some(RoutingStatus::Idle),
            (None, None) => None,
        };
        (presence, routing)
    }

    fn tell(&mut self, at: OffsetDateTime, told: Told) {
        let (what, value) = match told {
            Told::Presence(p) => ("presence", p.as_str()),
            Told::Routing(r) => ("routing", r.as_str()),
        };
        let micros = at.unix_timestamp_nanos() / 1000;
        let event_id =
            derived_uuid(&format!("ccbridge/employee/{}/{}/{what}/{value}/{micros}", self.channel, self.employee));
        self.outbox.push(Change { event_id, at, told });
        if self.outbox.len() > MAX_OUTBOX {
            self.outbox.remove(0);
        }
    }
}

/// The state after `event`, with what Genesys must be told in its outbox; `None` when the event
/// changes nothing (older than what is stored, or already applied). `now` decides whether an
/// after-call work has ended.
pub fn apply(
    current: Option<&EmployeeState>,
    channel: &ChannelId,
    employee: &str,
    event: &EmployeeEvent,
    now: OffsetDateTime,
) -> Option<EmployeeState> {
    let mut next = current.cloned().unwrap_or_else(|| EmployeeState::new(channel, employee));
    let before = next.activity;
    let at = match event {
        EmployeeEvent::Status(status) => {
            let newer = next.status.as_ref().is_none_or(|s| (&status.at, &status.name) > (&s.at, &s.name));
            if !newer {
                return None;
            }
            next.status = Some(status.clone());
            status.at
        }
        EmployeeEvent::Talking { call, at } => {
            let talking = Activity { call: *call, doing: Doing::Talking, at: *at };
            if next.activity.is_some_and(|a| a.order() >= talking.order()) {
                return None;
            }
            next.activity = Some(talking);
            *at
        }
        EmployeeEvent::WrapUp { call, at, until } => {
            let ended = *until <= now;
            let wrapping = Activity { call: *call, doing: Doing::WrappingUp { until: *until, ended }, at: *at };
            match next.activity {
                Some(a) if a.order() > wrapping.order() => return None,
                Some(a) if a.order() == wrapping.order() => match a.doing {
                    Doing::WrappingUp { ended: false, .. } if ended => next.activity = Some(wrapping),
                    _ => return None,
                },
                _ => next.activity = Some(wrapping),
            }
            if ended { *until } else { *at }
        }
    };
    let (presence, routing) = next.effective();
    if presence != next.presence
        && let Some(p) = presence
    {
        next.tell(at, Told::Presence(p));
    }
    if routing != next.routing
        && let Some(r) = routing
    {
        // A wrap-up learnt only once it was over is still told, then its end.
        if let (Some(Activity { doing: Doing::WrappingUp { ended: true, .. }, at: began, .. }), RoutingStatus::Idle) =
            (next.activity, r)
            && before != next.activity
            && next.routing != Some(RoutingStatus::Interacting)
            && began < at
        {
            next.tell(began, Told::Routing(RoutingStatus::Interacting));
        }
        next.tell(at, Told::Routing(r));
    }
    next.presence = presence.or(next.presence);
    next.routing = routing.or(next.routing);
    (current != Some(&next)).then_some(next)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn channel() -> ChannelId {
        ChannelId::try_from("uis-a".to_owned()).expect("id")
    }

    fn run(events: &[EmployeeEvent], now: OffsetDateTime) -> (Option<EmployeeState>, Vec<Told>) {
        let mut state: Option<EmployeeState> = None;
        let mut told = Vec::new();
        for event in events {
            if let Some(next) = apply(state.as_ref(), &channel(), "2001", event, now) {
                let sent = state.as_ref().map_or(0, |s| s.outbox.len());
                told.extend(next.outbox[sent.min(next.outbox.len())..].iter().map(|c| c.told));
                state = Some(next);
            }
        }
        (state, told)
    }

    const CALL: CallSessionId = CallSessionId(7);

    fn talking() -> EmployeeEvent {
        EmployeeEvent::Talking { call: CALL, at: datetime!(2026-12-01 09:00:10 UTC) }
    }

    fn wrap_up() -> EmployeeEvent {
        EmployeeEvent::WrapUp {
            call: CALL,
            at: datetime!(2026-12-01 09:03:00 UTC),
            until: datetime!(2026-12-01 09:03:30 UTC),
        }
    }

    fn status(name: &str, presence: SystemPresence, at: OffsetDateTime) -> EmployeeEvent {
        EmployeeEvent::Status(Status { name: name.to_owned(), presence, at })
    }

    #[test]
    fn a_call_is_talking_then_wrap_up_then_idle() {
        use RoutingStatus::{Communicating, Idle, Interacting};
        let during = datetime!(2026-12-01 09:03:05 UTC);
        let (state, told) = run(&[talking(), wrap_up()], during);
        assert_eq!(told, [Told::Routing(Communicating), Told::Routing(Interacting)]);
        // The scheduled end applies the same wrap-up once its time has come.
        let after = datetime!(2026-12-01 09:03:31 UTC);
        let next = apply(state.as_ref(), &channel(), "2001", &wrap_up(), after).expect("ended");
        assert_eq!(
            next.outbox.last().map(|c| (c.told, c.at)),
            Some((Told::Routing(Idle), datetime!(2026-12-01 09:03:30 UTC)))
        );
        assert_eq!(apply(Some(&next), &channel(), "2001", &wrap_up(), after), None, "applied once");
    }

    #[test]
    fn reversed_and_repeated_events_end_the_same() {
        let after = datetime!(2026-12-01 10:00 UTC);
        let (in_order, _) = run(&[talking(), wrap_up(), wrap_up()], after);
        let (reversed, told) = run(&[wrap_up(), talking(), talking()], after);
        assert_eq!(in_order.as_ref().map(EmployeeState::effective), reversed.as_ref().map(EmployeeState::effective));
        assert_eq!(in_order.and_then(|s| s.activity), reversed.and_then(|s| s.activity));
        // Learnt after its end, the wrap-up is still told, then the end; the older talk is not.
        assert_eq!(told, [Told::Routing(RoutingStatus::Interacting), Told::Routing(RoutingStatus::Idle)]);
    }

    #[test]
    fn a_status_other_than_available_takes_the_agent_off_queue() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let t = |m: i64| datetime!(2026-12-01 11:00 UTC) + time::Duration::minutes(m);
        let (state, told) = run(
            &[
                status("available", SystemPresence::OnQueue, t(0)),
                talking(),
                status("break", SystemPresence::Break, t(5)),
            ],
            now,
        );
        assert_eq!(
            told,
            [
                Told::Presence(SystemPresence::OnQueue),
                Told::Routing(RoutingStatus::Idle),
                Told::Routing(RoutingStatus::Communicating),
                Told::Presence(SystemPresence::Break),
                Told::Routing(RoutingStatus::OffQueue)
            ]
        );
        let state = state.expect("state");
        assert_eq!(apply(Some(&state), &channel(), "2001", &status("break", SystemPresence::Break, t(5)), now), None);
        assert_eq!(
            apply(Some(&state), &channel(), "2001", &status("available", SystemPresence::OnQueue, t(1)), now),
            None
        );
    }

    #[test]
    fn the_outbox_keeps_the_latest_changes_and_ids_are_stable() {
        let now = datetime!(2026-12-01 12:00 UTC);
        let events: Vec<_> = (0..30)
            .map(|i| {
                let presence = if i % 2 == 0 { SystemPresence::Break } else { SystemPresence::Meal };
                status("s", presence, datetime!(2026-12-01 08:00 UTC) + time::Duration::minutes(i))
            })
            .collect();
        let (state, _) = run(&events, now);
        let state = state.expect("state");
        assert_eq!(state.outbox.len(), MAX_OUTBOX);
        let (again, _) = run(&events, now);
        assert_eq!(again.expect("state").outbox, state.outbox);
    }
}
