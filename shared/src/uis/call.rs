//! The call record: one per (channel, `call_session_id`), merged from the four notifications and,
//! for a call ccbridge placed, its own request.
//!
//! A record keeps what each kind of notification said ([`CallEvent`], one per kind) and the
//! digests of the deliveries already merged; everything else (state, times, operators,
//! ticket status) is derived from those by fixed precedence (`call_finished` over
//! `conversation_started` over the `*_call_started` events over the request). Merging is therefore a union of
//! sets and a per-kind maximum, which gives the same record whatever the order or number of
//! deliveries, and a delivery already merged changes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::config::UisChannel;
use super::notification::{EventKind, Notification, NotificationError};
use super::recording::{self, MAX_RECORDINGS, Rejection};
use crate::config::common::ChannelId;
use crate::crm::contact::ContactKey;
use crate::crm::ids::ContactId;
use crate::phone::PhoneNumber;

/// UIS's call identifier, shared by every notification of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CallSessionId(pub u64);

impl fmt::Display for CallSessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl std::str::FromStr for CallSessionId {
    type Err = std::num::ParseIntError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse().map(Self)
    }
}

/// A time as UIS gives it: the account's local wall-clock time, with no offset. Kept as such
/// (`2026-11-21T10:15:03.412`), so nothing pretends to know its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalTime(time::PrimitiveDateTime);

impl LocalTime {
    /// Reads `2026-11-21 10:15:03.412` (or with `T`); anything else is not a time.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.len() > 40 {
            return None;
        }
        let with_fraction =
            time::macros::format_description!("[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second].[subsecond]");
        let plain = time::macros::format_description!("[year]-[month]-[day][first [ ][T]][hour]:[minute]:[second]");
        time::PrimitiveDateTime::parse(text, with_fraction)
            .or_else(|_| time::PrimitiveDateTime::parse(text, plain))
            .ok()
            .map(Self)
    }

    /// The wall-clock time itself, for a time zone to place.
    pub fn wall_clock(self) -> time::PrimitiveDateTime {
        self.0
    }

    /// The same wall-clock time read as UTC, for ordering against times that have a zone.
    pub fn assume_utc(self) -> time::OffsetDateTime {
        self.0.assume_utc()
    }
}

impl fmt::Display for LocalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let nanos = t.nanosecond();
        if nanos > 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl TryFrom<String> for LocalTime {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text).ok_or_else(|| format!("{text:?} is not a local date and time"))
    }
}

impl From<LocalTime> for String {
    fn from(time: LocalTime) -> Self {
        time.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CallState {
    /// Placed through the Call API; UIS has not reported on it yet.
    Dialing,
    Ringing,
    Talking,
    Finished,
    Lost,
}

/// A UIS employee as a notification names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Employee {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// What one notification says about its call, in domain types.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CallEvent {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notification_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_phone: Option<PhoneNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<PhoneNumber>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee: Option<Employee>,
    /// The employee who talked first (`first_talked_employee_id`), before a transfer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_talked: Option<Employee>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub employees: Vec<Employee>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub talk_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total_seconds: Option<u64>,
    /// The after-call work UIS gives the employee (`postprocess_time_duration`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postprocess_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<bool>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The helpdesk's own reference of a call it placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// A recording named by `call_finished`: accepted (a job fetches it) or rejected with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<Rejection>,
}

/// An accepted recording link of the notification being merged, for its job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecording {
    pub id: String,
    pub url: String,
}

/// One delivery, parsed and checked against its channel: what gets merged.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub kind: EventKind,
    pub call_session_id: CallSessionId,
    /// Identifies the delivery's content (all fields but the token).
    pub digest: String,
    pub event: CallEvent,
    pub recordings: BTreeMap<String, RecordingRef>,
    pub new_recordings: Vec<NewRecording>,
    /// Phone fields that were present but are not numbers (kept out of the record).
    pub unreadable_phones: Vec<&'static str>,
}

