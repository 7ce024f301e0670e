//! Metrics as CloudWatch embedded-metric-format (EMF) lines: one JSON object per line on
//! standard output, which Lambda's log pipeline turns into metrics with no API call and no agent.
//!
//! Every function reports what a cloud team watches: requests by route and status class (with
//! their latency and server errors, for the 5xx-rate alarm), rejections by error code, webhooks
//! accepted or unchanged, outbound calls to Genesys Cloud and the UIS Call API by outcome, and
//! (through [`crate::jobs::metrics`]) job outcomes. Dimensions are the function, the channel
//! (a configuration name), route templates, status classes, error codes and outcomes: never a
//! path, a phone number, an address or any other value a caller sent.
//!
//! The function and the channel come from the invocation's scope ([`scoped`]): the function's
//! `call` opens it, and the configuration records the channel a secret selected
//! ([`set_channel`]), so code deep in a flow need not carry them.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{Map, Value, json};

/// The namespace every ccbridge metric is in.
pub const NAMESPACE: &str = "ccbridge";

/// Requests answered, by function (and route and status class, and channel).
pub const REQUESTS: &str = "Requests";
/// Of those, the ones answered with a 5xx: the 5xx-rate alarms divide this by [`REQUESTS`].
pub const SERVER_ERRORS: &str = "ServerErrors";

/// Every metric the functions report: the dashboard shows each. The job metrics are reported
/// by the job flows through [`crate::jobs::metrics`].
pub const ALL: &[&str] = &[
    REQUESTS,
    SERVER_ERRORS,
    "Latency",
    "Rejected",
    "WebhooksAccepted",
    "WebhooksUnchanged",
    "OutboundCalls",
    "JobsStarted",
    "JobsDone",
    "JobsRetried",
    "JobsFailed",
    "JobsSwept",
    "OldestDueJobAgeSeconds",
];

/// The `Function` dimension of what is emitted outside any invocation.
const NO_FUNCTION: &str = "none";
/// The `Channel` dimension before (or without) a secret selecting one.
const NO_CHANNEL: &str = "none";

/// What an invocation's metrics carry.
struct Scope {
    function: &'static str,
    channel: Mutex<Option<String>>,
}

tokio::task_local! {
    static SCOPE: Scope;
}

/// Runs `work` as one invocation of `function`.
pub async fn scoped<F: Future>(function: &'static str, work: F) -> F::Output {
    SCOPE.scope(Scope { function, channel: Mutex::new(None) }, work).await
}

/// Records the channel the invocation is for: the one a secret selected.
pub fn set_channel(id: &str) {
    let _ = SCOPE.try_with(|scope| {
        if let Ok(mut channel) = scope.channel.lock() {
            *channel = Some(id.to_owned());
        }
    });
}

fn function() -> &'static str {
    SCOPE.try_with(|scope| scope.function).unwrap_or(NO_FUNCTION)
}

fn channel() -> String {
    SCOPE
        .try_with(|scope| scope.channel.lock().ok().and_then(|c| c.clone()))
        .ok()
        .flatten()
        .unwrap_or_else(|| NO_CHANNEL.to_owned())
}

/// The EMF line for `metrics` (name, value, unit) aggregated by each of `dimension_sets`
/// (names of `dimensions`); `properties` are logged with it but are not dimensions.
pub fn line(
    dimension_sets: &[&[&str]],
    dimensions: &[(&str, &str)],
    metrics: &[(&str, f64, &str)],
    properties: &[(&str, &str)],
    timestamp_ms: i64,
) -> String {
    let mut root = Map::new();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": dimension_sets,
                "Metrics": metrics.iter().map(|(name, _, unit)| json!({"Name": name, "Unit": unit})).collect::<Vec<_>>(),
            }],
        }),
    );
    for (name, value) in dimensions.iter().chain(properties) {
        root.insert((*name).into(), Value::String((*value).into()));
    }
    for (name, value, _) in metrics {
        root.insert((*name).into(), json!(value));
    }
    Value::Object(root).to_string()
}

/// Writes a line where Lambda's log pipeline reads it.
pub fn write(line: &str) {
    println!("{line}");
}

fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    i64::try_from(now.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// `200` → `2xx`.
fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

/// One request answered: `Requests`, `ServerErrors` and `Latency`, by function, by route and
/// status class, and by channel. `route` is the route's key (a template), never the path.
pub fn request(route: &str, status: u16, elapsed: Duration) {
    let (function, channel) = (function(), channel());
    let class = status_class(status);
    let server_error = if status >= 500 { 1.0 } else { 0.0 };
    write(&line(
        &[&["Function"], &["Function", "Route", "StatusClass"], &["Function", "Channel"]],
        &[("Function", function), ("Route", route), ("StatusClass", class), ("Channel", &channel)],
        &[
            ("Requests", 1.0, "Count"),
            ("ServerErrors", server_error, "Count"),
            ("Latency", elapsed.as_secs_f64() * 1000.0, "Milliseconds"),
        ],
        &[],
        now_ms(),
    ));
}

/// A request refused with a 4xx: `Rejected`, by function and error code.
pub fn rejected(code: &str) {
    let (function, channel) = (function(), channel());
    write(&line(
        &[&["Function", "Code"]],
        &[("Function", function), ("Code", code)],
        &[("Rejected", 1.0, "Count")],
        &[("Channel", &channel)],
        now_ms(),
    ));
}

/// A provider's webhook delivery: `WebhooksAccepted` when it changed what is stored,
/// `WebhooksUnchanged` for a delivery already merged; by function and channel.
pub fn webhook(changed: bool) {
    let (function, channel) = (function(), channel());
    let metric = if changed { "WebhooksAccepted" } else { "WebhooksUnchanged" };
    write(&line(
        &[&["Function", "Channel"]],
        &[("Function", function), ("Channel", &channel)],
        &[(metric, 1.0, "Count")],
        &[],
        now_ms(),
    ));
}

/// Who an outbound call went to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    GenesysCloud,
    UisCallApi,
    UisDataApi,
}

impl Target {
    fn as_str(self) -> &'static str {
        match self {
            Self::GenesysCloud => "genesys_cloud",
            Self::UisCallApi => "uis_call_api",
            Self::UisDataApi => "uis_data_api",
        }
    }
}

/// One outbound call (each attempt of a retried one): `OutboundCalls`, by target and outcome
/// (`ok`, `client_error`, `rate_limited`, `server_error`, `unreachable`, or a provider's own
/// refusal), and by function.
pub fn outbound(target: Target, outcome: &str) {
    let (function, channel) = (function(), channel());
    write(&line(
        &[&["Target", "Outcome"], &["Function", "Target", "Outcome"]],
        &[("Function", function), ("Target", target.as_str()), ("Outcome", outcome)],
        &[("OutboundCalls", 1.0, "Count")],
        &[("Channel", &channel)],
        now_ms(),
    ));
}

/// The outcome of an HTTP attempt, for [`outbound`].
pub fn http_outcome(sent: &Result<reqwest::Response, reqwest::Error>) -> &'static str {
    match sent {
        Err(_) => "unreachable",
        Ok(response) => match response.status().as_u16() {
            200..=399 => "ok",
            429 => "rate_limited",
            400..=499 => "client_error",
            _ => "server_error",
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_embedded_metric_format() {
        let text = line(
            &[&["Function"], &["Function", "Route"]],
            &[("Function", "uis-history"), ("Route", "GET /uis/calls/{call_session_id}")],
            &[("Requests", 1.0, "Count")],
            &[("Channel", "uis-a")],
            1_700_000_000_000,
        );
        let value: Value = serde_json::from_str(&text).expect("json");
        let directive = &value["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["Function"], ["Function", "Route"]]));
        assert_eq!(directive["Metrics"], json!([{"Name": "Requests", "Unit": "Count"}]));
        assert_eq!(value["_aws"]["Timestamp"], 1_700_000_000_000i64);
        assert_eq!(value["Route"], "GET /uis/calls/{call_session_id}");
        assert_eq!((value["Requests"].as_f64(), &value["Channel"]), (Some(1.0), &json!("uis-a")));
    }

    #[tokio::test]
    async fn the_scope_gives_the_function_and_the_channel_a_secret_selected() {
        assert_eq!((function(), channel().as_str()), (NO_FUNCTION, NO_CHANNEL));
        scoped("uis-history", async {
            assert_eq!((function(), channel().as_str()), ("uis-history", NO_CHANNEL));
            set_channel("uis-a");
            assert_eq!((function(), channel().as_str()), ("uis-history", "uis-a"));
        })
        .await;
        set_channel("ignored outside a scope");
        assert_eq!(channel(), NO_CHANNEL);
    }

    #[test]
    fn statuses_fall_into_classes() {
        assert_eq!([200, 201, 404, 429, 500, 503].map(status_class), ["2xx", "2xx", "4xx", "4xx", "5xx", "5xx"]);
    }
}
