//! The Genesys Cloud Platform API client: regions, OAuth client credentials with a token cache,
//! requests with bounded retries, typed errors, and the open-messaging models and calls.
//!
//! Every call goes through [`GenesysClient::request`], so auth, retries (Retry-After on 429,
//! backoff on 5xx and timeouts, one token renewal on 401) and correlation-id logging are the
//! same for open messaging today and for conversation events and recording uploads later.

pub mod auth;
pub mod client;
pub mod error;
pub mod open_messaging;
pub mod recordings;
pub mod regions;

pub use client::{GenesysClient, RetryPolicy};
pub use error::{ErrorBody, GenesysError};
pub use regions::Region;
