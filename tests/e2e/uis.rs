//! UIS telephony end to end: notifications over HTTP into the table, checked through the SDK,
//! on every backend; request counts measured with an SDK interceptor.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::AttributeValue;
use ccbridge::jobs::{JobState, JobStatus};
use ccbridge::recordings::job::RecordingJob;
use ccbridge::store::{Entity, Index, Store, keys};
use ccbridge::uis::call::{Call, CallSessionId};
use ccbridge::uis::ticket::Ticket;
use ccbridge_tests::{TestStack, on_each_backend};
use serde_json::{Value, json};

const CHANNEL: &str = "uis-demo";
const TOKEN: &str = "uis-demo-token-0001";
const API_KEY: &str = "uis-demo-api-key-0001";
const KINDS: [&str; 4] = ["incoming_call_started", "outgoing_call_started", "conversation_started", "call_finished"];

/// The four notifications of one transferred incoming call, as UIS fills the templates:
/// numbers sometimes as strings, unfilled placeholders as `null`, Cyrillic names.
fn notifications(id: u64) -> [Value; 4] {
    [
        json!({
            "ud_channel_token": TOKEN, "app_id": 54321, "call_session_id": id, "direction": "in",
            "contact_phone_number": "79161234567", "contact_full_name": "Смирнова Анна Петровна",
            "virtual_phone_number": "74993720692", "start_time": "2026-11-21 10:15:03.412",
            "notification_time": "2026-11-21 10:15:03.520", "scenario_name": "Основной", "external_id": null,
        }),
        json!({
            "ud_channel_token": TOKEN, "call_session_id": id.to_string(), "direction": null,
            "contact_phone_number": "8 916 123-45-67", "employee_id": 2001, "employee_full_name": "Иванова Ольга",
            "start_time": "2026-11-21 10:15:03.412", "notification_time": "2026-11-21 10:15:04.000",
        }),
        json!({
            "ud_channel_token": TOKEN, "call_session_id": id.to_string(), "direction": "in",
            "answer_time": "2026-11-21 10:15:21.004", "employee_id": "2001", "employee_full_name": "Иванова Ольга",
            "contact_phone_number": "79161234567", "leg_ids": [991001, 991002], "brand_new_uis_field": {"x": 1},
            "notification_time": "2026-11-21 10:15:21.100", "start_time": "2026-11-21 10:15:03.412",
        }),
        json!({
            "ud_channel_token": TOKEN, "call_session_id": id, "direction": "in", "is_lost": false,
            "is_transfer": "true", "employee_ids": [2001, 2002, 2999],
            "employee_full_names": ["Иванова Ольга", "Петров Сергей", "Стажёр"],
            "last_talked_employee_id": 2002, "last_talked_employee_full_name": "Петров Сергей",
            "talk_time_duration": "341", "wait_time_duration": 18, "finish_reason": "subscriber_disconnects",
            "finish_time": "2026-11-21 10:21:02.770", "tag_names": ["Повторный клиент", "Доставка"],
            "record_file_links": [format!("https://app.uiscom.ru/system/media/talk/{id}/5f1c0a8e/")],
            "notification_time": "2026-11-21 10:21:03.015", "start_time": "2026-11-21 10:15:03.412",
        }),
    ]
}

async fn post(stack: &TestStack, kind: &str, body: &Value) -> (u16, Value) {
    post_raw(stack, kind, "application/json", body.to_string()).await
}

async fn post_raw(stack: &TestStack, kind: &str, content_type: &str, body: String) -> (u16, Value) {
    let response = stack
        .http
        .post(stack.url(&format!("/uis/webhook/{kind}")))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn get(stack: &TestStack, path: &str, key: &str) -> (u16, Value) {
    let response = stack.http.get(stack.url(path)).header("x-api-key", key).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

async fn call_and_ticket(store: &Store, id: u64) -> (Call, Option<Ticket>) {
    let call = store.get::<Call>(&keys::call(CHANNEL, CallSessionId(id))).await.expect("read").expect("call exists");
    let ticket = store.get::<Ticket>(&keys::ticket(CHANNEL, CallSessionId(id))).await.expect("read");
    (call, ticket)
}

/// The parts of a record that do not depend on the call id.
fn without_ids(value: impl serde::Serialize, drop: &[&str]) -> Value {
    let mut value = serde_json::to_value(value).expect("serialisable");
    if let Value::Object(map) = &mut value {
        for key in drop {
            map.remove(*key);
        }
    }
    value
}

/// How many items of each type the table holds.
async fn types(stack: &TestStack) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for item in stack.scan_all().await {
        let kind = item.get("type").and_then(|t| t.as_s().ok()).cloned().unwrap_or_default();
        *counts.entry(kind).or_default() += 1;
    }
    counts
}

fn permutations(items: &[usize]) -> Vec<Vec<usize>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut all = Vec::new();
    for (i, first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut tail in permutations(&rest) {
            tail.insert(0, *first);
            all.push(tail);
        }
    }
    all
}

