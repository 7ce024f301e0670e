use std::sync::Arc;

use ccbridge::App;
use ccbridge::store::Blobs;
use ccbridge_tests::{TestStack, on_each_backend};
use serde_json::Value;

async fn status(stack: &TestStack) -> (u16, Value) {
    let response = stack.http.get(stack.url("/status")).send().await.expect("request");
    let code = response.status().as_u16();
    (code, response.json().await.expect("JSON body"))
}

#[tokio::test]
async fn status_reports_version_and_reachability() {
    on_each_backend(async |stack| {
        let (code, body) = status(stack).await;
        assert_eq!(code, 200, "{body}");
        assert_eq!(body["service"], "ccbridge");
        assert_eq!(body["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(body["table"], serde_json::json!({"reachable": true}));
        assert_eq!(body["bucket"], serde_json::json!({"reachable": true}));
    })
    .await;
}

#[tokio::test]
async fn missing_table_is_one_clear_error() {
    on_each_backend(async |stack| {
        stack.dynamodb().delete_table().table_name(stack.table()).send().await.expect("delete table");
        let (code, body) = status(stack).await;
        assert_eq!(code, 503, "{body}");
        assert_eq!(body["table"], serde_json::json!({"reachable": false, "reason": "missing"}));
        assert!(!body.to_string().contains(stack.table()), "no backend text reaches the caller: {body}");
        assert_eq!(body["bucket"]["reachable"], true);
    })
    .await;
}

#[tokio::test]
async fn unreachable_s3_is_one_clear_error() {
    on_each_backend(async |stack| {
        // A port that was bound and released: nothing listens there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
        let sdk = ccbridge_local::stack::sdk_config().await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .endpoint_url(format!("http://{closed}"))
                .force_path_style(true)
                .build(),
        );
        let app = App { blobs: Blobs::new(s3, "nowhere"), ..(*stack.stack.app).clone() };
        let response = status::FUNCTION.call(Arc::new(app), http_get("/status")).await;
        assert_eq!(response.status(), 503);
        let body: Value = serde_json::from_slice(response.body()).expect("JSON");
        assert_eq!(body["table"]["reachable"], true);
        assert_eq!(body["bucket"], serde_json::json!({"reachable": false, "reason": "unavailable"}));
        assert!(!body.to_string().contains("nowhere"), "no backend text reaches the caller: {body}");
    })
    .await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_like_api_gateway() {
    on_each_backend(async |stack| {
        let response = stack.http.get(stack.url("/nope")).send().await.expect("request");
        assert_eq!(response.status(), 404);
        let response = stack.http.delete(stack.url("/status")).send().await.expect("request");
        assert_eq!(response.status(), 404);
        let body: Value = response.json().await.expect("JSON");
        assert_eq!(body["message"], "Not Found");
    })
    .await;
}

fn http_get(path: &str) -> ccbridge::http::Request {
    http::Request::builder().uri(path).body(bytes::Bytes::new()).expect("request")
}
