//! Genesys Cloud EX: keeping the organisation in sync with the platforms agents work on, the
//! platform being the source of truth.
//!
//! - [`config`]: what a platform channel says of itself (time zone, users, queues, wrap-up codes).
//! - [`source`]: the organisation's external source, provisioned once.
//! - [`call`]: a finished UIS call as the events of one external conversation (pure).
//! - [`job`]: the job that sends it, batch by batch, reading what Genesys refused.

pub mod call;
pub mod config;
pub mod job;
pub mod source;
