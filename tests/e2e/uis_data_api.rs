//! The UIS Data API client against the local Data API contract server, configured as the test
//! configuration's `uis-demo` channel and on the app's own outbound client: what UIS receives is
//! asserted on the server's side.

use ccbridge::app::Clients;
use ccbridge::config::Config;
use ccbridge::uis::config::{DataApiSettings, UisChannel};
use ccbridge::uis::data_api::{self, DataApiError, EmployeeStatus, Status};
use ccbridge_tests::uis_data_api::{TOKEN, UisDataApi};
use ccbridge_tests::{CONFIG, with_data_api};
use serde_json::{Value, json};

/// A fresh Data API, the configuration pointing at it and the app's clients.
async fn setup() -> (UisDataApi, Config, Clients) {
    let server = UisDataApi::start().await;
    let config = Config::parse(&with_data_api(CONFIG, &server)).expect("test configuration");
    let clients = Clients::new(&config).expect("clients");
    (server, config, clients)
}

fn settings(config: &Config) -> &DataApiSettings {
    let channel = config.all::<UisChannel>().find(|c| c.id.as_str() == "uis-demo").expect("uis-demo");
    channel.data_api.as_ref().expect("uis-demo reads the Data API")
}

/// The error, which never names the token.
fn clean(error: DataApiError) -> DataApiError {
    assert!(!error.to_string().contains(TOKEN) && !format!("{error:?}").contains(TOKEN), "{error:?}");
    error
}

