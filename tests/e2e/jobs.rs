//! Outbound work that never strands, on every backend: the sweep finishes what a dead worker
//! left, runs a retry when it is due (the clock is moved, nothing waits), runs a job whose
//! stream record never came, turns a 429 into a due time, drains a backlog with bounded
//! concurrency running each job once, and the operator's requeue brings failed and stuck jobs
//! back. No stored or logged error carries a URL's query.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ccbridge::config::ChannelId;
use ccbridge::jobs::JobStatus;
use ccbridge::jobs::sweep::{SweepReport, SweepSettings, sweep};
use ccbridge::recordings::job::RecordingJob;
use ccbridge::store::{Entity, Key};
use ccbridge::uis::call::CallSessionId;
use ccbridge::uis::recording::link_id;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::provider::Provider;
use ccbridge_tests::{Backend, CONFIG, TestStack, backends};

/// A UIS channel whose recordings come from a local provider; retries 20 minutes apart.
const CHANNEL: &str = r#"
[[channel]]
kind = "uis"
id = "uis-jobs"
token = "uis-jobs-token-0001"
api_key = "uis-jobs-api-key-0001"
recording_hosts = ["127.0.0.1"]
allow_insecure_loopback_recordings = true
recording_attempts = 2
recording_retry_seconds = 1200
"#;

async fn start(backend: &Backend) -> TestStack {
    TestStack::start_with(backend, &format!("{CONFIG}{CHANNEL}")).await
}

fn channel() -> ChannelId {
    ChannelId::try_from("uis-jobs".to_string()).expect("id")
}

/// Writes a pending job for `url` directly, as if its stream record were lost.
async fn add_job(stack: &TestStack, call: u64, url: &str) -> Key {
    let now = stack.stack.app.clock.now();
    let job = RecordingJob::pending(&channel(), CallSessionId(call), &link_id(url), url, "127.0.0.1", None, now);
    stack.stack.app.store.put_new(&job).await.expect("job written");
    job.key()
}

async fn job(stack: &TestStack, key: &Key) -> RecordingJob {
    stack.stack.app.store.get::<RecordingJob>(key).await.expect("read").expect("job exists")
}

async fn sweep_now(stack: &TestStack) -> SweepReport {
    sweep(&stack.stack.app, &SweepSettings::default()).await.expect("sweep")
}

fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

#[tokio::test]
async fn a_job_whose_worker_died_is_finished_by_the_sweep_after_its_lease() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/r/1.mp3", "audio/mpeg", vec![7u8; 2000]);
        let key = add_job(&stack, 1, &provider.url("/r/1.mp3")).await;
        // A worker claims it and dies: no outcome is ever written.
        let now = stack.stack.app.clock.now();
        let lease = ccbridge::recordings::Settings::default().lease;
        stack
            .stack
            .app
            .store
            .update_with::<RecordingJob, _>(&key, |j| {
                j.map(|j| RecordingJob { job: j.job.claim(now, lease).expect("due"), ..j.clone() })
            })
            .await
            .expect("claimed");
        assert_eq!(sweep_now(&stack).await.found, 0, "a live lease is left alone");
        stack.stack.app.clock.advance(lease + time::Duration::seconds(1));
        let report = sweep_now(&stack).await;
        assert_eq!((report.found, report.done), (1, 1), "{report:?}");
        let done = job(&stack, &key).await;
        assert_eq!((done.job.status, done.job.attempts), (JobStatus::Done, 2));
        assert_eq!(provider.hits("/r/1.mp3"), 1);
    }
}

