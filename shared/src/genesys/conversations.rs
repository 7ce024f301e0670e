//! Conversation event injection (`POST /api/v2/events/conversations`): a call that happened on
//! another platform, told to Genesys Cloud as the events of one external conversation, so
//! workforce management, quality and performance see it.
//!
//! Genesys does not document how it orders the events of one batch, so events that depend on
//! each other (the same communication or transfer, or a leg that invited another) never share a
//! request: [`Conversation::batches`] cuts the time-ordered events into the fewest sequential
//! batches that keep every dependency in an earlier one. A `200` is not success until its
//! `errors` are read: [`GenesysClient::inject_conversation`] returns the refused events. An
//! e-mail is the same events in the e-mail family of arrays, with its addresses.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{GenesysClient, GenesysError};

pub const EVENTS_PATH: &str = "/api/v2/events/conversations";

/// A stable v4-format UUID for `name`: the same input always gives the same id.
pub fn derived_uuid(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// A time as Genesys documents it: `yyyy-MM-ddTHH:mm:ss.mmmZ`, UTC, milliseconds.
pub fn wire_time(at: OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        at.millisecond()
    )
}

/// How a communication ended (`disconnectType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disconnect {
    /// The participant of this communication hung up.
    Self_,
    /// The other side hung up.
    Peer,
    /// The platform ended it (a timeout, an error, a limit).
    System,
    /// It was transferred to a queue's agent.
    Transfer,
    /// It was transferred to another user.
    TransferUser,
}

impl Disconnect {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Self_ => "Self",
            Self::Peer => "Peer",
            Self::System => "System",
            Self::Transfer => "Transfer",
            Self::TransferUser => "TransferUser",
        }
    }
}

/// One event of a voice conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Voice {
    /// The customer's leg.
    External {
        communication: String,
        ani: Option<String>,
        dnis: Option<String>,
        inbound: bool,
        recorded: bool,
    },
    /// The call waiting in a queue.
    Routing {
        communication: String,
        queue_id: String,
        inbound: bool,
    },
    /// An agent's leg; `invited_by` is the leg that offered the call (a queue).
    User {
        communication: String,
        user_id: String,
        invited_by: Option<String>,
        inbound: bool,
        alerting: bool,
    },
    Answered {
        communication: String,
    },
    /// The wrap-up: `code` absent means it was skipped.
    Disposition {
        communication: String,
        code: Option<String>,
        notes: Option<String>,
    },
    Ended {
        communication: String,
        disconnect: Disconnect,
    },
    /// A blind transfer of `object` (the customer's leg) from `initiating` to a user.
    UserTransfer {
        command: String,
        initiating: String,
        object: String,
        destination_user: String,
    },
    ProgressTransfer {
        command: String,
        object: String,
        destination: String,
    },
    EndTransfer {
        command: String,
        object: String,
    },
}

impl Voice {
    fn array(&self) -> &'static str {
        match self {
            Self::External { .. } => "externalEstablishedEvents",
            Self::Routing { .. } => "routingEstablishedEvents",
            Self::User { .. } => "userEstablishedEvents",
            Self::Answered { .. } => "communicationAnsweredEvents",
            Self::Disposition { .. } => "communicationDispositionAppliedEvents",
            Self::Ended { .. } => "communicationEndedEvents",
            Self::UserTransfer { .. } => "userTransferEvents",
            Self::ProgressTransfer { .. } => "progressTransferEvents",
            Self::EndTransfer { .. } => "endTransferEvents",
        }
    }

    /// The communications and transfers the event is about: events sharing one depend on
    /// each other.
    fn touches(&self) -> Vec<&str> {
        match self {
            Self::External { communication, .. }
            | Self::Routing { communication, .. }
            | Self::Answered { communication }
            | Self::Disposition { communication, .. }
            | Self::Ended { communication, .. } => vec![communication],
            Self::User { communication, invited_by, .. } => {
                std::iter::once(communication.as_str()).chain(invited_by.as_deref()).collect()
            }
            Self::UserTransfer { command, initiating, object, .. } => vec![command, initiating, object],
            Self::ProgressTransfer { command, object, destination } => vec![command, object, destination],
            Self::EndTransfer { command, object } => vec![command, object],
        }
    }
}

/// One event with its id and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub at: OffsetDateTime,
    pub voice: Voice,
}

/// The addresses of an e-mail conversation, which every established communication repeats
/// (`EmailInitialConfiguration.from` and `to` are required).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub from: String,
    pub to: String,
    pub subject: Option<String>,
}

