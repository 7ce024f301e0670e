//! The sweep: started by a schedule (every minute deployed, every few seconds locally), it reads
//! the due index oldest first, one query per page, and runs every job whose time has come —
//! retries, jobs whose worker died (their lease ended), jobs whose stream record was lost —
//! with bounded concurrency. Each job is claimed with a conditional write before it runs, so
//! overlapping sweeps and the stream never run one attempt twice.
//!
//! A sweep stops taking new jobs when its budget is spent (the function's time less one
//! attempt's deadline), so every attempt it starts can finish inside the invocation; what is
//! left is due for the next sweep.

use std::time::{Duration, Instant};

use futures::StreamExt;
use time::OffsetDateTime;

use super::{JobState, Outcome, metrics};
use crate::App;
use crate::clock::micros;
use crate::ex::agent_job::{self, AgentStateJob};
use crate::ex::employee_job::{self, EmployeeJob};
use crate::ex::job::{self as conversation, ConversationJob};
use crate::ex::sync::job::{self as config_sync, SyncJob};
use crate::ex::wde_job::{self, WdeConversationJob};
use crate::recordings::{self, job::RecordingJob};
use crate::store::{Cursor, Entity, Index, Item, Key, StoreError, item_type, keys, schema};

/// How a sweep runs.
#[derive(Debug, Clone)]
pub struct SweepSettings {
    /// Due jobs read per query.
    pub page: i32,
    /// Jobs run at once.
    pub concurrency: usize,
    /// No job is started after this much time has passed.
    pub budget: Duration,
    pub recordings: recordings::Settings,
}

impl Default for SweepSettings {
    fn default() -> Self {
        let recordings = recordings::Settings { reports_failures: false, ..recordings::Settings::default() };
        Self { page: 100, concurrency: 8, budget: Duration::from_secs(120), recordings }
    }
}

/// What a sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Due index entries read.
    pub found: usize,
    pub done: usize,
    pub retried: usize,
    pub failed: usize,
    /// Claimed by someone else meanwhile, or not due after all.
    pub skipped: usize,
    /// Finished jobs still listed as due (a job written again after it finished), taken out
    /// of the due index.
    pub repaired: usize,
    /// How long the oldest due job had been waiting when the sweep started.
    pub oldest_due_age: Option<Duration>,
}

/// One sweep of the due index.
pub async fn sweep(app: &App, settings: &SweepSettings) -> Result<SweepReport, StoreError> {
    let started = Instant::now();
    let now = app.clock.now();
    let until = format!("{}~", micros(now));
    let mut report = SweepReport::default();
    let mut after: Option<Cursor> = None;
    loop {
        let (items, next) =
            app.store.query_index_until(Index::Gsi1, keys::JOBS_DUE, &until, settings.page, after.as_ref()).await?;
        if report.found == 0 {
            report.oldest_due_age = items.first().and_then(due_of).map(|due| age(now, due));
        }
        report.found += items.len();
        let outcomes: Vec<Result<Ran, StoreError>> = futures::stream::iter(items)
            .map(|item| run(app, item, settings))
            .buffer_unordered(settings.concurrency.max(1))
            .collect()
            .await;
        for outcome in outcomes {
            match outcome? {
                Ran::Job(Outcome::Done) => report.done += 1,
                Ran::Job(Outcome::Retrying(_)) => report.retried += 1,
                Ran::Job(Outcome::Failed(_)) => report.failed += 1,
                Ran::Job(Outcome::Skipped) => report.skipped += 1,
                Ran::Repaired => report.repaired += 1,
            }
        }
        after = next;
        if after.is_none() || started.elapsed() >= settings.budget {
            break;
        }
    }
    let age_seconds = report.oldest_due_age.map_or(0.0, |a| a.as_secs_f64());
    tracing::info!(
        found = report.found,
        done = report.done,
        retried = report.retried,
        failed = report.failed,
        skipped = report.skipped,
        repaired = report.repaired,
        oldest_due_age_s = age_seconds,
        "sweep finished"
    );
    metrics::emit(
        &[],
        &[("OldestDueJobAgeSeconds", age_seconds, "Seconds"), ("JobsSwept", report.found as f64, "Count")],
    );
    Ok(report)
}

