//! What a function holds for its whole life: the validated configuration, the store, the bucket
//! and the outbound clients. Built once per cold start; a failure here stops the cold start with
//! one clear message.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::{ChannelId, Config, ConfigError, ConfigSource, GenesysCloudChannel};
use crate::genesys::{GenesysClient, GenesysError};
use crate::outbound::{ClientError, Tls};
use crate::store::{Blobs, Store};

/// Environment variable naming the DynamoDB table.
pub const TABLE_ENV: &str = "TABLE_NAME";
/// Environment variable naming the S3 bucket.
pub const BUCKET_ENV: &str = "BUCKET_NAME";
/// Environment variable with the days personal data stays in the table after its last write
/// (template.yaml sets it to the bucket's `RecordingRetentionDays`); unset keeps it.
pub const RETENTION_ENV: &str = "PERSONAL_DATA_RETENTION_DAYS";

/// How long a recording download may go without a byte.
const DOWNLOAD_IDLE: Duration = Duration::from_secs(30);
/// How long a bot's callback may take.
pub const CALLBACK_TIMEOUT: Duration = Duration::from_secs(2);
/// The overall limit of one Genesys Cloud request (each attempt has its own, shorter one).
const GENESYS_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    #[error("environment variable {0} must be a number of days from 1 to 36500")]
    InvalidEnv(&'static str),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error(transparent)]
    Genesys(#[from] GenesysError),
}

/// The outbound HTTP clients, sharing one TLS configuration and kept for the life of the
/// process so warm invocations reuse connections and Genesys Cloud tokens.
#[derive(Debug, Clone)]
pub struct Clients {
    /// Recording downloads and uploads: no overall time limit, redirects checked by the caller.
    pub download: reqwest::Client,
    /// A bot's callback: no redirects followed, so a signed message goes to the configured
    /// URL or nowhere.
    pub callback: reqwest::Client,
    /// The UIS Call API and Data API: no redirects followed, the Call API's time limit (a Data
    /// API request sets its own).
    pub uis_call_api: reqwest::Client,
    genesys: HashMap<ChannelId, GenesysClient>,
}

impl Clients {
    pub fn new(config: &Config) -> Result<Self, InitError> {
        let tls = Tls::platform()?;
        let http = tls.api_client(GENESYS_TIMEOUT)?;
        let mut genesys = HashMap::new();
        for channel in config.all::<GenesysCloudChannel>() {
            genesys.insert(channel.id.clone(), GenesysClient::for_channel(channel, http.clone())?);
        }
        Ok(Self {
            download: tls.download_client(DOWNLOAD_IDLE)?,
            callback: tls.api_client(CALLBACK_TIMEOUT)?,
            uis_call_api: tls.api_client(crate::uis::call_api::CALL_API_TIMEOUT)?,
            genesys,
        })
    }

    /// The client of Genesys Cloud channel `id`, if it is one.
    pub fn genesys(&self, id: &ChannelId) -> Option<&GenesysClient> {
        self.genesys.get(id)
    }
}

/// The per-cold-start state shared by every invocation.
#[derive(Debug, Clone)]
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub blobs: Blobs,
    pub clients: Clients,
    /// The time jobs are due by: the system's (tests move it forward).
    pub clock: Clock,
}

impl App {
    /// The state of a function on `store` and `blobs`, with its clients built.
    pub fn new(config: Config, store: Store, blobs: Blobs) -> Result<Self, InitError> {
        let clients = Clients::new(&config)?;
        Ok(Self { config: Arc::new(config), store, blobs, clients, clock: Clock::default() })
    }

    /// Builds the state from the environment, as a deployed function does.
    pub async fn from_env() -> Result<Self, InitError> {
        let table = required_env(TABLE_ENV)?;
        let bucket = required_env(BUCKET_ENV)?;
        let sdk = crate::aws::sdk_config().await;
        let retention = retention_from_env()?;
        let config = ConfigSource::from_env()?.load(&sdk).await?;
        let store = Store::new(crate::aws::dynamodb(&sdk), table).with_retention(retention);
        Self::new(config, store, Blobs::new(crate::aws::s3(&sdk), bucket))
    }
}

/// The retention [`RETENTION_ENV`] names, if set.
fn retention_from_env() -> Result<Option<time::Duration>, InitError> {
    let Some(text) = std::env::var(RETENTION_ENV).ok().filter(|v| !v.is_empty()) else { return Ok(None) };
    parse_retention(&text).map(Some).ok_or(InitError::InvalidEnv(RETENTION_ENV))
}

fn parse_retention(days: &str) -> Option<time::Duration> {
    days.trim().parse::<i64>().ok().filter(|d| (1..=36_500).contains(d)).map(time::Duration::days)
}

fn required_env(name: &'static str) -> Result<String, InitError> {
    std::env::var(name).ok().filter(|v| !v.is_empty()).ok_or(InitError::MissingEnv(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_is_a_bounded_number_of_days() {
        assert_eq!(parse_retention("365"), Some(time::Duration::days(365)));
        for bad in ["0", "-1", "36501", "a year", ""] {
            assert_eq!(parse_retention(bad), None, "{bad}");
        }
    }
}
