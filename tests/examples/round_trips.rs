//! Benchmark part of `cargo xtask bench` (not a test): the DynamoDB requests each webhook sample
//! costs on its first delivery and on a duplicate, counted by an SDK interceptor on the
//! function's own client, on dynoxide and on DynamoDB Local when `CCBRIDGE_TEST_DYNAMODB_LOCAL`
//! names one. Prints a Markdown table; the goal is at most 2 requests per first delivery and 1
//! per duplicate.

// A benchmark run by hand: a failed step stops it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::Path;

use bytes::Bytes;
use ccbridge::HttpFunction;
use ccbridge::chat::webhook::sign;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::{Backend, DynamoDbCalls, TestStack, backends};
use secrecy::SecretString;

/// The webhooks and the samples of theirs that are deliveries (not the error samples).
const WEBHOOKS: &[(&str, &[&str])] = &[
    ("uis-call-started", &["incoming_call_started.json", "outgoing_call_started.json", "conversation_started.json"]),
    ("uis-call-finished", &["call_finished_lost.json", "call_finished_transferred.json"]),
    (
        "wde-interaction",
        &[
            "01-register-interaction.json",
            "02-update-interaction.json",
            "03-register-interaction-campaign.json",
            "04-register-messenger-form-yetiforce-path.json",
        ],
    ),
    ("agent-states", &["1_shift_start.json", "2_break_and_a_late_event.json"]),
];

/// `(webhook, sample)` → backend → (first, duplicate) operations.
type Results = BTreeMap<(String, String), BTreeMap<&'static str, (Vec<String>, Vec<String>)>>;

fn function(name: &str) -> HttpFunction {
    ccbridge_local::function(name).unwrap_or_else(|| panic!("no function {name}"))
}

async fn twice(
    app: &std::sync::Arc<ccbridge::App>,
    calls: &DynamoDbCalls,
    name: &str,
    event: &str,
) -> (Vec<String>, Vec<String>) {
    let mut seen = Vec::new();
    for _ in 0..2 {
        let response = ccbridge_local::invoke::invoke(app.clone(), function(name), event).await.expect("invoke");
        let status = response["statusCode"].as_u64().unwrap_or(0);
        assert!((200..300).contains(&status), "{name}: {response}");
        seen.push(calls.take());
    }
    let duplicate = seen.pop().unwrap_or_default();
    (seen.pop().unwrap_or_default(), duplicate)
}

async fn samples(backend: &Backend, results: &mut Results) {
    let stack = TestStack::start(backend).await;
    let (app, calls) = stack.app_counting_calls();
    let events = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    for (name, files) in WEBHOOKS {
        for file in *files {
            let event = std::fs::read_to_string(events.join(name).join(file)).expect("sample");
            let counted = twice(&app, &calls, name, &event).await;
            results.entry(((*name).to_owned(), (*file).to_owned())).or_default().insert(backend.name(), counted);
        }
    }
}

/// A Genesys Cloud agent message, through the Genesys Cloud contract server.
async fn agent_message(backend: &Backend, results: &mut Results) {
    let gc = GenesysCloud::start().await;
    let stack = TestStack::start_with(backend, &gc.config("")).await;
    let provisioned = ccbridge_admin::provision_chat(&stack.stack.app, "bot-demo").await.expect("provision");
    let start = serde_json::json!({"session_id": "s-bench", "user_id": "user-42"});
    let response = stack
        .http
        .post(stack.url("/chat/sessions"))
        .header("x-api-key", "bot-demo-api-key-0001")
        .json(&start)
        .send()
        .await
        .expect("start a session");
    assert_eq!(response.status(), 201);
    let (app, calls) = stack.app_counting_calls();
    let body = serde_json::json!({
        "id": "g-bench", "type": "Text", "text": "hello", "direction": "Outbound",
        "channel": {"id": provisioned[0].integration_id, "to": {"id": "user-42", "idType": "Opaque"},
                    "time": "2026-11-22T10:01:00.000Z"},
    })
    .to_string();
    let signature = sign(&SecretString::from("bot-demo-webhook-secret-0001"), body.as_bytes());
    let mut seen = Vec::new();
    for _ in 0..2 {
        let request = http::Request::builder()
            .method("POST")
            .uri("/genesys/messaging/webhook")
            .header("content-type", "application/json")
            .header("x-hub-signature-256", &signature)
            .body(Bytes::from(body.clone()))
            .expect("request");
        let response = genesys_messaging_inbound::FUNCTION.call(app.clone(), request).await;
        assert_eq!(response.status(), 200);
        seen.push(calls.take());
    }
    let duplicate = seen.pop().unwrap_or_default();
    let first = seen.pop().unwrap_or_default();
    results
        .entry(("genesys-messaging-inbound".into(), "agent text message".into()))
        .or_default()
        .insert(backend.name(), (first, duplicate));
}

fn shown(operations: &[String]) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for operation in operations {
        *counts.entry(operation).or_default() += 1;
    }
    let parts: Vec<String> =
        counts.iter().map(|(op, n)| if *n == 1 { (*op).to_owned() } else { format!("{n}×{op}") }).collect();
    format!("**{}** ({})", operations.len(), if parts.is_empty() { "none".into() } else { parts.join(", ") })
}

#[tokio::main]
async fn main() {
    let backends = backends();
    let mut results = Results::new();
    for backend in &backends {
        samples(backend, &mut results).await;
        agent_message(backend, &mut results).await;
    }
    let names: Vec<&str> = backends.iter().map(Backend::name).collect();
    println!("### DynamoDB requests per webhook (counted; goal ≤ 2 first, ≤ 1 duplicate)\n");
    let mut header = String::from("| webhook | sample |");
    let mut rule = String::from("|---|---|");
    for name in &names {
        header.push_str(&format!(" first ({name}) | duplicate ({name}) |"));
        rule.push_str("---|---|");
    }
    println!("{header}\n{rule}");
    let (mut worst_first, mut worst_duplicate) = (0, 0);
    for ((webhook, sample), by_backend) in &results {
        let mut row = format!("| {webhook} | {sample} |");
        for name in &names {
            let (first, duplicate) = by_backend.get(name).cloned().unwrap_or_default();
            worst_first = worst_first.max(first.len());
            worst_duplicate = worst_duplicate.max(duplicate.len());
            row.push_str(&format!(" {} | {} |", shown(&first), shown(&duplicate)));
        }
        println!("{row}");
    }
    println!(
        "\nMost requests: {worst_first} on a first delivery (goal ≤ 2), {worst_duplicate} on a duplicate (goal ≤ 1).\n"
    );
}
