//! One finished interaction of any platform — a UIS call, a WDE voice call or e-mail — as the
//! events of one external conversation. Each platform says what happened in the terms of
//! [`Finished`] ([`super::call`], [`super::wde`]); [`build`] turns that into events, purely, so
//! every retry sends the same events with the same ids.
//!
//! Inbound: the customer's communication, the queue's when the interaction waited in a mapped
//! queue, then — once answered — each agent who handled it and maps to a Genesys user
//! (established, answered; a hand-over from one to the next as a blind transfer `userTransfer` …
//! `endTransfer`), and at the end every open communication's end with its disconnect type and
//! the last agent's wrap-up. Outbound: the agent's communication first. Events of one
//! conversation are strictly ordered, one millisecond apart where the platform's times coincide.

use time::{Duration, OffsetDateTime};

use crate::genesys::conversations::{Conversation, Disconnect, Email, Event, Voice, derived_uuid};

/// What a voice call or an e-mail is, beyond its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Medium {
    /// The customer's and the contact center's numbers, E.164.
    Voice {
        ani: Option<String>,
        dnis: Option<String>,
        recorded: bool,
    },
    Email(Email),
}

/// The wrap-up of an answered interaction: `code` absent is a skipped wrap-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapUp {
    pub code: Option<String>,
    pub notes: Option<String>,
}

/// What a platform reports of one finished interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The platform channel: with `id`, what every id of the conversation is derived from.
    pub channel: String,
    /// The platform's id of the interaction (`sourceConfiguration.interactionId`).
    pub id: String,
    pub medium: Medium,
    pub inbound: bool,
    /// The Genesys queue it waited in.
    pub queue: Option<String>,
    /// (platform agent, Genesys user) of each agent who handled it, in order: the one who
    /// answered, then whoever it was handed over to.
    pub agents: Vec<(String, String)>,
    pub start: OffsetDateTime,
    /// When it was answered; none when nobody did.
    pub answer: Option<OffsetDateTime>,
    /// When it was handed over, when it was.
    pub transfer_at: OffsetDateTime,
    pub finish: OffsetDateTime,
    /// The customer's and the agents' `disconnectType`.
    pub disconnects: (Disconnect, Disconnect),
    pub wrap_up: Option<WrapUp>,
}

/// A conversation and the platform's agents that map to no Genesys user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Built {
    pub conversation: Conversation,
    pub unmapped: Vec<String>,
}

