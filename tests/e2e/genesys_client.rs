//! The Genesys Cloud client against the local contract server: token handling and retries
//! are shown by what the server received.

use std::time::Duration;

use bytes::Bytes;
use ccbridge::genesys::auth::Credentials;
use ccbridge::genesys::open_messaging::{
    EventChannel, FromRecipient, IdType, InboundChannel, InboundEvent, InboundMessage, IntegrationId, OpenEvent,
};
use ccbridge::genesys::{GenesysClient, GenesysError, RetryPolicy};
use ccbridge_tests::genesys_cloud::{CLIENT_ID, CLIENT_SECRET, GenesysCloud};
use http::Method;
use secrecy::SecretString;

fn client(gc: &GenesysCloud, secret: &str) -> GenesysClient {
    let credentials = Credentials { client_id: CLIENT_ID.into(), client_secret: SecretString::from(secret) };
    GenesysClient::new(gc.url(), gc.url(), credentials).expect("client").with_policy(RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(5),
        attempt_timeout: Duration::from_secs(2),
        budget: Duration::from_secs(20),
    })
}

fn from() -> FromRecipient {
    FromRecipient {
        id: "user-42".into(),
        id_type: IdType::Opaque,
        nickname: None,
        first_name: Some("Jane".into()),
        last_name: None,
        email: None,
    }
}

fn message(text: &str) -> InboundMessage {
    InboundMessage {
        channel: InboundChannel {
            from: from(),
            time: "2026-11-22T10:00:00.000Z".into(),
            message_id: None,
            metadata: None,
        },
        text: Some(text.into()),
        content: vec![],
    }
}

async fn setup() -> (GenesysCloud, GenesysClient, IntegrationId) {
    let gc = GenesysCloud::start().await;
    let id = gc.add_integration("bot", "https://chat.example.com/genesys/messaging/webhook");
    let client = client(&gc, CLIENT_SECRET);
    (gc, client, IntegrationId::try_from(id).expect("id"))
}

const INBOUND: &str = "/inbound/open/message";

#[tokio::test]
async fn token_is_fetched_once_with_basic_auth_and_reused() {
    let (gc, client, integration) = setup().await;
    for text in ["one", "two", "three"] {
        let sent = client.send_inbound_message(&integration, &message(text)).await.expect("sent");
        assert_eq!(sent.kind, "Text");
        assert_eq!(sent.text.as_deref(), Some(text));
    }
    assert_eq!(gc.token_requests(), 1);
    let token_calls = gc.received_on("/oauth/token");
    assert_eq!(token_calls.len(), 1);
    assert_eq!(token_calls[0].body, "grant_type=client_credentials");
    assert!(gc.received_on(INBOUND).iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn wrong_credentials_are_a_login_error() {
    let (gc, _, integration) = setup().await;
    let client = client(&gc, "not-the-secret");
    let error = client.send_inbound_message(&integration, &message("x")).await.expect_err("refused");
    assert!(matches!(error, GenesysError::Login { status: 401, .. }), "{error:?}");
    assert!(gc.received_on(INBOUND).is_empty(), "no API call without a token");
}

#[tokio::test]
async fn refused_token_is_renewed_once() {
    let (gc, client, integration) = setup().await;
    client.send_inbound_message(&integration, &message("before")).await.expect("sent");
    gc.revoke_tokens();
    client.send_inbound_message(&integration, &message("after")).await.expect("sent after renewal");
    assert_eq!(gc.token_requests(), 2);
    let statuses: Vec<u16> = gc.received_on(INBOUND).iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 401, 200]);
}

#[tokio::test]
async fn token_is_renewed_before_it_expires() {
    let (gc, client, integration) = setup().await;
    gc.set_token_lifetime(2);
    client.send_inbound_message(&integration, &message("first")).await.expect("sent");
    // The token is renewed a tenth of its lifetime early: at 1.8 s.
    tokio::time::sleep(Duration::from_millis(1900)).await;
    client.send_inbound_message(&integration, &message("second")).await.expect("sent");
    assert_eq!(gc.token_requests(), 2);
    assert!(gc.received_on(INBOUND).iter().all(|r| r.status == 200), "no call was made with an expired token");
}