/// The longest text, and the most items of a list, a field the record keeps may have: a call
/// record must stay far below DynamoDB's 400 KB whatever a sender puts in a field.
pub const MAX_FIELD_BYTES: usize = 1024;
pub const MAX_LIST_ITEMS: usize = 100;

/// The text fields the record keeps.
const TEXT_FIELDS: [&str; 16] = [
    "notification_time",
    "direction",
    "contact_full_name",
    "employee_id",
    "employee_full_name",
    "first_talked_employee_id",
    "first_talked_employee_full_name",
    "last_talked_employee_id",
    "last_talked_employee_full_name",
    "scenario_name",
    "start_time",
    "answer_time",
    "finish_time",
    "finish_reason",
    "lost_reason",
    "external_id",
];
/// The list fields the record keeps.
const LIST_FIELDS: [&str; 4] = ["employee_ids", "employee_full_names", "tag_names", "record_file_links"];

/// Refuses a field the record would keep that is longer than it may be, naming it: a 400 the
/// sender can act on, where an item too large to write would fail every retry.
fn check_sizes(n: &Notification) -> Result<(), NotificationError> {
    let too_long = |field: &'static str| NotificationError::Invalid {
        field,
        message: format!("is longer than {MAX_FIELD_BYTES} bytes"),
    };
    for field in TEXT_FIELDS {
        if n.text(field).is_some_and(|t| t.len() > MAX_FIELD_BYTES) {
            return Err(too_long(field));
        }
    }
    for field in LIST_FIELDS {
        let items = n.list(field);
        if items.len() > MAX_LIST_ITEMS {
            return Err(NotificationError::Invalid { field, message: format!("has more than {MAX_LIST_ITEMS} items") });
        }
        if items.iter().any(|item| item.len() > MAX_FIELD_BYTES) {
            return Err(too_long(field));
        }
    }
    Ok(())
}

