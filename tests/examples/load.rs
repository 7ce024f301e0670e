//! Benchmark part of `cargo xtask bench` (not a test): UIS notifications of distinct calls, with
//! duplicates and reorderings, sent to a running local stack over loopback at a fixed
//! concurrency; then every call and ticket is read back and checked.
//!
//! ```text
//! load --api http://127.0.0.1:3000 --dynamodb http://127.0.0.1:3001 [--count 50000] [--concurrency 64]
//! ```
//!
//! The stack runs with `tests/examples/load.toml` (one UIS channel). Call `i` is answered
//! (incoming, conversation, finished: a closed ticket) when `i` is even and lost (incoming,
//! finished: a ticket and an open callback) when odd; every fourth call has one notification
//! delivered twice, every third call's notifications come in reverse order, and the whole list
//! is shuffled in windows of [`WINDOW`], so deliveries of one call are in flight together.
//!
//! Prints a Markdown section: notifications per second for each tenth of the run, latency
//! percentiles, errors, and the verdict of the check. Exits non-zero on any error or any call,
//! ticket, notification or callback that is missing, doubled or wrong.

// A benchmark run by hand: a failed step stops it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};

const CHANNEL: &str = "uis-load";
const TOKEN: &str = "uis-load-token-0001";
/// The first call id; call `i` is `BASE + i`.
const BASE: u64 = 5_000_000_000;
/// Deliveries are shuffled within windows of this many.
const WINDOW: usize = 256;

struct Options {
    api: String,
    dynamodb: String,
    count: usize,
    concurrency: usize,
}

fn options() -> Options {
    let mut options = Options {
        api: "http://127.0.0.1:3000".into(),
        dynamodb: "http://127.0.0.1:3001".into(),
        count: 50_000,
        concurrency: 64,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--api" => options.api = value,
            "--dynamodb" => options.dynamodb = value,
            "--count" => options.count = value.parse().expect("--count: a number"),
            "--concurrency" => options.concurrency = value.parse().expect("--concurrency: a number"),
            other => panic!("unknown argument {other}"),
        }
    }
    options
}

/// A small deterministic generator (SplitMix64): the same run every time.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn answered(i: u64) -> bool {
    i.is_multiple_of(2)
}

/// The notifications of call `i`, in the order UIS would send them.
fn notifications(i: u64) -> Vec<(&'static str, String)> {
    let id = BASE + i;
    let phone = format!("7916{:07}", i % 10_000_000);
    let started = json!({
        "ud_channel_token": TOKEN, "call_session_id": id, "direction": "in", "contact_phone_number": phone,
        "virtual_phone_number": "74993720692", "start_time": "2026-11-21 10:15:03.412",
        "notification_time": "2026-11-21 10:15:03.520",
    });
    let conversation = json!({
        "ud_channel_token": TOKEN, "call_session_id": id, "direction": "in", "contact_phone_number": phone,
        "answer_time": "2026-11-21 10:15:21.004", "employee_id": 2001, "employee_full_name": "Иванова Ольга",
        "start_time": "2026-11-21 10:15:03.412", "notification_time": "2026-11-21 10:15:21.100",
    });
    let finished = json!({
        "ud_channel_token": TOKEN, "call_session_id": id, "direction": "in", "contact_phone_number": phone,
        "is_lost": !answered(i), "talk_time_duration": if answered(i) { 341 } else { 0 }, "wait_time_duration": 18,
        "finish_reason": "subscriber_disconnects", "finish_time": "2026-11-21 10:21:02.770",
        "start_time": "2026-11-21 10:15:03.412", "notification_time": "2026-11-21 10:21:03.015",
    });
    let mut all = vec![("incoming_call_started", started.to_string())];
    if answered(i) {
        all.push(("conversation_started", conversation.to_string()));
    }
    all.push(("call_finished", finished.to_string()));
    all
}

