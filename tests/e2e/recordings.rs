//! Recording jobs against a local provider (HTTP on loopback, through the channel's
//! test-only `allow_insecure_loopback_recordings`) and the embedded S3: copied once with the
//! right checksums however often the stream delivers the job, retried with backoff, never
//! fetched from a host the channel does not allow, and driven by the local stack's stream feeder.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodb::types::AttributeValue;
use ccbridge::BatchOutcome;
use ccbridge::ex::job::ConversationJob;
use ccbridge::jobs::JobStatus;
use ccbridge::recordings::job::RecordingJob;
use ccbridge::store::Key;
use ccbridge::uis::call::CallSessionId;
use ccbridge::uis::recording::link_id;
use ccbridge_local::streams::FeedOptions;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::provider::Provider;
use ccbridge_tests::{Backend, CONFIG, TestStack, backends};
use sha2::Digest;

/// A UIS channel whose recordings come from the local provider on 127.0.0.1.
pub const LOCAL_CHANNEL: &str = r#"
[[channel]]
kind = "uis"
id = "uis-rec"
token = "uis-rec-token-0001"
api_key = "uis-rec-api-key-0001"
recording_hosts = ["127.0.0.1"]
allow_insecure_loopback_recordings = true
recording_attempts = 3
recording_retry_seconds = 1
"#;

async fn start(backend: &Backend) -> TestStack {
    TestStack::start_with(backend, &format!("{CONFIG}{LOCAL_CHANNEL}")).await
}

/// A recording of `size` bytes that is not all the same byte.
fn audio(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect()
}

/// Writes a pending job for `url` (as uis-call-finished would) and returns its key.
async fn add_job(stack: &TestStack, call: u64, url: &str) -> Key {
    let host = url::Url::parse(url).expect("url").host_str().expect("host").to_owned();
    let channel = ccbridge::config::ChannelId::try_from("uis-rec".to_string()).expect("id");
    let created = stack.stack.app.clock.now();
    let job = RecordingJob::pending(&channel, CallSessionId(call), &link_id(url), url, &host, None, created);
    stack.stack.app.store.put_new(&job).await.expect("job written");
    ccbridge::store::Entity::key(&job)
}

async fn job(stack: &TestStack, key: &Key) -> RecordingJob {
    stack.stack.app.store.get::<RecordingJob>(key).await.expect("read").expect("job exists")
}

/// The stream record of the job as it is now.
async fn record(stack: &TestStack, key: &Key, event_name: &str, sequence: &str) -> EventRecord {
    let item = stack
        .dynamodb()
        .get_item()
        .table_name(stack.table())
        .key("pk", AttributeValue::S(key.pk.clone()))
        .key("sk", AttributeValue::S(key.sk.clone()))
        .send()
        .await
        .expect("get")
        .item
        .expect("item");
    let mut record = EventRecord::default();
    record.event_name = event_name.into();
    record.change.new_image = serde_dynamo::Item::from(item);
    record.change.sequence_number = Some(sequence.into());
    record
}

/// The record of the change that failed the job in a sweep (it was running before).
async fn failing_change(stack: &TestStack, key: &Key, sequence: &str) -> EventRecord {
    let mut record = record(stack, key, "MODIFY", sequence).await;
    let mut old = record.change.new_image.clone();
    if let Some(serde_dynamo::AttributeValue::M(job)) = old.get_mut("job") {
        job.insert("status".into(), serde_dynamo::AttributeValue::S("running".into()));
        job.remove("dead_letter");
    }
    record.change.old_image = old;
    record
}

/// One sweep of the due jobs, as the schedule runs it.
async fn sweep(stack: &TestStack) -> ccbridge::jobs::sweep::SweepReport {
    let settings = ccbridge::jobs::sweep::SweepSettings::default();
    ccbridge::jobs::sweep::sweep(&stack.stack.app, &settings).await.expect("sweep")
}

async fn deliver(stack: &TestStack, records: Vec<EventRecord>) -> BatchOutcome {
    let mut event = Event::default();
    event.records = records;
    recording_sync::FUNCTION.call(stack.stack.app.clone(), event).await
}

async fn object(stack: &TestStack, key: &str) -> (Vec<u8>, Option<String>) {
    let out = stack.s3().get_object().bucket(stack.bucket()).key(key).send().await.expect("object in S3");
    let content_type = out.content_type.clone();
    (out.body.collect().await.expect("body").into_bytes().to_vec(), content_type)
}

