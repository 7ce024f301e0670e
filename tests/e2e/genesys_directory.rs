//! The directory client (users, external ids, queues and members, wrap-up codes) against the
//! local Genesys Cloud, which refuses any body that is not exactly its model: what the server
//! received and kept shows what the client sent.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ccbridge::genesys::auth::Credentials;
use ccbridge::genesys::directory::UserState;
use ccbridge::genesys::{GenesysClient, GenesysError, RetryPolicy};
use ccbridge_tests::genesys_cloud::{CLIENT_ID, CLIENT_SECRET, GenesysCloud};
use secrecy::SecretString;
use serde_json::{Value, json};

fn client(gc: &GenesysCloud) -> GenesysClient {
    let credentials = Credentials { client_id: CLIENT_ID.into(), client_secret: SecretString::from(CLIENT_SECRET) };
    GenesysClient::new(gc.url(), gc.url(), credentials).expect("client").with_policy(RetryPolicy {
        max_attempts: 2,
        base_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(1),
        attempt_timeout: Duration::from_secs(5),
        budget: Duration::from_secs(20),
    })
}

/// The keys of a received JSON object, sorted.
fn keys(body: &Value) -> Vec<String> {
    let mut keys: Vec<String> = body.as_object().expect("an object").keys().cloned().collect();
    keys.sort();
    keys
}

#[tokio::test]
async fn a_created_user_is_found_by_email_and_by_external_id() {
    let gc = GenesysCloud::start().await;
    let client = client(&gc);
    let user = client.create_user("Ann Lee", "ann.lee@example.com", None).await.expect("created");
    assert_eq!(
        (user.name.as_str(), user.email.as_str(), user.state),
        ("Ann Lee", "ann.lee@example.com", UserState::Active)
    );
    let kept = gc.directory_users();
    assert_eq!(kept.len(), 1);
    assert_eq!((kept[0].id.as_str(), kept[0].state.as_str()), (user.id.as_str(), "active"));
    assert_eq!(kept[0].division_id, gc.home_division());
    let sent = gc.received_on("/api/v2/users");
    assert_eq!(keys(&sent[0].body), ["divisionId", "email", "name", "state"]);

    client.create_user("Bo Chan", "bo@example.com", None).await.expect("created");
    assert_eq!(gc.received_on("/divisions/home").len(), 1, "the home division is read once");

    let found = client.user_by_email("Ann.Lee@Example.com").await.expect("searched");
    assert_eq!(found.as_ref().map(|u| u.id.as_str()), Some(user.id.as_str()));
    assert_eq!(client.user_by_email("nobody@example.com").await.expect("searched"), None);

    client.set_external_id(&user.id, "uis", "employee/7 a").await.expect("set");
    assert_eq!(gc.directory_users()[0].external_ids, [("uis".to_string(), "employee/7 a".to_string())]);
    let by_key = client.user_by_external_id("uis", "employee/7 a").await.expect("looked up");
    assert_eq!(by_key, Some(user.clone()));
    assert_eq!(client.user_by_external_id("uis", "employee/8").await.expect("looked up"), None);

    assert_eq!(client.user(&user.id).await.expect("read"), Some(user));
    assert_eq!(client.user(&uuid::Uuid::new_v4().to_string()).await.expect("read"), None);
}

#[tokio::test]
async fn a_taken_email_and_a_stale_version_are_conflicts() {
    let gc = GenesysCloud::start().await;
    let client = client(&gc);
    gc.add_user_with("Ann Lee", "ann@example.com");
    let taken = client.create_user("Ann Again", "ANN@example.com", None).await.expect_err("taken");
    assert!(matches!(&taken, GenesysError::Api { status: 409, .. }), "{taken}");
    assert_eq!(taken.code(), Some("general.conflict"));

    let user = client.create_user("Bo Chan", "bo@example.com", None).await.expect("created");
    let renamed = client.update_user(&user.id, user.version, Some("Bo Chan-Li"), None).await.expect("renamed");
    assert_eq!((renamed.name.as_str(), renamed.version), ("Bo Chan-Li", user.version + 1));

    let stale = client.update_user(&user.id, user.version, None, Some(UserState::Inactive)).await.expect_err("stale");
    assert!(matches!(stale, GenesysError::Api { status: 409, .. }), "{stale}");
    assert_eq!(gc.directory_users()[1].state, "active");

    let both = client
        .update_user(&user.id, renamed.version, Some("Bo Li"), Some(UserState::Inactive))
        .await
        .expect("renamed and deactivated");
    assert_eq!((both.name.as_str(), both.state, both.version), ("Bo Li", UserState::Inactive, renamed.version + 2));
    let patches: Vec<Value> = gc
        .received_on(&format!("/api/v2/users/{}", user.id))
        .into_iter()
        .filter(|r| r.method == "PATCH")
        .map(|r| r.body)
        .collect();
    assert_eq!(patches.len(), 4);
    assert_eq!(patches[2], json!({"version": renamed.version, "name": "Bo Li"}));
    assert_eq!(patches[3], json!({"version": renamed.version + 1, "state": "inactive"}), "state goes alone");

    let inactive = client.user_by_email("bo@example.com").await.expect("searched").expect("still found");
    assert_eq!(inactive.state, UserState::Inactive);
}

