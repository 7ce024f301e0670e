//! The screen-pop card: one server-rendered HTML page about the customer of an interaction,
//! readable without JavaScript. Every value is escaped; phone and e-mail links go to the
//! agent's local WDE listener (`CLICKTODIAL`, `CLICKTOMAIL`), and a small script adds the
//! listener's `Token-Api` header when the channel has one. That token has to be in the page:
//! the agent's browser is what calls the listener on `localhost`, and WDE checks the header.
//! It only opens the listener on the agent's own machine, and the page that carries it is
//! behind a signed, expiring link, never cached (`no-store`) nor passed on (`no-referrer`). Where a UIS channel of the tenant
//! places calls for the agent, the phone number also has a button that asks UIS to ring the
//! agent's phone first (a form posted to the card's own `calls`, sent by the script in place).
//!
//! The interaction's activity is on the card with its notes, wrap-up and cases, and a form for
//! each (plain forms posted to the card's own `notes`, `wrapup` and `cases`).
//!
//! Where no contact matched, the card offers a form that creates one, prefilled with the
//! interaction's phone and e-mail, and one that links the interaction to a customer the tenant
//! already has (by phone, e-mail or tax id): plain forms, posted to the card's own `contacts`
//! and `link`, which need no script.

use std::fmt::Write;

use secrecy::{ExposeSecret, SecretString};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::config::common::ChannelId;
use crate::crm::activity::ActivityView;
use crate::crm::company::Company;
use crate::crm::config::WrapupCode;
use crate::crm::contact::Contact;
use crate::crm::history::TimelineEntry;
use crate::crm::interaction::Interaction;

/// The agent's local WDE listener, from the channel's configuration.
#[derive(Debug, Clone, Copy)]
pub struct Listener<'a> {
    pub port: u16,
    pub token: Option<&'a SecretString>,
    pub service_value_phone: Option<&'a str>,
    pub service_value_email: Option<&'a str>,
}

impl Listener<'_> {
    /// The origin the card's script may call (for the Content-Security-Policy).
    pub fn origin(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// `CLICKTODIAL?dialednumber=…&crmsourceid=…[&servicevalue=…]`, values URL-encoded (a `+`
    /// arrives as `+`, unlike YetiForce's unencoded links).
    pub fn dial_url(&self, phone: &str, record: Option<&str>) -> String {
        let mut query = vec![("dialednumber", phone)];
        query.extend(record.map(|r| ("crmsourceid", r)));
        query.extend(self.service_value_phone.map(|v| ("servicevalue", v)));
        format!("{}/CLICKTODIAL?{}", self.origin(), serde_urlencoded::to_string(query).unwrap_or_default())
    }

    /// `CLICKTOMAIL?customeremail=…[&crmsourceid=…][&servicevalue=…]`.
    pub fn mail_url(&self, email: &str, record: Option<&str>) -> String {
        let mut query = vec![("customeremail", email)];
        query.extend(record.map(|r| ("crmsourceid", r)));
        query.extend(self.service_value_email.map(|v| ("servicevalue", v)));
        format!("{}/CLICKTOMAIL?{}", self.origin(), serde_urlencoded::to_string(query).unwrap_or_default())
    }
}

/// Everything the card shows.
#[derive(Debug)]
pub struct Card<'a> {
    pub interaction: &'a Interaction,
    pub contact: Option<&'a Contact>,
    pub company: Option<&'a Company>,
    /// Contacts an ambiguous key matched, for the agent to choose from.
    pub candidates: &'a [Contact],
    pub history: &'a [TimelineEntry],
    /// The interaction's activity with the agents' notes, wrap-up and cases.
    pub activity: Option<&'a ActivityView>,
    /// The wrap-up codes the channel accepts.
    pub wrapup_codes: &'a [WrapupCode],
    pub listener: Listener<'a>,
    /// The UIS channels that can place a call for the interaction's agent.
    pub uis_dialers: &'a [&'a ChannelId],
    /// The card's own token, for the call buttons' form action.
    pub token: &'a str,
    pub expires_at: OffsetDateTime,
    /// Nonce of the one inline script, also in the Content-Security-Policy.
    pub nonce: &'a str,
}

