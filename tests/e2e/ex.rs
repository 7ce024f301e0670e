//! Genesys Cloud EX end to end, on every backend, against the local Genesys Cloud that checks
//! each injected batch against the models: the organisation's source provisioned once, every
//! finished UIS call sent as one external conversation, batch by batch, with what Genesys
//! refused read from its `200`.

use std::path::Path;

use ccbridge::ex::employee::EmployeeState;
use ccbridge::ex::job::ConversationJob;
use ccbridge::ex::source::Provisioned;
use ccbridge::jobs::{JobStatus, Outcome};
use ccbridge::store::Key;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::uis_data_api::UisDataApi;
use ccbridge_tests::{TestStack, backends, with_data_api};
use serde_json::{Value, json};

const LOST: u64 = 3_409_130_001;
const TRANSFERRED: u64 = 3_409_127_754;
const EVENTS_PATH: &str = "/api/v2/events/conversations";

/// The organisation's users, queue and wrap-up code, and the test configuration mapping the
/// UIS account onto them (employee 2001 and 2002, the main scenario, the tag "Доставка").
struct Org {
    gc: GenesysCloud,
    users: [String; 2],
    queue: String,
    delivery_code: String,
}

impl Org {
    async fn start() -> Self {
        let gc = GenesysCloud::start().await;
        let users = [gc.add_user(), gc.add_user()];
        let queue = gc.add_queue("Основная линия");
        let delivery_code = gc.add_wrapup_code("Доставка");
        Self { gc, users, queue, delivery_code }
    }

    fn config(&self, users: &[(&str, &str)]) -> String {
        let users: Vec<String> = users.iter().map(|(employee, user)| format!("\"{employee}\" = \"{user}\"")).collect();
        let ex = format!(
            "[channel.ex]\ntime_zone = \"Europe/Moscow\"\nusers = {{ {} }}\nqueues = {{ \"Основной: рабочее время\" = \"{}\" }}\n\
             wrapup_codes = {{ \"Доставка\" = \"{}\" }}\n",
            users.join(", "),
            self.queue,
            self.delivery_code
        );
        let line = "ex = { time_zone = \"Europe/Moscow\" }   # the UIS account's time zone\n";
        let base = self.gc.config("");
        let (head, tail) = base.split_once(line).expect("the UIS channel's ex line");
        // The table goes last in its channel: before the next `[[channel]]`.
        let (rest_of_channel, after) = tail.split_once("\n[[channel]]").expect("a next channel");
        format!("{head}{rest_of_channel}\n{ex}\n[[channel]]{after}")
    }

    fn mapped(&self) -> String {
        self.config(&[("2001", &self.users[0]), ("2002", &self.users[1])])
    }
}

async fn replay(stack: &TestStack, folder: &str, function: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events").join(folder);
    let mut files: Vec<_> = std::fs::read_dir(root).expect("samples").map(|e| e.expect("entry").path()).collect();
    files.sort();
    let function = ccbridge_local::function(function).expect("function");
    for file in files {
        let event = std::fs::read_to_string(&file).expect("sample");
        let response = ccbridge_local::invoke::invoke(stack.stack.app.clone(), function, &event).await.expect("invoke");
        assert_eq!(response["statusCode"], 200, "{}: {response}", file.display());
    }
}

async fn replay_calls(stack: &TestStack) {
    replay(stack, "uis-call-started", "uis-call-started").await;
    replay(stack, "uis-call-finished", "uis-call-finished").await;
}

fn key(call: u64) -> Key {
    Key::new(format!("CALL#uis-demo#{call}"), "CONVERSATION")
}

async fn send(stack: &TestStack, call: u64) -> Outcome {
    ccbridge::ex::job::process(&stack.stack.app, &key(call), true).await.expect("processed")
}

async fn job(stack: &TestStack, call: u64) -> ConversationJob {
    stack.stack.app.store.get(&key(call)).await.expect("read").expect("a conversation job")
}

