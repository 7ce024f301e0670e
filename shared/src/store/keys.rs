//! Every key format of the table, in one place: what each partition groups, and the index
//! entries that list or find items. Domains build their keys through these functions; the
//! arguments are plain text so the store depends on no domain type.
//!
//! | `pk` / `gsi*pk` | `sk` / `gsi*sk` | what |
//! |---|---|---|
//! | `CALL#<channel>#<call_session_id>` | `CALL`, `EVENT#<kind>#<digest>`, `TICKET`, `CALLBACK`, `CONVERSATION`, `RECORDING#<link_id>` | a UIS call and what hangs off it, its notifications read by sort-key range |
//! | gsi1 `CALLS#<channel>#<contact>` | call sort key | a contact's calls on one UIS channel |
//! | gsi1 `TICKETS#<channel>#<contact>` | call sort key | a contact's tickets |
//! | gsi2 `TICKETS#<channel>#<status>` | call sort key | a channel's tickets by status |
//! | gsi2 `CALLBACKS#<channel>#<status>` | call sort key | the callback work list (`open`), oldest first |
//! | gsi1 `CALLBACKS#<channel>#<contact>#<status>` | call sort key | a contact's open callbacks, to close or count attempts |
//! | `CLICK#<channel>#<employee>#<digits>` | `CLICK` | the last call placed for an employee to a number (expires) |
//! | gsi2 `JOBS#<status>` | `<created_at>#<job_id>` | jobs by status |
//! | gsi1 `JOBS#due` | `<due_at>#<job_id>` | jobs with work ahead, by due time (sparse) |
//! | `CONTACT#<tenant>#<contact>` | `CONTACT` | a contact (one customer record per tenant) |
//! | `CRMKEY#<tenant>#<kind>#<value>` | `CONTACT#<id>` or `COMPANY#<id>` | who holds an e-mail, phone, messenger id or tax id |
//! | `COMPANY#<tenant>#<company>` | `COMPANY` | a company |
//! | `INTERACTION#<id>` | `INTERACTION` | a WDE interaction |
//! | gsi1 `HISTORY#<tenant>#CONTACT#<contact>`, gsi2 `HISTORY#<tenant>#COMPANY#<company>` | history sort key | a customer's interactions, newest first |
//! | `CONSENTS#<interaction>` | `CONSENT#<name>` | the consent register entries of an interaction |
//! | gsi1 `CONSENTS#<tenant>#CONTACT#<contact>` | `<epoch:012>#<interaction>#<name>` | a contact's register |
//! | `CHAT#<channel>#<session>` | `SESSION`, `MSG#<received>#<direction>#<id>`, `ID#<dedupe>` | a chat session and its transcript |
//! | gsi1 `CHATPEER#<integration>#<sha256(peer)>` | `<created_at>#<session>` | a peer's sessions |
//! | `CHATPEER#<integration>#<sha256(peer)>` | `LATEST` | the session an agent's reply belongs to, read consistently |
//! | `CHATBOT#<channel>` | `INTEGRATION`, `INTEGRATION#<skill>` | a bot's provisioned integrations |
//! | `EXSOURCE#<genesys channel>` | `SOURCE` | the EX organisation's provisioned external source |
//! | `AGENT#<channel>#<agent>` | `STATE`, `JOB#<time µs>#<presence>#<routing>` | a platform agent's last state, and the job sending each change to Genesys Cloud EX |

use std::fmt::Display;

use sha2::{Digest, Sha256};

use super::items::Key;

/// The partition of one UIS call.
pub fn call_partition(channel: &str, call_session_id: impl Display) -> String {
    format!("CALL#{channel}#{call_session_id}")
}

/// The call record itself.
pub fn call(channel: &str, call_session_id: impl Display) -> Key {
    Key::new(call_partition(channel, call_session_id), "CALL")
}

/// One delivery of a notification, under its call.
pub fn call_notification(channel: &str, call_session_id: impl Display, kind: &str, digest: &str) -> Key {
    Key::new(call_partition(channel, call_session_id), format!("EVENT#{kind}#{digest}"))
}

/// The sort keys of a call's notifications, first and last: `EVENT#…` sorts before `EVENT$`.
pub const CALL_NOTIFICATIONS: (&str, &str) = ("EVENT#", "EVENT$");

/// The sort keys of a call's recording jobs, first and last.
pub const CALL_RECORDINGS: (&str, &str) = ("RECORDING#", "RECORDING$");

/// The ticket of a call, under its call.
pub fn ticket(channel: &str, call_session_id: impl Display) -> Key {
    Key::new(call_partition(channel, call_session_id), "TICKET")
}

/// The callback a missed incoming call asks for, under its call.
pub fn callback(channel: &str, call_session_id: impl Display) -> Key {
    Key::new(call_partition(channel, call_session_id), "CALLBACK")
}

