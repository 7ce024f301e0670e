//! An `agent_states` channel: a platform that pushes its agents' states (`POST /agents/states`)
//! for Genesys Cloud EX, and the table that turns a platform state (and its reason) into a
//! Genesys presence and routing status.
//!
//! Without a `states` table the default one applies, after the EX connector's mapping:
//!
//! | state | reason | presence | routing |
//! |---|---|---|---|
//! | `LoggedOff` | | `Offline` | `OffQueue` |
//! | `NotReady` | `Break`, `Meal`, `Meeting`, `Training` | the same | `OffQueue` |
//! | `NotReady` | none, or any other | `Busy` | `OffQueue` |
//! | `Ready` | | `OnQueue` | `Idle` |
//! | `Busy`, `OnCall`, `AfterCallWork` | | `OnQueue` | `Interacting` |
//!
//! A row without a reason applies to every reason no row names.
//!
//! Also what a UIS employee status is sent as ([`presence_of`]): the status poll and
//! configuration sync (a custom status is a secondary status under it) read it the same way.

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use crate::config::common::{ChannelId, ConfigError, FieldName, Settings};

/// A Genesys Cloud system presence (`OrganizationPresenceDefinition.systemPresence`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SystemPresence {
    Available,
    Away,
    Busy,
    Offline,
    Idle,
    OnQueue,
    Meal,
    Training,
    Meeting,
    Break,
}

impl SystemPresence {
    pub const ALL: [Self; 10] = [
        Self::Available,
        Self::Away,
        Self::Busy,
        Self::Offline,
        Self::Idle,
        Self::OnQueue,
        Self::Meal,
        Self::Training,
        Self::Meeting,
        Self::Break,
    ];

    /// Its name in Genesys's models.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "Available",
            Self::Away => "Away",
            Self::Busy => "Busy",
            Self::Offline => "Offline",
            Self::Idle => "Idle",
            Self::OnQueue => "OnQueue",
            Self::Meal => "Meal",
            Self::Training => "Training",
            Self::Meeting => "Meeting",
            Self::Break => "Break",
        }
    }

    /// The presence named `name`, whatever its case (Genesys answers `ON_QUEUE` in places).
    pub fn parse(name: &str) -> Option<Self> {
        let plain = name.replace('_', "");
        Self::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(&plain))
    }
}

/// A routing status as the routing status events take it (`UserRoutingStatusEvent.status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RoutingStatus {
    OffQueue,
    Idle,
    Interacting,
    Communicating,
    NotResponding,
}

impl RoutingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OffQueue => "OffQueue",
            Self::Idle => "Idle",
            Self::Interacting => "Interacting",
            Self::Communicating => "Communicating",
            Self::NotResponding => "NotResponding",
        }
    }
}

/// One row of a channel's `states` table.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateRow {
    pub state: String,
    /// The reason this row is for; a row without one takes every other reason.
    #[serde(default)]
    pub reason: Option<String>,
    pub presence: SystemPresence,
    pub routing: RoutingStatus,
}

/// What a platform state is in Genesys Cloud.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Mapped {
    pub presence: SystemPresence,
    pub routing: RoutingStatus,
}

/// The connector's table (ex-connector §2.3), for a channel that lists none.
pub fn default_states() -> Vec<StateRow> {
    use RoutingStatus::{Idle, Interacting, OffQueue};
    use SystemPresence::{Break, Busy, Meal, Meeting, Offline, OnQueue, Training};
    let row = |state: &str, reason: Option<&str>, presence, routing| StateRow {
        state: state.to_owned(),
        reason: reason.map(str::to_owned),
        presence,
        routing,
    };
    vec![
        row("LoggedOff", None, Offline, OffQueue),
        row("NotReady", Some("Break"), Break, OffQueue),
        row("NotReady", Some("Meal"), Meal, OffQueue),
        row("NotReady", Some("Meeting"), Meeting, OffQueue),
        row("NotReady", Some("Training"), Training, OffQueue),
        row("NotReady", None, Busy, OffQueue),
        row("Ready", None, OnQueue, Idle),
        row("Busy", None, OnQueue, Interacting),
        row("OnCall", None, OnQueue, Interacting),
        row("AfterCallWork", None, OnQueue, Interacting),
    ]
}

/// A platform that pushes its agents' states.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentStatesChannel {
    pub id: ChannelId,
    /// The `X-API-KEY` the platform sends: it selects the channel.
    pub api_key: SecretString,
    /// The organisation the states go to.
    pub genesys: ChannelId,
    /// Platform agent id → Genesys user id.
    pub users: BTreeMap<String, String>,
    /// The state table; the default one when absent.
    #[serde(default = "default_states")]
    pub states: Vec<StateRow>,
}

