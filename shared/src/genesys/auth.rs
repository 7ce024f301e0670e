//! OAuth client credentials: the token request and a cache that renews the token shortly
//! before it expires. The grant has no refresh token, so renewing means asking again.

use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::Mutex;

/// The longest a token is renewed ahead of its expiry.
const MAX_RENEW_AHEAD: Duration = Duration::from_secs(60);

/// The client credentials of a Genesys Cloud OAuth client.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: String,
    pub client_secret: SecretString,
}

impl Credentials {
    /// The `Authorization: Basic` value of the token request.
    pub fn basic_authorization(&self) -> String {
        use base64::Engine;
        let pair = format!("{}:{}", self.client_id, self.client_secret.expose_secret());
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

/// The token endpoint's answer.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub access_token: SecretString,
    /// Seconds; 24 h when the OAuth client does not say otherwise.
    #[serde(default = "default_expires_in")]
    pub expires_in: u64,
}

fn default_expires_in() -> u64 {
    86_400
}

/// A bearer token and when to stop using it.
#[derive(Debug, Clone)]
pub struct Token {
    pub value: SecretString,
    renew_at: Instant,
}

impl Token {
    /// A token obtained at `now`, renewed a tenth of its lifetime (at most a minute) early.
    pub fn new(response: TokenResponse, now: Instant) -> Self {
        let lifetime = Duration::from_secs(response.expires_in);
        let ahead = (lifetime / 10).min(MAX_RENEW_AHEAD);
        Self { value: response.access_token, renew_at: now + lifetime.saturating_sub(ahead) }
    }

    pub fn is_fresh(&self, now: Instant) -> bool {
        now < self.renew_at
    }
}

/// The current token of one client, shared by concurrent calls: one fetch at a time, and a
/// fresh token is reused until it is due for renewal or refused.
#[derive(Debug, Default)]
pub struct TokenCache {
    current: Mutex<Option<Token>>,
}

impl TokenCache {
    /// The cached token if fresh, otherwise the result of `fetch`, which is then cached.
    pub async fn get<F, Fut, E>(&self, fetch: F) -> Result<SecretString, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, E>>,
    {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref().filter(|t| t.is_fresh(Instant::now())) {
            return Ok(token.value.clone());
        }
        let token = fetch().await?;
        let value = token.value.clone();
        *current = Some(token);
        Ok(value)
    }

    /// Forgets `refused` (the platform answered 401 to it), unless a newer token replaced it.
    pub async fn invalidate(&self, refused: &SecretString) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| t.value.expose_secret() == refused.expose_secret()) {
            *current = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(token: &str, expires_in: u64) -> TokenResponse {
        TokenResponse { access_token: SecretString::from(token), expires_in }
    }

    #[test]
    fn tokens_are_renewed_ahead_of_expiry() {
        let now = Instant::now();
        let day = Token::new(response("a", 86_400), now);
        assert!(day.is_fresh(now + Duration::from_secs(86_400 - 61)));
        assert!(!day.is_fresh(now + Duration::from_secs(86_400 - 60)));
        let short = Token::new(response("b", 10), now);
        assert!(short.is_fresh(now + Duration::from_secs(8)));
        assert!(!short.is_fresh(now + Duration::from_secs(9)));
    }

    #[tokio::test]
    async fn cache_fetches_once_and_forgets_a_refused_token() {
        let cache = TokenCache::default();
        let mut fetched = 0;
        for _ in 0..3 {
            let token = cache
                .get(|| {
                    fetched += 1;
                    async { Ok::<_, ()>(Token::new(response("t1", 3600), Instant::now())) }
                })
                .await
                .expect("token");
            assert_eq!(token.expose_secret(), "t1");
        }
        assert_eq!(fetched, 1);
        cache.invalidate(&SecretString::from("other")).await;
        let kept = cache.get(|| async { Err::<Token, _>("must not fetch") }).await;
        assert!(kept.is_ok());
        cache.invalidate(&SecretString::from("t1")).await;
        let renewed =
            cache.get(|| async { Ok::<_, ()>(Token::new(response("t2", 3600), Instant::now())) }).await.expect("t2");
        assert_eq!(renewed.expose_secret(), "t2");
    }

    #[test]
    fn basic_authorization_is_base64_of_id_and_secret() {
        let credentials = Credentials { client_id: "id".into(), client_secret: SecretString::from("secret") };
        assert_eq!(credentials.basic_authorization(), "Basic aWQ6c2VjcmV0");
    }
}