/// The accepted events of one conversation, by array name.
fn events_of(gc: &GenesysCloud, conversation: &str) -> Vec<(String, Value)> {
    gc.injected_events()
        .into_iter()
        .filter(|(_, _, e)| e["conversationId"] == conversation)
        .map(|(kind, _, e)| (kind, e))
        .collect()
}

fn count(events: &[(String, Value)], kind: &str) -> usize {
    events.iter().filter(|(k, _)| k == kind).count()
}

#[tokio::test]
async fn provisioning_creates_the_source_once_and_adopts_one_that_exists() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.mapped()).await;
        let first = ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        let Provisioned::Created(source) = first else { panic!("created first: {first:?}") };
        let again = ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("again");
        assert_eq!(again, Provisioned::Unchanged(source.clone()));
        assert_eq!(org.gc.presence_sources().len(), 1, "one source, however often it runs");
        let wrong = ccbridge_admin::provision_ex(&stack.stack.app, "uis-demo").await.expect_err("not genesys");
        assert!(wrong.contains("not a genesys_cloud channel"), "{wrong}");

        let other = Org::start().await;
        let existing = other.gc.add_presence_source("ccbridge");
        let stack = TestStack::start_with(&backend, &other.mapped()).await;
        let adopted = ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("adopted");
        assert!(matches!(&adopted, Provisioned::Adopted(s) if s.source_id == existing), "{adopted:?}");
        assert_eq!(other.gc.presence_sources().len(), 1);
    }
}

#[tokio::test]
async fn an_unprovisioned_organisation_fails_the_job_saying_how_to_provision_it() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.mapped()).await;
        replay_calls(&stack).await;
        assert!(matches!(send(&stack, LOST).await, Outcome::Failed(_)));
        let failed = job(&stack, LOST).await;
        assert_eq!(failed.job.status, JobStatus::Failed);
        let reason = failed.job.last_error.expect("reason");
        assert!(reason.contains("ccbridge-admin ex provision --channel genesys-demo"), "{reason}");
        assert!(org.gc.received_on(EVENTS_PATH).is_empty(), "nothing was sent");
    }
}

