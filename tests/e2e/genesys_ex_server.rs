//! The local Genesys Cloud holds Genesys Cloud EX clients to the contract: presence sources and
//! definitions, conversation events that must be their documented models, name what the
//! organization has and keep the order of a conversation, and user presence and routing status
//! events held to their models likewise.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ccbridge_tests::genesys_cloud::{CLIENT_ID, CLIENT_SECRET, GenesysCloud};
use serde_json::{Value, json};

const EVENTS: &str = "/api/v2/events/conversations";
const SOURCES: &str = "/api/v2/presence/sources";

/// An organization with a presence source, an agent, a queue and a wrap-up code, and a token.
struct Org {
    gc: GenesysCloud,
    token: String,
    source: String,
    agent: String,
    queue: String,
    code: String,
}

impl Org {
    async fn start() -> Self {
        let gc = GenesysCloud::start().await;
        let basic = BASE64.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        let response = reqwest::Client::new()
            .post(format!("{}/oauth/token", gc.url()))
            .header("authorization", format!("Basic {basic}"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials")
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200);
        let token = response.json::<Value>().await.expect("token")["access_token"].as_str().expect("token").to_owned();
        let source = gc.add_presence_source("ccbridge");
        let agent = gc.add_user();
        let queue = gc.add_queue("Support");
        let code = gc.add_wrapup_code("Resolved");
        Self { gc, token, source, agent, queue, code }
    }

    /// Sends `body` with the token (none when `token` is `None`): the status and the JSON body.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> (u16, Value) {
        let mut request = reqwest::Client::new().request(method, format!("{}{path}", self.gc.url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.send(reqwest::Method::POST, path, Some(&self.token), Some(body)).await
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(reqwest::Method::GET, path, Some(&self.token), None).await
    }

    /// Posts a well-formed batch: its per-event errors.
    async fn inject(&self, batch: &Value) -> Vec<Value> {
        let (status, answer) = self.post(EVENTS, batch).await;
        assert_eq!(status, 200, "{answer}");
        answer["errors"].as_array().expect("BatchEventResponse.errors").clone()
    }

    /// Posts a malformed batch: the 400's message.
    async fn reject(&self, batch: &Value) -> String {
        let (status, answer) = self.post(EVENTS, batch).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["code"], "bad.request", "{answer}");
        answer["message"].as_str().expect("message").to_owned()
    }

    fn stored(&self) -> Vec<String> {
        self.gc.injected_events().into_iter().map(|(_, id, _)| id).collect()
    }
}

fn id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// 10:15 on a November day plus `second` seconds, written as documented.
fn at(second: u32) -> String {
    format!("2026-11-21T10:{:02}:{:02}.000Z", 15 + second / 60, second % 60)
}

/// The legs of one call.
struct Call {
    conversation: String,
    customer: String,
    queue_leg: String,
    agent_leg: String,
}

impl Call {
    fn new() -> Self {
        Self { conversation: id(), customer: id(), queue_leg: id(), agent_leg: id() }
    }

    fn event(&self, second: u32, fields: Value) -> Value {
        let mut event = json!({"eventId": id(), "eventDateTime": at(second), "conversationId": self.conversation});
        event.as_object_mut().expect("object").extend(fields.as_object().expect("object").clone());
        event
    }

    fn established(&self, communication: &str, second: u32, source: &str, fields: Value) -> Value {
        let mut event = self.event(
            second,
            json!({
                "communicationId": communication,
                "initialConfiguration": {"inbound": true, "alerting": false, "recordingActive": true,
                    "audioState": {"canHear": true, "canSpeak": true}, "additionalInfo": {"channel": "uis"}},
                "sourceConfiguration": {"sourceId": source, "interactionId": "call-8001"},
            }),
        );
        event.as_object_mut().expect("object").extend(fields.as_object().expect("object").clone());
        event
    }

    fn external(&self, second: u32, source: &str) -> Value {
        self.established(&self.customer, second, source, json!({"ani": "+79161234567", "dnis": "+74993720692"}))
    }

    fn communication(&self, communication: &str, second: u32) -> Value {
        self.event(second, json!({"communicationId": communication}))
    }

