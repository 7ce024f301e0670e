//! `uis-account-poll`: started every minute by its schedule, it reads what UIS does not push.
//! For every UIS channel linked to Genesys Cloud that has `data_api`: the employees' statuses
//! once `data_api.poll_seconds` have passed, with a job for each employee whose status changed
//! ([`ccbridge::ex::status_poll`]); and with `[channel.ex.sync]`, the channel's configuration
//! sync job put back in line once `ex.sync.interval_seconds` have passed
//! ([`ccbridge::ex::sync::job`]). A channel that fails is logged and tried again on the next
//! run; the others go on all the same.

use ccbridge::ScheduledFunction;
use ccbridge::ex::status_poll::poll_all;
use ccbridge::ex::sync::job::schedule;

pub const FUNCTION: ScheduledFunction = ScheduledFunction {
    name: "uis-account-poll",
    schedule: "rate(1 minute)",
    handler: |app| {
        Box::pin(async move {
            let mut failed: Vec<String> = poll_all(&app)
                .await
                .iter()
                .filter_map(|(channel, report)| report.as_ref().err().map(|e| format!("{channel}: {e}")))
                .collect();
            match schedule(&app).await {
                Ok(queued) if !queued.is_empty() => tracing::info!(?queued, "configuration sync jobs put in line"),
                Ok(_) => {}
                Err(error) => failed.push(format!("configuration sync: {error}")),
            }
            if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
        })
    },
};
