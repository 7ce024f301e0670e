//! The screen-pop page WDE opens when an interaction starts: the link's signature and expiry
//! checked, then the interaction, its contact or company (of the channel's tenant only), the
//! candidates of an ambiguous match and the customer's recent history read, and the card
//! rendered with a Content-Security-Policy that allows only its own script and the agent's
//! local WDE listener.
//!
//! Cost: one GetItem for the interaction, one per contact, company and candidate shown, one
//! Query for the WDE history and one per UIS channel of the tenant.

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
use crate::http::{RequestId, Response};
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
    let tenant = &channel.tenant;
    let interaction = Interaction::get(&app.store, &channel.id, link.interaction)
        .await?
        .ok_or_else(|| ApiError::NotFound("the interaction no longer exists".into()))?;
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
        Some(subject) => {
            let uis_channels: Vec<&ChannelId> =
                app.config.all::<UisChannel>().filter(|c| c.tenant == *tenant).map(|c| &c.id).collect();
            history::recent(&app.store, tenant, subject, uis_channels, HISTORY_LIMIT).await?
        }
        None => Vec::new(),
    };
    let listener = channel.listener();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let expires_at = OffsetDateTime::from_unix_timestamp(link.expires_at).unwrap_or(now);
    let html = render(&Card {
        interaction: &interaction,
        contact: contact.as_ref(),
        company: company.as_ref(),
        candidates: &candidates,
        history: &history,
        listener,
        expires_at,
        nonce: &nonce,
    });
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; connect-src {}; \
         base-uri 'none'; form-action 'none'",
        listener.origin()
    );
    let mut response = html_response(StatusCode::OK, html);
    if let Ok(value) = HeaderValue::from_str(&csp) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
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
