//! Live chat end to end: a bot escalates through the local router, user messages reach the
//! local Genesys Cloud, agent replies come back through the signed webhook, and the bot reads
//! them (poll and callback).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use ccbridge::chat::provisioning::Action;
use ccbridge::chat::webhook::sign;
use ccbridge::config::ChatbotChannel;
use ccbridge::store::Written;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::{TestStack, backends};
use secrecy::SecretString;
use serde_json::{Value, json};

const API_KEY: &str = "bot-demo-api-key-0001";
const WEBHOOK_SECRET: &str = "bot-demo-webhook-secret-0001";
const CALLBACK_SECRET: &str = "bot-demo-callback-secret";

/// What the callback received: the signature header and the raw body of each POST.
type Calls = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// The bot's callback endpoint: records every POST, fails the ones it is told to.
struct BotCallback {
    url: String,
    received: Calls,
    failures: Arc<AtomicU32>,
    /// Answers the next callbacks with a redirect to `/elsewhere` on the same server.
    redirects: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for BotCallback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl BotCallback {
    async fn start() -> Self {
        let received: Calls = Arc::default();
        let failures = Arc::new(AtomicU32::new(0));
        let redirects = Arc::new(AtomicU32::new(0));
        let (r, f, d) = (received.clone(), failures.clone(), redirects.clone());
        let router = axum::Router::new().fallback(move |request: axum::extract::Request| {
            let (r, f, d) = (r.clone(), f.clone(), d.clone());
            async move {
                use axum::response::IntoResponse;
                if request.uri().path() == "/elsewhere" {
                    r.lock().expect("callbacks").push((Some("followed a redirect".into()), b"{}".to_vec()));
                    return http::StatusCode::OK.into_response();
                }
                let signature =
                    request.headers().get("x-ccbridge-signature").and_then(|v| v.to_str().ok()).map(str::to_owned);
                let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
                r.lock().expect("callbacks").push((signature, body.to_vec()));
                if d.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                    return (http::StatusCode::TEMPORARY_REDIRECT, [(http::header::LOCATION, "/elsewhere")])
                        .into_response();
                }
                let fail = f.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
                if fail { http::StatusCode::INTERNAL_SERVER_ERROR } else { http::StatusCode::OK }.into_response()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/callback", listener.local_addr().expect("addr"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router).await;
        });
        Self { url, received, failures, redirects, task }
    }

    fn received(&self) -> Vec<(Option<String>, Value)> {
        let received = self.received.lock().expect("callbacks");
        received.iter().map(|(s, b)| (s.clone(), serde_json::from_slice(b).expect("JSON callback"))).collect()
    }

    fn raw(&self) -> Vec<(Option<String>, Vec<u8>)> {
        self.received.lock().expect("callbacks").clone()
    }
}

struct Chat {
    stack: TestStack,
    gc: GenesysCloud,
    callback: BotCallback,
}

impl Chat {
    async fn start(backend: &ccbridge_tests::Backend, provisioned: bool) -> Self {
        let gc = GenesysCloud::start().await;
        let callback = BotCallback::start().await;
        let config =
            gc.config(&format!("callback_url = \"{}\"\ncallback_secret = \"{CALLBACK_SECRET}\"\n", callback.url));
        let stack = TestStack::start_with(backend, &config).await;
        let chat = Self { stack, gc, callback };
        if provisioned {
            chat.provision().await;
        }
        chat
    }

    fn bot(&self) -> &ChatbotChannel {
        self.stack.stack.app.config.all::<ChatbotChannel>().next().expect("a chatbot channel")
    }

    async fn provision(&self) -> Vec<ccbridge::chat::provisioning::Provisioned> {
        let app = &self.stack.stack.app;
        ccbridge_admin::provision_chat(app, self.bot().id.as_str()).await.expect("provisioned")
    }

    fn integration_named(&self, name: &str) -> String {
        let all = self.gc.integrations();
        let found = all.iter().find(|i| i["name"] == name).expect("integration");
        found["id"].as_str().expect("id").to_owned()
    }

