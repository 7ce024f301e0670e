//! Click-to-call and the callback work list end to end, on every backend, against the local UIS
//! Call API contract server: what UIS receives is asserted on the server's side.

use ccbridge::auth::{SignatureEncoding, hmac_sha256};
use ccbridge::store::Written;
use ccbridge::uis::callback::{Callback, CallbackStatus};
use ccbridge_tests::uis_call_api::{self, UisCallApi};
use ccbridge_tests::{CONFIG, TestStack, backends};
use serde_json::{Value, json};

const TOKEN: &str = "uis-demo-token-0001";
const API_KEY: &str = "uis-demo-api-key-0001";
const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";
/// The account's virtual number and employees with phones.
const VIRTUAL: &str = "74993720692";

/// Runs `scenario` on each backend with a fresh Call API whose account has employees 2001, 2002
/// and 2003 (without an active phone) and the channel's virtual number.
async fn with_call_api(scenario: impl AsyncFn(&TestStack, &UisCallApi)) {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let api = UisCallApi::start().await;
        api.add_employee(2001, &["74993720001"]);
        api.add_employee(2002, &["74993720002"]);
        api.add_employee(2003, &[]);
        api.add_virtual_number(VIRTUAL);
        let line = "operators = { \"2001\" = \"ivanova\", \"2002\" = \"petrov\" }\n";
        let call_api = format!(
            "operators = {{ \"2001\" = \"ivanova\", \"2002\" = \"petrov\", \"2003\" = \"sidorova\" }}\ncall_api = {{ access_token = \"{}\", virtual_phone = \"+{VIRTUAL}\", url = \"{}\" }}\n",
            uis_call_api::TOKEN,
            api.url()
        );
        let config = CONFIG.replacen(line, &call_api, 1);
        assert_ne!(config, CONFIG, "the test configuration names the UIS operators");
        let stack = TestStack::start_with(&backend, &config).await;
        scenario(&stack, &api).await;
    }
}

struct Answer {
    status: u16,
    body: Value,
    retry_after: Option<String>,
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().expect("ascii").to_owned());
    let text = response.text().await.expect("body");
    Answer { status, body: serde_json::from_str(&text).unwrap_or(Value::String(text)), retry_after }
}

async fn click(stack: &TestStack, body: Value) -> Answer {
    send(stack.http.post(stack.url("/uis/calls")).header("x-api-key", API_KEY).json(&body)).await
}

async fn webhook(stack: &TestStack, kind: &str, body: &Value) {
    let answer = send(stack.http.post(stack.url(&format!("/uis/webhook/{kind}"))).json(body)).await;
    assert_eq!(answer.status, 200, "{kind}: {}", answer.body);
}

async fn get(stack: &TestStack, path: &str) -> Answer {
    send(stack.http.get(stack.url(path)).header("x-api-key", API_KEY)).await
}

async fn post(stack: &TestStack, path: &str, body: Value) -> Answer {
    send(stack.http.post(stack.url(path)).header("x-api-key", API_KEY).json(&body)).await
}

