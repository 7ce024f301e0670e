//! The Genesys WDE webservice and its screen-pop card, over HTTP, on every backend: the
//! reference contract's success and error paths, key and signature auth with the reference
//! vector, idempotent re-registration, ambiguous matches, consents, and the card's link.

use ccbridge::auth::{SignatureEncoding, hmac_sha256};
use ccbridge::config::{ChannelId, TenantId};
use ccbridge::crm::company::Company;
use ccbridge::crm::consent::ConsentEntry;
use ccbridge::crm::contact::{Contact, ContactKey, Decision};
use ccbridge::crm::ids::{CompanyId, ContactId, Email, InteractionId, TaxId};
use ccbridge::crm::interaction::Interaction;
use ccbridge::phone::{Country, PhoneNumber};
use ccbridge::wde::card_link::CardLink;
use ccbridge_tests::{Backend, TestStack, on_each_backend};
use secrecy::SecretString;
use serde_json::{Value, json};

const KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";
const CHANNEL: &str = "wde-demo";
const CARD_SECRET: &str = "wde-demo-card-secret-0000000000001";
/// The reference's HMAC test vector.
const VECTOR_BODY: &str = r#"{"GenesysIDInteraction":"00047aHK833X02TB","InteractionStartDateTime":"2022-11-08T14:54:55.9895353Z","MediaType":"voice in","CustomerPhoneNumber":"+48884998123","AgentID":"agent01"}"#;
const VECTOR_SIGNATURE: &str = "0w7KJinyy0H5bKB1nvyR06fsI8AmzWWeGucr6LEIr54=";

