//! The shared library of the ccbridge functions.
//!
//! Everything a function needs besides its own flow lives here: the configuration document
//! ([`config`]), the error model and its one mapping to HTTP ([`error`]), the HTTP edge
//! ([`http`]), authentication primitives ([`auth`]), AWS clients ([`aws`]), the store
//! ([`store`]), outbound HTTP ([`outbound`]), the Genesys Cloud client ([`genesys`]) and live
//! chat ([`chat`]). Nothing in this crate knows about the Lambda runtime, so every handler can be
//! driven by the Lambda bootstrap, the local stack and the tests alike.

pub mod app;
pub mod auth;
pub mod aws;
pub mod chat;
pub mod config;
pub mod error;
pub mod function;
pub mod genesys;
pub mod http;
pub mod outbound;
pub mod phone;
pub mod recordings;
pub mod store;
pub mod uis;
pub mod wde;

pub use app::App;
pub use error::ApiError;
pub use function::{BatchOutcome, HttpFunction, Route, StreamFunction};
