//! What every kind of job does around its own work: claim it (one attempt, conditional on its
//! version, the claim being the first read), and record the attempt's result only if the claim
//! still holds, so a worker that outlived its lease never overwrites the next one.

use super::{Failure, Job, JobStatus, Outcome, RetryRule, metrics};
use crate::App;
use crate::store::{Key, StoreError, Written};

/// Works on the job at `key` once, if it is due: claims it for `lease`, gives `attempt` a
/// copy to work on for at most `deadline` (longer is a transient failure) and records what
/// it achieved by `rule` (see [`finish`] for `reports_failures`).
pub async fn run<J: Job + Clone>(
    app: &App,
    key: &Key,
    (lease, deadline, rule): (time::Duration, std::time::Duration, RetryRule),
    reports_failures: bool,
    attempt: impl AsyncFnOnce(&App, &mut J) -> Result<(), Failure>,
) -> Result<Outcome, StoreError> {
    let claimed: J = match claim(app, key, lease).await? {
        Ok(claimed) => claimed,
        Err(outcome) => return Ok(outcome),
    };
    let mut progressed = claimed.clone();
    let result = match tokio::time::timeout(deadline, attempt(app, &mut progressed)).await {
        Ok(result) => result,
        Err(_) => Err(Failure::Transient(format!("the attempt took longer than {} s", deadline.as_secs()))),
    };
    finish(app, key, &claimed, progressed, result, rule, reports_failures).await
}

/// Claims the job at `key` for one attempt holding a lease of `lease`: the claimed job, or the
/// outcome when there is nothing to do (gone, not due, claimed by someone else, failed).
pub async fn claim<J: Job>(app: &App, key: &Key, lease: time::Duration) -> Result<Result<J, Outcome>, StoreError> {
    let now = app.clock.now();
    let (written, current) = app
        .store
        .update_with::<J, _>(key, |current| {
            let current = current?;
            let state = current.state().claim(now, lease)?;
            Some(current.with_state(state))
        })
        .await?;
    Ok(match (written, current) {
        (Written::Updated, Some(claimed)) => {
            let kind = claimed.state().kind.as_str();
            tracing::info!(job = claimed.job_id(), kind, attempt = claimed.state().attempts, "job started");
            metrics::emit(&[("Kind", kind)], &[("JobsStarted", 1.0, "Count")]);
            Ok(claimed)
        }
        (_, Some(job)) if job.state().status == JobStatus::Failed => {
            Err(Outcome::Failed(job.state().last_error.clone().unwrap_or_default()))
        }
        _ => Err(Outcome::Skipped),
    })
}

/// Records the result of the attempt `claimed` started, with what it `progressed` (steps done
/// are kept even when it failed), if the job is still ours. `reports_failures`: whether the
/// caller reports a job that fails for good itself (the stream function, with the record it
/// was given); otherwise the job is marked for the stream to report.
pub async fn finish<J: Job>(
    app: &App,
    key: &Key,
    claimed: &J,
    progressed: J,
    result: Result<(), Failure>,
    rule: RetryRule,
    reports_failures: bool,
) -> Result<Outcome, StoreError> {
    let now = app.clock.now();
    let state = progressed.state();
    let (state, outcome) = match result {
        Ok(()) => (state.done(now), Outcome::Done),
        Err(failure) => {
            let mut state = state.attempt_failed(&failure, rule, claimed.job_id(), now);
            state.dead_letter = state.status == JobStatus::Failed && !reports_failures;
            let reason = failure.to_string();
            let outcome =
                if state.status == JobStatus::Failed { Outcome::Failed(reason) } else { Outcome::Retrying(reason) };
            (state, outcome)
        }
    };
    let next = progressed.with_state(state);
    let (written, _) = app
        .store
        .update_with::<J, _>(key, |current| {
            current.filter(|c| c.state().is_claim(claimed.state())).map(|_| next.clone())
        })
        .await?;
    let (job, kind, attempt) = (claimed.job_id(), claimed.state().kind.as_str(), claimed.state().attempts);
    if written == Written::Unchanged {
        tracing::warn!(job, kind, "attempt outlived its lease; its result is dropped");
        return Ok(Outcome::Skipped);
    }
    let metric = match &outcome {
        Outcome::Done => {
            tracing::info!(job, kind, attempt, "job done");
            "JobsDone"
        }
        Outcome::Retrying(reason) => {
            let due = next.state().due_at.map(crate::clock::rfc3339);
            tracing::warn!(job, kind, attempt, %reason, due, "attempt failed; job due again");
            "JobsRetried"
        }
        Outcome::Failed(reason) => {
            tracing::error!(job, kind, attempt, %reason, "job failed");
            "JobsFailed"
        }
        Outcome::Skipped => return Ok(outcome),
    };
    metrics::emit(&[("Kind", kind)], &[(metric, 1.0, "Count")]);
    Ok(outcome)
}
