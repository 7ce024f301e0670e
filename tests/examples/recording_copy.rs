//! Benchmark (run by hand, not a test): copies a 1 GiB recording from a local provider into
//! the embedded S3 the way `recording-sync` does, and reports peak memory and throughput
//! against a plain download of the same file.
//!
//! ```text
//! TMPDIR=/dev/shm cargo run --release -p ccbridge-tests --example recording_copy [-- <MiB>]
//! ```
//!
//! Peak memory is the process's resident high-water mark (`VmHWM`), reset before each phase
//! through `/proc/self/clear_refs` (Linux). The provider and the S3 server run in this process,
//! so their buffers are included; put TMPDIR on a tmpfs so disk speed does not dominate.

// A benchmark run by hand: a failed step stops it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

use bytes::Bytes;
use ccbridge::recordings::download::copy_to_bucket;
use ccbridge::uis::recording::LinkPolicy;
use ccbridge_tests::provider::Provider;
use ccbridge_tests::{Backend, CONFIG, TestStack};
use futures::StreamExt;

const MIB: u64 = 1024 * 1024;
const PART_SIZE: usize = 8 * 1024 * 1024;

fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets the peak to the current resident size; returns that size in KiB.
fn reset_peak() -> u64 {
    if std::fs::write("/proc/self/clear_refs", "5").is_err() {
        eprintln!("note: /proc/self/clear_refs not writable; peaks include earlier phases");
    }
    status_kib("VmRSS:")
}

fn report(name: &str, bytes: u64, started: Instant, base_kib: u64) {
    let seconds = started.elapsed().as_secs_f64();
    let peak = status_kib("VmHWM:");
    println!(
        "{name:<28} {:>6} MiB in {seconds:>6.2} s = {:>7.1} MiB/s; RSS before {:>6.1} MiB, peak {:>6.1} MiB (+{:.1} MiB)",
        bytes / MIB,
        bytes as f64 / MIB as f64 / seconds,
        base_kib as f64 / 1024.0,
        peak as f64 / 1024.0,
        peak.saturating_sub(base_kib) as f64 / 1024.0,
    );
}

#[tokio::main]
async fn main() {
    let mib: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1024);
    let size = mib * MIB;
    let stack = TestStack::start_with(&Backend::Dynoxide, CONFIG).await;
    let provider = Provider::start(IpAddr::V4(Ipv4Addr::LOCALHOST)).await;
    let block: Bytes =
        (0..MIB as usize).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect::<Vec<_>>().into();
    provider.add_generated("/big.mp3", "audio/mpeg", block, size);
    let url = provider.url("/big.mp3");
    let http = ccbridge::outbound::download_client(std::time::Duration::from_secs(30)).expect("client");

    let base = reset_peak();
    let started = Instant::now();
    let mut body = http.get(&url).send().await.expect("download").bytes_stream();
    let mut received = 0u64;
    while let Some(chunk) = body.next().await {
        received += chunk.expect("chunk").len() as u64;
    }
    report("plain download", received, started, base);

    let hosts = vec![ccbridge::uis::recording::Host::try_from("127.0.0.1".to_string()).expect("host")];
    let policy = LinkPolicy { hosts: &hosts, insecure_loopback: true };
    let base = reset_peak();
    let started = Instant::now();
    let stored =
        copy_to_bucket(&http, policy, &url, &stack.stack.app.blobs, "recordings/bench/big", PART_SIZE, u64::MAX)
            .await
            .expect("copied");
    report("copy to S3 (8 MiB parts)", stored.size, started, base);
    println!("sha256 {}  md5 {}", stored.sha256, stored.md5);
}