    async fn call(&self, method: http::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self.stack.http.request(method, self.stack.url(path)).header("x-api-key", API_KEY);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn webhook(&self, body: &str, signature: Option<&str>) -> (u16, Value) {
        let mut request = self
            .stack
            .http
            .post(self.stack.url("/genesys/messaging/webhook"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        let response = request.send().await.expect("webhook");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn signed_webhook(&self, body: &str) -> (u16, Value) {
        self.webhook(body, Some(&sign(&SecretString::from(WEBHOOK_SECRET), body.as_bytes()))).await
    }

    async fn start_session(&self, session: &str, skill: Option<&str>) -> Value {
        let body = json!({
            "session_id": session, "user_id": "user-42", "skill": skill,
            "variables": {"prenom": "Jane", "nom": "Doe", "mail": "jane@example.com", "contrat": "C-7", "langue": ""},
        });
        let (status, session) = self.call(http::Method::POST, "/chat/sessions", Some(body)).await;
        assert_eq!(status, 201, "{session}");
        session
    }

    async fn messages(&self, session: &str, after: Option<&str>) -> Value {
        let query = after.map(|a| format!("?after={a}")).unwrap_or_default();
        let (status, page) =
            self.call(http::Method::GET, &format!("/chat/sessions/{session}/messages{query}"), None).await;
        assert_eq!(status, 200, "{page}");
        page
    }
}

fn agent_message(integration: &str, id: &str, extra: Value) -> String {
    let mut body = json!({
        "id": id,
        "channel": {
            "id": integration, "platform": "Open", "type": "Private",
            "to": {"id": "user-42", "idType": "Opaque"},
            "from": {"nickname": "ccbridge demo bot", "id": integration, "idType": "Opaque"},
            "time": "2026-11-22T10:01:00.000Z", "messageId": id,
        },
        "type": "Text", "originatingEntity": "Human", "direction": "Outbound",
    });
    for (k, v) in extra.as_object().expect("object") {
        body[k] = v.clone();
    }
    body.to_string()
}

#[tokio::test]
async fn chat_round_trip() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let marketing = chat.integration_named("ccbridge demo bot (Marketing)");

        let unauthenticated =
            chat.stack.http.post(chat.stack.url("/chat/sessions")).body("{}").send().await.expect("x");
        assert_eq!(unauthenticated.status(), 401);

        let session = chat.start_session("s-1", Some("Marketing")).await;
        assert_eq!(session["integration_id"], marketing.as_str());
        let store = &chat.stack.stack.app.store;
        let session_id = ccbridge::chat::session::SessionId::parse("s-1", "id").expect("id");
        let stored = ccbridge::chat::session::ChatSession::get(store, &chat.bot().id, &session_id)
            .await
            .expect("read")
            .expect("stored");
        let contact_id = stored.contact.expect("the user is the tenant's contact, found by e-mail");
        let contact = ccbridge::crm::contact::Contact::get(store, &stored.tenant, &contact_id)
            .await
            .expect("read")
            .expect("contact");
        assert_eq!(contact.email.as_ref().map(|e| e.as_str()), Some("jane@example.com"));
        assert_eq!(contact.first_name.as_deref(), Some("Jane"));
        // The session is an activity on the contact's timeline.
        let activity = ccbridge::crm::ids::ActivityId::new(ccbridge::crm::ids::Source::Chat, &chat.bot().id, "s-1");
        let view = ccbridge::crm::activity::ActivityView::read(store, &stored.tenant, &activity)
            .await
            .expect("read")
            .expect("the session's activity");
        assert_eq!(view.activity.subject, "Chat with Jane Doe");
        assert_eq!(view.activity.contact.as_ref(), Some(&contact_id));
        assert_eq!(view.activity.queue.as_deref(), Some("Marketing"));
        let again = json!({"session_id": "s-1", "user_id": "user-42", "skill": "Marketing"});
        let (status, _) = chat.call(http::Method::POST, "/chat/sessions", Some(again)).await;
        assert_eq!(status, 200, "a repeated start is idempotent");

        let (status, sent) = chat
            .call(
                http::Method::POST,
                "/chat/sessions/s-1/messages",
                Some(json!({"message_id": "m-1", "text": "Bonjour"})),
            )
            .await;
        assert_eq!(status, 201, "{sent}");
        assert_eq!(sent["delivery"], json!({"state": "done"}));
        let (status, _) = chat
            .call(
                http::Method::POST,
                "/chat/sessions/s-1/messages",
                Some(json!({"message_id": "m-1", "text": "Bonjour"})),
            )
            .await;
        assert_eq!(status, 200, "a retried message is not sent twice");
        let inbound = chat.gc.received_on(&format!("/{marketing}/inbound/open/message"));
        assert_eq!(inbound.len(), 1);
        let body = &inbound[0].body;
        assert_eq!(body["text"], "Bonjour");
        assert_eq!(body["channel"]["messageId"], "m-1");
        assert_eq!(
            body["channel"]["from"],
            json!({"id": "user-42", "idType": "Opaque", "firstName": "Jane", "lastName": "Doe", "email": "jane@example.com"})
        );
        assert_eq!(body["channel"]["metadata"], json!({"customAttributes": {"contractId": "C-7"}}));

        let (status, _) =
            chat.call(http::Method::POST, "/chat/sessions/s-1/messages", Some(json!({"typing": true}))).await;
        assert_eq!(status, 202);
        assert_eq!(chat.gc.received_on("/inbound/open/event").len(), 1);

        let reply = agent_message(&marketing, "g-1", json!({"text": "Bonjour Jane, je regarde votre contrat."}));
        let (status, answer) = chat.signed_webhook(&reply).await;
        assert_eq!((status, answer["status"].as_str()), (200, Some("stored")));

        let page = chat.messages("s-1", None).await;
        let messages = page["messages"].as_array().expect("messages");
        let summary: Vec<(&str, &str)> = messages
            .iter()
            .map(|m| (m["direction"].as_str().unwrap_or(""), m["text"].as_str().unwrap_or("")))
            .collect();
        assert_eq!(summary, vec![("user", "Bonjour"), ("agent", "Bonjour Jane, je regarde votre contrat.")]);
        let next = page["next"].as_str().expect("cursor").to_owned();
        let later = chat.messages("s-1", Some(&next)).await;
        assert_eq!(later["messages"], json!([]));
        assert_eq!(later["next"], next.as_str(), "the cursor stays put when nothing is new");

        let receipts = chat.gc.received_on("/inbound/open/receipt");
        assert_eq!(receipts.len(), 1);
        assert_eq!(receipts[0].status, 200);
        assert_eq!(receipts[0].body["id"], "g-1");
        assert_eq!(receipts[0].body["status"], "Delivered");
        assert_eq!(receipts[0].body["channel"]["to"]["id"], "user-42");

        let callbacks = chat.callback.raw();
        assert_eq!(callbacks.len(), 1);
        let (signature, raw) = &callbacks[0];
        assert_eq!(signature.as_deref(), Some(sign(&SecretString::from(CALLBACK_SECRET), raw).as_str()));
        let pushed: Value = serde_json::from_slice(raw).expect("JSON");
        assert_eq!((pushed["session_id"].as_str(), pushed["id"].as_str()), (Some("s-1"), Some("g-1")));

        // Genesys redelivers (timeout on its side): stored once, nothing sent twice.
        let items_before = chat.stack.scan_all().await.len();
        let (status, answer) = chat.signed_webhook(&reply).await;
        assert_eq!((status, answer["status"].as_str()), (200, Some("duplicate")));
        assert_eq!(chat.stack.scan_all().await.len(), items_before);
        assert_eq!(chat.messages("s-1", None).await["messages"].as_array().map(Vec::len), Some(2));
        assert_eq!(chat.gc.received_on("/inbound/open/receipt").len(), 1);
        assert_eq!(chat.callback.received().len(), 1);
    }
}

#[tokio::test]
async fn bad_or_missing_signature_is_401_and_writes_nothing() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let integration = chat.integration_named("ccbridge demo bot");
        chat.start_session("s-2", None).await;
        let before = chat.stack.scan_all().await.len();
        let reply = agent_message(&integration, "g-2", json!({"text": "hello"}));
        let wrong = sign(&SecretString::from("another-secret-0001"), reply.as_bytes());
        let tampered = sign(&SecretString::from(WEBHOOK_SECRET), format!("{reply} ").as_bytes());
        for signature in [None, Some(wrong.as_str()), Some(tampered.as_str()), Some("sha256=")] {
            let (status, body) = chat.webhook(&reply, signature).await;
            assert_eq!(status, 401, "{signature:?}: {body}");
            assert_eq!(body["error"]["code"], "unauthorized");
        }
        assert_eq!(chat.stack.scan_all().await.len(), before, "nothing was written");
        assert!(chat.gc.received_on("/inbound/open/receipt").is_empty());
        assert!(chat.callback.received().is_empty());
    }
}

#[tokio::test]
async fn agent_attachment_is_copied_and_linked() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let integration = chat.integration_named("ccbridge demo bot");
        chat.start_session("s-3", None).await;
        let image: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let url = chat.gc.add_download("image/png", &image);
        let content = json!([{"contentType": "Attachment", "attachment": {
            "id": "a-1", "mediaType": "Image", "url": url, "mime": "image/png",
            "filename": "plan tarifaire.png", "contentSizeBytes": image.len()}}]);
        let (status, _) = chat.signed_webhook(&agent_message(&integration, "g-3", json!({"content": content}))).await;
        assert_eq!(status, 200);
        let page = chat.messages("s-3", None).await;
        let attachment = &page["messages"][0]["attachments"][0];
        assert_eq!(attachment["filename"], "plan tarifaire.png");
        let link = attachment["url"].as_str().expect("a link to our copy");
        assert!(link.contains("X-Amz-Expires=900"), "{link}");
        let fetched = chat.stack.http.get(link).send().await.expect("download");
        assert_eq!(fetched.status(), 200);
        assert_eq!(fetched.bytes().await.expect("bytes").to_vec(), image);
        let receipts = chat.gc.received_on("/inbound/open/receipt");
        assert_eq!(receipts[0].body["status"], "Delivered");