#[tokio::test]
async fn a_taken_queue_or_code_name_is_a_conflict_and_found_by_its_exact_name() {
    let gc = GenesysCloud::start().await;
    let client = client(&gc);
    let queue = client.create_queue("Support", "uis-group-12").await.expect("created");
    assert_eq!(gc.queues()[0].peer_id.as_deref(), Some("uis-group-12"));
    let taken = client.create_queue("Support", "uis-group-13").await.expect_err("taken");
    assert!(matches!(taken, GenesysError::Api { status: 409, .. }), "{taken}");
    assert_eq!(gc.queues().len(), 1);

    // The listing's filter ignores case, so it lists both; only the exact name is the one.
    gc.add_queue("support");
    assert_eq!(client.queue_by_name("Support").await.expect("listed"), Some(queue));
    assert_eq!(client.queue_by_name("Sales").await.expect("listed"), None);

    let code = client.create_wrapup_code("Resolved").await.expect("created");
    let taken = client.create_wrapup_code("Resolved").await.expect_err("taken");
    assert!(matches!(taken, GenesysError::Api { status: 409, .. }), "{taken}");
    assert_eq!(client.wrapup_code_by_name("Resolved").await.expect("listed"), Some(code.clone()));
    assert_eq!(client.wrapup_code_by_name("Escalated").await.expect("listed"), None);
    assert_eq!(gc.wrapup_codes().iter().map(|c| c.id.clone()).collect::<Vec<_>>(), [code.id]);
}

#[tokio::test]
async fn members_are_changed_at_most_a_hundred_a_request_and_read_every_page() {
    let gc = GenesysCloud::start().await;
    let client = client(&gc);
    let queue = gc.add_queue("Support");
    let users: Vec<String> = (0..250).map(|_| gc.add_user()).collect();
    let writes = gc.directory_writes();

    client.change_queue_members(&queue, &users, false).await.expect("added");
    let posts: Vec<_> = gc.received_on("/members").into_iter().filter(|r| r.method == "POST").collect();
    let sizes: Vec<usize> = posts.iter().map(|r| r.body.as_array().expect("an array").len()).collect();
    assert_eq!(sizes, [100, 100, 50]);
    assert!(posts.iter().all(|r| r.query.as_deref() == Some("delete=false") && r.status == 204));
    assert_eq!(gc.directory_writes(), writes + 3);
    assert_eq!(gc.queue_members(&queue), users);

    assert_eq!(client.queue_members(&queue).await.expect("listed"), users);
    let pages = gc.received_on("/members").into_iter().filter(|r| r.method == "GET").count();
    assert_eq!(pages, 3);

    client.change_queue_members(&queue, &users[..120], true).await.expect("removed");
    assert_eq!(gc.queue_members(&queue), users[120..]);
    client.change_queue_members(&queue, &[], true).await.expect("nothing to do");
    assert_eq!(gc.directory_writes(), writes + 5);
}

/// A token of the local server, for requests the client would never send.
async fn token(gc: &GenesysCloud) -> String {
    let basic = BASE64.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let response = reqwest::Client::new()
        .post(format!("{}/oauth/token", gc.url()))
        .header("authorization", format!("Basic {basic}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials")
        .send()
        .await
        .expect("token request");
    response.json::<Value>().await.expect("token")["access_token"].as_str().expect("token").to_owned()
}

async fn send(gc: &GenesysCloud, token: &str, method: reqwest::Method, path: &str, body: &Value) -> (u16, String) {
    let response = reqwest::Client::new()
        .request(method, format!("{}{path}", gc.url()))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), response.text().await.expect("body"))
}

