//! The card's activity, over HTTP and in a real browser, on every backend: the interaction's
//! activity on the card, the agent's note, wrap-up and case posted from it and kept in the
//! table as the CRM API keeps them, a wrap-up outside the channel's list refused, a case form
//! sent twice opening one case, cross-site posts writing nothing, and the round trips of each.

use std::time::Duration;

use ccbridge::config::{ChannelId, TenantId};
use ccbridge::crm::activity::ActivityView;
use ccbridge::crm::ids::{ActivityId, InteractionId, Source};
use ccbridge_tests::browser::Browser;
use ccbridge_tests::{CONFIG, TestStack, backends, counts, on_each_backend_with};
use serde_json::json;

const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";

/// The test configuration, with two wrap-up codes on the WDE demo channel.
fn config() -> String {
    let wde_end = "default_operator = \"admin\"\n";
    assert!(CONFIG.contains(wde_end), "the test configuration changed");
    let codes = "[[channel.crm.wrapup_codes]]\ncode = \"resolved\"\nlabel = \"Resolved\"\n\n\
                 [[channel.crm.wrapup_codes]]\ncode = \"callback\"\nlabel = \"Call back\"\n";
    CONFIG.replacen(wde_end, &format!("{wde_end}{codes}"), 1)
}

/// Registers a voice interaction of `agent01` and returns its card's URL.
async fn register(stack: &TestStack, genesys_id: &str) -> String {
    let body = json!({"GenesysIDInteraction": genesys_id, "MediaType": "voice in", "AgentID": "agent01",
        "CustomerPhoneNumber": "+48 600 100 700", "InteractionStartDateTime": "2026-11-21T10:00:00Z"});
    let response =
        stack.http.post(stack.url("/wde/registerInteraction")).header("x-api-key", WDE_KEY).json(&body).send().await;
    let answer: serde_json::Value = response.expect("registerInteraction").json().await.expect("JSON");
    answer["url"].as_str().unwrap_or_else(|| panic!("a card link: {answer}")).to_owned()
}

/// The activity as the table holds it.
async fn stored(stack: &TestStack, genesys_id: &str) -> ActivityView {
    let channel = ChannelId::try_from("wde-demo".to_owned()).expect("channel");
    let id = ActivityId::new(Source::Wde, &channel, InteractionId::derive("wde-demo", genesys_id));
    ActivityView::read(&stack.stack.app.store, &TenantId::default(), &id).await.expect("read").expect("the activity")
}