#[tokio::test]
async fn all_orders_of_the_four_events_converge() {
    on_each_backend(async |stack| {
        let orders = permutations(&[0, 1, 2, 3]);
        assert_eq!(orders.len(), 24);
        let mut results = Vec::new();
        for (n, order) in orders.iter().enumerate() {
            let id = 5_000_000 + n as u64;
            let bodies = notifications(id);
            for &i in order {
                let (status, body) = post(stack, KINDS[i], &bodies[i]).await;
                assert_eq!(status, 200, "{order:?} {}: {body}", KINDS[i]);
            }
            let (call, ticket) = call_and_ticket(&stack.stack.app.store, id).await;
            assert_eq!(call.seen.len(), 4);
            assert_eq!(call.recordings.len(), 1);
            let ticket = ticket.expect("a ticket");
            results.push((
                // Recording ids differ because each call's links name the call.
                without_ids(&call, &["call_session_id", "ticket_id", "seen", "recordings"]),
                without_ids(&ticket, &["call_session_id", "ticket_id"]),
            ));
        }
        let (call, ticket) = &results[0];
        for (n, result) in results.iter().enumerate() {
            assert_eq!(&result.0, call, "call of order {:?}", orders[n]);
            assert_eq!(&result.1, ticket, "ticket of order {:?}", orders[n]);
        }
        assert_eq!(call["state"], "finished");
        assert_eq!(call["direction"], "in");
        assert_eq!(call["contact_phone"], "+79161234567");
        assert_eq!(call["contact_name"], "Смирнова Анна Петровна");
        assert_eq!(call["started_at"], "2026-11-21T10:15:03.412");
        assert_eq!(call["answered_at"], "2026-11-21T10:15:21.004");
        assert_eq!((call["talk_seconds"].as_u64(), call["wait_seconds"].as_u64()), (Some(341), Some(18)));
        assert_eq!((call["transfer"].as_bool(), call["lost"].as_bool()), (Some(true), Some(false)));
        assert_eq!(call["operator"], json!({"employee_id": "2002", "name": "Петров Сергей", "operator": "petrov"}));
        assert_eq!(call["unknown_employees"], json!(["2999"]));
        assert_eq!(call["tags"], json!(["Повторный клиент", "Доставка"]));
        assert_eq!(ticket["status"], "closed");
        assert_eq!(ticket["operator"], "petrov");
        assert_eq!(ticket["contact_id"], call["contact_id"]);
        let counts = types(stack).await;
        assert_eq!(counts["uis_call"], 24);
        assert_eq!(counts["ticket"], 24);
        assert_eq!(counts["recording_job"], 24);
        assert_eq!(counts["uis_notification"], 96);
        assert_eq!(counts["contact"], 1, "every order found the same caller");
    })
    .await;
}