impl Incoming {
    /// Reads the fields the record uses; an unreadable call id, number, flag or list, or one
    /// longer than the record keeps, is a 400 naming the field; an unreadable phone number is
    /// left out and reported.
    pub fn read(notification: &Notification, channel: &UisChannel) -> Result<Self, NotificationError> {
        let n = notification;
        check_sizes(n)?;
        let call_session_id =
            CallSessionId(n.count("call_session_id")?.ok_or(NotificationError::Missing("call_session_id"))?);
        let mut unreadable_phones = Vec::new();
        let mut phone = |field: &'static str| {
            let text = n.text(field)?;
            match PhoneNumber::parse(&text, channel.default_country) {
                Ok(number) => Some(number),
                Err(_) => {
                    unreadable_phones.push(field);
                    None
                }
            }
        };
        let direction = match n.text("direction").as_deref() {
            Some("in" | "incoming") => Some(Direction::In),
            Some("out" | "outgoing") => Some(Direction::Out),
            _ => match n.kind {
                EventKind::IncomingCallStarted => Some(Direction::In),
                EventKind::OutgoingCallStarted => Some(Direction::Out),
                _ => None,
            },
        };
        let fallback_contact = match direction {
            Some(Direction::In) => "calling_phone_number",
            _ => "called_phone_number",
        };
        let contact_phone = phone("contact_phone_number").or_else(|| phone(fallback_contact));
        let virtual_phone = phone("virtual_phone_number");
        let employee_named = |id: &str, name: &str| n.text(id).map(|id| Employee { id, name: n.text(name) });
        let employee = employee_named("last_talked_employee_id", "last_talked_employee_full_name")
            .or_else(|| employee_named("employee_id", "employee_full_name"));
        let names = n.list("employee_full_names");
        let mut employees: Vec<Employee> = n
            .list("employee_ids")
            .into_iter()
            .enumerate()
            .map(|(i, id)| Employee { id, name: names.get(i).cloned() })
            .collect();
        for (id, name) in [
            ("employee_id", "employee_full_name"),
            ("first_talked_employee_id", "first_talked_employee_full_name"),
            ("last_talked_employee_id", "last_talked_employee_full_name"),
        ] {
            employees.extend(employee_named(id, name));
        }
        employees.sort();
        employees.dedup_by(|a, b| a.id == b.id);
        let event = CallEvent {
            notification_time: n.text("notification_time"),
            direction,
            virtual_phone,
            contact_phone,
            contact_name: n.text("contact_full_name"),
            employee,
            first_talked: employee_named("first_talked_employee_id", "first_talked_employee_full_name"),
            employees,
            scenario: n.text("scenario_name"),
            start_time: n.text("start_time"),
            answer_time: n.text("answer_time"),
            finish_time: n.text("finish_time"),
            wait_seconds: duration(n, "wait_time_duration")?,
            talk_seconds: duration(n, "talk_time_duration")?,
            total_seconds: duration(n, "total_time_duration")?,
            postprocess_seconds: duration(n, "postprocess_time_duration")?,
            finish_reason: n.text("finish_reason"),
            lost_reason: n.text("lost_reason"),
            lost: n.flag("is_lost")?,
            transfer: n.flag("is_transfer")?,
            tags: n.list("tag_names"),
            external_id: n.text("external_id"),
        };
        let mut recordings = BTreeMap::new();
        let mut new_recordings = Vec::new();
        for (i, link) in n.list("record_file_links").into_iter().enumerate() {
            let id = recording::link_id(&link);
            let checked = if i >= MAX_RECORDINGS {
                Err(Rejection::TooMany(MAX_RECORDINGS))
            } else {
                channel.link_policy().check(&link)
            };
            let reference = match checked {
                Ok(allowed) => {
                    new_recordings.push(NewRecording { id: id.clone(), url: allowed.url.to_string() });
                    RecordingRef { host: Some(allowed.host), rejected: None }
                }
                Err(rejection) => RecordingRef { host: None, rejected: Some(rejection) },
            };
            recordings.insert(id, reference);
        }
        let canonical = serde_json::to_vec(&(n.kind, n.fields_without_token())).unwrap_or_default();
        let digest = hex::encode(&Sha256::digest(&canonical)[..12]);
        Ok(Self { kind: n.kind, call_session_id, digest, event, recordings, new_recordings, unreadable_phones })
    }

    /// The call ccbridge placed through the Call API, as the first thing known about it.
    pub fn requested(call_session_id: CallSessionId, request: &Requested<'_>) -> Self {
        let employee = Employee { id: request.employee_id.to_string(), name: None };
        let event = CallEvent {
            notification_time: Some(crate::clock::rfc3339(request.at)),
            direction: Some(Direction::Out),
            virtual_phone: Some(request.virtual_phone.clone()),
            contact_phone: Some(request.contact.clone()),
            employee: Some(employee.clone()),
            employees: vec![employee],
            external_id: request.external_id.map(str::to_owned),
            ..CallEvent::default()
        };
        let canonical = serde_json::to_vec(&(EventKind::CallRequested, call_session_id, &event)).unwrap_or_default();
        Self {
            kind: EventKind::CallRequested,
            call_session_id,
            digest: hex::encode(&Sha256::digest(&canonical)[..12]),
            event,
            recordings: BTreeMap::new(),
            new_recordings: Vec::new(),
            unreadable_phones: Vec::new(),
        }
    }
}

/// A call placed through the Call API (`start.employee_call`), and when it was asked for.
#[derive(Debug, Clone)]
pub struct Requested<'a> {
    pub employee_id: u64,
    pub contact: &'a PhoneNumber,
    pub virtual_phone: &'a PhoneNumber,
    pub external_id: Option<&'a str>,
    pub at: time::OffsetDateTime,
}

