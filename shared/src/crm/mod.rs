//! The CRM side: one record of customers per tenant and what happened with them.
//!
//! - [`access`]: which tenant an API key acts for.
//! - [`ids`]: the ids and keys records are known by (a leaf: every domain may name them).
//! - [`contact`]: the contact every channel shares, found by e-mail, phone or messenger id,
//!   with its current consent state.
//! - [`company`]: companies, found by tax id and customer token.
//! - [`interaction`]: WDE interactions, indexed into their customer's history.
//! - [`consent`]: the consent register.
//! - [`history`]: a customer's timeline across channels.
//! - [`mapping`]: the rule language that turns a provider's fields into CRM fields.
//! - [`config`]: a channel's `[channel.crm]` settings: its mapping, wrap-up codes and case rules.

pub mod access;
pub mod company;
pub mod config;
pub mod consent;
pub mod contact;
pub mod history;
pub mod ids;
pub mod interaction;
pub mod mapping;
