//! The CRM side: one record of customers per tenant and what happened with them.
//!
//! - [`access`]: which tenant an API key acts for.
//! - [`ids`]: the ids and keys records are known by (a leaf: every domain may name them).
//! - [`contact`]: the contact every channel shares, found by e-mail, phone or messenger id,
//!   with its current consent state.
//! - [`company`]: companies, found by tax id and customer token.
//! - [`import`]: a tenant's contacts and companies loaded from its own CRM, by external id.
//! - [`interaction`]: WDE interactions, indexed into their customer's history.
//! - [`consent`]: the consent register.
//! - [`history`]: a customer's timeline across channels.

pub mod access;
pub mod company;
pub mod consent;
pub mod contact;
pub mod history;
pub mod ids;
pub mod import;
pub mod interaction;