#[tokio::test]
async fn the_sample_calls_become_conversations_and_redeliveries_send_nothing_new() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.mapped()).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        replay_calls(&stack).await;

        assert_eq!(send(&stack, LOST).await, Outcome::Done);
        let lost = job(&stack, LOST).await;
        let lost_requests = org.gc.received_on(EVENTS_PATH).len();
        let events = events_of(&org.gc, lost.conversation_id.as_deref().expect("id"));
        assert_eq!(count(&events, "externalEstablishedEvents"), 1);
        assert_eq!(count(&events, "routingEstablishedEvents"), 1, "the lost call waited in the mapped queue");
        assert_eq!(count(&events, "communicationEndedEvents"), 2, "the customer's and the queue's legs");
        assert_eq!(count(&events, "communicationAnsweredEvents") + count(&events, "userEstablishedEvents"), 0);
        let routing = &events.iter().find(|(k, _)| k == "routingEstablishedEvents").expect("routing").1;
        assert_eq!(routing["queueId"], org.queue.as_str());
        let external = &events[0].1;
        assert_eq!(external["ani"], "+78123456789");
        assert_eq!(external["dnis"], "+74993720692");
        assert_eq!(external["eventDateTime"], "2026-11-21T09:40:05.880Z", "Moscow time placed in UTC");
        eprintln!("requests for the lost call: {lost_requests}");
        assert_eq!(lost_requests, 2);

        assert_eq!(send(&stack, TRANSFERRED).await, Outcome::Done);
        let transferred = job(&stack, TRANSFERRED).await;
        let transferred_requests = org.gc.received_on(EVENTS_PATH).len() - lost_requests;
        eprintln!("requests for the transferred call: {transferred_requests}");
        assert_eq!(transferred_requests, 8, "one per batch of events that do not depend on each other");
        let events = events_of(&org.gc, transferred.conversation_id.as_deref().expect("id"));
        assert_eq!(count(&events, "userEstablishedEvents"), 2, "{events:#?}");
        let users: Vec<&Value> =
            events.iter().filter(|(k, _)| k == "userEstablishedEvents").map(|(_, e)| &e["userId"]).collect();
        assert_eq!(
            users,
            [org.users[0].as_str(), org.users[1].as_str()],
            "first the one who answered, then the transfer's target"
        );
        assert_eq!(count(&events, "userTransferEvents"), 1);
        assert_eq!(count(&events, "endTransferEvents"), 1);
        let end = &events.iter().find(|(k, _)| k == "endTransferEvents").expect("end").1;
        assert_eq!(end["finalState"], "Completed");
        assert_eq!(count(&events, "communicationAnsweredEvents"), 2);
        let disposition =
            &events.iter().find(|(k, _)| k == "communicationDispositionAppliedEvents").expect("wrap-up").1;
        assert_eq!(disposition["code"], org.delivery_code.as_str(), "the first tag that maps");
        assert!(disposition["notes"].as_str().is_some_and(|n| n.contains("Повторный клиент")), "{disposition}");
        assert!(transferred.unmapped_employees.is_empty(), "{:?}", transferred.unmapped_employees);

        // Every sample again, and every job run again: nothing new reaches Genesys.
        let before = org.gc.received_on(EVENTS_PATH).len();
        replay_calls(&stack).await;
        assert_eq!(send(&stack, LOST).await, Outcome::Skipped);
        assert_eq!(send(&stack, TRANSFERRED).await, Outcome::Skipped);
        let report = ccbridge::jobs::sweep::sweep(&stack.stack.app, &Default::default()).await.expect("sweep");
        assert_eq!(org.gc.received_on(EVENTS_PATH).len(), before, "{report:?}");
        assert!(org.gc.received_on(EVENTS_PATH).iter().all(|r| r.status == 200));
    }
}

#[tokio::test]
async fn refused_events_are_resent_when_retryable_and_fail_the_job_otherwise() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.mapped()).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        replay_calls(&stack).await;
        org.gc.refuse_next_events(1, true);
        assert!(matches!(send(&stack, LOST).await, Outcome::Retrying(_)));
        let waiting = job(&stack, LOST).await;
        assert_eq!((waiting.batches_accepted, waiting.resend.len()), (0, 1), "{waiting:?}");
        stack.stack.app.clock.advance(time::Duration::minutes(5));
        assert_eq!(send(&stack, LOST).await, Outcome::Done);
        let posts = org.gc.received_on(EVENTS_PATH);
        let resent = &posts[1].body;
        let sent: usize = resent.as_object().expect("batch").values().filter_map(Value::as_array).map(Vec::len).sum();
        assert_eq!(sent, 1, "only the refused event is sent again: {resent}");

        // A user Genesys does not know is refused for good: the job fails with its message.
        let other = Org::start().await;
        let stack =
            TestStack::start_with(&backend, &other.config(&[("2001", &uuid::Uuid::new_v4().to_string())])).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        replay_calls(&stack).await;
        assert!(matches!(send(&stack, TRANSFERRED).await, Outcome::Failed(_)));
        let failed = job(&stack, TRANSFERRED).await;
        let reason = failed.job.last_error.expect("reason");
        assert!(reason.starts_with("Genesys Cloud refused event"), "{reason}");
        assert_eq!(failed.unmapped_employees, ["2002"], "counted, not an error");
    }
}

const ROUTING_PATH: &str = "/api/v2/events/users/routingstatus";

/// `at` as a UIS time of the test account (Moscow, UTC+3 all year).
fn moscow(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(time::macros::offset!(+3));
    let format =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond digits:3]");
    local.format(&format).expect("a time")
}

