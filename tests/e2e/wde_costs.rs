//! DynamoDB round trips per WDE request, counted by an SDK interceptor on the function's own
//! client: the numbers the README and the report quote.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::error::BoxError;
use aws_sdk_dynamodb::operation::{get_item::GetItemInput, put_item::PutItemInput, query::QueryInput};
use ccbridge::App;
use ccbridge::http::{ClientIp, PathParams};
use ccbridge::store::Store;
use ccbridge_tests::on_each_backend;
use serde_json::json;

/// Counts DynamoDB calls by operation.
#[derive(Debug, Default, Clone)]
struct Counter(Arc<Mutex<BTreeMap<&'static str, usize>>>);

impl Counter {
    fn take(&self) -> BTreeMap<&'static str, usize> {
        std::mem::take(&mut *self.0.lock().expect("counter"))
    }
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "Counter"
    }

    fn read_before_execution(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input();
        let op = if input.downcast_ref::<GetItemInput>().is_some() {
            "GetItem"
        } else if input.downcast_ref::<PutItemInput>().is_some() {
            "PutItem"
        } else if input.downcast_ref::<QueryInput>().is_some() {
            "Query"
        } else {
            "other"
        };
        *self.0.lock().expect("counter").entry(op).or_default() += 1;
        Ok(())
    }
}

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
        let counter = Counter::default();
        let client = aws_sdk_dynamodb::Client::from_conf(
            stack.dynamodb().config().to_builder().interceptor(counter.clone()).build(),
        );
        let app = Arc::new(App { store: Store::new(client, stack.table()), ..(*stack.stack.app).clone() });
        let call = async |method: &str, body: serde_json::Value| {
            let response = wde_interaction::FUNCTION.call(app.clone(), request(method, body)).await;
            assert_eq!(response.status(), 200, "{}", String::from_utf8_lossy(response.body()));
            let counted = counter.take();
            eprintln!("{method}: {counted:?}");
            counted
        };
        let unknown_voice = json!({"GenesysIDInteraction": "rt1", "MediaType": "voice in", "AgentID": "agent01",
            "InteractionStartDateTime": "2022-11-08T14:54:55Z", "CustomerPhoneNumber": "+48884998123"});
        let first = call("registerInteraction", unknown_voice.clone()).await;
        assert_eq!(first, BTreeMap::from([("GetItem", 1), ("PutItem", 1), ("Query", 1)]));
        let again = call("registerInteraction", unknown_voice).await;
        assert_eq!(again, BTreeMap::from([("GetItem", 1)]), "a repeated registration is one read");
        let messenger = json!({"GenesysIDInteraction": "rt2", "MediaType": "messenger", "AgentID": "agent01",
            "InteractionStartDateTime": "2022-11-08T14:54:55Z", "FacebookActorID": "123456",
            "CustomerAgreements": [{"Name": "RODO", "Value": 1}]});
        let created = call("registerInteraction", messenger).await;
        // Interaction read + lookup query; contact + key item + interaction writes; one consent:
        // register entry write, contact read and write.
        assert_eq!(created, BTreeMap::from([("GetItem", 2), ("PutItem", 5), ("Query", 1)]));
        let update = json!({"GenesysIDInteraction": "rt1", "CallResult": "ended", "AgentID": "agent01"});
        assert_eq!(call("updateInteraction", update.clone()).await, BTreeMap::from([("GetItem", 1), ("PutItem", 1)]));
        assert_eq!(
            call("updateInteraction", update).await,
            BTreeMap::from([("GetItem", 1)]),
            "a repeated update writes nothing"
        );
    })
    .await;
}
