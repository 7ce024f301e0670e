//! End-to-end tests: functions over HTTP, state checked through the AWS SDK, on every backend.

// Test code, helpers included: a failed expectation is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod activities;
mod agent_states;
mod blobs;
mod card;
mod card_activity;
mod chat;
mod chat_events;
mod chat_round_trips;
mod click_to_call;
mod crm_import;
mod events;
mod ex;
mod ex_sync;
mod faults;
mod genesys_client;
mod genesys_directory;
mod genesys_ex_server;
mod jobs;
mod openapi;
mod recordings;
mod schemathesis;
mod status;
mod store;
mod streams;
mod template;
mod tenants;
mod uis;
mod uis_call_api_server;
mod uis_data_api;
mod wde;
mod wde_costs;
mod wde_events;
