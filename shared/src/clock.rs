//! Instants as ccbridge keeps and shows them: UTC, written in RFC 3339; and the clock work is
//! scheduled by, which tests can move forward instead of waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Now, in UTC.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// The time due work is measured against: the system's, moved forward by whatever a test
/// advanced it (never in production, where the offset stays zero).
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    pub fn now(&self) -> OffsetDateTime {
        now().saturating_add(time::Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed)))
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: time::Duration) {
        let ms = i64::try_from(by.whole_milliseconds()).unwrap_or(i64::MAX);
        self.offset_ms.fetch_add(ms, Ordering::Relaxed);
    }
}

/// `2026-11-21T10:15:03.412Z`: how an instant appears in answers and logs.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// `2026-11-22T01:02:03.456789Z`: UTC with exactly six fractional digits, the form Genesys
/// Cloud uses. Fixed width, so these texts sort as their instants do (sort keys, cursors).
pub fn micros(at: OffsetDateTime) -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    at.to_offset(time::UtcOffset::UTC).format(&format).unwrap_or_else(|_| at.unix_timestamp().to_string())
}

/// Serde for an instant kept as [`micros`] text.
pub mod serde_micros {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;

    pub fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&super::micros(*at))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn micros_are_fixed_width_and_read_back() {
        let at = datetime!(2026-11-22 01:02:03.4 UTC);
        assert_eq!(micros(at), "2026-11-22T01:02:03.400000Z");
        assert_eq!(rfc3339(at), "2026-11-22T01:02:03.4Z");
        let json = serde_json::to_string(&Wrapper(at)).expect("json");
        assert_eq!(serde_json::from_str::<Wrapper>(&json).expect("back").0, at);
    }

    #[derive(serde::Serialize, serde::Deserialize)]
    struct Wrapper(#[serde(with = "serde_micros")] OffsetDateTime);
}
