//! `job-sweeper`: started every minute by its schedule, it runs every outbound job whose time
//! has come — a retry now due, a job whose worker died (its lease ended), a job whose stream
//! record never arrived — with bounded concurrency; see [`ccbridge::jobs::sweep`].

use std::time::Duration;

use ccbridge::ScheduledFunction;
use ccbridge::jobs::sweep::{SweepSettings, sweep};

pub const FUNCTION: ScheduledFunction = ScheduledFunction {
    name: "job-sweeper",
    schedule: "rate(1 minute)",
    handler: |app| {
        Box::pin(async move {
            // The function has 15 minutes: no job is started after the first two, so the
            // attempts it starts (12 minutes at most each) end inside the invocation.
            let settings = SweepSettings { budget: Duration::from_secs(120), ..SweepSettings::default() };
            sweep(&app, &settings).await.map(|_| ()).map_err(|e| e.to_string())
        })
    },
};
