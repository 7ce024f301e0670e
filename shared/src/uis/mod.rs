//! UIS (CoMagic) telephony: the notifications UIS sends about calls and what they become — one
//! call record per call session, the caller as the tenant's contact, a ticket for the helpdesk
//! and a job per recording — and the helpdesk's history API over them.
//!
//! - [`config`]: a UIS channel's settings.
//! - [`notification`]: bodies as UIS really sends them, read leniently into fields.
//! - [`call`]: the call record and its order-independent merge.
//! - [`ticket`]: the helpdesk ticket of a call and its status rules.
//! - [`activity`]: the call as a CRM activity.
//! - [`callback`]: the callback work list that missed calls fill and answered calls empty.
//! - [`jsonrpc`]: the JSON-RPC envelope, errors and limits both UIS APIs share.
//! - [`call_api`]: the UIS Call API client (placing calls).
//! - [`data_api`]: the UIS Data API client (the status catalogue, employees' statuses).
//! - [`click_to_call`]: the flow of a call the helpdesk asks for.
//! - [`record`]: how a call and what hangs off it are kept.
//! - [`recording`]: which recording links may be fetched.
//! - [`webhook`]: the flow of one delivery, shared by the webhook functions.
//! - [`history`]: the history API's flows.

pub mod activity;
pub mod call;
pub mod call_api;
pub mod callback;
pub mod click_to_call;
pub mod config;
pub mod data_api;
pub mod history;
pub mod jsonrpc;
pub mod notification;
pub mod record;
pub mod recording;
pub mod ticket;
pub mod webhook;

use crate::config::Config;
use crate::error::ApiError;
use config::UisChannel;

/// Header carrying a UIS channel's API key on the helpdesk-side (history) API.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The UIS channel a webhook's token belongs to (constant-time comparisons).
pub fn channel_by_token<'a>(config: &'a Config, token: Option<&str>) -> Result<&'a UisChannel, ApiError> {
    let presented = token.filter(|p| !p.is_empty()).ok_or(ApiError::Unauthorized("credentials are missing"))?;
    config
        .by_secret::<UisChannel>(presented.as_bytes(), |c| &c.token)
        .ok_or(ApiError::Unauthorized("credentials are not valid"))
}

/// The UIS channel an API key belongs to (constant-time comparisons).
pub fn channel_by_api_key<'a>(config: &'a Config, key: Option<&str>) -> Result<&'a UisChannel, ApiError> {
    let presented = key.filter(|p| !p.is_empty()).ok_or(ApiError::Unauthorized("credentials are missing"))?;
    config
        .by_secret::<UisChannel>(presented.as_bytes(), |c| &c.api_key)
        .ok_or(ApiError::Unauthorized("credentials are not valid"))
}
