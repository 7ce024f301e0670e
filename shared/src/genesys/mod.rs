//! The Genesys Cloud Platform API client: an organisation's settings ([`config`]), regions,
//! OAuth client credentials with a token cache, requests with bounded retries, typed errors,
//! the open-messaging models and calls, presence sources, conversation injection, recording
//! uploads and the directory objects configuration sync writes (users, queues, wrap-up codes,
//! skills and languages).
//!
//! Every call goes through [`GenesysClient::request`], so auth, retries (Retry-After on 429,
//! backoff on 5xx and timeouts, one token renewal on 401) and correlation-id logging are the
//! same for open messaging, conversation events and recording uploads.

pub mod auth;
pub mod client;
pub mod config;
pub mod conversations;
pub mod directory;
pub mod error;
pub mod open_messaging;
pub mod presence;
pub mod recordings;
pub mod regions;
pub mod routing;

pub use client::{GenesysClient, RetryPolicy};
pub use error::{ErrorBody, GenesysError};
pub use regions::Region;
