//! Agents' states end to end, on every backend, against the local Genesys Cloud that checks each
//! presence and routing status event against its model: a platform pushes states over HTTP,
//! each agent's last one is kept in time order, and every real change is sent by its job as one
//! presence and one routing status event.

use ccbridge::ex::agent_job::AgentStateJob;
use ccbridge::ex::agent_state::{self, AgentState};
use ccbridge::jobs::JobStatus;
use ccbridge::store::Key;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::{TestStack, backends, counts};
use serde_json::{Value, json};

const API_KEY: &str = "pbx-demo-api-key-0001";
const PRESENCE_PATH: &str = "/api/v2/events/users/presence";
const ROUTING_PATH: &str = "/api/v2/events/users/routingstatus";

/// The organisation with the test configuration's agents as its users: the `agent_states`
/// channel's users are replaced by users the local Genesys Cloud knows.
struct Org {
    gc: GenesysCloud,
    users: [String; 2],
}

impl Org {
    async fn start() -> Self {
        let gc = GenesysCloud::start().await;
        let users = [gc.add_user(), gc.add_user()];
        Self { gc, users }
    }

    fn config(&self) -> String {
        self.gc
            .config("")
            .replace("2f0c7a8e-6b1d-4c3e-9f5a-1d2e3f4a5b6c", &self.users[0])
            .replace("8a9b0c1d-2e3f-4a5b-8c6d-7e8f9a0b1c2d", &self.users[1])
    }
}

async fn push(stack: &TestStack, key: &str, body: &Value) -> (u16, Value) {
    let response =
        stack.http.post(stack.url("/agents/states")).header("x-api-key", key).json(body).send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("a JSON answer"))
}

async fn push_one(stack: &TestStack, agent: &str, state: &str, reason: Option<&str>, time: &str) -> String {
    let mut item = json!({"agent": agent, "state": state, "time": time});
    if let Some(reason) = reason {
        item["reason"] = json!(reason);
    }
    let (status, answer) = push(stack, API_KEY, &json!({"states": [item]})).await;
    assert_eq!(status, 200, "{answer}");
    answer["results"][0]["result"].as_str().expect("result").to_owned()
}

async fn sweep(stack: &TestStack) -> ccbridge::jobs::sweep::SweepReport {
    ccbridge::jobs::sweep::sweep(&stack.stack.app, &Default::default()).await.expect("sweep")
}

async fn state_of(stack: &TestStack, agent: &str) -> Option<AgentState> {
    stack.stack.app.store.get(&Key::new(format!("AGENT#pbx-demo#{agent}"), "STATE")).await.expect("read")
}

/// The agent's jobs, oldest change first.
async fn jobs_of(stack: &TestStack, agent: &str) -> Vec<AgentStateJob> {
    let items = stack.stack.app.store.partition(&format!("AGENT#pbx-demo#{agent}")).await.expect("partition");
    items
        .into_iter()
        .filter(|item| ccbridge::store::item_type(item) == Some("agent_state_job"))
        .map(|item| stack.stack.app.store.decode_item(item).expect("a job"))
        .collect()
}

async fn agent_items(stack: &TestStack) -> usize {
    let items = stack.scan_all().await;
    items.iter().filter(|i| i.get("pk").and_then(|v| v.as_s().ok()).is_some_and(|pk| pk.starts_with("AGENT#"))).count()
}

