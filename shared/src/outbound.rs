//! HTTP clients for the calls we make (Genesys Cloud, recording downloads, a bot's callback
//! URL), on the TLS stack the AWS SDK already links: rustls with the aws-lc-rs provider and the
//! platform's root certificates. No second crypto library ends up in a Lambda bootstrap.
//!
//! The roots are read on the first handshake, once for every client built from one [`Tls`] (a
//! function builds one): reading the platform's store costs milliseconds (a few hundred files
//! on Debian), and most functions never call out at all, so a cold start should not pay it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

/// Why an outbound client could not be built.
#[derive(Debug, thiserror::Error)]
#[error("outbound HTTP client: {0}")]
pub struct ClientError(String);

/// The TLS configuration every outbound client shares.
#[derive(Debug, Clone)]
pub struct Tls {
    config: rustls::ClientConfig,
    /// The verifier in `config`, for the tests to see when it reads the roots.
    #[cfg(test)]
    roots: Arc<PlatformRoots>,
}

impl Tls {
    /// Trusts the platform's root certificates, read when the first server is checked.
    pub fn platform() -> Result<Self, ClientError> {
        Self::trusting(Vec::new())
    }

    /// The platform's roots and `extra` ones.
    fn trusting(extra: Vec<CertificateDer<'static>>) -> Result<Self, ClientError> {
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let roots = Arc::new(PlatformRoots { provider: provider.clone(), extra, verifier: OnceLock::new() });
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(roots.clone())
            .with_no_client_auth();
        Ok(Self {
            config,
            #[cfg(test)]
            roots,
        })
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
            .use_preconfigured_tls(self.config.clone())
            .user_agent(concat!("ccbridge/", env!("CARGO_PKG_VERSION")))
    }
}

/// [`Tls::api_client`] on a TLS configuration of its own, for a single client.
pub fn api_client(timeout: Duration) -> Result<reqwest::Client, ClientError> {
    Tls::platform()?.api_client(timeout)
}

/// [`Tls::download_client`] on a TLS configuration of its own, for a single client.
pub fn download_client(idle: Duration) -> Result<reqwest::Client, ClientError> {
    Tls::platform()?.download_client(idle)
}

/// rustls's WebPKI verifier on the platform's roots, built on the first certificate it checks.
/// Signatures are checked with the provider's algorithms, as that verifier does, so a
/// handshake's other steps need no roots.
#[derive(Debug)]
struct PlatformRoots {
    provider: Arc<CryptoProvider>,
    extra: Vec<CertificateDer<'static>>,
    /// The outcome of the one read, kept: a store that cannot be read fails every handshake
    /// with the same error rather than being read again on each.
    verifier: OnceLock<Result<Arc<WebPkiServerVerifier>, rustls::Error>>,
}

impl PlatformRoots {
    fn verifier(&self) -> Result<&Arc<WebPkiServerVerifier>, rustls::Error> {
        self.verifier.get_or_init(|| self.read()).as_ref().map_err(Clone::clone)
    }

    fn read(&self) -> Result<Arc<WebPkiServerVerifier>, rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        let native = rustls_native_certs::load_native_certs();
        let (added, ignored) = roots.add_parsable_certificates(native.certs);
        let (extra, _) = roots.add_parsable_certificates(self.extra.iter().cloned());
        tracing::debug!(added, ignored, extra, errors = native.errors.len(), "platform root certificates read");
        if roots.is_empty() {
            tracing::warn!(errors = native.errors.len(), "no platform root certificates found; HTTPS calls will fail");
        }
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), self.provider.clone())
            .build()
            .map_err(|e| rustls::Error::General(format!("platform root certificates: {e}")))
    }
}

impl ServerCertVerifier for PlatformRoots {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A certificate authority of the test's own, named `name`.
    fn authority(name: &str) -> CertifiedIssuer<'static, KeyPair> {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, name);
        CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
    }

    /// An HTTPS server on loopback for `localhost`, its certificate issued by `ca`, answering
    /// every connection with one `200 ok`.
    async fn https_server(ca: &CertifiedIssuer<'static, KeyPair>) -> u16 {
        let key = KeyPair::generate().unwrap();
        let cert = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, ca).unwrap();
        let config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(vec![cert.der().clone()], key.serialize_der().try_into().unwrap())
                .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                    let mut request = [0u8; 4096];
                    let _ = tls.read(&mut request).await;
                    let _ = tls.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
                    let _ = tls.shutdown().await;
                });
            }
        });
        port
    }

    #[test]
    fn client_builds_on_the_sdk_tls_stack() {
        assert!(api_client(Duration::from_secs(1)).is_ok());
        assert!(download_client(Duration::from_secs(1)).is_ok());
    }

    #[tokio::test]
    async fn roots_are_read_on_the_first_handshake_and_then_checked() {
        let ca = authority("ccbridge test authority");
        let port = https_server(&ca).await;
        let tls = Tls::trusting(vec![ca.der().clone()]).unwrap();
        let client = tls.api_client(Duration::from_secs(5)).unwrap();
        assert!(tls.roots.verifier.get().is_none(), "building clients reads no roots");

        let response = client.get(format!("https://localhost:{port}/")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.text().await.unwrap(), "ok");
        assert!(matches!(tls.roots.verifier.get(), Some(Ok(_))), "the first handshake read them");

        let other = tls.download_client(Duration::from_secs(5)).unwrap();
        assert_eq!(other.get(format!("https://localhost:{port}/")).send().await.unwrap().status(), 200);
    }

    #[tokio::test]
    async fn a_server_outside_the_roots_or_its_name_is_refused() {
        let ca = authority("ccbridge test authority");
        let port = https_server(&ca).await;

        let stranger = Tls::trusting(vec![authority("another authority").der().clone()])
            .unwrap()
            .api_client(Duration::from_secs(5))
            .unwrap();
        let error = stranger.get(format!("https://localhost:{port}/")).send().await.unwrap_err();
        assert!(format!("{error:?}").contains("UnknownIssuer"), "{error:?}");

        let trusting = Tls::trusting(vec![ca.der().clone()]).unwrap().api_client(Duration::from_secs(5)).unwrap();
        let error = trusting.get(format!("https://127.0.0.1:{port}/")).send().await.unwrap_err();
        assert!(format!("{error:?}").contains("NotValidForName"), "{error:?}");
    }
}