    fn ended(&self, communication: &str, second: u32, disconnect: &str) -> Value {
        self.event(second, json!({"communicationId": communication, "disconnectType": disconnect}))
    }
}

/// A whole inbound call, queued, answered by the agent and wrapped up: the batch.
fn inbound_call(org: &Org, call: &Call) -> Value {
    json!({
        "externalEstablishedEvents": [call.external(0, &org.source)],
        "routingEstablishedEvents": [call.established(&call.queue_leg, 1, &org.source, json!({"queueId": org.queue}))],
        "userEstablishedEvents": [call.established(&call.agent_leg, 2, &org.source,
            json!({"userId": org.agent, "afterCallWorkRequired": true}))],
        "communicationAnsweredEvents": [call.communication(&call.agent_leg, 5)],
        // At the same instant as the agent's end: judged before it.
        "communicationDispositionAppliedEvents": [call.event(60, json!({"communicationId": call.agent_leg,
            "code": org.code, "notes": "resolved"}))],
        "communicationEndedEvents": [
            call.ended(&call.customer, 60, "Peer"),
            call.ended(&call.agent_leg, 60, "Self"),
            call.ended(&call.queue_leg, 5, "TransferACD"),
        ],
    })
}

#[tokio::test]
async fn presence_sources_are_created_listed_and_their_names_are_unique() {
    let org = Org::start().await;
    let (status, made) =
        org.post(SOURCES, &json!({"name": "UIS", "description": "the UIS telephony", "type": "User"})).await;
    assert_eq!(status, 200, "{made}");
    let made_id = made["id"].as_str().expect("id");
    assert_eq!(uuid::Uuid::parse_str(made_id).expect("uuid").get_version_num(), 4);
    assert_eq!(made["name"], "UIS");
    assert_eq!(made["description"], "the UIS telephony");
    assert_eq!(made["type"], "User");
    assert_eq!(made["deactivated"], false);
    assert_eq!(made["selfUri"], format!("{SOURCES}/{made_id}"));

    let (status, listed) = org.get(SOURCES).await;
    assert_eq!(status, 200, "{listed}");
    let names: Vec<&str> =
        listed["entities"].as_array().expect("entities").iter().map(|s| s["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["ccbridge", "UIS"]);
    assert_eq!((listed["total"].as_u64(), listed["pageNumber"].as_u64()), (Some(2), Some(1)), "{listed}");
    assert!(listed["pageSize"].is_u64(), "{listed}");
    assert_eq!(org.get(&format!("{SOURCES}/{made_id}")).await, (200, made.clone()));
    assert_eq!(org.get(&format!("{SOURCES}/{}", id())).await.0, 404);
    assert_eq!(org.gc.presence_sources().len(), 2);

    let (status, conflict) = org.post(SOURCES, &json!({"name": "uis"})).await;
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(conflict["code"], "conflict");
    assert_eq!(conflict["status"], 409);

    for (body, field) in [
        (json!({"name": "Other", "selfUri": "/x"}), "selfUri"),
        (json!({"name": "Other", "id": id()}), "id"),
        (json!({"description": "no name"}), "name"),
        (json!({"name": ""}), "name"),
        (json!({"name": "x".repeat(256)}), "name"),
        (json!({"name": "Other", "type": "Platform"}), "type"),
        (json!({"name": "Other", "deactivated": "no"}), "deactivated"),
    ] {
        let (status, answer) = org.post(SOURCES, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["message"].as_str().expect("message").contains(&format!("body.{field}")), "{answer}");
    }
    let (status, _) = org.post(SOURCES, &json!({"name": "x".repeat(255)})).await;
    assert_eq!(status, 200, "255 characters are allowed");

    let calls = org.gc.received_on(SOURCES);
    assert_eq!(calls.len(), 13, "every call is recorded");
    assert_eq!(calls.iter().map(|r| r.status).filter(|s| *s == 400).count(), 7);
}

#[tokio::test]
async fn a_complete_inbound_call_is_accepted_and_kept_in_order() {
    let org = Org::start().await;
    let call = Call::new();
    assert_eq!(org.inject(&inbound_call(&org, &call)).await, Vec::<Value>::new());
    let kinds: Vec<String> = org.gc.injected_events().into_iter().map(|(kind, ..)| kind).collect();
    assert_eq!(
        kinds,
        [
            "externalEstablishedEvents",
            "routingEstablishedEvents",
            "userEstablishedEvents",
            "communicationAnsweredEvents",
            "communicationEndedEvents",
            "communicationDispositionAppliedEvents",
            "communicationEndedEvents",
            "communicationEndedEvents",
        ]
    );
    assert!(org.gc.injected_events().iter().all(|(_, _, e)| e["conversationId"] == call.conversation.as_str()));
}

#[tokio::test]
async fn an_email_conversation_and_a_transfer_to_another_agent_are_accepted() {
    let org = Org::start().await;
    let email = Call::new();
    let initial = json!({"to": "support@example.com", "from": "client@example.com", "subject": "Order 12"});
    let mut established = email.established(&email.customer, 0, &org.source, json!({"displayName": "Client"}));
    established["initialConfiguration"] = initial.clone();
    let mut agent = email.established(&email.agent_leg, 1, &org.source, json!({"userId": org.agent}));
    agent["initialConfiguration"] = initial;
    let batch = json!({
        "emailExternalEstablishedEvents": [established],
        "emailUserEstablishedEvents": [agent],
        "emailCommunicationAnsweredEvents": [email.communication(&email.agent_leg, 2)],
        "emailCommunicationDispositionAppliedEvents": [email.communication(&email.agent_leg, 3)],
        "emailCommunicationEndedEvents": [email.ended(&email.agent_leg, 3, "Self"), email.ended(&email.customer, 3, "Peer")],
    });
    assert_eq!(org.inject(&batch).await, Vec::<Value>::new());

    let call = Call::new();
    let second_agent = org.gc.add_user();
    let command = id();
    let first = json!({
        "externalEstablishedEvents": [call.external(0, &org.source)],
        "userEstablishedEvents": [call.established(&call.agent_leg, 1, &org.source, json!({"userId": org.agent}))],
        "userTransferEvents": [call.event(10, json!({"transferType": "Unattended", "commandId": command,
            "initiatingCommunicationId": call.agent_leg, "targetCommunicationId": call.agent_leg,
            "objectCommunicationId": call.customer, "destinationUserId": second_agent}))],
    });
    assert_eq!(org.inject(&first).await, Vec::<Value>::new());
    let second_leg = id();
    let then = json!({
        "userEstablishedEvents": [call.established(&second_leg, 11, &org.source, json!({"userId": second_agent}))],
        "progressTransferEvents": [call.event(11, json!({"commandId": command, "objectCommunicationId": call.customer,
            "destinationCommunicationId": second_leg}))],
        "communicationEndedEvents": [call.ended(&call.agent_leg, 12, "TransferUser")],
        "endTransferEvents": [
            call.event(12, json!({"commandId": command, "finalState": "Completed", "objectCommunicationId": call.customer})),
            call.event(12, json!({"commandId": id(), "finalState": "Completed", "objectCommunicationId": call.customer})),
        ],
    });
    let errors = org.inject(&then).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["eventId"], then["endTransferEvents"][1]["eventId"]);
    assert!(errors[0]["message"].as_str().expect("message").contains("commandId"), "{errors:?}");
    assert_eq!(org.stored().len(), 6 + 3 + 4);
}

#[tokio::test]
async fn an_event_time_with_more_than_milliseconds_is_a_bad_request() {
    let org = Org::start().await;
    let call = Call::new();
    for time in ["2026-11-21T10:15:03.412345678Z", "2026-11-21T10:15:03.412345Z", "2026-11-21T10:15:03+00:00"] {
        let mut event = call.external(0, &org.source);
        event["eventDateTime"] = json!(time);
        let message = org.reject(&json!({"externalEstablishedEvents": [event]})).await;
        assert!(message.contains("body.externalEstablishedEvents[0].eventDateTime"), "{message}");
    }
    let mut event = call.external(0, &org.source);
    event["eventDateTime"] = json!("2026-11-21T10:15:03Z");
    assert_eq!(org.inject(&json!({"externalEstablishedEvents": [event]})).await, Vec::<Value>::new());
}

#[tokio::test]
async fn an_event_outside_its_model_is_a_bad_request_and_nothing_is_kept() {
    let org = Org::start().await;
    let call = Call::new();
    let established = call.external(0, &org.source);
    let broken = |change: &dyn Fn(&mut Value)| {
        let mut event = established.clone();
        change(&mut event);
        json!({"externalEstablishedEvents": [event], "communicationAnsweredEvents": [call.communication(&call.customer, 1)]})
    };
    let cases: [(Value, &str); 8] = [
        (
            broken(&|e| drop(e.as_object_mut().expect("object").remove("sourceConfiguration"))),
            "body.externalEstablishedEvents[0].sourceConfiguration",
        ),
        (
            broken(&|e| drop(e["sourceConfiguration"].as_object_mut().expect("object").remove("interactionId"))),
            "sourceConfiguration.interactionId",
        ),
        (broken(&|e| e["initialConfiguration"]["alerting"] = json!("no")), "initialConfiguration.alerting"),
        (
            broken(&|e| e["initialConfiguration"]["additionalInfo"] = json!({"n": 1})),
            "initialConfiguration.additionalInfo",
        ),
        (broken(&|e| e["queueId"] = json!(id())), "body.externalEstablishedEvents[0].queueId"),
        (broken(&|e| e["communicationId"] = json!("call-8001")), "communicationId"),
        (broken(&|e| e["eventId"] = json!("3f2a9c1e-7b4d-11ef-8c1a-0242ac120002")), "eventId"),
        (json!({"phoneEstablishedEvents": [established.clone()]}), "body.phoneEstablishedEvents"),
    ];
    for (batch, field) in cases {
        let message = org.reject(&batch).await;
        assert!(message.contains(field), "{field}: {message}");
    }
    let mut ended = call.ended(&call.customer, 2, "Hangup");
    let message = org.reject(&json!({"communicationEndedEvents": [ended.clone()]})).await;
    assert!(message.contains("disconnectType"), "{message}");
    ended["disconnectType"] = json!("Spam");
    let message = org.reject(&json!({"communicationEndedEvents": [ended]})).await;
    assert!(message.contains("disconnectType"), "a voice call is not ended as spam: {message}");
    assert!(org.stored().is_empty());
}

#[tokio::test]
async fn an_unknown_source_refuses_the_event_and_keeps_nothing() {
    let org = Org::start().await;
    let call = Call::new();
    let established = call.external(0, "ccbridge/uis-demo");
    let errors = org.inject(&json!({"externalEstablishedEvents": [established.clone()]})).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["eventId"], established["eventId"]);
    assert_eq!(errors[0]["retryable"], false);
    assert!(errors[0]["message"].as_str().expect("message").contains("sourceId"), "{errors:?}");
    assert!(org.stored().is_empty());
}

#[tokio::test]
async fn a_communication_is_answered_only_once_established_and_not_before_it() {
    let org = Org::start().await;
    let call = Call::new();
    let early = call.communication(&call.customer, 0);
    let errors = org.inject(&json!({"communicationAnsweredEvents": [early.clone()]})).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((&errors[0]["eventId"], &errors[0]["retryable"]), (&early["eventId"], &json!(false)));

    // Judged in time order whatever the arrays: the answer at 3 comes before the establishment at 5.
    let answered = call.communication(&call.customer, 3);
    let batch = json!({"communicationAnsweredEvents": [answered.clone()], "externalEstablishedEvents": [call.external(5, &org.source)]});
    let errors = org.inject(&batch).await;
    assert_eq!(errors.iter().map(|e| &e["eventId"]).collect::<Vec<_>>(), [&answered["eventId"]]);

    // A leg never established, and an answer dated before its establishment.
    let agent_answered = call.communication(&call.agent_leg, 6);
    let errors = org.inject(&json!({"communicationAnsweredEvents": [agent_answered]})).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    let later = call.communication(&call.customer, 4);
    let errors = org.inject(&json!({"communicationAnsweredEvents": [later]})).await;
    assert!(errors[0]["message"].as_str().expect("message").contains("earlier"), "{errors:?}");
    assert_eq!(org.gc.injected_events().len(), 1, "only the establishment");
}

#[tokio::test]
async fn nothing_happens_to_a_communication_after_it_ended() {
    let org = Org::start().await;
    let call = Call::new();
    let batch = json!({"externalEstablishedEvents": [call.external(0, &org.source)],
        "communicationEndedEvents": [call.ended(&call.customer, 30, "Peer")]});
    assert_eq!(org.inject(&batch).await, Vec::<Value>::new());
    let held = call.event(40, json!({"communicationId": call.customer, "held": true}));
    let again = call.ended(&call.customer, 41, "Peer");
    let errors = org.inject(&json!({"holdUpdatedEvents": [held], "communicationEndedEvents": [again]})).await;
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors.iter().all(|e| e["message"].as_str().expect("message").contains("ended")), "{errors:?}");
    assert_eq!(org.stored().len(), 2);
}

