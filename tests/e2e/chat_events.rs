//! Every sample event of the chat functions replays through `ccbridge_local::invoke`, in file
//! order, against a local Genesys Cloud holding the integrations the samples name.

use std::path::Path;

use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::{TestStack, backends};

/// (function, file, status) in replay order: every file of the two folders is listed.
const EXPECTED: &[(&str, &str, u16)] = &[
    ("chat-escalation", "01-start-session.json", 201),
    ("chat-escalation", "02-post-message.json", 201),
    ("chat-escalation", "03-typing.json", 202),
    ("chat-escalation", "04-read-messages.json", 200),
    ("genesys-messaging-inbound", "01-agent-text.json", 200),
    ("genesys-messaging-inbound", "02-agent-typing.json", 200),
    ("genesys-messaging-inbound", "03-receipt-read.json", 200),
    ("genesys-messaging-inbound", "04-bad-signature.json", 401),
];

/// The integrations the samples (and local/ccbridge.toml) name.
const INTEGRATIONS: &[(&str, &str)] = &[
    ("6685901b-6d0e-43db-95ff-d64406e9dce2", "ccbridge demo bot"),
    ("0b8e2c5e-4a51-4c3e-9a43-5f0c2d1e7a10", "ccbridge demo bot (Marketing)"),
    ("9d7f0a64-1c2b-4e8f-b0a5-3e6d8c9b1f22", "ccbridge demo bot (Paiement)"),
];

fn events_dir(function: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events").join(function)
}

#[test]
fn every_sample_has_an_expectation() {
    for function in ["chat-escalation", "genesys-messaging-inbound"] {
        let mut files: Vec<String> = std::fs::read_dir(events_dir(function))
            .expect("events folder")
            .map(|e| e.expect("entry").file_name().into_string().expect("name"))
            .collect();
        files.sort();
        let listed: Vec<String> =
            EXPECTED.iter().filter(|(f, _, _)| *f == function).map(|(_, file, _)| file.to_string()).collect();
        assert_eq!(files, listed, "events/{function}");
    }
}

#[tokio::test]
async fn chat_samples_replay_through_the_local_stack() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let gc = GenesysCloud::start().await;
        for (id, name) in INTEGRATIONS {
            gc.add_integration_with_id(id, name, "https://chat.example.com/genesys/messaging/webhook");
        }
        let stack = TestStack::start_with(&backend, &gc.config("")).await;
        let app = stack.stack.app.clone();
        ccbridge_admin::provision_chat(&app, "bot-demo").await.expect("provisioned");
        for (function, file, status) in EXPECTED {
            let event = std::fs::read_to_string(events_dir(function).join(file)).expect("sample");
            let f = ccbridge_local::function(function).expect("function");
            let response = ccbridge_local::invoke::invoke(app.clone(), f, &event).await.expect("invoke");
            assert_eq!(response["statusCode"], *status, "{function}/{file}: {response}");
        }
        let sent = gc.received_on("/6685901b-6d0e-43db-95ff-d64406e9dce2/inbound/open/message");
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0].body["channel"]["metadata"]["customAttributes"]["contractId"], "C-2026-0042");
        let receipts = gc.received_on("/inbound/open/receipt");
        assert_eq!(receipts.len(), 1, "one Delivered receipt, for the agent's text");
        assert_eq!(receipts[0].body["id"], "a1b2c3d4e5f60718293a4b5c6d7e8f90");
        let read = ccbridge_local::invoke::invoke(
            app.clone(),
            chat_escalation::FUNCTION,
            &std::fs::read_to_string(events_dir("chat-escalation").join("04-read-messages.json")).expect("sample"),
        )
        .await
        .expect("invoke");
        let page: serde_json::Value = serde_json::from_str(read["body"].as_str().expect("body")).expect("JSON");
        let kinds: Vec<(&str, &str)> = page["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .map(|m| (m["direction"].as_str().unwrap_or(""), m["kind"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(kinds, vec![("user", "message"), ("agent", "message"), ("agent", "typing"), ("agent", "receipt")]);
    }
}
