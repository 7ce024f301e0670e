//! Genesys Cloud EX: keeping the organisation in sync with the platforms agents work on, the
//! platform being the source of truth.
//!
//! - [`config`]: what a platform channel says of itself (time zone, users, queues, wrap-up codes).
//! - [`source`]: the organisation's external source, provisioned once.
//! - [`conversation`]: one finished interaction of any platform as the events of one external
//!   conversation (pure).
//! - [`call`]: what a finished UIS call tells that conversation (pure); [`wde`]: what an ended
//!   WDE voice or e-mail interaction tells (pure).
//! - [`job`], [`wde_job`]: the jobs that send them, batch by batch, reading what Genesys refused.
//! - [`agents`]: an `agent_states` channel and its state table (platform state → presence and
//!   routing status).
//! - [`agent_state`]: the states a platform pushes, each agent's last one kept in time order.
//! - [`agent_job`]: the job that sends a change as a presence and a routing status event.
//! - [`employee`]: a UIS employee's state, from their polled status and their calls (pure).
//! - [`employee_job`]: the job that applies one thing learnt about an employee and sends what
//!   changed; [`status_poll`]: the schedule that reads UIS employees' statuses and writes those
//!   jobs for the changes.
//! - [`sync`]: configuration sync: the platform's employees, groups and tags as users, queues and
//!   wrap-up codes, planned as a diff against the mapping table and applied idempotently.

pub mod agent_job;
pub mod agent_state;
pub mod agents;
pub mod call;
pub mod config;
pub mod conversation;
pub mod employee;
pub mod employee_job;
pub mod job;
pub mod source;
pub mod status_poll;
pub mod sync;
pub mod wde;
pub mod wde_job;