struct Plan {
    deliveries: Vec<(u64, &'static str, String)>,
    calls: u64,
    duplicates: usize,
    reordered: u64,
}

/// Deliveries of distinct calls until `count`, with the duplicates and reorderings above.
fn plan(count: usize) -> Plan {
    let mut plan = Plan { deliveries: Vec::with_capacity(count + 3), calls: 0, duplicates: 0, reordered: 0 };
    let mut mix = Mix(16);
    while plan.deliveries.len() < count {
        let i = plan.calls;
        let mut mine: Vec<_> = notifications(i).into_iter().map(|(kind, body)| (i, kind, body)).collect();
        let (reordered, duplicated) = (i.is_multiple_of(3), i.is_multiple_of(4));
        if reordered {
            mine.reverse();
        }
        if duplicated {
            let again = mine[mix.below(mine.len())].clone();
            mine.push(again);
        }
        let room = count - plan.deliveries.len();
        if mine.len() > room {
            break;
        }
        plan.deliveries.extend(mine);
        plan.calls += 1;
        plan.reordered += u64::from(reordered);
        plan.duplicates += usize::from(duplicated);
    }
    for window in plan.deliveries.chunks_mut(WINDOW) {
        for n in (1..window.len()).rev() {
            window.swap(n, mix.below(n + 1));
        }
    }
    plan
}

#[derive(Default)]
struct Outcome {
    /// Completion time since the start and latency of each delivery, in completion order.
    done: Vec<(Duration, Duration)>,
    errors: Vec<String>,
    unchanged: usize,
}

async fn send(options: &Options, plan: &Plan) -> (Outcome, Duration) {
    let http = reqwest::Client::builder().pool_max_idle_per_host(options.concurrency).build().expect("client");
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let step = (plan.deliveries.len() / 10).max(1);
    let progress = Arc::new(AtomicUsize::new(0));
    let workers = (0..options.concurrency).map(|_| {
        let (http, next, progress) = (http.clone(), next.clone(), progress.clone());
        async move {
            let mut outcome = Outcome::default();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, kind, body)) = plan.deliveries.get(n) else { return outcome };
                let sent = Instant::now();
                let response = http
                    .post(format!("{}/uis/webhook/{kind}", options.api))
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                let result = match response {
                    Ok(r) if r.status().is_success() => r.json::<Value>().await.map_err(|e| e.to_string()),
                    Ok(r) => Err(format!("{} {}", r.status(), r.text().await.unwrap_or_default())),
                    Err(e) => Err(e.to_string()),
                };
                let finished = Instant::now();
                outcome.done.push((finished - start, finished - sent));
                match result {
                    Ok(body) if body["result"] == "unchanged" => outcome.unchanged += 1,
                    Ok(_) => {}
                    Err(e) => outcome.errors.push(format!("{kind} #{n}: {e}")),
                }
                let total = progress.fetch_add(1, Ordering::Relaxed) + 1;
                if total.is_multiple_of(step) {
                    eprintln!("    {total} notifications in {:.1} s", start.elapsed().as_secs_f64());
                }
            }
        }
    });
    let outcomes = futures::future::join_all(workers).await;
    let elapsed = start.elapsed();
    let mut all = Outcome::default();
    for outcome in outcomes {
        all.done.extend(outcome.done);
        all.errors.extend(outcome.errors);
        all.unchanged += outcome.unchanged;
    }
    all.done.sort();
    (all, elapsed)
}

fn s(item: &HashMap<String, AttributeValue>, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

/// What is wrong with call `i` as the table holds it, if anything.
async fn check_call(dynamodb: &aws_sdk_dynamodb::Client, table: &str, i: u64) -> Option<String> {
    let pk = format!("CALL#{CHANNEL}#{}", BASE + i);
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let out = dynamodb
            .query()
            .table_name(table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", AttributeValue::S(pk.clone()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e) => return Some(format!("{pk}: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e))),
        };
        items.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() {
            break;
        }
    }
    let of = |kind: &str| items.iter().filter(|item| s(item, "type").as_deref() == Some(kind)).collect::<Vec<_>>();
    let (calls, tickets, events, callbacks) =
        (of("uis_call"), of("ticket"), of("uis_notification"), of("uis_callback"));
    let (state, status, notified) =
        if answered(i) { ("finished", "closed", 3) } else { ("lost", "callback_needed", 2) };
    let expected_callbacks = usize::from(!answered(i));
    if calls.len() != 1 || tickets.len() != 1 || events.len() != notified || callbacks.len() != expected_callbacks {
        return Some(format!(
            "{pk}: {} call(s), {} ticket(s), {} notification(s), {} callback(s); expected 1, 1, {notified}, {expected_callbacks}",
            calls.len(),
            tickets.len(),
            events.len(),
            callbacks.len()
        ));
    }
    if items.len() != 2 + notified + expected_callbacks {
        return Some(format!("{pk}: {} items, some of them unexpected", items.len()));
    }
    let (call, ticket) = (calls[0], tickets[0]);
    if s(call, "state").as_deref() != Some(state) || s(ticket, "status").as_deref() != Some(status) {
        return Some(format!(
            "{pk}: call {:?}, ticket {:?}; expected {state}, {status}",
            s(call, "state"),
            s(ticket, "status")
        ));
    }
    if s(call, "ticket_id").is_none() || s(call, "ticket_id") != s(ticket, "ticket_id") {
        return Some(format!("{pk}: the call and its ticket disagree on the ticket id"));
    }
    if s(call, "contact_id").is_none() || s(call, "contact_id") != s(ticket, "contact_id") {
        return Some(format!("{pk}: the call and its ticket disagree on the contact"));
    }
    None
}

