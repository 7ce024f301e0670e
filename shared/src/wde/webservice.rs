//! The Genesys WDE webservice, end to end: WDE registers an interaction when it starts, updates
//! it when it ends, and registers campaign interactions, with YetiForce's "Genesys WDE by
//! Whirly" contract, so an existing WDE configuration only changes its host.
//!
//! 1. the method: `POST` runs it, `OPTIONS` is the preflight, others are 405;
//! 2. the body (413 above `service.max_body_bytes`), then the channel by `X-API-KEY` or
//!    `X-API-SIGNATURE` and its IP allow-list ([`auth`]);
//! 3. the fields, read with YetiForce's sanitizers into the method's request;
//! 4. the method's effect ([`interaction`]), idempotent;
//! 5. the answer: for a registration, the interaction id and the signed screen-pop link.

use serde_json::{Map, json};
use time::OffsetDateTime;

use super::card_link::CardLink;
use super::config::WdeChannel;
use super::fields::Fields;
use super::request::{RegisterCampaign, RegisterInteraction, UpdateInteraction};
use super::{Method, auth, interaction, response};
use crate::crm::ids::InteractionId;
use crate::http::{Request, Response, body, client_ip, header_str, media_type, path_param, query_pairs};
use crate::{ApiError, App};

/// Path of the card page, under the webservice's host when `card_base_url` is not set.
pub const CARD_PATH: &str = "/card";

/// Answers one webservice request: `POST` runs the method named by the path, `OPTIONS` answers
/// the CORS preflight, anything else is YetiForce's 405 `Invalid method`.
pub async fn serve(app: &App, req: &Request) -> Result<Response, ApiError> {
    match *req.method() {
        http::Method::POST => {}
        http::Method::OPTIONS => return Ok(response::preflight()),
        ref other => return Err(ApiError::MethodNotAllowed { method: other.to_string(), allowed: "POST, OPTIONS" }),
    }
    let raw = body(req, app.config.service.max_body_bytes)?;
    let ip = client_ip(req);
    let channel = auth::authenticate(
        &app.config,
        header_str(req, auth::API_KEY_HEADER),
        header_str(req, auth::SIGNATURE_HEADER),
        raw,
        ip,
    )?;
    let method = Method::parse(path_param(req, "method")?)?;
    let fields = Fields::parse(media_type(req).as_deref(), raw, query_pairs(req))?;
    let now = OffsetDateTime::now_utc();
    match method {
        Method::RegisterInteraction => {
            let request = RegisterInteraction::parse(&fields, channel.default_country)?;
            let operator = interaction::operator(channel, &request.agent, false)?;
            let stored = interaction::register(&app.store, channel, request, operator, ip, now).await?;
            tracing::info!(channel = %channel.id, genesys_id = %stored.genesys_id, interaction = %stored.id,
                contact = stored.contact.is_some(), "interaction registered");
            let mut body = Map::new();
            body.insert("interactionId".into(), json!(stored.id.get()));
            body.insert("url".into(), json!(card_url(channel, req, stored.id, now)?));
            Ok(response::success(body))
        }
        Method::UpdateInteraction => {
            let request = UpdateInteraction::parse(&fields)?;
            interaction::operator(channel, &request.agent, false)?;
            let stored = interaction::update(&app.store, channel, request).await?;
            tracing::info!(channel = %channel.id, genesys_id = %stored.genesys_id, "interaction updated");
            Ok(response::success(Map::new()))
        }
        Method::RegisterInteractionCampaign => {
            let request = RegisterCampaign::parse(&fields, channel.default_country)?;
            let operator = interaction::operator(channel, &request.agent, true)?;
            let stored = interaction::register_campaign(&app.store, channel, request, operator, ip, now).await?;
            tracing::info!(channel = %channel.id, genesys_id = %stored.genesys_id, "campaign interaction registered");
            Ok(response::success(Map::new()))
        }
    }
}

/// The signed, expiring screen-pop link: under `card_base_url`, else under the host the
/// webservice was called on (HTTPS, except on loopback).
fn card_url(
    channel: &WdeChannel,
    req: &Request,
    interaction: InteractionId,
    now: OffsetDateTime,
) -> Result<String, ApiError> {
    let ttl = i64::try_from(channel.card_ttl_seconds).unwrap_or(i64::MAX);
    let link =
        CardLink { channel: channel.id.to_string(), interaction, expires_at: now.unix_timestamp().saturating_add(ttl) };
    let token = link.sign(&channel.card_secret);
    let base = match &channel.card_base_url {
        Some(base) => base.as_str().trim_end_matches('/').to_owned(),
        None => {
            let host = header_str(req, "host")
                .filter(|h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b)))
                .ok_or_else(|| ApiError::bad_request("missing_host", "the Host header is missing or invalid"))?;
            let loopback = host.starts_with("127.0.0.1") || host.starts_with("localhost") || host.starts_with("[::1]");
            let scheme = match header_str(req, "x-forwarded-proto") {
                Some("http") => "http",
                Some(_) => "https",
                None if loopback => "http",
                None => "https",
            };
            format!("{scheme}://{host}{CARD_PATH}")
        }
    };
    Ok(format!("{base}/{token}"))
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;
    use crate::config::{Config, WdeChannel};

    fn channel(extra: &str) -> WdeChannel {
        let doc = format!(
            "[[channel]]\nkind=\"wde\"\nid=\"wde-a\"\napi_key=\"wdeApiKey0123456789\"\ncard_secret=\"0123456789abcdef0123456789abcdef\"\n{extra}"
        );
        let config = Config::parse(&doc).expect("config");
        match config.into_channels().remove(0) {
            crate::config::Channel::Wde(wde) => wde,
            _ => unreachable!(),
        }
    }

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = http::Request::builder().uri("/wde/registerInteraction");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Bytes::new()).expect("request")
    }

    #[test]
    fn card_links_go_under_the_configured_base_or_the_called_host() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let id = InteractionId::derive("wde-a", "g1");
        let plain = channel("");
        let url = card_url(&plain, &request(&[("host", "api.example.com")]), id, now).expect("url");
        assert!(url.starts_with("https://api.example.com/card/"), "{url}");
        let url = card_url(&plain, &request(&[("host", "127.0.0.1:3000")]), id, now).expect("url");
        assert!(url.starts_with("http://127.0.0.1:3000/card/"), "{url}");
        let url =
            card_url(&plain, &request(&[("host", "x.example"), ("x-forwarded-proto", "http")]), id, now).expect("url");
        assert!(url.starts_with("http://x.example/card/"), "{url}");
        let err = card_url(&plain, &request(&[("host", "bad host/x")]), id, now).expect_err("bad host");
        assert_eq!(err.code(), "missing_host");
        let based = channel("card_base_url = \"https://crm.example.com/cards/\"\n");
        let url = card_url(&based, &request(&[]), id, now).expect("url");
        assert!(url.starts_with("https://crm.example.com/cards/"), "{url}");
        let token = url.rsplit('/').next().expect("token");
        let link = CardLink::verify(token, |_| Some(&based.card_secret), 0).expect("signed for the channel");
        assert_eq!((link.interaction, link.expires_at), (id, 3600));
    }
}
