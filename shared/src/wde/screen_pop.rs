//! The screen-pop page WDE opens when an interaction starts: the link's signature and expiry
//! checked, then the interaction, its contact or company (of the channel's tenant only), the
//! candidates of an ambiguous match and the customer's recent history read, and the card
//! rendered with a Content-Security-Policy that allows only its own script and the agent's
//! local WDE listener.
//!
//! Where no contact matched, the agent makes the link from the card: a new contact from the
//! interaction's keys ([`create_contact`]), or a customer the tenant already has, found by
//! phone, e-mail or tax id ([`link_customer`]). Both are plain form posts with the same
//! protection as the call button below, answered with a redirect back to the card.
//!
//! The card shows the interaction's activity, and the agent adds to it there what the CRM API
//! takes too: a note ([`add_note`]), the wrap-up from the channel's list ([`set_wrapup`]) and a
//! case ([`open_case`]), with the same protection and the same redirect.
//!
//! From the card, the agent can also have a UIS channel of the same tenant call one of the
//! card's numbers ([`place_call`]): the link is the credential, a cross-site post is refused,
//! and only a number the card shows can be called, by the interaction's own agent.
//!
//! Cost: one GetItem for the interaction, one per contact, company and candidate shown, one
//! Query for the customer's timeline and one for the activity (its notes, wrap-up and cases).
//! A note, a wrap-up or a case from the card: the GetItem, the activity's Query and one
//! conditional write (a wrap-up: a GetItem before it).

use http::{HeaderValue, StatusCode, header};
use time::OffsetDateTime;

use super::card::{Card, escape, render};
use super::card_link::CardLink;
use super::config::WdeChannel;
use crate::config::ChannelId;
use crate::crm::activity::{self, ActivityView};
use crate::crm::case::Case;
use crate::crm::company::Company;
use crate::crm::contact::{Contact, ContactKey, ContactKeys};
use crate::crm::history::{self, Subject};
use crate::crm::ids::{ActivityId, CompanyId, ContactId, Email, Source, TaxId};
use crate::crm::interaction::Interaction;
use crate::http::{Request, RequestId, Response, body, header_str, parse_form};
use crate::phone::PhoneNumber;
use crate::store::lookup::Match;
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
    let activity = ActivityView::read(&app.store, tenant, &activity_of(channel, &interaction)).await?;
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
        activity: activity.as_ref(),
        wrapup_codes: &channel.crm.wrapup_codes,
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

/// A post of one of the card's forms: a cross-site one is refused (403), then the link's
/// channel and interaction as [`granted`] gives them, and the form-encoded body.
async fn posted<'a, F: serde::de::DeserializeOwned>(
    app: &'a App,
    req: &Request,
    token: &str,
    now: OffsetDateTime,
) -> Result<(&'a WdeChannel, Interaction, F), ApiError> {
    same_origin(req)?;
    let (_, channel, interaction) = granted(app, token, now).await?;
    let form = parse_form(body(req, app.config.service.max_body_bytes)?)?;
    Ok((channel, interaction, form))
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
    let (channel, interaction, form): (_, _, CardCall) = posted(app, req, token, OffsetDateTime::now_utc()).await?;
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

/// The card's new-contact form, form-encoded; every field may be left empty, but a phone or
/// an e-mail address is needed unless the interaction has a messenger id.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct NewContact {
    first_name: String,
    last_name: String,
    phone: String,
    email: String,
}

/// The card's "link to an existing customer" form: a phone, an e-mail address or a company's
/// tax id, and the company's customer token where it has one.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct LinkCustomer {
    customer: String,
    customer_token: String,
}

/// The longest name the new-contact form takes.
const MAX_NAME_CHARS: usize = 100;

/// `POST /card/{token}/contacts`: creates the contact the agent typed in (first and last
/// name, phone, e-mail, and the interaction's messenger id) and links the interaction to it,
/// in one transaction; then sends the browser back to the card. The contact's id comes from
/// its keys, so a double submit creates one contact. A key another contact already holds is a
/// 409 (link to it instead); a card already linked to another contact is a 409 too.
pub async fn create_contact(app: &App, req: &Request, token: &str) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (channel, interaction, form): (_, _, NewContact) = posted(app, req, token, now).await?;
    let phone = filled(&form.phone)
        .map(|p| PhoneNumber::parse(p, channel.default_country))
        .transpose()
        .map_err(|e| ApiError::bad_request("invalid_field", format!("body.phone: {e}")))?;
    let email = filled(&form.email)
        .map(|e| Email::parse(e).ok_or_else(|| invalid("body.email", "not an e-mail address")))
        .transpose()?;
    let keys = ContactKeys { email, phone, messenger_id: interaction.messenger_id.clone() };
    let origin = format!("card:{}:{}", channel.id, interaction.id);
    let mut contact = Contact::new(&channel.tenant, keys, now, origin)
        .ok_or_else(|| ApiError::bad_request("missing_field", "body: a phone number or an e-mail address is needed"))?;
    contact.first_name = name("body.first_name", &form.first_name)?;
    contact.last_name = name("body.last_name", &form.last_name)?;
    contact.company.clone_from(&interaction.company);
    match &interaction.contact {
        Some(linked) if *linked == contact.id => return Ok(back_to_card(token, "The interaction is linked.")),
        Some(_) => return Err(ApiError::Conflict("this interaction is linked to another contact already".into())),
        None => {}
    }
    for key in contact.keys() {
        match Contact::find(&app.store, &channel.tenant, &key).await? {
            Match::None => {}
            Match::One(id) if id == contact.id => {}
            Match::One(_) => {
                return Err(ApiError::Conflict(format!(
                    "a contact with this {} exists already: link the interaction to it instead",
                    label(&key)
                )));
            }
            Match::Ambiguous(ids) => {
                return Err(ApiError::Conflict(format!(
                    "{} contacts have this {} already: link the interaction to one of them instead",
                    ids.len(),
                    label(&key)
                )));
            }
        }
    }
    let linked = Interaction::link(&app.store, &channel.id, interaction.id, Some(&contact.id), None, |linked| {
        let mut writes = contact.upsert_writes(&app.store)?;
        writes.extend(super::activity::projection(linked, channel, now).writes(&app.store, None)?);
        Ok(writes)
    })
    .await?;
    linked.ok_or_else(|| ApiError::NotFound("the interaction no longer exists".into()))?;
    Ok(back_to_card(token, "The interaction is linked."))
}

