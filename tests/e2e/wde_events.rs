//! Every sample event of the WDE functions replays through the local stack's invoke, in file
//! order (registration before update), as `ccbridge-local invoke` runs them.

use std::path::PathBuf;

use ccbridge_local::invoke::invoke;
use ccbridge_tests::on_each_backend;
use serde_json::Value;

fn events(function: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../events")).join(function);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

async fn replay(app: &std::sync::Arc<ccbridge::App>, function: &str, file: &PathBuf) -> (u64, Value) {
    let function = ccbridge_local::function(function).expect("function");
    let text = std::fs::read_to_string(file).expect("event");
    let response = invoke(app.clone(), function, &text).await.expect("invoke");
    let status = response["statusCode"].as_u64().expect("status");
    let body = serde_json::from_str(response["body"].as_str().unwrap_or_default()).unwrap_or(Value::Null);
    (status, body)
}

#[tokio::test]
async fn wde_interaction_events_replay() {
    on_each_backend(async |stack| {
        let files = events("wde-interaction");
        assert_eq!(files.len(), 4, "one signed sample per method, and the YetiForce path with a form body");
        for file in &files {
            let (status, body) = replay(&stack.stack.app, "wde-interaction", file).await;
            assert_eq!((status, &body["status"]), (200, &Value::from(1)), "{}: {body}", file.display());
            if let Some(url) = body.get("url") {
                let url = url.as_str().expect("url");
                assert!(url.starts_with("https://abc123def4.execute-api.eu-central-1.amazonaws.com/card/"), "{url}");
            }
        }
        // Replaying again changes nothing: every method is idempotent.
        let before = stack.scan_all().await.len();
        for file in &files {
            assert_eq!(replay(&stack.stack.app, "wde-interaction", file).await.0, 200);
        }
        assert_eq!(stack.scan_all().await.len(), before);
    })
    .await;
}

#[tokio::test]
async fn screen_pop_event_replays_as_an_expired_link() {
    on_each_backend(async |stack| {
        for file in events("screen-pop") {
            assert_eq!(replay(&stack.stack.app, "screen-pop", &file).await.0, 403, "{}", file.display());
        }
    })
    .await;
}
