//! `recording-sync`: fed by the table's stream with recording jobs (new or waiting to retry),
//! it copies each recording into S3 and on to Genesys Cloud. Jobs in one batch are independent:
//! only a job that failed for good is reported, so Lambda retries it and then sends it to the
//! dead-letter queue while the others count as done.

use std::sync::Arc;

use aws_lambda_events::dynamodb::EventRecord;
use ccbridge::recordings::job::{JobStatus, RecordingJob};
use ccbridge::recordings::{self, Outcome, Settings};
use ccbridge::store::{Entity, Key, schema};
use ccbridge::{App, BatchOutcome, StreamFunction};
use serde_dynamo::AttributeValue;

pub const FUNCTION: StreamFunction = StreamFunction {
    name: "recording-sync",
    item_types: &[RecordingJob::TYPE],
    handler: |app, records| Box::pin(handle(app, records)),
};

async fn handle(app: Arc<App>, records: Vec<EventRecord>) -> BatchOutcome {
    let settings = Settings::default();
    let mut failed = Vec::new();
    for record in records {
        let Some(key) = wanted(&record) else { continue };
        let outcome = recordings::process(&app, &key, &settings).await;
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
    if status != JobStatus::Pending.as_str() && status != JobStatus::Retry.as_str() {
        return None;
    }
    Some(Key::new(text(schema::PK)?, text(schema::SK)?))
}