/// Posts the card's form `action` as the card's own page does; the status and the page.
async fn post(card: &str, action: &str, site: &str, form: &[(&str, &str)]) -> (u16, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let response = client
        .post(format!("{card}/{action}"))
        .header("sec-fetch-site", site)
        .header("origin", "null")
        .form(form)
        .send()
        .await
        .expect("post");
    let status = response.status().as_u16();
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    if status == 303 {
        let token = card.rsplit('/').next().unwrap_or_default();
        assert_eq!(location, Some(format!("../{token}")), "back to the card");
    }
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn notes_a_wrapup_and_a_case_posted_from_the_card_are_kept_and_shown() {
    on_each_backend_with(&config(), async |stack| {
        let card = register(stack, "actCard1").await;
        let page = stack.http.get(&card).send().await.expect("card").text().await.expect("html");
        assert!(page.contains(r#"<section id="activity">"#), "{page}");
        assert!(page.contains(r#"<option value="callback">Call back</option>"#), "{page}");

        for text in ["Asked for the invoice", "Will call back <tomorrow>"] {
            assert_eq!(post(&card, "notes", "same-origin", &[("text", text)]).await.0, 303);
        }
        let (status, page) = post(&card, "wrapup", "same-origin", &[("code", "sold"), ("text", "")]).await;
        assert_eq!(status, 422, "{page}");
        assert!(page.contains("resolved, callback"), "the refusal names the list: {page}");
        let wrapup = [("code", "callback"), ("text", "after 5 pm")];
        assert_eq!(post(&card, "wrapup", "same-origin", &wrapup).await.0, 303);
        let case = [("subject", "Invoice missing"), ("request_id", "form-nonce-1")];
        for _ in 0..2 {
            assert_eq!(post(&card, "cases", "same-origin", &case).await.0, 303);
        }
        assert_eq!(post(&card, "notes", "same-origin", &[("text", "  ")]).await.0, 422);

        // Another site's posts change nothing.
        assert_eq!(post(&card, "notes", "cross-site", &[("text", "forged")]).await.0, 403);
        assert_eq!(post(&card, "wrapup", "cross-site", &[("code", "resolved")]).await.0, 403);
        let forged = [("subject", "forged"), ("request_id", "x")];
        assert_eq!(post(&card, "cases", "cross-site", &forged).await.0, 403);
        let tampered = format!("{card}x");
        assert_eq!(post(&tampered, "notes", "same-origin", &[("text", "forged")]).await.0, 403);

        let view = stored(stack, "actCard1").await;
        let mut notes: Vec<&str> = view.notes.iter().map(|n| n.text.as_str()).collect();
        notes.sort_unstable();
        assert_eq!(notes, ["Asked for the invoice", "Will call back <tomorrow>"]);
        assert!(view.notes.iter().all(|n| n.author == "agent01"), "{:?}", view.notes);
        let wrapup = view.wrapup.as_ref().expect("a wrap-up");
        assert_eq!(
            (wrapup.code.as_str(), wrapup.label.as_str(), wrapup.text.as_deref()),
            ("callback", "Call back", Some("after 5 pm"))
        );
        assert_eq!(view.cases.len(), 1, "{:?}", view.cases);
        assert_eq!(view.cases[0].subject, "Invoice missing");

        let page = stack.http.get(&card).send().await.expect("card").text().await.expect("html");
        assert!(page.contains("Will call back &lt;tomorrow&gt;"), "{page}");
        assert!(page.contains(r#"<option value="callback" selected>Call back</option>"#), "{page}");
        assert!(page.contains(r#"<li class="case">Invoice missing <span class="status">open</span>"#), "{page}");
    })
    .await;
}

#[tokio::test]
async fn an_agent_adds_a_note_picks_a_wrapup_and_opens_a_case_by_clicking_through_the_card_in_chromium() {
    let Some(mut browser) = Browser::from_env().await else { return };
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let stack = TestStack::start_with(&backend, &config()).await;
        let card = register(&stack, "actBrowser").await;
        browser.goto(&card).await;

        browser.fill("#note-text", "Customer wants a refund").await;
        browser.click("#note-submit").await;
        browser
            .wait_for(
                "[...document.querySelectorAll('#notes li')].some(l => l.textContent.endsWith('Customer wants a refund'))",
                Duration::from_secs(20),
            )
            .await;
        assert_eq!(browser.eval("location.href").await, json!(card), "back on the card");

        browser.eval("document.getElementById('wu-code').value = 'resolved'").await;
        browser.fill("#wu-text", "refund approved").await;
        browser.click("#wu-submit").await;
        browser
            .wait_for("document.querySelector('#wrapup .code')?.textContent === 'resolved'", Duration::from_secs(20))
            .await;

        browser.fill("#case-subject", "Refund for order 42").await;
        browser.click("#case-submit").await;
        browser
            .wait_for(
                "document.querySelector('#cases li')?.textContent.startsWith('Refund for order 42')",
                Duration::from_secs(20),
            )
            .await;

        let view = stored(&stack, "actBrowser").await;
        assert_eq!(view.notes.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(), ["Customer wants a refund"]);
        let wrapup = view.wrapup.as_ref().expect("a wrap-up");
        assert_eq!(
            (wrapup.code.as_str(), wrapup.text.as_deref(), wrapup.by.as_str()),
            ("resolved", Some("refund approved"), "agent01")
        );
        assert_eq!(view.cases.iter().map(|c| c.subject.as_str()).collect::<Vec<_>>(), ["Refund for order 42"]);
    }
}

/// A request of the card's own page to the screen-pop function, as API Gateway passes it.
fn card_request(method: &str, path: &str, form: &str) -> ccbridge::http::Request {
    let mut req = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:1")
        .header("sec-fetch-site", "same-origin")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(bytes::Bytes::from(form.to_owned()))
        .expect("request");
    req.extensions_mut().insert(ccbridge::http::ClientIp([127, 0, 0, 1].into()));
    req
}

#[tokio::test]
async fn round_trips_of_the_card_and_its_activity_forms() {
    on_each_backend_with(&config(), async |stack| {
        let card = register(stack, "actCosts").await;
        let path = format!("/card/{}", card.rsplit('/').next().expect("a token"));
        let (app, counter) = stack.app_counting_calls();
        let call = async |method: &str, path: &str, form: &str| {
            let response = screen_pop::FUNCTION.call(app.clone(), card_request(method, path, form)).await;
            let status = response.status().as_u16();
            assert!(status == 200 || status == 303, "{status}: {}", String::from_utf8_lossy(response.body()));
            counter.take_counts()
        };
        // The interaction, the contact's timeline and the activity; nobody is linked yet.
        assert_eq!(call("GET", &path, "").await, counts(&[("GetItem", 1), ("Query", 1)]));
        let note = call("POST", &format!("{path}/notes"), "text=hello").await;
        assert_eq!(note, counts(&[("GetItem", 1), ("PutItem", 1), ("Query", 1)]), "a note");
        let case = call("POST", &format!("{path}/cases"), "subject=Refund&request_id=r1").await;
        assert_eq!(case, counts(&[("GetItem", 1), ("PutItem", 1), ("Query", 1)]), "a case");
        let wrapup = call("POST", &format!("{path}/wrapup"), "code=resolved").await;
        assert_eq!(wrapup, counts(&[("GetItem", 2), ("PutItem", 1), ("Query", 1)]), "a wrap-up");
        assert_eq!(call("GET", &path, "").await, counts(&[("GetItem", 1), ("Query", 1)]), "the card, with all three");
    })
    .await;
}
