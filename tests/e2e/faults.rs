//! Storage going down in the middle of work, as a provider sees it: DynamoDB Local stopped
//! during a burst of UIS notifications and started again, S3 stopped during a recording copy.
//! What was answered 2xx is kept, what was answered 503 is accepted when the provider retries,
//! and the end state is that of a run nothing disturbed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use ccbridge_tests::faults::{DynamoDbLocalProcess, dynamodb_local_jar};
use ccbridge_tests::{Backend, TestStack};
use serde_json::{Value, json};

const TOKEN: &str = "uis-demo-token-0001";
const CALLS: u64 = 40;
const KINDS: [&str; 3] = ["incoming_call_started", "conversation_started", "call_finished"];

/// Three notifications of each of `CALLS` calls, the calls interleaved as a busy account's are.
fn burst() -> Vec<(&'static str, Value)> {
    let mut all = Vec::new();
    for (k, kind) in KINDS.iter().enumerate() {
        for n in 0..CALLS {
            let id = 7_000_000 + n;
            let phone = format!("7916{:07}", 1_000_000 + n);
            let mut body = json!({
                "ud_channel_token": TOKEN, "call_session_id": id, "direction": "in",
                "contact_phone_number": phone, "virtual_phone_number": "74993720692",
                "start_time": "2026-11-21 10:15:03.412", "notification_time": format!("2026-11-21 10:15:0{k}.500"),
            });
            match *kind {
                "conversation_started" => {
                    body["employee_id"] = json!(2001);
                    body["answer_time"] = json!("2026-11-21 10:15:21.004");
                }
                "call_finished" => {
                    body["is_lost"] = json!(n % 5 == 0);
                    body["talk_time_duration"] = json!(60 + n);
                    body["finish_time"] = json!("2026-11-21 10:21:02.770");
                    body["record_file_links"] = json!([format!("https://app.uiscom.ru/system/media/talk/{id}/a/")]);
                }
                _ => {}
            }
            all.push((*kind, body));
        }
    }
    all
}

async fn post(http: &reqwest::Client, base: &str, kind: &str, body: &Value) -> u16 {
    match http.post(format!("{base}/uis/webhook/{kind}")).json(body).send().await {
        Ok(response) => response.status().as_u16(),
        Err(error) => panic!("the API itself must answer: {error}"),
    }
}

/// Every item of the table as JSON by key, without what records when it was written: the
/// times of receipt and creation, and a new job's due time (now) with the index keys built
/// from it.
async fn records(stack: &TestStack) -> BTreeMap<(String, String), Value> {
    const WHEN: [&str; 6] = ["received_at", "created_at", "updated_at", "version", "expires_at", "due_at"];
    let mut all = BTreeMap::new();
    for item in stack.scan_all().await {
        let key = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let (pk, sk) = (key("pk"), key("sk"));
        let due_index = [("gsi1pk", "gsi1sk"), ("gsi2pk", "gsi2sk")]
            .into_iter()
            .filter(|(index, _)| key(index).starts_with("JOBS#"))
            .map(|(_, sort)| sort)
            .collect::<Vec<_>>();
        let mut value: Value = serde_dynamo::from_item(item).expect("item as JSON");
        strip(&mut value, &WHEN);
        if let Value::Object(map) = &mut value {
            map.retain(|name, _| !due_index.contains(&name.as_str()));
        }
        all.insert((pk, sk), value);
    }
    all
}

fn strip(value: &mut Value, names: &[&str]) {
    match value {
        Value::Object(map) => {
            map.retain(|k, _| !names.contains(&k.as_str()));
            map.values_mut().for_each(|v| strip(v, names));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| strip(v, names)),
        _ => {}
    }
}

/// Whether the table holds a delivery of `kind` for the call of `body`.
async fn holds(stack: &TestStack, kind: &str, body: &Value) -> bool {
    let pk = format!("CALL#uis-demo#{}", body["call_session_id"]);
    let out = stack
        .dynamodb()
        .query()
        .table_name(stack.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :sk)")
        .expression_attribute_values(":pk", AttributeValue::S(pk))
        .expression_attribute_values(":sk", AttributeValue::S(format!("EVENT#{kind}#")))
        .consistent_read(true)
        .send()
        .await
        .expect("query");
    out.count > 0
}

