//! `POST /agents/states`: a platform pushes its agents' states, each with the time it began.
//!
//! The body is `{"states": [{"agent", "state", "reason"?, "time"}]}`, 1 to 100 items, `time`
//! RFC 3339 with an offset and at most [`MAX_SKEW`] ahead of our clock. Every item is checked
//! before anything is written (the field, the agent among the channel's `users`, the state in
//! its table), so a refused batch writes nothing.
//!
//! Each agent's last state is one item (`AGENT#<channel>#<agent>` / `STATE`) holding the time of
//! the event that set it. An item applies only when it is newer (by time; at the same time the
//! greater state and reason win, so any order of delivery ends in the same state): an older one
//! is `older` and writes nothing, a redelivery is `unchanged` and writes nothing. A newer one
//! whose presence or routing status differs from the stored one is `changed`: the state and the
//! job sending it ([`super::agent_job`]) are written in one transaction. A newer one that maps
//! to the same presence and routing status updates the state only (`unchanged`).
//!
//! A push costs one consistent BatchGetItem for all its agents and, when any state is newer,
//! one TransactWriteItems; a redelivery costs the read alone.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::agent_job::AgentStateJob;
use super::agents::{AgentStatesChannel, Mapped, RoutingStatus, SystemPresence};
use crate::config::Config;
use crate::error::ApiError;
use crate::store::{Entity, Key, StoreError, keys};
use crate::{App, http};

/// The header carrying the channel's key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// The most states one request may carry.
pub const MAX_ITEMS: usize = 100;
/// How far ahead of our clock a state's time may be: the platform's clock may run a little fast.
pub const MAX_SKEW: time::Duration = time::Duration::minutes(2);

/// The channel whose key was presented, compared in constant time; 401 otherwise.
pub fn channel_by_api_key<'a>(config: &'a Config, key: Option<&str>) -> Result<&'a AgentStatesChannel, ApiError> {
    let presented = key.filter(|p| !p.is_empty()).ok_or(ApiError::Unauthorized("credentials are missing"))?;
    config
        .by_secret::<AgentStatesChannel>(presented.as_bytes(), |c| &c.api_key)
        .ok_or(ApiError::Unauthorized("credentials are not valid"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    states: Vec<Pushed>,
}

/// One state as the platform pushes it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Pushed {
    agent: String,
    state: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    time: OffsetDateTime,
}

/// An agent's last state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    pub channel: crate::config::ChannelId,
    pub agent: String,
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub presence: SystemPresence,
    pub routing: RoutingStatus,
    /// When the platform says this state began: the time of the event that set it.
    #[serde(with = "time::serde::rfc3339")]
    pub time: OffsetDateTime,
}

impl Entity for AgentState {
    const TYPE: &'static str = "agent_state";

    fn key(&self) -> Key {
        keys::agent_state(self.channel.as_str(), &self.agent)
    }
}

impl AgentState {
    /// The order states are applied in: by time, then by state and reason, so two different
    /// states pushed for the same instant settle the same way whichever arrives first.
    fn order(&self, other: &Self) -> Ordering {
        (self.time, &self.state, &self.reason).cmp(&(other.time, &other.state, &other.reason))
    }

    fn mapped(&self) -> Mapped {
        Mapped { presence: self.presence, routing: self.routing }
    }
}

/// What one pushed state did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Applied {
    /// Presence or routing status changed: a job sends it to Genesys Cloud.
    Changed,
    /// Newer or the same, but Genesys would see nothing new.
    Unchanged,
    /// Older than the state stored: ignored.
    Older,
}

/// The answer: one result per pushed state, in the order pushed.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub results: Vec<ItemResult>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemResult {
    pub agent: String,
    pub result: Applied,
    pub presence: SystemPresence,
    pub routing: RoutingStatus,
}