enum Ran {
    Job(Outcome),
    Repaired,
}

/// Runs the job an index entry names, by its type.
async fn run(app: &App, item: Item, settings: &SweepSettings) -> Result<Ran, StoreError> {
    let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let (Some(pk), Some(sk)) = (text(schema::PK), text(schema::SK)) else { return Ok(Ran::Job(Outcome::Skipped)) };
    let key = Key::new(pk, sk);
    let Some(kind) = item_type(&item).map(str::to_owned) else { return Ok(Ran::Job(Outcome::Skipped)) };
    let state = match kind.as_str() {
        RecordingJob::TYPE => app.store.decode_item::<RecordingJob>(item).ok().map(|job| job.job),
        ConversationJob::TYPE => app.store.decode_item::<ConversationJob>(item).ok().map(|job| job.job),
        AgentStateJob::TYPE => app.store.decode_item::<AgentStateJob>(item).ok().map(|job| job.job),
        EmployeeJob::TYPE => app.store.decode_item::<EmployeeJob>(item).ok().map(|job| job.job),
        WdeConversationJob::TYPE => app.store.decode_item::<WdeConversationJob>(item).ok().map(|job| job.job),
        SyncJob::TYPE => app.store.decode_item::<SyncJob>(item).ok().map(|job| job.job),
        _ => None,
    };
    if state.is_some_and(|s: JobState| !s.status.is_active()) {
        // Reading it back and writing it again recomputes its index entries.
        match kind.as_str() {
            ConversationJob::TYPE => app.store.update_with::<ConversationJob, _>(&key, |c| c.cloned()).await?.0,
            AgentStateJob::TYPE => app.store.update_with::<AgentStateJob, _>(&key, |c| c.cloned()).await?.0,
            EmployeeJob::TYPE => app.store.update_with::<EmployeeJob, _>(&key, |c| c.cloned()).await?.0,
            WdeConversationJob::TYPE => app.store.update_with::<WdeConversationJob, _>(&key, |c| c.cloned()).await?.0,
            SyncJob::TYPE => app.store.update_with::<SyncJob, _>(&key, |c| c.cloned()).await?.0,
            _ => app.store.update_with::<RecordingJob, _>(&key, |c| c.cloned()).await?.0,
        };
        return Ok(Ran::Repaired);
    }
    process(app, &key, &kind, &settings.recordings).await.map(Ran::Job)
}

/// Works once on the job of type `item_type` at `key`: the sweep's and the stream's entry.
pub async fn process(
    app: &App,
    key: &Key,
    item_type: &str,
    settings: &recordings::Settings,
) -> Result<Outcome, StoreError> {
    match item_type {
        RecordingJob::TYPE => recordings::process(app, key, settings).await,
        ConversationJob::TYPE => conversation::process(app, key, settings.reports_failures).await,
        AgentStateJob::TYPE => agent_job::process(app, key, settings.reports_failures).await,
        EmployeeJob::TYPE => employee_job::process(app, key, settings.reports_failures).await,
        WdeConversationJob::TYPE => wde_job::process(app, key, settings.reports_failures).await,
        SyncJob::TYPE => config_sync::process(app, key, settings.reports_failures).await,
        other => {
            tracing::warn!(%key, kind = other, "a due job of a type this version does not run");
            Ok(Outcome::Skipped)
        }
    }
}

/// The due time an index entry is sorted by (`<due_at>#<job_id>`).
fn due_of(item: &Item) -> Option<OffsetDateTime> {
    let (_, _, sort) = Index::Gsi1.attributes();
    let text = item.get(sort)?.as_s().ok()?;
    let due = text.split('#').next()?;
    OffsetDateTime::parse(due, &time::format_description::well_known::Rfc3339).ok()
}

fn age(now: OffsetDateTime, due: OffsetDateTime) -> Duration {
    Duration::try_from(now - due).unwrap_or(Duration::ZERO)
}