#[tokio::test]
async fn ten_concurrent_deliveries_make_one_of_everything() {
    on_each_backend(async |stack| {
        let mut finished = notifications(7_000_001)[3].clone();
        finished["record_file_links"] = json!([
            "https://app.uiscom.ru/system/media/talk/7000001/aaa/",
            "https://app.uiscom.ru/system/media/talk/7000001/bbb/",
            "https://169.254.169.254/latest/meta-data/",
        ]);
        let started = notifications(7_000_001)[0].clone();
        for (kind, body) in [("incoming_call_started", &started), ("call_finished", &finished)] {
            let deliveries = (0..10).map(|_| post(stack, kind, body));
            let results = futures::future::join_all(deliveries).await;
            for (status, body) in &results {
                assert_eq!(*status, 200, "{body}");
            }
            let created = results.iter().filter(|(_, b)| b["result"] != "unchanged").count();
            assert_eq!(created, 1, "exactly one delivery changes the call: {results:?}");
        }
        let counts = types(stack).await;
        let expected: BTreeMap<String, usize> = [
            ("uis_call", 1),
            ("ticket", 1),
            ("contact", 1),
            ("lookup", 1),
            // The call as a CRM activity.
            ("activity", 1),
            ("recording_job", 2),
            // The channel is linked to Genesys Cloud: the finished call is sent as a conversation.
            ("conversation_job", 1),
            ("uis_notification", 2),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(counts, expected);
    })
    .await;
}

#[tokio::test]
async fn fields_longer_than_a_record_keeps_are_a_400_naming_them_and_write_nothing() {
    on_each_backend(async |stack| {
        let mut finished = notifications(7_000_001)[3].clone();
        finished["start_time"] = json!("9".repeat(200_000));
        for _ in 0..2 {
            let (status, body) = post(stack, "call_finished", &finished).await;
            assert_eq!(status, 400, "the same answer on every delivery, never a 503: {body}");
            assert_eq!(body["error"]["code"], "invalid_field");
            assert_eq!(body["error"]["message"], "body.start_time: is longer than 1024 bytes");
        }
        let mut tagged = notifications(7_000_002)[3].clone();
        tagged["tag_names"] = json!((0..101).map(|i| format!("tag {i}")).collect::<Vec<_>>());
        let (status, body) = post(stack, "call_finished", &tagged).await;
        assert_eq!((status, body["error"]["message"].as_str()), (400, Some("body.tag_names: has more than 100 items")));
        let mut linked = notifications(7_000_003)[3].clone();
        linked["record_file_links"] =
            json!((0..150).map(|i| format!("https://app.uiscom.ru/talk/{i}/")).collect::<Vec<_>>());
        assert_eq!(post(stack, "call_finished", &linked).await.0, 400, "every link beyond the cap is kept: bounded");
        assert!(stack.scan_all().await.is_empty(), "nothing written");
    })
    .await;
}

#[tokio::test]
async fn a_wrong_or_missing_token_is_401_and_writes_nothing() {
    on_each_backend(async |stack| {
        let mut body = notifications(42)[0].clone();
        body["ud_channel_token"] = json!("uis-demo-token-0002");
        let (status, answer) = post(stack, "incoming_call_started", &body).await;
        assert_eq!((status, answer["error"]["code"].as_str()), (401, Some("unauthorized")), "{answer}");
        body.as_object_mut().expect("object").remove("ud_channel_token");
        let (status, _) = post(stack, "incoming_call_started", &body).await;
        assert_eq!(status, 401);
        let api_key_as_token = json!({"ud_channel_token": API_KEY, "call_session_id": 42});
        let (status, _) = post(stack, "call_finished", &api_key_as_token).await;
        assert_eq!(status, 401);
        assert!(stack.scan_all().await.is_empty(), "nothing may be written");
    })
    .await;
}

#[tokio::test]
async fn bad_bodies_are_4xx_naming_the_problem() {
    on_each_backend(async |stack| {
        let (status, body) =
            post_raw(stack, "call_finished", "application/json", "{\"call_session_id\": 1,".into()).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_json")), "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("not valid JSON")), "{body}");

        let missing = json!({"ud_channel_token": TOKEN, "call_session_id": "{{call_session_id}}"});
        let (status, body) = post(stack, "call_finished", &missing).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("missing_field")), "{body}");
        assert_eq!(body["error"]["message"], "body.call_session_id is missing");

        let bad_number = json!({"ud_channel_token": TOKEN, "call_session_id": 5, "talk_time_duration": "long"});
        let (status, body) = post(stack, "call_finished", &bad_number).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_field")), "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.starts_with("body.talk_time_duration")));

        let huge =
            format!("{{\"ud_channel_token\":\"{TOKEN}\",\"call_session_id\":1,\"x\":\"{}\"}}", "я".repeat(200_000));
        let (status, body) = post_raw(stack, "call_finished", "application/json", huge).await;
        assert_eq!((status, body["error"]["code"].as_str()), (413, Some("payload_too_large")), "{body}");
        assert!(body["error"]["message"].as_str().is_some_and(|m| m.contains("262144")), "{body}");
        assert!(stack.scan_all().await.is_empty(), "nothing may be written");
    })
    .await;
}

