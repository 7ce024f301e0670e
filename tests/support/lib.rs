//! The end-to-end test harness: a stack per test on a real-protocol DynamoDB (embedded dynoxide,
//! or the official DynamoDB Local the test command starts) and an S3 server over HTTP, with the
//! functions served on loopback through the same router as the local stack.

// A harness for tests: a broken expectation here is a failed test, so it may panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod browser;
pub mod faults;
pub mod genesys_cloud;
pub mod jsonrpc;
pub mod provider;
pub mod uis_call_api;
pub mod uis_data_api;

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use ccbridge::App;
use ccbridge::store::Store;

use ccbridge::config::Config;
use ccbridge_local::stack::{DynamoDb, Options, Stack};

/// Set by the test command to DynamoDB Local's endpoint.
pub const DYNAMODB_LOCAL_ENV: &str = "CCBRIDGE_TEST_DYNAMODB_LOCAL";
/// Set by the test command so that a missing DynamoDB Local fails the run instead of being
/// skipped.
pub const REQUIRE_ENV: &str = "CCBRIDGE_TEST_REQUIRE_DYNAMODB_LOCAL";

/// The configuration the tests run with.
pub const CONFIG: &str = include_str!("config.toml");

/// The keys of the second tenant's channels in [`config_with_other_tenant`].
pub const OTHER_UIS_TOKEN: &str = "uis-other-token-0001";
pub const OTHER_UIS_KEY: &str = "uis-other-api-key-0001";
pub const OTHER_WDE_KEY: &str = "OtherTenantWdeKey0000000000000001";

/// [`CONFIG`] plus a UIS and a WDE channel of the tenant `other`, for what one tenant must not
/// see of another's; `wde_extra` ends the WDE channel's table.
pub fn config_with_other_tenant(wde_extra: &str) -> String {
    format!(
        "{CONFIG}
[[channel]]
kind = \"uis\"
id = \"uis-other\"
tenant = \"other\"
token = \"{OTHER_UIS_TOKEN}\"
api_key = \"{OTHER_UIS_KEY}\"
recording_hosts = [\"app.uiscom.ru\"]

[[channel]]
kind = \"wde\"
id = \"wde-other\"
tenant = \"other\"
api_key = \"{OTHER_WDE_KEY}\"
card_secret = \"wde-other-card-secret-000000000001\"
operators = {{ \"agent01\" = \"nowak\" }}
{wde_extra}"
    )
}

/// The `uis-demo` channel's `data_api.url` in [`CONFIG`]: a closed port until a test points it
/// at its [`uis_data_api::UisDataApi`] with [`with_data_api`].
pub const DATA_API_URL: &str = "http://127.0.0.1:1/v2.0";

/// `config` with the `uis-demo` channel's Data API at `server`.
pub fn with_data_api(config: &str, server: &uis_data_api::UisDataApi) -> String {
    assert!(config.contains(DATA_API_URL), "the configuration names the Data API placeholder");
    config.replacen(DATA_API_URL, &server.url(), 1)
}

/// A DynamoDB implementation the tests run against.
#[derive(Debug, Clone)]
pub enum Backend {
    Dynoxide,
    DynamoDbLocal(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Dynoxide => "dynoxide",
            Self::DynamoDbLocal(_) => "DynamoDB Local",
        }
    }
}

/// dynoxide always; DynamoDB Local when the test command started it.
pub fn backends() -> Vec<Backend> {
    let mut all = vec![Backend::Dynoxide];
    match std::env::var(DYNAMODB_LOCAL_ENV) {
        Ok(endpoint) if !endpoint.is_empty() => all.push(Backend::DynamoDbLocal(endpoint)),
        _ if std::env::var_os(REQUIRE_ENV).is_some() => {
            panic!("{REQUIRE_ENV} is set but {DYNAMODB_LOCAL_ENV} is not: DynamoDB Local did not start")
        }
        _ => eprintln!("note: {DYNAMODB_LOCAL_ENV} is not set; running on dynoxide only"),
    }
    all
}

fn any_port() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
}

/// One test's stack: its own table and bucket, its API on an ephemeral port.
pub struct TestStack {
    pub stack: Stack,
    pub backend: Backend,
    pub base_url: String,
    pub http: reqwest::Client,
    s3_root_dir: tempfile::TempDir,
}

impl TestStack {
    pub async fn start(backend: &Backend) -> Self {
        Self::start_with(backend, CONFIG).await
    }

    pub async fn start_with(backend: &Backend, config: &str) -> Self {
        let config = Config::parse(config).expect("test configuration");
        let s3_root = tempfile::tempdir().expect("temporary folder");
        let unique = uuid();
        let dynamodb = match backend {
            Backend::Dynoxide => DynamoDb::Embedded { addr: any_port(), path: None },
            Backend::DynamoDbLocal(endpoint) => DynamoDb::External { endpoint: endpoint.clone() },
        };
        let options = Options {
            dynamodb,
            s3_addr: any_port(),
            s3_root: s3_root.path().to_path_buf(),
            table: format!("ccbridge-test-{unique}"),
            bucket: format!("ccbridge-test-{unique}"),
        };
        let stack = Stack::start(options, config).await.expect("stack starts");
        let addr = stack.serve(any_port(), ccbridge_local::FUNCTIONS).await.expect("API serves");
        Self {
            stack,
            backend: backend.clone(),
            base_url: format!("http://{addr}"),
            http: reqwest::Client::new(),
            s3_root_dir: s3_root,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub fn dynamodb(&self) -> &aws_sdk_dynamodb::Client {
        self.stack.app.store.client()
    }

    pub fn s3(&self) -> &aws_sdk_s3::Client {
        self.stack.app.blobs.client()
    }

    /// The folder the S3 server keeps its objects and upload state in.
    pub fn s3_root(&self) -> &std::path::Path {
        self.s3_root_dir.path()
    }

    pub fn table(&self) -> &str {
        self.stack.app.store.table()
    }

    pub fn bucket(&self) -> &str {
        self.stack.app.blobs.bucket()
    }

    /// The stack's state with a DynamoDB client that records every request it sends.
    pub fn app_counting_calls(&self) -> (Arc<App>, DynamoDbCalls) {
        let calls = DynamoDbCalls::default();
        let config = self.dynamodb().config().to_builder().interceptor(calls.clone()).build();
        let store = Store::new(aws_sdk_dynamodb::Client::from_conf(config), self.table());
        (Arc::new(App { store, ..(*self.stack.app).clone() }), calls)
    }

    /// How many items of `kind` (their `type`) the table holds.
    pub async fn count_items(&self, kind: &str) -> usize {
        count_of_type(&self.scan_all().await, kind)
    }

    /// Every item in the table, for assertions on what was (not) written.
    pub async fn scan_all(&self) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let out = self
                .dynamodb()
                .scan()
                .table_name(self.table())
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan");
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return items;
            }
        }
    }
}

