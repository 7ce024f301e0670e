//! The Genesys WDE webservice, compatible with YetiForce's "Genesys WDE by Whirly" PBX
//! integration (see the README), and the screen-pop card it links to.
//!
//! - [`config`]: a WDE channel's settings.
//! - [`webservice`]: one request end to end; [`screen_pop`]: the card page end to end.
//! - [`fields`], [`request`]: request fields and the reference's sanitizers, into typed requests.
//! - [`auth`]: which channel a request authenticates as.
//! - [`media`]: media types; [`customer`]: finding the customer; [`interaction`]: the methods'
//!   effects; [`activity`]: an interaction as a CRM activity; [`response`]: the answers;
//!   [`card_link`], [`card`]: the signed link and the page.

pub mod activity;
pub mod auth;
pub mod card;
pub mod card_link;
pub mod config;
pub mod customer;
pub mod fields;
pub mod interaction;
pub mod media;
pub mod request;
pub mod response;
pub mod screen_pop;
pub mod webservice;

pub use media::MediaType;
pub use request::Method;
