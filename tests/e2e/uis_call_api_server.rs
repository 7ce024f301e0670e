//! The local UIS Call API holds clients to the contract: what it answers for a valid
//! `start.employee_call` and for each rule a caller can break.

use ccbridge_tests::uis_call_api::{TOKEN, UisCallApi};
use serde_json::{Value, json};

const VIRTUAL: &str = "74993720692";
const CONTACT: &str = "79161234567";
const EMPLOYEE: u64 = 42;
const EMPLOYEE_WITHOUT_PHONES: u64 = 43;

async fn server() -> UisCallApi {
    let server = UisCallApi::start().await;
    server.add_virtual_number(VIRTUAL);
    server.add_employee(EMPLOYEE, &["79035550101"]);
    server.add_employee(EMPLOYEE_WITHOUT_PHONES, &[]);
    server
}

fn params() -> Value {
    json!({
        "access_token": TOKEN,
        "first_call": "employee",
        "virtual_phone_number": VIRTUAL,
        "contact": CONTACT,
        "external_id": "ticket-1",
        "employee": {"id": EMPLOYEE},
    })
}

/// `params` with `field` set to `value`.
fn with(field: &str, value: Value) -> Value {
    let mut params = params();
    params[field] = value;
    params
}

/// `params` without `field`.
fn without(field: &str) -> Value {
    let mut params = params();
    params.as_object_mut().expect("object").remove(field);
    params
}

/// Posts `body` as JSON; the HTTP status and the body (text when it is not JSON).
async fn post(server: &UisCallApi, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new().post(server.url()).json(body).send().await.expect("sent");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn call(server: &UisCallApi, params: Value) -> Value {
    let body = json!({"jsonrpc": "2.0", "id": "req1", "method": "start.employee_call", "params": params});
    let (status, answer) = post(server, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["jsonrpc"], "2.0");
    assert_eq!(answer["id"], "req1");
    answer
}

/// The error's (code, mnemonic, field).
fn error(answer: &Value) -> (i64, &str, &Value) {
    let error = &answer["error"];
    assert!(error["data"]["metadata"]["limits"]["minute_limit"].is_u64(), "{answer}");
    (
        error["code"].as_i64().expect("code"),
        error["data"]["mnemonic"].as_str().expect("mnemonic"),
        &error["data"]["field"],
    )
}

#[tokio::test]
async fn a_valid_call_answers_a_new_session_id_and_the_limits() {
    let server = server().await;
    let first = call(&server, params()).await;
    assert_eq!(first["result"]["data"]["call_session_id"], 500_000_001, "{first}");
    let limits = &first["result"]["metadata"]["limits"];
    assert_eq!(limits["minute_limit"], 1_000);
    assert_eq!(limits["minute_remaining"], 999);
    assert_eq!(limits["day_remaining"], 99_999);
    assert!(limits["minute_reset"].as_u64().is_some_and(|s| (1..=60).contains(&s)), "{limits}");
    assert!(limits["day_reset"].as_u64().is_some_and(|s| s >= 1), "{limits}");

    let second = call(&server, with("employee", json!({"id": EMPLOYEE, "phone_number": "79035550101"}))).await;
    assert_eq!(second["result"]["data"]["call_session_id"], 500_000_002, "{second}");
    assert_eq!(server.call_session_ids(), [500_000_001, 500_000_002]);

    let calls = server.employee_calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0]["access_token"], "<token>");
    assert_eq!(calls[0]["contact"], CONTACT);
    let received = server.received();
    assert!(received.iter().all(|r| r.method == "start.employee_call" && r.http_status == 200));
    assert_eq!(received[1].answer, second);
}

#[tokio::test]
async fn a_contact_with_a_plus_is_an_invalid_value_of_contact() {
    let server = server().await;
    let answer = call(&server, with("contact", json!(format!("+{CONTACT}")))).await;
    assert_eq!(error(&answer), (-32602, "invalid_parameter_value", &json!("contact")), "{answer}");
    assert_eq!(answer["error"]["data"]["value"], format!("+{CONTACT}"));
    assert_eq!(answer["error"]["message"], "Invalid parameter value");
    assert!(server.employee_calls().is_empty());
}

#[tokio::test]
async fn an_employee_id_as_a_string_is_a_data_type_error() {
    let server = server().await;
    let answer = call(&server, with("employee", json!({"id": EMPLOYEE.to_string()}))).await;
    assert_eq!(error(&answer), (-32602, "data_type_error", &json!("employee.id")), "{answer}");
}

