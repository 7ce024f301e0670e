//! DynamoDB round trips per WDE request, counted by an SDK interceptor on the function's own
//! client: the numbers the README and the report quote.

use ccbridge::http::{ClientIp, PathParams};
use ccbridge_tests::{counts, on_each_backend};
use serde_json::json;

fn request(method: &str, body: serde_json::Value) -> ccbridge::http::Request {
    let mut req = http::Request::builder()
        .method("POST")
        .uri(format!("/wde/{method}"))
        .header("host", "127.0.0.1:1")
        .header("content-type", "application/json")
        .header("x-api-key", "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a")
        .body(bytes::Bytes::from(body.to_string()))
        .expect("request");
    req.extensions_mut().insert(PathParams([("method".to_string(), method.to_string())].into()));
    req.extensions_mut().insert(ClientIp([127, 0, 0, 1].into()));
    req
}

#[tokio::test]
async fn round_trips_per_request() {
    on_each_backend(async |stack| {
        let (app, counter) = stack.app_counting_calls();
        let call = async |method: &str, body: serde_json::Value| {
            let response = wde_interaction::FUNCTION.call(app.clone(), request(method, body)).await;
            assert_eq!(response.status(), 200, "{}", String::from_utf8_lossy(response.body()));
            let counted = counter.take_counts();
            eprintln!("{method}: {counted:?}");
            counted
        };
        let unknown_voice = json!({"GenesysIDInteraction": "rt1", "MediaType": "voice in", "AgentID": "agent01",
            "InteractionStartDateTime": "2022-11-08T14:54:55Z", "CustomerPhoneNumber": "+48884998123"});
        let first = call("registerInteraction", unknown_voice.clone()).await;
        // The interaction and its activity: one transaction.
        assert_eq!(first, counts(&[("GetItem", 1), ("Query", 1), ("TransactWriteItems", 1)]));
        let again = call("registerInteraction", unknown_voice).await;
        assert_eq!(again, counts(&[("GetItem", 1)]), "a repeated registration is one read");
        let messenger = json!({"GenesysIDInteraction": "rt2", "MediaType": "messenger", "AgentID": "agent01",
            "InteractionStartDateTime": "2022-11-08T14:54:55Z", "FacebookActorID": "123456",
            "CustomerAgreements": [{"Name": "RODO", "Value": 1}]});
        let created = call("registerInteraction", messenger.clone()).await;
        // Interaction read + lookup query; one transaction: the interaction with its activity,
        // the new contact with its key item and its consent, the consent's register entry.
        assert_eq!(created, counts(&[("GetItem", 1), ("Query", 1), ("TransactWriteItems", 1)]));
        assert_eq!(call("registerInteraction", messenger).await, counts(&[("GetItem", 1)]), "repeated: one read");
        let known = json!({"GenesysIDInteraction": "rt3", "MediaType": "messenger", "AgentID": "agent01",
            "InteractionStartDateTime": "2022-11-09T10:00:00Z", "FacebookActorID": "123456",
            "CustomerAgreements": [{"Name": "RODO", "Value": 0}]});
        // The contact is known now: its consent state is read and written with the interaction.
        let withdrawn = call("registerInteraction", known).await;
        assert_eq!(withdrawn, counts(&[("GetItem", 2), ("Query", 1), ("TransactWriteItems", 1)]));
        let update = json!({"GenesysIDInteraction": "rt1", "CallResult": "ended", "AgentID": "agent01"});
        let ended = counts(&[("GetItem", 1), ("TransactWriteItems", 1)]);
        assert_eq!(call("updateInteraction", update.clone()).await, ended, "the end with the activity");
        assert_eq!(
            call("updateInteraction", update).await,
            counts(&[("GetItem", 1)]),
            "a repeated update writes nothing"
        );
    })
    .await;
}
