//! Live chat from a chatbot to Genesys Cloud agents over open messaging: escalation
//! (user → agent), the agent webhook (agent → user), delivery to the bot, and provisioning of
//! the integrations.

pub mod delivery;
pub mod escalation;
pub mod provisioning;
pub mod webhook;

use crate::auth::secret_matches;
use crate::config::{Channel, ChatbotChannel, Config, GenesysCloudChannel};
use crate::error::ApiError;
use crate::genesys::{GenesysClient, RetryPolicy};
use crate::http::{Request, header_str};

/// The header a bot authenticates with.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The chatbot channel whose API key the request presents (constant-time comparisons).
pub fn authenticate_bot<'a>(config: &'a Config, req: &Request) -> Result<&'a ChatbotChannel, ApiError> {
    let presented = header_str(req, API_KEY_HEADER).ok_or(ApiError::Unauthorized("the X-API-Key header is missing"))?;
    let mut found = None;
    for channel in &config.channels {
        if let Channel::Chatbot(bot) = channel
            && secret_matches(&bot.api_key, presented.as_bytes())
        {
            found = Some(bot);
        }
    }
    found.ok_or(ApiError::Unauthorized("the API key is not valid"))
}

/// The Genesys Cloud channel a bot escalates to.
pub fn genesys_channel<'a>(config: &'a Config, bot: &ChatbotChannel) -> Result<&'a GenesysCloudChannel, ApiError> {
    match config.channel(&bot.genesys) {
        Some(Channel::GenesysCloud(genesys)) => Ok(genesys),
        _ => Err(ApiError::Unavailable(format!("channel {} has no Genesys Cloud channel {}", bot.id, bot.genesys))),
    }
}

/// The Genesys Cloud client of a bot, with `policy`.
pub fn genesys_client(config: &Config, bot: &ChatbotChannel, policy: RetryPolicy) -> Result<GenesysClient, ApiError> {
    let channel = genesys_channel(config, bot)?;
    let client = GenesysClient::for_channel(channel).map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(client.with_policy(policy))
}

/// Now, as ISO-8601 UTC with milliseconds (`2026-11-22T01:02:03.456Z`), the form Genesys uses.
pub fn now_iso() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    now.format(&format).unwrap_or_else(|_| now.unix_timestamp().to_string())
}

/// When something received now expires under the chat retention.
pub fn retention_expiry() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp() + crate::store::chat_sessions::RETENTION_DAYS * 86_400
}
