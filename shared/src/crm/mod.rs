//! The CRM side: one record of customers per tenant and what happened with them.
//!
//! - [`access`]: which tenant an API key acts for; [`api`]: the CRM API's flows.
//! - [`ids`]: the ids and keys records are known by (a leaf: every domain may name them).
//! - [`contact`]: the contact every channel shares, found by e-mail, phone or messenger id,
//!   with its current consent state.
//! - [`company`]: companies, found by tax id and customer token.
//! - [`import`]: a tenant's contacts and companies loaded from its own CRM, by external id.
//! - [`interaction`]: WDE interactions.
//! - [`activity`]: every interaction as one activity on its contact's timeline, with the
//!   agent's notes and wrap-up.
//! - [`case`]: cases opened by the channel's rules or by agents.
//! - [`consent`]: the consent register.
//! - [`history`]: a customer's timeline across channels: activities and cases.
//! - [`mapping`]: the rule language that turns a provider's fields into CRM fields.
//! - [`config`]: a channel's `[channel.crm]` settings: its mapping, wrap-up codes and case rules.

pub mod access;
pub mod activity;
pub mod api;
pub mod case;
pub mod company;
pub mod config;
pub mod consent;
pub mod contact;
pub mod history;
pub mod ids;
pub mod import;
pub mod interaction;
pub mod mapping;
