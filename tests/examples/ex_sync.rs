//! Benchmark (run by hand, not a test): the configuration sync of a large UIS account — 5,000
//! employees in 200 groups by default — planned and applied against the local Data API and the
//! local Genesys Cloud, both holding to their contracts, on the embedded DynamoDB; then planned
//! again, which must find nothing to do. Prints the requests each side received and the time of
//! each step, with the time of one Data API read of every employee as the reference measured in
//! the same run.
//!
//! ```text
//! cargo run --release -p ccbridge-tests --example ex_sync [-- <employees> [<groups>]]
//! ```

// A benchmark run by hand: a failed step stops it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use ccbridge::uis::config::UisChannel;
use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::uis_data_api::UisDataApi;
use ccbridge_tests::{Backend, TestStack, with_data_api};

const EX_LINE: &str = "ex = { time_zone = \"Europe/Moscow\" }";

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let employees: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5_000);
    let groups: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);

    let gc = GenesysCloud::start().await;
    let uis = UisDataApi::start().await;
    for n in 0..employees {
        uis.add_employee(3_000_000 + n, &format!("Сотрудник {n} Бенчмарков"));
    }
    let per_group = employees.div_ceil(groups.max(1));
    for g in 0..groups {
        let members: Vec<u64> = (g * per_group..((g + 1) * per_group).min(employees)).map(|n| 3_000_000 + n).collect();
        uis.add_group(100 + g, &format!("Группа {g}"), &members);
    }
    let config = gc.config("").replacen(EX_LINE, "ex = { time_zone = \"Europe/Moscow\", sync = {} }", 1);
    let stack = TestStack::start_with(&Backend::Dynoxide, &with_data_api(&config, &uis)).await;
    let app = &stack.stack.app;

    let started = Instant::now();
    let channel = app.config.all::<UisChannel>().find(|c| c.id.as_str() == "uis-demo").unwrap();
    let reference = ccbridge::uis::data_api::employees(&app.clients.uis_call_api, channel.data_api.as_ref().unwrap())
        .await
        .unwrap();
    let read = started.elapsed();
    assert_eq!(reference.items.len() as u64, employees + 2);

    let started = Instant::now();
    let plans = ccbridge_admin::plan_ex_sync(app, "genesys-demo").await.unwrap();
    let planned: usize = plans.iter().map(|p| p.actions.len()).sum();
    let plan_time = started.elapsed();

    let started = Instant::now();
    let mut last = Instant::now();
    let applied = ccbridge_admin::apply_ex_sync(
        app,
        "genesys-demo",
        |done, of, _| {
            if done == of || last.elapsed().as_secs() >= 5 {
                eprintln!("  {done}/{of}");
                last = Instant::now();
            }
        },
        async |after| tokio::time::sleep(after).await,
    )
    .await
    .unwrap();
    let apply_time = started.elapsed();
    let genesys_requests = gc.received().len();

    let started = Instant::now();
    let again: usize =
        ccbridge_admin::plan_ex_sync(app, "genesys-demo").await.unwrap().iter().map(|p| p.actions.len()).sum();
    let replan_time = started.elapsed();
    assert_eq!(again, 0, "a plan after the apply holds nothing");

    println!("employees {employees} (+2 of the test account), groups {groups}");
    println!("reference: one Data API read of every employee   {:>8.2} s", read.as_secs_f64());
    println!(
        "plan: {planned} changes                          {:>8.2} s  ({:.1}× the reference)",
        plan_time.as_secs_f64(),
        plan_time.as_secs_f64() / read.as_secs_f64()
    );
    println!(
        "apply: {applied} changes, {genesys_requests} Genesys requests ({:.2} a change)  {:>8.2} s",
        genesys_requests as f64 / applied.max(1) as f64,
        apply_time.as_secs_f64()
    );
    println!("plan again: 0 changes, no Genesys request         {:>8.2} s", replan_time.as_secs_f64());
    println!("Data API requests (points): {}", uis.received().len());
}
