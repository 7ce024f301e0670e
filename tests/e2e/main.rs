//! End-to-end tests: functions over HTTP, state checked through the AWS SDK, on every backend.

mod blobs;
mod chat;
mod chat_events;
mod chat_round_trips;
mod genesys_client;
mod status;
mod store;
mod template;