#[tokio::test]
async fn users_queues_and_wrap_up_codes_must_be_the_organizations() {
    let org = Org::start().await;
    let call = Call::new();
    let stranger = call.established(&call.agent_leg, 2, &org.source, json!({"userId": id()}));
    let queued = call.established(&call.queue_leg, 1, &org.source, json!({"queueId": id()}));
    let batch = json!({"externalEstablishedEvents": [call.external(0, &org.source)],
        "routingEstablishedEvents": [queued.clone()], "userEstablishedEvents": [stranger.clone()],
        "communicationDispositionAppliedEvents": [call.event(3, json!({"communicationId": call.customer, "code": id()}))]});
    let errors = org.inject(&batch).await;
    let refused: Vec<(&Value, &str)> =
        errors.iter().map(|e| (&e["eventId"], e["message"].as_str().expect("message"))).collect();
    assert_eq!(refused.len(), 3, "{errors:?}");
    assert_eq!(refused[0].0, &queued["eventId"]);
    assert!(refused[0].1.contains("queueId"), "{errors:?}");
    assert_eq!(refused[1].0, &stranger["eventId"]);
    assert!(refused[1].1.contains("userId"), "{errors:?}");
    assert!(refused[2].1.contains("code"), "{errors:?}");
    assert!(errors.iter().all(|e| e["retryable"] == false));
    assert_eq!(org.stored(), [batch["externalEstablishedEvents"][0]["eventId"].as_str().expect("id")]);
}