/// An external conversation: its id, where it comes from and its events in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: String,
    /// `sourceConfiguration.sourceId`: the organisation's provisioned source.
    pub source_id: String,
    /// `sourceConfiguration.interactionId`: the platform's own id of the call.
    pub interaction_id: String,
    /// An e-mail conversation: the same events in the e-mail family (`emailUserEstablishedEvents`
    /// …); a voice one without.
    pub email: Option<Email>,
    pub events: Vec<Event>,
}

impl Conversation {
    /// The id of an event of this conversation, stable across retries.
    pub fn event_id(&self, what: &str) -> String {
        derived_uuid(&format!("{}/{what}", self.id))
    }

    /// The events cut into sequential batches: an event goes into a later batch than every
    /// earlier event it depends on.
    pub fn batches(&self) -> Vec<Vec<&Event>> {
        let mut batches: Vec<Vec<&Event>> = Vec::new();
        let mut touched: BTreeSet<&str> = BTreeSet::new();
        for event in &self.events {
            let ids = event.voice.touches();
            if batches.is_empty() || ids.iter().any(|id| touched.contains(id)) {
                batches.push(Vec::new());
                touched.clear();
            }
            touched.extend(ids);
            if let Some(batch) = batches.last_mut() {
                batch.push(event);
            }
        }
        batches
    }

    /// The `BatchConversationEventRequest` of `events`.
    pub fn request(&self, events: &[&Event]) -> Value {
        let mut arrays: BTreeMap<&'static str, Vec<Value>> = BTreeMap::new();
        for event in events {
            arrays.entry(event.voice.array()).or_default().push(self.body(event));
        }
        let name = |array: &str| match self.email {
            None => array.to_owned(),
            Some(_) => format!("email{}{}", array[..1].to_ascii_uppercase(), &array[1..]),
        };
        Value::Object(arrays.into_iter().map(|(k, v)| (name(k), Value::Array(v))).collect())
    }

    fn body(&self, event: &Event) -> Value {
        let mut body = Map::new();
        body.insert("eventId".into(), json!(event.id));
        body.insert("eventDateTime".into(), json!(wire_time(event.at)));
        body.insert("conversationId".into(), json!(self.id));
        let source = json!({ "sourceId": self.source_id, "interactionId": self.interaction_id });
        // An e-mail's communications all carry its addresses; a voice call's, their state.
        let initial = |mut state: Value| {
            if let (Some(email), Some(object)) = (&self.email, state.as_object_mut()) {
                object.insert("from".into(), json!(email.from));
                object.insert("to".into(), json!(email.to));
                if let Some(subject) = &email.subject {
                    object.insert("subject".into(), json!(subject));
                }
            }
            state
        };
        let mut put = |name: &str, value: Value| {
            body.insert(name.into(), value);
        };
        match &event.voice {
            Voice::External { communication, ani, dnis, inbound, recorded } => {
                put("communicationId", json!(communication));
                if self.email.is_none() {
                    if let Some(ani) = ani {
                        put("ani", json!(ani));
                    }
                    if let Some(dnis) = dnis {
                        put("dnis", json!(dnis));
                    }
                    put(
                        "initialConfiguration",
                        json!({ "alerting": !inbound, "inbound": inbound, "recordingActive": recorded }),
                    );
                } else {
                    put("initialConfiguration", initial(json!({ "alerting": !inbound, "inbound": inbound })));
                }
                put("sourceConfiguration", source);
            }
            Voice::Routing { communication, queue_id, inbound } => {
                put("communicationId", json!(communication));
                put("queueId", json!(queue_id));
                put("initialConfiguration", initial(json!({ "alerting": false, "inbound": inbound })));
                put("sourceConfiguration", source);
            }
            Voice::User { communication, user_id, invited_by, inbound, alerting } => {
                put("communicationId", json!(communication));
                put("userId", json!(user_id));
                put("afterCallWorkRequired", json!(true));
                let mut state = json!({ "alerting": alerting, "inbound": inbound });
                if let (Some(by), Some(object)) = (invited_by, state.as_object_mut()) {
                    object.insert("invitedBy".into(), json!(by));
                }
                put("initialConfiguration", initial(state));
                put("sourceConfiguration", source);
            }
            Voice::Answered { communication } => put("communicationId", json!(communication)),
            Voice::Disposition { communication, code, notes } => {
                put("communicationId", json!(communication));
                if let Some(code) = code {
                    put("code", json!(code));
                }
                if let Some(notes) = notes {
                    put("notes", json!(notes));
                }
            }
            Voice::Ended { communication, disconnect } => {
                put("communicationId", json!(communication));
                put("disconnectType", json!(disconnect.as_str()));
            }
            Voice::UserTransfer { command, initiating, object, destination_user } => {
                put("transferType", json!("Unattended"));
                put("commandId", json!(command));
                put("initiatingCommunicationId", json!(initiating));
                put("targetCommunicationId", json!(initiating));
                put("objectCommunicationId", json!(object));
                put("destinationUserId", json!(destination_user));
            }
            Voice::ProgressTransfer { command, object, destination } => {
                put("commandId", json!(command));
                put("objectCommunicationId", json!(object));
                put("destinationCommunicationId", json!(destination));
            }
            Voice::EndTransfer { command, object } => {
                put("commandId", json!(command));
                put("finalState", json!("Completed"));
                put("objectCommunicationId", json!(object));
            }
        }
        Value::Object(body)
    }
}

