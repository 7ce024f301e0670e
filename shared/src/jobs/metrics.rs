//! The jobs' CloudWatch embedded-metric-format lines (see [`crate::metrics`]): each aggregated by
//! all of its dimensions together, as the stack's job alarms read them.

pub use crate::metrics::NAMESPACE;

/// The EMF line for `metrics` (name, value, unit) with `dimensions` (name, value), aggregated
/// by all of them together.
pub fn line(dimensions: &[(&str, &str)], metrics: &[(&str, f64, &str)], timestamp_ms: i64) -> String {
    let names: Vec<&str> = dimensions.iter().map(|(name, _)| *name).collect();
    crate::metrics::line(&[&names], dimensions, metrics, &[], timestamp_ms)
}

/// Writes the line where Lambda's log pipeline reads it.
pub fn emit(dimensions: &[(&str, &str)], metrics: &[(&str, f64, &str)]) {
    let now = time::OffsetDateTime::now_utc();
    let timestamp_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    crate::metrics::write(&line(dimensions, metrics, timestamp_ms));
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    #[test]
    fn lines_follow_the_embedded_metric_format() {
        let text = line(&[("Kind", "recording")], &[("JobsDone", 1.0, "Count")], 1_700_000_000_000);
        let value: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(value["Kind"], "recording");
        assert_eq!(value["JobsDone"], 1.0);
        let directive = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Kind"]]));
        assert_eq!(directive["Metrics"], json!([{"Name": "JobsDone", "Unit": "Count"}]));
        assert_eq!(value["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }
}
