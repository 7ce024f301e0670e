//! CRM activities and cases end to end, on every backend: a UIS call and a WDE interaction each
//! become one activity with the channel's mapped subject and fields, a transfer moves the
//! owner, notes sent at once are all kept, a wrap-up outside the channel's list is refused,
//! and each automatic case rule opens exactly one case per interaction however often and in
//! whatever order the provider delivers.

use ccbridge::config::Config;
use ccbridge_tests::{CONFIG, TestStack, count_of_type, on_each_backend_with};
use serde_json::{Value, json};

const UIS_TOKEN: &str = "uis-demo-token-0001";
const UIS_KEY: &str = "uis-demo-api-key-0001";
const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";

/// The UIS channel's CRM settings: a subject template for inbound calls, a prefix strip, a
/// default, a label map, and two case rules.
const UIS_CRM: &str = r#"
[[channel.crm.wrapup_codes]]
code = "sale"
label = "Sale"

[[channel.crm.wrapup_codes]]
code = "no_sale"
label = "No sale"

[[channel.crm.map]]
to = "activity.subject"
template = "Inbound call from {contact_full_name} to {virtual_phone_number}"
when = [{ field = "direction", equals = "inbound" }, { field = "contact_full_name", present = true }]

[[channel.crm.map]]
to = "activity.caller"
from = "contact_phone_number"
transform = [{ strip_prefix = "+7" }]

[[channel.crm.map]]
to = "activity.segment"
from = "segment"
default = "standard"

[[channel.crm.map]]
to = "contact.first_name"
from = "contact_full_name"

[[channel.crm.map]]
to = "case.priority"
from = "lost_reason"
transform = [{ labels = { "no_operators" = "high" }, otherwise = "normal" }]

[[channel.crm.cases]]
name = "lost call"
when = [{ field = "outcome", equals = "lost" }]
subject = "Call back {contact_phone_number}"

[[channel.crm.cases]]
name = "unknown caller"
when = [{ field = "direction", equals = "inbound" }, { field = "contact_known", equals = "false" }]
"#;

/// The WDE channel's: the subject from the queue and an IVR answer, and a case for IVR option 2.
const WDE_CRM: &str = r#"
[[channel.crm.wrapup_codes]]
code = "resolved"
label = "Resolved"

[[channel.crm.map]]
to = "activity.subject"
template = "{media_type} in {queue_name}: option {ivr_option}"

[[channel.crm.map]]
to = "activity.satisfaction"
from = "survey.satisfaction"

[[channel.crm.cases]]
name = "complaint"
when = [{ field = "ivr_option", equals = "2" }]
subject = "Complaint from {phone}"
"#;

/// The test configuration with the CRM settings under the UIS and WDE demo channels.
fn config() -> String {
    let uis_end =
        "data_api = { access_token = \"local-data-api-token-0123456789\", url = \"http://127.0.0.1:1/v2.0\" }\n";
    let wde_end = "default_operator = \"admin\"\n";
    assert!(CONFIG.contains(uis_end) && CONFIG.contains(wde_end), "the test configuration changed");
    CONFIG.replacen(uis_end, &format!("{uis_end}{UIS_CRM}"), 1).replacen(wde_end, &format!("{wde_end}{WDE_CRM}"), 1)
}

