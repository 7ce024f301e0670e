//! The CRM import, over HTTP and from CSV, on every backend: contacts and companies a tenant
//! loads are what the WDE webservice's customer search then finds (by phone, e-mail,
//! messenger id, tax id with its token), loading them again writes nothing, a changed phone
//! moves the lookup, a bad record fails alone, and another tenant's key neither sees nor
//! overwrites them.

use ccbridge::auth::{SignatureEncoding, hmac_sha256};
use ccbridge::config::{ChannelId, TenantId};
use ccbridge::crm::company::Company;
use ccbridge::crm::contact::Contact;
use ccbridge::crm::ids::{CompanyId, ContactId, InteractionId};
use ccbridge::crm::interaction::Interaction;
use ccbridge::phone::Country;
use ccbridge_admin::CrmRecords;
use ccbridge_tests::{OTHER_UIS_KEY, OTHER_WDE_KEY, TestStack, config_with_other_tenant, counts, on_each_backend_with};
use serde_json::{Value, json};

const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";
const UIS_KEY: &str = "uis-demo-api-key-0001";

/// The test configuration plus a UIS and a WDE channel of a second tenant.
fn config() -> String {
    config_with_other_tenant("default_country = \"PL\"\n")
}

fn tenant() -> TenantId {
    TenantId::default()
}

fn other() -> TenantId {
    TenantId::try_from("other".to_string()).expect("tenant")
}

