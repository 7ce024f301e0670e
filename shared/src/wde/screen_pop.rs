//! The screen-pop page WDE opens when an interaction starts: the link's signature and expiry
//! checked, then the interaction, its contact or company (of the channel's tenant only), the
//! candidates of an ambiguous match and the customer's recent history read, and the card
//! rendered with a Content-Security-Policy that allows only its own script and the agent's
//! local WDE listener.
//!
//! From the card, the agent can also have a UIS channel of the same tenant call one of the
//! card's numbers ([`place_call`]): the link is the credential, a cross-site post is refused,
//! and only a number the card shows can be called, by the interaction's own agent.
//!
//! Cost: one GetItem for the interaction, one per contact, company and candidate shown, and one
//! Query for the customer's timeline.

use http::{HeaderValue, StatusCode, header};
use time::OffsetDateTime;

use super::card::{Card, escape, render};
use super::card_link::CardLink;
use super::config::WdeChannel;
use crate::config::ChannelId;
use crate::crm::company::Company;
use crate::crm::contact::Contact;
use crate::crm::history::{self, Subject};
use crate::crm::ids::ContactId;
use crate::crm::interaction::Interaction;
use crate::http::{Request, RequestId, Response, body, header_str, parse_form};
use crate::phone::PhoneNumber;
use crate::uis::click_to_call::{self, CallRequest};
use crate::uis::config::UisChannel;
use crate::{ApiError, App};

/// How many history entries the card lists.
const HISTORY_LIMIT: i32 = 10;
/// How many candidates of an ambiguous match are named.
const MAX_CANDIDATES: usize = 5;

/// The card of the interaction a link grants: 403 for a tampered or expired link, 404 when the
/// interaction is gone.
pub async fn page(app: &App, token: &str) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (link, channel, interaction) = granted(app, token, now).await?;
    let tenant = &channel.tenant;
    let contact = match &interaction.contact {
        Some(id) => Contact::get(&app.store, tenant, id).await?,
        None => None,
    };
    let company_id = interaction.company.clone().or_else(|| contact.as_ref().and_then(|c| c.company.clone()));
    let company = match &company_id {
        Some(id) => Company::get(&app.store, tenant, id).await?,
        None => None,
    };
    let mut candidates = Vec::new();
    for id in interaction.ambiguities.iter().flat_map(|a| &a.candidates).take(MAX_CANDIDATES) {
        if let Some(id) = ContactId::parse(id)
            && let Some(c) = Contact::get(&app.store, tenant, &id).await?
        {
            candidates.push(c);
        }
    }
    let subject = match (&interaction.contact, &company_id) {
        (Some(contact), _) => Some(Subject::Contact(contact)),
        (None, Some(company)) => Some(Subject::Company(company)),
        (None, None) => None,
    };
    let history = match subject {
        Some(subject) => history::recent(&app.store, tenant, subject, HISTORY_LIMIT).await?,
        None => Vec::new(),
    };
    let listener = channel.listener();
    let uis_dialers: Vec<&ChannelId> = dialers(app, channel, &interaction).map(|c| &c.id).collect();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let expires_at = OffsetDateTime::from_unix_timestamp(link.expires_at).unwrap_or(now);
    let html = render(&Card {
        interaction: &interaction,
        contact: contact.as_ref(),
        company: company.as_ref(),
        candidates: &candidates,
        history: &history,
        listener,
        uis_dialers: &uis_dialers,
        token,
        expires_at,
        nonce: &nonce,
    });
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src 'self' {}; \
         base-uri 'none'; form-action 'self'",
        listener.origin()
    );
    let mut response = html_response(StatusCode::OK, html);
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// The link's channel and interaction: 403 for a tampered or expired link, 404 when the
/// interaction is gone.
async fn granted<'a>(
    app: &'a App,
    token: &str,
    now: OffsetDateTime,
) -> Result<(CardLink, &'a WdeChannel, Interaction), ApiError> {
    let link = CardLink::verify(
        token,
        |id| app.config.get_by_name::<WdeChannel>(id).map(|c| &c.card_secret),
        now.unix_timestamp(),
    )
    .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    let channel = app
        .config
        .get_by_name::<WdeChannel>(&link.channel)
        .ok_or_else(|| ApiError::Forbidden("unknown channel".into()))?;
    crate::metrics::set_channel(channel.id.as_str());
    let interaction = Interaction::get(&app.store, &channel.id, link.interaction)
        .await?
        .ok_or_else(|| ApiError::NotFound("the interaction no longer exists".into()))?;
    Ok((link, channel, interaction))
}