#[tokio::test]
async fn an_unknown_employee_is_not_found() {
    let server = server().await;
    let answer = call(&server, with("employee", json!({"id": 7}))).await;
    assert_eq!(error(&answer), (-32602, "employee_not_found", &json!("employee.id")), "{answer}");
}

#[tokio::test]
async fn an_employee_without_an_active_phone_cannot_be_called() {
    let server = server().await;
    let answer = call(&server, with("employee", json!({"id": EMPLOYEE_WITHOUT_PHONES}))).await;
    assert_eq!(error(&answer), (-32602, "no_active_phone_number", &json!("employee.id")), "{answer}");
}

#[tokio::test]
async fn a_batch_is_refused() {
    let server = server().await;
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "start.employee_call", "params": params()});
    let (status, answer) = post(&server, &json!([request])).await;
    assert_eq!(status, 200);
    assert_eq!(answer["id"], Value::Null);
    assert_eq!(error(&answer), (-32099, "batch_opreations_not_supported", &Value::Null), "{answer}");
    assert!(server.call_session_ids().is_empty());
}

#[tokio::test]
async fn over_the_minute_limit_a_call_is_limit_exceeded() {
    let server = server().await;
    server.set_minute_limit(1);
    // A failed call is not charged.
    call(&server, with("contact", json!("123"))).await;
    let first = call(&server, params()).await;
    assert_eq!(first["result"]["metadata"]["limits"]["minute_remaining"], 0, "{first}");
    let second = call(&server, params()).await;
    assert_eq!(error(&second), (-32029, "limit_exceeded", &Value::Null), "{second}");
    let limits = &second["error"]["data"]["metadata"]["limits"];
    assert_eq!(limits["minute_remaining"], 0);
    assert!(limits["minute_reset"].as_u64().is_some_and(|s| (1..=60).contains(&s)), "{limits}");
    assert_eq!(server.call_session_ids().len(), 1);
}

#[tokio::test]
async fn an_unknown_or_expired_token_is_refused_and_never_echoed() {
    let server = server().await;
    let unknown = call(&server, with("access_token", json!("someone-elses-token"))).await;
    assert_eq!(error(&unknown), (-32001, "access_token_invalid", &json!("access_token")), "{unknown}");
    assert!(!unknown.to_string().contains("someone-elses-token"), "{unknown}");

    server.expire_token();
    let expired = call(&server, params()).await;
    assert_eq!(error(&expired), (-32001, "access_token_expired", &json!("access_token")), "{expired}");
    assert!(!expired.to_string().contains(TOKEN), "{expired}");

    let received = server.received();
    assert_eq!(received[0].params["access_token"], "<other>");
    assert_eq!(received[1].params["access_token"], "<token>");
}

#[tokio::test]
async fn a_scripted_503_is_an_http_failure_and_only_the_next_request_gets_it() {
    let server = server().await;
    server.fail_next(503);
    let body = json!({"jsonrpc": "2.0", "id": "req1", "method": "start.employee_call", "params": params()});
    let (status, answer) = post(&server, &body).await;
    assert_eq!(status, 503);
    assert!(answer.as_str().is_some_and(|text| text.contains("503")), "{answer}");
    assert!(server.call_session_ids().is_empty());

    let retried = call(&server, params()).await;
    assert_eq!(retried["result"]["data"]["call_session_id"], 500_000_001, "{retried}");
    assert_eq!(server.received().iter().map(|r| r.http_status).collect::<Vec<_>>(), [503, 200]);
}

