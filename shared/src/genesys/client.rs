//! Requests to the Platform API with auth and bounded retries.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Method, RequestBuilder, StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::auth::{Credentials, Token, TokenCache, TokenResponse};
use super::config::{DEFAULT_CONCURRENT_REQUESTS, GenesysCloudChannel};
use super::error::{ErrorBody, GenesysError};

/// The response header carrying the platform's correlation id (equal to the body's `contextId`).
pub const CORRELATION_HEADER: &str = "inin-correlation-id";

/// How hard a call tries. Every bound is explicit so a caller with a deadline (a webhook must
/// answer Genesys within 10 s) can pick one that fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included; a renewal after a 401 does not count.
    pub max_attempts: u32,
    /// Backoff before the second attempt; doubled each time up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A 429 asking to wait longer than this fails at once with [`GenesysError::RateLimited`].
    pub max_retry_after: Duration,
    /// Time limit of one attempt, body included.
    pub attempt_timeout: Duration,
    /// The whole call — attempts, backoffs, waits for `Retry-After` — ends within this, so it
    /// fits inside the function's own time limit whatever Genesys does.
    pub budget: Duration,
}

impl Default for RetryPolicy {
    /// For the bot's API (`chat-escalation`, 29 s, behind API Gateway's 30 s): a request makes
    /// at most two calls, each within 12 s.
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(2),
            max_retry_after: Duration::from_secs(5),
            attempt_timeout: Duration::from_secs(5),
            budget: Duration::from_secs(12),
        }
    }
}

impl RetryPolicy {
    /// For calls made while Genesys waits for our webhook answer: a few seconds in all.
    pub fn within_webhook() -> Self {
        Self {
            max_attempts: 2,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_millis(200),
            max_retry_after: Duration::from_secs(1),
            attempt_timeout: Duration::from_millis(1500),
            budget: Duration::from_secs(3),
        }
    }

    /// For streaming a download within `budget`: an attempt may take all of it (the body is
    /// part of the attempt), so a file that takes longer than one API call still arrives.
    pub fn for_download(budget: Duration) -> Self {
        Self { max_attempts: 2, attempt_timeout: budget, budget, ..Self::within_webhook() }
    }

    /// For outbound jobs: one attempt per call and no waiting inside it — a 429 comes back at
    /// once as [`GenesysError::RateLimited`], and the job is due again at `Retry-After`; a 5xx
    /// or a timeout is the job's to back off from. A refused token is still renewed once.
    pub fn for_jobs() -> Self {
        Self {
            max_attempts: 1,
            base_delay: Duration::ZERO,
            max_delay: Duration::ZERO,
            max_retry_after: Duration::ZERO,
            attempt_timeout: Duration::from_secs(30),
            budget: Duration::from_secs(30),
        }
    }

    /// The wait after failed attempt number `attempt` (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.saturating_sub(1)).unwrap_or(u32::MAX);
        self.base_delay.saturating_mul(factor).min(self.max_delay)
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub body: Bytes,
    pub correlation_id: Option<String>,
}

impl ApiResponse {
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GenesysError> {
        serde_json::from_slice(&self.body).map_err(|e| GenesysError::Decode(e.to_string()))
    }
}

/// A client of one Genesys Cloud organisation (one OAuth client).
#[derive(Debug, Clone)]
pub struct GenesysClient {
    http: reqwest::Client,
    api_base: String,
    login_base: String,
    /// Hosts attachment links may point at: the region's `api-downloads` and `api` hosts.
    download_hosts: Vec<String>,
    /// The region's domain (`mypurecloud.de`): its hosts are Genesys's own.
    region_domain: Option<String>,
    credentials: Credentials,
    tokens: Arc<TokenCache>,
    /// Requests in flight to this organisation at once, shared by every copy of the client.
    permits: Arc<tokio::sync::Semaphore>,
    policy: RetryPolicy,
    /// The organisation's home division, read once: new users go there unless told otherwise.
    pub(super) home_division: Arc<tokio::sync::OnceCell<String>>,
}

impl GenesysClient {
    /// A client of `api_base` (e.g. `https://api.mypurecloud.de`) logging in at `login_base`.
    pub fn new(api_base: &str, login_base: &str, credentials: Credentials) -> Result<Self, GenesysError> {
        let http =
            crate::outbound::api_client(Duration::from_secs(30)).map_err(|e| GenesysError::Config(e.to_string()))?;
        Self::with_http(http, api_base, login_base, credentials)
    }

