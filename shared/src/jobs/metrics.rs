//! CloudWatch embedded-metric-format lines: one JSON object on standard output that Lambda's
//! log pipeline turns into metrics, with no API call and no agent.

use serde_json::{Map, Value, json};

/// The namespace every ccbridge metric is in.
pub const NAMESPACE: &str = "ccbridge";

/// The EMF line for `metrics` (name, value, unit) with `dimensions` (name, value).
pub fn line(dimensions: &[(&str, &str)], metrics: &[(&str, f64, &str)], timestamp_ms: i64) -> String {
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": [dimensions.iter().map(|(name, _)| *name).collect::<Vec<_>>()],
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        }),
    );
    for (name, value) in dimensions {
        root.insert((*name).into(), Value::String((*value).into()));
    }
    for (name, value, _) in metrics {
        root.insert((*name).into(), json!(value));
    }
    Value::Object(root).to_string()
}

/// Writes the line where Lambda's log pipeline reads it.
pub fn emit(dimensions: &[(&str, &str)], metrics: &[(&str, f64, &str)]) {
    let now = time::OffsetDateTime::now_utc();
    let timestamp_ms = i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX);
    println!("{}", line(dimensions, metrics, timestamp_ms));
}

#[cfg(test)]
mod tests {
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
