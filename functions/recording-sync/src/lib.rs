//! `recording-sync`: fed by the table's stream with recording jobs (new or waiting to retry),
//! it copies each recording into S3 and on to Genesys Cloud. Jobs in one batch are independent:
//! only a job that failed for good is reported, so Lambda retries it and then sends it to the
//! dead-letter queue while the others count as done.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use aws_lambda_events::dynamodb::EventRecord;
use ccbridge::recordings::{self, Outcome, Settings};
use ccbridge::store::recording_jobs::{self, TYPE};
use ccbridge::store::{Key, schema};
use ccbridge::{App, BatchOutcome, StreamFunction};
use serde_dynamo::AttributeValue;

pub const FUNCTION: StreamFunction = StreamFunction {
    name: "recording-sync",
    item_types: &[TYPE],
    handler: |app, records| Box::pin(handle(app, records)),
};

/// One download client per cold start (connection pool and TLS config reused).
static HTTP: LazyLock<Result<reqwest::Client, String>> =
    LazyLock::new(|| ccbridge::outbound::download_client(Duration::from_secs(30)).map_err(|e| e.to_string()));

async fn handle(app: Arc<App>, records: Vec<EventRecord>) -> BatchOutcome {
    let settings = Settings::default();
    let mut failed = Vec::new();
    for record in records {
        let Some(key) = wanted(&record) else { continue };
        let outcome = match HTTP.as_ref() {
            Ok(http) => recordings::process(&app, http, &key, &settings).await.map_err(|e| e.to_string()),
            Err(error) => Err(error.clone()),
        };
        match outcome {
            Ok(Outcome::Done | Outcome::Skipped | Outcome::Retrying(_)) => {}
            Ok(Outcome::Failed(_)) => failed.extend(record.change.sequence_number.clone()),
            Err(error) => {
                tracing::error!(%key, %error, "recording job not processed");
                failed.extend(record.change.sequence_number.clone());
            }
        }
    }
    BatchOutcome { failed }
}

/// The job's key, for an insert or change that leaves a job to work on (pending or waiting
/// to retry); other changes (a claim, the outcome) are the function's own writes.
fn wanted(record: &EventRecord) -> Option<Key> {
    if !matches!(record.event_name.as_str(), "INSERT" | "MODIFY") {
        return None;
    }
    let image = &record.change.new_image;
    let text = |name: &str| match image.get(name) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    let status = text("status")?;
    if status != recording_jobs::PENDING && status != recording_jobs::RETRY {
        return None;
    }
    Some(Key::new(text(schema::PK)?, text(schema::SK)?))
}
