//! Genesys Cloud EX configuration sync: the platform's people and structure made objects of the
//! organisation, once (`ccbridge-admin ex plan` / `ex apply`) and then on a schedule.
//!
//! - [`desired`]: what the platform's configuration should be in Genesys (pure).
//! - [`mapping`]: the table of platform objects and the Genesys objects they are.
//! - [`plan`]: the changes from the table to the desired state (pure).
//! - [`apply`]: the changes made, each followed by its mapping.
//! - [`account`]: reading a UIS account and planning for it.
//! - [`job`]: the ongoing sync, a job of the work engine per channel, put in line by a schedule.
//!
//! Invariant: a mapping is written only after Genesys accepted its object, so the next plan after
//! any interruption holds exactly what is left, and a plan after a complete apply is empty.

pub mod account;
pub mod apply;
pub mod desired;
pub mod job;
pub mod mapping;
pub mod plan;
