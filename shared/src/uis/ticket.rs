//! Tickets ("cards") the helpdesk works from: one per incoming or outgoing call session.
//!
//! | attribute | value |
//! |---|---|
//! | `pk` / `sk` | `CALL#<channel>#<call_session_id>` / `TICKET` (read with its call) |
//! | `gsi1pk` / `gsi1sk` | `TICKETS#<channel>#<contact_id>` / call sort key: a contact's tickets |
//! | `gsi2pk` / `gsi2sk` | `TICKETS#<channel>#<status>` / call sort key: work lists such as `callback_needed` |
//! | `type` | `ticket` |
//!
//! Everything in a ticket is derived from its call record and written in the same transaction,
//! so it always agrees with the call, whatever the order of the notifications.

use serde::{Deserialize, Serialize};

use super::{Entity, Index, Key, Store, StoreError, calls};
use crate::uis::call::{Call, CallState, Direction};

pub const TYPE: &str = "ticket";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// The call is still going on.
    Open,
    /// The call ended with a conversation.
    Closed,
    /// An incoming call nobody answered: someone has to call back.
    CallbackNeeded,
    /// An outgoing call that did not get through.
    Unanswered,
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Closed => "closed",
            Self::CallbackNeeded => "callback_needed",
            Self::Unanswered => "unanswered",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub ticket_id: String,
    pub channel: String,
    pub call_session_id: crate::uis::call::CallSessionId,
    pub direction: Direction,
    pub status: TicketStatus,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_seconds: Option<u64>,
    #[serde(skip)]
    sort_key: String,
}

impl Entity for Ticket {
    const TYPE: &'static str = TYPE;

    fn key(&self) -> Key {
        Key::new(calls::partition(&self.channel, self.call_session_id), "TICKET")
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let mut keys = Vec::new();
        if let Some(contact) = &self.contact_id {
            keys.push((Index::Gsi1, format!("TICKETS#{}#{contact}", self.channel), self.sort_key.clone()));
        }
        keys.push((Index::Gsi2, format!("TICKETS#{}#{}", self.channel, self.status.as_str()), self.sort_key.clone()));
        keys
    }
}

impl Ticket {
    /// The ticket of a call, if it has one (its direction is known).
    pub fn for_call(call: &Call) -> Option<Self> {
        let direction = call.direction?;
        let ticket_id = call.ticket_id.clone()?;
        let status = match (call.state, direction) {
            (CallState::Ringing | CallState::Talking, _) => TicketStatus::Open,
            (CallState::Finished, _) => TicketStatus::Closed,
            (CallState::Lost, Direction::In) => TicketStatus::CallbackNeeded,
            (CallState::Lost, Direction::Out) => TicketStatus::Unanswered,
        };
        let subject = match (direction, status) {
            (Direction::In, TicketStatus::CallbackNeeded) => "Missed incoming call: call back",
            (Direction::In, _) => "Incoming call",
            (Direction::Out, TicketStatus::Unanswered) => "Outgoing call not answered",
            (Direction::Out, _) => "Outgoing call",
        };
        Some(Self {
            ticket_id,
            channel: call.channel.clone(),
            call_session_id: call.call_session_id,
            direction,
            status,
            subject: subject.into(),
            contact_id: call.contact_id.clone(),
            operator: call.operator.as_ref().and_then(|o| o.operator.clone().or_else(|| Some(o.employee_id.clone()))),
            opened_at: call.started_at.clone(),
            finish_reason: call.finish_reason.clone(),
            talk_seconds: call.talk_seconds,
            sort_key: call.sort_key(),
        })
    }

    /// Sets the ticket to what its call says; fields the helpdesk adds are left alone.
    pub fn upsert_write(&self, store: &Store) -> Result<aws_sdk_dynamodb::types::TransactWriteItem, StoreError> {
        store.upsert_write(self, &[])
    }
}