/// The longest call a duration may describe: anything longer is read as this long, so time
/// arithmetic on it (the external conversation's event times) stays in range.
pub const MAX_DURATION_SECONDS: u64 = 7 * 24 * 3600;

/// A duration field in seconds, clamped to [`MAX_DURATION_SECONDS`].
fn duration(n: &Notification, field: &'static str) -> Result<Option<u64>, NotificationError> {
    Ok(n.count(field)?.map(|seconds| seconds.min(MAX_DURATION_SECONDS)))
}

/// An employee of the call and the operator they map to, if the channel knows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub employee_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
}

/// The merged call record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    /// What each kind of notification said: the merge input.
    pub events: BTreeMap<EventKind, CallEvent>,
    /// Digests of the deliveries merged.
    pub seen: BTreeSet<String>,
    /// Recordings by link id.
    #[serde(default)]
    pub recordings: BTreeMap<String, RecordingRef>,
    pub state: CallState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<LocalTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answered_at: Option<LocalTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<LocalTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wait_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_seconds: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lost_reason: Option<String>,
    pub lost: bool,
    pub transfer: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The operator responsible for the call (the last one who talked, else the one named).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Participant>,
    /// The one who talked first, when UIS says (before a transfer to `operator`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_operator: Option<Participant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<Participant>,
    /// UIS employee ids the channel has no operator for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unknown_employees: Vec<String>,
    /// The ticket of an incoming or outgoing call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
    /// The helpdesk's reference of a call it placed through ccbridge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
}

/// Order in which kinds are asked for a field: the later in the call, the more it knows.
const PRECEDENCE: [EventKind; 5] = [
    EventKind::CallFinished,
    EventKind::ConversationStarted,
    EventKind::OutgoingCallStarted,
    EventKind::IncomingCallStarted,
    EventKind::CallRequested,
];

impl Call {
    /// Merges a delivery into the current record (or a new one); `None` when the delivery was
    /// already merged and nothing would change.
    pub fn merge(current: Option<&Call>, incoming: &Incoming, channel: &UisChannel) -> Option<Call> {
        if current.is_some_and(|c| c.seen.contains(&incoming.digest)) {
            return None;
        }
        let mut events = current.map(|c| c.events.clone()).unwrap_or_default();
        let mut seen = current.map(|c| c.seen.clone()).unwrap_or_default();
        let mut recordings = current.map(|c| c.recordings.clone()).unwrap_or_default();
        seen.insert(incoming.digest.clone());
        let keep_new = events.get(&incoming.kind).is_none_or(|old| later(&incoming.event, old));
        if keep_new {
            events.insert(incoming.kind, incoming.event.clone());
        }
        for (id, reference) in &incoming.recordings {
            recordings.entry(id.clone()).or_insert_with(|| reference.clone());
        }
        let call = Self::derive(channel, incoming.call_session_id, events, seen, recordings);
        (current != Some(&call)).then_some(call)
    }

