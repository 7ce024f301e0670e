//! End-to-end tests: functions over HTTP, state checked through the AWS SDK, on every backend.

mod blobs;
mod events;
mod status;
mod store;
mod streams;
mod template;
mod uis;
mod wde;
mod wde_costs;
mod wde_events;