/// Checks every item of `body`, then applies them in order.
pub async fn receive(app: &App, channel: &AgentStatesChannel, body: &[u8]) -> Result<Answer, ApiError> {
    let body: Body = http::parse_json(body)?;
    if body.states.is_empty() || body.states.len() > MAX_ITEMS {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("body.states: {} states; a request carries 1 to {MAX_ITEMS}", body.states.len()),
        ));
    }
    let now = app.clock.now();
    let mut checked = Vec::with_capacity(body.states.len());
    for (i, pushed) in body.states.iter().enumerate() {
        checked.push(check(channel, pushed, i, now)?);
    }
    let applied = apply_all(app, channel, &checked, now).await?;
    let results = checked
        .iter()
        .zip(applied)
        .map(|((state, _), result)| ItemResult {
            agent: state.agent.clone(),
            result,
            presence: state.presence,
            routing: state.routing,
        })
        .collect();
    Ok(Answer { results })
}

/// Item `i` as the state it sets, with the agent's Genesys user; a 4xx naming its field if not.
fn check<'a>(
    channel: &'a AgentStatesChannel,
    pushed: &Pushed,
    i: usize,
    now: OffsetDateTime,
) -> Result<(AgentState, &'a str), ApiError> {
    let at = |field: &str| format!("body.states[{i}].{field}");
    let user = channel.users.get(&pushed.agent).ok_or_else(|| ApiError::Unprocessable {
        code: "unknown_agent",
        message: format!("{}: agent {:?} is not one of the channel's users", at("agent"), pushed.agent),
    })?;
    let reason = pushed.reason.as_deref().filter(|r| !r.is_empty());
    let mapped = channel.map(&pushed.state, reason).ok_or_else(|| ApiError::Unprocessable {
        code: "unknown_state",
        message: format!("{}: state {:?} is not in the channel's state table", at("state"), pushed.state),
    })?;
    if pushed.time > now + MAX_SKEW {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("{}: {} is in the future", at("time"), crate::clock::rfc3339(pushed.time)),
        ));
    }
    let state = AgentState {
        channel: channel.id.clone(),
        agent: pushed.agent.clone(),
        state: pushed.state.clone(),
        reason: reason.map(str::to_owned),
        presence: mapped.presence,
        routing: mapped.routing,
        time: pushed.time.to_offset(time::UtcOffset::UTC),
    };
    Ok((state, user.as_str()))
}

/// Applies the checked states in the order pushed, every agent's in turn on what the one before
/// left: one BatchGetItem for all the agents and one transaction for what changed (a job with
/// each change), whatever the number of states.
async fn apply_all(
    app: &App,
    channel: &AgentStatesChannel,
    checked: &[(AgentState, &str)],
    now: OffsetDateTime,
) -> Result<Vec<Applied>, StoreError> {
    let mut keys: Vec<Key> = Vec::new();
    let mut of_agent = Vec::with_capacity(checked.len());
    for (state, _) in checked {
        let key = state.key();
        of_agent.push(keys.iter().position(|k| *k == key).unwrap_or_else(|| {
            keys.push(key);
            keys.len() - 1
        }));
    }
    let mut applied = vec![Applied::Unchanged; checked.len()];
    app.store
        .merge_batch::<AgentState, _>(&keys, |agent, current| {
            let mut state = current.cloned();
            let mut writes = Vec::new();
            for (n, (incoming, user)) in checked.iter().enumerate().filter(|(n, _)| of_agent[*n] == agent) {
                let newer = state.as_ref().is_none_or(|stored| incoming.order(stored) == Ordering::Greater);
                applied[n] = match &state {
                    Some(stored) if incoming.order(stored) == Ordering::Less => Applied::Older,
                    Some(stored) if incoming.order(stored) == Ordering::Equal => Applied::Unchanged,
                    Some(stored) if stored.mapped() == incoming.mapped() => Applied::Unchanged,
                    _ => Applied::Changed,
                };
                if applied[n] == Applied::Changed {
                    let job = AgentStateJob::pending(
                        &channel.id,
                        &incoming.agent,
                        user,
                        &channel.genesys,
                        incoming.time,
                        incoming.mapped(),
                        now,
                    );
                    writes.push(job.upsert_write(&app.store)?);
                }
                if newer {
                    state = Some(incoming.clone());
                }
            }
            Ok(state.filter(|s| Some(s) != current).map(|s| (s, writes)))
        })
        .await?;
    Ok(applied)
}