#[tokio::test]
async fn rate_limit_waits_for_retry_after() {
    let (gc, client, integration) = setup().await;
    gc.fail_next(INBOUND, 429, Some(1));
    client.send_inbound_message(&integration, &message("x")).await.expect("sent after waiting");
    let calls = gc.received_on(INBOUND);
    assert_eq!(calls.iter().map(|r| r.status).collect::<Vec<_>>(), vec![429, 200]);
    assert!(calls[1].at.duration_since(calls[0].at) >= Duration::from_secs(1), "Retry-After was not honoured");
}

#[tokio::test]
async fn rate_limit_beyond_the_budget_fails_at_once() {
    let (gc, client, integration) = setup().await;
    gc.fail_next(INBOUND, 429, Some(60));
    let error = client.send_inbound_message(&integration, &message("x")).await.expect_err("too long a wait");
    assert!(
        matches!(&error, GenesysError::RateLimited { retry_after, correlation_id: Some(_) } if retry_after.as_secs() == 60),
        "{error:?}"
    );
    assert_eq!(gc.received_on(INBOUND).len(), 1);
}

#[tokio::test]
async fn server_errors_are_retried_with_backoff() {
    let (gc, client, integration) = setup().await;
    gc.fail_next(INBOUND, 503, None);
    gc.fail_next(INBOUND, 500, None);
    client.send_inbound_message(&integration, &message("x")).await.expect("third time lucky");
    let statuses: Vec<u16> = gc.received_on(INBOUND).iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![503, 500, 200]);
}