/// `POST /card/{token}/link`: links the interaction to a contact (by phone, read in the
/// channel's country, or e-mail) or a company (by tax id, with its customer token where it
/// has one) of the channel's tenant; then sends the browser back to the card. Nobody found is
/// a 404, several a 409 that says how many, a card already linked to someone else a 409.
pub async fn link_customer(app: &App, req: &Request, token: &str) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (channel, interaction, form): (_, _, LinkCustomer) = posted(app, req, token, now).await?;
    let given = filled(&form.customer)
        .ok_or_else(|| invalid("body.customer", "a phone number, an e-mail address or a tax id is needed"))?;
    let (contact, company) = match find_customer(app, channel, given, filled(&form.customer_token)).await? {
        Customer::Contact(id) => {
            if interaction.contact.as_ref().is_some_and(|linked| *linked != id) {
                return Err(ApiError::Conflict("this interaction is linked to another contact already".into()));
            }
            (Some(id), None)
        }
        Customer::Company(id) => {
            if interaction.company.as_ref().is_some_and(|linked| *linked != id) {
                return Err(ApiError::Conflict("this interaction is linked to another company already".into()));
            }
            (None, Some(id))
        }
    };
    let linked =
        Interaction::link(&app.store, &channel.id, interaction.id, contact.as_ref(), company.as_ref(), |linked| {
            super::activity::projection(linked, channel, now).writes(&app.store, None)
        })
        .await?;
    linked.ok_or_else(|| ApiError::NotFound("the interaction no longer exists".into()))?;
    Ok(back_to_card(token, "The interaction is linked."))
}

/// The interaction's activity: WDE writes it with the interaction, under this id.
fn activity_of(channel: &WdeChannel, interaction: &Interaction) -> ActivityId {
    ActivityId::new(Source::Wde, &channel.id, interaction.id)
}

/// Who writes from the card: the agent who has the interaction now (on a transfer, the one
/// who took it over), as its activity names the owner.
fn card_agent(channel: &WdeChannel, interaction: &Interaction, now: OffsetDateTime) -> String {
    super::activity::projection(interaction, channel, now).activity.owner.unwrap_or_else(|| "WDE agent".into())
}

/// The activity of the card's interaction, as the card's forms change it.
async fn card_activity(app: &App, channel: &WdeChannel, interaction: &Interaction) -> Result<ActivityView, ApiError> {
    ActivityView::read(&app.store, &channel.tenant, &activity_of(channel, interaction))
        .await?
        .ok_or_else(|| ApiError::NotFound("the interaction has no activity yet".into()))
}

/// The card's note form.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CardNote {
    text: String,
}

/// `POST /card/{token}/notes`: appends the agent's note to the interaction's activity, during
/// the interaction or after; then sends the browser back to the card.
pub async fn add_note(app: &App, req: &Request, token: &str) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (channel, interaction, form): (_, _, CardNote) = posted(app, req, token, now).await?;
    let author = card_agent(channel, &interaction, now);
    let id = activity_of(channel, &interaction);
    activity::add_note(&app.store, &channel.tenant, &id, &author, &form.text, now).await?;
    Ok(back_to_card(token, "The note is saved."))
}

/// The card's wrap-up form: a code of the channel's list and an optional text.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CardWrapup {
    code: String,
    text: String,
}

/// `POST /card/{token}/wrapup`: sets the activity's wrap-up; a code outside the channel's list
/// is a 422 that names the list.
pub async fn set_wrapup(app: &App, req: &Request, token: &str) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (channel, interaction, form): (_, _, CardWrapup) = posted(app, req, token, now).await?;
    let view = card_activity(app, channel, &interaction).await?;
    let by = card_agent(channel, &interaction, now);
    activity::set_wrapup(&app.store, &view.activity, &channel.crm, form.code.trim(), Some(&form.text), &by, now)
        .await?;
    Ok(back_to_card(token, "The wrap-up is saved."))
}