/// gsi2: a UIS channel's callbacks in one status.
pub fn callbacks_in_status(channel: &str, status: &str) -> String {
    format!("CALLBACKS#{channel}#{status}")
}

/// gsi1: a contact's callbacks in one status on one UIS channel.
pub fn callbacks_of_contact(channel: &str, contact: &str, status: &str) -> String {
    format!("CALLBACKS#{channel}#{contact}#{status}")
}

/// The last call placed through the Call API for an employee to a number.
pub fn click(channel: &str, employee: impl Display, number_digits: &str) -> Key {
    Key::new(format!("CLICK#{channel}#{employee}#{number_digits}"), "CLICK")
}

/// The job sending a call to Genesys Cloud EX, under its call.
pub fn conversation_job(channel: &str, call_session_id: impl Display) -> Key {
    Key::new(call_partition(channel, call_session_id), "CONVERSATION")
}

/// The partition of one platform agent of an `agent_states` channel, or of one UIS employee.
pub fn agent_partition(channel: &str, agent: &str) -> String {
    format!("AGENT#{channel}#{agent}")
}

/// A platform agent's (or a UIS employee's) last state.
pub fn agent_state(channel: &str, agent: &str) -> Key {
    Key::new(agent_partition(channel, agent), "STATE")
}

/// The job sending one change of an agent's state, under the agent: `at_micros` since the
/// epoch, zero-padded so the changes sort by time.
pub fn agent_state_job(channel: &str, agent: &str, at_micros: i64, presence: &str, routing: &str) -> Key {
    Key::new(agent_partition(channel, agent), format!("JOB#{at_micros:020}#{presence}#{routing}"))
}

/// The job applying and sending one event of a UIS employee, under the employee: `at_micros`
/// zero-padded so the events sort by time.
pub fn employee_job(channel: &str, employee: &str, at_micros: i64, name: &str) -> Key {
    Key::new(agent_partition(channel, employee), format!("EVENT#{at_micros:020}#{name}"))
}

/// The partition of one kind of platform object mapped into one organisation.
pub fn ex_mapping_partition(genesys: &str, platform: &str, kind: &str) -> String {
    format!("EXMAP#{genesys}#{platform}#{kind}")
}

/// The mapping of one platform object.
pub fn ex_mapping(genesys: &str, platform: &str, kind: &str, external_id: &str) -> Key {
    Key::new(ex_mapping_partition(genesys, platform, kind), external_id.to_owned())
}

/// The ongoing configuration sync job of a UIS channel.
pub fn ex_sync_job(channel: &str) -> Key {
    Key::new(format!("EXSYNC#{channel}"), "JOB")
}

/// What the last employee status poll of a UIS channel saw.
pub fn status_snapshot(channel: &str) -> Key {
    Key::new(format!("EMPSTATUS#{channel}"), "SNAPSHOT")
}

/// A recording job, under its call.
pub fn recording_job(channel: &str, call_session_id: impl Display, link_id: &str) -> Key {
    Key::new(call_partition(channel, call_session_id), format!("RECORDING#{link_id}"))
}

/// gsi1: a contact's calls on one UIS channel.
pub fn calls_of_contact(channel: &str, contact: &str) -> String {
    format!("CALLS#{channel}#{contact}")
}

/// gsi1: a contact's tickets on one UIS channel.
pub fn tickets_of_contact(channel: &str, contact: &str) -> String {
    format!("TICKETS#{channel}#{contact}")
}

/// gsi2: a UIS channel's tickets in one status.
pub fn tickets_in_status(channel: &str, status: &str) -> String {
    format!("TICKETS#{channel}#{status}")
}

/// gsi2: jobs in one status.
pub fn jobs_in_status(status: &str) -> String {
    format!("JOBS#{status}")
}

/// gsi1: every job with work ahead, by due time.
pub const JOBS_DUE: &str = "JOBS#due";

/// A contact of a tenant.
pub fn contact(tenant: &str, contact: &str) -> Key {
    Key::new(format!("CONTACT#{tenant}#{contact}"), "CONTACT")
}

/// The partition of the holders of one alternate key value (`kind` is `email`, `phone`,
/// `messenger` or `taxid`).
pub fn alternate_key(tenant: &str, kind: &str, value: &str) -> String {
    format!("CRMKEY#{tenant}#{kind}#{value}")
}

/// A contact's entry among the holders of an alternate key.
pub fn alternate_key_of_contact(partition: &str, contact: &str) -> Key {
    Key::new(partition, format!("CONTACT#{contact}"))
}

/// A company's entry among the holders of an alternate key.
pub fn alternate_key_of_company(partition: &str, company: &str) -> Key {
    Key::new(partition, format!("COMPANY#{company}"))
}

/// A company of a tenant.
pub fn company(tenant: &str, company: &str) -> Key {
    Key::new(format!("COMPANY#{tenant}#{company}"), "COMPANY")
}

