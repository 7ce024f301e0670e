//! The metrics of a local run, read from its logs as CloudWatch would: the `ccbridge-local`
//! binary serves a UIS webhook (delivered twice), a WDE interaction (and a refused one) and the
//! recording job the webhook queued, and its standard output must hold the embedded-metric-format
//! lines for each, with their function and channel, and no personal data.

// Test code: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const UIS_TOKEN: &str = "uis-metrics-token-0001";
const WDE_KEY: &str = "wdeMetricsKey0001";
/// The caller's number: it must appear in no metric.
const PHONE: &str = "9161234567";

fn config() -> String {
    format!(
        r#"
[[channel]]
kind = "uis"
id = "uis-metrics"
token = "{UIS_TOKEN}"
api_key = "uis-metrics-api-key-0001"
default_country = "RU"
recording_hosts = ["127.0.0.1"]
allow_insecure_loopback_recordings = true

[[channel]]
kind = "wde"
id = "wde-metrics"
api_key = "{WDE_KEY}"
operators = {{ "agent01" = "ivanova" }}
card_secret = "wde-metrics-card-secret-00000000000001"
"#
    )
}

/// A recording provider on loopback: every request gets the same small file.
async fn provider() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = socket.read(&mut request).await;
                let body = b"ID3 a short recording";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: audio/mpeg\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(body).await;
            });
        }
    });
    format!("http://{addr}/records/3409127754.mp3")
}

/// The local stack's process, stopped when the test ends, failed or not.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The EMF lines among `lines`.
fn metric_lines(lines: &[String]) -> Vec<Value> {
    lines.iter().filter_map(|l| serde_json::from_str::<Value>(l).ok()).filter(|v| v.get("_aws").is_some()).collect()
}

/// The first line reporting `metric` whose fields include `fields`.
fn find<'a>(metrics: &'a [Value], metric: &str, fields: &[(&str, &str)]) -> Option<&'a Value> {
    metrics.iter().find(|m| m.get(metric).is_some() && fields.iter().all(|(k, v)| m[*k] == *v))
}

// Several threads: the test blocks reading the log while the provider serves the recording.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_run_logs_the_metrics_of_a_webhook_an_interaction_and_a_job() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let config_path = dir.path().join("ccbridge.toml");
    std::fs::write(&config_path, config()).expect("configuration");
    let link = provider().await;

    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_ccbridge-local"))
            .arg("--data-dir")
            .arg(dir.path().join("data"))
            .arg("--config")
            .arg(&config_path)
            .args(["serve", "--port", "0", "--dynamodb-port", "0", "--s3-port", "0", "--schedule-every", "1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("ccbridge-local starts"),
    );
    let stdout = child.0.stdout.take().expect("stdout");
    let (sender, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let mut wait_for = |wanted: &dyn Fn(&str) -> bool| -> String {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("not in the log within 60 s; got:\n{}", seen.join("\n")));
            seen.push(line.clone());
            if wanted(&line) {
                return line;
            }
        }
    };
    let banner = wait_for(&|l| l.trim_start().starts_with("API "));
    let api = banner.split_whitespace().nth(1).expect("the API's address").to_owned();
    let http = reqwest::Client::new();

    let finished = json!({
        "ud_channel_token": UIS_TOKEN, "call_session_id": 3409127754u64, "direction": "in",
        "contact_phone_number": format!("7{PHONE}"), "contact_full_name": "Иван Петров", "talk_time_duration": 42,
        "start_time": "2026-11-21 10:15:03", "finish_time": "2026-11-21 10:16:50", "record_file_links": [link],
    });
    for _ in 0..2 {
        let response =
            http.post(format!("{api}/uis/webhook/call_finished")).json(&finished).send().await.expect("webhook");
        assert_eq!(response.status(), 200);
    }
    let interaction = json!({"GenesysIDInteraction": "metrics01", "InteractionStartDateTime": "2026-11-21T10:00:00Z",
        "MediaType": "voice in", "CustomerPhoneNumber": format!("+7{PHONE}"), "AgentID": "agent01"});
    let wde = |key: &'static str| {
        http.post(format!("{api}/wde/registerInteraction")).header("x-api-key", key).json(&interaction).send()
    };
    assert_eq!(wde(WDE_KEY).await.expect("WDE").status(), 200);
    assert_eq!(wde("wrongKey0001").await.expect("WDE").status(), 401);
    wait_for(&|l| l.contains("\"JobsDone\""));
    drop(child);
    seen.extend(lines.try_iter());

    let metrics = metric_lines(&seen);
    let webhook = [("Function", "uis-call-finished"), ("Channel", "uis-metrics")];
    let request = find(
        &metrics,
        "Requests",
        &[webhook[0], ("Route", "POST /uis/webhook/call_finished"), ("StatusClass", "2xx"), webhook[1]],
    )
    .unwrap_or_else(|| panic!("the webhook's request metric in {metrics:#?}"));
    assert_eq!(request["ServerErrors"], 0.0);
    assert!(request["Latency"].as_f64().is_some_and(|ms| ms > 0.0), "{request}");
    assert!(find(&metrics, "WebhooksAccepted", &webhook).is_some(), "first delivery accepted");
    assert!(find(&metrics, "WebhooksUnchanged", &webhook).is_some(), "second delivery unchanged");
    let wde = [("Function", "wde-interaction"), ("Route", "ANY /wde/{method}")];
    assert!(
        find(&metrics, "Requests", &[wde[0], wde[1], ("StatusClass", "2xx"), ("Channel", "wde-metrics")]).is_some(),
        "WDE interaction"
    );
    assert!(
        find(&metrics, "Requests", &[wde[0], wde[1], ("StatusClass", "4xx"), ("Channel", "none")]).is_some(),
        "WDE refusal"
    );
    assert!(find(&metrics, "Rejected", &[wde[0], ("Code", "unauthorized")]).is_some(), "the refusal by code");
    let job = [("Kind", "recording")];
    assert!(find(&metrics, "JobsStarted", &job).is_some() && find(&metrics, "JobsDone", &job).is_some(), "the job");

    for metric in &metrics {
        let text = metric.to_string();
        assert!(
            !text.contains(PHONE) && !text.contains("Иван") && !text.contains(UIS_TOKEN) && !text.contains(WDE_KEY),
            "personal data or a secret in {text}"
        );
        // Every dimension a set names is on the line, as CloudWatch requires.
        for set in metric["_aws"]["CloudWatchMetrics"][0]["Dimensions"].as_array().expect("dimension sets") {
            for name in set.as_array().expect("a set") {
                assert!(metric[name.as_str().expect("name")].is_string(), "{name} missing in {text}");
            }
        }
    }
}