#[tokio::test]
async fn a_retry_due_in_twenty_minutes_runs_when_due_and_nothing_waits_for_it() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/r/2.mp3", "audio/mpeg", vec![1u8; 3000]);
        provider.fail_next("/r/2.mp3", 500, 1);
        let key = add_job(&stack, 2, &provider.url("/r/2.mp3")).await;
        let started = Instant::now();
        assert_eq!(sweep_now(&stack).await.retried, 1);
        let waiting = job(&stack, &key).await;
        assert_eq!((waiting.job.status, waiting.job.attempts), (JobStatus::Retry, 1));
        let due_in = waiting.job.due_at.expect("due") - waiting.job.updated_at;
        assert!(due_in >= minutes(16) && due_in <= minutes(24), "20 minutes, spread by up to 20 %: {due_in}");
        assert_eq!(sweep_now(&stack).await.found, 0, "not due yet");
        stack.stack.app.clock.advance(minutes(15));
        assert_eq!(sweep_now(&stack).await.found, 0, "still not due");
        stack.stack.app.clock.advance(minutes(10));
        assert_eq!(sweep_now(&stack).await.done, 1);
        assert_eq!(job(&stack, &key).await.job.status, JobStatus::Done);
        assert!(started.elapsed() < Duration::from_secs(60), "nothing waited 20 minutes: {:?}", started.elapsed());
        assert_eq!(provider.hits("/r/2.mp3"), 2);
    }
}

#[tokio::test]
async fn a_job_whose_stream_record_never_arrived_is_still_done() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/r/3.mp3", "audio/mpeg", vec![3u8; 1000]);
        // No stream feeder runs here: only the sweep can find it.
        let key = add_job(&stack, 3, &provider.url("/r/3.mp3")).await;
        assert_eq!(sweep_now(&stack).await.done, 1);
        assert_eq!(job(&stack, &key).await.job.status, JobStatus::Done);
        assert_eq!(sweep_now(&stack).await.found, 0, "a done job leaves the due index");
    }
}

/// The test configuration with Genesys Cloud at `gc` and the jobs channel linked to it.
fn genesys_config(gc: &GenesysCloud) -> String {
    format!("{}{CHANNEL}genesys = \"genesys-demo\"\nex = {{ time_zone = \"Europe/Moscow\" }}\n", gc.config(""))
}

/// Provisions the organisation's source and sends call `call`'s conversation, which its
/// recordings' uploads wait for.
async fn send_conversation(stack: &TestStack, call: u64) {
    ccbridge_admin::provision_ex(&stack.stack.app, "genesys-demo").await.expect("provisioned");
    let key = Key::new(format!("CALL#uis-jobs#{call}"), "CONVERSATION");
    let outcome = ccbridge::ex::job::process(&stack.stack.app, &key, true).await.expect("processed");
    assert_eq!(outcome, ccbridge::jobs::Outcome::Done);
}

/// Reports a finished call with one recording on the channel linked to Genesys Cloud.
async fn finish_call(stack: &TestStack, call: u64, link: &str, talk: u64) -> Key {
    let finished = serde_json::json!({
        "ud_channel_token": "uis-jobs-token-0001", "call_session_id": call, "direction": "in",
        "contact_phone_number": "79161234567", "is_lost": false, "talk_time_duration": talk,
        "wait_time_duration": 12, "start_time": "2026-11-21 10:15:03", "finish_time": "2026-11-21 10:16:50",
        "notification_time": "2026-11-21 10:16:50.500", "record_file_links": [link],
    });
    let response =
        stack.http.post(stack.url("/uis/webhook/call_finished")).json(&finished).send().await.expect("request");
    assert_eq!(response.status(), 200);
    Key::new(format!("CALL#uis-jobs#{call}"), format!("RECORDING#{}", link_id(link)))
}

#[tokio::test]
async fn a_429_with_retry_after_reschedules_the_job_without_a_sleep() {
    for backend in backends() {
        let gc = GenesysCloud::start().await;
        let stack = TestStack::start_with(&backend, &genesys_config(&gc)).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/r/4.mp3", "audio/mpeg", vec![4u8; 5000]);
        let key = finish_call(&stack, 4, &provider.url("/r/4.mp3"), 95).await;
        send_conversation(&stack, 4).await;
        gc.fail_next("/api/v2/uploads/recordings", 429, Some(120));
        let started = Instant::now();
        assert_eq!(sweep_now(&stack).await.retried, 1);
        assert!(started.elapsed() < Duration::from_secs(10), "no wait for Retry-After: {:?}", started.elapsed());
        let waiting = job(&stack, &key).await;
        assert_eq!(waiting.job.status, JobStatus::Retry);
        assert_eq!(waiting.job.due_at.expect("due") - waiting.job.updated_at, minutes(2), "due at Retry-After");
        assert_eq!(waiting.job.attempts, 0, "a rate limit costs no attempt");
        assert!(waiting.object.is_some(), "the S3 step is done and kept");
        stack.stack.app.clock.advance(minutes(1));
        assert_eq!(sweep_now(&stack).await.found, 0);
        stack.stack.app.clock.advance(minutes(1) + time::Duration::seconds(1));
        assert_eq!(sweep_now(&stack).await.done, 1);
        assert_eq!(gc.uploaded_recordings().len(), 1);
        assert_eq!(provider.hits("/r/4.mp3"), 1, "downloaded once");
    }
}

