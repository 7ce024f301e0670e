//! What a platform channel (UIS) tells Genesys Cloud EX that the platform itself does not say:
//! the account's time zone, and which Genesys user, queue and wrap-up code its employees,
//! scenarios and tags are.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::agents::SystemPresence;
use crate::config::common::{ConfigError, FieldName};

/// An IANA time zone (`Europe/Moscow`), with its rules (daylight saving included).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct TimeZone {
    name: String,
    zone: jiff::tz::TimeZone,
}

impl TryFrom<String> for TimeZone {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        match jiff::tz::TimeZone::get(&name) {
            Ok(zone) => Ok(Self { name, zone }),
            Err(_) => Err(format!("{name:?} is not an IANA time zone such as Europe/Moscow")),
        }
    }
}

impl TimeZone {
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The instant a wall-clock time of this zone stands for (the earlier one when the clock
    /// was turned back, the later one in a gap).
    pub fn instant(&self, local: PrimitiveDateTime) -> Option<OffsetDateTime> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            i8::try_from(u8::from(local.month())).ok()?,
            i8::try_from(local.day()).ok()?,
            i8::try_from(local.hour()).ok()?,
            i8::try_from(local.minute()).ok()?,
            i8::try_from(local.second()).ok()?,
            i32::try_from(local.nanosecond()).ok()?,
        )
        .ok()?;
        let zoned = self.zone.to_ambiguous_zoned(civil).compatible().ok()?;
        OffsetDateTime::from_unix_timestamp_nanos(zoned.timestamp().as_nanosecond()).ok()
    }
}

/// `[channel.ex]` of a UIS channel linked to Genesys Cloud.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExSettings {
    /// The UIS account's time zone (UIS times carry none).
    pub time_zone: TimeZone,
    /// UIS `employee_id` → Genesys user id.
    #[serde(default)]
    pub users: BTreeMap<String, String>,
    /// UIS scenario name → Genesys queue id: a call of a mapped scenario waited in that queue.
    #[serde(default)]
    pub queues: BTreeMap<String, String>,
    /// UIS tag name → Genesys wrap-up code id; the first tag of a call that maps is its wrap-up.
    #[serde(default)]
    pub wrapup_codes: BTreeMap<String, String>,
    /// The wrap-up code of an answered call none of whose tags maps; without it the wrap-up is
    /// sent as skipped, with the tags as notes.
    pub default_wrapup_code: Option<String>,
    /// UIS status (its mnemonic, or a custom status's name) → the presence it is sent as, over
    /// the default table ([`super::status_poll`]).
    #[serde(default)]
    pub statuses: BTreeMap<String, SystemPresence>,
    /// Configuration sync of the account into the organisation ([`super::sync`]); without it,
    /// the mappings above are typed by hand.
    pub sync: Option<SyncSettings>,
}

impl ExSettings {
    /// Every Genesys id must be a UUID: a typo is caught at cold start, not by a refused event.
    pub fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        validate_ids(at, [&self.users, &self.queues, &self.wrapup_codes], self.default_wrapup_code.as_deref())?;
        self.sync.as_ref().map_or(Ok(()), |sync| sync.validate(at))
    }
}

/// `[channel.ex]` of a WDE channel linked to Genesys Cloud. WDE's times carry their zone (or
/// are UTC), so unlike UIS it needs none.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WdeExSettings {
    /// Send the channel's voice and e-mail interactions as external conversations. A WDE that
    /// runs on Genesys Cloud itself has them there already: `false` keeps them from being
    /// injected twice.
    #[serde(default = "yes")]
    pub conversations: bool,
    /// WDE `AgentID` → Genesys user id.
    #[serde(default)]
    pub users: BTreeMap<String, String>,
    /// WDE `QueueName` → Genesys queue id.
    #[serde(default)]
    pub queues: BTreeMap<String, String>,
    /// WDE `DispositionCode` (or, without one, `CallResult`) → Genesys wrap-up code id.
    #[serde(default)]
    pub wrapup_codes: BTreeMap<String, String>,
    /// The wrap-up code of an interaction whose codes map to none; without it, skipped.
    pub default_wrapup_code: Option<String>,
    /// Configuration sync of the installation's agents into the organisation.
    pub sync: Option<WdeSyncSettings>,
}

fn yes() -> bool {
    true
}

impl WdeExSettings {
    pub fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        validate_ids(at, [&self.users, &self.queues, &self.wrapup_codes], self.default_wrapup_code.as_deref())?;
        self.sync.as_ref().map_or(Ok(()), |sync| sync.validate(at))
    }
}

/// Checks the Genesys ids of `ex.users`, `ex.queues`, `ex.wrapup_codes` and `ex.default_wrapup_code`.
fn validate_ids(
    at: FieldName<'_>,
    [users, queues, codes]: [&BTreeMap<String, String>; 3],
    default_code: Option<&str>,
) -> Result<(), ConfigError> {
    let uuid = |field: &str, id: &str| {
        uuid::Uuid::parse_str(id)
            .map(|_| ())
            .map_err(|_| ConfigError::invalid(at(field), format!("{id:?} is not a Genesys Cloud id (a UUID)")))
    };
    for (field, map) in [("ex.users", users), ("ex.queues", queues), ("ex.wrapup_codes", codes)] {
        for id in map.values() {
            uuid(field, id)?;
        }
    }
    default_code.map_or(Ok(()), |code| uuid("ex.default_wrapup_code", code))
}