/// The card's case form: the subject, and the nonce the page put in it, so that a second
/// submit of the same form opens no second case.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
struct CardCase {
    subject: String,
    request_id: String,
}

/// `POST /card/{token}/cases`: the agent opens a case for the interaction's activity, linked to
/// its contact or company.
pub async fn open_case(app: &App, req: &Request, token: &str) -> Result<Response, ApiError> {
    let now = OffsetDateTime::now_utc();
    let (channel, interaction, form): (_, _, CardCase) = posted(app, req, token, now).await?;
    let view = card_activity(app, channel, &interaction).await?;
    let by = card_agent(channel, &interaction, now);
    Case::open_by_agent(&app.store, view.activity.origin(), &form.subject, &by, &form.request_id, now).await?;
    Ok(back_to_card(token, "The case is open."))
}

/// Whom the link form named.
enum Customer {
    Contact(ContactId),
    Company(CompanyId),
}

/// The contact or company of the channel's tenant that `given` names: an e-mail address (it
/// has an `@`), else a tax id when a company has it, else a phone number.
async fn find_customer(
    app: &App,
    channel: &WdeChannel,
    given: &str,
    customer_token: Option<&str>,
) -> Result<Customer, ApiError> {
    let tenant = &channel.tenant;
    let contact_by = async |key: ContactKey| match Contact::find(&app.store, tenant, &key).await? {
        Match::One(id) => Ok(Customer::Contact(id)),
        Match::None => Err(ApiError::NotFound(format!("no contact has this {}", label(&key)))),
        Match::Ambiguous(ids) => Err(ApiError::Conflict(format!(
            "{} contacts have this {}: link by another of the customer's keys",
            ids.len(),
            label(&key)
        ))),
    };
    if given.contains('@') {
        let email = Email::parse(given).ok_or_else(|| invalid("body.customer", "not an e-mail address"))?;
        return contact_by(ContactKey::Email(email)).await;
    }
    let tax_id = if given.starts_with('+') { None } else { TaxId::parse(given) };
    if let Some(tax_id) = &tax_id {
        match Company::find(&app.store, tenant, tax_id, customer_token).await? {
            Match::One(id) => return Ok(Customer::Company(id)),
            Match::Ambiguous(ids) => {
                return Err(ApiError::Conflict(format!(
                    "{} companies have this tax id: add the customer token of the one you mean",
                    ids.len()
                )));
            }
            // Digits only: a phone number, perhaps.
            Match::None => {}
        }
    }
    match PhoneNumber::parse(given, channel.default_country) {
        Ok(phone) => contact_by(ContactKey::Phone(phone)).await,
        Err(_) if tax_id.is_some() => {
            Err(ApiError::NotFound("no company has this tax id (with this customer token)".into()))
        }
        Err(e) => {
            Err(invalid("body.customer", &format!("neither an e-mail address, a tax id nor a phone number: {e}")))
        }
    }
}

/// A key as the agent reads it in a message.
fn label(key: &ContactKey) -> &'static str {
    match key {
        ContactKey::Email(_) => "e-mail address",
        ContactKey::Phone(_) => "phone number",
        ContactKey::Messenger(_) => "messenger id",
    }
}

/// A form value, trimmed; `None` when left empty.
fn filled(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|v| !v.is_empty())
}

/// A name the agent typed: trimmed, at most [`MAX_NAME_CHARS`], no control characters.
fn name(field: &str, value: &str) -> Result<Option<String>, ApiError> {
    let Some(value) = filled(value) else { return Ok(None) };
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(invalid(field, &format!("longer than {MAX_NAME_CHARS} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(field, "holds control characters"));
    }
    Ok(Some(value.to_owned()))
}

fn invalid(field: &str, why: &str) -> ApiError {
    ApiError::bad_request("invalid_field", format!("{field}: {why}"))
}

/// `303 See Other` to the card the form was on (the path is relative, so it holds behind any
/// base URL): the browser reloads it and shows what changed; `done` says it where the browser
/// stops on the answer instead.
fn back_to_card(token: &str, done: &str) -> Response {
    let card = format!("../{token}");
    let html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Saved</title></head><body>\
         <p id=\"result\">{}</p><p><a href=\"{}\">Back to the card</a></p></body></html>",
        escape(done),
        escape(&card)
    );
    let mut response = html_response(StatusCode::SEE_OTHER, html);
    if let Ok(location) = HeaderValue::from_str(&card) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

/// Refuses a request another site made the browser send. A browser's `Sec-Fetch-Site` says
/// it outright and is what decides: the card's own posts carry `Origin: null`, since the card
/// is served with `Referrer-Policy: no-referrer`. Without it (an older browser), the `Origin`
/// must be the host's; a request with neither is no browser's cross-site request.
fn same_origin(req: &Request) -> Result<(), ApiError> {
    let cross_site = || ApiError::Forbidden("a cross-site request".into());
    if let Some(site) = header_str(req, "sec-fetch-site") {
        return if matches!(site, "same-origin" | "none") { Ok(()) } else { Err(cross_site()) };
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
