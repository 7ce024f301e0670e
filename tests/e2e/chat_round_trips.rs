//! How many DynamoDB requests an agent webhook costs, counted by an SDK interceptor.

use bytes::Bytes;
use ccbridge::chat::webhook::sign;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::{TestStack, backends};
use secrecy::SecretString;

fn webhook(body: &str) -> ccbridge::http::Request {
    let signature = sign(&SecretString::from("bot-demo-webhook-secret-0001"), body.as_bytes());
    http::Request::builder()
        .method("POST")
        .uri("/genesys/messaging/webhook")
        .header("content-type", "application/json")
        .header("x-hub-signature-256", signature)
        .body(Bytes::from(body.to_owned()))
        .expect("request")
}

#[tokio::test]
async fn agent_message_costs_four_requests_and_a_redelivery_writes_nothing() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let gc = GenesysCloud::start().await;
        let stack = TestStack::start_with(&backend, &gc.config("")).await;
        let app = stack.stack.app.clone();
        let provisioned = ccbridge_admin::provision_chat(&app, "bot-demo").await.expect("provision");
        let integration = provisioned[0].integration_id.clone();
        let start = serde_json::json!({"session_id": "s-count", "user_id": "user-42"});
        let response = stack
            .http
            .post(stack.url("/chat/sessions"))
            .header("x-api-key", "bot-demo-api-key-0001")
            .json(&start)
            .send()
            .await
            .expect("start");
        assert_eq!(response.status(), 201);

        let (counted, operations) = stack.app_counting_calls();
        let body = serde_json::json!({
            "id": "g-count", "type": "Text", "text": "hello", "direction": "Outbound",
            "channel": {"id": integration, "to": {"id": "user-42", "idType": "Opaque"}, "time": "2026-11-22T10:01:00.000Z"},
        })
        .to_string();

        let response = genesys_messaging_inbound::FUNCTION.call(counted.clone(), webhook(&body)).await;
        assert_eq!(response.status(), 200);
        let first = operations.take();
        eprintln!("new agent message: {} requests {first:?}", first.len());
        assert_eq!(first, ["GetItem", "TransactWriteItems", "GetItem", "PutItem"], "the session by a consistent read");

        let response = genesys_messaging_inbound::FUNCTION.call(counted, webhook(&body)).await;
        assert_eq!(response.status(), 200);
        let again = operations.take();
        eprintln!("redelivery: {} requests {again:?}", again.len());
        assert_eq!(again, ["GetItem", "TransactWriteItems", "GetItem", "GetItem"], "no write succeeds");
    }
}