#[tokio::test]
async fn a_disallowed_recording_host_is_rejected_and_the_call_still_recorded() {
    on_each_backend(async |stack| {
        let mut finished = notifications(8_000_001)[3].clone();
        finished["record_file_links"] = json!([
            "https://app.uiscom.ru/system/media/talk/8000001/ok/",
            "https://files.attacker.example/x.mp3",
            "http://app.uiscom.ru/system/media/talk/8000001/plain/",
        ]);
        let (status, body) = post(stack, "call_finished", &finished).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["recordings"]["accepted"], 1);
        let rejected = body["recordings"]["rejected"].as_array().expect("reasons");
        assert!(rejected.iter().any(|r| r == "host files.attacker.example is not an allowed recording host"));
        assert!(rejected.iter().any(|r| r == "scheme http is not https"));
        let (call, ticket) = call_and_ticket(&stack.stack.app.store, 8_000_001).await;
        assert_eq!(call.talk_seconds, Some(341));
        assert_eq!(call.recordings.len(), 3);
        assert_eq!(call.recordings.values().filter(|r| r.rejected.is_some()).count(), 2);
        assert!(ticket.is_some());
        let counts = types(stack).await;
        assert_eq!(counts["recording_job"], 1);
        let jobs: Vec<_> = stack
            .scan_all()
            .await
            .into_iter()
            .filter(|i| i.get("type").and_then(|t| t.as_s().ok()).is_some_and(|t| t == "recording_job"))
            .collect();
        let job = &jobs[0];
        let s = |name: &str| job.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let status =
            job.get("job").and_then(|j| j.as_m().ok()).and_then(|j| j.get("status")).and_then(|v| v.as_s().ok());
        assert_eq!(status.map(String::as_str), Some("pending"));
        assert_eq!(s("gsi2pk"), "JOBS#pending");
        assert_eq!(s("gsi1pk"), "JOBS#due", "due at once, in case its stream record is lost");
        assert_eq!(s("url"), "https://app.uiscom.ru/system/media/talk/8000001/ok/");
        assert_eq!(s("channel"), CHANNEL);
        assert_eq!(s("genesys_channel"), "genesys-demo");
    })
    .await;
}