/// Posts one JSON-RPC request of `method`; the answer.
async fn post(server: &UisDataApi, method: &str, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": 7, "method": method, "params": params});
    let response = reqwest::Client::new().post(server.url()).json(&body).send().await.expect("sent");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

/// The error's (code, mnemonic, field, value).
fn refusal(answer: &Value) -> (i64, &str, &str, &Value) {
    let error = &answer["error"];
    (
        error["code"].as_i64().expect("code"),
        error["data"]["mnemonic"].as_str().expect("mnemonic"),
        error["data"]["field"].as_str().unwrap_or_default(),
        &error["data"]["value"],
    )
}

#[tokio::test]
async fn the_status_catalogue_is_read_with_mnemonics_and_the_points_left() {
    let (server, config, clients) = setup().await;
    let page = data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect("statuses");
    assert_eq!(page.items.len(), 7);
    assert_eq!(page.items[0], Status { id: 1, name: "Доступен".into(), mnemonic: Some("available".into()) });
    assert_eq!(page.items[5].mnemonic.as_deref(), Some("unknown"));
    assert_eq!(page.items[6], Status { id: 7, name: "Обед".into(), mnemonic: None });
    assert_eq!(page.requests, 1);
    assert_eq!((page.limits.minute_limit, page.limits.minute_remaining), (Some(300), Some(299)));
    assert_eq!(page.limits.day_remaining, Some(99_999));
    assert!(page.limits.day_reset.is_some_and(|s| s > 0) && page.limits.minute_reset.is_some());
    let calls = server.calls_of("get.statuses");
    assert_eq!(
        calls,
        [json!({"access_token": "<token>", "fields": ["id", "name", "mnemonic"], "limit": 10_000,
        "offset": 0})]
    );
}

#[tokio::test]
async fn employees_statuses_are_read_across_pages_until_total_items() {
    let (server, config, clients) = setup().await;
    for id in [2003, 2004, 2005] {
        server.add_employee(id, "Сидорова Ольга");
    }
    server.set_employee_status(2002, 7);
    server.set_employee_status(2004, 3);
    let page =
        data_api::employee_statuses_in_pages(&clients.uis_call_api, settings(&config), 2).await.expect("employees");
    let of = |id, status| EmployeeStatus { id, status_id: Some(status) };
    assert_eq!(page.items, [of(2001, 1), of(2002, 7), of(2003, 1), of(2004, 3), of(2005, 1)]);
    assert_eq!(page.requests, 3);
    assert_eq!(page.limits.minute_remaining, Some(297));
    let calls = server.calls_of("get.employees");
    let offsets: Vec<&Value> = calls.iter().map(|c| &c["offset"]).collect();
    assert_eq!(offsets, [0, 2, 4]);
    assert!(calls.iter().all(|c| c["limit"] == 2 && c["fields"] == json!(["id", "status_id"])), "{calls:?}");

    let whole = data_api::employee_statuses(&clients.uis_call_api, settings(&config)).await.expect("employees");
    assert_eq!((whole.items.len(), whole.requests), (5, 1));
}

#[tokio::test]
async fn an_expired_or_wrong_token_is_an_access_error() {
    let (server, config, clients) = setup().await;
    server.expire_token();
    let expired = clean(data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect_err("expired"));
    assert!(matches!(&expired, DataApiError::Access(m) if m.contains("access_token_expired")), "{expired:?}");

    let wrong = CONFIG.replace(TOKEN, "another-data-api-token-0000");
    let config = Config::parse(&with_data_api(&wrong, &server)).expect("configuration");
    let invalid = data_api::employee_statuses(&clients.uis_call_api, settings(&config)).await.expect_err("invalid");
    assert!(matches!(&invalid, DataApiError::Access(m) if m.contains("access_token_invalid")), "{invalid:?}");
    assert!(!invalid.to_string().contains("another-data-api-token"), "{invalid}");
    assert!(server.received().iter().all(|r| r.params["access_token"] != TOKEN));
}

#[tokio::test]
async fn a_spent_minute_is_limit_exceeded_with_its_reset() {
    let (server, config, clients) = setup().await;
    server.set_limits(1, 1_000);
    data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect("the one point");
    let spent = clean(data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect_err("spent"));
    let DataApiError::LimitExceeded { retry_after } = spent else { panic!("{spent:?}") };
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let answered = server.received().last().expect("a request").answer.clone();
    assert_eq!(answered["error"]["data"]["metadata"]["limits"]["minute_reset"], retry_after, "{answered}");
    assert_eq!(server.calls_of("get.statuses").len(), 1, "a refused request is not charged");
}

#[tokio::test]
async fn a_proxy_5xx_and_an_internal_error_are_unavailable() {
    let (server, config, clients) = setup().await;
    server.fail_next(502);
    let proxy = clean(data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect_err("502"));
    assert_eq!(proxy, DataApiError::Unavailable("HTTP 502".into()));
    server.fail_next_rpc(-32603, "internal_error");
    let internal = clean(data_api::employee_statuses(&clients.uis_call_api, settings(&config)).await.expect_err("rpc"));
    assert_eq!(internal, DataApiError::Unavailable("internal_error".into()));
    assert_eq!(server.received().iter().map(|r| r.http_status).collect::<Vec<_>>(), [502, 200]);
    data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect("only the next request failed");
}

#[tokio::test]
async fn the_server_refuses_undocumented_fields_so_the_clients_are_documented() {
    let (server, config, clients) = setup().await;
    let mood = post(&server, "get.employees", json!({"access_token": TOKEN, "fields": ["id", "mood"]})).await;
    assert_eq!(refusal(&mood), (-32602, "unexpected_parameters", "fields", &json!("mood")), "{mood}");
    let custom = post(&server, "get.statuses", json!({"access_token": TOKEN, "fields": ["id", "status_id"]})).await;
    assert_eq!(refusal(&custom).1, "unexpected_parameters", "{custom}");

    data_api::statuses(&clients.uis_call_api, settings(&config)).await.expect("statuses");
    data_api::employee_statuses(&clients.uis_call_api, settings(&config)).await.expect("employees");
    let ours: Vec<_> = server.received().into_iter().skip(2).collect();
    assert_eq!(ours.len(), 2);
    assert!(ours.iter().all(|r| r.answer["result"]["data"].is_array()), "{ours:?}");
}

#[tokio::test]
async fn get_methods_hold_to_their_params() {
    let server = UisDataApi::start().await;
    let token = json!(TOKEN);
    let cases = [
        ("get.employees", json!({"limit": 0}), "invalid_parameter_value", "limit"),
        ("get.employees", json!({"limit": 10_001}), "invalid_parameter_value", "limit"),
        ("get.employees", json!({"limit": "10"}), "data_type_error", "limit"),
        ("get.employees", json!({"offset": 100_001}), "invalid_parameter_value", "offset"),
        ("get.employees", json!({"is_deleted": true}), "unexpected_parameters", "is_deleted"),
        ("get.employees", json!({"user_id": 5}), "invalid_parameter_value", "user_id"),
        ("get.employees", json!({"sort": [{"field": "id"}]}), "sort_prohibited", "sort.field"),
        (
            "get.employees",
            json!({"filter": {"field": "operator", "operator": "=", "value": 1}}),
            "filter_prohibited",
            "filter.field",
        ),
        (
            "get.employees",
            json!({"filter": {"field": "id", "operator": "~", "value": 1}}),
            "invalid_parameter_value",
            "filter.operator",
        ),
        ("get.statuses", json!({"is_deleted": "yes"}), "data_type_error", "is_deleted"),
        ("get.statuses", json!({"sort": [{"field": "name", "order": "up"}]}), "invalid_parameter_value", "sort.order"),
    ];
    for (method, mut params, mnemonic, field) in cases {
        params["access_token"] = token.clone();
        let answer = post(&server, method, params.clone()).await;
        let (code, got, named, _) = refusal(&answer);
        assert_eq!((code, got, named), (-32602, mnemonic, field), "{method} {params}: {answer}");
    }
    assert!(server.calls_of("get.employees").is_empty(), "refusals are not charged");

    server.delete_status(7);
    let listed = |answer: &Value| answer["result"]["data"].as_array().expect("data").len();
    let statuses = post(&server, "get.statuses", json!({"access_token": TOKEN})).await;
    assert_eq!((listed(&statuses), &statuses["result"]["metadata"]["total_items"]), (6, &json!(6)), "{statuses}");
    let all = post(&server, "get.statuses", json!({"access_token": TOKEN, "is_deleted": true})).await;
    assert_eq!(listed(&all), 7);

    server.set_employee_status(2002, 4);
    let filtered = post(
        &server,
        "get.employees",
        json!({"access_token": TOKEN, "fields": ["id", "status"],
        "filter": {"filters": [{"field": "status_id", "operator": "in", "value": [4, 5]},
            {"field": "full_name", "operator": "like", "value": "Петров%"}], "condition": "and"},
        "sort": [{"field": "full_name", "order": "desc"}]}),
    )
    .await;
    assert_eq!(filtered["result"]["data"], json!([{"id": 2002, "status": "not_at_workplace"}]), "{filtered}");
    let paged = post(
        &server,
        "get.employees",
        json!({"access_token": TOKEN, "limit": 1, "offset": 1,
        "fields": ["id", "groups"]}),
    )
    .await;
    assert_eq!(paged["result"]["data"], json!([{"id": 2002, "groups": []}]), "{paged}");
    assert_eq!(paged["result"]["metadata"]["total_items"], 2);
}

#[tokio::test]
async fn the_envelope_and_the_token_are_checked_first() {
    let server = UisDataApi::start().await;
    let http = reqwest::Client::new();
    let send = async |body: &str| -> Value {
        let response = http.post(server.url()).header("content-type", "application/json").body(body.to_owned());
        response.send().await.expect("sent").json().await.expect("JSON")
    };
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "get.statuses", "params": {"access_token": TOKEN}});
    assert_eq!(refusal(&send("{").await).1, "parse_error");
    assert_eq!(refusal(&send(&json!([call]).to_string()).await).1, "batch_opreations_not_supported");
    let mut notification = call.clone();
    notification.as_object_mut().expect("object").remove("id");
    assert_eq!(refusal(&send(&notification.to_string()).await).1, "notifications_not_supported");
    let mut unknown = call.clone();
    unknown["method"] = json!("get.employee_statuses");
    assert_eq!(refusal(&send(&unknown.to_string()).await).1, "method_not_found");
    let mut version = call.clone();
    version["jsonrpc"] = json!("1.0");
    assert_eq!(refusal(&send(&version.to_string()).await).1, "invalid_request");
    let mut missing = call.clone();
    missing["params"] = json!({});
    assert_eq!(refusal(&send(&missing.to_string()).await).1, "required_parameter_missed");
    let mut wrong = call.clone();
    wrong["params"]["access_token"] = json!("nope-nope-nope");
    let refused = send(&wrong.to_string()).await;
    assert_eq!(refusal(&refused).0, -32001, "{refused}");
    assert!(!refused.to_string().contains("nope-nope-nope") && !refused.to_string().contains(TOKEN));
    assert_eq!(server.received().last().expect("recorded").params["access_token"], "<other>");
    let other_path = http.post(server.url().replace("/v2.0", "/v4.0")).json(&call).send().await.expect("sent");
    assert_eq!(other_path.status(), 404);
    assert_eq!(http.get(server.url()).send().await.expect("sent").status(), 405);
}