/// An event Genesys refused (`BatchEventResponse.errors`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventError {
    pub event_id: String,
    #[serde(default)]
    pub message: String,
    /// Whether the same event may be sent again.
    #[serde(default)]
    pub retryable: bool,
}

#[derive(Debug, Default, Deserialize)]
struct BatchEventResponse {
    #[serde(default)]
    errors: Vec<EventError>,
}

impl GenesysClient {
    /// Publishes a batch of conversation events; the events it refused, if any.
    pub async fn inject_conversation(&self, request: &Value) -> Result<Vec<EventError>, GenesysError> {
        self.inject(EVENTS_PATH, request).await
    }

    /// Posts a batch of events to one of the event APIs, reading its `BatchEventResponse`: a
    /// `200` is not success until its `errors` are read.
    pub(crate) async fn inject(&self, path: &str, request: &Value) -> Result<Vec<EventError>, GenesysError> {
        let body = serde_json::to_vec(request).map_err(|e| GenesysError::Decode(e.to_string()))?;
        let response = self.request(Method::POST, path, Some(body.into())).await?;
        if response.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Vec::new());
        }
        Ok(response.json::<BatchEventResponse>()?.errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ids_are_stable_v4_uuids() {
        let id = derived_uuid("ccbridge/conversation/uis-a/42");
        assert_eq!(derived_uuid("ccbridge/conversation/uis-a/42"), id);
        assert_ne!(derived_uuid("ccbridge/conversation/uis-a/43"), id);
        assert_eq!(uuid::Uuid::parse_str(&id).expect("uuid").get_version_num(), 4);
    }

    #[test]
    fn times_go_out_with_milliseconds() {
        assert_eq!(wire_time(datetime!(2026-12-01 08:10:29.297437 UTC)), "2026-12-01T08:10:29.297Z");
        assert_eq!(wire_time(datetime!(2026-12-01 11:10:29 +03:00)), "2026-12-01T08:10:29.000Z");
    }

    #[test]
    fn dependent_events_never_share_a_batch() {
        let at = datetime!(2026-11-21 07:15:03 UTC);
        let event = |n: i64, voice: Voice| Event { id: format!("e{n}"), at: at + time::Duration::seconds(n), voice };
        let conversation = Conversation {
            id: "c".into(),
            source_id: "s".into(),
            interaction_id: "42".into(),
            email: None,
            events: vec![
                event(
                    0,
                    Voice::External {
                        communication: "C".into(),
                        ani: None,
                        dnis: None,
                        inbound: true,
                        recorded: false,
                    },
                ),
                event(1, Voice::Routing { communication: "Q".into(), queue_id: "q".into(), inbound: true }),
                event(
                    2,
                    Voice::User {
                        communication: "A".into(),
                        user_id: "u".into(),
                        invited_by: Some("Q".into()),
                        inbound: true,
                        alerting: true,
                    },
                ),
                event(3, Voice::Answered { communication: "A".into() }),
                event(4, Voice::Ended { communication: "Q".into(), disconnect: Disconnect::Transfer }),
                event(5, Voice::Ended { communication: "C".into(), disconnect: Disconnect::Self_ }),
                event(6, Voice::Ended { communication: "A".into(), disconnect: Disconnect::Peer }),
            ],
        };
        let ids: Vec<Vec<&str>> =
            conversation.batches().iter().map(|b| b.iter().map(|e| e.id.as_str()).collect()).collect();
        assert_eq!(ids, vec![vec!["e0", "e1"], vec!["e2"], vec!["e3", "e4", "e5"], vec!["e6"]]);
        let request = conversation.request(&conversation.batches()[0]);
        assert_eq!(request["externalEstablishedEvents"][0]["eventDateTime"], "2026-11-21T07:15:03.000Z");
        assert_eq!(request["routingEstablishedEvents"][0]["sourceConfiguration"]["interactionId"], "42");
    }
}