#[tokio::test]
async fn form_bodies_and_a_lost_call_open_a_callback_ticket() {
    on_each_backend(async |stack| {
        let form = "ud_channel_token=uis-demo-token-0001&call_session_id=9000001&direction=%22in%22\
            &contact_phone_number=%2278123456789%22&contact_full_name=null&is_lost=true&talk_time_duration=0\
            &wait_time_duration=41&record_file_links=%5B%5D&employee_id={{employee_id}}\
            &lost_reason=%22%D0%90%D0%B1%D0%BE%D0%BD%D0%B5%D0%BD%D1%82%20%D0%BF%D0%BE%D0%BB%D0%BE%D0%B6%D0%B8%D0%BB%20%D1%82%D1%80%D1%83%D0%B1%D0%BA%D1%83%22";
        let (status, body) = post_raw(stack, "call_finished", "application/x-www-form-urlencoded", form.into()).await;
        assert_eq!(status, 200, "{body}");
        let without_token = form.replace("ud_channel_token=uis-demo-token-0001&", "");
        let response = stack
            .http
            .post(stack.url("/uis/webhook/call_finished"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-uis-channel-token", TOKEN)
            .body(without_token)
            .send()
            .await
            .expect("request");
        let again: Value = response.json().await.expect("JSON");
        assert_eq!(again["result"], "unchanged", "the token may come in a header: {again}");
        assert_eq!(body["state"], "lost");
        let (call, ticket) = call_and_ticket(&stack.stack.app.store, 9_000_001).await;
        assert!(call.lost);
        assert_eq!(call.lost_reason.as_deref(), Some("Абонент положил трубку"));
        assert_eq!(call.contact_phone.as_ref().map(|p| p.as_str()), Some("+78123456789"));
        let ticket = serde_json::to_value(ticket.expect("ticket")).expect("json");
        assert_eq!(ticket["status"], "callback_needed");
        let to_call_back = stack
            .stack
            .app
            .store
            .query_index::<Ticket>(Index::Gsi2, "TICKETS#uis-demo#callback_needed", 10, None)
            .await
            .expect("query");
        assert_eq!(to_call_back.items.len(), 1, "the work list of calls to return");
    })
    .await;
}

#[tokio::test]
async fn history_lists_a_contacts_calls_newest_first_and_shows_one_call() {
    on_each_backend(async |stack| {
        for (n, id) in [6_000_001u64, 6_000_002, 6_000_003].into_iter().enumerate() {
            for (i, mut body) in notifications(id).into_iter().enumerate() {
                if i != 1 {
                    body["start_time"] = json!(format!("2026-11-2{} 10:00:00.000", n + 1));
                    post(stack, KINDS[i], &body).await;
                }
            }
        }
        let (status, _) = get(stack, "/uis/contacts?phone=%2B79161234567", "wrong-key-000000").await;
        assert_eq!(status, 401);
        let (status, contact) = get(stack, "/uis/contacts?phone=8%20(916)%20123-45-67", API_KEY).await;
        assert_eq!(status, 200, "{contact}");
        assert_eq!(contact["name"], "Смирнова Анна Петровна");
        let contact_id = contact["contact_id"].as_str().expect("id");

        let (status, page) = get(stack, &format!("/uis/contacts/{contact_id}/calls?limit=2"), API_KEY).await;
        assert_eq!(status, 200, "{page}");
        let ids: Vec<_> =
            page["calls"].as_array().expect("calls").iter().map(|c| c["call_session_id"].clone()).collect();
        assert_eq!(ids, vec![json!(6_000_003), json!(6_000_002)]);
        assert!(page["calls"][0].get("events").is_none(), "bookkeeping stays inside");
        let cursor = page["next_cursor"].as_str().expect("more pages");
        let (_, next) = get(stack, &format!("/uis/contacts/{contact_id}/calls?limit=2&cursor={cursor}"), API_KEY).await;
        let ids: Vec<_> =
            next["calls"].as_array().expect("calls").iter().map(|c| c["call_session_id"].clone()).collect();
        assert_eq!(ids, vec![json!(6_000_001)]);
        let (status, bad) = get(stack, &format!("/uis/contacts/{contact_id}/calls?cursor=forged"), API_KEY).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_cursor")));
        // Well formed, but not this listing's: another contact's partition, the table's keys
        // only, another index, or an oversized key. DynamoDB would refuse each as a server error.
        let forged = |keys: Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(keys.to_string())
        };
        for keys in [
            json!({"pk": "CALL#uis-demo#1", "sk": "CALL", "gsi1pk": "CALLS#uis-demo#cffffffffffffffffffff", "gsi1sk": "x"}),
            json!({"pk": "CALL#uis-demo#1", "sk": "CALL"}),
            json!({"pk": "CALL#uis-demo#1", "sk": "CALL", "gsi2pk": format!("CALLS#uis-demo#{contact_id}"), "gsi2sk": "x"}),
            json!({"pk": "x".repeat(2000), "sk": "CALL", "gsi1pk": format!("CALLS#uis-demo#{contact_id}"), "gsi1sk": "x"}),
        ] {
            let path = format!("/uis/contacts/{contact_id}/calls?cursor={}", forged(keys.clone()));
            let (status, bad) = get(stack, &path, API_KEY).await;
            assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_cursor")), "{keys}: {bad}");
        }
        let (status, bad) = get(stack, &format!("/uis/callbacks?cursor={cursor}"), API_KEY).await;
        assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_cursor")), "a call listing's cursor: {bad}");

        let (status, detail) = get(stack, "/uis/calls/6000002", API_KEY).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["call"]["state"], "finished");
        assert_eq!(detail["events"].as_array().map(Vec::len), Some(3));
        assert!(
            detail["events"].as_array().expect("events").iter().all(|e| e["fields"].get("ud_channel_token").is_none())
        );
        let conversation =
            detail["events"].as_array().expect("events").iter().find(|e| e["event"] == "conversation_started");
        assert_eq!(
            conversation.map(|e| &e["fields"]["brand_new_uis_field"]),
            Some(&json!({"x": 1})),
            "unknown fields kept"
        );
        assert_eq!(detail["ticket"]["status"], "closed");
        assert_eq!(detail["recordings"][0]["status"], "pending");
        let (status, _) = get(stack, "/uis/calls/404", API_KEY).await;
        assert_eq!(status, 404);
    })
    .await;
}