#[tokio::test]
async fn a_recording_lands_in_s3_once_with_its_checksums_however_often_it_is_delivered() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        // Above one 8 MiB part, so the copy is a multipart upload.
        let bytes = audio(12 * 1024 * 1024 + 321);
        provider.add_file("/talk/1/a.mp3", "audio/mpeg", bytes.clone());
        let key = add_job(&stack, 1, &provider.url("/talk/1/a.mp3")).await;

        let first = record(&stack, &key, "INSERT", "100").await;
        let again = first.clone();
        let (a, b) = tokio::join!(deliver(&stack, vec![first.clone(), again]), deliver(&stack, vec![first]));
        assert!(a.failed.is_empty() && b.failed.is_empty(), "{a:?} {b:?}");

        assert_eq!(provider.hits("/talk/1/a.mp3"), 1, "downloaded once on {}", backend.name());
        let done = job(&stack, &key).await;
        assert_eq!((done.job.status, done.job.attempts), (JobStatus::Done, 1));
        let stored = done.object.expect("object recorded");
        assert_eq!(stored.size, bytes.len() as u64);
        assert_eq!(stored.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
        assert_eq!(stored.md5, md5_hex(&bytes));
        assert_eq!(stored.content_type, "audio/mpeg");
        let (copied, content_type) = object(&stack, &stored.key).await;
        assert!(copied == bytes, "the copy has the provider's bytes");
        assert_eq!(content_type.as_deref(), Some("audio/mpeg"));

        // Played back through a short-lived presigned link, with the channel's key only.
        let id = format!("1-{}", done.link_id);
        let (status, link) = playback(&stack, &id, "uis-rec-api-key-0001").await;
        assert_eq!(status, 200, "{link}");
        assert_eq!(link["expires_in"], 300);
        assert_eq!(link["sha256"], stored.sha256.as_str());
        let played = reqwest::get(link["url"].as_str().expect("url")).await.expect("presigned GET");
        assert_eq!(played.status(), 200);
        assert!(played.bytes().await.expect("bytes") == bytes);
        assert_eq!(playback(&stack, &id, "uis-demo-api-key-0001").await.0, 404, "another channel's key");
        assert_eq!(playback(&stack, &id, "wrong-key-0000000000").await.0, 401);
        let (status, body) = playback(&stack, "1-nothex", "uis-rec-api-key-0001").await;
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_path")));

        // A later delivery of the finished job (a repeated notification) does nothing.
        let outcome = deliver(&stack, vec![record(&stack, &key, "MODIFY", "101").await]).await;
        assert!(outcome.failed.is_empty());
        assert_eq!(provider.hits("/talk/1/a.mp3"), 1);
    }
}

fn md5_hex(bytes: &[u8]) -> String {
    hex::encode(<md5::Md5 as md5::Digest>::digest(bytes))
}

#[tokio::test]
async fn a_provider_error_is_retried_after_the_backoff_and_then_succeeds() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/talk/2/b.wav", "audio/wav", audio(4000));
        provider.fail_next("/talk/2/b.wav", 500, 1);
        let key = add_job(&stack, 2, &provider.url("/talk/2/b.wav")).await;

        let outcome = deliver(&stack, vec![record(&stack, &key, "INSERT", "1").await]).await;
        assert!(outcome.failed.is_empty(), "a job that will be retried is not a failed record");
        let waiting = job(&stack, &key).await;
        assert_eq!((waiting.job.status, waiting.job.attempts), (JobStatus::Retry, 1));
        assert_eq!(waiting.job.last_error.as_deref(), Some("provider answered HTTP 500"));
        assert!(waiting.job.due_at.is_some());

        let (status, body) = playback(&stack, &format!("2-{}", waiting.link_id), "uis-rec-api-key-0001").await;
        assert_eq!((status, body["error"]["code"].as_str()), (409, Some("conflict")), "not copied yet");

        // The job's own change (status retry) is left to the sweep, which runs it once it is due.
        let outcome = deliver(&stack, vec![record(&stack, &key, "MODIFY", "2").await]).await;
        assert!(outcome.failed.is_empty());
        assert_eq!(sweep(&stack).await.found, 0, "the next attempt waits for its time");
        assert_eq!(provider.hits("/talk/2/b.wav"), 1);
        stack.stack.app.clock.advance(time::Duration::seconds(2));
        assert_eq!(sweep(&stack).await.done, 1);
        let done = job(&stack, &key).await;
        assert_eq!((done.job.status, done.job.attempts), (JobStatus::Done, 2), "{done:?}");
        assert_eq!(provider.hits("/talk/2/b.wav"), 2);
        assert_eq!(object(&stack, &done.object.expect("object").key).await.0.len(), 4000);
    }
}