#[tokio::test]
async fn a_temporarily_refused_event_is_accepted_when_sent_again() {
    let org = Org::start().await;
    let call = Call::new();
    let batch = json!({"externalEstablishedEvents": [call.external(0, &org.source)],
        "communicationAnsweredEvents": [call.communication(&call.customer, 1)]});
    org.gc.refuse_next_events(1, true);
    let errors = org.inject(&batch).await;
    let established = &batch["externalEstablishedEvents"][0]["eventId"];
    assert_eq!(errors.len(), 2, "the answer waits for its establishment: {errors:?}");
    assert_eq!(errors[0], json!({"eventId": established, "message": "temporarily unavailable", "retryable": true}));
    assert_eq!(errors[1]["retryable"], false);
    assert!(org.stored().is_empty());

    assert_eq!(org.inject(&batch).await, Vec::<Value>::new());
    assert_eq!(org.stored().len(), 2);
}

#[tokio::test]
async fn a_repeated_event_is_accepted_and_kept_once() {
    let org = Org::start().await;
    let call = Call::new();
    let batch = inbound_call(&org, &call);
    assert_eq!(org.inject(&batch).await, Vec::<Value>::new());
    assert_eq!(org.inject(&batch).await, Vec::<Value>::new(), "ended communications included");
    let established = batch["externalEstablishedEvents"].clone();
    assert_eq!(org.inject(&json!({"externalEstablishedEvents": established})).await, Vec::<Value>::new());
    assert_eq!(org.stored().len(), 8);
    assert_eq!(org.gc.received_on(EVENTS).iter().map(|r| r.status).collect::<Vec<_>>(), [200, 200, 200]);
}