async fn check(options: &Options, calls: u64) -> Vec<String> {
    let sdk = ccbridge_local::stack::sdk_config().await;
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(&options.dynamodb).build(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let workers = (0..options.concurrency).map(|_| {
        let (dynamodb, next) = (dynamodb.clone(), next.clone());
        async move {
            let mut wrong = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as u64;
                if i >= calls {
                    return wrong;
                }
                if let Some(problem) = check_call(&dynamodb, "ccbridge-local", i).await {
                    wrong.push(problem);
                }
            }
        }
    });
    futures::future::join_all(workers).await.into_iter().flatten().collect()
}

fn percentile(sorted: &[Duration], p: f64) -> String {
    let n = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    format!("{:.1} ms", sorted.get(n).map_or(0.0, |d| d.as_secs_f64() * 1000.0))
}

#[tokio::main]
async fn main() {
    let options = options();
    let plan = plan(options.count);
    let total = plan.deliveries.len();
    eprintln!("    {total} notifications of {} calls, concurrency {}", plan.calls, options.concurrency);
    let (outcome, elapsed) = send(&options, &plan).await;
    let checked = Instant::now();
    let wrong = check(&options, plan.calls).await;
    let check_time = checked.elapsed();

    println!("### The local stack under load\n");
    println!(
        "{total} UIS notifications of {} distinct calls (half answered, half lost; {} with a notification delivered \
         twice, {} in reverse order, all shuffled in windows of {WINDOW}) to `ccbridge-local serve` (release, fresh \
         data folder) over loopback at concurrency {}.\n",
        plan.calls, plan.duplicates, plan.reordered, options.concurrency
    );
    println!("| part of the run | notifications/s |\n|---|---|");
    let tenth = (total / 10).max(1);
    let mut previous = Duration::ZERO;
    for part in 0..10 {
        let end = if part == 9 { total } else { (part + 1) * tenth };
        let Some(&(at, _)) = outcome.done.get(end.saturating_sub(1)) else { break };
        let count = end - part * tenth;
        let span = (at - previous).as_secs_f64().max(f64::EPSILON);
        println!("| {}–{}% | {:.0} |", part * 10, part * 10 + 10, count as f64 / span);
        previous = at;
    }
    println!("| whole run ({:.1} s) | **{:.0}** |\n", elapsed.as_secs_f64(), total as f64 / elapsed.as_secs_f64());
    let mut latencies: Vec<Duration> = outcome.done.iter().map(|(_, latency)| *latency).collect();
    latencies.sort();
    println!(
        "Latency: p50 {}, p90 {}, p99 {}, p99.9 {}, max {}.\n",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.9),
        percentile(&latencies, 0.99),
        percentile(&latencies, 0.999),
        percentile(&latencies, 1.0)
    );
    println!(
        "Errors: **{}**. Deliveries answered `unchanged`: {} (the duplicates: {}).\n",
        outcome.errors.len(),
        outcome.unchanged,
        plan.duplicates
    );
    for error in outcome.errors.iter().take(5) {
        eprintln!("error: {error}");
    }
    for problem in wrong.iter().take(10) {
        eprintln!("wrong: {problem}");
    }
    let exact = wrong.is_empty() && outcome.errors.is_empty() && outcome.unchanged == plan.duplicates;
    if exact {
        println!(
            "Check ({:.1} s, one consistent Query per call): all {} calls exactly right — one call record, one ticket, \
             each distinct notification kept once, a callback for each lost call and none for an answered one; \
             nothing lost or doubled, with duplicates and reorderings at concurrency {}.\n",
            check_time.as_secs_f64(),
            plan.calls,
            options.concurrency
        );
    } else {
        println!(
            "Check: **FAILED** — {} of {} calls wrong, {} errors, {} `unchanged` answers for {} duplicates.\n",
            wrong.len(),
            plan.calls,
            outcome.errors.len(),
            outcome.unchanged,
            plan.duplicates
        );
        std::process::exit(1);
    }
}