/// A call employee 2001 answers `talk` seconds before `finish` and ends with 30 s of
/// after-call work.
fn employee_call(call: u64, finish: time::OffsetDateTime, talk: i64) -> (Value, Value) {
    let answer = finish - time::Duration::seconds(talk);
    let common = serde_json::json!({
        "ud_channel_token": "uis-demo-token-0001", "call_session_id": call, "direction": "in",
        "contact_phone_number": "79161234567", "virtual_phone_number": "74993720692",
        "employee_id": 2001, "start_time": moscow(answer - time::Duration::seconds(5)),
    });
    let mut started = common.clone();
    started["answer_time"] = moscow(answer).into();
    started["notification_time"] = moscow(answer).into();
    let mut finished = common;
    for (field, value) in [
        ("finish_time", Value::from(moscow(finish))),
        ("notification_time", moscow(finish).into()),
        ("last_talked_employee_id", 2001.into()),
        ("talk_time_duration", talk.into()),
        ("wait_time_duration", 5.into()),
        ("is_lost", false.into()),
        ("finish_reason", "subscriber_disconnects".into()),
        ("postprocess_time_duration", 30.into()),
    ] {
        finished[field] = value;
    }
    (started, finished)
}

async fn notify(stack: &TestStack, kind: &str, body: &Value) {
    let url = stack.url(&format!("/uis/webhook/{kind}"));
    let response = stack.http.post(url).json(body).send().await.expect("request");
    assert_eq!(response.status(), 200, "{kind}: {}", response.text().await.unwrap_or_default());
}

async fn sweep_all(stack: &TestStack) -> ccbridge::jobs::sweep::SweepReport {
    ccbridge::jobs::sweep::sweep(&stack.stack.app, &Default::default()).await.expect("sweep")
}

