//! What a platform channel (UIS) tells Genesys Cloud EX that the platform itself does not say:
//! the account's time zone, and which Genesys user, queue and wrap-up code its employees,
//! scenarios and tags are.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::{OffsetDateTime, PrimitiveDateTime};

use super::agents::SystemPresence;
use super::sync::desired::{SyncSettings, WdeSyncSettings};
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