#[tokio::test]
async fn writing_a_job_again_never_resets_its_progress() {
    on_each_backend(async |stack| {
        let store = &stack.stack.app.store;
        let channel = ccbridge::config::ChannelId::try_from(CHANNEL.to_string()).expect("id");
        let job = RecordingJob::pending(
            &channel,
            CallSessionId(11),
            "link",
            "https://app.uiscom.ru/a",
            "app.uiscom.ru",
            None,
            time::macros::datetime!(2026-11-21 10:00 UTC),
        );
        let write = |job: &RecordingJob| job.upsert_write(store).expect("write");
        stack.dynamodb().transact_write_items().transact_items(write(&job)).send().await.expect("create");
        let mut state = job.job.clone();
        state.attempts = 2;
        let done = RecordingJob { job: state.done(job.job.created_at), ..job.clone() };
        let key = done.key();
        // The consumer's update: the job's life and its index keys, as the worker writes them.
        let job_item: std::collections::HashMap<String, AttributeValue> =
            serde_dynamo::to_item(&done.job).expect("job attribute");
        stack
            .dynamodb()
            .put_item()
            .table_name(stack.table())
            .item("pk", AttributeValue::S(key.pk.clone()))
            .item("sk", AttributeValue::S(key.sk.clone()))
            .item("job", AttributeValue::M(job_item))
            .item("gsi2pk", AttributeValue::S("JOBS#done".into()))
            .item("gsi2sk", AttributeValue::S("x".into()))
            .send()
            .await
            .expect("the consumer's update");
        let later =
            JobState::pending(ccbridge::jobs::JobKind::Recording, time::macros::datetime!(2026-11-22 00:00 UTC));
        let again = RecordingJob { job: later, ..job.clone() };
        stack.dynamodb().transact_write_items().transact_items(write(&again)).send().await.expect("again");
        let stored: RecordingJob = store.get(&key).await.expect("read").expect("job");
        assert_eq!((stored.job.status, stored.job.attempts), (JobStatus::Done, 2));
        // Written again, the done job got a due-index entry (only what is absent is set); the
        // next sweep takes it out rather than running it.
        let report = ccbridge::jobs::sweep::sweep(&stack.stack.app, &Default::default()).await.expect("sweep");
        assert_eq!((report.found, report.repaired, report.done), (1, 1, 0), "{report:?}");
        let item = stack.scan_all().await.pop().expect("one item");
        assert!(!item.contains_key("gsi1pk"), "no longer due: {item:?}");
        assert_eq!(store.get::<RecordingJob>(&key).await.expect("read").expect("job").job.status, JobStatus::Done);
        assert_eq!(stored.url, job.url, "the rest is written");
        let item = stack.scan_all().await.pop().expect("one item");
        assert_eq!(item.get("gsi2pk").and_then(|v| v.as_s().ok()).map(String::as_str), Some("JOBS#done"));
        assert_eq!(item.get("type").and_then(|v| v.as_s().ok()).map(String::as_str), Some("recording_job"));
    })
    .await;
}

fn webhook_request(kind: &str, body: &Value) -> ccbridge::http::Request {
    http::Request::builder()
        .method("POST")
        .uri(format!("/uis/webhook/{kind}"))
        .header("content-type", "application/json")
        .body(bytes::Bytes::from(body.to_string()))
        .expect("request")
}