        // A download slower than one API call's time limit still has the copy's own budget.
        let url = chat.gc.add_download("image/png", &image);
        chat.gc.delay_next("/api/v2/downloads/", std::time::Duration::from_millis(2500));
        let content = json!([{"contentType": "Attachment", "attachment": {
            "id": "a-2", "mediaType": "Image", "url": url, "mime": "image/png", "filename": "slow.png"}}]);
        let (status, _) = chat.signed_webhook(&agent_message(&integration, "g-3b", json!({"content": content}))).await;
        assert_eq!(status, 200);
        let page = chat.messages("s-3", None).await;
        let slow = &page["messages"][1]["attachments"][0];
        assert!(slow["url"].as_str().is_some_and(|l| l.contains("X-Amz-Expires")), "copied: {slow}");
        assert_eq!(chat.gc.received_on("/api/v2/downloads/").len(), 2, "one request per download");
        assert_eq!(chat.gc.received_on("/inbound/open/receipt")[1].body["status"], "Delivered");
    }
}

#[tokio::test]
async fn link_outside_genesys_is_not_fetched_and_fails_the_receipt() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let integration = chat.integration_named("ccbridge demo bot");
        chat.start_session("s-4", None).await;
        let content = json!([{"contentType": "Attachment", "attachment": {
            "mediaType": "File", "url": "http://169.254.169.254/latest/meta-data", "mime": "text/plain"}}]);
        let (status, _) = chat.signed_webhook(&agent_message(&integration, "g-4", json!({"content": content}))).await;
        assert_eq!(status, 200, "Genesys gets 2xx; the problem goes into the receipt");
        let receipts = chat.gc.received_on("/inbound/open/receipt");
        assert_eq!(receipts[0].body["status"], "Failed");
        assert_eq!(receipts[0].body["reasons"][0]["code"], "GeneralError");
        let page = chat.messages("s-4", None).await;
        assert_eq!(page["messages"][0]["attachments"][0]["url"], Value::Null);
    }
}

