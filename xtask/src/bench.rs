//! `cargo xtask bench [--long] [--no-build]`: the performance figures, measured side by side in
//! one run (`--no-build` measures the release binaries already built, for a second reading).
//!
//! 1. Builds the functions as they are deployed (`cargo build --release`: the default members,
//!    without the test-only features), then the local stack and the benchmark programs of
//!    `tests/examples` it runs with the same profile, among them `hello_lambda`, a hello-world
//!    `lambda_http` function: the reference every cold start is read against.
//! 2. Bootstrap sizes.
//! 3. Cold starts: each function is spawned against a Lambda Runtime API in this process
//!    ([`crate::runtime_api`]) on a fresh local stack's DynamoDB and S3; init is spawn → first
//!    `GET /runtime/invocation/next`, then the first and the second invocation are timed, each
//!    with an event of its own (a new call, a new interaction). Medians of [`RUNS`] cold starts.
//!    Once more with the configuration read from an SSM `GetParameter`, as deployed.
//! 4. DynamoDB requests per webhook, first delivery and duplicate, on dynoxide and on DynamoDB
//!    Local (`tests/examples/round_trips.rs`).
//! 5. The local stack under load (`tests/examples/load.rs`) on a fresh data folder: 50,000
//!    notifications, or 1,000,000 with `--long`.
//!
//! The tables go to the standard output and into `docs/benchmarks.md`, between its
//! [`BEGIN`] and [`END`] markers. Not part of the test command: timings are for reading, not for
//! failing a build; only the load check's own verdict (nothing lost or doubled) fails the run.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::runtime_api::{ColdStart, RuntimeApi, Ssm};
use crate::{DynamoDbLocal, root, run};

/// Cold starts per function; the medians are reported.
const RUNS: usize = 7;
/// Notifications of the load run, and of its long mode.
const LOAD_COUNT: u64 = 50_000;
const LOAD_COUNT_LONG: u64 = 1_000_000;
/// Where the generated tables go in `docs/benchmarks.md`.
const BEGIN: &str = "<!-- cargo xtask bench: begin -->";
const END: &str = "<!-- cargo xtask bench: end -->";
/// The SSM parameter a deployed function reads its configuration from.
const PARAMETER: &str = "/ccbridge/config";
/// The reference binary (`tests/examples/hello_lambda.rs`).
const HELLO: &str = "hello_lambda";

/// How a function's sample is made into an event of its own, so the second invocation does
/// the same work as the first instead of finding a duplicate.
#[derive(Debug, Clone, Copy)]
enum Fresh {
    /// Nothing in it is written; the same event twice.
    Same,
    /// A UIS notification: a new `call_session_id`.
    UisCall,
    /// A WDE request: a new `GenesysIDInteraction`, authenticated by key instead of a
    /// signature of the original body.
    WdeInteraction,
    /// Pushed agent states: a later time.
    AgentStates,
    /// CRM records: new external ids, so each invocation creates its records.
    CrmImport,
}

