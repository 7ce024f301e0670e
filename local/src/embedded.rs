//! Real-protocol DynamoDB and S3 servers started in-process on loopback.

use std::net::SocketAddr;
use std::path::Path;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_types::body::SdkBody;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder as ConnBuilder;
use s3s::auth::SimpleAuth;
use s3s::service::S3ServiceBuilder;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The key pair of the local stack: the embedded S3 checks it, DynamoDB Local wants letters
/// and digits only.
pub const ACCESS_KEY: &str = "ccbridgelocal";
pub const SECRET_KEY: &str = "ccbridgelocalsecret";

#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
    #[error("bind {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("DynamoDB database {path}: {message}")]
    Database { path: String, message: String },
    #[error("start the embedded DynamoDB's thread: {0}")]
    Thread(std::io::Error),
    #[error("S3 folder {path}: {message}")]
    Folder { path: String, message: String },
}

/// Stops the servers started with it when dropped.
#[derive(Debug)]
pub struct Shutdown(watch::Sender<bool>);

impl Shutdown {
    pub fn new() -> Self {
        Self(watch::channel(false).0)
    }

    /// A receiver that sees `true` once the stack stops.
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.0.subscribe()
    }

    fn signal(&self) -> impl Future<Output = ()> + Send + 'static {
        let mut rx = self.0.subscribe();
        async move {
            let _ = rx.wait_for(|stop| *stop).await;
        }
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Shutdown {
    fn drop(&mut self) {
        let _ = self.0.send(true);
    }
}

async fn bind(addr: SocketAddr) -> Result<(TcpListener, SocketAddr), EmbeddedError> {
    let listener = TcpListener::bind(addr).await.map_err(|source| EmbeddedError::Bind { addr, source })?;
    let local = listener.local_addr().map_err(|source| EmbeddedError::Bind { addr, source })?;
    Ok((listener, local))
}

/// Indexes on dynoxide's stream table, which has none: every write asks for the stream's last
/// sequence number and every GetRecords reads on from a position, and without them both scan
/// every record ever written, so each write costs more than the one before. The expressions are
/// the ones dynoxide's queries use, so SQLite picks the indexes for them; `created_at` serves
/// the 24-hour retention.
const STREAM_INDEXES: &str = "
    CREATE INDEX IF NOT EXISTS ccbridge_stream_sequence
        ON _stream_records (table_name, CAST(sequence_number AS INTEGER));
    CREATE INDEX IF NOT EXISTS ccbridge_stream_shard_sequence
        ON _stream_records (table_name, shard_id, CAST(sequence_number AS INTEGER));
    CREATE INDEX IF NOT EXISTS ccbridge_stream_created ON _stream_records (created_at);";

/// How long a stream record is kept, as DynamoDB Streams keep them.
const STREAM_RETENTION_SECS: i64 = 24 * 60 * 60;

/// Serves a DynamoDB on `addr`: kept in the SQLite file `path`, or in memory when `None`.
/// Returns the endpoint URL.
///
/// A file gets the stream indexes and the stream's 24-hour retention, so the stack costs the same
/// at its millionth write as at its first; a database in memory (a test's) is never that large.
pub async fn dynamodb(addr: SocketAddr, path: Option<&Path>, shutdown: &Shutdown) -> Result<String, EmbeddedError> {
    let db = match path {
        Some(path) => {
            let name = path.display().to_string();
            let failed =
                |e: &dyn std::fmt::Display| EmbeddedError::Database { path: name.clone(), message: e.to_string() };
            let db = dynoxide::Database::new(&name).map_err(|e| failed(&e))?;
            // SQLite's `synchronous = NORMAL`: in WAL mode a commit no longer waits for the disk
            // (an fsync of 3 ms here, and every write is serialised), and the file stays
            // consistent; only an operating-system crash can take the last commits with it,
            // never a stopped process. (dynoxide names the setting after the end of a bulk load.)
            db.disable_bulk_loading().map_err(|e| failed(&e))?;
            index_stream(path).map_err(|e| failed(&e))?;
            db
        }
        None => dynoxide::Database::memory()
            .map_err(|e| EmbeddedError::Database { path: ":memory:".into(), message: e.to_string() })?,
    };
    let bound = |source| EmbeddedError::Bind { addr, source };
    let listener = std::net::TcpListener::bind(addr).map_err(bound)?;
    let local = listener.local_addr().map_err(bound)?;
    listener.set_nonblocking(true).map_err(bound)?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(EmbeddedError::Thread)?;
    let listener = {
        let _entered = runtime.enter();
        TcpListener::from_std(listener).map_err(bound)?
    };
    tokio::spawn(sweep_ttl(db.clone(), path.map(Path::to_path_buf), shutdown.signal()));
    let stop = shutdown.signal();
    // dynoxide does a request's work on the thread that serves it, under its one lock: on a
    // thread and runtime of its own, a request waiting for that lock holds up none of the
    // workers that run the functions.
    std::thread::Builder::new()
        .name("embedded-dynamodb".into())
        .spawn(move || {
            runtime.block_on(async move {
                if let Err(error) = dynoxide::server::serve_with_shutdown(listener, db, stop).await {
                    tracing::error!(%error, "embedded DynamoDB stopped");
                }
            });
        })
        .map_err(EmbeddedError::Thread)?;
    Ok(format!("http://{local}"))
}

