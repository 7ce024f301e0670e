//! Live chat from a chatbot to Genesys Cloud agents over open messaging.
//!
//! - [`config`]: a chatbot channel's settings.
//! - [`api`]: the bot's API (start a session, post the user's messages, read the transcript).
//! - [`inbound`]: the Genesys Cloud webhook (the agent's replies, typing, receipts), end to end.
//! - [`session`], [`transcript`], [`integration`]: what is kept; [`activity`]: a session as a
//!   CRM activity.
//! - [`escalation`]: the user's side turned into open-messaging bodies; [`webhook`]: the agent
//!   side's signature and meaning; [`delivery`]: to the bot; [`provisioning`]: the integrations.

pub mod activity;
pub mod api;
pub mod config;
pub mod delivery;
pub mod escalation;
pub mod inbound;
pub mod integration;
pub mod provisioning;
pub mod session;
pub mod transcript;
pub mod webhook;

use config::ChatbotChannel;

use crate::App;
use crate::error::ApiError;
use crate::genesys::{GenesysClient, RetryPolicy};
use crate::http::{Request, header_str};

/// How long a session and its transcript are kept.
pub const RETENTION_DAYS: i64 = 90;

/// The header a bot authenticates with.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The chatbot channel whose API key the request presents (constant-time comparisons).
pub fn authenticate_bot<'a>(app: &'a App, req: &Request) -> Result<&'a ChatbotChannel, ApiError> {
    let presented = header_str(req, API_KEY_HEADER).ok_or(ApiError::Unauthorized("the X-API-Key header is missing"))?;
    app.config
        .by_secret::<ChatbotChannel>(presented.as_bytes(), |bot| &bot.api_key)
        .ok_or(ApiError::Unauthorized("the API key is not valid"))
}

/// The Genesys Cloud client of a bot, with `policy`.
pub fn genesys_client(app: &App, bot: &ChatbotChannel, policy: RetryPolicy) -> Result<GenesysClient, ApiError> {
    app.clients.genesys(&bot.genesys).map(|client| client.with_policy(policy)).ok_or_else(|| {
        ApiError::Unavailable(format!("channel {} has no Genesys Cloud channel {}", bot.id, bot.genesys))
    })
}

/// When something received now expires under the chat retention.
pub fn retention_expiry() -> i64 {
    crate::clock::now().unix_timestamp() + RETENTION_DAYS * 86_400
}
