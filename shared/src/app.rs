//! What a function holds for its whole life: the validated configuration and the store.
//! Built once per cold start; a failure here stops the cold start with one clear message.

use std::sync::Arc;

use crate::config::{Config, ConfigError, ConfigSource};
use crate::store::{Blobs, Store};

/// Environment variable naming the DynamoDB table.
pub const TABLE_ENV: &str = "TABLE_NAME";
/// Environment variable naming the S3 bucket.
pub const BUCKET_ENV: &str = "BUCKET_NAME";

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
}

/// The per-cold-start state shared by every invocation.
#[derive(Debug, Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub blobs: Blobs,
}

impl App {
    /// Builds the state from the environment, as a deployed function does.
    pub async fn from_env() -> Result<Self, InitError> {
        let table = required_env(TABLE_ENV)?;
        let bucket = required_env(BUCKET_ENV)?;
        let sdk = crate::aws::sdk_config().await;
        let config = ConfigSource::from_env()?.load(&sdk).await?;
        Ok(Self {
            config: Arc::new(config),
            store: Store::new(crate::aws::dynamodb(&sdk), table),
            blobs: Blobs::new(crate::aws::s3(&sdk), bucket),
        })
    }
}

fn required_env(name: &'static str) -> Result<String, InitError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or(InitError::MissingEnv(name))
}
