//! The local stack feeds stream functions from the table's stream as Lambda does: in order,
//! filtered by item type, retrying from the first failed record, dead-lettering after the last
//! attempt, and resuming from its saved position.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use ccbridge::{App, BatchOutcome, StreamFunction};
use ccbridge_local::streams::{FeedOptions, feed};
use ccbridge_tests::{TestStack, on_each_backend};
use serde_dynamo::AttributeValue as Image;

/// Event name, id, old status and new status of a delivered record.
type Seen = (String, String, Option<String>, String);

/// The table (in the stream ARN) and what was seen, for every record delivered.
static DELIVERED: Mutex<Vec<(String, Seen)>> = Mutex::new(Vec::new());
/// Attempts per (table, id), for records told to fail.
static ATTEMPTS: Mutex<Option<HashMap<(String, String), u32>>> = Mutex::new(None);

fn text(image: &serde_dynamo::Item, name: &str) -> Option<String> {
    match image.get(name) {
        Some(Image::S(s)) => Some(s.clone()),
        _ => None,
    }
}

/// Records every `probe` item it is given; an item with `fail = "always"` fails every time.
const PROBE: StreamFunction = StreamFunction {
    name: "probe",
    item_types: &["probe"],
    handler: |_app: Arc<App>, records| {
        Box::pin(async move {
            let mut failed = Vec::new();
            for record in records {
                let image = &record.change.new_image;
                let table = record.event_source_arn.clone().unwrap_or_default();
                let id = text(image, "pk").unwrap_or_default();
                if text(image, "fail").as_deref() == Some("always") {
                    let mut attempts = ATTEMPTS.lock().expect("lock");
                    *attempts.get_or_insert_with(HashMap::new).entry((table, id)).or_default() += 1;
                    failed.extend(record.change.sequence_number.clone());
                    continue;
                }
                let status = text(image, "status").unwrap_or_default();
                let old = text(&record.change.old_image, "status");
                DELIVERED.lock().expect("lock").push((table, (record.event_name.clone(), id, old, status)));
            }
            BatchOutcome { failed }
        })
    },
};

async fn put(stack: &TestStack, id: &str, kind: &str, status: &str, fail: bool) {
    let mut request = stack
        .dynamodb()
        .put_item()
        .table_name(stack.table())
        .item("pk", AttributeValue::S(id.into()))
        .item("sk", AttributeValue::S("X".into()))
        .item("type", AttributeValue::S(kind.into()))
        .item("status", AttributeValue::S(status.into()));
    if fail {
        request = request.item("fail", AttributeValue::S("always".into()));
    }
    request.send().await.expect("put");
}

/// What was delivered for this stack's table, once `expected` records have arrived.
async fn delivered(stack: &TestStack, expected: usize) -> Vec<Seen> {
    for _ in 0..200 {
        let mine: Vec<_> = DELIVERED
            .lock()
            .expect("lock")
            .iter()
            .filter(|(table, _)| table.contains(stack.table()))
            .map(|(_, seen)| seen.clone())
            .collect();
        if mine.len() >= expected {
            return mine;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("fewer than {expected} records were delivered");
}

/// The dead letters written under `dir`, once there is one.
async fn dead_letters(dir: &std::path::Path) -> Vec<String> {
    for _ in 0..200 {
        if let Ok(entries) = std::fs::read_dir(dir.join("dead-letter")) {
            let letters: Vec<_> =
                entries.map(|e| std::fs::read_to_string(e.expect("entry").path()).expect("letter")).collect();
            if !letters.is_empty() {
                return letters;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no dead letter was written");
}

fn options(dir: &std::path::Path) -> FeedOptions {
    FeedOptions {
        backoff: Duration::from_millis(20),
        poll_interval: Duration::from_millis(50),
        ..FeedOptions::new(dir.into())
    }
}

#[tokio::test]
async fn records_are_fed_in_order_filtered_retried_and_dead_lettered() {
    on_each_backend(async |stack| {
        let state = tempfile::tempdir().expect("state folder");
        put(stack, "a", "probe", "new", false).await;
        put(stack, "other", "call", "new", false).await;
        put(stack, "bad", "probe", "new", true).await;
        put(stack, "b", "probe", "new", false).await;
        put(stack, "a", "probe", "done", false).await;
        stack.stack.feed_streams(&[PROBE], options(state.path())).await;

        let letters = dead_letters(state.path()).await;
        let seen = delivered(stack, 3).await;
        let expected: Vec<Seen> = vec![
            ("INSERT".into(), "a".into(), None, "new".into()),
            ("INSERT".into(), "b".into(), None, "new".into()),
            ("MODIFY".into(), "a".into(), Some("new".into()), "done".into()),
        ];
        assert_eq!(seen[..3], expected[..], "in order on {}", stack.backend.name());
        // Retries start at the failed record, so what follows it comes again (as in Lambda).
        assert!(seen[3..].iter().all(|r| expected[1..].contains(r)), "{seen:?}");
        let arn_attempts: u32 = ATTEMPTS
            .lock()
            .expect("lock")
            .iter()
            .flatten()
            .filter(|((table, id), _)| table.contains(stack.table()) && id == "bad")
            .map(|(_, n)| *n)
            .sum();
        assert_eq!(arn_attempts, 3, "the failing record is tried max_attempts times");
        assert_eq!(letters.len(), 1);
        let letter: serde_json::Value = serde_json::from_str(&letters[0]).expect("JSON");
        assert_eq!(letter["attempts"], 3);
        let records = letter["event"]["Records"].as_array().expect("records");
        assert_eq!(records.len(), 1, "only the failing record is dead-lettered");
        assert_eq!(records[0]["dynamodb"]["NewImage"]["pk"]["S"], "bad");
    })
    .await;
}

#[tokio::test]
async fn a_restarted_feeder_resumes_after_its_saved_position() {
    on_each_backend(async |stack| {
        let state = tempfile::tempdir().expect("state folder");
        put(stack, "first", "probe", "new", false).await;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let client = streams_client(stack).await;
        feed(stack.stack.app.clone(), client.clone(), &[PROBE], options(state.path()), stopped);
        assert_eq!(delivered(stack, 1).await.len(), 1);
        stop.send(true).expect("stop");
        tokio::time::sleep(Duration::from_millis(100)).await;

        put(stack, "second", "probe", "new", false).await;
        let (_stop, stopped) = tokio::sync::watch::channel(false);
        feed(stack.stack.app.clone(), client, &[PROBE], options(state.path()), stopped);
        let seen = delivered(stack, 2).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let ids: Vec<_> = delivered(stack, 2).await.into_iter().map(|(_, id, ..)| id).collect();
        assert_eq!(ids, vec!["first", "second"], "nothing redelivered after a restart: {seen:?}");
    })
    .await;
}

async fn streams_client(stack: &TestStack) -> aws_sdk_dynamodbstreams::Client {
    let sdk = ccbridge_local::stack::sdk_config().await;
    aws_sdk_dynamodbstreams::Client::from_conf(
        aws_sdk_dynamodbstreams::config::Builder::from(&sdk).endpoint_url(&stack.stack.dynamodb_endpoint).build(),
    )
}
