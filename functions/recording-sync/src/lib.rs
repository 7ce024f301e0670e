//! `recording-sync`: fed by the table's stream with recording, conversation, agent state and
//! employee jobs, it starts each new (or requeued) job at once: a recording copied into S3 and on to
//! Genesys Cloud, a finished call or an agent's or employee's changed state sent to Genesys Cloud EX. A job that fails is due again later and the
//! `job-sweeper` runs it then; nothing here waits.
//!
//! A job that fails for good is reported as a failed batch item — the record of the attempt
//! when it ran here, the change that failed it when a sweep ran it — so Lambda retries that
//! record and then sends it to the dead-letter queue, where the alarm on the queue's depth
//! sees it. Jobs in one batch are
//! independent: the others count as done.

use std::sync::Arc;

use aws_lambda_events::dynamodb::EventRecord;
use ccbridge::ex::agent_job::AgentStateJob;
use ccbridge::ex::employee_job::EmployeeJob;
use ccbridge::ex::job::ConversationJob;
use ccbridge::ex::sync::job::SyncJob;
use ccbridge::ex::wde_job::WdeConversationJob;
use ccbridge::jobs::{JobStatus, Outcome, sweep};
use ccbridge::recordings::Settings;
use ccbridge::recordings::job::RecordingJob;
use ccbridge::store::{Entity, Key, schema};
use ccbridge::{App, BatchOutcome, StreamFunction};
use serde_dynamo::AttributeValue;

pub const FUNCTION: StreamFunction = StreamFunction {
    name: "recording-sync",
    item_types: &[
        RecordingJob::TYPE,
        ConversationJob::TYPE,
        AgentStateJob::TYPE,
        EmployeeJob::TYPE,
        WdeConversationJob::TYPE,
        SyncJob::TYPE,
    ],
    handler: |app, records| Box::pin(handle(app, records)),
};

/// The jobs of a batch run side by side, so the batch ends within one attempt's deadline.
async fn handle(app: Arc<App>, records: Vec<EventRecord>) -> BatchOutcome {
    let settings = Settings::default();
    let runs = records.iter().map(|record| {
        let (app, settings) = (&app, &settings);
        async move {
            let (key, kind, action) = wanted(record)?;
            let failed = match action {
                Action::DeadLetter => {
                    tracing::error!(%key, kind, "job failed for good; its record goes to the dead-letter queue");
                    true
                }
                Action::Work => match sweep::process(app, &key, &kind, settings).await {
                    Ok(Outcome::Done | Outcome::Skipped | Outcome::Retrying(_)) => false,
                    Ok(Outcome::Failed(_)) => true,
                    Err(error) => {
                        tracing::error!(%key, kind, %error, "job not processed");
                        true
                    }
                },
            };
            failed.then(|| record.change.sequence_number.clone()).flatten()
        }
    });
    BatchOutcome { failed: futures::future::join_all(runs).await.into_iter().flatten().collect() }
}

/// What a change record asks of this function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// A pending job (new, or put back in line by an operator): start it.
    Work,
    /// The change that failed a job for good: report it, so it reaches the dead-letter queue.
    DeadLetter,
}

/// The job's key and type and what to do with it; other changes (a claim, a retry, a success) are the
/// workers' own, and what is due later is the sweep's.
fn wanted(record: &EventRecord) -> Option<(Key, String, Action)> {
    if !matches!(record.event_name.as_str(), "INSERT" | "MODIFY") {
        return None;
    }
    let image = &record.change.new_image;
    let text = |name: &str| match image.get(name) {
        Some(AttributeValue::S(s)) => Some(s.clone()),
        _ => None,
    };
    // The job's status, and whether a sweep failed it for the stream to report.
    let state = |image: &serde_dynamo::Item| match image.get("job") {
        Some(AttributeValue::M(job)) => {
            let status = match job.get("status") {
                Some(AttributeValue::S(status)) => JobStatus::parse(status),
                _ => None,
            };
            status.map(|s| (s, matches!(job.get("dead_letter"), Some(AttributeValue::Bool(true)))))
        }
        _ => None,
    };
    let action = match (state(&record.change.old_image), state(image)?) {
        (_, (JobStatus::Pending, _)) => Action::Work,
        (before, (JobStatus::Failed, true)) if before != Some((JobStatus::Failed, true)) => Action::DeadLetter,
        _ => return None,
    };
    Some((Key::new(text(schema::PK)?, text(schema::SK)?), text(schema::TYPE)?, action))
}