    /// The same on an existing HTTP client (its connections shared with others). The client
    /// must follow no redirect: [`GenesysClient::download`] checks each hop itself.
    pub fn with_http(
        http: reqwest::Client,
        api_base: &str,
        login_base: &str,
        credentials: Credentials,
    ) -> Result<Self, GenesysError> {
        Ok(Self {
            http,
            api_base: base_url(api_base)?,
            login_base: base_url(login_base)?,
            download_hosts: Vec::new(),
            region_domain: None,
            credentials,
            tokens: Arc::default(),
            permits: Arc::new(tokio::sync::Semaphore::new(DEFAULT_CONCURRENT_REQUESTS)),
            policy: RetryPolicy::default(),
            home_division: Arc::default(),
        })
    }

    /// The client of a configured channel, on `http`. Built once per cold start and kept in
    /// the [`App`](crate::App), so warm invocations reuse the token and the connections.
    pub fn for_channel(channel: &GenesysCloudChannel, http: reqwest::Client) -> Result<Self, GenesysError> {
        let region = channel.region;
        let api = channel.api_base_url.as_ref().map_or_else(|| region.api_base_url(), |u| u.to_string());
        let login = channel.login_base_url.as_ref().map_or_else(|| region.login_base_url(), |u| u.to_string());
        let credentials =
            Credentials { client_id: channel.client_id.clone(), client_secret: channel.client_secret.clone() };
        let mut client = Self::with_http(http, &api, &login, credentials)?;
        client.download_hosts = vec![region.downloads_host(), format!("api.{}", region.domain)];
        client.region_domain = Some(region.domain.to_owned());
        client.permits = Arc::new(tokio::sync::Semaphore::new(channel.max_concurrent_requests.max(1)));
        Ok(client)
    }

    /// The same client (token and connections shared) with another retry policy.
    pub fn with_policy(&self, policy: RetryPolicy) -> Self {
        Self { policy, ..self.clone() }
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    pub fn api_base_url(&self) -> &str {
        &self.api_base
    }

    /// Whether `url` is one Genesys serves attachments from: HTTPS on the region's
    /// `api-downloads` or `api` host, or the configured API base (local runs). A webhook body
    /// cannot make us fetch anything else.
    pub fn is_download_url(&self, url: &str) -> bool {
        let Ok(parsed) = reqwest::Url::parse(url) else { return false };
        if let Ok(base) = reqwest::Url::parse(&self.api_base)
            && parsed.origin() == base.origin()
        {
            return true;
        }
        let host = parsed.host_str().unwrap_or_default();
        parsed.scheme() == "https" && parsed.port().is_none() && self.download_hosts.iter().any(|h| h == host)
    }

    /// `GET` and decode JSON.
    pub async fn get_json<R: DeserializeOwned>(&self, path: &str) -> Result<R, GenesysError> {
        self.request(Method::GET, path, None).await?.json()
    }

    /// `method` with a JSON body, decoding the JSON answer.
    pub async fn send_json<B: Serialize, R: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
    ) -> Result<R, GenesysError> {
        let bytes = serde_json::to_vec(body).map_err(|e| GenesysError::Decode(e.to_string()))?;
        self.request(method, path, Some(Bytes::from(bytes))).await?.json()
    }

    /// One API call: bearer auth, retries per the policy, typed error.
    pub async fn request(&self, method: Method, path: &str, body: Option<Bytes>) -> Result<ApiResponse, GenesysError> {
        if !path.starts_with("/api/") {
            return Err(GenesysError::Config(format!("{path} is not a Platform API path")));
        }
        let url = format!("{}{path}", self.api_base);
        let response = self
            .execute(&method, path, true, false, |token| {
                let mut request = self.http.request(method.clone(), &url);
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                match &body {
                    Some(body) => request.header(header::CONTENT_TYPE, "application/json").body(body.clone()),
                    None => request,
                }
            })
            .await?;
        read(response).await
    }

