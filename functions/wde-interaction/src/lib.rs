//! The Genesys WDE webservice: WDE registers an interaction when it starts, updates it when it
//! ends, and registers campaign interactions, with YetiForce's "Genesys WDE by Whirly"
//! contract, so an existing WDE configuration only changes its host.
//!
//! Both paths take every HTTP method: `POST` runs the method, `OPTIONS` answers the CORS
//! preflight, anything else is YetiForce's 405 `Invalid method`.

use std::sync::Arc;

use ccbridge::config::WdeChannel;
use ccbridge::http::{Request, Response, body, client_ip, header_str, media_type, path_param, query_pairs};
use ccbridge::wde::card_link::CardLink;
use ccbridge::wde::fields::Fields;
use ccbridge::wde::request::{RegisterCampaign, RegisterInteraction, UpdateInteraction};
use ccbridge::wde::{Method, auth, interaction, response};
use ccbridge::{ApiError, App, HttpFunction, Route};
use serde_json::{Map, json};
use time::OffsetDateTime;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "wde-interaction",
    routes: &[Route::any("/wde/{method}"), Route::any("/webservice/PBX/GenesysWdeWhirly/{method}")],
    handler: |app, req| Box::pin(handle(app, req)),
    render_error: response::render_error,
};

/// Path of the card page, under the webservice's host when `card_base_url` is not set.
pub const CARD_PATH: &str = "/card";

async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    match *req.method() {
        http::Method::POST => {}
        http::Method::OPTIONS => return Ok(response::preflight()),
        ref other => return Err(ApiError::MethodNotAllowed { method: other.to_string(), allowed: "POST, OPTIONS" }),
    }
    let raw = body(&req, app.config.service.max_body_bytes)?;
    let ip = client_ip(&req);
    let channel = auth::authenticate(
        &app.config,
        header_str(&req, auth::API_KEY_HEADER),
        header_str(&req, auth::SIGNATURE_HEADER),
        raw,
        ip,
    )?;
    let method = Method::parse(path_param(&req, "method")?)?;
    let fields = Fields::parse(media_type(&req).as_deref(), raw, query_pairs(&req))?;
    let now = OffsetDateTime::now_utc();
    match method {
        Method::RegisterInteraction => {
            let request = RegisterInteraction::parse(&fields, &channel.default_country)?;
            let operator = interaction::operator(channel, &request.agent, false)?;
            let stored = interaction::register(&app.store, channel, request, operator, ip, now).await?;
            tracing::info!(channel = %channel.id, genesys_id = %stored.genesys_id, interaction = %stored.id,
                contact = stored.contact.is_some(), "interaction registered");
            let mut body = Map::new();
            body.insert("interactionId".into(), json!(stored.id.get()));
            body.insert("url".into(), json!(card_url(channel, &req, stored.id, now)?));
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
            let request = RegisterCampaign::parse(&fields, &channel.default_country)?;
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
    interaction: ccbridge::store::interactions::InteractionId,
    now: OffsetDateTime,
) -> Result<String, ApiError> {
    let ttl = i64::try_from(channel.card_ttl_seconds).unwrap_or(i64::MAX);
    let link = CardLink { channel: channel.id.to_string(), interaction, expires_at: now.unix_timestamp() + ttl };
    let token = link.sign(&channel.card_secret);
    let base = match &channel.card_base_url {
        Some(base) => base.trim_end_matches('/').to_owned(),
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
