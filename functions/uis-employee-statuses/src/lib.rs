//! `uis-employee-statuses`: started every minute by its schedule, it polls the employees'
//! statuses of every UIS channel that has `data_api` and is linked to Genesys Cloud, when the
//! channel's `data_api.poll_seconds` have passed, and writes a job for each employee whose status
//! changed; see [`ccbridge::ex::status_poll`]. A channel that fails is logged and retried on the
//! next run; the others are polled all the same.

use ccbridge::ScheduledFunction;
use ccbridge::ex::status_poll::poll_all;

pub const FUNCTION: ScheduledFunction = ScheduledFunction {
    name: "uis-employee-statuses",
    schedule: "rate(1 minute)",
    handler: |app| {
        Box::pin(async move {
            let reports = poll_all(&app).await;
            let failed: Vec<String> = reports
                .iter()
                .filter_map(|(channel, report)| report.as_ref().err().map(|e| format!("{channel}: {e}")))
                .collect();
            if failed.is_empty() { Ok(()) } else { Err(failed.join("; ")) }
        })
    },
};