#[tokio::test]
async fn an_absurd_talk_time_is_clamped_and_the_call_still_reaches_genesys() {
    for backend in backends() {
        let gc = GenesysCloud::start().await;
        let stack = TestStack::start_with(&backend, &genesys_config(&gc)).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/r/5.mp3", "audio/mpeg", vec![5u8; 500]);
        // Without the call's own times, they are placed back from when it was reported.
        let finished = serde_json::json!({
            "ud_channel_token": "uis-jobs-token-0001", "call_session_id": 5, "direction": "in",
            "contact_phone_number": "79161234567", "is_lost": false, "talk_time_duration": 9_000_000_000_000_000u64,
            "wait_time_duration": 12, "record_file_links": [provider.url("/r/5.mp3")],
        });
        let response =
            stack.http.post(stack.url("/uis/webhook/call_finished")).json(&finished).send().await.expect("request");
        assert_eq!(response.status(), 200);
        let key = Key::new("CALL#uis-jobs#5", format!("RECORDING#{}", link_id(&provider.url("/r/5.mp3"))));
        send_conversation(&stack, 5).await;
        assert_eq!(sweep_now(&stack).await.done, 1);
        let done = job(&stack, &key).await;
        assert_eq!(done.job.status, JobStatus::Done);
        let established = gc.injected_events().into_iter().find(|(kind, ..)| kind == "externalEstablishedEvents");
        let established = established.expect("the call was injected").2;
        let ended = done.job.created_at;
        let at = time::OffsetDateTime::parse(
            established["eventDateTime"].as_str().expect("time"),
            &time::format_description::well_known::Rfc3339,
        )
        .expect("RFC 3339");
        let back = ended - at - time::Duration::seconds(7 * 24 * 3600 + 12);
        assert!(
            back.abs() < time::Duration::milliseconds(1),
            "a week of talk at most, then the wait ({back}; times go out in ms)"
        );
    }
}

#[tokio::test]
async fn a_thousand_due_jobs_are_drained_with_bounded_concurrency_each_run_once() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.set_delay(Duration::from_millis(5));
        let mut keys = Vec::new();
        for i in 0..1000u64 {
            let path = format!("/r/bulk/{i}.mp3");
            provider.add_file(&path, "audio/mpeg", vec![(i % 251) as u8; 64]);
            keys.push(add_job(&stack, 10_000 + i, &provider.url(&path)).await);
        }
        let settings = SweepSettings { concurrency: 6, ..SweepSettings::default() };
        let app = &stack.stack.app;
        let mut done = 0;
        let mut sweeps = 0;
        while done < 1000 && sweeps < 20 {
            // Two sweeps at once, as overlapping schedules would run them.
            let (a, b) = tokio::join!(sweep(app, &settings), sweep(app, &settings));
            let (a, b) = (a.expect("sweep"), b.expect("sweep"));
            done += a.done + b.done;
            sweeps += 1;
        }
        assert_eq!(done, 1000, "after {sweeps} rounds");
        assert_eq!(provider.total_hits(), 1000, "every job ran once");
        assert!(provider.max_in_flight() <= 12, "two sweeps of 6 at most: {}", provider.max_in_flight());
        assert!(provider.max_in_flight() > 1, "jobs ran side by side");
        for key in keys.iter().step_by(97) {
            assert_eq!(job(&stack, key).await.job.status, JobStatus::Done);
        }
        eprintln!(
            "{} drained 1000 jobs in {sweeps} rounds, at most {} at once",
            backend.name(),
            provider.max_in_flight()
        );
    }
}

