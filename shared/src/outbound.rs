//! HTTP clients for the calls we make (Genesys Cloud, recording downloads, a bot's callback
//! URL), on the TLS stack the AWS SDK already links: rustls with the aws-lc-rs provider and the
//! platform's root certificates. No second crypto library ends up in a Lambda bootstrap, and
//! the roots are read once per cold start however many clients are built.

use std::sync::Arc;
use std::time::Duration;

/// Why an outbound client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("outbound HTTP client: {0}")]
pub struct ClientError(String);

/// The TLS configuration every outbound client shares.
#[derive(Debug, Clone)]
pub struct Tls(rustls::ClientConfig);

impl Tls {
    /// Reads the platform's root certificates.
    pub fn load() -> Result<Self, ClientError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(native.certs);
        if added == 0 {
            tracing::warn!(errors = native.errors.len(), "no platform root certificates found; HTTPS calls will fail");
        }
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self(config))
    }

    /// A client with `timeout` per request (connect included), no automatic retries, and no
    /// redirect followed: for a configured endpoint (an API, a bot's callback), so a key or a
    /// signed body never travels elsewhere, and a caller that must follow one (a Genesys
    /// download) checks each hop first.
    pub fn api_client(&self, timeout: Duration) -> Result<reqwest::Client, ClientError> {
        self.builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(3)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError(e.to_string()))
    }

    /// A client for large downloads: no overall time limit (a big file takes what it takes) but
    /// `idle` without a byte fails the request, and redirects are not followed, so the caller can
    /// check every hop before it is requested.
    pub fn download_client(&self, idle: Duration) -> Result<reqwest::Client, ClientError> {
        self.builder()
            .read_timeout(idle)
            .connect_timeout(idle.min(Duration::from_secs(5)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError(e.to_string()))
    }

    fn builder(&self) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .use_preconfigured_tls(self.0.clone())
            .user_agent(concat!("ccbridge/", env!("CARGO_PKG_VERSION")))
    }
}

/// [`Tls::api_client`] on freshly read roots, for a single client.
pub fn api_client(timeout: Duration) -> Result<reqwest::Client, ClientError> {
    Tls::load()?.api_client(timeout)
}

/// [`Tls::download_client`] on freshly read roots, for a single client.
pub fn download_client(idle: Duration) -> Result<reqwest::Client, ClientError> {
    Tls::load()?.download_client(idle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_builds_on_the_sdk_tls_stack() {
        assert!(api_client(Duration::from_secs(1)).is_ok());
        assert!(download_client(Duration::from_secs(1)).is_ok());
    }
}