#[tokio::test]
async fn failed_callback_is_redelivered_on_the_next_delivery() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let integration = chat.integration_named("ccbridge demo bot");
        chat.start_session("s-5", None).await;
        chat.callback.failures.store(1, Ordering::SeqCst);
        let reply = agent_message(&integration, "g-5", json!({"text": "are you there?"}));
        assert_eq!(chat.signed_webhook(&reply).await.0, 200);
        assert_eq!(chat.callback.received().len(), 1, "one failed attempt");
        assert_eq!(chat.messages("s-5", None).await["messages"][0]["text"], "are you there?", "kept for polling");
        assert_eq!(chat.signed_webhook(&reply).await.1["status"], "duplicate");
        let callbacks = chat.callback.received();
        assert_eq!(callbacks.len(), 2, "redelivered");
        assert_eq!(callbacks[1].1["id"], "g-5");
        assert_eq!(chat.signed_webhook(&reply).await.1["status"], "duplicate");
        assert_eq!(chat.callback.received().len(), 2, "not delivered again once delivered");
        assert_eq!(chat.gc.received_on("/inbound/open/receipt").len(), 1);

        // A callback that redirects is a failed delivery: the redirect is never followed, so
        // a signed message cannot be sent on to another host.
        chat.callback.redirects.store(1, Ordering::SeqCst);
        let moved = agent_message(&integration, "g-7", json!({"text": "still there?"}));
        assert_eq!(chat.signed_webhook(&moved).await.0, 200);
        let followed =
            |chat: &Chat| chat.callback.raw().iter().any(|(s, _)| s.as_deref() == Some("followed a redirect"));
        assert_eq!(chat.callback.received().len(), 3, "one attempt");
        assert!(!followed(&chat), "the redirect was not followed");
        assert_eq!(chat.signed_webhook(&moved).await.1["status"], "duplicate");
        assert_eq!(chat.callback.received().len(), 4, "redelivered to the callback itself");
        assert!(!followed(&chat));
    }
}