#[tokio::test]
async fn events_without_a_valid_token_are_unauthorized() {
    let org = Org::start().await;
    let call = Call::new();
    let batch = json!({"externalEstablishedEvents": [call.external(0, &org.source)]});
    let (status, answer) = org.send(reqwest::Method::POST, EVENTS, None, Some(&batch)).await;
    assert_eq!((status, &answer["code"]), (401, &json!("authentication.required")), "{answer}");
    let (status, _) = org.send(reqwest::Method::GET, SOURCES, Some("not-a-token"), None).await;
    assert_eq!(status, 401);
    org.gc.revoke_tokens();
    let (status, answer) = org.post(EVENTS, &batch).await;
    assert_eq!((status, &answer["code"]), (401, &json!("bad.credentials")), "{answer}");
    assert!(org.stored().is_empty());
}

const PRESENCE: &str = "/api/v2/events/users/presence";
const ROUTING: &str = "/api/v2/events/users/routingstatus";

impl Org {
    fn presence(&self, definition: &str) -> Value {
        json!({"userPresenceEvents": [{
            "eventId": id(), "eventDateTime": at(0), "userId": self.agent,
            "sourceId": self.source, "presenceDefinitionId": definition,
        }]})
    }

    fn routing(&self, status: &str) -> Value {
        json!({"userRoutingStatusEvents": [{
            "eventId": id(), "eventDateTime": at(0), "agentId": self.agent, "status": status, "sourceId": self.source,
        }]})
    }
}