#[tokio::test]
async fn dynamodb_local_stopped_during_a_burst_loses_nothing_the_provider_was_told_and_takes_every_retry() {
    let Some(jar) = dynamodb_local_jar() else {
        eprintln!("note: DynamoDB Local is not installed here; `cargo xtask test` runs this test");
        return;
    };
    let mut dynamodb = DynamoDbLocalProcess::start(&jar).await;
    let backend = Backend::DynamoDbLocal(dynamodb.endpoint());
    let notifications = burst();

    let undisturbed = TestStack::start(&backend).await;
    for (kind, body) in &notifications {
        assert_eq!(post(&undisturbed.http, &undisturbed.base_url, kind, body).await, 200);
    }
    let expected = records(&undisturbed).await;

    let stack = TestStack::start(&backend).await;
    let answered = Arc::new(AtomicUsize::new(0));
    // Eight deliveries at a time, as a provider's senders would.
    let permits = Arc::new(tokio::sync::Semaphore::new(8));
    let sending: Vec<_> = notifications
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, (kind, body))| {
            let (http, base, answered, permits) =
                (stack.http.clone(), stack.base_url.clone(), answered.clone(), permits.clone());
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await.expect("permit");
                let status = post(&http, &base, kind, &body).await;
                answered.fetch_add(1, Ordering::SeqCst);
                (i, status)
            })
        })
        .collect();
    while answered.load(Ordering::SeqCst) < notifications.len() / 4 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    dynamodb.stop().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    dynamodb.restart().await;
    let statuses: Vec<(usize, u16)> =
        futures::future::join_all(sending).await.into_iter().map(|r| r.expect("delivery")).collect();

    let refused: Vec<usize> = statuses.iter().filter(|(_, s)| *s == 503).map(|(i, _)| *i).collect();
    let accepted: Vec<usize> = statuses.iter().filter(|(_, s)| *s == 200).map(|(i, _)| *i).collect();
    eprintln!("burst: {} answered 200, {} answered 503", accepted.len(), refused.len());
    assert_eq!(accepted.len() + refused.len(), notifications.len(), "only 200 or 503: {statuses:?}");
    assert!(!refused.is_empty(), "DynamoDB Local was down for part of the burst");
    assert!(accepted.len() >= notifications.len() / 4, "the burst was under way when it went down");

    for &i in &accepted {
        let (kind, body) = &notifications[i];
        assert!(holds(&stack, kind, body).await, "notification {i} ({kind}) was answered 200 and is kept");
    }
    for &i in &refused {
        let (kind, body) = &notifications[i];
        let mut tries = 0;
        loop {
            let status = post(&stack.http, &stack.base_url, kind, body).await;
            if status == 200 {
                break;
            }
            assert_eq!(status, 503, "a retry gets 200 or 503");
            tries += 1;
            assert!(tries < 50, "notification {i} is never accepted");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    let after = records(&stack).await;
    let differing: Vec<_> =
        expected.iter().filter(|(key, value)| after.get(*key) != Some(*value)).map(|(k, _)| k).collect();
    let extra: Vec<_> = after.keys().filter(|key| !expected.contains_key(*key)).collect();
    assert!(
        differing.is_empty() && extra.is_empty(),
        "the records differ from the undisturbed run's: {differing:?}, extra {extra:?}; first: {:?} vs {:?}",
        differing.first().and_then(|k| expected.get(*k)),
        differing.first().and_then(|k| after.get(*k)),
    );
}

/// Counts the UploadPart requests an S3 client sends.
#[derive(Debug, Clone, Default)]
struct PartsSent(Arc<AtomicUsize>);

impl aws_sdk_s3::config::Intercept for PartsSent {
    fn name(&self) -> &'static str {
        "PartsSent"
    }

    fn read_before_transmit(
        &self,
        context: &aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_s3::config::RuntimeComponents,
        _cfg: &mut aws_sdk_s3::config::ConfigBag,
    ) -> Result<(), aws_sdk_s3::error::BoxError> {
        if context.request().uri().contains("partNumber=") {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
        Ok(())
    }
}

/// A pending recording job of the local recordings channel for `url`.
async fn recording_job(app: &ccbridge::App, call: u64, url: &str) -> ccbridge::store::Key {
    use ccbridge::recordings::job::RecordingJob;
    let host = url::Url::parse(url).expect("url").host_str().expect("host").to_owned();
    let channel = ccbridge::config::ChannelId::try_from("uis-rec".to_string()).expect("id");
    let link = ccbridge::uis::recording::link_id(url);
    let job = RecordingJob::pending(
        &channel,
        ccbridge::uis::call::CallSessionId(call),
        &link,
        url,
        &host,
        None,
        app.clock.now(),
    );
    app.store.put_new(&job).await.expect("job written");
    ccbridge::store::Entity::key(&job)
}

#[tokio::test]
async fn s3_stopped_during_a_recording_copy_leaves_a_retry_that_copies_it_whole() {
    use ccbridge::jobs::{JobStatus, Outcome};
    use ccbridge::recordings::job::RecordingJob;
    use ccbridge::recordings::sync::{Settings, process};
    use ccbridge_tests::faults::S3Server;
    use ccbridge_tests::provider::Provider;
    use sha2::Digest;

    for backend in ccbridge_tests::backends() {
        eprintln!("-- on {}", backend.name());
        let config = format!("{}{}", ccbridge_tests::CONFIG, crate::recordings::LOCAL_CHANNEL);
        let stack = TestStack::start_with(&backend, &config).await;
        let mut s3 = S3Server::start().await;
        let parts = PartsSent::default();
        let sdk = ccbridge_local::stack::sdk_config().await;
        let client = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .endpoint_url(s3.endpoint())
                .force_path_style(true)
                .interceptor(parts.clone())
                .build(),
        );
        client.create_bucket().bucket("recordings").send().await.expect("bucket");
        let blobs = ccbridge::store::Blobs::new(client, "recordings");
        let app = Arc::new(ccbridge::App { blobs: blobs.clone(), ..(*stack.stack.app).clone() });

        // 12 MiB (three 5 MiB parts) in 512 KiB blocks, one every 50 ms: the copy is under way
        // for more than a second.
        let provider = Provider::start(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST)).await;
        let block = bytes::Bytes::from(
            (0..512 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<u8>>(),
        );
        let size = 12 * 1024 * 1024u64;
        provider.add_slow("/talk/1/r.mp3", "audio/mpeg", block.clone(), size, Duration::from_millis(50));
        let whole: Vec<u8> = block.iter().copied().cycle().take(size as usize).collect();
        let settings = Settings { part_size: 5 * 1024 * 1024, ..Settings::default() };

        // Undisturbed: what the copy stores when nothing goes wrong.
        let calm = recording_job(&app, 9101, &provider.url("/talk/1/r.mp3?calm")).await;
        assert_eq!(process(&app, &calm, &settings).await.expect("processed"), Outcome::Done);
        let calm: RecordingJob = app.store.get(&calm).await.expect("read").expect("job");

        let key = recording_job(&app, 9102, &provider.url("/talk/1/r.mp3")).await;
        let before = parts.0.load(Ordering::SeqCst);
        let copying = {
            let (app, key, settings) = (app.clone(), key.clone(), settings.clone());
            tokio::spawn(async move { process(&app, &key, &settings).await })
        };
        while parts.0.load(Ordering::SeqCst) == before {
            assert!(!copying.is_finished(), "the copy ended before a part was sent");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        s3.stop();
        let outcome = copying.await.expect("task").expect("the table is up: the outcome is recorded");
        assert!(matches!(outcome, Outcome::Retrying(_)), "S3 down is worth a retry: {outcome:?}");
        let waiting: RecordingJob = app.store.get(&key).await.expect("read").expect("job");
        assert_eq!(waiting.job.status, JobStatus::Retry, "{waiting:?}");
        assert!(waiting.object.is_none(), "nothing is recorded as copied");

        s3.restart().await;
        app.clock.advance(time::Duration::hours(1));
        assert_eq!(process(&app, &key, &settings).await.expect("processed"), Outcome::Done);
        let done: RecordingJob = app.store.get(&key).await.expect("read").expect("job");
        let (stored, expected) = (done.object.expect("copied"), calm.object.expect("copied"));
        assert_eq!(
            (stored.size, &stored.sha256, &stored.md5, &stored.content_type),
            (expected.size, &expected.sha256, &expected.md5, &expected.content_type),
            "the same copy as the undisturbed run's"
        );
        assert_eq!(stored.sha256, hex::encode(sha2::Sha256::digest(&whole)));
        let object = blobs.client().get_object().bucket("recordings").key(&stored.key).send().await.expect("object");
        let bytes = object.body.collect().await.expect("body").into_bytes();
        assert!(bytes.as_ref() == whole.as_slice(), "the object is the recording, whole");
        assert_eq!((done.job.status, done.job.attempts), (JobStatus::Done, 2));
    }
}