async fn send(stack: &TestStack, method: &str, path: &str, key: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut request = stack.http.request(method, stack.url(path));
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/json").body(body.to_string());
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn notify(stack: &TestStack, kind: &str, body: &Value) {
    let (status, answer) = send(stack, "POST", &format!("/uis/webhook/{kind}"), None, Some(body.clone())).await;
    assert_eq!(status, 200, "{kind}: {answer}");
}

async fn wde(stack: &TestStack, method: &str, body: Value) {
    let (status, answer) = send(stack, "POST", &format!("/wde/{method}"), Some(WDE_KEY), Some(body)).await;
    assert_eq!(status, 200, "{method}: {answer}");
}

async fn activity(stack: &TestStack, id: &str) -> Value {
    let (status, body) = send(stack, "GET", &format!("/activities/{id}"), Some(UIS_KEY), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A transferred incoming call from a caller UIS knows.
fn answered_call(id: u64) -> [(&'static str, Value); 3] {
    [
        (
            "incoming_call_started",
            json!({"ud_channel_token": UIS_TOKEN, "call_session_id": id, "direction": "in",
            "contact_phone_number": "79161234567", "contact_full_name": "Смирнова Анна",
            "virtual_phone_number": "74993720692", "start_time": "2026-11-21 10:15:03.412",
            "notification_time": "2026-11-21 10:15:03.520", "scenario_name": "Основной"}),
        ),
        (
            "conversation_started",
            json!({"ud_channel_token": UIS_TOKEN, "call_session_id": id, "direction": "in",
            "answer_time": "2026-11-21 10:15:21.004", "employee_id": "2001", "employee_full_name": "Иванова Ольга",
            "contact_phone_number": "79161234567", "notification_time": "2026-11-21 10:15:21.100",
            "start_time": "2026-11-21 10:15:03.412"}),
        ),
        (
            "call_finished",
            json!({"ud_channel_token": UIS_TOKEN, "call_session_id": id, "direction": "in",
            "is_lost": false, "is_transfer": true, "employee_ids": [2001, 2002],
            "first_talked_employee_id": 2001, "last_talked_employee_id": 2002,
            "last_talked_employee_full_name": "Петров Сергей", "talk_time_duration": 341,
            "finish_reason": "subscriber_disconnects", "finish_time": "2026-11-21 10:21:02.770",
            "contact_phone_number": "79161234567", "contact_full_name": "Смирнова Анна",
            "virtual_phone_number": "74993720692",
            "notification_time": "2026-11-21 10:21:03.015", "start_time": "2026-11-21 10:15:03.412"}),
        ),
    ]
}

/// A lost incoming call from a number UIS does not know.
fn lost_call(id: u64) -> [(&'static str, Value); 2] {
    [
        (
            "incoming_call_started",
            json!({"ud_channel_token": UIS_TOKEN, "call_session_id": id, "direction": "in",
            "contact_phone_number": "79035550101", "virtual_phone_number": "74993720692",
            "start_time": "2026-11-21 11:00:00", "notification_time": "2026-11-21 11:00:00.100"}),
        ),
        (
            "call_finished",
            json!({"ud_channel_token": UIS_TOKEN, "call_session_id": id, "direction": "in",
            "is_lost": true, "lost_reason": "no_operators", "finish_time": "2026-11-21 11:00:40",
            "contact_phone_number": "79035550101", "virtual_phone_number": "74993720692",
            "start_time": "2026-11-21 11:00:00", "notification_time": "2026-11-21 11:00:40.200"}),
        ),
    ]
}

#[tokio::test]
async fn a_uis_call_is_one_activity_with_the_mapped_subject_and_the_owner_who_took_it_over() {
    on_each_backend_with(&config(), async |stack| {
        for (kind, body) in answered_call(7001) {
            notify(stack, kind, &body).await;
        }
        let a = activity(stack, "uis:uis-demo:7001").await;
        assert_eq!(a["subject"], "Inbound call from Смирнова Анна to +74993720692", "{a}");
        assert_eq!(a["source"], "uis");
        assert_eq!(a["media"], "voice");
        assert_eq!(a["direction"], "inbound");
        assert_eq!(a["outcome"], "answered");
        assert_eq!(a["duration_seconds"], 341);
        assert_eq!(a["owner"], "petrov", "the agent who took the transfer over owns it: {a}");
        assert_eq!(a["previous_owners"], json!(["ivanova"]));
        assert_eq!(a["fields"], json!({"caller": "9161234567", "segment": "standard"}));
        assert_eq!(a["cases"], json!([]), "a known caller who was answered opens no case");
        let contact_id = ccbridge::crm::ids::ContactId::parse(a["contact"].as_str().expect("a contact")).expect("id");
        let contact = ccbridge::crm::contact::Contact::get(&stack.stack.app.store, &Default::default(), &contact_id)
            .await
            .expect("read")
            .expect("the caller's contact");
        assert_eq!(contact.first_name.as_deref(), Some("Смирнова Анна"), "the mapping names the contact");
        let items = stack.scan_all().await;
        assert_eq!(count_of_type(&items, "activity"), 1);
        // The contact's timeline lists it, through the same API key.
        let path = format!("/crm/contacts/{}/timeline", a["contact"].as_str().unwrap());
        let (status, timeline) = send(stack, "GET", &path, Some(UIS_KEY), None).await;
        assert_eq!(status, 200, "{timeline}");
        assert_eq!(timeline["entries"][0]["kind"], "activity");
        assert_eq!(timeline["entries"][0]["id"], "uis:uis-demo:7001");
    })
    .await;
}

#[tokio::test]
async fn each_case_rule_opens_one_case_per_call_in_any_order_and_keeps_the_agents_status() {
    on_each_backend_with(&config(), async |stack| {
        let [(start_kind, started), (_, finished)] = lost_call(7002);
        // Reversed, then everything twice more.
        let deliveries = [
            ("call_finished", &finished),
            (start_kind, &started),
            (start_kind, &started),
            ("call_finished", &finished),
        ];
        for (kind, body) in deliveries {
            notify(stack, kind, body).await;
        }
        let a = activity(stack, "uis:uis-demo:7002").await;
        assert_eq!(a["subject"], "Incoming call from +79035550101", "no mapping applies: the default subject");
        assert_eq!(a["outcome"], "lost");
        let cases = a["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), 2, "{a}");
        let lost = cases.iter().find(|c| c["opened_by"] == json!({"by": "rule", "name": "lost call"})).expect("lost");
        assert_eq!(lost["subject"], "Call back +79035550101");
        assert_eq!(lost["fields"], json!({"priority": "high"}));
        assert_eq!(lost["status"], "open");
        assert!(cases.iter().any(|c| c["opened_by"] == json!({"by": "rule", "name": "unknown caller"})));
        assert_eq!(count_of_type(&stack.scan_all().await, "case"), 2);

        // An agent closes the lost-call case; a redelivery does not reopen it.
        let id = lost["id"].as_str().expect("id");
        let change = json!({"status": "closed", "by": "ivanova"});
        let (status, closed) = send(stack, "PUT", &format!("/cases/{id}/status"), Some(UIS_KEY), Some(change)).await;
        assert_eq!(status, 200, "{closed}");
        assert_eq!(closed["status"], "closed");
        notify(stack, "call_finished", &finished).await;
        let mut late = finished.clone();
        late["notification_time"] = json!("2026-11-21 11:00:41.000");
        late["lost_reason"] = json!("timeout");
        notify(stack, "call_finished", &late).await;
        let (_, case) = send(stack, "GET", &format!("/cases/{id}"), Some(UIS_KEY), None).await;
        assert_eq!((case["status"].as_str(), case["status_by"].as_str()), (Some("closed"), Some("ivanova")), "{case}");
        assert_eq!(count_of_type(&stack.scan_all().await, "case"), 2);

        // The open list holds the other one; the closed list this one.
        let (_, open) = send(stack, "GET", "/cases?status=open", Some(UIS_KEY), None).await;
        assert_eq!(open["cases"].as_array().map(Vec::len), Some(1), "{open}");
        let (_, done) = send(stack, "GET", "/cases?status=closed", Some(WDE_KEY), None).await;
        assert_eq!(done["cases"][0]["id"], id, "a WDE key of the same tenant sees the tenant's cases: {done}");
        let (status, _) = send(stack, "GET", "/cases?status=later", Some(UIS_KEY), None).await;
        assert_eq!(status, 400);
    })
    .await;
}

#[tokio::test]
async fn a_wde_interaction_is_one_activity_its_transfer_moves_the_owner_and_its_ivr_option_opens_one_case() {
    on_each_backend_with(&config(), async |stack| {
        let register = json!({"GenesysIDInteraction": "act1", "MediaType": "voice in",
            "InteractionStartDateTime": "2026-11-21T09:00:00Z", "AgentID": "agent01", "QueueName": "Support",
            "CustomerPhoneNumber": "+48884998123", "ivr_option": "2",
            "IVRSurvey": {"satisfaction": 4, "recommend": "yes"}});
        wde(stack, "registerInteraction", register.clone()).await;
        wde(stack, "registerInteraction", register).await;
        let update = json!({"GenesysIDInteraction": "act1", "InteractionEndDateTime": "2026-11-21T09:05:00Z",
            "InteractionHandleTime": 300, "CallResult": "transferred", "AgentID": "agent01",
            "TransferAgentID": "agent02", "DispositionCode": "X1"});
        wde(stack, "updateInteraction", update.clone()).await;
        wde(stack, "updateInteraction", update).await;
        let id = format!("wde:wde-demo:{}", ccbridge::crm::ids::InteractionId::derive("wde-demo", "act1"));
        let a = activity(stack, &id).await;
        assert_eq!(a["subject"], "voice in in Support: option 2", "{a}");
        assert_eq!(a["owner"], "agent02");
        assert_eq!(a["previous_owners"], json!(["agent01"]));
        assert_eq!(a["provider_wrapup"], "X1");
        assert_eq!(a["duration_seconds"], 300);
        assert_eq!(a["fields"], json!({"satisfaction": "4"}));
        assert_eq!(
            a["survey"],
            json!([{"question": "recommend", "answer": "yes"}, {"question": "satisfaction", "answer": "4"}])
        );
        let cases = a["cases"].as_array().expect("cases");
        assert_eq!(cases.len(), 1, "{a}");
        assert_eq!(cases[0]["subject"], "Complaint from +48884998123");
        let items = stack.scan_all().await;
        assert_eq!((count_of_type(&items, "activity"), count_of_type(&items, "case")), (1, 1));
    })
    .await;
}

#[tokio::test]
async fn notes_sent_at_once_are_all_kept_and_a_wrapup_must_be_in_the_channels_list() {
    on_each_backend_with(&config(), async |stack| {
        for (kind, body) in answered_call(7003) {
            notify(stack, kind, &body).await;
        }
        let id = "uis:uis-demo:7003";
        let path = format!("/activities/{id}/notes");
        let notes = (0..8).map(|n| {
            let body = json!({"author": format!("agent {n}"), "text": format!("note {n}")});
            send(stack, "POST", &path, Some(UIS_KEY), Some(body))
        });
        for (status, note) in futures::future::join_all(notes).await {
            assert_eq!(status, 201, "{note}");
        }
        // A later delivery rewrites the activity, never the notes.
        let [_, _, (kind, finished)] = answered_call(7003);
        let mut late = finished.clone();
        late["notification_time"] = json!("2026-11-21 10:21:09.000");
        late["talk_time_duration"] = json!(342);
        notify(stack, kind, &late).await;
        let a = activity(stack, id).await;
        let mut texts: Vec<&str> =
            a["notes"].as_array().expect("notes").iter().filter_map(|n| n["text"].as_str()).collect();
        texts.sort_unstable();
        assert_eq!(texts, (0..8).map(|n| format!("note {n}")).collect::<Vec<_>>());
        assert_eq!(a["duration_seconds"], 342);

        let wrapup = format!("/activities/{id}/wrapup");
        let (status, refused) =
            send(stack, "PUT", &wrapup, Some(UIS_KEY), Some(json!({"code": "resolved", "by": "petrov"}))).await;
        assert_eq!(status, 422, "a code of another channel's list: {refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("sale, no_sale"), "{refused}");
        let given = json!({"code": "sale", "text": "two licences", "by": "petrov"});
        let (status, stored) = send(stack, "PUT", &wrapup, Some(UIS_KEY), Some(given.clone())).await;
        assert_eq!(status, 200, "{stored}");
        assert_eq!(stored["label"], "Sale");
        assert_eq!(send(stack, "PUT", &wrapup, Some(UIS_KEY), Some(given)).await.0, 200);
        let a = activity(stack, id).await;
        assert_eq!(a["wrapup"]["code"], "sale");
        assert_eq!(a["wrapup"]["text"], "two licences");

        // Bad input is a 4xx naming the field; no key is a 401; an unknown id a 404.
        let (status, empty) =
            send(stack, "POST", &path, Some(UIS_KEY), Some(json!({"author": "a", "text": " "}))).await;
        assert_eq!(status, 422, "{empty}");
        assert!(empty["error"]["message"].as_str().unwrap().contains("body.text"), "{empty}");
        assert_eq!(send(stack, "POST", &path, Some(UIS_KEY), Some(json!({"text": "x"}))).await.0, 400);
        assert_eq!(send(stack, "POST", &path, None, Some(json!({"author": "a", "text": "x"}))).await.0, 401);
        assert_eq!(send(stack, "GET", "/activities/uis:uis-demo:999", Some(UIS_KEY), None).await.0, 404);
        assert_eq!(send(stack, "GET", "/activities/nonsense", Some(UIS_KEY), None).await.0, 404);
    })
    .await;
}

#[tokio::test]
async fn an_agent_opens_one_case_per_request_and_it_joins_the_timeline() {
    on_each_backend_with(&config(), async |stack| {
        for (kind, body) in answered_call(7004) {
            notify(stack, kind, &body).await;
        }
        let open = json!({"activity_id": "uis:uis-demo:7004", "subject": "Send the contract", "by": "petrov",
            "request_id": "form-1"});
        let (status, case) = send(stack, "POST", "/cases", Some(UIS_KEY), Some(open.clone())).await;
        assert_eq!(status, 201, "{case}");
        assert_eq!(case["opened_by"], json!({"by": "agent", "name": "petrov"}));
        let (status, again) = send(stack, "POST", "/cases", Some(UIS_KEY), Some(open)).await;
        assert_eq!((status, &again["id"]), (200, &case["id"]));
        let a = activity(stack, "uis:uis-demo:7004").await;
        assert_eq!(a["cases"].as_array().map(Vec::len), Some(1));
        let path = format!("/crm/contacts/{}/timeline", a["contact"].as_str().unwrap());
        let (_, timeline) = send(stack, "GET", &path, Some(UIS_KEY), None).await;
        let kinds: Vec<&str> =
            timeline["entries"].as_array().unwrap().iter().filter_map(|e| e["kind"].as_str()).collect();
        assert!(kinds.contains(&"case") && kinds.contains(&"activity"), "{timeline}");
        let missing = json!({"activity_id": "uis:uis-demo:1", "subject": "x", "by": "a", "request_id": "r"});
        assert_eq!(send(stack, "POST", "/cases", Some(UIS_KEY), Some(missing)).await.0, 404);
    })
    .await;
}

#[test]
fn a_bad_mapping_stops_the_cold_start_with_a_message_naming_it() {
    let bad = config().replacen("transform = [{ strip_prefix = \"+7\" }]", "transform = [\"reverse\"]", 1);
    let error = Config::parse(&bad).expect_err("a bad transform").to_string();
    assert!(error.contains("channel[1].crm.map[1]"), "{error}");
    let bad = config().replacen("equals = \"2\" }]", "matches = \"(\" }]", 1);
    let error = Config::parse(&bad).expect_err("a bad regex").to_string();
    assert!(error.contains("channel[2].crm.cases[0]"), "{error}");
    Config::parse(&config()).expect("the mapping of these tests is valid");
}