#[tokio::test]
async fn the_organization_has_a_definition_of_every_system_presence() {
    let org = Org::start().await;
    let (status, listing) = org.get("/api/v2/presence/definitions").await;
    assert_eq!(status, 200);
    let entities = listing["entities"].as_array().expect("entities");
    let presences: Vec<&str> = entities.iter().filter_map(|d| d["systemPresence"].as_str()).collect();
    assert_eq!(
        presences,
        ["Available", "Away", "Busy", "Offline", "Idle", "OnQueue", "Meal", "Training", "Meeting", "Break"]
    );
    for definition in entities {
        let id = uuid::Uuid::parse_str(definition["id"].as_str().expect("id")).expect("uuid");
        assert_eq!(id.get_version_num(), 4);
        assert!(definition["languageLabels"].is_object());
    }
}

#[tokio::test]
async fn presence_and_routing_status_events_are_their_models_and_name_what_the_organization_has() {
    let org = Org::start().await;
    let on_queue = org.gc.presence_definition("OnQueue");
    let (status, answer) = org.post(PRESENCE, &org.presence(&on_queue)).await;
    assert_eq!((status, answer["errors"].as_array().map(Vec::len)), (200, Some(0)), "{answer}");
    let (status, answer) = org.post(ROUTING, &org.routing("Idle")).await;
    assert_eq!((status, answer["errors"].as_array().map(Vec::len)), (200, Some(0)), "{answer}");

    // Broken structure: a 400 naming the field.
    let mut late = org.presence(&on_queue);
    late["userPresenceEvents"][0]["eventDateTime"] = json!("2026-11-21T07:15:03.123456Z");
    let mut no_source = org.routing("Idle");
    no_source["userRoutingStatusEvents"][0].as_object_mut().expect("event").remove("sourceId");
    let mut not_v4 = org.presence(&on_queue);
    not_v4["userPresenceEvents"][0]["eventId"] = json!("00000000-0000-1000-8000-000000000000");
    for (path, body, names) in [
        (ROUTING, org.routing("Away"), "status"),
        (PRESENCE, late, "eventDateTime"),
        (ROUTING, no_source, "sourceId"),
        (PRESENCE, not_v4, "V4 UUID"),
        (PRESENCE, json!({"userPresenceEvents": []}), "no events"),
        (PRESENCE, org.routing("Idle"), "userRoutingStatusEvents"),
    ] {
        let (status, answer) = org.post(path, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer["message"].as_str().is_some_and(|m| m.contains(names)), "{names}: {answer}");
    }

    // Well formed, but naming what the organization does not have: refused, not retryable.
    let mut stranger = org.routing("Idle");
    stranger["userRoutingStatusEvents"][0]["agentId"] = json!(id());
    let mut unknown_source = org.presence(&on_queue);
    unknown_source["userPresenceEvents"][0]["sourceId"] = json!(id());
    for (path, body, names) in [
        (PRESENCE, org.presence(&id()), "presenceDefinitionId"),
        (ROUTING, stranger, "agentId"),
        (PRESENCE, unknown_source, "sourceId"),
    ] {
        let (status, answer) = org.post(path, &body).await;
        assert_eq!(status, 200, "{answer}");
        let error = &answer["errors"][0];
        assert_eq!(error["retryable"], false);
        assert!(error["message"].as_str().is_some_and(|m| m.contains(names)), "{names}: {answer}");
    }
    assert_eq!((org.gc.injected_presence().len(), org.gc.injected_routing_statuses().len()), (1, 1));

    // A repeated event is accepted and kept once; a scripted refusal is retryable.
    let again = org.presence(&on_queue);
    org.post(PRESENCE, &again).await;
    org.post(PRESENCE, &again).await;
    assert_eq!(org.gc.injected_presence().len(), 2);
    org.gc.refuse_next_events(1, true);
    let (_, answer) = org.post(ROUTING, &org.routing("Interacting")).await;
    assert_eq!(answer["errors"][0]["retryable"], true, "{answer}");
    assert_eq!(org.gc.injected_routing_statuses().len(), 1);
}