/// The invocations measured: function, sample under `events/` (or an inline event), how each
/// invocation gets its own. Functions not listed talk to Genesys Cloud or the UIS Call API on
/// their first request; only their init is measured.
const INVOKED: &[(&str, &str, Fresh)] = &[
    ("status", "status/get.json", Fresh::Same),
    ("uis-call-started", "uis-call-started/incoming_call_started.json", Fresh::UisCall),
    ("uis-call-finished", "uis-call-finished/call_finished_lost.json", Fresh::UisCall),
    ("wde-interaction", "wde-interaction/01-register-interaction.json", Fresh::WdeInteraction),
    ("agent-states", "agent-states/1_shift_start.json", Fresh::AgentStates),
    ("uis-history", "uis-history/contact_by_phone.json", Fresh::Same),
    ("uis-callbacks", "uis-callbacks/callbacks_list.json", Fresh::Same),
    ("crm-import", "crm-import/1_companies.json", Fresh::CrmImport),
    ("screen-pop", "screen-pop/expired-link-403.json", Fresh::Same),
    ("job-sweeper", "{}", Fresh::Same),
    ("recording-sync", r#"{"Records":[]}"#, Fresh::Same),
];

/// The webhooks, whose first invocation has a goal.
const WEBHOOKS: &[&str] = &["uis-call-started", "uis-call-finished", "wde-interaction", "agent-states"];

pub fn bench(args: &[String]) -> Result<(), String> {
    let mut long = false;
    let mut build = true;
    for arg in args {
        match arg.as_str() {
            "--long" => long = true,
            "--no-build" => build = false,
            _ => return Err("usage: cargo xtask bench [--long] [--no-build]".into()),
        }
    }
    let root = root();
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let release = if target.is_absolute() { target.join("release") } else { root.join(target).join("release") };
    let scratch = tempfile_dir()?;
    let mut doc = String::new();

    if build {
        let started = crate::step("cargo build --release (the functions, as deployed)");
        run(Command::new("cargo").args(["build", "--release"]).current_dir(&root))?;
        crate::done(started);
        let started = crate::step("cargo build --release (the local stack and the benchmark programs)");
        run(Command::new("cargo").args(["build", "--release", "-p", "ccbridge-local"]).current_dir(&root))?;
        let mut examples = Command::new("cargo");
        examples.args(["build", "--release", "-p", "ccbridge-tests"]);
        for example in [HELLO, "init_pieces", "round_trips", "load"] {
            examples.args(["--example", example]);
        }
        run(examples.current_dir(&root))?;
        crate::done(started);
    }

    let functions = function_names(&root)?;
    let hello = release.join("examples").join(HELLO);

    let started = crate::step("bootstrap sizes");
    let section = sizes(&release, &functions, &hello)?;
    println!("{section}");
    doc.push_str(&section);
    crate::done(started);

    let started = crate::step("cold starts");
    let stack = LocalStack::start(&release, &scratch.join("cold"), &root.join("local/ccbridge.toml"))?;
    let section = cold_starts(&root, &release, &functions, &hello, &stack)?;
    drop(stack);
    println!("{section}");
    doc.push_str(&section);
    crate::done(started);

    let started = crate::step("DynamoDB requests per webhook (dynoxide and DynamoDB Local)");
    let tools = root.join("target").join("tools");
    crate::ensure_dynamodb_local(&tools)?;
    let dynamodb_local = DynamoDbLocal::start(&tools)?;
    let output = Command::new(release.join("examples").join("round_trips"))
        .env(crate::DYNAMODB_LOCAL_ENV, &dynamodb_local.endpoint)
        .current_dir(&root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("round_trips: {e}"))?;
    drop(dynamodb_local);
    if !output.status.success() {
        return Err(format!("round_trips failed with {}", output.status));
    }
    // The functions print their metrics (embedded-metric-format JSON) on the same output.
    let section: String = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter(|l| !l.starts_with('{'))
        .map(|l| format!("{l}\n"))
        .collect();
    println!("{section}");
    doc.push_str(&section);
    crate::done(started);

    let count = if long { LOAD_COUNT_LONG } else { LOAD_COUNT };
    let started = crate::step(&format!("the local stack under load: {count} notifications at concurrency 64"));
    let config = root.join("tests/examples/load.toml");
    let stack = LocalStack::start(&release, &scratch.join("load"), &config)?;
    let output = Command::new(release.join("examples").join("load"))
        .args(["--api", &stack.api, "--dynamodb", &stack.dynamodb, "--count", &count.to_string()])
        .current_dir(&root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("load: {e}"))?;
    let data = folder_size(&scratch.join("load"));
    drop(stack);
    let mut section = String::from_utf8_lossy(&output.stdout).into_owned();
    section.push_str(&format!("\nData folder after the run: {:.0} MiB.\n\n", data as f64 / 1_048_576.0));
    println!("{section}");
    doc.push_str(&section);
    crate::done(started);
    let _ = std::fs::remove_dir_all(&scratch);

    write_doc(&root.join("docs/benchmarks.md"), &doc, long, build)?;
    println!("tables written to docs/benchmarks.md");
    if output.status.success() { Ok(()) } else { Err(format!("the load check failed ({})", output.status)) }
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("ccbridge-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn function_names(root: &Path) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("functions"))
        .map_err(|e| format!("functions/: {e}"))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    Ok(names)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

fn sizes(release: &Path, functions: &[String], hello: &Path) -> Result<String, String> {
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).map_err(|e| format!("{}: {e}", path.display()));
    let reference = size(hello)?;
    let mut out = String::from(
        "### Bootstrap sizes (x86_64, release profile)\n\n| binary | size | vs hello world |\n|---|---|---|\n",
    );
    out.push_str(&format!("| {HELLO} (reference) | {} | 1.0× |\n", mib(reference)));
    for name in functions {
        let bytes = size(&release.join(name))?;
        out.push_str(&format!("| {name} | {} | {:.1}× |\n", mib(bytes), bytes as f64 / reference as f64));
    }
    out.push('\n');
    Ok(out)
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("find a free port: {e}"))
}

fn wait_for(port: u16, child: &mut Child, what: &str) -> Result<(), String> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("{what} exited with {status}"));
        }
        if Instant::now() > deadline {
            return Err(format!("{what} did not listen within 60 s"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// `ccbridge-local serve` (release) on a fresh data folder; stopped when dropped.
struct LocalStack {
    child: Child,
    api: String,
    dynamodb: String,
    s3: String,
}

impl LocalStack {
    fn start(release: &Path, data: &Path, config: &Path) -> Result<Self, String> {
        let _ = std::fs::remove_dir_all(data);
        let (api, dynamodb, s3) = (free_port()?, free_port()?, free_port()?);
        let mut child = Command::new(release.join("ccbridge-local"))
            .arg("--data-dir")
            .arg(data)
            .arg("--config")
            .arg(config)
            .args(["serve", "--port", &api.to_string(), "--dynamodb-port", &dynamodb.to_string()])
            .args(["--s3-port", &s3.to_string()])
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("start the local stack: {e}"))?;
        wait_for(api, &mut child, "the local stack")?;
        Ok(Self {
            child,
            api: format!("http://127.0.0.1:{api}"),
            dynamodb: format!("http://127.0.0.1:{dynamodb}"),
            s3: format!("http://127.0.0.1:{s3}"),
        })
    }
}

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The event of invocation `n` of `function`: its sample made fresh (see [`Fresh`]).
fn event(root: &Path, sample: &str, fresh: Fresh, n: u64) -> Result<String, String> {
    if sample.starts_with('{') {
        return Ok(sample.to_owned());
    }
    let path = root.join("events").join(sample);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut event: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let body = event["body"].as_str().unwrap_or_default();
    let mut body: serde_json::Value = match fresh {
        Fresh::Same => return Ok(text),
        _ => serde_json::from_str(body).map_err(|e| format!("{}: body: {e}", path.display()))?,
    };
    match fresh {
        Fresh::Same => {}
        Fresh::UisCall => {
            let id = serde_json::json!(8_000_000_000u64 + n);
            body["call_session_id"] = id.clone();
            body["communication_id"] = id;
        }
        Fresh::WdeInteraction => {
            body["GenesysIDInteraction"] = serde_json::json!(format!("bench{n:012}"));
            if let Some(headers) = event["headers"].as_object_mut() {
                headers.remove("x-api-signature");
                headers.insert("x-api-key".into(), serde_json::json!(wde_api_key(root)?));
            }
        }
        Fresh::AgentStates => {
            for state in body["states"].as_array_mut().into_iter().flatten() {
                let (minutes, seconds) = (n / 60 % 60, n % 60);
                state["time"] = serde_json::json!(format!("2026-11-21T10:{minutes:02}:{seconds:02}+03:00"));
            }
        }
        Fresh::CrmImport => {
            for list in ["contacts", "companies"] {
                // `get_mut`: indexing a missing list would add it as `null`, which the API refuses.
                for record in body.get_mut(list).and_then(|l| l.as_array_mut()).into_iter().flatten() {
                    let id = record["external_id"].as_str().unwrap_or_default().to_owned();
                    record["external_id"] = serde_json::json!(format!("{id}-bench{n}"));
                }
            }
        }
    }
    event["body"] = serde_json::json!(body.to_string());
    Ok(event.to_string())
}

/// The WDE channel's API key in the local configuration.
fn wde_api_key(root: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join("local/ccbridge.toml")).map_err(|e| e.to_string())?;
    let wde = text.split("[[channel]]").find(|c| c.contains("kind = \"wde\"")).ok_or("no WDE channel")?;
    wde.lines()
        .find_map(|l| l.trim().strip_prefix("api_key = \"").and_then(|v| v.strip_suffix('"')))
        .map(str::to_owned)
        .ok_or_else(|| "the WDE channel has no api_key".into())
}

/// The environment of a deployed function, pointed at the local stack.
fn lambda_env(command: &mut Command, name: &str, stack: &LocalStack, runtime_port: u16) {
    command
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{runtime_port}"))
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "ccbridgelocal")
        .env("AWS_SECRET_ACCESS_KEY", "ccbridgelocalsecret")
        .env("AWS_ENDPOINT_URL_DYNAMODB", &stack.dynamodb)
        .env("AWS_ENDPOINT_URL_S3", &stack.s3)
        .env("TABLE_NAME", "ccbridge-local")
        .env("BUCKET_NAME", "ccbridge-local")
        .env("AWS_LAMBDA_LOG_LEVEL", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
}

/// One cold start of `binary` handed `events`.
fn cold_start(binary: &Path, events: Vec<String>, setup: impl FnOnce(&mut Command, u16)) -> Result<ColdStart, String> {
    let count = events.len();
    let api = RuntimeApi::start(events)?;
    let mut command = Command::new(binary);
    setup(&mut command, api.port);
    let spawned = Instant::now();
    let mut child = command.spawn().map_err(|e| format!("{}: {e}", binary.display()))?;
    let result = api.follow(spawned, count, Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    result.map_err(|e| format!("{}: {e}", binary.display()))
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn cold_starts(
    root: &Path,
    release: &Path,
    functions: &[String],
    hello: &Path,
    stack: &LocalStack,
) -> Result<String, String> {
    let mut n = 0u64;
    let mut fresh_events = |sample: &str, fresh: Fresh| -> Result<Vec<String>, String> {
        n += 2;
        Ok(vec![event(root, sample, fresh, n - 1)?, event(root, sample, fresh, n)?])
    };
    let hello_event = event(root, "status/get.json", Fresh::Same, 0)?;
    let mut hello_runs = Vec::new();
    for _ in 0..RUNS {
        hello_runs.push(cold_start(hello, vec![hello_event.clone(), hello_event.clone()], |c, port| {
            lambda_env(c, HELLO, stack, port)
        })?);
    }
    let reference = median(hello_runs.iter().map(|r| r.init).collect());
    let mut out = format!(
        "### Cold start (medians of {RUNS}; Runtime API and local stack on loopback)\n\n\
         Init is spawn → first `GET /runtime/invocation/next`. Each invocation has an event of its own.\n\n\
         | function | init | vs hello world | 1st invocation | 2nd invocation | 1st / 2nd | status |\n|---|---|---|---|---|---|---|\n"
    );
    let hello_first = median(hello_runs.iter().map(|r| r.invocations[0]).collect());
    let hello_second = median(hello_runs.iter().map(|r| r.invocations[1]).collect());
    out.push_str(&format!(
        "| {HELLO} (reference) | {} | 1.0× | {} | {} | {:.1}× | 200 |\n",
        ms(reference),
        ms(hello_first),
        ms(hello_second),
        hello_first.as_secs_f64() / hello_second.as_secs_f64()
    ));
    let mut worst_init: f64 = 0.0;
    let mut worst_first: f64 = 0.0;
    for name in functions {
        let invoked = INVOKED.iter().find(|(f, ..)| f == name);
        let mut runs = Vec::new();
        for _ in 0..RUNS {
            let events = match invoked {
                Some((_, sample, fresh)) => fresh_events(sample, *fresh)?,
                None => Vec::new(),
            };
            runs.push(cold_start(&release.join(name), events, |c, port| {
                lambda_env(c, name, stack, port);
                c.env("CCBRIDGE_CONFIG_FILE", root.join("local/ccbridge.toml"));
            })?);
        }
        let init = median(runs.iter().map(|r| r.init).collect());
        let ratio = init.as_secs_f64() / reference.as_secs_f64();
        worst_init = worst_init.max(ratio);
        if invoked.is_some() {
            let first = median(runs.iter().map(|r| r.invocations[0]).collect());
            let second = median(runs.iter().map(|r| r.invocations[1]).collect());
            let first_ratio = first.as_secs_f64() / second.as_secs_f64();
            if WEBHOOKS.contains(&name.as_str()) {
                worst_first = worst_first.max(first_ratio);
            }
            let statuses: Vec<String> =
                runs[0].statuses.iter().map(|s| s.map_or("-".into(), |s| s.to_string())).collect();
            out.push_str(&format!(
                "| {name} | {} | {ratio:.1}× | {} | {} | {first_ratio:.1}× | {} |\n",
                ms(init),
                ms(first),
                ms(second),
                statuses.join(", ")
            ));
        } else {
            out.push_str(&format!("| {name} | {} | {ratio:.1}× | – | – | – | init only |\n", ms(init)));
        }
    }
    out.push_str(&format!(
        "\nWorst init: {worst_init:.1}× the hello world (goal ≤ 1.5×). Worst first webhook invocation: \
         {worst_first:.1}× its second (goal ≤ 2×).\n\n"
    ));

    out.push_str(&init_pieces(root, release, stack)?);

    let document = std::fs::read_to_string(root.join("local/ccbridge.toml")).map_err(|e| e.to_string())?;
    let ssm = Ssm::start(PARAMETER, document)?;
    let mut runs = Vec::new();
    let mut requests = Vec::new();
    for _ in 0..RUNS {
        let events = fresh_events("uis-call-finished/call_finished_lost.json", Fresh::UisCall)?;
        runs.push(cold_start(&release.join("uis-call-finished"), events, |c, port| {
            lambda_env(c, "uis-call-finished", stack, port);
            c.env("CCBRIDGE_CONFIG_PARAMETER", PARAMETER)
                .env("AWS_ENDPOINT_URL_SSM", format!("http://127.0.0.1:{}", ssm.port));
        })?);
        requests.push(ssm.take_requests());
    }
    let init = median(runs.iter().map(|r| r.init).collect());
    out.push_str(&format!(
        "Configuration from SSM (`uis-call-finished`, `GetParameter` served on loopback): init {} ({:.1}× the hello \
         world), {} request(s) per cold start (goal: one).\n\n",
        ms(init),
        init.as_secs_f64() / reference.as_secs_f64(),
        requests.iter().max().copied().unwrap_or(0)
    ));
    Ok(out)
}

/// Medians of `init_pieces` over [`RUNS`] fresh processes.
fn init_pieces(root: &Path, release: &Path, stack: &LocalStack) -> Result<String, String> {
    let mut pieces: Vec<(String, Vec<Duration>)> = Vec::new();
    for _ in 0..RUNS {
        let mut command = Command::new(release.join("examples").join("init_pieces"));
        lambda_env(&mut command, "init_pieces", stack, 0);
        let output = command
            .env("CCBRIDGE_CONFIG_FILE", root.join("local/ccbridge.toml"))
            .stdout(Stdio::piped())
            .output()
            .map_err(|e| format!("init_pieces: {e}"))?;
        if !output.status.success() {
            return Err(format!("init_pieces failed with {}", output.status));
        }
        for (n, line) in String::from_utf8_lossy(&output.stdout).lines().enumerate() {
            let Some((name, micros)) = line.split_once('\t') else { continue };
            let took = Duration::from_micros(micros.trim().parse().unwrap_or(0));
            match pieces.get_mut(n) {
                Some((_, times)) => times.push(took),
                None => pieces.push((name.to_owned(), vec![took])),
            }
        }
    }
    let mut out = String::from(
        "Init and first use, piece by piece (`tests/examples/init_pieces.rs`, medians of fresh processes):\n\n\
         | piece | time |\n|---|---|\n",
    );
    for (name, times) in pieces {
        out.push_str(&format!("| {name} | {} |\n", ms(median(times))));
    }
    out.push('\n');
    Ok(out)
}

fn folder_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else { return 0 };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => folder_size(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

/// Puts `tables` between the markers of `path`, keeping what is written around them.
fn write_doc(path: &Path, tables: &str, long: bool, build: bool) -> Result<(), String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| format!("# Benchmarks\n\n{BEGIN}\n{END}\n"));
    let (before, rest) = text.split_once(BEGIN).ok_or_else(|| format!("{} has no {BEGIN}", path.display()))?;
    let (_, after) = rest.split_once(END).ok_or_else(|| format!("{} has no {END}", path.display()))?;
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mode = match (long, build) {
        (true, true) => "`cargo xtask bench --long`",
        (false, true) => "`cargo xtask bench`",
        (true, false) => "`cargo xtask bench --long --no-build`",
        (false, false) => "`cargo xtask bench --no-build`",
    };
    let generated = format!("{BEGIN}\n\nWritten by {mode} on {cpus} CPU(s).\n\n{tables}{END}");
    std::fs::write(path, format!("{before}{generated}{after}")).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_import_renames_its_records_and_adds_no_list() {
        let fresh = event(&crate::root(), "crm-import/1_companies.json", Fresh::CrmImport, 3).expect("event");
        let event: serde_json::Value = serde_json::from_str(&fresh).expect("JSON");
        let body: serde_json::Value = serde_json::from_str(event["body"].as_str().expect("body")).expect("body JSON");
        assert!(body.get("contacts").is_none(), "{body}");
        let ids: Vec<&str> =
            body["companies"].as_array().expect("companies").iter().filter_map(|c| c["external_id"].as_str()).collect();
        assert_eq!(ids, ["ACC-1001-bench3", "ACC-1002-bench3"]);
    }
}