/// The longest platform agent id: it is part of stored keys and job ids.
const MAX_AGENT_ID_CHARS: usize = 128;

/// Whether `agent` can be a platform agent id: letters, digits and `.`, `_`, `-`, `@`; no `#`
/// or `:`, which separate the parts of keys and job ids.
pub fn is_agent_id(agent: &str) -> bool {
    !agent.is_empty()
        && agent.chars().count() <= MAX_AGENT_ID_CHARS
        && agent.chars().all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
}

impl AgentStatesChannel {
    /// What `state` (with `reason`) is in Genesys, or `None` for a state the table lacks.
    pub fn map(&self, state: &str, reason: Option<&str>) -> Option<Mapped> {
        let rows = || self.states.iter().filter(|r| r.state == state);
        let exact = reason.and_then(|reason| rows().find(|r| r.reason.as_deref() == Some(reason)));
        exact
            .or_else(|| rows().find(|r| r.reason.is_none()))
            .map(|r| Mapped { presence: r.presence, routing: r.routing })
    }

    /// Whether the table knows `state` at all.
    pub fn knows_state(&self, state: &str) -> bool {
        self.states.iter().any(|r| r.state == state)
    }
}

impl Settings for AgentStatesChannel {
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if self.users.is_empty() {
            return Err(ConfigError::invalid(at("users"), "must map at least one agent to a Genesys user"));
        }
        for (agent, user) in &self.users {
            if !is_agent_id(agent) {
                return Err(ConfigError::invalid(
                    at("users"),
                    format!("{agent:?} is not an agent id: 1 to 128 letters, digits, '.', '_', '-' or '@'"),
                ));
            }
            if uuid::Uuid::parse_str(user).is_err() {
                return Err(ConfigError::invalid(
                    at(&format!("users.{agent}")),
                    format!("{user:?} is not a Genesys Cloud id (a UUID)"),
                ));
            }
        }
        if self.states.is_empty() {
            return Err(ConfigError::invalid(at("states"), "must list at least one state (or be left out)"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, row) in self.states.iter().enumerate() {
            if row.state.trim().is_empty() {
                return Err(ConfigError::invalid(at(&format!("states[{i}].state")), "must not be empty"));
            }
            if !seen.insert((&row.state, &row.reason)) {
                return Err(ConfigError::invalid(
                    at(&format!("states[{i}]")),
                    format!("state {:?} with reason {:?} is listed twice", row.state, row.reason),
                ));
            }
        }
        Ok(())
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("api_key", &self.api_key)]
    }

    fn selecting_secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("api_key", &self.api_key)]
    }

    fn genesys_reference(&self) -> Option<(&'static str, &ChannelId)> {
        Some(("genesys", &self.genesys))
    }
}

/// A status of the account's catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalogued {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mnemonic: Option<String>,
}