async fn import(stack: &TestStack, key: Option<&str>, path: &str, body: &str) -> (u16, Value) {
    let mut request = stack.http.post(stack.url(path)).header("content-type", "application/json").body(body.to_owned());
    if let Some(key) = key {
        request = request.header("X-API-KEY", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON body"))
}

async fn contacts(stack: &TestStack, key: &str, records: Value) -> Value {
    let (status, body) = import(stack, Some(key), "/crm/contacts", &json!({ "contacts": records }).to_string()).await;
    assert_eq!(status, 200, "{body}");
    body
}

async fn companies(stack: &TestStack, key: &str, records: Value) -> Value {
    let (status, body) = import(stack, Some(key), "/crm/companies", &json!({ "companies": records }).to_string()).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The results' `result` fields, in order.
fn outcomes(answer: &Value) -> Vec<&str> {
    answer["results"].as_array().expect("results").iter().map(|r| r["result"].as_str().unwrap_or("error")).collect()
}

fn counted(answer: &Value) -> [u64; 4] {
    ["created", "updated", "unchanged", "failed"].map(|k| answer[k].as_u64().expect("count"))
}

/// What the WDE webservice's search finds for `customer`, as the interaction it registers
/// records it: the contact, the company, and the keys found ambiguous.
async fn search(stack: &TestStack, key: &str, channel: &str, customer: Value) -> Interaction {
    search_as(stack, key, channel, "voice in", customer).await
}

async fn search_as(stack: &TestStack, key: &str, channel: &str, media: &str, customer: Value) -> Interaction {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let genesys_id = format!("crm{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    let mut body = json!({"GenesysIDInteraction": genesys_id, "MediaType": media, "AgentID": "agent01",
        "InteractionStartDateTime": "2026-11-21T10:00:00Z"});
    if let (Some(body), Value::Object(customer)) = (body.as_object_mut(), customer) {
        body.extend(customer);
    }
    let body = body.to_string();
    let response = stack
        .http
        .post(stack.url("/wde/registerInteraction"))
        .header("content-type", "application/json")
        .header("x-api-signature", hmac_sha256(key.as_bytes(), body.as_bytes(), SignatureEncoding::Base64))
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap_or_default());
    let channel = ChannelId::try_from(channel.to_string()).expect("channel");
    let id = InteractionId::derive(channel.as_str(), &genesys_id);
    Interaction::get(&stack.stack.app.store, &channel, id).await.expect("read").expect("registered")
}

async fn found(stack: &TestStack, customer: Value) -> (Option<String>, Option<String>) {
    let interaction = search(stack, WDE_KEY, "wde-demo", customer).await;
    assert!(interaction.ambiguities.is_empty(), "{:?}", interaction.ambiguities);
    (interaction.contact.map(|c| c.to_string()), interaction.company.map(|c| c.to_string()))
}

fn id_of(answer: &Value, index: usize) -> String {
    answer["results"][index]["id"].as_str().unwrap_or_else(|| panic!("result {index} has an id: {answer}")).to_owned()
}

/// Every item of the table, without the attributes that say when it was written.
async fn table(stack: &TestStack) -> Vec<String> {
    let mut items: Vec<String> = stack
        .scan_all()
        .await
        .into_iter()
        .map(|item| {
            let mut pairs: Vec<String> = item.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
            pairs.sort();
            pairs.join(" ")
        })
        .collect();
    items.sort();
    items
}

fn sample_companies() -> Value {
    json!([
        {"external_id": "k-1", "name": "Nowak Logistyka Sp. z o.o.", "tax_id": "526-104-08-28", "token": "NL-2024"},
        {"external_id": "k-2", "name": "Zielony Ogród s.c.", "tax_id": 7791011327_u64},
    ])
}

fn sample_contacts() -> Value {
    json!([
        {"external_id": "c-1", "first_name": "Anna", "last_name": "Nowak", "email": "Anna.Nowak@nowak-logistyka.pl",
         "phone": "+48 601 234 567", "company_external_id": "k-1"},
        {"external_id": "c-2", "name": "Marek Wiśniewski", "phone": "602 345 678"},
        {"external_id": "c-3", "first_name": "Kasia", "messenger_id": "2718281828459045"},
    ])
}

#[tokio::test]
async fn imported_contacts_and_companies_are_found_by_the_wde_search() {
    on_each_backend_with(&config(), async |stack| {
        let answer = companies(stack, WDE_KEY, sample_companies()).await;
        assert_eq!(outcomes(&answer), ["created", "created"], "{answer}");
        let (acme, green) = (id_of(&answer, 0), id_of(&answer, 1));
        let answer = contacts(stack, WDE_KEY, sample_contacts()).await;
        assert_eq!(outcomes(&answer), ["created", "created", "created"], "{answer}");
        assert_eq!(counted(&answer), [3, 0, 0, 0]);
        assert_eq!(answer["results"][0]["external_id"], "c-1");
        let (anna, marek, kasia) = (id_of(&answer, 0), id_of(&answer, 1), id_of(&answer, 2));

        // By phone, in any notation; by e-mail, whatever its case; by messenger id.
        assert_eq!(found(stack, json!({"CustomerPhoneNumber": "0048602345678"})).await.0.as_ref(), Some(&marek));
        assert_eq!(
            found(stack, json!({"CustomerEmail": "anna.nowak@NOWAK-logistyka.pl"})).await.0.as_ref(),
            Some(&anna)
        );
        let chat =
            search_as(stack, WDE_KEY, "wde-demo", "messenger", json!({"FacebookActorID": "2718281828459045"})).await;
        assert_eq!(chat.contact.map(|c| c.to_string()).as_ref(), Some(&kasia));
        assert_eq!(stack.count_items("contact").await, 3, "the messenger customer was found, not created");

        // Companies by tax id with the token; a wrong token finds nothing, no token needs none.
        let with_token = found(stack, json!({"CustomerNIP": "5261040828", "CustomerToken": "NL-2024"})).await;
        assert_eq!(with_token.1.as_ref(), Some(&acme));
        let wrong = found(stack, json!({"CustomerNIP": "5261040828", "CustomerToken": "NL-2023"})).await;
        assert_eq!(wrong.1, None);
        assert_eq!(found(stack, json!({"CustomerNIP": "5261040828"})).await.1, None, "the token is required");
        assert_eq!(found(stack, json!({"CustomerNIP": 7791011327_u64})).await.1.as_ref(), Some(&green));

        // What was stored: the contact linked to its company, with who created it.
        let store = &stack.stack.app.store;
        let contact = Contact::get(store, &tenant(), &ContactId::parse(&anna).expect("id")).await.expect("read");
        let contact = contact.expect("stored");
        assert_eq!(contact.company.as_ref().map(ToString::to_string).as_ref(), Some(&acme));
        assert_eq!((contact.created_by.as_str(), contact.display_name().as_str()), ("import:wde-demo", "Anna Nowak"));
        let company = Company::get(store, &tenant(), &CompanyId::parse(&acme).expect("id")).await.expect("read");
        assert_eq!(company.expect("stored").tax_id.as_str(), "5261040828");
    })
    .await;
}

#[tokio::test]
async fn importing_the_same_batch_again_writes_nothing() {
    on_each_backend_with(&config(), async |stack| {
        companies(stack, WDE_KEY, sample_companies()).await;
        let first = contacts(stack, WDE_KEY, sample_contacts()).await;
        let before = table(stack).await;
        let again = contacts(stack, WDE_KEY, sample_contacts()).await;
        assert_eq!(outcomes(&again), ["unchanged", "unchanged", "unchanged"], "{again}");
        assert_eq!(counted(&again), [0, 0, 3, 0]);
        for i in 0..3 {
            assert_eq!(id_of(&again, i), id_of(&first, i), "the same records");
        }
        let companies_again = companies(stack, WDE_KEY, sample_companies()).await;
        assert_eq!(outcomes(&companies_again), ["unchanged", "unchanged"]);
        assert_eq!(table(stack).await, before, "no item was written or touched");

        // The UIS channel's key addresses the same records, its numbers read in its own country
        // (RU): the national Polish number is not one there, the international one is the same.
        let by_uis = contacts(stack, UIS_KEY, sample_contacts()).await;
        assert_eq!(outcomes(&by_uis), ["unchanged", "error", "unchanged"], "{by_uis}");
        assert!(by_uis["results"][1]["error"]["message"].as_str().expect("message").starts_with("contacts[1].phone: "));
        let mut international = sample_contacts();
        international[1]["phone"] = json!("+48 602 345 678");
        let by_uis = contacts(stack, UIS_KEY, international).await;
        assert_eq!(outcomes(&by_uis), ["unchanged", "unchanged", "unchanged"], "{by_uis}");
        assert_eq!(table(stack).await, before);
    })
    .await;
}

#[tokio::test]
async fn a_changed_phone_moves_the_lookup_and_a_changed_token_opens_with_the_new_one() {
    on_each_backend_with(&config(), async |stack| {
        companies(stack, WDE_KEY, sample_companies()).await;
        let first =
            contacts(stack, WDE_KEY, json!([{"external_id": "c-9", "first_name": "Jan", "phone": "+48 603 111 222"}]))
                .await;
        let jan = id_of(&first, 0);
        assert_eq!(found(stack, json!({"CustomerPhoneNumber": "+48603111222"})).await.0.as_ref(), Some(&jan));

        let moved = contacts(
            stack,
            WDE_KEY,
            json!([{"external_id": "c-9", "first_name": "Jan", "phone": "+48 603 999 888",
            "email": "jan@example.pl"}]),
        )
        .await;
        assert_eq!(outcomes(&moved), ["updated"], "{moved}");
        assert_eq!(id_of(&moved, 0), jan);
        assert_eq!(found(stack, json!({"CustomerPhoneNumber": "+48603999888"})).await.0.as_ref(), Some(&jan));
        assert_eq!(found(stack, json!({"CustomerPhoneNumber": "+48603111222"})).await.0, None, "the old phone is gone");
        assert_eq!(found(stack, json!({"CustomerEmail": "jan@example.pl"})).await.0.as_ref(), Some(&jan));
        // Only the name changed: the lookup items stay as they are.
        let renamed = contacts(
            stack,
            WDE_KEY,
            json!([{"external_id": "c-9", "first_name": "Janek", "phone": "+48603999888",
            "email": "jan@example.pl"}]),
        )
        .await;
        assert_eq!(outcomes(&renamed), ["updated"]);
        // The e-mail left out is cleared: it no longer finds the contact.
        let no_email = contacts(stack, WDE_KEY, json!([{"external_id": "c-9", "phone": "+48603999888"}])).await;
        assert_eq!(outcomes(&no_email), ["updated"]);
        assert_eq!(found(stack, json!({"CustomerEmail": "jan@example.pl"})).await.0, None);
        assert_eq!(stack.count_items("lookup").await, 2 + 1, "two tax ids and one phone hold lookup items");

        // A company's new token: the old one no longer opens it; a corrected tax id moves it.
        let retoken = companies(
            stack,
            WDE_KEY,
            json!([{"external_id": "k-1", "name": "Nowak Logistyka Sp. z o.o.",
            "tax_id": "5261040828", "token": "NL-2025"}]),
        )
        .await;
        assert_eq!(outcomes(&retoken), ["updated"], "{retoken}");
        let acme = id_of(&retoken, 0);
        let new_token = found(stack, json!({"CustomerNIP": "5261040828", "CustomerToken": "NL-2025"})).await;
        assert_eq!(new_token.1.as_ref(), Some(&acme));
        assert_eq!(found(stack, json!({"CustomerNIP": "5261040828", "CustomerToken": "NL-2024"})).await.1, None);
        let retax = companies(
            stack,
            WDE_KEY,
            json!([{"external_id": "k-1", "name": "Nowak Logistyka Sp. z o.o.",
            "tax_id": "5261040829", "token": "NL-2025"}]),
        )
        .await;
        assert_eq!(outcomes(&retax), ["updated"]);
        assert_eq!(
            found(stack, json!({"CustomerNIP": "5261040829", "CustomerToken": "NL-2025"})).await.1.as_ref(),
            Some(&acme)
        );
        assert_eq!(found(stack, json!({"CustomerNIP": "5261040828", "CustomerToken": "NL-2025"})).await.1, None);
        assert_eq!(stack.count_items("lookup").await, 3);
    })
    .await;
}

#[tokio::test]
async fn an_invalid_record_fails_alone_and_the_others_are_stored() {
    on_each_backend_with(&config(), async |stack| {
        companies(stack, WDE_KEY, sample_companies()).await;
        let answer = contacts(
            stack,
            WDE_KEY,
            json!([
                {"external_id": "c-1", "phone": "+48 601 234 567"},
                {"external_id": "c-2", "phone": "12"},
                {"external_id": "c-3", "first_name": "No key"},
                {"external_id": "c-1", "email": "again@example.pl"},
                {"external_id": "c-4", "email": "x@example.pl", "company_external_id": "k-404"},
                {"phone": "+48 602 345 678"},
                {"external_id": "c-5", "e-mail": "typo@example.pl"},
                "not a record",
                {"external_id": "c-6", "email": "kasia@example.pl", "company_external_id": "k-2"},
            ]),
        )
        .await;
        assert_eq!(counted(&answer), [2, 0, 0, 7], "{answer}");
        let results = answer["results"].as_array().expect("results");
        let error = |i: usize| {
            (
                results[i]["error"]["code"].as_str().expect("code"),
                results[i]["error"]["message"].as_str().expect("message"),
            )
        };
        assert_eq!(results[0]["result"], "created");
        assert_eq!(results[1]["external_id"], "c-2");
        assert_eq!(error(1).0, "invalid_field");
        assert!(error(1).1.starts_with("contacts[1].phone: "), "{}", error(1).1);
        assert_eq!(
            error(2),
            ("missing_field", "contacts[2]: a contact needs an email, a phone or a messenger_id to be found by")
        );
        assert_eq!(error(3).0, "duplicate_external_id");
        assert_eq!(error(4).0, "unknown_company");
        assert!(error(4).1.starts_with("contacts[4].company_external_id: "), "{}", error(4).1);
        assert_eq!(
            (results[5]["external_id"].clone(), error(5)),
            (Value::Null, ("missing_field", "contacts[5].external_id: is required"))
        );
        assert!(error(6).1.contains("unknown field `e-mail`"), "{}", error(6).1);
        assert_eq!(error(7).0, "invalid_field");
        assert_eq!(results[8]["result"], "created");

        assert!(found(stack, json!({"CustomerPhoneNumber": "+48601234567"})).await.0.is_some());
        assert!(found(stack, json!({"CustomerEmail": "kasia@example.pl"})).await.0.is_some());
        assert_eq!(
            found(stack, json!({"CustomerEmail": "again@example.pl"})).await.0,
            None,
            "the duplicate wrote nothing"
        );
        assert_eq!(stack.count_items("contact").await, 2);
    })
    .await;
}

#[tokio::test]
async fn another_tenants_key_neither_sees_nor_overwrites_the_records() {
    on_each_backend_with(&config(), async |stack| {
        let ours =
            contacts(stack, WDE_KEY, json!([{"external_id": "c-1", "first_name": "Anna", "phone": "+48 601 234 567"}]))
                .await;
        let anna = id_of(&ours, 0);
        companies(stack, WDE_KEY, sample_companies()).await;

        // The same external ids from the other tenant are its own records.
        let theirs = contacts(
            stack,
            OTHER_UIS_KEY,
            json!([{"external_id": "c-1", "first_name": "Zofia", "phone": "+48 609 000 111"}]),
        )
        .await;
        assert_eq!(outcomes(&theirs), ["created"], "{theirs}");
        assert_ne!(id_of(&theirs, 0), anna);
        let their_company =
            companies(stack, OTHER_WDE_KEY, json!([{"external_id": "k-1", "name": "Inna", "tax_id": "5261040828"}]))
                .await;
        assert_eq!(outcomes(&their_company), ["created"]);

        // Ours is as we imported it, and our search finds ours only.
        let stored = Contact::get(&stack.stack.app.store, &tenant(), &ContactId::parse(&anna).expect("id")).await;
        let stored = stored.expect("read").expect("ours is still there");
        assert_eq!(
            (stored.first_name.as_deref(), stored.phone.as_ref().map(|p| p.as_str())),
            (Some("Anna"), Some("+48601234567"))
        );
        assert_eq!(found(stack, json!({"CustomerPhoneNumber": "+48601234567"})).await.0.as_ref(), Some(&anna));
        assert_eq!(found(stack, json!({"CustomerPhoneNumber": "+48609000111"})).await.0, None);
        let ours_by_tax = found(stack, json!({"CustomerNIP": "5261040828", "CustomerToken": "NL-2024"})).await;
        assert_eq!(ours_by_tax.1, Some(id_of(&companies(stack, WDE_KEY, sample_companies()).await, 0)));

        // Their WDE finds theirs, never ours.
        let there = search(stack, OTHER_WDE_KEY, "wde-other", json!({"CustomerPhoneNumber": "+48601234567"})).await;
        assert_eq!(there.contact, None);
        let there = search(stack, OTHER_WDE_KEY, "wde-other", json!({"CustomerPhoneNumber": "+48609000111"})).await;
        assert_eq!(there.contact.map(|c| c.to_string()), Some(id_of(&theirs, 0)));
        assert!(
            Contact::get(&stack.stack.app.store, &other(), &ContactId::parse(&anna).expect("id"))
                .await
                .expect("read")
                .is_none()
        );
    })
    .await;
}

#[tokio::test]
async fn requests_without_a_key_malformed_or_too_large_are_refused_and_write_nothing() {
    on_each_backend_with(&config(), async |stack| {
        let one = json!({"contacts": [{"external_id": "c-1", "email": "a@example.pl"}]}).to_string();
        for key in
            [None, Some("not-a-key-of-any-channel"), Some("bot-demo-api-key-0001"), Some("pbx-demo-api-key-0001")]
        {
            let (status, body) = import(stack, key, "/crm/contacts", &one).await;
            assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthorized")), "{key:?}: {body}");
        }
        let (status, body) = import(stack, None, "/crm/companies", "{}").await;
        assert_eq!(status, 401, "{body}");

        let many: Vec<Value> =
            (0..501).map(|i| json!({"external_id": format!("c-{i}"), "email": format!("c{i}@example.pl")})).collect();
        let (status, body) =
            import(stack, Some(WDE_KEY), "/crm/contacts", &json!({"contacts": many}).to_string()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{body}");
        assert_eq!(body["error"]["message"], "body.contacts: 501 records; a request carries 1 to 500");
        let (status, body) = import(stack, Some(WDE_KEY), "/crm/companies", r#"{"companies": []}"#).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{body}");
        let (status, body) = import(stack, Some(WDE_KEY), "/crm/contacts", r#"{"contacts": [{"#).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_json")), "{body}");
        let (status, body) = import(stack, Some(WDE_KEY), "/crm/contacts", r#"{"companies": []}"#).await;
        assert_eq!(status, 400, "{body}");
        let (status, body) =
            import(stack, Some(WDE_KEY), "/crm/contacts", r#"{"contacts": {"external_id": "c-1"}}"#).await;
        assert_eq!(status, 400, "{body}");
        let huge = format!(r#"{{"contacts": [{{"external_id": "c-1", "name": "{}"}}]}}"#, "x".repeat(300 * 1024));
        let (status, body) = import(stack, Some(WDE_KEY), "/crm/contacts", &huge).await;
        assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")), "{body}");
        assert_eq!(stack.count_items("contact").await, 0);
        assert_eq!(stack.count_items("lookup").await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_admin_imports_csv_files_skipping_bad_rows_by_line() {
    on_each_backend_with(&config(), async |stack| {
        let store = &stack.stack.app.store;
        let country = ccbridge_admin::crm_import_country(&stack.stack.app.config, &tenant(), None).expect("country");
        assert_eq!(country, Country::parse("RU").expect("RU"), "the tenant's first UIS or WDE channel's");
        let unknown = ccbridge_admin::crm_import_country(
            &stack.stack.app.config,
            &TenantId::try_from("nobody".to_string()).expect("t"),
            None,
        );
        assert!(unknown.expect_err("no channel").contains("no UIS or WDE channel"));
        let pl = Country::parse("PL").expect("PL");

        let companies = "external_id,name,tax_id,token\nk-1,\"Nowak Logistyka Sp. z o.o.\",526-104-08-28,NL-2024\n";
        let mut seen = Vec::new();
        let report = ccbridge_admin::import_crm_csv(
            store,
            &tenant(),
            pl,
            CrmRecords::Companies,
            companies.as_bytes(),
            |d, t| seen.push((d, t)),
        )
        .await
        .expect("imported");
        assert_eq!((report.created, report.failed), (1, 0), "{report:?}");
        assert_eq!(seen, [(0, 1), (1, 1)]);

        let contacts = "\u{feff}External_ID, first_name ,last_name,email,phone,company_external_id\n\
            c-1,Anna,Nowak,anna.nowak@nowak-logistyka.pl,601 234 567,k-1\n\
            c-2,Marek,,,not a phone,\n\
            c-3,\"Kowalski, Jan\",,,+48 604 555 666,\n\
            c-1,Anna,Again,,602 000 000,\n\
            c-4,Ewa,,ewa@example.pl,,k-9\n\
            c-5,Ola,,ola@example.pl\n";
        let report =
            ccbridge_admin::import_crm_csv(store, &tenant(), pl, CrmRecords::Contacts, contacts.as_bytes(), |_, _| {})
                .await
                .expect("imported");
        assert_eq!((report.created, report.updated, report.unchanged, report.failed), (3, 0, 0, 3), "{report:?}");
        assert_eq!(report.errors.len(), 3);
        assert!(report.errors[0].starts_with("line 3: phone: "), "{:?}", report.errors);
        assert_eq!(report.errors[1], "line 5: external_id: line 2 has the same external_id");
        assert!(report.errors[2].starts_with("line 6: company_external_id: "), "{:?}", report.errors);
        assert_eq!(report.summary(CrmRecords::Contacts), "contacts: 3 created, 0 updated, 0 unchanged, 3 failed");

        let (anna, acme) = found(
            stack,
            json!({"CustomerPhoneNumber": "+48601234567", "CustomerNIP": "5261040828", "CustomerToken": "NL-2024"}),
        )
        .await;
        let anna = Contact::get(store, &tenant(), &ContactId::parse(&anna.expect("found")).expect("id"))
            .await
            .expect("read")
            .expect("stored");
        assert_eq!((anna.created_by.as_str(), anna.company.map(|c| c.to_string())), ("import:csv", acme));
        assert!(found(stack, json!({"CustomerPhoneNumber": "+48604555666"})).await.0.is_some());
        assert!(found(stack, json!({"CustomerEmail": "ola@example.pl"})).await.0.is_some(), "a short row is read");

        let again =
            ccbridge_admin::import_crm_csv(store, &tenant(), pl, CrmRecords::Contacts, contacts.as_bytes(), |_, _| {})
                .await
                .expect("imported");
        assert_eq!((again.created, again.unchanged, again.failed), (0, 3, 3));

        let wrong = "external_id,e-mail\nc-1,a@example.pl\n";
        let refused =
            ccbridge_admin::import_crm_csv(store, &tenant(), pl, CrmRecords::Contacts, wrong.as_bytes(), |_, _| {})
                .await;
        assert!(refused.expect_err("unknown column").contains("\"e-mail\""));
        let no_id = "email\na@example.pl\n";
        let refused =
            ccbridge_admin::import_crm_csv(store, &tenant(), pl, CrmRecords::Contacts, no_id.as_bytes(), |_, _| {})
                .await;
        assert!(refused.expect_err("no external_id").contains("external_id"));
    })
    .await;
}

/// The DynamoDB requests of one import, counted on the function's own client.
#[tokio::test]
async fn round_trips_per_import() {
    on_each_backend_with(&config(), async |stack| {
        let (app, counter) = stack.app_counting_calls();
        let call = async |path: &str, body: Value| {
            let request = http::Request::builder()
                .method("POST")
                .uri(path)
                .header("content-type", "application/json")
                .header("x-api-key", WDE_KEY)
                .body(bytes::Bytes::from(body.to_string()))
                .expect("request");
            let response = crm_import::FUNCTION.call(app.clone(), request).await;
            assert_eq!(response.status(), 200, "{}", String::from_utf8_lossy(response.body()));
            let counted = counter.take_counts();
            eprintln!("{path}: {counted:?}");
            counted
        };
        const N: usize = 20;
        let records = |phone_base: u64| -> Value {
            (0..N)
                .map(|i| {
                    json!({"external_id": format!("c-{i}"), "phone": format!("+48 601 {:06}", phone_base + i as u64),
                    "email": format!("c{i}@example.pl"), "company_external_id": "k-1"})
                })
                .collect()
        };
        let company = json!({"companies": [{"external_id": "k-1", "name": "ACME", "tax_id": "5261040828"}]});
        assert_eq!(call("/crm/companies", company.clone()).await, counts(&[("GetItem", 1), ("TransactWriteItems", 1)]));
        assert_eq!(call("/crm/companies", company).await, counts(&[("GetItem", 1)]), "unchanged: one read");
        // New: a read and one transaction (the contact and its two lookup items) per record,
        // and one read of the company they link to.
        let new = call("/crm/contacts", json!({ "contacts": records(100_000) })).await;
        assert_eq!(new, counts(&[("GetItem", N + 1), ("TransactWriteItems", N)]));
        let again = call("/crm/contacts", json!({ "contacts": records(100_000) })).await;
        assert_eq!(again, counts(&[("GetItem", N + 1)]), "the same batch again: reads only");
        let moved = call("/crm/contacts", json!({ "contacts": records(200_000) })).await;
        assert_eq!(moved, counts(&[("GetItem", N + 1), ("TransactWriteItems", N)]), "new phones: one transaction each");
    })
    .await;
}

/// The samples in events/crm-import/ (replayed with every other sample by `events.rs`) import
/// every record they carry, companies first.
#[tokio::test]
async fn the_samples_import_every_record() {
    on_each_backend_with(&config(), async |stack| {
        for sample in ["1_companies.json", "2_contacts.json"] {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/crm-import").join(sample);
            let event = std::fs::read_to_string(&path).expect("sample");
            let response = ccbridge_local::invoke::invoke(stack.stack.app.clone(), crm_import::FUNCTION, &event)
                .await
                .expect("invoked");
            assert_eq!(response["statusCode"], 200, "{sample}: {response}");
            let body: Value = serde_json::from_str(response["body"].as_str().expect("body")).expect("JSON");
            assert_eq!((body["created"].as_u64(), body["failed"].as_u64()), (body["results"].as_array().map(|r| r.len() as u64), Some(0)), "{sample}: {body}");
        }
        let (anna, company) = found(stack, json!({"CustomerEmail": "anna.nowak@nowak-logistyka.pl", "CustomerNIP": "5261040828", "CustomerToken": "NL-2024"})).await;
        assert!(anna.is_some() && company.is_some());
    })
    .await;
}
