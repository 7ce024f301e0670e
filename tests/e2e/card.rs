//! The screen-pop card where no contact matched, over HTTP and in a real browser, on every
//! backend: the new-contact form prefilled from the interaction, its post creating one contact
//! however often it is sent, linking to an existing contact or company, and the refusals
//! (cross-site posts, bad links, bad input, ambiguous or unknown customers).

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use ccbridge::config::{ChannelId, TenantId};
use ccbridge::crm::company::Company;
use ccbridge::crm::contact::{Contact, ContactKey};
use ccbridge::crm::ids::{CompanyId, ContactId, Email, InteractionId, TaxId};
use ccbridge::crm::interaction::Interaction;
use ccbridge::phone::{Country, PhoneNumber};
use ccbridge::store::keys;
use ccbridge::store::lookup::Match;
use ccbridge_tests::browser::Browser;
use ccbridge_tests::{TestStack, backends, on_each_backend};
use serde_json::{Value, json};

const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";
const CHANNEL: &str = "wde-demo";

fn tenant() -> TenantId {
    TenantId::default()
}

fn pl() -> Country {
    Country::parse("PL").expect("PL")
}

/// Registers a voice interaction (this channel creates no contacts for voice) and returns its
/// card's URL.
async fn register(stack: &TestStack, genesys_id: &str, customer: Value) -> String {
    let mut body = json!({"GenesysIDInteraction": genesys_id, "MediaType": "voice in", "AgentID": "agent01",
        "InteractionStartDateTime": "2026-11-21T10:00:00Z"});
    if let (Some(body), Value::Object(customer)) = (body.as_object_mut(), customer) {
        body.extend(customer);
    }
    let response =
        stack.http.post(stack.url("/wde/registerInteraction")).header("x-api-key", WDE_KEY).json(&body).send().await;
    let answer: Value = response.expect("registerInteraction").json().await.expect("JSON");
    answer["url"].as_str().unwrap_or_else(|| panic!("a card link: {answer}")).to_owned()
}

async fn interaction(stack: &TestStack, genesys_id: &str) -> Interaction {
    let channel = ChannelId::try_from(CHANNEL.to_string()).expect("channel");
    Interaction::get(&stack.stack.app.store, &channel, InteractionId::derive(CHANNEL, genesys_id))
        .await
        .expect("read")
        .expect("stored")
}

/// A client that shows redirects instead of following them.
fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

struct Page {
    status: u16,
    location: Option<String>,
    html: String,
}

/// Posts a form to the card's `action` as the card's own page would.
async fn post_form(stack: &TestStack, card: &str, action: &str, form: &[(&str, &str)]) -> Page {
    let origin = stack.base_url.clone();
    let request = no_redirects().post(format!("{card}/{action}")).header("origin", origin).form(form);
    send(request).await
}

async fn send(request: reqwest::RequestBuilder) -> Page {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    Page { status, location, html: response.text().await.expect("body") }
}

async fn card(stack: &TestStack, url: &str) -> String {
    let response = stack.http.get(url).send().await.expect("card");
    assert_eq!(response.status(), 200);
    response.text().await.expect("html")
}

/// The interaction's item as the table holds it, read through the SDK.
async fn raw_interaction(stack: &TestStack, genesys_id: &str) -> HashMap<String, AttributeValue> {
    let key = keys::interaction(InteractionId::derive(CHANNEL, genesys_id));
    let out = stack
        .dynamodb()
        .get_item()
        .table_name(stack.table())
        .key("pk", AttributeValue::S(key.pk))
        .key("sk", AttributeValue::S(key.sk))
        .consistent_read(true)
        .send()
        .await;
    out.expect("GetItem").item.expect("the interaction's item")
}

fn s<'a>(item: &'a HashMap<String, AttributeValue>, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

async fn seed_contact(stack: &TestStack, id_from: &str, first_name: &str, phone: Option<&str>, email: Option<&str>) {
    let import = ContactKey::Email(Email::parse(id_from).expect("email"));
    let contact = Contact {
        tenant: tenant(),
        id: ContactId::for_key(&tenant(), &import),
        name: None,
        first_name: Some(first_name.into()),
        last_name: None,
        email: email.map(|e| Email::parse(e).expect("email")),
        phone: phone.map(|p| PhoneNumber::parse(p, pl()).expect("phone")),
        messenger_id: None,
        company: None,
        consents: Default::default(),
        created_at: time::OffsetDateTime::now_utc(),
        created_by: "import".into(),
    };
    contact.create(&stack.stack.app.store).await.expect("seed contact");
}