/// The presence a status is sent as; `None` for one that is not sent (`unknown`).
pub fn presence_of(status: &Catalogued, configured: &BTreeMap<String, SystemPresence>) -> Option<SystemPresence> {
    let by_name = status.mnemonic.as_ref().and_then(|m| configured.get(m)).or_else(|| configured.get(&status.name));
    if let Some(presence) = by_name {
        return Some(*presence);
    }
    match status.mnemonic.as_deref() {
        Some("available" | "auto_out_call") => Some(SystemPresence::OnQueue),
        Some("break") => Some(SystemPresence::Break),
        Some("do_not_disturb") => Some(SystemPresence::Busy),
        Some("not_at_workplace") => Some(SystemPresence::Away),
        Some("not_at_work") => Some(SystemPresence::Offline),
        Some(_) => None,
        None => Some(SystemPresence::Busy),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Channel, Config};

    const GENESYS: &str = "[[channel]]\nkind = \"genesys_cloud\"\nid = \"gc\"\nregion = \"mypurecloud.de\"\n\
                           client_id = \"c\"\nclient_secret = \"local-client-secret\"\n";

    fn parse(extra: &str) -> Result<Config, ConfigError> {
        Config::parse(&format!(
            "{GENESYS}[[channel]]\nkind = \"agent_states\"\nid = \"pbx\"\napi_key = \"pbx-key-0001-0123456\"\n\
             genesys = \"gc\"\nusers = {{ \"a1\" = \"6f4b8f0e-3c1a-4d2b-9a61-0c6f1d2e3a4b\" }}\n{extra}"
        ))
    }

    fn channel(extra: &str) -> AgentStatesChannel {
        let channels = parse(extra).expect("valid").into_channels();
        channels
            .into_iter()
            .find_map(|c| match c {
                Channel::AgentStates(s) => Some(s),
                _ => None,
            })
            .expect("an agent_states channel")
    }

    #[test]
    fn the_default_table_follows_the_connector() {
        let pbx = channel("");
        let mapped = |state, reason| pbx.map(state, reason).map(|m| (m.presence, m.routing));
        use RoutingStatus::{Interacting, OffQueue};
        use SystemPresence::{Busy, Meal, Offline, OnQueue};
        assert_eq!(mapped("LoggedOff", None), Some((Offline, OffQueue)));
        assert_eq!(mapped("NotReady", Some("Meal")), Some((Meal, OffQueue)));
        assert_eq!(mapped("NotReady", Some("Dentist")), Some((Busy, OffQueue)), "an unmapped reason");
        assert_eq!(mapped("NotReady", None), Some((Busy, OffQueue)));
        assert_eq!(mapped("Ready", None), Some((OnQueue, RoutingStatus::Idle)));
        assert_eq!(mapped("AfterCallWork", None), Some((OnQueue, Interacting)));
        assert_eq!(mapped("Dancing", None), None);
        assert!(!pbx.knows_state("Dancing"));
    }

    #[test]
    fn a_table_of_its_own_replaces_the_default_and_is_checked() {
        let pbx = channel(
            "states = [{ state = \"Pause\", presence = \"Away\", routing = \"OffQueue\" }, \
             { state = \"Pause\", reason = \"Lunch\", presence = \"Meal\", routing = \"OffQueue\" }]",
        );
        assert_eq!(pbx.map("Pause", Some("Lunch")).map(|m| m.presence), Some(SystemPresence::Meal));
        assert_eq!(pbx.map("Ready", None), None, "the default is replaced");
        let wrong = parse("states = [{ state = \"Pause\", presence = \"Lunch\", routing = \"OffQueue\" }]");
        let message = wrong.expect_err("not a presence").to_string();
        assert!(message.contains("channel[1].states[0].presence"), "{message}");
        let twice = parse(
            "states = [{ state = \"P\", presence = \"Away\", routing = \"OffQueue\" }, \
             { state = \"P\", presence = \"Busy\", routing = \"OffQueue\" }]",
        );
        assert!(twice.expect_err("twice").to_string().contains("listed twice"));
    }

    #[test]
    fn users_are_genesys_ids_and_the_organisation_is_a_genesys_channel() {
        let bad = Config::parse(&format!(
            "{GENESYS}[[channel]]\nkind = \"agent_states\"\nid = \"pbx\"\napi_key = \"pbx-key-0001-0123456\"\n\
             genesys = \"gc\"\nusers = {{ \"a1\" = \"nobody\" }}\n"
        ));
        assert!(bad.expect_err("not a uuid").to_string().contains("channel[1].users.a1"));
        let elsewhere = Config::parse(
            "[[channel]]\nkind = \"agent_states\"\nid = \"pbx\"\napi_key = \"pbx-key-0001-0123456\"\n\
             genesys = \"gc\"\nusers = { \"a1\" = \"6f4b8f0e-3c1a-4d2b-9a61-0c6f1d2e3a4b\" }\n",
        );
        assert!(elsewhere.expect_err("no such channel").to_string().contains("channel[0].genesys"));
        assert!(!is_agent_id("a:1") && !is_agent_id("") && is_agent_id("agent.01@pbx"));
    }

    fn status(name: &str, mnemonic: Option<&str>) -> Catalogued {
        Catalogued { name: name.to_owned(), mnemonic: mnemonic.map(str::to_owned) }
    }

    #[test]
    fn statuses_map_by_the_channel_then_by_mnemonic() {
        let none = BTreeMap::new();
        assert_eq!(presence_of(&status("Доступен", Some("available")), &none), Some(SystemPresence::OnQueue));
        assert_eq!(presence_of(&status("Перерыв", Some("break")), &none), Some(SystemPresence::Break));
        assert_eq!(presence_of(&status("Нет на работе", Some("not_at_work")), &none), Some(SystemPresence::Offline));
        assert_eq!(presence_of(&status("Неизвестно", Some("unknown")), &none), None);
        assert_eq!(presence_of(&status("Обед", None), &none), Some(SystemPresence::Busy), "a custom status");
        let configured = BTreeMap::from([("Обед".to_owned(), SystemPresence::Meal)]);
        assert_eq!(presence_of(&status("Обед", None), &configured), Some(SystemPresence::Meal));
    }
}
