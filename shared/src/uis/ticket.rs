//! Tickets ("cards") the helpdesk works from: one per incoming or outgoing call session, kept
//! under its call (`TICKET`), listed per contact (gsi1) and per status (gsi2: work lists such
//! as `callback_needed`).
//!
//! Everything in a ticket is derived from its call record by [`Ticket::for_call`] and written in
//! the same transaction, so it always agrees with the call, whatever the order of the
//! notifications.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::call::{Call, CallSessionId, CallState, Direction, LocalTime};
use crate::config::common::ChannelId;
use crate::crm::ids::ContactId;
use crate::store::{Entity, Index, Key, Store, StoreError, keys};

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
    pub channel: ChannelId,
    pub call_session_id: CallSessionId,
    pub direction: Direction,
    pub status: TicketStatus,
    pub subject: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_id: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opened_at: Option<LocalTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talk_seconds: Option<u64>,
    #[serde(skip)]
    sort_key: String,
}

impl Entity for Ticket {
    const TYPE: &'static str = "ticket";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::ticket(self.channel.as_str(), self.call_session_id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let channel = self.channel.as_str();
        let mut keys = Vec::new();
        if let Some(contact) = &self.contact_id {
            keys.push((Index::Gsi1, keys::tickets_of_contact(channel, contact.as_str()), self.sort_key.clone()));
        }
        keys.push((Index::Gsi2, keys::tickets_in_status(channel, self.status.as_str()), self.sort_key.clone()));
        keys
    }
}

impl Ticket {
    /// The ticket of a call, if it has one (its direction is known).
    pub fn for_call(call: &Call) -> Option<Self> {
        let direction = call.direction?;
        let ticket_id = call.ticket_id.clone()?;
        let status = match (call.state, direction) {
            (CallState::Dialing | CallState::Ringing | CallState::Talking, _) => TicketStatus::Open,
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
            opened_at: call.started_at,
            finish_reason: call.finish_reason.clone(),
            talk_seconds: call.talk_seconds,
            sort_key: call.sort_key(),
        })
    }

    /// Sets the ticket to what its call says; fields the helpdesk adds are left alone.
    pub fn upsert_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &[])
    }
}