/// The notifications UIS sends for an outgoing call it placed, answered by the customer.
fn outgoing(id: u64, phone: &str, minute: u32) -> [(&'static str, Value); 3] {
    let start = format!("2026-11-21 11:{minute:02}:00.100");
    [
        (
            "outgoing_call_started",
            json!({"ud_channel_token": TOKEN, "call_session_id": id, "direction": "out",
            "contact_phone_number": phone, "employee_id": 2001, "employee_full_name": "Иванова Ольга",
            "virtual_phone_number": VIRTUAL, "start_time": start, "notification_time": start,
            "external_id": "usedesk-4711"}),
        ),
        (
            "conversation_started",
            json!({"ud_channel_token": TOKEN, "call_session_id": id, "direction": "out",
            "contact_phone_number": phone, "employee_id": 2001, "answer_time": format!("2026-11-21 11:{minute:02}:09"),
            "start_time": start, "notification_time": format!("2026-11-21 11:{minute:02}:09.5")}),
        ),
        (
            "call_finished",
            json!({"ud_channel_token": TOKEN, "call_session_id": id, "direction": "out",
            "is_lost": false, "contact_phone_number": phone, "employee_ids": [2001], "talk_time_duration": 95,
            "last_talked_employee_id": 2001, "finish_reason": "employee_disconnects", "start_time": start,
            "finish_time": format!("2026-11-21 11:{minute:02}:59"), "notification_time": format!("2026-11-21 11:{minute:02}:59.9")}),
        ),
    ]
}

/// A missed incoming call from `phone`.
fn missed(id: u64, phone: &str, start: &str) -> [(&'static str, Value); 2] {
    [
        (
            "incoming_call_started",
            json!({"ud_channel_token": TOKEN, "call_session_id": id, "direction": "in",
            "contact_phone_number": phone, "virtual_phone_number": VIRTUAL, "start_time": start,
            "notification_time": start}),
        ),
        (
            "call_finished",
            json!({"ud_channel_token": TOKEN, "call_session_id": id, "direction": "in",
            "is_lost": true, "contact_phone_number": phone, "talk_time_duration": 0, "start_time": start,
            "finish_reason": "subscriber_disconnects", "finish_time": start, "notification_time": start}),
        ),
    ]
}

/// An answered incoming call from `phone`.
fn answered(id: u64, phone: &str, start: &str) -> (&'static str, Value) {
    (
        "call_finished",
        json!({"ud_channel_token": TOKEN, "call_session_id": id, "direction": "in",
        "is_lost": false, "contact_phone_number": phone, "talk_time_duration": 40, "employee_ids": [2002],
        "last_talked_employee_id": 2002, "start_time": start, "finish_time": start, "notification_time": start}),
    )
}

#[tokio::test]
async fn a_click_places_one_call_that_the_webhooks_join() {
    with_call_api(async |stack, api| {
        let placed = click(
            stack,
            json!({"operator": "ivanova", "phone": "8 916 123-45-67",
            "external_id": "usedesk-4711"}),
        )
        .await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        let id = placed.body["call_session_id"].as_u64().expect("session id");
        assert_eq!(api.call_session_ids(), vec![id]);
        assert_eq!(placed.body["state"], "dialing");
        assert_eq!(placed.body["ticket_id"], format!("uis-{id}"));
        assert_eq!(placed.body["employee_id"], "2001");
        assert_eq!(placed.body["phone"], "+79161234567");
        assert!(placed.body["contact_id"].is_string(), "{}", placed.body);
        let sent = api.employee_calls();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["contact"], "79161234567", "the Call API wants digits without +");
        assert_eq!(sent[0]["virtual_phone_number"], VIRTUAL);
        assert_eq!(sent[0]["first_call"], "employee");
        assert_eq!(sent[0]["employee"], json!({"id": 2001}));
        assert_eq!(sent[0]["external_id"], "usedesk-4711");

        // A double click, in sequence or at once, rings nobody twice.
        let again = click(stack, json!({"employee_id": "2001", "phone": "+7 916 123 45 67"})).await;
        assert_eq!((again.status, again.body["call_session_id"].as_u64()), (200, Some(id)), "{}", again.body);
        assert_eq!(again.body["result"], "existing");
        let body = json!({"operator": "ivanova", "phone": "+79161230000"});
        let (a, b) = tokio::join!(click(stack, body.clone()), click(stack, body));
        assert_eq!(api.call_session_ids().len(), 2, "two concurrent clicks place one call");
        assert_eq!(a.body["call_session_id"], b.body["call_session_id"], "{} / {}", a.body, b.body);
        let mut statuses = [a.status, b.status];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 201]);

        // The webhooks for the session join its call and ticket.
        for (kind, body) in outgoing(id, "79161234567", 1) {
            webhook(stack, kind, &body).await;
        }
        let detail = get(stack, &format!("/uis/calls/{id}")).await;
        assert_eq!(detail.status, 200, "{}", detail.body);
        assert_eq!(detail.body["call"]["state"], "finished", "{}", detail.body);
        assert_eq!(detail.body["ticket"]["ticket_id"], format!("uis-{id}"));
        assert_eq!(detail.body["ticket"]["status"], "closed");
        assert_eq!(detail.body["events"].as_array().map(Vec::len), Some(3), "the request is not a notification");
    })
    .await;
}