    fn derive(
        channel: &UisChannel,
        call_session_id: CallSessionId,
        events: BTreeMap<EventKind, CallEvent>,
        seen: BTreeSet<String>,
        recordings: BTreeMap<String, RecordingRef>,
    ) -> Call {
        let pick = |f: &dyn Fn(&CallEvent) -> Option<String>| PRECEDENCE.iter().find_map(|k| events.get(k).and_then(f));
        let finished = events.get(&EventKind::CallFinished);
        let direction = PRECEDENCE.iter().find_map(|k| events.get(k).and_then(|e| e.direction));
        let talk_seconds = finished.and_then(|e| e.talk_seconds);
        let lost = finished.is_some_and(|e| {
            e.lost.unwrap_or(!events.contains_key(&EventKind::ConversationStarted) && talk_seconds == Some(0))
        });
        let state = if finished.is_some() {
            if lost { CallState::Lost } else { CallState::Finished }
        } else if events.contains_key(&EventKind::ConversationStarted) {
            CallState::Talking
        } else if events.keys().all(|k| *k == EventKind::CallRequested) {
            CallState::Dialing
        } else {
            CallState::Ringing
        };
        let participant = |e: &Employee| Participant {
            employee_id: e.id.clone(),
            name: e.name.clone(),
            operator: channel.operators.get(&e.id).cloned(),
        };
        let mut named: BTreeMap<String, Participant> = BTreeMap::new();
        for event in PRECEDENCE.iter().rev().filter_map(|k| events.get(k)) {
            for e in event.employees.iter().chain(&event.employee) {
                let p = participant(e);
                let entry = named.entry(p.employee_id.clone()).or_insert_with(|| p.clone());
                if p.name.is_some() {
                    entry.name = p.name;
                }
            }
        }
        let operator = PRECEDENCE.iter().find_map(|k| events.get(k).and_then(|e| e.employee.as_ref())).map(participant);
        let first_operator = finished.and_then(|e| e.first_talked.as_ref()).map(participant);
        let unknown_employees =
            named.values().filter(|p| p.operator.is_none()).map(|p| p.employee_id.clone()).collect();
        let contact_phone = PRECEDENCE.iter().find_map(|k| events.get(k).and_then(|e| e.contact_phone.clone()));
        let contact_id =
            contact_phone.as_ref().map(|p| ContactId::for_key(&channel.tenant, &ContactKey::Phone(p.clone())));
        let ticket_id = direction.map(|_| format!("uis-{call_session_id}"));
        Call {
            channel: channel.id.clone(),
            call_session_id,
            state,
            direction,
            virtual_phone: PRECEDENCE.iter().find_map(|k| events.get(k).and_then(|e| e.virtual_phone.clone())),
            contact_phone,
            contact_id,
            contact_name: pick(&|e| e.contact_name.clone()),
            started_at: pick_time(&events, |e| e.start_time.as_deref()),
            answered_at: pick_time(&events, |e| e.answer_time.as_deref()),
            finished_at: pick_time(&events, |e| e.finish_time.as_deref()),
            wait_seconds: finished.and_then(|e| e.wait_seconds),
            talk_seconds,
            finish_reason: finished.and_then(|e| e.finish_reason.clone()),
            lost_reason: finished.and_then(|e| e.lost_reason.clone()),
            lost,
            transfer: finished.and_then(|e| e.transfer).unwrap_or(false),
            scenario: pick(&|e| e.scenario.clone()),
            tags: finished.map(|e| e.tags.clone()).unwrap_or_default(),
            operator,
            first_operator,
            participants: named.into_values().collect(),
            unknown_employees,
            ticket_id,
            external_id: pick(&|e| e.external_id.clone()),
            events,
            seen,
            recordings,
        }
    }

    /// Sort key of the call among a contact's calls: start time, then id.
    pub fn sort_key(&self) -> String {
        let started = self.started_at.map_or_else(|| "0000".to_string(), |t| t.to_string());
        format!("{started}#{:020}", self.call_session_id.0)
    }
}

/// The first readable time of the kinds in precedence order.
fn pick_time(events: &BTreeMap<EventKind, CallEvent>, field: impl Fn(&CallEvent) -> Option<&str>) -> Option<LocalTime> {
    PRECEDENCE.iter().find_map(|k| events.get(k).and_then(&field).and_then(LocalTime::parse))
}

