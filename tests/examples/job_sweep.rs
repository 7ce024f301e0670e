//! Benchmark (run by hand, not a test): drains a backlog of due recording jobs through the
//! local sweeper, on the embedded DynamoDB and S3 with a local provider serving small files,
//! and prints jobs per second and DynamoDB requests per job, next to the same number of plain
//! downloads from the provider as the reference measured in the same run.
//!
//! ```text
//! cargo run --release -p ccbridge-tests --example job_sweep [-- <jobs> [<concurrency>]]
//! ```

// A benchmark run by hand: a failed step stops it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Instant;

use ccbridge::App;
use ccbridge::config::ChannelId;
use ccbridge::jobs::sweep::{SweepSettings, sweep};
use ccbridge::recordings::job::RecordingJob;
use ccbridge::uis::call::CallSessionId;
use ccbridge::uis::recording::link_id;
use ccbridge_tests::provider::Provider;
use ccbridge_tests::{Backend, CONFIG, TestStack};
use futures::StreamExt;

const CHANNEL: &str = r#"
[[channel]]
kind = "uis"
id = "uis-bench"
token = "uis-bench-token-0001"
api_key = "uis-bench-api-key-0001"
recording_hosts = ["127.0.0.1"]
allow_insecure_loopback_recordings = true
"#;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let jobs: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let concurrency: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(8);
    let stack = TestStack::start_with(&Backend::Dynoxide, &format!("{CONFIG}{CHANNEL}")).await;
    let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
    let channel = ChannelId::try_from("uis-bench".to_string()).expect("id");
    let now = stack.stack.app.clock.now();
    let mut urls = Vec::new();
    for i in 0..jobs {
        let path = format!("/r/{i}.mp3");
        provider.add_file(&path, "audio/mpeg", vec![(i % 251) as u8; 2048]);
        let url = provider.url(&path);
        let job = RecordingJob::pending(&channel, CallSessionId(i + 1), &link_id(&url), &url, "127.0.0.1", None, now);
        stack.stack.app.store.put_new(&job).await.expect("job written");
        urls.push(url);
    }

    // The reference: the same downloads, with nothing around them.
    let http = ccbridge::outbound::download_client(std::time::Duration::from_secs(30)).expect("client");
    let started = Instant::now();
    futures::stream::iter(urls.iter())
        .map(|url| {
            let http = http.clone();
            async move { http.get(url).send().await.expect("download").bytes().await.expect("body").len() }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    let reference = started.elapsed().as_secs_f64();

    let (counted, calls) = stack.app_counting_calls();
    let app: Arc<App> = counted;
    let settings = SweepSettings { concurrency, page: 100, ..SweepSettings::default() };
    let started = Instant::now();
    let (mut done, mut sweeps) = (0, 0);
    while done < jobs as usize {
        let report = sweep(&app, &settings).await.expect("sweep");
        done += report.done;
        sweeps += 1;
        assert!(report.found > 0, "the sweep found nothing with {done} of {jobs} done");
    }
    let seconds = started.elapsed().as_secs_f64();
    let requests: usize = calls.take_counts().values().sum();
    println!("{jobs} due jobs, concurrency {concurrency}, {sweeps} sweeps");
    println!(
        "sweep:     {seconds:>7.2} s = {:>8.1} jobs/s, {:.2} DynamoDB requests per job",
        jobs as f64 / seconds,
        requests as f64 / jobs as f64
    );
    println!(
        "reference: {reference:>7.2} s = {:>8.1} downloads/s (the same files, nothing else)",
        jobs as f64 / reference
    );
    println!("ratio:     the sweep takes {:.1}x the plain downloads", seconds / reference);
}
