//! Starting the pieces of a local stack: the DynamoDB and S3 servers, the table and bucket
//! (from the same definitions as template.yaml), the functions' state and the HTTP API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::Credentials;
use ccbridge::config::Config;
use ccbridge::store::{Blobs, Store, schema};
use ccbridge::{App, HttpFunction, ScheduledFunction, StreamFunction};
use tokio::net::TcpListener;

use crate::embedded::{self, ACCESS_KEY, EmbeddedError, SECRET_KEY, Shutdown};

#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error(transparent)]
    Embedded(#[from] EmbeddedError),
    #[error("provision: {0}")]
    Provision(String),
    #[error("serve the API on {addr}: {source}")]
    Serve { addr: SocketAddr, source: std::io::Error },
}

/// Which DynamoDB the stack talks to.
#[derive(Debug, Clone)]
pub enum DynamoDb {
    /// dynoxide in this process: in a SQLite file, or in memory when `path` is `None`.
    Embedded { addr: SocketAddr, path: Option<PathBuf> },
    /// A server already running, such as the official DynamoDB Local.
    External { endpoint: String },
}

/// What to start.
#[derive(Debug, Clone)]
pub struct Options {
    pub dynamodb: DynamoDb,
    pub s3_addr: SocketAddr,
    pub s3_root: PathBuf,
    pub table: String,
    pub bucket: String,
}

/// A running stack. Dropping it stops the embedded servers.
pub struct Stack {
    pub app: Arc<App>,
    pub dynamodb_endpoint: String,
    pub s3_endpoint: String,
    shutdown: Shutdown,
}

impl Stack {
    /// Starts the storage servers, creates the table and bucket if missing and builds the state
    /// every function shares.
    pub async fn start(options: Options, config: Config) -> Result<Self, StackError> {
        let shutdown = Shutdown::new();
        let dynamodb_endpoint = match &options.dynamodb {
            DynamoDb::Embedded { addr, path } => embedded::dynamodb(*addr, path.as_deref(), &shutdown).await?,
            DynamoDb::External { endpoint } => endpoint.clone(),
        };
        let s3_endpoint = embedded::s3(options.s3_addr, &options.s3_root, &shutdown).await?;
        let sdk = sdk_config().await;
        let mut dynamodb_config = aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(&dynamodb_endpoint);
        if matches!(options.dynamodb, DynamoDb::Embedded { .. }) {
            dynamodb_config = dynamodb_config.interceptor(embedded::WithoutIdempotencyTokens);
        }
        let dynamodb = aws_sdk_dynamodb::Client::from_conf(dynamodb_config.build());
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk).endpoint_url(&s3_endpoint).force_path_style(true).build(),
        );
        schema::create_table(&dynamodb, &options.table).await.map_err(StackError::Provision)?;
        create_bucket(&s3, &options.bucket).await?;
        let app = App::new(config, Store::new(dynamodb, options.table), Blobs::new(s3, options.bucket))
            .map_err(|e| StackError::Provision(e.to_string()))?;
        Ok(Self { app: Arc::new(app), dynamodb_endpoint, s3_endpoint, shutdown })
    }

    /// Feeds `functions` from the table's stream until the stack is dropped.
    pub async fn feed_streams(&self, functions: &[StreamFunction], options: crate::streams::FeedOptions) {
        let sdk = sdk_config().await;
        let client = aws_sdk_dynamodbstreams::Client::from_conf(
            aws_sdk_dynamodbstreams::config::Builder::from(&sdk).endpoint_url(&self.dynamodb_endpoint).build(),
        );
        crate::streams::feed(self.app.clone(), client, functions, options, self.shutdown.subscribe());
    }

    /// Runs each of `functions` every `every` (instead of its EventBridge schedule) until the
    /// stack is dropped.
    pub fn run_schedules(&self, functions: &[ScheduledFunction], every: std::time::Duration) {
        for &function in functions {
            let app = self.app.clone();
            let mut stop = self.shutdown.subscribe();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(every);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    tokio::select! {
                        _ = stop.changed() => return,
                        _ = ticks.tick() => {
                            // Errors are logged by the function; the next tick tries again.
                            let _ = function.call(app.clone()).await;
                        }
                    }
                }
            });
        }
    }

    /// Serves `functions` on `addr` until the stack is dropped; returns the bound address.
    pub async fn serve(&self, addr: SocketAddr, functions: &[HttpFunction]) -> Result<SocketAddr, StackError> {
        let listener = TcpListener::bind(addr).await.map_err(|source| StackError::Serve { addr, source })?;
        let local = listener.local_addr().map_err(|source| StackError::Serve { addr, source })?;
        let router = crate::router::router(self.app.clone(), functions);
        let mut stop = self.shutdown.subscribe();
        tokio::spawn(async move {
            let served = axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = served {
                tracing::error!(%error, "local API stopped");
            }
        });
        Ok(local)
    }
}

/// SDK configuration for the embedded servers: fixed region and the local key pair.
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(ACCESS_KEY, SECRET_KEY, None, None, "ccbridge-local"))
        .load()
        .await
}

async fn create_bucket(s3: &aws_sdk_s3::Client, bucket: &str) -> Result<(), StackError> {
    match s3.create_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_bucket_already_owned_by_you() || s.is_bucket_already_exists()) =>
        {
            Ok(())
        }
        Err(e) => {
            Err(StackError::Provision(format!("create bucket {bucket}: {}", aws_sdk_s3::error::DisplayErrorContext(e))))
        }
    }
}