/// A WDE interaction.
pub fn interaction(id: impl Display) -> Key {
    Key::new(format!("INTERACTION#{id}"), "INTERACTION")
}

/// The job sending a WDE interaction to Genesys Cloud EX, under the interaction.
pub fn wde_conversation_job(id: impl Display) -> Key {
    Key::new(format!("INTERACTION#{id}"), "CONVERSATION")
}

/// gsi1: a contact's history.
pub fn history_of_contact(tenant: &str, contact: &str) -> String {
    format!("HISTORY#{tenant}#CONTACT#{contact}")
}

/// gsi2: a company's history.
pub fn history_of_company(tenant: &str, company: &str) -> String {
    format!("HISTORY#{tenant}#COMPANY#{company}")
}

/// Sorts a history by start time (epoch seconds, unknown first), then by source and id.
pub fn history_sort(started_at_epoch: Option<i64>, source_id: &str) -> String {
    format!("{:012}#{source_id}", started_at_epoch.map_or(0, |t| t.max(0)))
}

/// The partition of one activity: the activity, its notes, its wrap-up and its cases, read
/// together in one Query.
pub fn activity_partition(tenant: &str, activity: &str) -> String {
    format!("ACTIVITY#{tenant}#{activity}")
}

/// An activity.
pub fn activity(tenant: &str, activity: &str) -> Key {
    Key::new(activity_partition(tenant, activity), "ACTIVITY")
}

/// One note of an activity: by time, then a random suffix, so concurrent notes never collide.
pub fn activity_note(tenant: &str, activity: &str, at_micros: &str, suffix: &str) -> Key {
    Key::new(activity_partition(tenant, activity), format!("NOTE#{at_micros}#{suffix}"))
}

/// The wrap-up the agent gave an activity.
pub fn activity_wrapup(tenant: &str, activity: &str) -> Key {
    Key::new(activity_partition(tenant, activity), "WRAPUP")
}

/// A case, under the activity it was opened for.
pub fn case(tenant: &str, activity: &str, case: &str) -> Key {
    Key::new(activity_partition(tenant, activity), format!("CASE#{case}"))
}

/// gsi2: a tenant's cases in one status, oldest first.
pub fn cases_in_status(tenant: &str, status: &str) -> String {
    format!("CASES#{tenant}#{status}")
}

/// One consent register entry, under its interaction.
pub fn consent(interaction: impl Display, name: &str) -> Key {
    Key::new(format!("CONSENTS#{interaction}"), format!("CONSENT#{name}"))
}

/// gsi1: a contact's consent register, oldest first by sort key.
pub fn consents_of_contact(tenant: &str, contact: &str) -> String {
    format!("CONSENTS#{tenant}#CONTACT#{contact}")
}

/// The gsi1 sort key of a consent entry.
pub fn consent_sort(at_epoch: i64, interaction: impl Display, name: &str) -> String {
    format!("{at_epoch:012}#{interaction}#{name}")
}

/// The partition holding a chat session and its transcript.
pub fn chat_partition(channel: &str, session: &str) -> String {
    format!("CHAT#{channel}#{session}")
}

/// A chat session.
pub fn chat_session(channel: &str, session: &str) -> Key {
    Key::new(chat_partition(channel, session), "SESSION")
}

/// A transcript entry's sort key: in order of arrival, unique per direction and message.
pub fn transcript_position(received_at: &str, direction: &str, id: &str) -> String {
    format!("{TRANSCRIPT_PREFIX}{received_at}#{direction}#{id}")
}

/// Where transcript entries start among a session's items; `TRANSCRIPT_END` is past the last.
pub const TRANSCRIPT_PREFIX: &str = "MSG#";
pub const TRANSCRIPT_END: &str = "MSG$";

/// The marker making a transcript entry unique per provider id.
pub fn transcript_marker(channel: &str, session: &str, dedupe: &str) -> Key {
    Key::new(chat_partition(channel, session), format!("ID#{dedupe}"))
}

/// gsi1: the sessions of one recipient on one integration (the id hashed, so no e-mail or
/// phone is in a key).
pub fn chat_peer(integration: &str, peer: &str) -> String {
    format!("CHATPEER#{integration}#{}", hex::encode(Sha256::digest(peer.as_bytes())))
}

/// A chatbot's recorded integration of `skill` (none: the no-skill one).
/// The pointer to the newest session of a peer, written with the session.
pub fn chat_peer_latest(integration: &str, peer: &str) -> Key {
    Key::new(chat_peer(integration, peer), "LATEST")
}

pub fn chat_integration(channel: &str, skill: Option<&str>) -> Key {
    let sk = match skill {
        Some(skill) => format!("INTEGRATION#{skill}"),
        None => "INTEGRATION".to_string(),
    };
    Key::new(format!("CHATBOT#{channel}"), sk)
}