#[tokio::test]
async fn a_recording_on_a_host_that_is_not_allowed_is_never_fetched() {
    for backend in backends() {
        let stack = start(&backend).await;
        let allowed = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        let elsewhere = Provider::start(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
        elsewhere.add_file("/secret", "audio/mpeg", audio(10));
        allowed.redirect("/talk/3/c.mp3", &elsewhere.url("/secret"));

        // Directly on the host (a job written by something other than the notification check)…
        let direct = add_job(&stack, 3, &elsewhere.url("/secret")).await;
        // …and through a redirect from an allowed host.
        let redirected = add_job(&stack, 4, &allowed.url("/talk/3/c.mp3")).await;
        let records =
            vec![record(&stack, &direct, "INSERT", "1").await, record(&stack, &redirected, "INSERT", "2").await];
        let outcome = deliver(&stack, records).await;

        assert_eq!(outcome.failed, vec!["1".to_string(), "2".to_string()], "both fail for good, no retries");
        assert_eq!(elsewhere.total_hits(), 0, "the host that is not allowed was never asked");
        assert_eq!(allowed.hits("/talk/3/c.mp3"), 1);
        for key in [&direct, &redirected] {
            let failed = job(&stack, key).await;
            assert_eq!((failed.job.status, failed.job.attempts), (JobStatus::Failed, 1));
            assert_eq!(
                failed.job.last_error.as_deref(),
                Some("recording link refused: host 127.0.0.2 is not an allowed recording host")
            );
        }
        let listed = stack.s3().list_objects_v2().bucket(stack.bucket()).send().await.expect("list");
        assert_eq!(listed.key_count, Some(0), "nothing stored");

        // The operator lists the failed jobs and puts them back in line.
        let store = &stack.stack.app.store;
        let now = stack.stack.app.clock.now();
        let failed_only = ccbridge_admin::JobFilter { status: Some(JobStatus::Failed), ..Default::default() };
        let listed = |filter| async move {
            let jobs = ccbridge_admin::list_jobs(store, filter, 100).await.expect("listed");
            jobs.into_iter().map(|j| j.job_id().to_owned()).collect::<Vec<String>>()
        };
        let failed = listed(&failed_only).await;
        let (direct_id, redirected_id) = (job(&stack, &direct).await.job_id, job(&stack, &redirected).await.job_id);
        assert_eq!(failed.len(), 2);
        assert!(failed.contains(&direct_id) && failed.contains(&redirected_id));
        let any = &ccbridge_admin::JobFilter::default();
        let requeue = |target| async move {
            ccbridge_admin::requeue_jobs(store, target, any, now, |_, _| {}).await.map(|r| r.requeued)
        };
        let one = requeue(ccbridge_admin::Requeue::One(direct_id.clone())).await.expect("requeued");
        assert_eq!(one, vec![direct_id.clone()]);
        let requeued = job(&stack, &direct).await;
        assert_eq!((requeued.job.status, requeued.job.attempts), (JobStatus::Pending, 0));
        assert_eq!(listed(&failed_only).await.len(), 1);
        let all = || ccbridge_admin::Requeue::All { which: ccbridge_admin::Requeueable::Failed };
        assert_eq!(requeue(all()).await.expect("requeued"), vec![redirected_id]);
        assert!(requeue(all()).await.expect("nothing").is_empty());
        assert!(requeue(ccbridge_admin::Requeue::One("uis-rec:1:zz".into())).await.is_err());
    }
}

/// Polls the job until it has `status`.
async fn wait_for(stack: &TestStack, key: &Key, status: JobStatus) -> RecordingJob {
    for _ in 0..300 {
        if let Some(job) = stack.stack.app.store.get::<RecordingJob>(key).await.expect("read")
            && job.job.status == status
        {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("job {key} never reached {status:?}");
}

#[tokio::test]
async fn the_local_stack_copies_a_finished_calls_recording_from_the_stream() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        let bytes = audio(70_000);
        provider.add_file("/talk/7/ok.mp3", "audio/mpeg", bytes.clone());
        provider.fail_next("/talk/7/broken.mp3", 503, 100);
        let state = tempfile::tempdir().expect("state folder");
        let options = FeedOptions {
            backoff: Duration::from_millis(20),
            poll_interval: Duration::from_millis(50),
            ..FeedOptions::new(state.path().into())
        };
        stack.stack.feed_streams(ccbridge_local::STREAM_FUNCTIONS, options).await;
        stack.stack.run_schedules(ccbridge_local::SCHEDULED_FUNCTIONS, Duration::from_millis(200));

        let links = [provider.url("/talk/7/ok.mp3"), provider.url("/talk/7/broken.mp3")];
        let finished = serde_json::json!({
            "ud_channel_token": "uis-rec-token-0001", "call_session_id": 7001, "direction": "in",
            "contact_phone_number": "79161234567", "is_lost": false, "talk_time_duration": 12,
            "start_time": "2026-11-21 10:15:03.412", "finish_time": "2026-11-21 10:16:03.412",
            "notification_time": "2026-11-21 10:16:03.500", "record_file_links": links,
        });
        let response =
            stack.http.post(stack.url("/uis/webhook/call_finished")).json(&finished).send().await.expect("request");
        assert_eq!(response.status(), 200, "{:?}", response.text().await);

        let key = |link: &str| Key::new("CALL#uis-rec#7001", format!("RECORDING#{}", link_id(link)));
        let done = wait_for(&stack, &key(&links[0]), JobStatus::Done).await;
        let stored = done.object.expect("object");
        assert_eq!(stored.sha256, hex::encode(sha2::Sha256::digest(&bytes)));
        assert!(object(&stack, &stored.key).await.0 == bytes);

        let failed = wait_for(&stack, &key(&links[1]), JobStatus::Failed).await;
        assert_eq!(failed.job.attempts, 3, "the channel's recording_attempts");
        assert_eq!(failed.job.last_error.as_deref(), Some("provider answered HTTP 503"));
        let mut letters = Vec::new();
        for _ in 0..200 {
            letters = std::fs::read_dir(state.path().join("dead-letter")).map(|d| d.count()).into_iter().collect();
            if letters.first().is_some_and(|n| *n > 0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(letters, vec![1], "the failed job's record went to the dead-letter folder");
        assert_eq!(provider.hits("/talk/7/ok.mp3"), 1);
        assert_eq!(provider.hits("/talk/7/broken.mp3"), 3);
    }
}

/// The test configuration with Genesys Cloud at `gc` and the local recordings channel linked to it.
fn genesys_config(gc: &GenesysCloud) -> String {
    format!("{}{LOCAL_CHANNEL}genesys = \"genesys-demo\"\nex = {{ time_zone = \"Europe/Moscow\" }}\n", gc.config(""))
}

/// Provisions the organisation's source and sends call `call`'s conversation: what a
/// recording's upload waits for.
async fn send_conversation(stack: &TestStack, call: u64) -> String {
    ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
    let key = Key::new(format!("CALL#uis-rec#{call}"), "CONVERSATION");
    let outcome = ccbridge::ex::job::process(&stack.stack.app, &key, true).await.expect("processed");
    assert_eq!(outcome, ccbridge::jobs::Outcome::Done);
    let job: ConversationJob = stack.stack.app.store.get(&key).await.expect("read").expect("job");
    job.conversation_id.expect("conversation id")
}

/// Reports a finished call with one recording on the local channel; returns the job's key.
async fn finish_call(stack: &TestStack, call: u64, link: &str) -> Key {
    let finished = serde_json::json!({
        "ud_channel_token": "uis-rec-token-0001", "call_session_id": call, "direction": "in",
        "contact_phone_number": "79161234567", "virtual_phone_number": "74993720692", "is_lost": false,
        "talk_time_duration": 95, "wait_time_duration": 12, "answer_time": "2026-11-21 10:15:15.000",
        "start_time": "2026-11-21 10:15:03.412", "finish_time": "2026-11-21 10:16:50.412",
        "notification_time": "2026-11-21 10:16:50.500", "record_file_links": [link],
    });
    let response =
        stack.http.post(stack.url("/uis/webhook/call_finished")).json(&finished).send().await.expect("request");
    assert_eq!(response.status(), 200);
    Key::new(format!("CALL#uis-rec#{call}"), format!("RECORDING#{}", link_id(link)))
}

#[tokio::test]
async fn a_call_is_injected_and_its_recording_uploaded_to_genesys_cloud_once() {
    for backend in backends() {
        let gc = GenesysCloud::start().await;
        let stack = TestStack::start_with(&backend, &genesys_config(&gc)).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        let bytes = audio(300_000);
        provider.add_file("/talk/8/r.mp3", "audio/mpeg", bytes.clone());
        let key = finish_call(&stack, 8001, &provider.url("/talk/8/r.mp3")).await;
        let conversation_id = send_conversation(&stack, 8001).await;
        // The upload URL is rate limited once: the job is due again when Retry-After says.
        gc.fail_next("/api/v2/uploads/recordings", 429, Some(1));

        let first = record(&stack, &key, "INSERT", "1").await;
        let (a, b) = tokio::join!(deliver(&stack, vec![first.clone(), first.clone()]), deliver(&stack, vec![first]));
        assert!(a.failed.is_empty() && b.failed.is_empty(), "{a:?} {b:?}");
        let waiting = job(&stack, &key).await;
        assert_eq!((waiting.job.status, waiting.job.attempts), (JobStatus::Retry, 0), "{waiting:?}");
        let due_in = waiting.job.due_at.expect("due") - waiting.job.updated_at;
        assert_eq!(due_in, time::Duration::seconds(1), "Retry-After honoured as a due time");
        stack.stack.app.clock.advance(time::Duration::seconds(2));
        assert_eq!(sweep(&stack).await.done, 1);

        let done = job(&stack, &key).await;
        assert_eq!((done.job.status, done.job.attempts), (JobStatus::Done, 1), "{done:?}");
        let genesys = done.genesys.expect("Genesys progress recorded");
        assert_eq!(genesys.conversation_id, conversation_id);
        let asked = gc.received_on("/api/v2/uploads/recordings");
        let file_name = asked.last().and_then(|r| r.body["fileName"].as_str()).expect("file name");
        assert!(file_name.starts_with(&conversation_id), "the upload names the conversation: {file_name}");
        let kinds: Vec<String> = gc.injected_events().into_iter().map(|(kind, ..)| kind).collect();
        assert_eq!(kinds, ["externalEstablishedEvents", "communicationEndedEvents"], "no agent maps to a user here");
        assert!(gc.injected_events().iter().all(|(_, _, e)| e["conversationId"] == genesys.conversation_id.as_str()));
        let established = &gc.injected_events()[0].2;
        assert_eq!(established["ani"], "+79161234567");
        assert_eq!(established["sourceConfiguration"]["interactionId"], "8001");
        assert_eq!(established["initialConfiguration"]["recordingActive"], true);

        let uploads = gc.uploaded_recordings();
        assert_eq!(uploads.len(), 1, "uploaded once");
        assert!(uploads[0].1 == bytes, "Genesys got the provider's bytes");
        assert_eq!(genesys.upload_id.as_deref(), Some(uploads[0].0.as_str()), "the job records the upload key");
        assert_eq!(provider.hits("/talk/8/r.mp3"), 1);

        let asked = gc.received_on("/api/v2/uploads/recordings");
        assert_eq!(asked.iter().map(|r| r.status).collect::<Vec<_>>(), [429, 200]);

        // A repeated delivery injects and uploads nothing more.
        let posts = gc.received_on("/api/v2/events/conversations").len();
        deliver(&stack, vec![record(&stack, &key, "MODIFY", "2").await]).await;
        assert_eq!(gc.received_on("/api/v2/events/conversations").len(), posts);
        assert_eq!(gc.uploaded_recordings().len(), 1);
    }
}

#[tokio::test]
async fn repeated_genesys_errors_fail_the_job_with_the_reason_and_keep_the_object_in_s3() {
    for backend in backends() {
        let gc = GenesysCloud::start().await;
        let stack = TestStack::start_with(&backend, &genesys_config(&gc)).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/talk/9/r.wav", "audio/wav", audio(5000));
        let key = finish_call(&stack, 9001, &provider.url("/talk/9/r.wav")).await;
        send_conversation(&stack, 9001).await;
        for _ in 0..30 {
            gc.fail_next("/api/v2/uploads/recordings", 503, None);
        }

        let outcome = deliver(&stack, vec![record(&stack, &key, "INSERT", "1").await]).await;
        assert!(outcome.failed.is_empty(), "retried jobs are not failed records");
        let mut sweeps = 0;
        while job(&stack, &key).await.job.status == JobStatus::Retry && sweeps < 10 {
            stack.stack.app.clock.advance(time::Duration::hours(7));
            sweep(&stack).await;
            sweeps += 1;
        }
        let outcome = deliver(&stack, vec![failing_change(&stack, &key, "9").await]).await;
        assert_eq!(outcome.failed, vec!["9".to_string()], "the change that failed it is reported");

        let failed = job(&stack, &key).await;
        assert_eq!((failed.job.status, failed.job.attempts), (JobStatus::Failed, 3));
        let reason = failed.job.last_error.expect("reason");
        assert!(reason.starts_with("Genesys Cloud:") && reason.contains("503"), "{reason}");
        let stored = failed.object.expect("the S3 step is kept");
        assert_eq!(object(&stack, &stored.key).await.0.len(), 5000, "the recording stays in S3");
        assert_eq!(provider.hits("/talk/9/r.wav"), 1, "later attempts did not download again");
        assert!(gc.uploaded_recordings().is_empty());
        assert!(gc.received_on("/api/v2/uploads/recordings").iter().all(|r| r.status == 503));
    }
}

#[tokio::test]
async fn an_upload_url_off_genesys_and_s3_hosts_is_refused_and_fails_the_job_with_the_reason() {
    for backend in backends() {
        let gc = GenesysCloud::start().await;
        // The API is reached as `localhost`; the contract server hands out upload URLs on
        // 127.0.0.1, a host the channel's Genesys Cloud does not serve.
        let config = genesys_config(&gc)
            .replace(&format!("\"{}\"", gc.url()), &format!("\"{}\"", gc.url().replace("127.0.0.1", "localhost")));
        assert!(config.contains("http://localhost:"), "{config}");
        let stack = TestStack::start_with(&backend, &config).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/talk/12/r.mp3", "audio/mpeg", audio(4000));
        let key = finish_call(&stack, 12001, &provider.url("/talk/12/r.mp3")).await;
        send_conversation(&stack, 12001).await;

        let outcome = deliver(&stack, vec![record(&stack, &key, "INSERT", "1").await]).await;
        assert_eq!(outcome.failed, vec!["1".to_string()], "failed for good: the record goes to the dead-letter queue");
        let failed = job(&stack, &key).await;
        assert_eq!(failed.job.status, JobStatus::Failed, "no retry can make the URL right: {failed:?}");
        let reason = failed.job.last_error.expect("reason");
        assert!(reason.contains("127.0.0.1") && reason.contains("not a Genesys Cloud or Amazon S3 host"), "{reason}");
        assert_eq!(gc.received_on("/api/v2/uploads/recordings").len(), 1, "the URL was asked for");
        assert!(gc.received_on("/presigned/").is_empty(), "nothing was sent to it");
        assert!(gc.uploaded_recordings().is_empty());
        assert!(failed.object.is_some(), "the recording stays in S3");
    }
}

async fn playback(stack: &TestStack, id: &str, key: &str) -> (u16, serde_json::Value) {
    let response =
        stack.http.get(stack.url(&format!("/recordings/{id}"))).header("X-API-KEY", key).send().await.expect("request");
    (response.status().as_u16(), response.json().await.expect("JSON"))
}

#[tokio::test]
async fn a_download_broken_midway_leaves_no_open_upload_and_the_retry_copies_it_whole() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        let block = bytes::Bytes::from(audio(1024 * 1024));
        // Broken after 10 MiB: one 8 MiB part is already uploaded when it breaks.
        provider.add_broken("/talk/5/big.mp3", "audio/mpeg", block.clone(), 12 * 1024 * 1024, 10 * 1024 * 1024);
        let key = add_job(&stack, 5, &provider.url("/talk/5/big.mp3")).await;

        deliver(&stack, vec![record(&stack, &key, "INSERT", "1").await]).await;
        let waiting = job(&stack, &key).await;
        assert_eq!(waiting.job.status, JobStatus::Retry, "{waiting:?}");
        assert!(waiting.job.last_error.as_deref().is_some_and(|e| e.starts_with("download:")), "{waiting:?}");
        // The S3 server keeps open uploads as `.upload*` files.
        let leftovers: Vec<_> = std::fs::read_dir(stack.s3_root())
            .expect("S3 root")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with(".upload"))
            .collect();
        assert!(leftovers.is_empty(), "an orphan multipart upload was left: {leftovers:?}");

        provider.add_generated("/talk/5/big.mp3", "audio/mpeg", block, 12 * 1024 * 1024);
        stack.stack.app.clock.advance(time::Duration::seconds(2));
        assert_eq!(sweep(&stack).await.done, 1);
        let done = job(&stack, &key).await;
        assert_eq!((done.job.status, done.job.attempts), (JobStatus::Done, 2));
        assert_eq!(done.object.expect("object").size, 12 * 1024 * 1024);
    }
}