#[tokio::test]
async fn a_change_sends_one_presence_and_one_routing_event_and_a_redelivery_nothing() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.config()).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        let source = org.gc.presence_sources()[0]["id"].as_str().expect("source").to_owned();

        assert_eq!(push_one(&stack, "agent01", "Ready", None, "2026-11-21T09:00:00.120+03:00").await, "changed");
        let report = sweep(&stack).await;
        assert_eq!(report.done, 1, "{report:?}");
        let presence_requests = org.gc.received_on(PRESENCE_PATH).len();
        let routing_requests = org.gc.received_on(ROUTING_PATH).len();
        eprintln!("requests for one change: {presence_requests} presence, {routing_requests} routing status");
        assert_eq!((presence_requests, routing_requests), (1, 1));
        let presence = org.gc.injected_presence();
        assert_eq!(presence.len(), 1);
        assert_eq!(presence[0]["userId"], org.users[0].as_str());
        assert_eq!(presence[0]["sourceId"], source.as_str());
        assert_eq!(presence[0]["presenceDefinitionId"], org.gc.presence_definition("OnQueue").as_str());
        assert_eq!(presence[0]["eventDateTime"], "2026-11-21T06:00:00.120Z");
        let routing = org.gc.injected_routing_statuses();
        assert_eq!(routing.len(), 1);
        assert_eq!((&routing[0]["agentId"], &routing[0]["status"]), (&json!(org.users[0]), &json!("Idle")));
        assert_eq!(routing[0]["eventDateTime"], "2026-11-21T06:00:00.120Z");

        // The same state again, and a newer state Genesys would see as the same: no job.
        assert_eq!(push_one(&stack, "agent01", "Ready", None, "2026-11-21T09:00:00.120+03:00").await, "unchanged");
        assert_eq!(push_one(&stack, "agent01", "Ready", None, "2026-11-21T09:05:00+03:00").await, "unchanged");
        sweep(&stack).await;
        assert_eq!(org.gc.received_on(PRESENCE_PATH).len() + org.gc.received_on(ROUTING_PATH).len(), 2);
        assert_eq!(jobs_of(&stack, "agent01").await.len(), 1);

        // A break: one more change, sent as Break / OffQueue.
        assert_eq!(
            push_one(&stack, "agent01", "NotReady", Some("Break"), "2026-11-21T11:30:00+03:00").await,
            "changed"
        );
        sweep(&stack).await;
        let presence = org.gc.injected_presence();
        assert_eq!(presence.len(), 2);
        assert_eq!(presence[1]["presenceDefinitionId"], org.gc.presence_definition("Break").as_str());
        assert_eq!(org.gc.injected_routing_statuses()[1]["status"], "OffQueue");
        assert!(org.gc.received().iter().all(|r| r.status == 200), "{:?}", org.gc.received());
    }
}

#[tokio::test]
async fn a_push_costs_one_read_and_one_transaction_whatever_its_size() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.config()).await;
        let (app, counter) = stack.app_counting_calls();
        let channel = agent_state::channel_by_api_key(&app.config, Some(API_KEY)).expect("channel");
        let body = json!({"states": [
            {"agent": "agent01", "state": "Ready", "time": "2026-11-21T09:00:00+03:00"},
            {"agent": "agent02", "state": "Ready", "time": "2026-11-21T09:00:00+03:00"},
            {"agent": "agent01", "state": "NotReady", "reason": "Break", "time": "2026-11-21T09:30:00+03:00"},
            {"agent": "agent01", "state": "Ready", "time": "2026-11-21T09:10:00+03:00"},
        ]})
        .to_string();
        let results = async || {
            let answer = agent_state::receive(&app, channel, body.as_bytes()).await.expect("applied");
            answer.results.iter().map(|r| serde_json::to_value(r.result).expect("result")).collect::<Vec<_>>()
        };
        // Each agent's states apply in the order pushed, on what the one before left.
        assert_eq!(results().await, [json!("changed"), json!("changed"), json!("changed"), json!("older")]);
        let first = counter.take_counts();
        eprintln!("a push of four states for two agents: {first:?}");
        assert_eq!(first, counts(&[("BatchGetItem", 1), ("TransactWriteItems", 1)]));
        assert_eq!((jobs_of(&stack, "agent01").await.len(), jobs_of(&stack, "agent02").await.len()), (2, 1));
        let state = state_of(&stack, "agent01").await.expect("state");
        assert_eq!((state.state.as_str(), state.reason.as_deref()), ("NotReady", Some("Break")));

        assert_eq!(results().await, [json!("older"), json!("unchanged"), json!("unchanged"), json!("older")]);
        assert_eq!(counter.take_counts(), counts(&[("BatchGetItem", 1)]), "a redelivery is one read");
        assert_eq!(jobs_of(&stack, "agent01").await.len(), 2);
    }
}