/// Of two deliveries of the same kind, the later notification wins; equal times are broken by
/// content so that every replica picks the same one.
fn later(new: &CallEvent, old: &CallEvent) -> bool {
    match new.notification_time.cmp(&old.notification_time) {
        std::cmp::Ordering::Equal => {
            serde_json::to_string(new).unwrap_or_default() > serde_json::to_string(old).unwrap_or_default()
        }
        other => other.is_gt(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Channel, Config};

    #[test]
    fn local_times_read_both_notations_and_print_one() {
        let t = LocalTime::parse("2026-11-21 10:15:03.412").expect("time");
        assert_eq!(t.to_string(), "2026-11-21T10:15:03.412");
        assert_eq!(LocalTime::parse("2026-11-21T10:15:03").expect("time").to_string(), "2026-11-21T10:15:03");
        assert_eq!(LocalTime::parse("yesterday"), None);
        assert_eq!(LocalTime::parse(&"9".repeat(1000)), None);
        assert!(LocalTime::parse("2026-11-21 10:15:03").expect("a") < t);
    }

    fn channel() -> UisChannel {
        let doc = r#"
            [[channel]]
            kind = "uis"
            id = "uis-a"
            token = "token-1234567890ab"
            api_key = "api-key-1234567890"
            recording_hosts = ["app.uiscom.ru"]
            operators = { "11" = "olga" }
        "#;
        let config = Config::parse(doc).expect("config");
        match config.into_channels().remove(0) {
            Channel::Uis(c) => c,
            _ => unreachable!(),
        }
    }

    fn incoming(kind: EventKind, body: serde_json::Value) -> Incoming {
        let n = Notification::parse(kind, body.to_string().as_bytes(), false).expect("parse");
        Incoming::read(&n, &channel()).expect("read")
    }

    #[test]
    fn lost_incoming_call_is_lost_and_maps_known_operators() {
        let ch = channel();
        let started = incoming(
            EventKind::IncomingCallStarted,
            serde_json::json!({"call_session_id": "77", "contact_phone_number": "89161234567",
                "start_time": "2026-11-21 10:00:00.5", "contact_full_name": "Пётр"}),
        );
        let finished = incoming(
            EventKind::CallFinished,
            serde_json::json!({"call_session_id": 77, "is_lost": true, "employee_ids": [11, 12],
                "employee_full_names": ["Ольга", "Иван"], "talk_time_duration": "0",
                "record_file_links": ["https://app.uiscom.ru/a", "https://evil.example/b"]}),
        );
        let a = Call::merge(None, &started, &ch).expect("new");
        let b = Call::merge(Some(&a), &finished, &ch).expect("changed");
        assert_eq!(b.state, CallState::Lost);
        assert_eq!(b.direction, Some(Direction::In));
        assert_eq!(b.started_at.map(|t| t.to_string()).as_deref(), Some("2026-11-21T10:00:00.5"));
        assert_eq!(b.contact_phone.as_ref().map(PhoneNumber::as_str), Some("+79161234567"));
        assert_eq!(b.unknown_employees, vec!["12".to_string()]);
        assert_eq!(b.participants[0].operator.as_deref(), Some("olga"));
        assert_eq!(b.recordings.values().filter(|r| r.rejected.is_some()).count(), 1);
        assert_eq!(finished.new_recordings.len(), 1);
        assert_eq!(Call::merge(Some(&b), &finished, &ch), None, "a duplicate changes nothing");
        let other_order = Call::merge(Some(&Call::merge(None, &finished, &ch).expect("new")), &started, &ch);
        assert_eq!(other_order.as_ref(), Some(&b));
    }

    #[test]
    fn absurd_durations_are_clamped_where_they_are_read() {
        let finished = incoming(
            EventKind::CallFinished,
            serde_json::json!({"call_session_id": 78, "talk_time_duration": 9_000_000_000_000_000u64,
                "wait_time_duration": "18"}),
        );
        assert_eq!(finished.event.talk_seconds, Some(MAX_DURATION_SECONDS));
        assert_eq!(finished.event.wait_seconds, Some(18));
    }

    #[test]
    fn missing_call_id_is_named() {
        let n = Notification::parse(EventKind::CallFinished, br#"{"call_session_id":{{call_session_id}}}"#, false)
            .expect("parse");
        let err = Incoming::read(&n, &channel()).expect_err("missing");
        assert_eq!(err.to_string(), "body.call_session_id is missing");
    }
}