#[tokio::test]
async fn failed_and_stuck_jobs_are_requeued_by_the_operator_and_then_done() {
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.add_file("/r/6.mp3", "audio/mpeg", vec![6u8; 700]);
        provider.add_file("/r/7.mp3", "audio/mpeg", vec![7u8; 700]);
        provider.redirect("/r/6.mp3", "http://127.0.0.2/elsewhere");
        let failing = add_job(&stack, 6, &provider.url("/r/6.mp3")).await;
        assert_eq!(sweep_now(&stack).await.failed, 1, "a refused redirect fails at once");
        assert_eq!(job(&stack, &failing).await.job.status, JobStatus::Failed);

        let stuck = add_job(&stack, 7, &provider.url("/r/7.mp3")).await;
        let app = &stack.stack.app;
        let now = app.clock.now();
        let lease = ccbridge::recordings::Settings::default().lease;
        app.store
            .update_with::<RecordingJob, _>(&stuck, |j| {
                j.map(|j| RecordingJob { job: j.job.claim(now, lease).expect("due"), ..j.clone() })
            })
            .await
            .expect("claimed");
        app.clock.advance(lease + time::Duration::seconds(1));

        // The provider is fixed; the operator puts both back in line.
        provider.unredirect("/r/6.mp3");
        let filter = ccbridge_admin::JobFilter::default();
        let failed_id = job(&stack, &failing).await.job_id;
        let one = ccbridge_admin::requeue_jobs(
            &app.store,
            ccbridge_admin::Requeue::One(failed_id.clone()),
            &filter,
            app.clock.now(),
            |_, _| {},
        )
        .await
        .expect("requeued");
        assert_eq!(one.requeued, vec![failed_id]);
        let progress = Arc::new(Mutex::new(Vec::new()));
        let seen = progress.clone();
        let all = ccbridge_admin::requeue_jobs(
            &app.store,
            ccbridge_admin::Requeue::All { which: ccbridge_admin::Requeueable::Both },
            &filter,
            app.clock.now(),
            move |done, total| seen.lock().expect("progress").push((done, total)),
        )
        .await
        .expect("requeued");
        assert_eq!(all.requeued, vec![job(&stack, &stuck).await.job_id], "the stuck one; the first is pending now");
        assert!(!progress.lock().expect("progress").is_empty(), "progress was reported");
        for key in [&failing, &stuck] {
            let requeued = job(&stack, key).await;
            assert_eq!((requeued.job.status, requeued.job.attempts), (JobStatus::Pending, 0));
        }
        assert_eq!(sweep_now(&stack).await.done, 2);
        assert_eq!(job(&stack, &failing).await.job.status, JobStatus::Done);
        assert_eq!(job(&stack, &stuck).await.job.status, JobStatus::Done);
    }
}

/// A writer collecting what the logs say.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn no_stored_or_logged_error_holds_a_urls_query() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
    let _logging = tracing::subscriber::set_default(subscriber);
    for backend in backends() {
        let stack = start(&backend).await;
        let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
        provider.fail_next("/r/8.mp3", 500, 10);
        // A signed link the provider refuses, and one to a port where nothing listens.
        let refused =
            add_job(&stack, 8, &format!("{}?X-Amz-Signature=s3cr3t-8&token=s3cr3t-8b", provider.url("/r/8.mp3"))).await;
        let closed = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
            let port = listener.local_addr().expect("addr").port();
            drop(listener);
            add_job(&stack, 9, &format!("http://127.0.0.1:{port}/r/9.mp3?token=s3cr3t-9")).await
        };
        sweep_now(&stack).await;
        stack.stack.app.clock.advance(minutes(30));
        sweep_now(&stack).await;
        for key in [&refused, &closed] {
            let failed = job(&stack, key).await;
            assert_eq!(failed.job.status, JobStatus::Failed, "{failed:?}");
            let error = failed.job.last_error.expect("a reason");
            assert!(!error.contains("s3cr3t") && !error.contains('?'), "{error}");
        }
    }
    let logged = String::from_utf8_lossy(&logs.0.lock().expect("logs")).into_owned();
    assert!(logged.contains("job failed"), "the failures were logged");
    assert!(!logged.contains("s3cr3t"), "no query string in the logs:\n{logged}");
}
