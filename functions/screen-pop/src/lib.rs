//! `GET /card/{token}`: the card WDE opens when an interaction starts. The token is the
//! signed, expiring link the webservice returned; a tampered or expired one gets 403.
//! The page shows the contact or company, their current consents and recent history, with
//! phone and e-mail links to the agent's local WDE listener.

use std::sync::Arc;

use ccbridge::config::{Channel, WdeChannel};
use ccbridge::http::{Request, RequestId, Response, path_param};
use ccbridge::store::history::{self, Subject};
use ccbridge::store::{companies, crm_contacts, interactions};
use ccbridge::wde::card::{self, Card, Listener};
use ccbridge::wde::card_link::CardLink;
use ccbridge::{ApiError, App, HttpFunction, Route};
use http::{HeaderValue, StatusCode, header};
use time::OffsetDateTime;

pub const FUNCTION: HttpFunction = HttpFunction {
    name: "screen-pop",
    routes: &[Route::get("/card/{token}")],
    handler: |app, req| Box::pin(handle(app, req)),
    render_error,
};

/// How many history entries the card lists.
const HISTORY_LIMIT: i32 = 10;
/// How many candidates of an ambiguous match are named.
const MAX_CANDIDATES: usize = 5;

fn wde_channel<'a>(app: &'a App, id: &str) -> Option<&'a WdeChannel> {
    app.config.channels.iter().find_map(|c| match c {
        Channel::Wde(wde) if wde.id.as_str() == id => Some(wde),
        _ => None,
    })
}

async fn handle(app: Arc<App>, req: Request) -> Result<Response, ApiError> {
    let token = path_param(&req, "token")?;
    let now = OffsetDateTime::now_utc();
    let link = CardLink::verify(token, |id| wde_channel(&app, id).map(|c| &c.card_secret), now.unix_timestamp())
        .map_err(|e| ApiError::Forbidden(e.to_string()))?;
    let channel = wde_channel(&app, &link.channel).ok_or_else(|| ApiError::Forbidden("unknown channel".into()))?;
    let interaction = interactions::get(&app.store, channel.id.as_str(), link.interaction)
        .await?
        .ok_or_else(|| ApiError::NotFound("the interaction no longer exists".into()))?;
    let contact = match &interaction.contact {
        Some(id) => crm_contacts::get(&app.store, id).await?,
        None => None,
    };
    let company_id = interaction.company.clone().or_else(|| contact.as_ref().and_then(|c| c.company.clone()));
    let company = match &company_id {
        Some(id) => companies::get(&app.store, id).await?,
        None => None,
    };
    let mut candidates = Vec::new();
    for id in interaction.ambiguities.iter().flat_map(|a| &a.candidates).take(MAX_CANDIDATES) {
        if let Some(id) = crm_contacts::ContactId::parse(id)
            && let Some(c) = crm_contacts::get(&app.store, &id).await?
        {
            candidates.push(c);
        }
    }
    let subject = match (&interaction.contact, &company_id) {
        (Some(contact), _) => Some(Subject::Contact(contact)),
        (None, Some(company)) => Some(Subject::Company(company)),
        (None, None) => None,
    };
    let mut history = match subject {
        Some(subject) => history::recent(&app.store, subject, HISTORY_LIMIT).await?,
        None => Vec::new(),
    };
    if let Some(phone) = contact.as_ref().and_then(|c| c.phone.as_ref()) {
        history.extend(history::uis_calls(&app.store, &app.config, phone, HISTORY_LIMIT).await?);
        history::newest_first(&mut history, HISTORY_LIMIT as usize);
    }
    let listener = Listener {
        port: channel.listener_port,
        token: channel.listener_token.as_ref(),
        service_value_phone: channel.service_value_phone.as_deref(),
        service_value_email: channel.service_value_email.as_deref(),
    };
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let expires_at = OffsetDateTime::from_unix_timestamp(link.expires_at).unwrap_or(now);
    let html = card::render(&Card {
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
fn render_error(error: &ApiError, request_id: &RequestId) -> Response {
    let message = match error {
        ApiError::Forbidden(_) => "This card link is invalid or has expired. Open the card again from WDE.".to_owned(),
        other => other.public_message(),
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Card unavailable</title></head>\
         <body><h1>Card unavailable</h1><p id=\"error\">{}</p><p>Request {}</p></body></html>",
        card::escape(&message),
        card::escape(request_id.as_str())
    );
    html_response(error.status(), html)
}