/// A notification costs one GetItem and one TransactWriteItems, and a duplicate the GetItem;
/// one that can close or count a callback (a finished or outgoing call with a known contact)
/// adds one Query of the contact's open callbacks, whose changes ride in the transaction.
#[tokio::test]
async fn each_notification_costs_two_requests_and_a_duplicate_one() {
    on_each_backend(async |stack| {
        let (app, log) = stack.app_counting_calls();
        let mut finished = notifications(4_000_001)[3].clone();
        finished["record_file_links"] =
            json!(["https://app.uiscom.ru/talk/4000001/a/", "https://app.uiscom.ru/talk/4000001/b/"]);
        let [incoming, outgoing, conversation, _] = notifications(4_000_001);
        let ops = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        for (kind, body, callbacks) in [
            ("incoming_call_started", &incoming, false),
            ("outgoing_call_started", &outgoing, true),
            ("conversation_started", &conversation, false),
            ("call_finished", &finished, true),
        ] {
            let function =
                if kind == "call_finished" { uis_call_finished::FUNCTION } else { uis_call_started::FUNCTION };
            let response = function.call(app.clone(), webhook_request(kind, body)).await;
            assert_eq!(response.status(), 200);
            let first = log.take();
            let response = function.call(app.clone(), webhook_request(kind, body)).await;
            assert_eq!(response.status(), 200);
            let duplicate = log.take();
            eprintln!("requests for {kind}: first {first:?}, duplicate {duplicate:?}");
            let expected = if callbacks {
                ops(&["GetItem", "Query", "TransactWriteItems"])
            } else {
                ops(&["GetItem", "TransactWriteItems"])
            };
            assert_eq!(first, expected, "{kind}");
            assert_eq!(duplicate, ops(&["GetItem"]), "{kind} duplicate");
        }

        let started = notifications(4_000_002)[0].clone();
        let deliveries = (0..10)
            .map(|_| uis_call_started::FUNCTION.call(app.clone(), webhook_request("incoming_call_started", &started)));
        for response in futures::future::join_all(deliveries).await {
            assert_eq!(response.status(), 200);
        }
        let concurrent = log.take();
        let writes = concurrent.iter().filter(|op| *op == "TransactWriteItems").count();
        eprintln!("ten concurrent deliveries: {} requests, {writes} TransactWriteItems", concurrent.len());
        assert!(writes >= 1 && concurrent.len() <= 10 * 2 + 9 * 2, "{concurrent:?}");
    })
    .await;
}

#[tokio::test]
async fn every_sample_event_replays_through_the_local_stack() {
    on_each_backend(async |stack| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
        let mut replayed = 0;
        for function in ["uis-call-started", "uis-call-finished", "uis-history"] {
            let mut files: Vec<_> = std::fs::read_dir(root.join(function))
                .expect("events folder")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            files.sort();
            for file in files {
                let text = std::fs::read_to_string(&file).expect("event");
                let f = ccbridge_local::function(function).expect("function");
                let response =
                    ccbridge_local::invoke::invoke(stack.stack.app.clone(), f, &text).await.expect("invokes");
                assert_eq!(response["statusCode"], 200, "{}: {response}", file.display());
                replayed += 1;
            }
        }
        assert_eq!(replayed, 9);
        let (_, detail) = get(stack, "/uis/calls/3409127754", API_KEY).await;
        assert_eq!(detail["call"]["transfer"], true);
        assert_eq!(detail["recordings"].as_array().map(Vec::len), Some(2));
        let (_, lost) = get(stack, "/uis/calls/3409130001", API_KEY).await;
        assert_eq!(lost["ticket"]["status"], "callback_needed");
        assert_eq!(lost["call"]["contact_phone"], "+78123456789", "a Saint Petersburg number");
        let (_, outgoing) = get(stack, "/uis/calls/3409135555", API_KEY).await;
        assert_eq!(outgoing["call"]["state"], "talking");
        assert_eq!(outgoing["events"].as_array().map(Vec::len), Some(2));
    })
    .await;
}

