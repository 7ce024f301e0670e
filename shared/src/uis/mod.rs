//! UIS (CoMagic) telephony: the notifications UIS sends about calls and what they become —
//! one call record per call session, the caller as a contact, a ticket for the helpdesk and a
//! job per recording.
//!
//! - [`notification`]: bodies as UIS really sends them, read leniently into fields.
//! - [`phone`]: numbers normalised to E.164.
//! - [`call`]: the call record and its order-independent merge.
//! - [`recording`]: which recording links may be fetched.
//! - [`webhook`]: the flow of one delivery, shared by the webhook functions.

pub mod call;
pub mod notification;
pub mod recording;
pub mod webhook;

use crate::auth::secret_matches;
use crate::config::{Channel, Config, UisChannel};
use crate::error::ApiError;
use secrecy::SecretString;

/// Header carrying a UIS channel's API key on the helpdesk-side (history) API.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The UIS channel a webhook's token belongs to.
pub fn channel_by_token<'a>(config: &'a Config, token: Option<&str>) -> Result<&'a UisChannel, ApiError> {
    channel_by_secret(config, token, |c| &c.token)
}

/// The UIS channel an API key belongs to.
pub fn channel_by_api_key<'a>(config: &'a Config, key: Option<&str>) -> Result<&'a UisChannel, ApiError> {
    channel_by_secret(config, key, |c| &c.api_key)
}

/// The UIS channel whose secret (picked by `secret`) is `presented`. Every channel is compared,
/// in constant time, so timing says nothing about which one came close.
fn channel_by_secret<'a>(
    config: &'a Config,
    presented: Option<&str>,
    secret: fn(&UisChannel) -> &SecretString,
) -> Result<&'a UisChannel, ApiError> {
    let presented = presented.filter(|p| !p.is_empty()).ok_or(ApiError::Unauthorized("credentials are missing"))?;
    let mut found = None;
    for channel in &config.channels {
        if let Channel::Uis(uis) = channel
            && secret_matches(secret(uis), presented.as_bytes())
        {
            found = Some(uis);
        }
    }
    found.ok_or(ApiError::Unauthorized("credentials are not valid"))
}