    /// Whether `url` is on a host Genesys Cloud serves files from: a download link's host
    /// ([`GenesysClient::is_download_url`]), any host of the region's domain, or Amazon S3,
    /// where Genesys keeps downloads and takes uploads. HTTPS on the default port, no
    /// credentials. A redirect or an upload URL anywhere else is refused before it is requested.
    pub fn is_served_url(&self, url: &str) -> bool {
        if self.is_download_url(url) {
            return true;
        }
        let Ok(parsed) = reqwest::Url::parse(url) else { return false };
        let credentials = !parsed.username().is_empty() || parsed.password().is_some();
        if parsed.scheme() != "https" || parsed.port().is_some() || credentials {
            return false;
        }
        let Some(url::Host::Domain(host)) = parsed.host() else { return false };
        let host = host.to_ascii_lowercase();
        let in_region = self
            .region_domain
            .as_deref()
            .is_some_and(|domain| host.strip_suffix(domain).is_some_and(|sub| sub.ends_with('.')));
        in_region || is_s3_host(&host)
    }

    /// Starts a download of an attachment link (bearer auth, same retries); the caller streams
    /// the body. Redirects are followed up to [`MAX_DOWNLOAD_REDIRECTS`], each hop checked
    /// with [`GenesysClient::is_served_url`] before it is requested; the bearer token goes
    /// only to Genesys's own download hosts, never to a presigned S3 link.
    pub async fn download(&self, url: &str) -> Result<reqwest::Response, GenesysError> {
        if !self.is_download_url(url) {
            return Err(GenesysError::NotServed("the attachment link is not on a Genesys Cloud download host".into()));
        }
        let mut url = reqwest::Url::parse(url).map_err(|e| GenesysError::NotServed(e.to_string()))?;
        for _ in 0..=MAX_DOWNLOAD_REDIRECTS {
            let auth = self.is_download_url(url.as_str());
            let hop = url.clone();
            let response = self
                .execute(&Method::GET, url.path(), auth, true, |token| {
                    let request = self.http.get(hop.clone());
                    match token {
                        Some(token) => request.bearer_auth(token),
                        None => request,
                    }
                })
                .await?;
            if !response.status().is_redirection() {
                return Ok(response);
            }
            let next = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v).ok())
                .ok_or_else(|| GenesysError::NotServed("a download redirect without a usable Location".into()))?;
            if !self.is_served_url(next.as_str()) {
                let host = next.host_str().unwrap_or("no host").to_owned();
                return Err(GenesysError::NotServed(format!(
                    "the download redirected to {host}, which is not a Genesys Cloud or Amazon S3 host"
                )));
            }
            url = next;
        }
        Err(GenesysError::NotServed(format!("the download redirected more than {MAX_DOWNLOAD_REDIRECTS} times")))
    }

    async fn token(&self) -> Result<SecretString, GenesysError> {
        self.tokens.get(|| Box::pin(self.fetch_token())).await
    }

    /// The client-credentials grant: Basic auth, form body.
    async fn fetch_token(&self) -> Result<Token, GenesysError> {
        let url = format!("{}/oauth/token", self.login_base);
        let sent = self
            .execute(&Method::POST, "/oauth/token", false, false, |_| {
                self.http
                    .post(&url)
                    .header(header::AUTHORIZATION, self.credentials.basic_authorization())
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body("grant_type=client_credentials")
            })
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(GenesysError::Api { status, body, .. }) => {
                return Err(GenesysError::Login { status, message: body.message });
            }
            Err(other) => return Err(other),
        };
        let body = read(response).await?;
        let token: TokenResponse = body.json()?;
        tracing::debug!(expires_in = token.expires_in, "Genesys Cloud token obtained");
        Ok(Token::new(token, Instant::now()))
    }

    /// Sends what `build` makes until it succeeds or the policy gives up. `build` gets the
    /// bearer token when `auth` is set; a redirect is an answer when `redirects` is set (the
    /// caller checks where it leads), an error otherwise.
    async fn execute<F>(
        &self,
        method: &Method,
        path: &str,
        auth: bool,
        redirects: bool,
        build: F,
    ) -> Result<reqwest::Response, GenesysError>
    where
        F: Fn(Option<&str>) -> RequestBuilder,
    {
        let policy = &self.policy;
        let started = Instant::now();
        // Whether waiting `wait` and trying once more still ends within the budget.
        let fits = |wait: Duration| started.elapsed() + wait < policy.budget;
        let mut attempt = 0;
        let mut renewed = false;
        loop {
            attempt += 1;
            let token = if auth { Some(Box::pin(self.token()).await?) } else { None };
            let left = policy.budget.saturating_sub(started.elapsed());
            if left.is_zero() {
                tracing::warn!(%method, path, attempt, "Genesys Cloud call out of time, giving up");
                return Err(GenesysError::Transport("the call ran out of time".into()));
            }
            let last = attempt >= policy.max_attempts;
            let request = build(token.as_ref().map(|t| t.expose_secret())).timeout(policy.attempt_timeout.min(left));
            // The semaphore is never closed, so a permit always comes; it is released as soon
            // as the answer's status is known, before any backoff.
            let permit = self.permits.acquire().await.ok();
            let sent = request.send().await;
            drop(permit);
            crate::metrics::outbound(crate::metrics::Target::GenesysCloud, crate::metrics::http_outcome(&sent));
            let response = match sent {
                Ok(response) => response,
                Err(error) => {
                    let message = transport_message(&error);
                    if last || !fits(policy.backoff(attempt)) {
                        tracing::warn!(%method, path, attempt, error = %message, "Genesys Cloud unreachable, giving up");
                        return Err(GenesysError::Transport(message));
                    }
                    let delay = policy.backoff(attempt);
                    tracing::warn!(%method, path, attempt, error = %message, delay_ms = delay.as_millis() as u64, "Genesys Cloud unreachable, retrying");
                    tokio::time::sleep(delay).await;
                    continue;
                }
            };
            let status = response.status();
            let correlation_id = header_value(&response, CORRELATION_HEADER);
            if status.is_success() || (redirects && status.is_redirection()) {
                tracing::debug!(%method, path, status = status.as_u16(), correlation_id, "Genesys Cloud call");
                return Ok(response);
            }
            if status == StatusCode::UNAUTHORIZED && auth && !renewed {
                renewed = true;
                attempt -= 1;
                if let Some(token) = &token {
                    self.tokens.invalidate(token).await;
                }
                tracing::info!(%method, path, correlation_id, "Genesys Cloud refused the token, renewing it once");
                continue;
            }
            if status == StatusCode::TOO_MANY_REQUESTS {
                let wait = retry_after(&response).unwrap_or_else(|| policy.backoff(attempt));
                if last || wait > policy.max_retry_after || !fits(wait) {
                    tracing::warn!(%method, path, attempt, correlation_id, retry_after_s = wait.as_secs(), "Genesys Cloud rate limit, giving up");
                    return Err(GenesysError::RateLimited { retry_after: wait, correlation_id });
                }
                tracing::warn!(%method, path, attempt, correlation_id, retry_after_s = wait.as_secs(), "Genesys Cloud rate limit, waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            let retryable = matches!(status.as_u16(), 500 | 502 | 503 | 504);
            if retryable && !last && fits(policy.backoff(attempt)) {
                let delay = policy.backoff(attempt);
                tracing::warn!(%method, path, attempt, status = status.as_u16(), correlation_id, delay_ms = delay.as_millis() as u64, "Genesys Cloud server error, retrying");
                tokio::time::sleep(delay).await;
                continue;
            }
            let text = response.bytes().await.unwrap_or_default();
            let mut body: ErrorBody = serde_json::from_slice(&text).unwrap_or_else(|_| ErrorBody {
                message: String::from_utf8_lossy(&text).chars().take(200).collect(),
                status: status.as_u16(),
                ..Default::default()
            });
            if body.message.is_empty() {
                body.message = status.canonical_reason().unwrap_or("error").to_owned();
            }
            let correlation_id = correlation_id.or_else(|| body.context_id.clone());
            tracing::warn!(%method, path, attempt, status = status.as_u16(), code = %body.code, correlation_id, "Genesys Cloud error");
            return Err(GenesysError::Api { status: status.as_u16(), body: Box::new(body), correlation_id });
        }
    }
}

/// Hops a download follows: Genesys answers a download link with one redirect to S3.
pub const MAX_DOWNLOAD_REDIRECTS: usize = 3;

/// Whether `host` is an Amazon S3 endpoint (`s3.amazonaws.com`, `s3.<region>.amazonaws.com`,
/// `s3-<region>.amazonaws.com`, their dual-stack forms, and a bucket's virtual host on any).
fn is_s3_host(host: &str) -> bool {
    let Some(name) = host.strip_suffix(".amazonaws.com") else { return false };
    let labels: Vec<&str> = name.split('.').collect();
    labels.iter().enumerate().any(|(i, label)| {
        let endpoint = &labels[i..];
        let region =
            |r: &str| !r.is_empty() && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        match (*label, endpoint.len()) {
            ("s3", 1) => true,
            ("s3", 2) => region(endpoint[1]),
            ("s3", 3) => endpoint[1] == "dualstack" && region(endpoint[2]),
            (l, 1) => l.strip_prefix("s3-").is_some_and(region),
            _ => false,
        }
    })
}

async fn read(response: reqwest::Response) -> Result<ApiResponse, GenesysError> {
    let status = response.status().as_u16();
    let correlation_id = header_value(&response, CORRELATION_HEADER);
    let body = response.bytes().await.map_err(|e| GenesysError::Transport(transport_message(&e)))?;
    Ok(ApiResponse { status, body, correlation_id })
}

fn base_url(url: &str) -> Result<String, GenesysError> {
    let parsed = reqwest::Url::parse(url).map_err(|e| GenesysError::Config(format!("{url}: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(GenesysError::Config(format!("{url} is not an http(s) URL")));
    }
    Ok(url.trim_end_matches('/').to_owned())
}

fn header_value(response: &reqwest::Response, name: &str) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `Retry-After` in seconds (the only form Genesys sends).
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    header_value(response, "retry-after")?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn transport_message(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timeout"
    } else if error.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    // Only the URL's path: never a query string that could hold something private.
    let path = error.url().map(|u| u.path().to_owned()).unwrap_or_default();
    format!("{kind} on {path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.backoff(1), Duration::from_millis(250));
        assert_eq!(policy.backoff(2), Duration::from_millis(500));
        assert_eq!(policy.backoff(4), Duration::from_secs(2));
        assert_eq!(policy.backoff(40), Duration::from_secs(2));
    }

    fn client() -> GenesysClient {
        let credentials = Credentials { client_id: "id".into(), client_secret: SecretString::from("secret") };
        let mut client = GenesysClient::new("https://api.mypurecloud.de/", "https://login.mypurecloud.de", credentials)
            .expect("client");
        client.download_hosts = vec!["api-downloads.mypurecloud.de".into(), "api.mypurecloud.de".into()];
        client
    }

    #[test]
    fn redirects_and_uploads_stay_on_genesys_or_s3_hosts() {
        let mut client = client();
        client.region_domain = Some("mypurecloud.de".into());
        for served in [
            "https://api-downloads.mypurecloud.de/api/v2/downloads/abc",
            "https://fileupload.mypurecloud.de/x",
            "https://prod-euc1-uploads.s3.amazonaws.com/k?X-Amz-Signature=s",
            "https://bucket.s3.eu-central-1.amazonaws.com/k",
            "https://s3.eu-central-1.amazonaws.com/bucket/k",
            "https://bucket.s3-eu-west-1.amazonaws.com/k",
            "https://bucket.s3.dualstack.eu-central-1.amazonaws.com/k",
        ] {
            assert!(client.is_served_url(served), "{served}");
        }
        for refused in [
            "http://bucket.s3.amazonaws.com/k",
            "https://bucket.s3.amazonaws.com:8443/k",
            "https://user:pw@bucket.s3.amazonaws.com/k",
            "https://169.254.169.254/latest/meta-data",
            "https://mypurecloud.de.evil.example/x",
            "https://evilmypurecloud.de/x",
            "https://s3.amazonaws.com.evil.example/x",
            "https://ec2.eu-central-1.amazonaws.com/",
            "https://s3.eu-central-1.amazonaws.com.evil.example/k",
            "https://127.0.0.1/presigned/k",
            "not a url",
        ] {
            assert!(!client.is_served_url(refused), "{refused}");
        }
    }

    #[test]
    fn downloads_only_from_genesys_hosts() {
        let client = client();
        assert_eq!(client.api_base_url(), "https://api.mypurecloud.de");
        assert!(client.is_download_url("https://api-downloads.mypurecloud.de/api/v2/downloads/abc"));
        assert!(client.is_download_url("https://api.mypurecloud.de/api/v2/downloads/abc"));
        assert!(!client.is_download_url("http://api-downloads.mypurecloud.de/api/v2/downloads/abc"));
        assert!(!client.is_download_url("https://api-downloads.mypurecloud.de:8443/x"));
        assert!(!client.is_download_url("https://169.254.169.254/latest/meta-data"));
        assert!(!client.is_download_url("https://api-downloads.mypurecloud.de.evil.example/x"));
        assert!(!client.is_download_url("not a url"));
    }

    #[test]
    fn bad_base_urls_are_refused() {
        let credentials = Credentials { client_id: "id".into(), client_secret: SecretString::from("secret") };
        assert!(GenesysClient::new("ftp://x", "https://login.x", credentials.clone()).is_err());
        assert!(GenesysClient::new("nonsense", "https://login.x", credentials).is_err());
    }
}