/// The routing statuses Genesys accepted for `user`, with their times.
fn routing_of(gc: &GenesysCloud, user: &str) -> Vec<(String, String)> {
    gc.injected_routing_statuses()
        .into_iter()
        .filter(|e| e["agentId"] == user)
        .map(|e| {
            (
                e["status"].as_str().unwrap_or_default().to_owned(),
                e["eventDateTime"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn employee_state(stack: &TestStack) -> EmployeeState {
    stack.stack.app.store.get(&Key::new("AGENT#uis-demo#2001", "STATE")).await.expect("read").expect("a state")
}

#[tokio::test]
async fn a_call_makes_its_employee_communicating_then_wrapping_up_then_idle() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.mapped()).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        let finish = time::OffsetDateTime::now_utc().replace_nanosecond(0).expect("time");
        let (started, finished) = employee_call(5_000_001, finish, 120);

        notify(&stack, "conversation_started", &started).await;
        sweep_all(&stack).await;
        let user = org.users[0].as_str();
        let wire = |at: time::OffsetDateTime| ccbridge::genesys::conversations::wire_time(at);
        assert_eq!(
            routing_of(&org.gc, user),
            [("Communicating".to_owned(), wire(finish - time::Duration::minutes(2)))]
        );

        notify(&stack, "call_finished", &finished).await;
        sweep_all(&stack).await;
        let after_call_work = ("Interacting".to_owned(), wire(finish));
        assert_eq!(
            &routing_of(&org.gc, user)[1..],
            std::slice::from_ref(&after_call_work),
            "after-call work, not yet its end"
        );

        // Its end is due 30 s after the call's: the next sweep after that sends it.
        stack.stack.app.clock.advance(time::Duration::seconds(31));
        let report = sweep_all(&stack).await;
        let idle = ("Idle".to_owned(), wire(finish + time::Duration::seconds(30)));
        assert_eq!(routing_of(&org.gc, user)[1..], [after_call_work, idle], "{report:?}");
        let state = employee_state(&stack).await;
        assert!(state.outbox.is_empty(), "{state:?}");
        let requests = org.gc.received_on(ROUTING_PATH).len();
        eprintln!("routing status requests for one call: {requests}");
        assert_eq!(requests, 3);

        // Every notification again: nothing new is sent.
        notify(&stack, "conversation_started", &started).await;
        notify(&stack, "call_finished", &finished).await;
        sweep_all(&stack).await;
        assert_eq!(org.gc.received_on(ROUTING_PATH).len(), requests);
        assert!(org.gc.received_on(ROUTING_PATH).iter().all(|r| r.status == 200));
    }
}

#[tokio::test]
async fn a_calls_notifications_in_reverse_order_end_in_the_same_state() {
    for backend in backends() {
        let org = Org::start().await;
        let finish = time::OffsetDateTime::now_utc().replace_nanosecond(0).expect("time");
        let (started, finished) = employee_call(5_000_002, finish, 60);
        let mut states = Vec::new();
        for order in [["conversation_started", "call_finished"], ["call_finished", "conversation_started"]] {
            let stack = TestStack::start_with(&backend, &org.mapped()).await;
            ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
            for kind in order {
                notify(&stack, kind, if kind == "call_finished" { &finished } else { &started }).await;
                sweep_all(&stack).await;
            }
            stack.stack.app.clock.advance(time::Duration::seconds(31));
            sweep_all(&stack).await;
            let state = employee_state(&stack).await;
            assert!(state.outbox.is_empty(), "{state:?}");
            states.push((state.activity, state.effective()));
        }
        assert_eq!(states[0], states[1]);
        assert_eq!(states[0].1.1, Some(ccbridge::ex::agents::RoutingStatus::Idle));
    }
}

const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";

impl Org {
    /// The test configuration with the WDE channel linked to the organisation: its agents,
    /// the queue `Sales` and the disposition `sale` mapped.
    fn with_wde(&self, extra: &str) -> String {
        let sales = self.gc.add_queue("Sales");
        let sale = self.gc.add_wrapup_code("Sale");
        let ex = format!(
            "genesys = \"genesys-demo\"\n[channel.ex]\n{extra}users = {{ \"agent01\" = \"{}\", \"agent02\" = \"{}\" }}\n\
             queues = {{ \"Sales\" = \"{sales}\" }}\nwrapup_codes = {{ \"sale\" = \"{sale}\" }}\n",
            self.users[0], self.users[1]
        );
        let anchor = "default_operator = \"admin\"\n";
        self.mapped().replacen(anchor, &format!("{anchor}{ex}"), 1)
    }
}

async fn wde(stack: &TestStack, method: &str, body: &Value) {
    let body = body.to_string();
    let signature =
        ccbridge::auth::hmac_sha256(WDE_KEY.as_bytes(), body.as_bytes(), ccbridge::auth::SignatureEncoding::Base64);
    let response = stack
        .http
        .post(stack.url(&format!("/wde/{method}")))
        .header("content-type", "application/json")
        .header("X-API-SIGNATURE", signature)
        .body(body)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{method}: {}", response.text().await.unwrap_or_default());
}

fn wde_conversation(genesys_id: &str) -> String {
    ccbridge::ex::conversation::conversation_id("wde-demo", genesys_id)
}

#[tokio::test]
async fn wde_voice_and_email_interactions_become_conversations_once() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.with_wde("")).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        replay(&stack, "wde-interaction", "wde-interaction").await;
        let report = sweep_all(&stack).await;
        assert_eq!(report.failed, 0, "{report:?}");

        // The sample voice call: queued in Sales, taken by agent01, wrapped up as "sale".
        let events = events_of(&org.gc, &wde_conversation("00047aHK833X02TB"));
        let requests = org.gc.received_on(EVENTS_PATH).len();
        eprintln!("requests for the sample WDE voice call: {requests}");
        assert_eq!(requests, 5, "{events:#?}");
        let external = &events.iter().find(|(k, _)| k == "externalEstablishedEvents").expect("customer").1;
        assert_eq!((&external["ani"], &external["dnis"]), (&json!("+48884998123"), &json!("+48221234567")));
        assert_eq!(external["eventDateTime"], "2022-11-08T14:54:55.989Z");
        assert_eq!(count(&events, "routingEstablishedEvents"), 1);
        let user = &events.iter().find(|(k, _)| k == "userEstablishedEvents").expect("agent").1;
        assert_eq!(user["userId"], org.users[0].as_str());
        let disposition =
            &events.iter().find(|(k, _)| k == "communicationDispositionAppliedEvents").expect("wrap-up").1;
        assert_eq!(disposition["notes"], "WDE disposition: sale");
        assert!(disposition["code"].is_string(), "{disposition}");
        assert_eq!(count(&events, "communicationEndedEvents"), 3, "customer, queue and agent");

        // An e-mail handed from agent01 to agent02: the e-mail family, with a transfer.
        let email = json!({"GenesysIDInteraction": "EM0001", "MediaType": "email in",
            "InteractionStartDateTime": "2026-11-30T08:00:00Z", "AgentID": "agent01",
            "CustomerEmail": "anna@example.com", "ServiceValue": "support@shop.example", "QueueName": "Sales", "QueueTime": 600});
        wde(&stack, "registerInteraction", &email).await;
        let ended = json!({"GenesysIDInteraction": "EM0001", "SessionID": "S1", "InteractionEndDateTime": "2026-11-30T09:00:00Z",
            "CallResult": "ended", "AgentID": "agent01", "TransferAgentID": "agent02"});
        wde(&stack, "updateInteraction", &ended).await;
        sweep_all(&stack).await;
        let events = events_of(&org.gc, &wde_conversation("EM0001"));
        assert!(events.iter().all(|(k, _)| k.starts_with("email")), "{events:#?}");
        assert_eq!(count(&events, "emailUserEstablishedEvents"), 2);
        assert_eq!(count(&events, "emailUserTransferEvents"), 1);
        assert_eq!(count(&events, "emailRoutingEstablishedEvents"), 1);
        let customer = &events[0].1;
        assert_eq!(customer["initialConfiguration"]["from"], "anna@example.com");
        assert_eq!(customer["initialConfiguration"]["to"], "support@shop.example");
        let skipped =
            &events.iter().find(|(k, _)| k == "emailCommunicationDispositionAppliedEvents").expect("wrap-up").1;
        assert!(skipped.get("code").is_none(), "no code maps: a skipped wrap-up");

        // Every request again: nothing new reaches Genesys.
        let before = org.gc.received_on(EVENTS_PATH).len();
        replay(&stack, "wde-interaction", "wde-interaction").await;
        wde(&stack, "updateInteraction", &ended).await;
        sweep_all(&stack).await;
        assert_eq!(org.gc.received_on(EVENTS_PATH).len(), before);
        assert!(org.gc.received_on(EVENTS_PATH).iter().all(|r| r.status == 200));
    }
}