/// The UIS channels of the tenant that can place calls for the interaction's agent.
fn dialers<'a>(
    app: &'a App,
    channel: &'a WdeChannel,
    interaction: &'a Interaction,
) -> impl Iterator<Item = &'a UisChannel> {
    app.config.all::<UisChannel>().filter(move |uis| {
        uis.tenant == channel.tenant
            && uis.call_api.is_some()
            && interaction.operator.as_deref().and_then(|op| uis.employee_of(op)).is_some()
    })
}

/// The card's call button: `channel` and `phone`, form-encoded.
#[derive(Debug, serde::Deserialize)]
struct CardCall {
    channel: String,
    phone: String,
}

/// `POST /card/{token}/calls`: the interaction's agent calls one of the card's numbers through
/// a UIS channel of the tenant. A cross-site post (by `Sec-Fetch-Site` or `Origin`) is a 403.
pub async fn place_call(app: &App, req: &Request, token: &str) -> Result<Response, ApiError> {
    same_origin(req)?;
    let (_, channel, interaction) = granted(app, token, OffsetDateTime::now_utc()).await?;
    let form: CardCall = parse_form(body(req, app.config.service.max_body_bytes)?)?;
    let uis = dialers(app, channel, &interaction)
        .find(|uis| uis.id.as_str() == form.channel)
        .ok_or_else(|| ApiError::Forbidden("this channel cannot place calls for this card's agent".into()))?;
    let contact = match &interaction.contact {
        Some(id) => Contact::get(&app.store, &channel.tenant, id).await?,
        None => None,
    };
    let wanted = PhoneNumber::parse(&form.phone, channel.default_country)
        .map_err(|e| ApiError::bad_request("invalid_field", format!("body.phone: {e}")))?;
    let shown = [contact.as_ref().and_then(|c| c.phone.as_ref()), interaction.phone.as_ref()];
    if !shown.into_iter().flatten().any(|p| *p == wanted) {
        return Err(ApiError::Forbidden("only a number the card shows can be called".into()));
    }
    let request = CallRequest {
        operator: interaction.operator.clone(),
        phone: wanted.as_str().to_owned(),
        external_id: Some(interaction.id.to_string()),
        ..CallRequest::default()
    };
    let placed = click_to_call::place(app, uis, &request).await?;
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Calling</title></head><body>\
         <p id=\"result\">Your phone rings first; when you answer, UIS calls {}.</p><p>Call {}.</p>\
         <p><a href=\"../{}\">Back to the card</a></p></body></html>",
        escape(wanted.as_str()),
        placed.call.call_session_id,
        escape(token),
    );
    let status = if placed.created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(html_response(status, html))
}

/// Refuses a request another site made the browser send.
fn same_origin(req: &Request) -> Result<(), ApiError> {
    let cross_site = || ApiError::Forbidden("a cross-site request".into());
    if let Some(site) = header_str(req, "sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return Err(cross_site());
    }
    if let Some(origin) = header_str(req, "origin") {
        let host = header_str(req, "host").unwrap_or_default();
        let origin_host = origin.split_once("://").map_or("", |(_, rest)| rest);
        if host.is_empty() || !origin_host.eq_ignore_ascii_case(host) {
            return Err(cross_site());
        }
    }
    Ok(())
}

fn html_response(status: StatusCode, html: String) -> Response {
    let mut response = Response::new(html.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // The token is in the URL: never pass it on.
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Errors as a small page the agent can read in WDE's browser.
pub fn render_error(error: &ApiError, request_id: &RequestId) -> Response {
    let message = match error {
        ApiError::Forbidden(_) => "This card link is invalid or has expired. Open the card again from WDE.".to_owned(),
        other => other.public_message(),
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Card unavailable</title></head>\
         <body><h1>Card unavailable</h1><p id=\"error\">{}</p><p>Request {}</p></body></html>",
        escape(&message),
        escape(request_id.as_str())
    );
    html_response(error.status(), html)
}