#[tokio::test]
async fn only_well_formed_requests_to_post_v4_are_served() {
    let server = server().await;
    let http = reqwest::Client::new();
    let elsewhere = server.url().replace("/v4.0", "/v2.0");
    assert_eq!(http.post(elsewhere).json(&json!({})).send().await.expect("sent").status(), 404);
    assert_eq!(http.get(server.url()).send().await.expect("sent").status(), 405);

    let form = http.post(server.url()).header("content-type", "text/plain").body(json!({}).to_string());
    let form: Value = form.send().await.expect("sent").json().await.expect("JSON");
    assert_eq!(error(&form), (-32600, "invalid_request", &Value::Null), "{form}");
    let garbage = http.post(server.url()).header("content-type", "application/json").body("{\"jsonrpc\":");
    let garbage: Value = garbage.send().await.expect("sent").json().await.expect("JSON");
    assert_eq!(error(&garbage), (-32700, "parse_error", &Value::Null), "{garbage}");

    let notification = json!({"jsonrpc": "2.0", "method": "start.employee_call", "params": params()});
    let (_, answer) = post(&server, &notification).await;
    assert_eq!(error(&answer), (-32099, "notifications_not_supported", &Value::Null), "{answer}");
    let old = json!({"jsonrpc": "1.0", "id": 5, "method": "start.employee_call", "params": params()});
    let (_, answer) = post(&server, &old).await;
    assert_eq!(answer["id"], 5);
    assert_eq!(error(&answer), (-32600, "invalid_request", &json!("jsonrpc")), "{answer}");
    let unknown = json!({"jsonrpc": "2.0", "id": 6, "method": "start.simple_call", "params": params()});
    let (_, answer) = post(&server, &unknown).await;
    assert_eq!(error(&answer), (-32601, "method_not_found", &json!("method")), "{answer}");
    assert!(server.call_session_ids().is_empty());
}

#[tokio::test]
async fn the_parameters_follow_the_reference_table() {
    let server = server().await;
    let cases = [
        (without("access_token"), "required_parameter_missed", "access_token"),
        (without("contact"), "required_parameter_missed", "contact"),
        (with("first_call", json!("operator")), "invalid_parameter_value", "first_call"),
        (with("early_switching", json!(true)), "invalid_parameters_combination", "early_switching"),
        (with("switch_at_once", json!("yes")), "data_type_error", "switch_at_once"),
        (with("virtual_phone_number", json!(format!("+{VIRTUAL}"))), "invalid_parameter_value", "virtual_phone_number"),
        (with("contact", json!(VIRTUAL)), "own_virtual_phone_number_not_allowed", "contact"),
        (with("dtmf_string", json!("12a")), "invalid_parameter_value", "dtmf_string"),
        (with("direction", json!("inbound")), "invalid_parameter_value", "direction"),
        (with("employee", json!({})), "required_parameter_missed", "employee.id"),
        (
            with("employee", json!({"id": EMPLOYEE, "phone_number": "79990000000"})),
            "invalid_parameter_value",
            "employee.phone_number",
        ),
        (with("employee", json!({"id": EMPLOYEE, "extension": "101"})), "unexpected_parameters", "employee.extension"),
        (with("caller_id", json!(CONTACT)), "unexpected_parameters", "caller_id"),
        (with("token", json!(TOKEN)), "unexpected_parameters", "token"),
    ];
    for (params, mnemonic, field) in cases {
        let answer = call(&server, params).await;
        assert_eq!(error(&answer), (-32602, mnemonic, &json!(field)), "{answer}");
        assert!(!answer.to_string().contains(TOKEN), "{answer}");
    }
    let unowned = call(&server, with("virtual_phone_number", json!("74950000000"))).await;
    assert_eq!(error(&unowned), (-32007, "virtual_phone_number_not_found", &json!("virtual_phone_number")));
    server.block_contact(CONTACT);
    let blocked = call(&server, params()).await;
    assert_eq!(error(&blocked), (-32002, "contact_in_blacklist", &json!("contact")), "{blocked}");

    let mut early = with("contact", json!("79160000000"));
    early["switch_at_once"] = json!(true);
    early["early_switching"] = json!(true);
    let early = call(&server, early).await;
    assert!(early["result"]["data"]["call_session_id"].is_u64(), "{early}");
    assert_eq!(server.call_session_ids().len(), 1);
}

#[tokio::test]
async fn scripted_slow_answers_and_rpc_errors_apply_to_the_next_request() {
    let server = server().await;
    server.delay_next(std::time::Duration::from_millis(300));
    let started = std::time::Instant::now();
    call(&server, params()).await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));

    server.fail_next_rpc(-32603, "internal_error");
    let failed = call(&server, params()).await;
    assert_eq!(error(&failed), (-32603, "internal_error", &Value::Null), "{failed}");
    assert_eq!(failed["error"]["message"], "Internal error");
    assert!(call(&server, params()).await["result"]["data"]["call_session_id"].is_u64());
    assert_eq!(server.call_session_ids().len(), 2);
}