#[tokio::test]
async fn a_wde_on_genesys_cloud_is_not_injected_twice() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.with_wde("conversations = false\n")).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        replay(&stack, "wde-interaction", "wde-interaction").await;
        sweep_all(&stack).await;
        let jobs = stack.scan_all().await;
        let jobs = jobs.iter().filter(|i| ccbridge::store::item_type(i) == Some("wde_conversation_job")).count();
        assert_eq!(jobs, 0);
        assert!(org.gc.received_on(EVENTS_PATH).is_empty());
    }
}

const PRESENCE_PATH: &str = "/api/v2/events/users/presence";

async fn poll(stack: &TestStack) -> ccbridge::ex::status_poll::PollReport {
    let channel =
        stack.stack.app.config.all::<ccbridge::uis::config::UisChannel>().find(|c| c.id.as_str() == "uis-demo");
    ccbridge::ex::status_poll::poll(&stack.stack.app, channel.expect("uis-demo")).await.expect("polled")
}

#[tokio::test]
async fn a_polled_status_change_is_one_presence_change_and_an_unchanged_poll_sends_nothing() {
    for backend in backends() {
        let org = Org::start().await;
        let uis = UisDataApi::start().await;
        let stack = TestStack::start_with(&backend, &with_data_api(&org.mapped(), &uis)).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        let clock = &stack.stack.app.clock;
        let presence_of = |user: &str| -> Vec<Value> {
            org.gc
                .injected_presence()
                .into_iter()
                .filter(|e| e["userId"] == user)
                .map(|e| e["presenceDefinitionId"].clone())
                .collect()
        };

        // The first poll: both employees' statuses, once (the catalogue and the employees).
        let first = poll(&stack).await;
        assert_eq!((first.polled, first.changed, first.requests), (true, 2, 2), "{first:?}");
        sweep_all(&stack).await;
        let on_queue = json!(org.gc.presence_definition("OnQueue"));
        assert_eq!(presence_of(&org.users[0]), std::slice::from_ref(&on_queue));
        assert_eq!(presence_of(&org.users[1]), std::slice::from_ref(&on_queue));

        // Not due yet: UIS is not asked.
        clock.advance(time::Duration::seconds(20));
        assert!(!poll(&stack).await.polled);
        assert_eq!(uis.calls_of("get.employees").len(), 1);

        // Due, and nothing changed: nothing is sent.
        clock.advance(time::Duration::seconds(45));
        let unchanged = poll(&stack).await;
        assert_eq!((unchanged.polled, unchanged.changed, unchanged.requests), (true, 0, 1), "the catalogue is known");
        sweep_all(&stack).await;
        let requests = org.gc.received_on(PRESENCE_PATH).len() + org.gc.received_on(ROUTING_PATH).len();

        // Employee 2001 takes a break between two polls: one presence change, Break, off queue.
        uis.set_employee_status(2001, 2);
        clock.advance(time::Duration::seconds(65));
        let changed = poll(&stack).await;
        assert_eq!(changed.changed, 1, "{changed:?}");
        sweep_all(&stack).await;
        assert_eq!(presence_of(&org.users[0]), [on_queue.clone(), json!(org.gc.presence_definition("Break"))]);
        assert_eq!(presence_of(&org.users[1]), [on_queue]);
        let routing = routing_of(&org.gc, &org.users[0]);
        assert_eq!(routing.last().map(|(status, _)| status.as_str()), Some("OffQueue"));
        let sent = org.gc.received_on(PRESENCE_PATH).len() + org.gc.received_on(ROUTING_PATH).len() - requests;
        eprintln!("requests for one polled status change: {sent}");
        assert_eq!(sent, 2, "one presence and one routing status event");

        // The same status again: nothing more.
        clock.advance(time::Duration::seconds(65));
        assert_eq!(poll(&stack).await.changed, 0);
        sweep_all(&stack).await;
        assert_eq!(org.gc.received_on(PRESENCE_PATH).len() + org.gc.received_on(ROUTING_PATH).len() - requests, 2);
    }
}

#[tokio::test]
async fn polling_stops_at_the_reserved_points_and_when_uis_says_the_limit_is_spent() {
    for backend in backends() {
        let org = Org::start().await;
        let uis = UisDataApi::start().await;
        let stack = TestStack::start_with(&backend, &with_data_api(&org.mapped(), &uis)).await;
        let clock = &stack.stack.app.clock;
        // Fewer points left today than the channel keeps for other integrations.
        uis.set_limits(300, 1_001);
        let report = poll(&stack).await;
        assert!(report.paused_until.is_some(), "{report:?}");
        clock.advance(time::Duration::seconds(65));
        assert!(!poll(&stack).await.polled, "paused until the day's points come back");

        // The minute's points spent: UIS refuses, polling waits for the minute's reset.
        let uis = UisDataApi::start().await;
        let stack = TestStack::start_with(&backend, &with_data_api(&org.mapped(), &uis)).await;
        uis.set_limits(0, 100_000);
        let refused = poll(&stack).await;
        assert!(refused.paused_until.is_some() && refused.changed == 0, "{refused:?}");
        assert!(uis.calls_of("get.employees").is_empty());
    }
}