/// Takes `ClientRequestToken` out of the transactions sent to the embedded DynamoDB.
///
/// dynoxide keeps every token for ten minutes, and a transaction that carries one first walks
/// every token kept and hashes its own request: a cost that grows with each transaction. The
/// SDK sets a token on every transaction so that a retry after a lost response is not applied
/// twice. Without it such a retry is still safe for ccbridge: each of its transactions either
/// is conditional on the versions it read, and fails, making the flow read again, or writes
/// the same values again.
#[derive(Debug)]
pub struct WithoutIdempotencyTokens;

impl Intercept for WithoutIdempotencyTokens {
    fn name(&self) -> &'static str {
        "WithoutIdempotencyTokens"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        if request.headers().get("x-amz-target") != Some("DynamoDB_20120810.TransactWriteItems") {
            return Ok(());
        }
        let Some(body) = request.body().bytes() else { return Ok(()) };
        let mut body: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(body)?;
        if body.remove("ClientRequestToken").is_none() {
            return Ok(());
        }
        let body = serde_json::to_vec(&body)?;
        request.headers_mut().insert("content-length", body.len().to_string());
        *request.body_mut() = SdkBody::from(body);
        Ok(())
    }
}

/// Creates [`STREAM_INDEXES`] in the database file at `path`, through a connection of its own:
/// dynoxide keeps its connection to itself, and SQLite makes every connection see the new schema.
fn index_stream(path: &Path) -> Result<(), rusqlite::Error> {
    rusqlite::Connection::open(path)?.execute_batch(STREAM_INDEXES)
}

/// Drops the stream records of the file at `path` older than [`STREAM_RETENTION_SECS`].
fn trim_stream(path: &Path) -> Result<usize, rusqlite::Error> {
    let connection = rusqlite::Connection::open(path)?;
    connection.busy_timeout(std::time::Duration::from_secs(5))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let cutoff = i64::try_from(now).unwrap_or(i64::MAX) - STREAM_RETENTION_SECS;
    connection.execute("DELETE FROM _stream_records WHERE created_at < ?1", [cutoff])
}

/// Once a minute, deletes expired items, as DynamoDB's TTL does in the background, and for a
/// database file stream records past their retention.
async fn sweep_ttl(db: dynoxide::Database, path: Option<std::path::PathBuf>, stop: impl Future<Output = ()>) {
    tokio::pin!(stop);
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tokio::select! {
            _ = &mut stop => return,
            _ = every.tick() => {
                let db = db.clone();
                match tokio::task::spawn_blocking(move || db.sweep_ttl()).await {
                    Ok(Ok(0)) | Err(_) => {}
                    Ok(Ok(n)) => tracing::debug!(deleted = n, "TTL sweep"),
                    Ok(Err(error)) => tracing::warn!(%error, "TTL sweep failed"),
                }
                if let Some(path) = path.clone() {
                    match tokio::task::spawn_blocking(move || trim_stream(&path)).await {
                        Ok(Ok(0)) | Err(_) => {}
                        Ok(Ok(n)) => tracing::debug!(deleted = n, "stream records past their retention"),
                        Ok(Err(error)) => tracing::warn!(%error, "stream retention failed"),
                    }
                }
            }
        }
    }
}