#[tokio::test]
async fn a_reply_right_after_a_restart_goes_to_the_new_session() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let integration = chat.integration_named("ccbridge demo bot");
        chat.start_session("s-old", None).await;
        chat.start_session("s-new", None).await;
        let reply = agent_message(&integration, "g-r", json!({"text": "welcome back"}));
        assert_eq!(chat.signed_webhook(&reply).await.0, 200);
        assert_eq!(chat.messages("s-new", None).await["messages"][0]["text"], "welcome back");
        assert_eq!(chat.messages("s-old", None).await["messages"], json!([]));
        // A repeated start of the older one does not take the pointer back.
        let (status, _) = chat
            .call(http::Method::POST, "/chat/sessions", Some(json!({"session_id": "s-old", "user_id": "user-42"})))
            .await;
        assert_eq!(status, 200);
        let next = agent_message(&integration, "g-r2", json!({"text": "still the new one"}));
        assert_eq!(chat.signed_webhook(&next).await.0, 200);
        assert_eq!(chat.messages("s-new", None).await["messages"][1]["text"], "still the new one");
    }
}

#[tokio::test]
async fn reply_without_session_gets_a_failed_receipt() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, true).await;
        let integration = chat.integration_named("ccbridge demo bot");
        let before = chat.stack.scan_all().await.len();
        let (status, body) = chat.signed_webhook(&agent_message(&integration, "g-6", json!({"text": "hi"}))).await;
        assert_eq!((status, body["status"].as_str()), (200, Some("no_session")));
        assert_eq!(chat.stack.scan_all().await.len(), before);
        let receipts = chat.gc.received_on("/inbound/open/receipt");
        assert_eq!(receipts[0].body["reasons"][0]["code"], "InvalidDestination");
    }
}

#[tokio::test]
async fn escalation_needs_provisioned_integrations_and_known_skills() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, false).await;
        let start = json!({"user_id": "u", "skill": "Marketing"});
        let (status, body) = chat.call(http::Method::POST, "/chat/sessions", Some(start)).await;
        assert_eq!(status, 409, "{body}");
        assert!(body["error"]["message"].as_str().unwrap_or("").contains("provision-chat"), "{body}");
        let (status, body) =
            chat.call(http::Method::POST, "/chat/sessions", Some(json!({"user_id": "u", "skill": "Nope"}))).await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("unknown_skill")));
        let (status, body) = chat.call(http::Method::POST, "/chat/sessions", Some(json!({"skill": "Nope"}))).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["error"]["message"].as_str().unwrap_or("").contains("user_id"), "{body}");
        let (status, _) = chat.call(http::Method::GET, "/chat/sessions/unknown/messages", None).await;
        assert_eq!(status, 404);
        let (status, body) = chat.call(http::Method::GET, "/chat/sessions/unknown/messages?after=zzz", None).await;
        assert_eq!(status, 404, "{body}");
    }
}

#[tokio::test]
async fn provisioning_is_idempotent() {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let chat = Chat::start(&backend, false).await;
        let moved = chat.gc.add_integration("ccbridge demo bot (Paiement)", "https://old.example.com/webhook");
        let first = chat.provision().await;
        let actions: Vec<(Option<&str>, &str, Action)> =
            first.iter().map(|p| (p.skill.as_deref(), p.name.as_str(), p.action)).collect();
        assert_eq!(
            actions,
            vec![
                (None, "ccbridge demo bot", Action::Created),
                (Some("Marketing"), "ccbridge demo bot (Marketing)", Action::Created),
                (Some("Paiement"), "ccbridge demo bot (Paiement)", Action::Updated),
            ]
        );
        assert_eq!(first[2].integration_id, moved);
        assert!(first.iter().all(|p| p.recorded == Written::Created));
        let created = chat.gc.received_on("/integrations/open").iter().filter(|r| r.method == "POST").count();
        assert_eq!(created, 2);
        let post = chat.gc.received_on("/integrations/open").into_iter().find(|r| r.method == "POST").expect("POST");
        assert_eq!(post.body["outboundNotificationWebhookUrl"], "https://chat.example.com/genesys/messaging/webhook");
        assert_eq!(post.body["outboundNotificationWebhookSignatureSecretToken"], WEBHOOK_SECRET);

        let calls_before = chat.gc.received().len();
        let second = chat.provision().await;
        assert!(second.iter().all(|p| p.action == Action::Reused && p.recorded == Written::Unchanged), "{second:?}");
        let writes = chat.gc.received()[calls_before..].iter().filter(|r| r.method != "GET").count();
        assert_eq!(writes, 0, "a second run changes nothing");
        assert_eq!(chat.gc.integrations().len(), 3);
        let session = chat.start_session("s-7", Some("Paiement")).await;
        assert_eq!(session["integration_id"], moved.as_str());
    }
}