#[tokio::test]
async fn a_call_delivered_many_times_answers_its_notifications_page_by_page_under_lambdas_6_mb() {
    on_each_backend(async |stack| {
        const DELIVERIES: usize = 28;
        let id = 6100001u64;
        let filler = "x".repeat(240 * 1024);
        for n in 0..DELIVERIES {
            let body = json!({
                "ud_channel_token": TOKEN, "call_session_id": id, "direction": "in",
                "contact_phone_number": "79161234567", "start_time": "2026-11-21 10:15:03.412",
                "notification_time": format!("2026-11-21 10:15:{:02}.000", n), "provider_debug": filler,
            });
            let (status, answer) = post(stack, "incoming_call_started", &body).await;
            assert_eq!(status, 200, "delivery {n}: {answer}");
        }

        let mut seen = std::collections::BTreeSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/uis/calls/{id}?cursor={c}"),
                None => format!("/uis/calls/{id}"),
            };
            let response = stack.http.get(stack.url(&path)).header("x-api-key", API_KEY).send().await.expect("request");
            assert_eq!(response.status(), 200);
            let bytes = response.bytes().await.expect("body");
            assert!(bytes.len() < 6 * 1024 * 1024, "page {pages} is {} bytes, over Lambda's 6 MB", bytes.len());
            let page: Value = serde_json::from_slice(&bytes).expect("JSON");
            assert_eq!(page["call"]["call_session_id"], id, "every page names the call");
            let events = page["events"].as_array().expect("events");
            assert!(events.len() <= 10, "{} notifications in one answer", events.len());
            for event in events {
                let time = event["fields"]["notification_time"].as_str().expect("time").to_owned();
                assert!(seen.insert(time.clone()), "{time} came twice");
            }
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
            assert!(pages < 20, "paging ends");
        }
        assert_eq!(seen.len(), DELIVERIES, "every notification on some page");
        assert!(pages >= 3, "{pages} pages");

        let (status, one) = get(stack, &format!("/uis/calls/{id}?limit=1"), API_KEY).await;
        assert_eq!((status, one["events"].as_array().map(Vec::len)), (200, Some(1)));
        for limit in ["0", "11", "x"] {
            let (status, bad) = get(stack, &format!("/uis/calls/{id}?limit={limit}"), API_KEY).await;
            assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_query")), "{limit}: {bad}");
        }
        let forged = |keys: Value| {
            use base64::Engine;
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(keys.to_string())
        };
        for keys in [
            json!({"pk": format!("CALL#{CHANNEL}#{id}"), "sk": "TICKET"}),
            json!({"pk": format!("CALL#{CHANNEL}#{id}"), "sk": "CALL"}),
            json!({"pk": format!("CALL#{CHANNEL}#1"), "sk": "EVENT#incoming_call_started#00"}),
        ] {
            let (status, bad) = get(stack, &format!("/uis/calls/{id}?cursor={}", forged(keys.clone())), API_KEY).await;
            assert_eq!((status, bad["error"]["code"].as_str()), (400, Some("invalid_cursor")), "{keys}: {bad}");
        }
    })
    .await;
}

/// With a retention (as template.yaml sets from `RecordingRetentionDays`), every item of a
/// call carries a TTL that long after its write; the contact, the customer record, carries none.
#[tokio::test]
async fn a_calls_personal_data_expires_after_the_retention_and_the_contact_stays() {
    on_each_backend(async |stack| {
        let retention = time::Duration::days(365);
        let store = stack.stack.app.store.clone().with_retention(Some(retention));
        let app = std::sync::Arc::new(ccbridge::App { store, ..(*stack.stack.app).clone() });
        let id = 6200001u64;
        let written = time::OffsetDateTime::now_utc().unix_timestamp();
        for (n, body) in notifications(id).iter().enumerate() {
            let kind = KINDS[n];
            let function = if n == 3 { uis_call_finished::FUNCTION } else { uis_call_started::FUNCTION };
            let response = function.call(app.clone(), webhook_request(kind, body)).await;
            assert_eq!(response.status(), 200, "{kind}");
        }
        let items = stack.scan_all().await;
        let ttl = |item: &std::collections::HashMap<String, AttributeValue>| {
            item.get("expires_at").and_then(|v| v.as_n().ok()).and_then(|n| n.parse::<i64>().ok())
        };
        let kind = |item: &std::collections::HashMap<String, AttributeValue>| {
            item.get("type").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
        };
        let of_call: Vec<_> =
            items.iter().filter(|i| i["pk"].as_s().is_ok_and(|pk| pk == &format!("CALL#{CHANNEL}#{id}"))).collect();
        let types: BTreeSet<String> = of_call.iter().map(|i| kind(i)).collect();
        for wanted in ["uis_call", "uis_notification", "ticket", "recording_job"] {
            assert!(types.contains(wanted), "{wanted} in {types:?}");
        }
        for item in &of_call {
            let at = ttl(item).unwrap_or_else(|| panic!("{} has no TTL", kind(item)));
            let expected = written + retention.whole_seconds();
            assert!(
                (expected - 5..=expected + 120).contains(&at),
                "{} expires at {at}, not about {expected}",
                kind(item)
            );
        }
        let contacts: Vec<_> = items.iter().filter(|i| kind(i) == "contact").collect();
        assert!(!contacts.is_empty(), "the caller became a contact");
        assert!(contacts.iter().all(|c| ttl(c).is_none()), "the customer record is kept");
    })
    .await;
}