#[tokio::test]
async fn persistent_server_error_gives_up_with_the_typed_error() {
    let (gc, client, integration) = setup().await;
    for _ in 0..4 {
        gc.fail_next(INBOUND, 500, None);
    }
    let error = client.send_inbound_message(&integration, &message("x")).await.expect_err("gives up");
    match &error {
        GenesysError::Api { status: 500, body, correlation_id: Some(id) } => {
            assert_eq!(body.code, "internal.server.error");
            assert_eq!(body.context_id.as_deref(), Some(id.as_str()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(gc.received_on(INBOUND).len(), 4, "bounded by max_attempts");
}

#[tokio::test]
async fn timeouts_are_retried() {
    let (gc, client, integration) = setup().await;
    gc.delay_next(INBOUND, Duration::from_secs(3));
    client.send_inbound_message(&integration, &message("x")).await.expect("second attempt");
    let statuses: Vec<u16> = gc.received_on(INBOUND).iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![0, 200], "the first attempt was abandoned after its timeout");
}

#[tokio::test]
async fn a_call_ends_within_its_budget_however_slow_genesys_is() {
    let (gc, client, integration) = setup().await;
    let client = client.with_policy(RetryPolicy { budget: Duration::from_secs(3), ..client.policy().clone() });
    for _ in 0..4 {
        gc.delay_next(INBOUND, Duration::from_secs(5));
    }
    let started = std::time::Instant::now();
    let error = client.send_inbound_message(&integration, &message("x")).await.expect_err("out of time");
    assert!(matches!(error, GenesysError::Transport(_)), "{error:?}");
    // Four 2-second attempts would take 8 s; the budget stops it at 3.
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(gc.received_on(INBOUND).len(), 2, "the third attempt would not fit");
}

#[test]
fn every_policy_fits_the_time_its_caller_has() {
    // chat-escalation: 29 s (template.yaml), at most two calls per request.
    assert!(RetryPolicy::default().budget * 2 < Duration::from_secs(29));
    // The Genesys webhook answers within Genesys's 10 s, after a receipt and a bot callback.
    assert!(RetryPolicy::within_webhook().budget * 2 + ccbridge::app::CALLBACK_TIMEOUT < Duration::from_secs(10));
    // A job's attempt has its own deadline; each call fits inside it.
    assert!(RetryPolicy::for_jobs().budget <= Duration::from_secs(60));
}

#[tokio::test]
async fn contract_violations_are_not_retried() {
    let (gc, client, integration) = setup().await;
    let missing_time = serde_json::json!({"channel": {"from": {"id": "u", "idType": "Opaque"}}, "text": "x"});
    let path = format!("/api/v2/conversations/messages/{integration}/inbound/open/message");
    let body = Bytes::from(missing_time.to_string());
    let error = client.request(Method::POST, &path, Some(body)).await.expect_err("400");
    assert_eq!(error.status(), Some(400));
    assert_eq!(error.code(), Some("bad.request"));
    assert!(error.to_string().contains("channel.time"), "{error}");
    let no_text = InboundMessage { text: None, ..message("x") };
    let error = client.send_inbound_message(&integration, &no_text).await.expect_err("400");
    assert!(error.to_string().contains("anyOf"), "{error}");
    assert_eq!(gc.received_on(INBOUND).len(), 2);
}

#[tokio::test]
async fn typing_events_reach_the_event_endpoint() {
    let (gc, client, integration) = setup().await;
    let event = InboundEvent {
        channel: EventChannel { from: from(), time: "2026-11-22T10:00:00.000Z".into() },
        events: vec![OpenEvent::typing_on(Some(3000))],
    };
    let answer = client.send_inbound_event(&integration, &event).await.expect("event");
    assert_eq!(answer.kind, "Event");
    let calls = gc.received_on("/inbound/open/event");
    assert_eq!(calls[0].body["events"][0]["typing"], serde_json::json!({"type": "On", "duration": 3000}));
}

/// A Genesys API on loopback that answers a download link with a redirect, and a host that
/// is not Genesys's, which must never be asked.
async fn redirecting_genesys() -> (ccbridge_tests::provider::Provider, ccbridge_tests::provider::Provider, GenesysClient)
{
    use ccbridge_tests::provider::Provider;
    use std::net::{IpAddr, Ipv4Addr};
    let genesys = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
    let token = serde_json::json!({"access_token": "t-1", "token_type": "bearer", "expires_in": 3600});
    genesys.add_file("/oauth/token", "application/json", token.to_string());
    let elsewhere = Provider::start(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
    let credentials = Credentials { client_id: CLIENT_ID.into(), client_secret: SecretString::from(CLIENT_SECRET) };
    let client = GenesysClient::new(&genesys.url(""), &genesys.url(""), credentials).expect("client");
    (genesys, elsewhere, client)
}

#[tokio::test]
async fn a_download_follows_redirects_only_to_hosts_genesys_serves() {
    let (genesys, elsewhere, client) = redirecting_genesys().await;
    let image: Vec<u8> = (0..3000u32).map(|i| (i % 253) as u8).collect();
    genesys.add_file("/api/v2/downloads/file", "image/png", image.clone());
    genesys.redirect("/api/v2/downloads/hop", &genesys.url("/api/v2/downloads/file"));
    let response = client.download(&genesys.url("/api/v2/downloads/hop")).await.expect("followed on Genesys's host");
    assert_eq!(response.bytes().await.expect("body").to_vec(), image);

    genesys.redirect("/api/v2/downloads/evil", &elsewhere.url("/latest/meta-data"));
    let error = client.download(&genesys.url("/api/v2/downloads/evil")).await.expect_err("refused");
    assert!(matches!(error, GenesysError::NotServed(_)), "{error:?}");
    assert!(error.to_string().contains("127.0.0.2"), "the error names the host: {error}");
    assert_eq!(elsewhere.total_hits(), 0, "the host the redirect named was never asked");

    genesys.redirect("/api/v2/downloads/loop", &genesys.url("/api/v2/downloads/loop"));
    let error = client.download(&genesys.url("/api/v2/downloads/loop")).await.expect_err("too many");
    assert!(error.to_string().contains("redirected more than"), "{error}");
    assert_eq!(genesys.hits("/api/v2/downloads/loop") as usize, ccbridge::genesys::client::MAX_DOWNLOAD_REDIRECTS + 1);
}