/// Serves an S3 on `addr`, keeping objects as files under `root`. Returns the endpoint URL.
pub async fn s3(addr: SocketAddr, root: &Path, shutdown: &Shutdown) -> Result<String, EmbeddedError> {
    let folder = |message: String| EmbeddedError::Folder { path: root.display().to_string(), message };
    std::fs::create_dir_all(root).map_err(|e| folder(e.to_string()))?;
    let fs = s3s_fs::FileSystem::new(root).map_err(|e| folder(format!("{e:?}")))?;
    let mut builder = S3ServiceBuilder::new(fs);
    builder.set_auth(SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
    let service = builder.build();
    let (listener, local) = bind(addr).await?;
    let stop = shutdown.signal();
    tokio::spawn(async move {
        tokio::pin!(stop);
        // Every open connection: dropped when the server stops, so a stopped S3 answers
        // nothing more, as one that went down would.
        let mut connections = tokio::task::JoinSet::new();
        loop {
            while connections.try_join_next().is_some() {}
            let socket = tokio::select! {
                _ = &mut stop => return,
                accepted = listener.accept() => match accepted {
                    Ok((socket, _)) => socket,
                    Err(error) => {
                        tracing::warn!(%error, "embedded S3 accept failed");
                        continue;
                    }
                },
            };
            let service = service.clone();
            connections.spawn(async move {
                let served =
                    ConnBuilder::new(TokioExecutor::new()).serve_connection(TokioIo::new(socket), service).await;
                if let Err(error) = served {
                    tracing::debug!(%error, "embedded S3 connection ended");
                }
            });
        }
    });
    Ok(format!("http://{local}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// Answers one TransactWriteItems with an empty success and hands over the body it read,
    /// checked against its `content-length`.
    async fn one_transaction(listener: TcpListener) -> serde_json::Value {
        let (mut tcp, _) = listener.accept().await.unwrap();
        let mut read = Vec::new();
        let mut buf = [0u8; 8192];
        let (head, length) = loop {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "the request ended early");
            read.extend_from_slice(&buf[..n]);
            if let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&read[..end]).to_ascii_lowercase();
                let length = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse::<usize>().ok())
                    .unwrap();
                break (end + 4, length);
            }
        };
        while read.len() < head + length {
            let n = tcp.read(&mut buf).await.unwrap();
            assert!(n > 0, "the body is shorter than its content-length");
            read.extend_from_slice(&buf[..n]);
        }
        assert_eq!(read.len(), head + length, "the body is longer than its content-length");
        let reply = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\ncontent-length: 2\r\n\r\n{}";
        tcp.write_all(reply.as_bytes()).await.unwrap();
        serde_json::from_slice(&read[head..]).unwrap()
    }

    async fn sent_transaction(without_tokens: bool) -> serde_json::Value {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(one_transaction(listener));
        let sdk = crate::stack::sdk_config().await;
        let mut config = aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(endpoint);
        if without_tokens {
            config = config.interceptor(WithoutIdempotencyTokens);
        }
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name("t")
            .item("pk", aws_sdk_dynamodb::types::AttributeValue::S("a".into()))
            .build()
            .unwrap();
        aws_sdk_dynamodb::Client::from_conf(config.build())
            .transact_write_items()
            .transact_items(aws_sdk_dynamodb::types::TransactWriteItem::builder().put(put).build())
            .send()
            .await
            .unwrap();
        server.await.unwrap()
    }

    #[tokio::test]
    async fn transactions_reach_the_embedded_dynamodb_without_a_token_and_otherwise_unchanged() {
        let with = sent_transaction(false).await;
        let without = sent_transaction(true).await;
        assert!(with.get("ClientRequestToken").is_some_and(|t| t.is_string()), "the SDK sets one: {with}");
        let mut expected = with.as_object().unwrap().clone();
        expected.remove("ClientRequestToken");
        assert_eq!(without, serde_json::Value::Object(expected));
    }
}