/// `[channel.ex.sync]`: which of the account goes to Genesys Cloud, and what the account does
/// not say.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncSettings {
    /// UIS employee ids in scope; empty for every employee.
    #[serde(default)]
    pub employees: Vec<u64>,
    /// UIS group ids in scope; empty for every group.
    #[serde(default)]
    pub groups: Vec<u64>,
    /// Send the account's tags as wrap-up codes.
    #[serde(default = "yes")]
    pub tags: bool,
    /// Wrap-up codes the account has no tag for.
    #[serde(default)]
    pub extra_wrapup_codes: Vec<String>,
    /// The Genesys division users are created in; the organisation's home division without it.
    pub division: Option<String>,
    /// How often the schedule syncs the channel.
    #[serde(default = "default_interval_seconds")]
    pub interval_seconds: u64,
    /// UIS employee id → ACD skill name → proficiency (0 to 5): UIS has no skills.
    #[serde(default)]
    pub skills: BTreeMap<String, BTreeMap<String, f64>>,
    /// UIS employee id → language name → proficiency (0 to 5).
    #[serde(default)]
    pub languages: BTreeMap<String, BTreeMap<String, f64>>,
}

fn default_interval_seconds() -> u64 {
    300
}

impl SyncSettings {
    pub fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if !(60..=86_400).contains(&self.interval_seconds) {
            return Err(ConfigError::invalid(at("ex.sync.interval_seconds"), "must be between 60 and 86400"));
        }
        if let Some(division) = &self.division
            && uuid::Uuid::parse_str(division).is_err()
        {
            return Err(ConfigError::invalid(at("ex.sync.division"), "is not a Genesys Cloud id (a UUID)"));
        }
        if self.extra_wrapup_codes.iter().any(|c| c.trim().is_empty()) {
            return Err(ConfigError::invalid(at("ex.sync.extra_wrapup_codes"), "names must not be empty"));
        }
        for (field, table) in [("ex.sync.skills", &self.skills), ("ex.sync.languages", &self.languages)] {
            for (employee, levels) in table {
                if employee.parse::<u64>().is_err() {
                    return Err(ConfigError::invalid(at(field), format!("{employee:?} is not a UIS employee id")));
                }
                if levels.iter().any(|(name, level)| name.trim().is_empty() || !(0.0..=5.0).contains(level)) {
                    return Err(ConfigError::invalid(at(field), "names must not be empty, proficiencies 0 to 5"));
                }
            }
        }
        Ok(())
    }
}

/// `[channel.ex.sync]` of a WDE channel: WDE names its agents by id only, so the people are
/// configured here.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WdeSyncSettings {
    /// WDE `AgentID` → the person's name and e-mail.
    pub agents: BTreeMap<String, UserSpec>,
    /// WDE `AgentID` → ACD skill name → proficiency (0 to 5).
    #[serde(default)]
    pub skills: BTreeMap<String, BTreeMap<String, f64>>,
    /// WDE `AgentID` → language name → proficiency (0 to 5).
    #[serde(default)]
    pub languages: BTreeMap<String, BTreeMap<String, f64>>,
    /// The Genesys division users are created in; the home division without it.
    pub division: Option<String>,
    #[serde(default = "default_interval_seconds")]
    pub interval_seconds: u64,
}

impl WdeSyncSettings {
    pub fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if let Some((agent, _)) = self.agents.iter().find(|(_, a)| a.name.trim().is_empty() || !a.email.contains('@')) {
            return Err(ConfigError::invalid(
                at("ex.sync.agents"),
                format!("agent {agent:?} needs a name and an e-mail"),
            ));
        }
        let as_uis = SyncSettings {
            employees: Vec::new(),
            groups: Vec::new(),
            tags: false,
            extra_wrapup_codes: Vec::new(),
            division: self.division.clone(),
            interval_seconds: self.interval_seconds,
            skills: BTreeMap::new(),
            languages: BTreeMap::new(),
        };
        as_uis.validate(at)?;
        for (field, table) in [("ex.sync.skills", &self.skills), ("ex.sync.languages", &self.languages)] {
            if table
                .values()
                .flat_map(BTreeMap::iter)
                .any(|(name, level)| name.trim().is_empty() || !(0.0..=5.0).contains(level))
            {
                return Err(ConfigError::invalid(at(field), "names must not be empty, proficiencies 0 to 5"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSpec {
    pub name: String,
    pub email: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn wall_clock_times_become_instants_by_the_zones_rules() {
        let moscow = TimeZone::try_from("Europe/Moscow".to_string()).expect("zone");
        assert_eq!(moscow.instant(datetime!(2026-11-21 10:15:03.412)), Some(datetime!(2026-11-21 07:15:03.412 UTC)));
        let warsaw = TimeZone::try_from("Europe/Warsaw".to_string()).expect("zone");
        assert_eq!(warsaw.instant(datetime!(2026-07-01 12:00)), Some(datetime!(2026-07-01 10:00 UTC)), "summer time");
        assert_eq!(warsaw.instant(datetime!(2026-01-01 12:00)), Some(datetime!(2026-01-01 11:00 UTC)));
        assert!(TimeZone::try_from("Mars/Olympus".to_string()).is_err());
    }
}