fn uuid() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{:x}-{}-{}", nanos, std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Runs `scenario` once on each backend, on a fresh stack that lives until it returns.
pub async fn on_each_backend(scenario: impl AsyncFn(&TestStack)) {
    on_each_backend_with(CONFIG, scenario).await;
}

/// [`on_each_backend`] with another configuration document.
pub async fn on_each_backend_with(config: &str, scenario: impl AsyncFn(&TestStack)) {
    for backend in backends() {
        eprintln!("-- on {}", backend.name());
        let stack = TestStack::start_with(&backend, config).await;
        scenario(&stack).await;
    }
}

/// The DynamoDB operation (`GetItem`, `TransactWriteItems`, …) of every request a client sent,
/// retries included: round trips are counted, not guessed.
#[derive(Debug, Clone, Default)]
pub struct DynamoDbCalls(Arc<Mutex<Vec<String>>>);

impl DynamoDbCalls {
    /// The operations sent since the last call, in order.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.0.lock().expect("calls"))
    }

    /// The operations sent since the last call, counted by name.
    pub fn take_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for operation in self.take() {
            *counts.entry(operation).or_default() += 1;
        }
        counts
    }
}

impl Intercept for DynamoDbCalls {
    fn name(&self) -> &'static str {
        "DynamoDbCalls"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let target = context.request().headers().get("x-amz-target").unwrap_or("?");
        let operation = target.rsplit('.').next().unwrap_or(target).to_string();
        self.0.lock().expect("calls").push(operation);
        Ok(())
    }
}

/// How many of `items` are of `kind` (their `type`).
pub fn count_of_type(
    items: &[std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>],
    kind: &str,
) -> usize {
    items.iter().filter(|i| i.get("type").and_then(|t| t.as_s().ok()).is_some_and(|t| t == kind)).count()
}

/// Expected operation counts, for comparing with [`DynamoDbCalls::take_counts`].
pub fn counts(expected: &[(&str, usize)]) -> BTreeMap<String, usize> {
    expected.iter().map(|(op, n)| ((*op).to_string(), *n)).collect()
}