#[tokio::test]
async fn the_webhooks_join_a_placed_call_in_every_order() {
    with_call_api(async |stack, _api| {
        let orders: [[usize; 3]; 6] = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        let mut finals = Vec::new();
        for (n, order) in orders.iter().enumerate() {
            let phone = format!("7916123456{n}");
            let placed = click(stack, json!({"operator": "ivanova", "phone": phone})).await;
            assert_eq!(placed.status, 201, "{}", placed.body);
            let id = placed.body["call_session_id"].as_u64().expect("id");
            let events = outgoing(id, &phone, 10);
            for &i in order {
                webhook(stack, events[i].0, &events[i].1).await;
                // A redelivery changes nothing.
                webhook(stack, events[i].0, &events[i].1).await;
            }
            let detail = get(stack, &format!("/uis/calls/{id}")).await;
            let call = &detail.body["call"];
            let ticket = &detail.body["ticket"];
            assert_eq!(ticket["ticket_id"], format!("uis-{id}"), "{}", detail.body);
            finals.push(json!({
                "state": call["state"], "direction": call["direction"], "operator": call["operator"],
                "talk_seconds": call["talk_seconds"], "started_at": call["started_at"],
                "ticket_status": ticket["status"], "subject": ticket["subject"],
            }));
        }
        assert_eq!(finals[0]["state"], "finished", "{}", finals[0]);
        assert!(finals.iter().all(|f| *f == finals[0]), "{finals:#?}");
    })
    .await;
}