enum Auth<'a> {
    Key(&'a str),
    Signature(&'a str),
    Signed,
    None,
}

struct Answer {
    status: u16,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

async fn call(stack: &TestStack, method: &str, path: &str, body: &str, auth: Auth<'_>) -> Answer {
    call_as(stack, method, path, body, "application/json", auth).await
}

async fn call_as(
    stack: &TestStack,
    method: &str,
    path: &str,
    body: &str,
    content_type: &str,
    auth: Auth<'_>,
) -> Answer {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request =
        stack.http.request(method, stack.url(path)).header("content-type", content_type).body(body.to_owned());
    request = match auth {
        Auth::Key(key) => request.header("X-API-KEY", key),
        Auth::Signature(sig) => request.header("X-API-SIGNATURE", sig),
        Auth::Signed => {
            request.header("X-API-SIGNATURE", hmac_sha256(KEY.as_bytes(), body.as_bytes(), SignatureEncoding::Base64))
        }
        Auth::None => request,
    };
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
    Answer { status, body, headers }
}

async fn post(stack: &TestStack, method: &str, body: Value) -> Answer {
    call(stack, "POST", &format!("/wde/{method}"), &body.to_string(), Auth::Signed).await
}

fn assert_error(answer: &Answer, status: u16, message: &str) {
    assert_eq!(answer.status, status, "{}", answer.body);
    assert_eq!(answer.body, json!({"status": 0, "error": {"message": message, "code": status}}));
}

fn channel() -> ChannelId {
    ChannelId::try_from(CHANNEL.to_string()).expect("id")
}

fn tenant() -> TenantId {
    TenantId::default()
}

async fn stored(stack: &TestStack, genesys_id: &str) -> Option<Interaction> {
    let id = InteractionId::derive(CHANNEL, genesys_id);
    Interaction::get(&stack.stack.app.store, &channel(), id).await.expect("read")
}

async fn contact_of(stack: &TestStack, id: &ContactId) -> Option<Contact> {
    Contact::get(&stack.stack.app.store, &tenant(), id).await.expect("read")
}

fn register_body(genesys_id: &str, extra: Value) -> Value {
    let mut body = json!({
        "GenesysIDInteraction": genesys_id,
        "MediaType": "voice in",
        "InteractionStartDateTime": "2022-11-08T14:54:55.9895353Z",
        "AgentID": "agent01",
        "QueueName": "Sales",
        "QueueTime": 122,
    });
    if let (Some(body), Value::Object(extra)) = (body.as_object_mut(), extra) {
        body.extend(extra);
    }
    body
}

async fn seed_contact(stack: &TestStack, name: &str, email: Option<&str>, phone: Option<&str>) -> ContactId {
    let email = email.map(|e| Email::parse(e).expect("email"));
    let phone = phone.map(|p| PhoneNumber::parse(p, Country::parse("PL").expect("PL")).expect("phone"));
    let key = email.clone().map(ContactKey::Email).or_else(|| phone.clone().map(ContactKey::Phone)).expect("a key");
    let mut id = ContactId::for_key(&tenant(), &key);
    if contact_of(stack, &id).await.is_some() {
        // A second contact with the same key: a CRM import with its own id.
        let import = Email::parse(&format!("{name}@import.example")).expect("email");
        id = ContactId::for_key(&tenant(), &ContactKey::Email(import));
    }
    let contact = Contact {
        tenant: tenant(),
        id: id.clone(),
        name: None,
        first_name: Some(name.into()),
        last_name: None,
        email,
        phone,
        messenger_id: None,
        company: None,
        consents: Default::default(),
        created_at: time::OffsetDateTime::now_utc(),
        created_by: "test".into(),
    };
    contact.create(&stack.stack.app.store).await.expect("seed contact");
    id
}

#[tokio::test]
async fn reference_vector_registers_through_both_paths() {
    on_each_backend(async |stack| {
        let answer =
            call(stack, "POST", "/wde/registerInteraction", VECTOR_BODY, Auth::Signature(VECTOR_SIGNATURE)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["status"], 1);
        let id = answer.body["interactionId"].as_u64().expect("numeric id");
        assert_eq!(id, InteractionId::derive(CHANNEL, "00047aHK833X02TB").get());
        let url = answer.body["url"].as_str().expect("url");
        assert!(url.starts_with(&stack.url("/card/")), "{url}");
        assert_eq!(answer.headers["access-control-allow-origin"], "*");
        let interaction = stored(stack, "00047aHK833X02TB").await.expect("stored");
        assert_eq!(interaction.phone.as_ref().map(PhoneNumber::as_str), Some("+48884998123"));
        assert_eq!(interaction.call_type, "Incoming");
        assert_eq!(interaction.operator.as_deref(), Some("ivanova"));
        assert_eq!(interaction.ip_address.as_deref(), Some("127.0.0.1"));

        let yeti = "/webservice/PBX/GenesysWdeWhirly/registerInteraction";
        let answer = call(stack, "POST", yeti, VECTOR_BODY, Auth::Key(KEY)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body["interactionId"].as_u64(), Some(id));
    })
    .await;
}

#[tokio::test]
async fn key_and_signature_failures_are_401_or_406() {
    on_each_backend(async |stack| {
        let path = "/wde/registerInteraction";
        let answer = call(stack, "POST", path, VECTOR_BODY, Auth::None).await;
        assert_error(&answer, 401, "No API key or signature");
        let answer = call(stack, "POST", path, VECTOR_BODY, Auth::Key("Ab3dEfGhJkMnPqRsTuVwXyZ23456789b")).await;
        assert_error(&answer, 401, "Invalid api key");
        let tampered = VECTOR_BODY.replace("agent01", "agent02");
        let answer = call(stack, "POST", path, &tampered, Auth::Signature(VECTOR_SIGNATURE)).await;
        assert_error(&answer, 401, "Invalid signature");
        let answer = call(stack, "POST", path, VECTOR_BODY, Auth::Signature("not base64")).await;
        assert_error(&answer, 401, "Invalid signature");
        let answer = call(stack, "POST", path, VECTOR_BODY, Auth::Key("key with spaces")).await;
        assert_error(&answer, 406, "ERR_NOT_ALLOWED_VALUE||X-API-KEY");
        // A wrong key is not rescued by a right signature: the key wins, as in YetiForce.
        let response = stack
            .http
            .post(stack.url(path))
            .header("content-type", "application/json")
            .header("X-API-KEY", "wrongKey")
            .header("X-API-SIGNATURE", VECTOR_SIGNATURE)
            .body(VECTOR_BODY)
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 401);
        assert_eq!(stack.count_items("wde_interaction").await, 0, "nothing is written before auth");
    })
    .await;
}

#[tokio::test]
async fn allow_list_refuses_other_addresses() {
    for backend in ccbridge_tests::backends() {
        let config = ccbridge_tests::CONFIG
            .replace("default_operator = \"admin\"", "default_operator = \"admin\"\nallowed_ips = [\"203.0.113.9\"]");
        let stack = TestStack::start_with(&backend, &config).await;
        let answer = call(&stack, "POST", "/wde/registerInteraction", VECTOR_BODY, Auth::Key(KEY)).await;
        assert_error(&answer, 401, "Illegal IP address");
        let config = ccbridge_tests::CONFIG
            .replace("default_operator = \"admin\"", "default_operator = \"admin\"\nallowed_ips = [\"127.0.0.1\"]");
        let stack = TestStack::start_with(&backend, &config).await;
        let answer = call(&stack, "POST", "/wde/registerInteraction", VECTOR_BODY, Auth::Key(KEY)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
}

#[tokio::test]
async fn methods_routes_and_preflight() {
    on_each_backend(async |stack| {
        let answer = post(stack, "deleteInteraction", register_body("m1", json!({}))).await;
        assert_error(&answer, 404, "Method Not Found");
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            let answer = call(stack, method, "/wde/registerInteraction", "", Auth::Key(KEY)).await;
            assert_error(&answer, 405, "Invalid method");
            assert_eq!(answer.headers["allow"], "POST, OPTIONS");
        }
        for path in ["/wde/registerInteraction", "/webservice/PBX/GenesysWdeWhirly/updateInteraction"] {
            let answer = call(stack, "OPTIONS", path, "", Auth::None).await;
            assert_eq!(answer.status, 204);
            assert_eq!(answer.headers["access-control-allow-origin"], "*");
            assert_eq!(answer.headers["access-control-allow-methods"], "POST");
            let allowed = answer.headers["access-control-allow-headers"].to_str().expect("text");
            assert!(allowed.contains("x-api-key") && allowed.contains("x-api-signature"), "{allowed}");
        }
    })
    .await;
}

#[tokio::test]
async fn re_registration_is_idempotent() {
    on_each_backend(async |stack| {
        let body = register_body("dup1", json!({"CustomerAgreements": [{"Name": "RODO", "Value": 1}], "FacebookActorID": "4187643884658211", "MediaType": "messenger"}));
        // Eight at once: each finds no contact, one transaction creates it with the interaction.
        let mut answers =
            futures::future::join_all((0..8).map(|_| post(stack, "registerInteraction", body.clone()))).await;
        answers.push(post(stack, "registerInteraction", body).await);
        for answer in &answers {
            assert_eq!(answer.status, 200, "{}", answer.body);
            assert_eq!(answer.body["interactionId"], answers[0].body["interactionId"]);
        }
        assert_eq!(stack.count_items("wde_interaction").await, 1);
        assert_eq!(stack.count_items("contact").await, 1);
        assert_eq!(stack.count_items("consent_entry").await, 1);
    })
    .await;
}

#[tokio::test]
async fn agents_are_mapped_or_refused() {
    on_each_backend(async |stack| {
        let answer = post(stack, "registerInteraction", register_body("ag1", json!({"AgentID": "stranger"}))).await;
        assert_error(&answer, 404, "User not found");
        let transfer = json!({"AgentID": "agent01", "TransferAgentID": "stranger"});
        let answer = post(stack, "registerInteraction", register_body("ag2", transfer)).await;
        assert_error(&answer, 404, "User not found");
        let answer =
            post(stack, "registerInteraction", register_body("ag3", json!({"TransferAgentID": "agent02"}))).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(stored(stack, "ag3").await.expect("stored").operator.as_deref(), Some("petrov"));
        let campaign = json!({"GenesysIDInteraction": "ag4", "MediaType": "sms", "AgentID": "stranger",
            "InteractionEndDateTime": "2022-11-04 09:17:26", "SessionID": "S1"});
        let answer = post(stack, "registerInteractionCampaign", campaign).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        assert_eq!(answer.body, json!({"status": 1}));
        assert_eq!(stored(stack, "ag4").await.expect("stored").operator.as_deref(), Some("admin"));
        let update = json!({"GenesysIDInteraction": "ag3", "AgentID": "stranger"});
        assert_error(&post(stack, "updateInteraction", update).await, 404, "User not found");
        assert!(stored(stack, "ag1").await.is_none());
    })
    .await;
}

#[tokio::test]
async fn update_finds_by_crm_id_or_genesys_id() {
    on_each_backend(async |stack| {
        let missing = json!({"GenesysIDInteraction": "nope1", "CRMInteractionID": 12, "AgentID": "agent01"});
        assert_error(&post(stack, "updateInteraction", missing).await, 404, "Genesys Interaction ID Not Found");
        let registered = post(stack, "registerInteraction", register_body("up1", json!({}))).await;
        let crm_id = registered.body["interactionId"].clone();
        let update = json!({"GenesysIDInteraction": "up1", "SessionID": "00QG8R2EQS9KT6Q31M0AHG5AES00001P",
            "InteractionEndDateTime": "2022-11-08T14:56:25Z", "InteractionHandleTime": 90, "CallResult": "ended",
            "StatusInteraction": "done", "PersonalCallback": 0, "AgentID": "agent01", "DispositionCode": "X1", "WrapUp": "sale"});
        let answer = post(stack, "updateInteraction", update.clone()).await;
        assert_eq!((answer.status, &answer.body), (200, &json!({"status": 1})));
        let end = stored(stack, "up1").await.expect("stored").end.expect("ended");
        assert_eq!(end.handle_time, Some(90));
        assert_eq!(end.result.as_deref(), Some("ended"));
        assert_eq!(end.ended_at.map(|t| t.unix_timestamp()), Some(1_667_919_385));
        assert_eq!(end.attached.get("WrapUp").map(String::as_str), Some("\"sale\""));
        // Again (a duplicate delivery), then by CRM id with an unknown Genesys id.
        assert_eq!(post(stack, "updateInteraction", update).await.status, 200);
        let by_crm = json!({"CRMInteractionID": crm_id, "GenesysIDInteraction": "other", "CallResult": "transferred", "AgentID": "agent01"});
        assert_eq!(post(stack, "updateInteraction", by_crm).await.status, 200);
        let end = stored(stack, "up1").await.expect("stored").end.expect("ended");
        assert_eq!(end.result.as_deref(), Some("transferred"));
    })
    .await;
}

#[tokio::test]
async fn form_bodies_with_query_values_winning() {
    on_each_backend(async |stack| {
        let body = "GenesysIDInteraction=form1&MediaType=chat&InteractionStartDateTime=2022-11-08+10%3A00%3A00&AgentID=agent01&QueueName=Sales&CustomerEmail=Jan%40Example.pl&CustomerContactName=Jan";
        let path = "/webservice/PBX/GenesysWdeWhirly/registerInteraction?QueueName=Support";
        let answer = call_as(stack, "POST", path, body, "application/x-www-form-urlencoded", Auth::Signed).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let interaction = stored(stack, "form1").await.expect("stored");
        assert_eq!(interaction.queue_name.as_deref(), Some("Support"));
        assert_eq!(interaction.email.as_ref().map(Email::as_str), Some("jan@example.pl"));
        // chat is in this channel's create_contacts_for.
        let contact = contact_of(stack, interaction.contact.as_ref().expect("created")).await.expect("contact");
        assert_eq!(contact.first_name.as_deref(), Some("Jan"));
        let answer = call_as(stack, "POST", "/wde/registerInteraction", "x", "text/plain", Auth::Signed).await;
        assert_eq!(answer.status, 415, "{}", answer.body);
        assert_eq!(answer.body["status"], 0);
    })
    .await;
}

#[tokio::test]
async fn bad_values_get_the_contract_errors() {
    on_each_backend(async |stack| {
        let cases = [
            (json!({"CustomerPhoneNumber": "12"}), 404, "Invalid phone number: CustomerPhoneNumber"),
            (json!({"CustomerPhoneNumber": "+48<884>"}), 406, "ERR_NOT_ALLOWED_VALUE||CustomerPhoneNumber"),
            (
                json!({"CustomerAgreements": [{"Name": "RODO zgoda", "Value": 1}]}),
                406,
                "ERR_NOT_ALLOWED_VALUE||CustomerAgreements[0].Name",
            ),
            (json!({"GenesysIDInteraction": "a-b"}), 406, "ERR_NOT_ALLOWED_VALUE||GenesysIDInteraction"),
            (json!({"InteractionStartDateTime": "soon"}), 406, "ERR_NOT_ALLOWED_VALUE||InteractionStartDateTime"),
            (json!({"GenesysIDInteraction": ""}), 400, "GenesysIDInteraction is required"),
        ];
        for (extra, status, message) in cases {
            let answer = post(stack, "registerInteraction", register_body("bad1", extra)).await;
            assert_error(&answer, status, message);
        }
        let big = format!(r#"{{"x":"{}"}}"#, "a".repeat(300 * 1024));
        let answer = call(stack, "POST", "/wde/registerInteraction", &big, Auth::Signed).await;
        assert_eq!(answer.status, 413);
        assert_eq!(answer.body["error"]["code"], 413);
        assert_eq!(stack.count_items("wde_interaction").await, 0);
    })
    .await;
}

#[tokio::test]
async fn contacts_are_found_created_or_reported_ambiguous() {
    on_each_backend(async |stack| {
        // Messenger creates the contact once; the next messenger interaction finds it.
        let messenger = json!({"MediaType": "messenger", "FacebookActorID": "4187643884658211",
            "CustomerContactName": "Anna", "CustomerContactLastName": "Nowak"});
        assert_eq!(post(stack, "registerInteraction", register_body("ms1", messenger.clone())).await.status, 200);
        assert_eq!(post(stack, "registerInteraction", register_body("ms2", messenger)).await.status, 200);
        let first = stored(stack, "ms1").await.expect("stored").contact.expect("created");
        assert_eq!(stored(stack, "ms2").await.expect("stored").contact, Some(first.clone()));
        let anna = contact_of(stack, &first).await.expect("contact");
        assert_eq!(anna.display_name(), "Anna Nowak");
        // Voice does not create contacts on this channel.
        let voice = json!({"CustomerPhoneNumber": "+48 600 100 200"});
        assert_eq!(post(stack, "registerInteraction", register_body("v1", voice)).await.status, 200);
        assert_eq!(stored(stack, "v1").await.expect("stored").contact, None);
        // Two contacts share a phone: reported, not guessed, nothing created.
        let a = seed_contact(stack, "Ewa", Some("ewa@example.pl"), Some("+48884998123")).await;
        let b = seed_contact(stack, "Piotr", None, Some("+48884998123")).await;
        let shared = json!({"CustomerPhoneNumber": "884998123", "MediaType": "chat"});
        let answer = post(stack, "registerInteraction", register_body("amb1", shared)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let ambiguous = stored(stack, "amb1").await.expect("stored");
        assert_eq!(ambiguous.contact, None);
        assert_eq!(ambiguous.ambiguities.len(), 1);
        assert_eq!(ambiguous.ambiguities[0].key, "phone");
        let mut candidates = ambiguous.ambiguities[0].candidates.clone();
        candidates.sort();
        let mut expected = vec![a.to_string(), b.to_string()];
        expected.sort();
        assert_eq!(candidates, expected);
        let contacts_before = stack.count_items("contact").await;
        // E-mail comes first: a unique e-mail wins over the shared phone.
        let by_email = json!({"CustomerPhoneNumber": "+48884998123", "CustomerEmail": "EWA@example.pl"});
        assert_eq!(post(stack, "registerInteraction", register_body("amb2", by_email)).await.status, 200);
        assert_eq!(stored(stack, "amb2").await.expect("stored").contact, Some(a));
        assert_eq!(stack.count_items("contact").await, contacts_before);
        // The card lists both candidates.
        let card = stack.http.get(answer.body["url"].as_str().expect("url")).send().await.expect("card");
        let html = card.text().await.expect("html");
        assert!(html.contains("Several matches") && html.contains("Ewa") && html.contains("Piotr"), "{html}");
    })
    .await;
}

#[tokio::test]
async fn companies_match_by_tax_id_and_token() {
    on_each_backend(async |stack| {
        let company = Company {
            tenant: tenant(),
            id: CompanyId::parse("acme-1").expect("id"),
            name: "ACME Sp. z o.o.".into(),
            tax_id: TaxId::parse("1234567890").expect("nip"),
            token: Some("T0K3N".into()),
            phone: None,
            email: None,
        };
        company.create(&stack.stack.app.store).await.expect("seed");
        let with_token = json!({"CustomerNIP": 1234567890, "CustomerToken": "T0K3N"});
        assert_eq!(post(stack, "registerInteraction", register_body("co1", with_token)).await.status, 200);
        assert_eq!(stored(stack, "co1").await.expect("stored").company, Some(company.id.clone()));
        let wrong = json!({"CustomerNIP": "123-456-78-90", "CustomerToken": "OTHER"});
        assert_eq!(post(stack, "registerInteraction", register_body("co2", wrong)).await.status, 200);
        assert_eq!(stored(stack, "co2").await.expect("stored").company, None);
        // A second company with the same tax id and no token: ambiguous with the right token.
        let branch = Company { id: CompanyId::parse("acme-2").expect("id"), token: None, ..company.clone() };
        branch.create(&stack.stack.app.store).await.expect("seed");
        let again = json!({"CustomerNIP": 1234567890, "CustomerToken": "T0K3N"});
        assert_eq!(post(stack, "registerInteraction", register_body("co3", again)).await.status, 200);
        let co3 = stored(stack, "co3").await.expect("stored");
        assert_eq!((co3.company, co3.ambiguities[0].key.as_str()), (None, "tax_id"));
    })
    .await;
}

#[tokio::test]
async fn consents_change_the_contact_state_in_any_order() {
    on_each_backend(async |stack| {
        let ewa = seed_contact(stack, "Ewa", Some("ewa@example.pl"), None).await;
        let at = |t: &str, id: &str, value: u8| {
            register_body(
                id,
                json!({"CustomerEmail": "ewa@example.pl", "InteractionStartDateTime": t,
                    "CustomerAgreements": [{"Name": "RODO_marketing", "Value": value}, {"Name": "RODO_phone", "Value": 1}]}),
            )
        };
        // The later withdrawal arrives first, the earlier acceptance after it.
        assert_eq!(post(stack, "registerInteraction", at("2022-11-09T10:00:00Z", "cs2", 0)).await.status, 200);
        assert_eq!(post(stack, "registerInteraction", at("2022-11-08T10:00:00Z", "cs1", 1)).await.status, 200);
        let contact = contact_of(stack, &ewa).await.expect("contact");
        let marketing = &contact.consents["RODO_marketing"];
        assert_eq!(marketing.decision, Decision::Resigned);
        assert_eq!(marketing.interaction, InteractionId::derive(CHANNEL, "cs2"));
        assert_eq!(contact.consents["RODO_phone"].decision, Decision::Accepted);
        assert_eq!(stack.count_items("consent_entry").await, 4, "every decision is in the register");
        let register =
            ConsentEntry::of_contact(&stack.stack.app.store, &tenant(), &ewa, 10).await.expect("register");
        assert_eq!(register.len(), 4);
        // A new acceptance flips it back.
        assert_eq!(post(stack, "registerInteraction", at("2022-11-10T10:00:00Z", "cs3", 1)).await.status, 200);
        let contact = contact_of(stack, &ewa).await.expect("contact");
        assert_eq!(contact.consents["RODO_marketing"].decision, Decision::Accepted);
        // A start far in the future would pin the decision for ever: refused, nothing written.
        let pinned = post(stack, "registerInteraction", at("2099-01-01T00:00:00Z", "cs4", 0)).await;
        assert_error(&pinned, 406, "ERR_NOT_ALLOWED_VALUE||InteractionStartDateTime");
        assert!(stored(stack, "cs4").await.is_none());
        assert_eq!(stack.count_items("consent_entry").await, 6);
        let contact = contact_of(stack, &ewa).await.expect("contact");
        assert_eq!(contact.consents["RODO_marketing"].decision, Decision::Accepted);
    })
    .await;
}

#[tokio::test]
async fn an_interaction_too_large_to_store_is_a_422_not_a_retry_for_ever() {
    on_each_backend(async |stack| {
        let registered = post(stack, "registerInteraction", register_body("big1", json!({"Notes": "n".repeat(200_000)}))).await;
        assert_eq!(registered.status, 200, "{}", registered.body);
        let update = json!({"GenesysIDInteraction": "big1", "CallResult": "ended", "AgentID": "agent01", "Survey": "s".repeat(220_000)});
        for _ in 0..2 {
            let answer = post(stack, "updateInteraction", update.clone()).await;
            assert_eq!(answer.status, 422, "{}", answer.body);
            let message = answer.body["error"]["message"].as_str().expect("message");
            assert!(message.contains("bytes DynamoDB stores"), "{message}");
        }
        let stored = stored(stack, "big1").await.expect("the registration stays");
        assert!(stored.end.is_none(), "the update was not half written");
    })
    .await;
}

#[tokio::test]
async fn campaign_interactions_are_stored_once_without_contacts() {
    on_each_backend(async |stack| {
        let body = json!({"GenesysIDInteraction": "03RGG833ANU72009", "MediaType": "sms", "DialedNumber": "+48884998123",
            "CustomerEMail": "a@b.pl", "CustomerNIP": 1234567890, "InteractionStartDateTime": "2022-11-04 09:17:26",
            "InteractionEndDateTime": "2022-11-04 09:17:26", "SessionID": "S", "TemplateCRMID": 7, "AgentID": "agent02"});
        for _ in 0..2 {
            let answer = post(stack, "registerInteractionCampaign", body.clone()).await;
            assert_eq!((answer.status, &answer.body), (200, &json!({"status": 1})));
        }
        let campaign = stored(stack, "03RGG833ANU72009").await.expect("stored");
        assert!(campaign.campaign);
        assert_eq!(campaign.operator.as_deref(), Some("petrov"));
        assert_eq!(campaign.contact, None);
        assert_eq!(campaign.phone.as_ref().map(PhoneNumber::as_str), Some("+48884998123"));
        assert_eq!(stack.count_items("wde_interaction").await, 1);
        assert_eq!(stack.count_items("contact").await, 0);
    })
    .await;
}

async fn card_of(stack: &TestStack, url: &str) -> (u16, String) {
    let response = stack.http.get(url).send().await.expect("card");
    (response.status().as_u16(), response.text().await.expect("html"))
}

#[tokio::test]
async fn card_shows_the_customer_and_refuses_bad_links() {
    on_each_backend(async |stack| {
        let body = json!({"MediaType": "messenger", "FacebookActorID": "99887766", "CustomerEmail": "ola@example.pl",
            "CustomerPhoneNumber": "+48 600 700 800", "CustomerContactName": "<script>alert(1)</script>",
            "CustomerAgreements": [{"Name": "RODO", "Value": 1}]});
        let answer = post(stack, "registerInteraction", register_body("card1", body)).await;
        assert_eq!(answer.status, 200, "{}", answer.body);
        let update = json!({"GenesysIDInteraction": "card1", "CallResult": "ended", "InteractionHandleTime": 42, "AgentID": "agent01"});
        assert_eq!(post(stack, "updateInteraction", update).await.status, 200);
        let url = answer.body["url"].as_str().expect("url").to_owned();
        let (status, html) = card_of(stack, &url).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert"), "{html}");
        assert!(html.contains("http://localhost:6999/CLICKTODIAL?dialednumber=%2B48600700800&amp;crmsourceid=c"), "{html}");
        assert!(html.contains("http://localhost:6999/CLICKTOMAIL?customeremail=ola%40example.pl"), "{html}");
        assert!(html.contains("servicevalue=%2B48221234567"), "{html}");
        assert!(html.contains(r#"<td class="accepted">accepted</td>"#), "{html}");
        assert!(html.contains("<td>WDE chat</td><td>Messenger from +48600700800</td><td>Sales</td><td>agent01</td><td>ended</td><td>42 s</td>"), "{html}");

        // A UIS call from the same number, on the UIS channel, joins the card's history.
        let call = json!({"ud_channel_token": "uis-demo-token-0001", "call_session_id": 777001,
            "contact_phone_number": "48600700800", "virtual_phone_number": "74993720692",
            "start_time": "2026-11-21 10:00:00", "finish_time": "2026-11-21 10:03:00",
            "talk_time_duration": 170, "scenario_name": "Sprzedaż", "direction": "in"});
        let posted = stack.http.post(stack.url("/uis/webhook/call_finished")).json(&call).send().await.expect("uis");
        assert_eq!(posted.status(), 200, "{}", posted.text().await.unwrap_or_default());
        let (status, html) = card_of(stack, &url).await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("<td>UIS voice</td><td>Incoming call from +48600700800</td><td>Sprzedaż</td><td>-</td><td>answered</td><td>170 s</td>"),
            "{html}"
        );

        let token = url.rsplit('/').next().expect("token");
        let (payload, signature) = token.split_once('.').expect("two parts");
        let flipped = if signature.starts_with('0') { "1" } else { "0" };
        let tampered = format!("{}/{}.{}{}", stack.url("/card"), payload, flipped, &signature[1..]);
        assert_eq!(card_of(stack, &tampered).await.0, 403);
        let secret = SecretString::from(CARD_SECRET);
        let link = |expires_at| CardLink {
            channel: CHANNEL.into(),
            interaction: InteractionId::derive(CHANNEL, "card1"),
            expires_at,
        };
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (status, html) = card_of(stack, &stack.url(&format!("/card/{}", link(now - 1).sign(&secret)))).await;
        assert_eq!(status, 403);
        assert!(html.contains("invalid or has expired"), "{html}");
        assert_eq!(card_of(stack, &stack.url(&format!("/card/{}", link(now + 60).sign(&secret)))).await.0, 200);
        let forged = link(now + 60).sign(&SecretString::from("someone-elses-secret-0000000000000"));
        assert_eq!(card_of(stack, &stack.url(&format!("/card/{forged}"))).await.0, 403);
        assert_eq!(card_of(stack, &stack.url("/card/garbage")).await.0, 403);
    })
    .await;
}

/// Set by the test command to Debian's chromium.
const CHROMIUM_ENV: &str = "CCBRIDGE_TEST_CHROMIUM";
const REQUIRE_CHROMIUM_ENV: &str = "CCBRIDGE_TEST_REQUIRE_CHROMIUM";

fn chromium(browser: &str, profile: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

#[tokio::test]
async fn card_renders_in_headless_chromium() {
    let Some(browser) = std::env::var(CHROMIUM_ENV).ok().filter(|b| !b.is_empty()) else {
        assert!(
            std::env::var_os(REQUIRE_CHROMIUM_ENV).is_none(),
            "{REQUIRE_CHROMIUM_ENV} is set but {CHROMIUM_ENV} is not"
        );
        eprintln!("note: {CHROMIUM_ENV} is not set; the card is not rendered in a browser");
        return;
    };
    let stack = TestStack::start(&Backend::Dynoxide).await;
    let company = Company {
        tenant: tenant(),
        id: CompanyId::parse("kowalski-sc").expect("id"),
        name: "Kowalski & Syn s.c.".into(),
        tax_id: TaxId::parse("5260250274").expect("nip"),
        token: None,
        phone: None,
        email: None,
    };
    company.create(&stack.stack.app.store).await.expect("seed company");
    let earlier = json!({"MediaType": "chat", "CustomerEmail": "jan.kowalski@example.pl", "CustomerContactName": "Jan",
        "CustomerContactLastName": "Kowalski <b>VIP</b>", "CustomerPhoneNumber": "+48 884 998 123",
        "CustomerNIP": "526-025-02-74", "InteractionStartDateTime": "2022-11-07T09:00:00Z", "QueueName": "Support",
        "CustomerAgreements": [{"Name": "RODO_marketing", "Value": 1}]});
    assert_eq!(post(&stack, "registerInteraction", register_body("br1", earlier)).await.status, 200);
    let end = json!({"GenesysIDInteraction": "br1", "CallResult": "resolved", "InteractionHandleTime": 310, "AgentID": "agent01"});
    assert_eq!(post(&stack, "updateInteraction", end).await.status, 200);
    let now = json!({"CustomerEmail": "jan.kowalski@example.pl", "CustomerPhoneNumber": "+48884998123",
        "CustomerAgreements": [{"Name": "RODO_marketing", "Value": 0}, {"Name": "RODO_phone", "Value": 1}]});
    let answer = post(&stack, "registerInteraction", register_body("br2", now)).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let url = answer.body["url"].as_str().expect("url").to_owned();

    let profile = tempfile::tempdir().expect("profile");
    let shot_dir = tempfile::tempdir().expect("screenshot folder");
    let shot = std::env::var("CCBRIDGE_TEST_CARD_SCREENSHOT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| shot_dir.path().join("card.png"));
    let (dom, screenshot) = {
        let (browser, url, profile_path, shot) =
            (browser.clone(), url.clone(), profile.path().to_owned(), shot.clone());
        tokio::task::spawn_blocking(move || {
            let dom = chromium(&browser, &profile_path.join("dom"), &["--dump-dom", &url]);
            let shot_arg = format!("--screenshot={}", shot.display());
            let screenshot =
                chromium(&browser, &profile_path.join("shot"), &[&shot_arg, "--window-size=1000,900", &url]);
            (dom, screenshot)
        })
        .await
        .expect("chromium thread")
    };
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.status.success(), "chromium failed: {}", String::from_utf8_lossy(&dom.stderr));
    // What the browser built from the page: the title and the text, markup shown as text.
    assert!(dom_text.contains("<h1 id=\"customer\">Jan Kowalski &lt;b&gt;VIP&lt;/b&gt;</h1>"), "{dom_text}");
    assert!(!dom_text.contains("<b>VIP</b>"), "{dom_text}");
    assert!(dom_text.contains("Kowalski &amp; Syn s.c. (tax id 5260250274)"), "{dom_text}");
    assert!(dom_text.contains(r#"<td>RODO_marketing</td><td class="withdrawn">withdrawn</td>"#), "{dom_text}");
    assert!(dom_text.contains(r#"<td>RODO_phone</td><td class="accepted">accepted</td>"#), "{dom_text}");
    assert!(
        dom_text.contains(
            "<td>2022-11-07 09:00 UTC</td><td>WDE chat</td><td>Chat from +48884998123</td><td>Support</td>\
             <td>agent01</td><td>resolved</td><td>310 s</td>"
        ),
        "{dom_text}"
    );
    assert!(dom_text.contains("href=\"http://localhost:6999/CLICKTODIAL?dialednumber=%2B48884998123"), "{dom_text}");
    assert!(dom_text.contains("data-wde-token=\"wde-demo-listener-token\""), "{dom_text}");
    assert!(screenshot.status.success(), "{}", String::from_utf8_lossy(&screenshot.stderr));
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG") && png.len() > 10_000, "a real picture, {} bytes", png.len());
}