/// Escapes text for HTML content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn when(at: Option<OffsetDateTime>) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    at.and_then(|t| t.to_offset(time::UtcOffset::UTC).format(format).ok()).unwrap_or_else(|| "-".into())
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5rem;color:#1d2733;background:#f6f8fa}\
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.05rem;margin:1.4rem 0 .4rem;color:#35506b}h3{font-size:.95rem;margin:.8rem 0 .3rem}\
section{background:#fff;border:1px solid #d5dde5;border-radius:6px;padding:.8rem 1rem;margin-bottom:1rem}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.25rem .5rem;border-bottom:1px solid #e4e9ee}\
.meta{color:#5b6b7b}.warn{background:#fff4d6;border-color:#e0b94f}.accepted{color:#1b7a36;font-weight:600}\
.withdrawn{color:#b3261e;font-weight:600}a.wde{font-weight:600}#wde-status{color:#35506b}";

/// The listener links call WDE with its `Token-Api` header and show WDE's description; without
/// JavaScript (or without a token) they stay plain links.
/// A UIS call button posts its form in place and shows the answer's message.
const SCRIPT: &str = "document.addEventListener('click',function(e){var a=e.target.closest('a.wde');\
var t=document.body.dataset.wdeToken;if(!a||!t)return;e.preventDefault();\
var s=document.getElementById('wde-status');fetch(a.href,{headers:{'Token-Api':t}})\
.then(function(r){return r.json()}).then(function(j){s.textContent=(j.data&&j.data.description)||''})\
.catch(function(){s.textContent='WDE did not answer'})});\
document.addEventListener('submit',function(e){var f=e.target.closest('form.uis-call');if(!f)return;\
e.preventDefault();var s=document.getElementById('wde-status');\
fetch(f.action,{method:'POST',body:new URLSearchParams(new FormData(f))}).then(function(r){return r.text()})\
.then(function(t){var d=new DOMParser().parseFromString(t,'text/html');\
var m=d.getElementById('result')||d.getElementById('error');s.textContent=m?m.textContent:''})\
.catch(function(){s.textContent='The call could not be placed'})});";

/// The page.
pub fn render(card: &Card<'_>) -> String {
    let i = card.interaction;
    let record = card.contact.map(|c| c.id.to_string());
    let record = record.as_deref();
    let mut html = String::new();
    let token_attr =
        card.listener.token.map(|t| format!(" data-wde-token=\"{}\"", escape(t.expose_secret()))).unwrap_or_default();
    let title = card
        .contact
        .map(Contact::display_name)
        .or_else(|| card.company.map(|c| c.name.clone()))
        .unwrap_or_else(|| "Unknown customer".into());
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <meta name=\"viewport\" content=\"width=device-width\"><style>{STYLE}</style></head><body{token_attr}>\
         <header><h1 id=\"customer\">{t}</h1><p class=\"meta\" id=\"interaction\">{media} · {call_type} · queue {queue} · \
         started {started} · interaction {id}</p></header>",
        t = escape(&title),
        media = escape(&i.media_type),
        call_type = escape(&i.call_type),
        queue = escape(i.queue_name.as_deref().unwrap_or("-")),
        started = when(i.started_at),
        id = i.id,
    );
    render_subject(&mut html, card, record);
    render_ambiguities(&mut html, card);
    render_no_match(&mut html, card);
    render_activity(&mut html, card);
    render_consents(&mut html, card);
    render_history(&mut html, card);
    let _ = write!(
        html,
        "<p id=\"wde-status\" role=\"status\"></p><footer class=\"meta\">This link is valid until {}.</footer>\
         <script nonce=\"{}\">{SCRIPT}</script></body></html>",
        when(Some(card.expires_at)),
        escape(card.nonce),
    );
    html
}

fn render_subject(html: &mut String, card: &Card<'_>, record: Option<&str>) {
    let i = card.interaction;
    let listener = card.listener;
    let phone = card.contact.and_then(|c| c.phone.as_ref()).or(i.phone.as_ref());
    let email = card.contact.and_then(|c| c.email.as_ref()).or(i.email.as_ref());
    html.push_str("<section id=\"contact\"><h2>Contact</h2><table>");
    match card.contact {
        Some(c) => {
            let _ = write!(html, "<tr><th>Name</th><td>{}</td></tr>", escape(&c.display_name()));
        }
        None => html.push_str("<tr><th>Name</th><td>No contact matched this interaction</td></tr>"),
    }
    if let Some(phone) = phone {
        let _ = write!(
            html,
            "<tr><th>Phone</th><td><a class=\"wde\" id=\"dial\" href=\"{}\">{}</a></td></tr>",
            escape(&listener.dial_url(phone.as_str(), record)),
            escape(phone.as_str())
        );
        for channel in card.uis_dialers {
            let _ = write!(
                html,
                "<tr><th></th><td><form class=\"uis-call\" method=\"post\" action=\"{token}/calls\">\
                 <input type=\"hidden\" name=\"channel\" value=\"{channel}\"><input type=\"hidden\" name=\"phone\" \
                 value=\"{phone}\"><button type=\"submit\">Call through UIS ({channel})</button></form></td></tr>",
                token = escape(card.token),
                channel = escape(channel.as_str()),
                phone = escape(phone.as_str()),
            );
        }
    }
    if let Some(email) = email {
        let _ = write!(
            html,
            "<tr><th>E-mail</th><td><a class=\"wde\" id=\"mail\" href=\"{}\">{}</a></td></tr>",
            escape(&listener.mail_url(email.as_str(), record)),
            escape(email.as_str())
        );
    }
    if let Some(m) = card.contact.and_then(|c| c.messenger_id.as_ref()).or(i.messenger_id.as_ref()) {
        let _ = write!(html, "<tr><th>Messenger</th><td>{}</td></tr>", escape(m.as_str()));
    }
    if let Some(company) = card.company {
        let _ = write!(
            html,
            "<tr><th>Company</th><td id=\"company\">{} (tax id {})</td></tr>",
            escape(&company.name),
            escape(company.tax_id.as_str())
        );
    }
    html.push_str("</table></section>");
}

fn render_ambiguities(html: &mut String, card: &Card<'_>) {
    if card.interaction.ambiguities.is_empty() {
        return;
    }
    html.push_str("<section class=\"warn\" id=\"ambiguous\"><h2>Several matches, none chosen</h2><ul>");
    for a in &card.interaction.ambiguities {
        let names: Vec<String> = a
            .candidates
            .iter()
            .map(|id| {
                card.candidates
                    .iter()
                    .find(|c| c.id.as_str() == id)
                    .map_or_else(|| escape(id), |c| format!("{} ({})", escape(&c.display_name()), escape(id)))
            })
            .collect();
        let _ =
            write!(html, "<li>{} records share this {}: {}</li>", a.candidates.len(), escape(&a.key), names.join(", "));
    }
    html.push_str("</ul></section>");
}

/// Where no contact is linked: a form creating one from the interaction's phone and e-mail
/// (left out when a contact key was ambiguous: a new record would only add a candidate), and
/// one linking the interaction to a customer the tenant already has. Plain forms posted to the
/// card's own `contacts` and `link`; the answer brings the browser back to the card.
fn render_no_match(html: &mut String, card: &Card<'_>) {
    use crate::crm::ids::Email;
    use crate::crm::interaction::COMPANY_KEY;
    use crate::phone::PhoneNumber;

    let i = card.interaction;
    if i.contact.is_some() {
        return;
    }
    let token = escape(card.token);
    if !i.ambiguities.iter().any(|a| a.key != COMPANY_KEY) {
        let _ = write!(
            html,
            "<section id=\"new-contact\"><h2>New contact</h2><form method=\"post\" action=\"{token}/contacts\"><table>\
             <tr><th><label for=\"nc-first\">First name</label></th><td><input id=\"nc-first\" name=\"first_name\" \
             maxlength=\"100\" autocomplete=\"off\"></td></tr>\
             <tr><th><label for=\"nc-last\">Last name</label></th><td><input id=\"nc-last\" name=\"last_name\" \
             maxlength=\"100\" autocomplete=\"off\"></td></tr>\
             <tr><th><label for=\"nc-phone\">Phone</label></th><td><input id=\"nc-phone\" name=\"phone\" type=\"tel\" \
             value=\"{phone}\" autocomplete=\"off\"></td></tr>\
             <tr><th><label for=\"nc-email\">E-mail</label></th><td><input id=\"nc-email\" name=\"email\" type=\"email\" \
             value=\"{email}\" autocomplete=\"off\"></td></tr>",
            phone = escape(i.phone.as_ref().map_or("", PhoneNumber::as_str)),
            email = escape(i.email.as_ref().map_or("", Email::as_str)),
        );
        if let Some(m) = &i.messenger_id {
            let _ = write!(html, "<tr><th>Messenger</th><td>{} (kept with the contact)</td></tr>", escape(m.as_str()));
        }
        html.push_str("</table><button type=\"submit\" id=\"nc-submit\">Create the contact</button></form></section>");
    }
    let _ = write!(
        html,
        "<section id=\"link-customer\"><h2>Link to an existing customer</h2><form method=\"post\" action=\"{token}/link\">\
         <table><tr><th><label for=\"lc-customer\">Phone, e-mail or tax id</label></th><td><input id=\"lc-customer\" \
         name=\"customer\" required maxlength=\"254\" autocomplete=\"off\"></td></tr>\
         <tr><th><label for=\"lc-token\">Customer token</label></th><td><input id=\"lc-token\" name=\"customer_token\" \
         autocomplete=\"off\"> <span class=\"meta\">only for a company that has one</span></td></tr></table>\
         <button type=\"submit\" id=\"lc-submit\">Link</button></form></section>"
    );
}

/// The interaction's activity: its notes, wrap-up and cases, each with the form that adds to
/// it (plain forms posted to the card's own `notes`, `wrapup` and `cases`). The case form
/// carries the page's nonce, so submitting it twice opens one case.
fn render_activity(html: &mut String, card: &Card<'_>) {
    let Some(view) = card.activity else { return };
    let token = escape(card.token);
    let _ = write!(
        html,
        "<section id=\"activity\"><h2>This interaction</h2><p class=\"meta\">{subject} · owner {owner}</p>\
         <h3>Notes</h3><ul id=\"notes\">",
        subject = escape(&view.activity.subject),
        owner = escape(view.activity.owner.as_deref().unwrap_or("-")),
    );
    for note in &view.notes {
        let _ = write!(
            html,
            "<li class=\"note\"><span class=\"meta\">{} · {}</span> {}</li>",
            when(Some(note.at)),
            escape(&note.author),
            escape(&note.text)
        );
    }
    let _ = write!(
        html,
        "</ul><form method=\"post\" action=\"{token}/notes\"><textarea id=\"note-text\" name=\"text\" required \
         maxlength=\"{max}\" rows=\"2\" cols=\"60\"></textarea> <button type=\"submit\" id=\"note-submit\">Add the note</button></form>",
        max = crate::crm::activity::MAX_NOTE_CHARS,
    );
    html.push_str("<h3>Wrap-up</h3><p id=\"wrapup\">");
    match &view.wrapup {
        Some(w) => {
            let _ = write!(
                html,
                "<span class=\"code\">{}</span> {}{} <span class=\"meta\">({}, {})</span>",
                escape(&w.code),
                escape(&w.label),
                w.text.as_deref().map(|t| format!(" — {}", escape(t))).unwrap_or_default(),
                escape(&w.by),
                when(Some(w.at)),
            );
        }
        None => html.push_str("<span class=\"meta\">None yet.</span>"),
    }
    html.push_str("</p>");
    if card.wrapup_codes.is_empty() {
        html.push_str("<p class=\"meta\">The channel has no wrap-up codes.</p>");
    } else {
        let _ = write!(
            html,
            "<form method=\"post\" action=\"{token}/wrapup\"><select id=\"wu-code\" name=\"code\" required>"
        );
        for c in card.wrapup_codes {
            let selected = view.wrapup.as_ref().is_some_and(|w| w.code == c.code);
            let _ = write!(
                html,
                "<option value=\"{}\"{}>{}</option>",
                escape(&c.code),
                if selected { " selected" } else { "" },
                escape(&c.label)
            );
        }
        let _ = write!(
            html,
            "</select> <input id=\"wu-text\" name=\"text\" maxlength=\"{max}\" placeholder=\"comment\" autocomplete=\"off\"> \
             <button type=\"submit\" id=\"wu-submit\">Save the wrap-up</button></form>",
            max = crate::crm::activity::MAX_WRAPUP_TEXT_CHARS,
        );
    }
    html.push_str("<h3>Cases</h3><ul id=\"cases\">");
    for case in &view.cases {
        let _ = write!(
            html,
            "<li class=\"case\">{} <span class=\"status\">{}</span> <span class=\"meta\">opened {}</span></li>",
            escape(&case.subject),
            case.status.as_str(),
            when(Some(case.opened_at)),
        );
    }
    let _ = write!(
        html,
        "</ul><form method=\"post\" action=\"{token}/cases\"><input type=\"hidden\" name=\"request_id\" value=\"{nonce}\">\
         <input id=\"case-subject\" name=\"subject\" required maxlength=\"{max}\" value=\"{subject}\" autocomplete=\"off\"> \
         <button type=\"submit\" id=\"case-submit\">Open a case</button></form></section>",
        nonce = escape(card.nonce),
        max = crate::crm::case::MAX_SUBJECT_CHARS,
        subject = escape(&view.activity.subject),
    );
}

fn render_consents(html: &mut String, card: &Card<'_>) {
    html.push_str("<section id=\"consents\"><h2>Consents</h2>");
    match card.contact.filter(|c| !c.consents.is_empty()) {
        None => html.push_str("<p class=\"meta\">No consent recorded.</p>"),
        Some(c) => {
            html.push_str("<table><tr><th>Consent</th><th>State</th><th>Since</th><th>Interaction</th></tr>");
            for (name, state) in &c.consents {
                let _ = write!(
                    html,
                    "<tr><td>{}</td><td class=\"{label}\">{label}</td><td>{}</td><td>{}</td></tr>",
                    escape(name),
                    when(Some(state.at)),
                    state.interaction,
                    label = state.decision.label(),
                );
            }
            html.push_str("</table>");
        }
    }
    html.push_str("</section>");
}

fn render_history(html: &mut String, card: &Card<'_>) {
    html.push_str("<section id=\"history\"><h2>Timeline</h2>");
    if card.history.is_empty() {
        html.push_str("<p class=\"meta\">None yet.</p></section>");
        return;
    }
    html.push_str(
        "<table><tr><th>When</th><th>What</th><th>Subject</th><th>Queue</th><th>Owner</th><th>Outcome</th><th>Duration</th></tr>",
    );
    for entry in card.history {
        match entry {
            TimelineEntry::Activity(a) => {
                let _ = write!(
                    html,
                    "<tr class=\"activity\"><td>{}</td><td>{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    when(a.started_at),
                    escape(a.source_label()),
                    escape(&a.media),
                    escape(&a.subject),
                    escape(a.queue.as_deref().unwrap_or("-")),
                    escape(a.owner.as_deref().unwrap_or("-")),
                    escape(a.provider_wrapup.as_deref().or(a.outcome.as_deref()).unwrap_or("-")),
                    a.duration_seconds.map_or_else(|| "-".into(), |s| format!("{s} s")),
                );
            }
            TimelineEntry::Case(c) => {
                let _ = write!(
                    html,
                    "<tr class=\"case\"><td>{}</td><td>Case</td><td>{}</td><td>-</td><td>-</td><td>{}</td><td>-</td></tr>",
                    when(Some(c.opened_at)),
                    escape(&c.subject),
                    c.status.as_str(),
                );
            }
        }
    }
    html.push_str("</table></section>");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A voice call from a number no contact holds (from JSON, so fields added later with a
    /// default need no change here).
    fn unknown_caller() -> Interaction {
        serde_json::from_value(serde_json::json!({
            "id": crate::crm::ids::InteractionId::derive("wde-demo", "nm1"), "channel": "wde-demo",
            "tenant": "default", "genesys_id": "nm1", "campaign": false, "media_type": "voice in",
            "call_type": "Incoming", "operator": "ivanova", "phone": "+48600100200", "email": "o&b@example.pl",
            "started_at": null,
        }))
        .expect("an interaction")
    }

    fn card_of(interaction: &Interaction, token: &str) -> String {
        card_with(interaction, token, None, &[])
    }

    fn card_with(
        interaction: &Interaction,
        token: &str,
        activity: Option<&ActivityView>,
        wrapup_codes: &[WrapupCode],
    ) -> String {
        let listener = Listener { port: 6999, token: None, service_value_phone: None, service_value_email: None };
        render(&Card {
            interaction,
            contact: None,
            company: None,
            candidates: &[],
            history: &[],
            activity,
            wrapup_codes,
            listener,
            uis_dialers: &[],
            token,
            expires_at: OffsetDateTime::UNIX_EPOCH,
            nonce: "n",
        })
    }

    #[test]
    fn an_unknown_customer_gets_the_new_contact_form_prefilled_and_escaped() {
        let html = card_of(&unknown_caller(), "tok\"en");
        assert!(html.contains(r#"<section id="new-contact">"#), "{html}");
        assert!(html.contains(r#"<form method="post" action="tok&quot;en/contacts">"#), "{html}");
        assert!(html.contains(r#"name="phone" type="tel" value="+48600100200""#), "{html}");
        assert!(html.contains(r#"name="email" type="email" value="o&amp;b@example.pl""#), "{html}");
        assert!(!html.contains("o&b@"), "{html}");
        assert!(html.contains(r#"name="first_name""#) && html.contains(r#"name="last_name""#), "{html}");
        assert!(html.contains(r#"<form method="post" action="tok&quot;en/link">"#), "{html}");
        assert!(html.contains(r#"name="customer" required"#) && html.contains(r#"name="customer_token""#), "{html}");
    }

    #[test]
    fn a_messenger_customer_keeps_the_messenger_id_and_an_ambiguous_one_gets_no_new_record() {
        let mut messenger = unknown_caller();
        (messenger.phone, messenger.email) = (None, None);
        messenger.messenger_id = crate::crm::ids::MessengerId::parse("4187643884658211");
        let html = card_of(&messenger, "t");
        assert!(html.contains(r#"name="phone" type="tel" value="""#), "{html}");
        assert!(html.contains("<td>4187643884658211 (kept with the contact)</td>"), "{html}");

        let mut ambiguous = unknown_caller();
        ambiguous.ambiguities.push(crate::crm::interaction::Ambiguity {
            key: "phone".into(),
            candidates: vec!["c1".into(), "c2".into()],
        });
        let html = card_of(&ambiguous, "t");
        assert!(!html.contains("new-contact") && html.contains(r#"<section id="link-customer">"#), "{html}");
        // A shared tax id leaves the contact side open.
        ambiguous.ambiguities[0].key = "tax_id".into();
        assert!(card_of(&ambiguous, "t").contains(r#"<section id="new-contact">"#));
    }

    #[test]
    fn a_linked_interaction_shows_no_forms() {
        let mut linked = unknown_caller();
        linked.contact = crate::crm::ids::ContactId::parse("c0123456789abcdef0123");
        let html = card_of(&linked, "t");
        assert!(!html.contains("new-contact") && !html.contains("link-customer"), "{html}");
    }

    #[test]
    fn the_activity_shows_what_agents_added_with_a_form_for_each() {
        use crate::crm::activity::{Activity, Note, Wrapup};
        let activity: Activity = serde_json::from_value(serde_json::json!({
            "tenant": "default", "id": "wde:wde-demo:1", "channel": "wde-demo", "source": "wde",
            "media": "voice", "subject": "Call <from> 600", "owner": "ivanova",
        }))
        .expect("an activity");
        let at = OffsetDateTime::UNIX_EPOCH;
        let (tenant, id) = (activity.tenant.clone(), activity.id.clone());
        let note = Note {
            tenant: tenant.clone(),
            activity: id.clone(),
            id: "n1".into(),
            author: "ivanova".into(),
            text: "<b>late</b> & angry".into(),
            at,
        };
        let wrapup = Wrapup {
            tenant,
            activity: id,
            code: "resolved".into(),
            label: "Resolved".into(),
            text: Some("ok".into()),
            by: "ivanova".into(),
            at,
        };
        let view = ActivityView { activity, notes: vec![note], wrapup: Some(wrapup), cases: Vec::new() };
        let codes = [
            WrapupCode { code: "callback".into(), label: "Call back".into() },
            WrapupCode { code: "resolved".into(), label: "Resolved".into() },
        ];
        let html = card_with(&unknown_caller(), "t", Some(&view), &codes);
        assert!(html.contains("&lt;b&gt;late&lt;/b&gt; &amp; angry") && !html.contains("<b>late"), "{html}");
        assert!(html.contains(r#"<form method="post" action="t/notes">"#), "{html}");
        assert!(html.contains(r#"<option value="resolved" selected>Resolved</option>"#), "{html}");
        assert!(html.contains(r#"<option value="callback">Call back</option>"#), "{html}");
        assert!(html.contains(r#"<input type="hidden" name="request_id" value="n">"#), "{html}");
        assert!(html.contains(r#"value="Call &lt;from&gt; 600""#), "{html}");

        let html = card_with(&unknown_caller(), "t", Some(&view), &[]);
        assert!(html.contains("The channel has no wrap-up codes.") && !html.contains("t/wrapup"), "{html}");
        assert!(!card_of(&unknown_caller(), "t").contains(r#"id="activity""#));
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(
            escape(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn listener_links_encode_their_values() {
        let listener =
            Listener { port: 6999, token: None, service_value_phone: Some("+48221234567"), service_value_email: None };
        assert_eq!(
            listener.dial_url("+48884998123", Some("c1")),
            "http://localhost:6999/CLICKTODIAL?dialednumber=%2B48884998123&crmsourceid=c1&servicevalue=%2B48221234567"
        );
        assert_eq!(listener.mail_url("a@b.pl", None), "http://localhost:6999/CLICKTOMAIL?customeremail=a%40b.pl");
    }
}