#[tokio::test]
async fn states_in_any_order_end_the_same_and_an_older_one_changes_nothing() {
    let ready = ("Ready", None, "2026-11-21T09:00:00+03:00");
    let meal = ("NotReady", Some("Meal"), "2026-11-21T13:00:00+03:00");
    let logged_off = ("LoggedOff", None, "2026-11-21T18:00:00+03:00");
    for backend in backends() {
        let org = Org::start().await;
        let in_order = TestStack::start_with(&backend, &org.config()).await;
        let reversed = TestStack::start_with(&backend, &org.config()).await;
        for (state, reason, time) in [ready, meal, logged_off] {
            assert_eq!(push_one(&in_order, "agent02", state, reason, time).await, "changed");
        }
        let mut results = Vec::new();
        for (state, reason, time) in [logged_off, meal, ready] {
            results.push(push_one(&reversed, "agent02", state, reason, time).await);
        }
        assert_eq!(results, ["changed", "older", "older"]);
        let (a, b) = (state_of(&in_order, "agent02").await.expect("state"), state_of(&reversed, "agent02").await);
        assert_eq!(Some(&a), b.as_ref());
        assert_eq!((a.state.as_str(), a.presence.as_str(), a.routing.as_str()), ("LoggedOff", "Offline", "OffQueue"));
        assert_eq!(jobs_of(&in_order, "agent02").await.len(), 3, "every change, in order, is sent");
        assert_eq!(jobs_of(&reversed, "agent02").await.len(), 1, "an older state is not sent");

        // Two different states at the same instant settle the same way whichever comes first.
        let at = "2026-11-21T19:00:00Z";
        push_one(&in_order, "agent02", "Ready", None, at).await;
        push_one(&in_order, "agent02", "Busy", None, at).await;
        push_one(&reversed, "agent02", "Busy", None, at).await;
        push_one(&reversed, "agent02", "Ready", None, at).await;
        assert_eq!(state_of(&in_order, "agent02").await, state_of(&reversed, "agent02").await);
    }
}

#[tokio::test]
async fn a_refused_batch_writes_nothing_and_names_the_item() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.config()).await;
        let good = json!({"agent": "agent01", "state": "Ready", "time": "2026-11-21T09:00:00+03:00"});
        let cases = [
            (API_KEY, json!({"states": [good, {"agent": "agent02", "state": "Ready"}]}), 400, "body.states[1]"),
            (
                API_KEY,
                json!({"states": [good, {"agent": "agent09", "state": "Ready", "time": "2026-11-21T09:00:00Z"}]}),
                422,
                "body.states[1].agent",
            ),
            (
                API_KEY,
                json!({"states": [good, good, {"agent": "agent02", "state": "Dancing", "time": "2026-11-21T09:00:00Z"}]}),
                422,
                "\"Dancing\"",
            ),
            (
                API_KEY,
                json!({"states": [{"agent": "agent01", "state": "Ready", "time": "2026-11-21T09:00:00"}]}),
                400,
                "body.states[0].time",
            ),
            (
                API_KEY,
                json!({"states": [{"agent": "agent01", "state": "Ready", "time": "2999-01-01T00:00:00Z"}]}),
                400,
                "in the future",
            ),
            (API_KEY, json!({"states": []}), 400, "body.states"),
            (API_KEY, json!({"states": [good], "extra": 1}), 400, "extra"),
            ("pbx-demo-api-key-0002", json!({"states": [good]}), 401, "credentials"),
        ];
        for (key, body, status, names) in cases {
            let (answered, answer) = push(&stack, key, &body).await;
            assert_eq!(answered, status, "{body}: {answer}");
            let message = answer["error"]["message"].as_str().expect("message");
            assert!(message.contains(names), "{body}: {message}");
        }
        let too_many: Vec<Value> = (0..101).map(|_| good.clone()).collect();
        assert_eq!(push(&stack, API_KEY, &json!({"states": too_many})).await.0, 400);
        assert_eq!(agent_items(&stack).await, 0, "nothing was written");
        assert!(org.gc.received().is_empty());
    }
}

