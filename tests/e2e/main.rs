//! End-to-end tests: functions over HTTP, state checked through the AWS SDK, on every backend.

mod blobs;
mod status;
mod store;
mod template;
mod wde;
mod wde_costs;
mod wde_events;
