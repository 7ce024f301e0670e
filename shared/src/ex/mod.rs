//! Genesys Cloud EX: keeping the organisation in sync with the platforms agents work on, the
//! platform being the source of truth.
//!
//! - [`config`]: what a platform channel says of itself (time zone, users, queues, wrap-up codes).
//! - [`source`]: the organisation's external source, provisioned once.
//! - [`call`]: a finished UIS call as the events of one external conversation (pure).
//! - [`job`]: the job that sends it, batch by batch, reading what Genesys refused.
//! - [`agents`]: an `agent_states` channel and its state table (platform state → presence and
//!   routing status).
//! - [`agent_state`]: the states a platform pushes, each agent's last one kept in time order.
//! - [`agent_job`]: the job that sends a change as a presence and a routing status event.

pub mod agent_job;
pub mod agent_state;
pub mod agents;
pub mod call;
pub mod config;
pub mod job;
pub mod source;