#[tokio::test]
async fn an_unprovisioned_organisation_fails_the_job_saying_how_to_provision_it() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.config()).await;
        assert_eq!(push_one(&stack, "agent01", "Ready", None, "2026-11-21T09:00:00Z").await, "changed");
        let report = sweep(&stack).await;
        assert_eq!(report.failed, 1, "{report:?}");
        let job = jobs_of(&stack, "agent01").await.remove(0);
        assert_eq!(job.job.status, JobStatus::Failed);
        let reason = job.job.last_error.expect("reason");
        assert!(reason.contains("ccbridge-admin ex provision --channel genesys-demo"), "{reason}");
        assert!(org.gc.received_on("/api/v2/events/").is_empty(), "nothing was sent");

        // What the message says to do: provision, then requeue the job by its id.
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        let shown = ccbridge_admin::show_job(&stack.stack.app.store, &job.job_id).await.expect("shown");
        assert_eq!(shown.state().kind.as_str(), "agent_state");
        let app = &stack.stack.app;
        let filter = ccbridge_admin::JobFilter::default();
        let one = ccbridge_admin::Requeue::One(job.job_id.clone());
        let requeued =
            ccbridge_admin::requeue_jobs(&app.store, one, &filter, app.clock.now(), |_, _| {}).await.expect("requeued");
        assert_eq!(requeued.requeued, vec![job.job_id.clone()]);
        assert_eq!(sweep(&stack).await.done, 1);
        assert_eq!((org.gc.injected_presence().len(), org.gc.injected_routing_statuses().len()), (1, 1));
    }
}

#[tokio::test]
async fn a_retryable_refusal_is_sent_again_with_the_same_event() {
    for backend in backends() {
        let org = Org::start().await;
        let stack = TestStack::start_with(&backend, &org.config()).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        push_one(&stack, "agent01", "OnCall", None, "2026-11-21T09:00:00Z").await;
        org.gc.refuse_next_events(1, true);
        assert_eq!(sweep(&stack).await.retried, 1);
        assert!(org.gc.received_on(ROUTING_PATH).is_empty(), "the routing status waits for the presence");
        stack.stack.app.clock.advance(time::Duration::minutes(5));
        assert_eq!(sweep(&stack).await.done, 1);
        let posts = org.gc.received_on(PRESENCE_PATH);
        assert_eq!(posts.len(), 2);
        let id = |i: usize| posts[i].body["userPresenceEvents"][0]["eventId"].clone();
        assert_eq!(id(0), id(1), "a retry sends the same event");
        assert_eq!(org.gc.injected_presence().len(), 1);
        assert_eq!(org.gc.injected_routing_statuses()[0]["status"], "Interacting");

        // A user Genesys does not know is refused for good: the job fails with its message.
        let other = Org::start().await;
        let config = other.config().replace(&other.users[1], &uuid::Uuid::new_v4().to_string());
        let stack = TestStack::start_with(&backend, &config).await;
        ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
        push_one(&stack, "agent02", "Ready", None, "2026-11-21T09:00:00Z").await;
        assert_eq!(sweep(&stack).await.failed, 1);
        let reason = jobs_of(&stack, "agent02").await.remove(0).job.last_error.expect("reason");
        assert!(reason.starts_with("Genesys Cloud refused the presence event"), "{reason}");
    }
}
