//! One customer record across channels, scoped by tenant: a UIS caller and a WDE customer with
//! the same phone are one contact with one timeline, read through the card and the history API,
//! while channels of another tenant can neither read it nor change its consents.

use ccbridge::auth::{SignatureEncoding, hmac_sha256};
use ccbridge::config::TenantId;
use ccbridge::crm::contact::{Contact, Decision};
use ccbridge::crm::ids::ContactId;
use ccbridge_tests::{
    OTHER_UIS_KEY, OTHER_UIS_TOKEN, OTHER_WDE_KEY, TestStack, config_with_other_tenant, on_each_backend_with,
};
use serde_json::{Value, json};

const UIS_TOKEN: &str = "uis-demo-token-0001";
const UIS_KEY: &str = "uis-demo-api-key-0001";
const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";

/// The test configuration plus a UIS and a WDE channel of a second tenant.
fn config() -> String {
    config_with_other_tenant("create_contacts_for = [\"chat\"]\n")
}

async fn uis_call(stack: &TestStack, token: &str, id: u64) -> Value {
    let body = json!({
        "ud_channel_token": token, "call_session_id": id, "direction": "in",
        "contact_phone_number": "48600100200", "contact_full_name": "Jan Kowalski",
        "start_time": "2022-11-06 08:00:00", "notification_time": "2022-11-06 08:00:00",
    });
    let response =
        stack.http.post(stack.url("/uis/webhook/incoming_call_started")).json(&body).send().await.expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON body")
}

async fn wde_register(stack: &TestStack, key: &str, genesys_id: &str, consent: u8) -> Value {
    let body = json!({
        "GenesysIDInteraction": genesys_id, "MediaType": "chat", "AgentID": "agent01",
        "InteractionStartDateTime": "2022-11-08T14:54:55Z", "CustomerPhoneNumber": "+48 600 100 200",
        "CustomerAgreements": [{"Name": "RODO_marketing", "Value": consent}],
    })
    .to_string();
    let signature = hmac_sha256(key.as_bytes(), body.as_bytes(), SignatureEncoding::Base64);
    let response = stack
        .http
        .post(stack.url("/wde/registerInteraction"))
        .header("content-type", "application/json")
        .header("x-api-signature", signature)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON body")
}

async fn history(stack: &TestStack, key: &str) -> (u16, Value) {
    let response =
        stack.http.get(stack.url("/uis/contacts?phone=%2B48600100200")).header("x-api-key", key).send().await;
    let response = response.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn card(stack: &TestStack, url: &str) -> String {
    let response = stack.http.get(url).send().await.expect("card");
    assert_eq!(response.status(), 200);
    response.text().await.expect("html")
}

#[tokio::test]
async fn a_caller_and_a_wde_customer_are_one_contact_that_another_tenant_cannot_see() {
    on_each_backend_with(&config(), async |stack| {
        let call = uis_call(stack, UIS_TOKEN, 8_800_001).await;
        let contact_id =
            call["contact_id"].as_str().unwrap_or_else(|| panic!("the caller is a contact: {call}")).to_owned();

        // WDE finds the caller by phone: the same contact, whose card lists the call.
        let registered = wde_register(stack, WDE_KEY, "tenantA1", 1).await;
        let store = &stack.stack.app.store;
        let default = TenantId::default();
        let id = ContactId::parse(&contact_id).expect("id");
        let contact = Contact::get(store, &default, &id).await.expect("read").expect("one contact");
        assert_eq!(contact.name.as_deref(), Some("Jan Kowalski"));
        assert_eq!(contact.consents["RODO_marketing"].decision, Decision::Accepted);
        let html = card(stack, registered["url"].as_str().expect("url")).await;
        assert!(html.contains("<h1 id=\"customer\">Jan Kowalski</h1>"), "{html}");
        assert!(
            html.contains("<td>UIS voice</td><td>Incoming call from +48600100200</td>"),
            "the call is on the card's timeline: {html}"
        );
        let (status, found) = history(stack, UIS_KEY).await;
        assert_eq!((status, found["contact_id"].as_str()), (200, Some(contact_id.as_str())));

        // The other tenant: its history API finds no one, its WDE channel creates its own contact
        // (the caller's card there shows no call), and its consent leaves the first contact alone.
        assert_eq!(history(stack, OTHER_UIS_KEY).await.0, 404);
        let other = wde_register(stack, OTHER_WDE_KEY, "tenantB1", 0).await;
        let html = card(stack, other["url"].as_str().expect("url")).await;
        assert!(!html.contains("<td>UIS</td>"), "another tenant's card shows no call of this one: {html}");
        let contact = Contact::get(store, &default, &id).await.expect("read").expect("still there");
        assert_eq!(contact.consents["RODO_marketing"].decision, Decision::Accepted, "not withdrawn by tenant other");
        let other_tenant = TenantId::try_from("other".to_string()).expect("tenant");
        assert!(Contact::get(store, &other_tenant, &id).await.expect("read").is_none(), "ids are per tenant");

        // The other tenant's own caller with the same number is its own contact.
        let theirs = uis_call(stack, OTHER_UIS_TOKEN, 8_800_002).await;
        assert_ne!(theirs["contact_id"].as_str(), Some(contact_id.as_str()));
        let (status, found) = history(stack, OTHER_UIS_KEY).await;
        assert_eq!((status, &found["contact_id"]), (200, &theirs["contact_id"]));
        assert_eq!(history(stack, UIS_KEY).await.1["contact_id"].as_str(), Some(contact_id.as_str()));
    })
    .await;
}