#[tokio::test]
async fn call_api_refusals_are_clear_client_errors() {
    with_call_api(async |stack, api| {
        let refused = |body: Value| async move { click(stack, body).await };
        for (body, status, code, field) in [
            (json!({"employee_id": 9999, "phone": "+79161234567"}), 422, "employee_not_found", "body.employee_id"),
            (
                json!({"operator": "sidorova", "phone": "+79161234567"}),
                422,
                "no_active_phone_number",
                "body.employee_id",
            ),
            (
                json!({"operator": "ivanova", "phone": "+79161234567", "virtual_phone": "+74950000000"}),
                422,
                "virtual_phone_number_not_found",
                "body.virtual_phone",
            ),
            (
                json!({"operator": "ivanova", "phone": "+74993720692"}),
                422,
                "own_virtual_phone_number_not_allowed",
                "body.phone",
            ),
            (json!({"operator": "nobody", "phone": "+79161234567"}), 422, "unknown_operator", "body.operator"),
            (json!({"operator": "ivanova", "phone": "12"}), 400, "invalid_field", "body.phone"),
            (json!({"phone": "+79161234567"}), 400, "missing_field", "body.operator"),
            (json!({"operator": "ivanova"}), 400, "invalid_field", "body"),
            (json!({"operator": "ivanova", "phone": "+79161234567", "extra": 1}), 400, "invalid_field", "body"),
        ] {
            let answer = refused(body.clone()).await;
            assert_eq!(answer.status, status, "{body}: {}", answer.body);
            assert_eq!(answer.body["error"]["code"], code, "{body}: {}", answer.body);
            let message = answer.body["error"]["message"].as_str().expect("message");
            assert!(message.starts_with(field), "{body}: {message}");
        }
        api.block_contact("79161112233");
        let blocked = click(stack, json!({"operator": "ivanova", "phone": "+79161112233"})).await;
        assert_eq!((blocked.status, blocked.body["error"]["code"].as_str()), (422, Some("contact_in_blacklist")));
        assert!(api.call_session_ids().is_empty(), "nothing was placed");

        // A refusal lets go of the double-click lease: the corrected request goes through.
        api.fail_next(503);
        let outage = click(stack, json!({"operator": "ivanova", "phone": "+79161234567"})).await;
        assert_eq!(outage.status, 503, "{}", outage.body);
        let retried = click(stack, json!({"operator": "ivanova", "phone": "+79161234567"})).await;
        assert_eq!(retried.status, 201, "{}", retried.body);

        api.set_minute_limit(1);
        let limited = click(stack, json!({"operator": "ivanova", "phone": "+79161234500"})).await;
        assert_eq!(limited.status, 429, "{}", limited.body);
        let wait: u64 = limited.retry_after.as_deref().expect("Retry-After").parse().expect("seconds");
        assert!((1..=60).contains(&wait), "{wait}");

        api.expire_token();
        let expired = click(stack, json!({"operator": "ivanova", "phone": "+79161234501"})).await;
        assert_eq!(expired.status, 503, "{}", expired.body);
        for answer in [&outage, &limited, &expired] {
            assert!(!answer.body.to_string().contains(uis_call_api::TOKEN), "{}", answer.body);
        }

        for key in [None, Some("uis-demo-api-key-0002"), Some(TOKEN)] {
            let mut request =
                stack.http.post(stack.url("/uis/calls")).json(&json!({"operator": "ivanova", "phone": "+79161234567"}));
            if let Some(key) = key {
                request = request.header("x-api-key", key);
            }
            assert_eq!(send(request).await.status, 401, "{key:?}");
        }
        assert_eq!(api.call_session_ids().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn missed_calls_wait_on_the_callback_list_until_done_or_answered() {
    with_call_api(async |stack, _api| {
        for (kind, body) in missed(8001, "79160000001", "2026-11-21 09:00:00") {
            webhook(stack, kind, &body).await;
        }
        for (kind, body) in missed(8002, "79160000002", "2026-11-21 09:05:00") {
            webhook(stack, kind, &body).await;
            webhook(stack, kind, &body).await;
        }
        let list = get(stack, "/uis/callbacks").await;
        assert_eq!(list.status, 200, "{}", list.body);
        let tickets: Vec<&str> =
            list.body["callbacks"].as_array().expect("list").iter().filter_map(|c| c["ticket_id"].as_str()).collect();
        assert_eq!(tickets, ["uis-8001", "uis-8002"], "oldest first, once each");
        assert_eq!(list.body["callbacks"][0]["contact"]["phone"], "+79160000001");
        assert_eq!(list.body["callbacks"][0]["attempts"], 0);

        // Calling back counts as an attempt; the page size is honoured.
        let placed = click(stack, json!({"operator": "ivanova", "phone": "+79160000001"})).await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        let page = get(stack, "/uis/callbacks?limit=1").await;
        assert_eq!(page.body["callbacks"][0]["attempts"], 1, "{}", page.body);
        let cursor = page.body["next_cursor"].as_str().expect("a next page");
        let next = get(stack, &format!("/uis/callbacks?limit=1&cursor={cursor}")).await;
        assert_eq!(next.body["callbacks"][0]["ticket_id"], "uis-8002", "{}", next.body);

        // Marked done by an agent: gone from the list, a second mark changes nothing.
        let done = post(stack, "/uis/callbacks/uis-8001/done", json!({"operator": "ivanova"})).await;
        assert_eq!((done.status, done.body["result"].as_str()), (200, Some("done")), "{}", done.body);
        assert_eq!(done.body["callback"]["done"]["by"], "ivanova");
        let again = post(stack, "/uis/callbacks/uis-8001/done", json!({"operator": "petrov"})).await;
        assert_eq!(again.body["result"], "already_done");
        assert_eq!(again.body["callback"]["done"]["by"], "ivanova", "the first mark stands");
        assert_eq!(post(stack, "/uis/callbacks/uis-1/done", json!({"operator": "x"})).await.status, 404);
        assert_eq!(post(stack, "/uis/callbacks/uis-8002/done", json!({})).await.status, 400);

        // The placed call's notifications do not count it twice.
        let id = placed.body["call_session_id"].as_u64().expect("id");
        for (kind, body) in outgoing(id, "79160000001", 30) {
            webhook(stack, kind, &body).await;
        }
        let list = get(stack, "/uis/callbacks").await;
        assert_eq!(list.body["callbacks"].as_array().map(Vec::len), Some(1), "{}", list.body);

        // An answered call from the number closes its callback by itself.
        let (kind, body) = answered(8003, "79160000002", "2026-11-21 10:00:00");
        webhook(stack, kind, &body).await;
        let list = get(stack, "/uis/callbacks").await;
        assert_eq!(list.body["callbacks"], json!([]), "{}", list.body);

        // Also when the answered call is reported before the missed one.
        let (kind, body) = answered(8005, "79160000003", "2026-11-21 12:00:00");
        webhook(stack, kind, &body).await;
        for (kind, body) in missed(8004, "79160000003", "2026-11-21 11:00:00") {
            webhook(stack, kind, &body).await;
        }
        // And a missed call after the last answered one stays.
        for (kind, body) in missed(8006, "79160000003", "2026-11-21 13:00:00") {
            webhook(stack, kind, &body).await;
        }
        let list = get(stack, "/uis/callbacks").await;
        let tickets: Vec<&str> =
            list.body["callbacks"].as_array().expect("list").iter().filter_map(|c| c["ticket_id"].as_str()).collect();
        assert_eq!(tickets, ["uis-8006"], "{}", list.body);

        let bulk = post(
            stack,
            "/uis/callbacks/done",
            json!({"operator": "petrov",
            "ticket_ids": ["uis-8006", "uis-8001", "uis-42"]}),
        )
        .await;
        assert_eq!(bulk.status, 200, "{}", bulk.body);
        let results: Vec<&str> =
            bulk.body["results"].as_array().expect("results").iter().filter_map(|r| r["result"].as_str()).collect();
        assert_eq!(results, ["done", "already_done", "not_found"]);
        assert_eq!(get(stack, "/uis/callbacks").await.body["callbacks"], json!([]));
        let unauthorized = send(stack.http.get(stack.url("/uis/callbacks"))).await;
        assert_eq!(unauthorized.status, 401);
    })
    .await;
}

#[tokio::test]
async fn a_missed_call_left_open_is_closed_by_its_next_notification_once_an_answer_is_known() {
    with_call_api(async |stack, _api| {
        let [started, (kind, finished)] = missed(8101, "79160000009", "2026-11-21 09:00:00");
        webhook(stack, started.0, &started.1).await;
        webhook(stack, kind, &finished).await;
        let (answered_kind, answered_body) = answered(8102, "79160000009", "2026-11-21 10:00:00");
        webhook(stack, answered_kind, &answered_body).await;
        assert_eq!(get(stack, "/uis/callbacks").await.body["callbacks"], json!([]), "the answer closed it");
        // As if the answer's query of open callbacks had read the index before the callback
        // reached it: the callback is open again.
        let store = &stack.stack.app.store;
        let key = ccbridge::store::keys::callback("uis-demo", 8101);
        let (written, _) = store
            .update_with(&key, |current: Option<&Callback>| {
                let mut reopened = current?.clone();
                reopened.status = CallbackStatus::Open;
                reopened.done = None;
                Some(reopened)
            })
            .await
            .expect("reopened");
        assert_eq!(written, Written::Updated);
        assert_eq!(get(stack, "/uis/callbacks").await.body["callbacks"].as_array().map(Vec::len), Some(1));
        // The missed call's next notification (its caller's name now known) finds the answer.
        let mut named = finished.clone();
        named["contact_full_name"] = json!("Петров Пётр");
        webhook(stack, kind, &named).await;
        assert_eq!(get(stack, "/uis/callbacks").await.body["callbacks"], json!([]));
        let callback: Callback = store.get(&key).await.expect("read").expect("the callback");
        let closed_by = callback.done.and_then(|done| done.answered_call).map(|id| id.to_string());
        assert_eq!(closed_by.as_deref(), Some("8102"));
    })
    .await;
}

/// Registers a WDE interaction for agent01 (operator ivanova) and returns its card link.
async fn card_link(stack: &TestStack, genesys_id: &str, phone: &str) -> String {
    let body = json!({"GenesysIDInteraction": genesys_id, "MediaType": "voice in", "AgentID": "agent01",
        "InteractionStartDateTime": "2026-11-21T10:00:00Z", "CustomerPhoneNumber": phone})
    .to_string();
    let signature = hmac_sha256(WDE_KEY.as_bytes(), body.as_bytes(), SignatureEncoding::Base64);
    let answer = send(
        stack
            .http
            .post(stack.url("/wde/registerInteraction"))
            .header("content-type", "application/json")
            .header("x-api-signature", signature)
            .body(body),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["url"].as_str().expect("card url").to_owned()
}

#[tokio::test]
async fn the_card_calls_its_numbers_through_uis() {
    with_call_api(async |stack, api| {
        let url = card_link(stack, "cardcall1", "+48 600 100 200").await;
        let page = send(stack.http.get(&url)).await;
        let html = page.body.as_str().expect("html").to_owned();
        assert!(html.contains("<form class=\"uis-call\" method=\"post\""), "{html}");
        assert!(html.contains("name=\"channel\" value=\"uis-demo\""), "{html}");
        let form = [("channel", "uis-demo"), ("phone", "+48600100200")];
        let call_url = format!("{url}/calls");

        let cross_site = send(stack.http.post(&call_url).header("origin", "https://evil.example").form(&form)).await;
        assert_eq!(cross_site.status, 403);
        let fetch_site = send(stack.http.post(&call_url).header("sec-fetch-site", "cross-site").form(&form)).await;
        assert_eq!(fetch_site.status, 403);
        let elsewhere = [("channel", "uis-demo"), ("phone", "+48600100201")];
        assert_eq!(send(stack.http.post(&call_url).form(&elsewhere)).await.status, 403, "not a number of the card");
        let unknown = [("channel", "uis-other"), ("phone", "+48600100200")];
        assert_eq!(send(stack.http.post(&call_url).form(&unknown)).await.status, 403);
        assert!(api.call_session_ids().is_empty());

        let host = url.split('/').nth(2).expect("host").to_owned();
        let placed = send(
            stack
                .http
                .post(&call_url)
                .header("origin", format!("http://{host}"))
                .header("sec-fetch-site", "same-origin")
                .form(&form),
        )
        .await;
        assert_eq!(placed.status, 201, "{}", placed.body);
        assert!(placed.body.as_str().is_some_and(|h| h.contains("id=\"result\"")), "{}", placed.body);
        let sent = api.employee_calls();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["contact"], "48600100200");
        assert_eq!(sent[0]["employee"], json!({"id": 2001}), "the card's agent through the operator map");

        let expired = url.replace("/card/", "/card/x");
        assert_eq!(send(stack.http.post(format!("{expired}/calls")).form(&form)).await.status, 403);
    })
    .await;
}

/// The button as the agent clicks it: the card's script posts the form from the page itself,
/// and shows UIS's answer in place.
#[tokio::test]
async fn the_card_call_button_places_the_call_from_a_browser() {
    let Some(browser) = ccbridge_tests::browser::Browser::from_env().await else { return };
    let browser = tokio::sync::Mutex::new(browser);
    with_call_api(async |stack, api| {
        let mut browser = browser.lock().await;
        let url = card_link(stack, "cardcallbrowser1", "+48 600 100 200").await;
        browser.goto(&url).await;
        browser.click("form.uis-call button").await;
        let rings = "document.getElementById('wde-status').textContent.startsWith('Your phone rings first')";
        browser.wait_for(rings, std::time::Duration::from_secs(20)).await;
        assert_eq!(browser.eval("location.href").await, json!(url), "answered in place");
        let sent = api.employee_calls();
        assert_eq!(sent.len(), 1);
        assert_eq!(sent[0]["contact"], "48600100200");
    })
    .await;
}

#[tokio::test]
async fn the_click_to_call_samples_replay() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/uis-click-to-call");
    let mut files: Vec<_> = std::fs::read_dir(&root).expect("samples").map(|e| e.expect("entry").path()).collect();
    files.sort();
    assert!(!files.is_empty());
    with_call_api(async |stack, api| {
        let function = ccbridge_local::function("uis-click-to-call").expect("function");
        for file in &files {
            let event = std::fs::read_to_string(file).expect("sample");
            let response =
                ccbridge_local::invoke::invoke(stack.stack.app.clone(), function, &event).await.expect("invoke");
            assert_eq!(response["statusCode"], 201, "{}: {response}", file.display());
        }
        assert_eq!(api.call_session_ids().len(), files.len());
    })
    .await;
}