/// The id of an interaction's conversation, derived from its channel and its id.
pub fn conversation_id(channel: &str, id: &str) -> String {
    derived_uuid(&format!("ccbridge/conversation/{channel}/{id}"))
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

/// The conversation of `f`, under the organisation's source; `unmapped` is passed through.
pub fn build(f: &Finished, source_id: &str, unmapped: Vec<String>) -> Built {
    let (channel, id) = (f.channel.as_str(), f.id.as_str());
    let comm = |what: &str| derived_uuid(&format!("ccbridge/communication/{channel}/{id}{what}"));
    let inbound = f.inbound;
    let customer = comm("");
    let (email, external) = match &f.medium {
        Medium::Voice { ani, dnis, recorded } => (
            None,
            Voice::External {
                communication: customer.clone(),
                ani: ani.clone(),
                dnis: dnis.clone(),
                inbound,
                recorded: *recorded,
            },
        ),
        Medium::Email(email) => (
            Some(email.clone()),
            Voice::External { communication: customer.clone(), ani: None, dnis: None, inbound, recorded: false },
        ),
    };
    let mut t = Timeline {
        conversation: Conversation {
            id: conversation_id(channel, id),
            source_id: source_id.to_owned(),
            interaction_id: id.to_owned(),
            email,
            events: Vec::new(),
        },
        last: None,
    };
    let (customer_end, agent_end) = f.disconnects;
    let queue_leg = comm("/queue");
    let agent_leg = |agent: &str| comm(&format!("/user/{agent}"));

    let mut talking: Option<String> = None;
    if inbound {
        t.push(f.start, &format!("established/{customer}"), external);
        if let Some(queue_id) = &f.queue {
            let routing = Voice::Routing { communication: queue_leg.clone(), queue_id: queue_id.clone(), inbound };
            t.push(f.start, &format!("established/{queue_leg}"), routing);
        }
    } else if let Some((agent, user)) = f.agents.last() {
        let leg = agent_leg(agent);
        let voice = Voice::User {
            communication: leg.clone(),
            user_id: user.clone(),
            invited_by: None,
            inbound,
            alerting: false,
        };
        t.push(f.start, &format!("established/{leg}"), voice);
        t.push(f.start, &format!("established/{customer}"), external);
        talking = Some(leg);
    } else {
        t.push(f.start, &format!("established/{customer}"), external);
    }

    let mut queue_open = f.queue.is_some();
    match f.answer {
        Some(answer) if inbound => {
            for (n, (agent, user)) in f.agents.iter().enumerate() {
                let leg = agent_leg(agent);
                let at = if n == 0 { answer - Duration::milliseconds(1) } else { f.transfer_at };
                if let Some(from) = &talking {
                    hand_over(
                        &mut t,
                        at,
                        from,
                        &customer,
                        &leg,
                        user,
                        &format!("ccbridge/transfer/{channel}/{id}/{agent}"),
                    );
                } else {
                    let invited_by = f.queue.as_ref().map(|_| queue_leg.clone());
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
        }
        Some(answer) => {
            t.push(answer, &format!("answered/{customer}"), Voice::Answered { communication: customer.clone() });
        }
        None => {}
    }

    t.push(
        f.finish,
        &format!("ended/{customer}"),
        Voice::Ended { communication: customer.clone(), disconnect: customer_end },
    );
    if queue_open {
        let ended = Voice::Ended { communication: queue_leg.clone(), disconnect: Disconnect::Peer };
        t.push(f.finish, &format!("ended/{queue_leg}"), ended);
    }
    if let Some(leg) = talking {
        t.push(f.finish, &format!("ended/{leg}"), Voice::Ended { communication: leg.clone(), disconnect: agent_end });
        if let (Some(WrapUp { code, notes }), Some(_)) = (&f.wrap_up, f.answer) {
            let disposition =
                Voice::Disposition { communication: leg.clone(), code: code.clone(), notes: notes.clone() };
            t.push(f.finish, &format!("disposition/{leg}"), disposition);
        }
    }
    Built { conversation: t.conversation, unmapped }
}

/// A blind transfer of the customer from `from` to `user`'s new communication `leg`, complete.
fn hand_over(t: &mut Timeline, at: OffsetDateTime, from: &str, customer: &str, leg: &str, user: &str, name: &str) {
    let command = derived_uuid(name);
    let transfer = Voice::UserTransfer {
        command: command.clone(),
        initiating: from.to_owned(),
        object: customer.to_owned(),
        destination_user: user.to_owned(),
    };
    t.push(at, &format!("transfer/{command}"), transfer);
    let voice = Voice::User {
        communication: leg.to_owned(),
        user_id: user.to_owned(),
        invited_by: None,
        inbound: true,
        alerting: true,
    };
    t.push(at, &format!("established/{leg}"), voice);
    let progress =
        Voice::ProgressTransfer { command: command.clone(), object: customer.to_owned(), destination: leg.to_owned() };
    t.push(at, &format!("progress/{command}"), progress);
    t.push(at, &format!("answered/{leg}"), Voice::Answered { communication: leg.to_owned() });
    let ended = Voice::Ended { communication: from.to_owned(), disconnect: Disconnect::TransferUser };
    t.push(at, &format!("ended/{from}"), ended);
    t.push(at, &format!("end-transfer/{command}"), Voice::EndTransfer { command, object: customer.to_owned() });
}