#[tokio::test]
async fn an_unknown_number_gets_the_new_contact_form_with_its_number() {
    on_each_backend(async |stack| {
        let url = register(stack, "nmForm", json!({"CustomerPhoneNumber": "600 100 200"})).await;
        let html = card(stack, &url).await;
        assert!(html.contains("No contact matched this interaction"), "{html}");
        assert!(html.contains(r#"<section id="new-contact">"#), "{html}");
        assert!(html.contains(r#"name="phone" type="tel" value="+48600100200""#), "{html}");
        let token = url.rsplit('/').next().expect("token");
        assert!(html.contains(&format!(r#"action="{token}/contacts""#)), "{html}");
        assert!(html.contains(&format!(r#"action="{token}/link""#)), "{html}");
    })
    .await;
}

#[tokio::test]
async fn the_new_contact_form_creates_one_contact_whatever_the_number_of_submits() {
    on_each_backend(async |stack| {
        let url = register(stack, "nmCreate", json!({"CustomerPhoneNumber": "+48 600 100 201"})).await;
        let form = [("first_name", "Ewa"), ("last_name", "Kowalska & Córka"), ("phone", "600100201"), ("email", "")];
        let created = post_form(stack, &url, "contacts", &form).await;
        assert_eq!(created.status, 303, "{}", created.html);
        let token = url.rsplit('/').next().expect("token");
        assert_eq!(created.location.as_deref(), Some(format!("../{token}").as_str()));
        // A double submit: the same contact, nothing more.
        let again = post_form(stack, &url, "contacts", &form).await;
        assert_eq!((again.status, again.location), (303, created.location));
        assert_eq!(stack.count_items("contact").await, 1);

        let phone = PhoneNumber::parse("+48600100201", pl()).expect("phone");
        let Match::One(id) =
            Contact::find(&stack.stack.app.store, &tenant(), &ContactKey::Phone(phone.clone())).await.expect("find")
        else {
            panic!("one contact holds the number");
        };
        let contact = Contact::get(&stack.stack.app.store, &tenant(), &id).await.expect("read").expect("contact");
        assert_eq!(contact.display_name(), "Ewa Kowalska & Córka");
        assert_eq!((contact.phone.as_ref(), contact.email.as_ref()), (Some(&phone), None));
        let registered = interaction(stack, "nmCreate").await;
        assert_eq!(registered.contact.as_ref(), Some(&id));
        assert_eq!(contact.created_by, format!("card:{CHANNEL}:{}", registered.id));

        // Following the redirect: the card of the contact, without the forms.
        let followed = stack.http.post(format!("{url}/contacts")).form(&form).send().await.expect("post");
        assert_eq!(followed.url().as_str(), url);
        let html = followed.text().await.expect("html");
        assert!(html.contains(r#"<h1 id="customer">Ewa Kowalska &amp; Córka</h1>"#), "{html}");
        assert!(!html.contains("new-contact") && !html.contains("link-customer"), "{html}");

        // WDE's next interaction with the number finds the contact.
        register(stack, "nmCreateNext", json!({"CustomerPhoneNumber": "600-100-201"})).await;
        assert_eq!(interaction(stack, "nmCreateNext").await.contact, Some(id));
        assert_eq!(stack.count_items("contact").await, 1);
    })
    .await;
}

#[tokio::test]
async fn linking_finds_the_contact_by_phone_or_e_mail_and_the_company_by_tax_id() {
    on_each_backend(async |stack| {
        // Interactions registered before their customers were imported.
        let by_phone = register(stack, "nmLinkPhone", json!({"CustomerPhoneNumber": "+48 600 100 300"})).await;
        let by_email = register(stack, "nmLinkEmail", json!({"CustomerPhoneNumber": "+48 600 100 301"})).await;
        let by_tax_id = register(stack, "nmLinkNip", json!({"CustomerPhoneNumber": "+48 600 100 302"})).await;
        seed_contact(stack, "piotr@import.example", "Piotr", Some("+48 600 700 800"), Some("piotr@example.pl")).await;
        let company = Company {
            tenant: tenant(),
            id: CompanyId::parse("acme-1").expect("id"),
            name: "ACME Sp. z o.o.".into(),
            tax_id: TaxId::parse("5260250274").expect("nip"),
            token: Some("T0K3N".into()),
            phone: None,
            email: None,
        };
        company.create(&stack.stack.app.store).await.expect("seed company");
        let piotr = ContactId::for_key(&tenant(), &ContactKey::Email(Email::parse("piotr@import.example").expect("e")));

        let linked = post_form(stack, &by_phone, "link", &[("customer", "600 700 800")]).await;
        assert_eq!(linked.status, 303, "{}", linked.html);
        assert_eq!(interaction(stack, "nmLinkPhone").await.contact.as_ref(), Some(&piotr));
        let item = raw_interaction(stack, "nmLinkPhone").await;
        assert_eq!(s(&item, "contact"), Some(piotr.as_str()));
        assert!(card(stack, &by_phone).await.contains(r#"<h1 id="customer">Piotr</h1>"#));

        let linked = post_form(stack, &by_email, "link", &[("customer", " PIOTR@example.pl ")]).await;
        assert_eq!(linked.status, 303, "{}", linked.html);
        assert_eq!(interaction(stack, "nmLinkEmail").await.contact, Some(piotr.clone()));

        // A company with a token is found only with it.
        let without_token = post_form(stack, &by_tax_id, "link", &[("customer", "526-025-02-74")]).await;
        assert_eq!(without_token.status, 404, "{}", without_token.html);
        assert!(without_token.html.contains("no company has this tax id"), "{}", without_token.html);
        let form = [("customer", "526-025-02-74"), ("customer_token", "T0K3N")];
        let linked = post_form(stack, &by_tax_id, "link", &form).await;
        assert_eq!(linked.status, 303, "{}", linked.html);
        let registered = interaction(stack, "nmLinkNip").await;
        assert_eq!((registered.company, registered.contact), (Some(company.id.clone()), None));
        let item = raw_interaction(stack, "nmLinkNip").await;
        assert_eq!((s(&item, "company"), s(&item, "contact")), (Some("acme-1"), None));
        let html = card(stack, &by_tax_id).await;
        assert!(html.contains("ACME Sp. z o.o. (tax id 5260250274)"), "{html}");
        // Still no contact: the forms stay, for the person who called for the company.
        assert!(html.contains(r#"<section id="new-contact">"#), "{html}");
        assert_eq!(stack.count_items("contact").await, 1);
    })
    .await;
}

#[tokio::test]
async fn ambiguous_unknown_and_taken_customers_are_refused_with_pages_that_say_why() {
    on_each_backend(async |stack| {
        let url = register(stack, "nmRefuse", json!({"CustomerPhoneNumber": "+48 600 100 400"})).await;
        seed_contact(stack, "ewa@import.example", "Ewa", Some("+48 600 900 900"), None).await;
        seed_contact(stack, "jan@import.example", "Jan", Some("+48 600 900 900"), Some("jan@example.pl")).await;

        let ambiguous = post_form(stack, &url, "link", &[("customer", "+48600900900")]).await;
        assert_eq!(ambiguous.status, 409, "{}", ambiguous.html);
        assert!(ambiguous.html.contains("2 contacts have this phone number"), "{}", ambiguous.html);
        let unknown = post_form(stack, &url, "link", &[("customer", "nobody@example.pl")]).await;
        assert_eq!(unknown.status, 404, "{}", unknown.html);
        assert!(unknown.html.contains("no contact has this e-mail address"), "{}", unknown.html);
        let nonsense = post_form(stack, &url, "link", &[("customer", "hello")]).await;
        assert_eq!(nonsense.status, 400, "{}", nonsense.html);
        let empty = post_form(stack, &url, "link", &[("customer", "  ")]).await;
        assert_eq!(empty.status, 400, "{}", empty.html);

        // A new contact must not take a key another contact holds.
        let taken = post_form(stack, &url, "contacts", &[("phone", "600 900 900")]).await;
        assert_eq!(taken.status, 409, "{}", taken.html);
        assert!(taken.html.contains("2 contacts have this phone number already"), "{}", taken.html);
        let taken = post_form(stack, &url, "contacts", &[("phone", "600100400"), ("email", "jan@example.pl")]).await;
        assert_eq!(taken.status, 409, "{}", taken.html);
        assert!(taken.html.contains("a contact with this e-mail address exists already"), "{}", taken.html);
        assert_eq!(stack.count_items("contact").await, 2);
        assert_eq!(interaction(stack, "nmRefuse").await.contact, None);

        // Once linked, the card is no one else's.
        assert_eq!(post_form(stack, &url, "link", &[("customer", "jan@example.pl")]).await.status, 303);
        let other = post_form(stack, &url, "contacts", &[("phone", "600100400")]).await;
        assert_eq!(other.status, 409, "{}", other.html);
        assert!(other.html.contains("linked to another contact already"), "{}", other.html);
        assert_eq!(stack.count_items("contact").await, 2);
    })
    .await;
}

#[tokio::test]
async fn cross_site_posts_bad_links_and_bad_input_are_refused_and_write_nothing() {
    on_each_backend(async |stack| {
        let url = register(stack, "nmBad", json!({"CustomerPhoneNumber": "+48 600 100 500"})).await;
        let form = [("first_name", "Ola"), ("phone", "600100500")];
        for action in ["contacts", "link"] {
            let evil = no_redirects().post(format!("{url}/{action}")).header("origin", "https://evil.example");
            let page = send(evil.form(&form)).await;
            assert_eq!(page.status, 403, "{action}: {}", page.html);
            let cross_site = no_redirects().post(format!("{url}/{action}")).header("sec-fetch-site", "cross-site");
            assert_eq!(send(cross_site.form(&form)).await.status, 403, "{action}");
            let sandboxed = no_redirects().post(format!("{url}/{action}")).header("origin", "null");
            assert_eq!(send(sandboxed.form(&form)).await.status, 403, "{action}: an opaque origin");
            let tampered = format!("{}x/{action}", url);
            assert_eq!(send(no_redirects().post(tampered).form(&form)).await.status, 403, "{action}");
        }
        let bad_email = post_form(stack, &url, "contacts", &[("phone", "600100500"), ("email", "ola@@example")]).await;
        assert_eq!(bad_email.status, 400, "{}", bad_email.html);
        assert!(bad_email.html.contains("body.email: not an e-mail address"), "{}", bad_email.html);
        let bad_phone = post_form(stack, &url, "contacts", &[("phone", "12")]).await;
        assert_eq!(bad_phone.status, 400, "{}", bad_phone.html);
        assert!(bad_phone.html.contains("body.phone"), "{}", bad_phone.html);
        let no_key = post_form(stack, &url, "contacts", &[("first_name", "Ola"), ("phone", " ")]).await;
        assert_eq!(no_key.status, 400, "{}", no_key.html);
        let long_name = "x".repeat(101);
        let too_long = post_form(stack, &url, "contacts", &[("phone", "600100500"), ("first_name", &long_name)]).await;
        assert_eq!(too_long.status, 400, "{}", too_long.html);
        let limit = stack.stack.app.config.service.max_body_bytes;
        let huge = "x".repeat(limit + 1);
        let too_large = post_form(stack, &url, "contacts", &[("phone", "600100500"), ("last_name", &huge)]).await;
        assert_eq!(too_large.status, 413);
        assert_eq!(stack.count_items("contact").await, 0);
        assert_eq!(interaction(stack, "nmBad").await.contact, None);
        // Same origin, as a browser posts the card's own form: accepted.
        let same_site = no_redirects().post(format!("{url}/contacts")).header("sec-fetch-site", "same-origin");
        assert_eq!(send(same_site.header("origin", "null").form(&form)).await.status, 303);
    })
    .await;
}

#[tokio::test]
async fn an_agent_creates_the_unknown_callers_contact_by_clicking_through_the_card_in_chromium() {
    let Some(mut browser) = Browser::from_env().await else { return };
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let stack = TestStack::start(&backend).await;
        let url = register(&stack, "nmBrowser", json!({"CustomerPhoneNumber": "+48 600 100 600"})).await;
        browser.goto(&url).await;
        assert_eq!(browser.text("#customer").await.as_deref(), Some("Unknown customer"));
        assert_eq!(browser.eval("document.getElementById('nc-phone').value").await, json!("+48600100600"));
        browser.fill("#nc-first", "Anna").await;
        browser.fill("#nc-last", "Nowak <VIP>").await;
        browser.fill("#nc-email", "Anna.Nowak@example.pl").await;
        browser.click("#nc-submit").await;
        browser
            .wait_for(
                "document.getElementById('customer')?.textContent === 'Anna Nowak <VIP>'",
                Duration::from_secs(20),
            )
            .await;
        // Back on the card itself, which shows the contact and no longer the forms.
        assert_eq!(browser.eval("location.href").await, json!(url));
        assert_eq!(browser.text("#new-contact").await, None);
        assert_eq!(browser.text("#link-customer").await, None);
        assert!(browser.text("#mail").await.is_some_and(|m| m == "anna.nowak@example.pl"));

        let linked = interaction(&stack, "nmBrowser").await;
        let id = linked.contact.clone().expect("the interaction is linked");
        let contact = Contact::get(&stack.stack.app.store, &tenant(), &id).await.expect("read").expect("contact");
        assert_eq!((contact.first_name.as_deref(), contact.last_name.as_deref()), (Some("Anna"), Some("Nowak <VIP>")));
        assert_eq!(contact.phone.as_ref().map(PhoneNumber::as_str), Some("+48600100600"));
        assert_eq!(contact.email.as_ref().map(Email::as_str), Some("anna.nowak@example.pl"));
        assert_eq!(stack.count_items("contact").await, 1);
        let item = raw_interaction(&stack, "nmBrowser").await;
        assert_eq!(s(&item, "contact"), Some(id.as_str()));
    }
}