#[tokio::test]
async fn bodies_outside_their_models_are_refused_and_the_clients_are_not() {
    let gc = GenesysCloud::start().await;
    let client = client(&gc);
    let user = client.create_user("Ann Lee", "ann@example.com", None).await.expect("created");
    client.update_user(&user.id, user.version, Some("Ann Li"), Some(UserState::Inactive)).await.expect("updated");
    client.set_external_id(&user.id, "uis", "7").await.expect("set");
    client.user_by_email("ann@example.com").await.expect("searched");
    let queue = client.create_queue("Support", "g-1").await.expect("created");
    client.change_queue_members(&queue.id, std::slice::from_ref(&user.id), false).await.expect("added");
    client.queue_by_name("Support").await.expect("listed");
    client.queue_members(&queue.id).await.expect("listed");
    client.create_wrapup_code("Resolved").await.expect("created");
    client.wrapup_code_by_name("Resolved").await.expect("listed");
    let answered: Vec<u16> = gc.received().iter().filter(|r| r.path != "/oauth/token").map(|r| r.status).collect();
    assert_eq!(answered.len(), 12);
    assert!(answered.iter().all(|s| (200..300).contains(s)), "{answered:?}");

    let token = token(&gc).await;
    let division = gc.home_division();
    let user_path = format!("/api/v2/users/{}", user.id);
    let members = format!("/api/v2/routing/queues/{}/members", queue.id);
    let too_many: Vec<Value> = (0..101).map(|_| json!({"id": user.id})).collect();
    let cases = [
        (
            reqwest::Method::POST,
            "/api/v2/users".to_string(),
            json!({"name": "X", "email": "x@example.com", "divisionId": division, "nickname": "x"}),
            "body.nickname",
        ),
        (
            reqwest::Method::POST,
            "/api/v2/users".to_string(),
            json!({"name": "X", "email": "x@example.com"}),
            "body.divisionId",
        ),
        (
            reqwest::Method::POST,
            "/api/v2/users".to_string(),
            json!({"name": "X", "email": "x@example.com", "divisionId": division, "state": "suspended"}),
            "body.state",
        ),
        (reqwest::Method::PATCH, user_path.clone(), json!({"name": "Ann"}), "body.version"),
        (
            reqwest::Method::PATCH,
            user_path.clone(),
            json!({"version": 3, "state": "active", "name": "Ann"}),
            "body.name",
        ),
        (reqwest::Method::POST, format!("{user_path}/externalid"), json!({"authorityName": "uis"}), "body.externalKey"),
        (
            reqwest::Method::POST,
            "/api/v2/users/search".to_string(),
            json!({"query": [{"type": "FUZZY", "fields": ["email"], "value": "x"}]}),
            "body.query[0].type",
        ),
        (
            reqwest::Method::POST,
            "/api/v2/routing/queues".to_string(),
            json!({"name": "Sales", "externalId": "g-2"}),
            "body.externalId",
        ),
        (reqwest::Method::POST, members.clone(), Value::Array(too_many), "101"),
        (reqwest::Method::POST, members.clone(), json!([{"id": uuid::Uuid::new_v4().to_string()}]), "body[0].id"),
        (
            reqwest::Method::POST,
            "/api/v2/routing/wrapupcodes".to_string(),
            json!({"description": "no name"}),
            "body.name",
        ),
    ];
    for (method, path, body, named) in cases {
        let (status, answer) = send(&gc, &token, method.clone(), &path, &body).await;
        assert_eq!(status, 400, "{method} {path} {body}: {answer}");
        assert!(answer.contains(named), "{method} {path}: {answer} should name {named}");
    }
    let (status, answer) =
        send(&gc, &token, reqwest::Method::POST, &format!("{members}?delete=maybe"), &json!([{"id": user.id}])).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(gc.directory_users().len(), 1);
    assert_eq!(gc.queues().len(), 1);
    assert_eq!(gc.queue_members(&queue.id), [user.id]);
}

#[tokio::test]
async fn a_rate_limit_comes_back_with_its_retry_after() {
    let gc = GenesysCloud::start().await;
    let client = client(&gc).with_policy(RetryPolicy::for_jobs());
    gc.fail_next("/api/v2/routing/queues", 429, Some(7));
    let limited = client.create_queue("Support", "g-1").await.expect_err("rate limited");
    match limited {
        GenesysError::RateLimited { retry_after, correlation_id } => {
            assert_eq!(retry_after, Duration::from_secs(7));
            assert!(correlation_id.is_some());
        }
        other => panic!("expected RateLimited, got {other}"),
    }
    assert!(gc.queues().is_empty());
    assert_eq!(gc.received_on("/api/v2/routing/queues").len(), 1, "one attempt");
    client.create_queue("Support", "g-1").await.expect("created once the limit passed");
    assert_eq!(gc.queues().len(), 1);
}
