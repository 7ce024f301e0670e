//! The shared library of the ccbridge functions: everything a function does besides being
//! started by Lambda. Function crates are adapters — take the matched route, call one flow here,
//! render — so every flow can be driven by the Lambda bootstrap, the local stack and the tests
//! alike.
//!
//! # Layout
//!
//! Layers run one way: the HTTP edge and the flows → the domains → the store.
//!
//! - The edge: [`function`] (routes paired with handlers), [`http`] (reading hostile input,
//!   rendering answers and errors), [`error`] (the one mapping of every layer's error to HTTP),
//!   [`auth`] (constant-time secrets and signatures), [`app`] (what a function holds for its
//!   life: configuration, store, bucket, clients).
//! - The configuration: [`config`] lists the channels and finds them by id or secret; each kind's
//!   settings live with their domain.
//! - The domains, each owning its entities and the rules that change them:
//!   [`uis`] (calls, tickets, the history API), [`wde`] (the WDE webservice and the screen-pop
//!   card), [`chat`] (live chat sessions and transcripts), [`recordings`] (recording jobs, their
//!   copy into S3 and upload to Genesys Cloud), [`crm`] (one contact record per tenant,
//!   companies, interactions, consents; every interaction as an activity with notes, wrap-up and
//!   cases; the field mappings; the timeline).
//! - Outbound work: [`jobs`] (the job life every outbound job shares, its due index, the sweep
//!   and its metrics).
//! - The providers we call: [`genesys`] (Genesys Cloud), on [`outbound`] HTTP clients.
//! - Operations: [`metrics`] (embedded-metric-format lines every function writes).
//! - The mechanics: [`store`] (the table: items, conditional writes, merges, queries, every key
//!   format; the bucket), [`aws`] (SDK clients), [`phone`] (E.164 numbers), [`clock`] (instants).
//!
//! `store` imports nothing from the domains, the providers or the configuration; no module of
//! this crate is in an import cycle (`cargo xtask cycles` checks it).

pub mod app;
pub mod auth;
pub mod aws;
pub mod chat;
pub mod clock;
pub mod config;
pub mod crm;
pub mod error;
pub mod ex;
pub mod function;
pub mod genesys;
pub mod http;
pub mod jobs;
pub mod metrics;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod outbound;
pub mod phone;
pub mod recordings;
pub mod store;
pub mod uis;
pub mod wde;

pub use app::App;
pub use error::ApiError;
pub use function::{BatchOutcome, HttpFunction, Route, ScheduledFunction, StreamFunction};
