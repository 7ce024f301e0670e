//! The Genesys WDE webservice, compatible with YetiForce's "Genesys WDE by Whirly" PBX
//! integration (see the README): request fields and sanitizers ([`fields`], [`request`]),
//! authentication ([`auth`]), media types ([`media`]), finding the customer ([`customer`]),
//! the methods' effects ([`interaction`]), the answers ([`response`]) and the screen-pop
//! card ([`card_link`], [`card`]).

pub mod auth;
pub mod card;
pub mod card_link;
pub mod customer;
pub mod fields;
pub mod interaction;
pub mod media;
pub mod request;
pub mod response;

pub use media::MediaType;
pub use request::Method;
