//! Which recording links are fetched. A link in `record_file_links` is a URL the recordings
//! function will download, so a notification could point it anywhere; only HTTPS links to the
//! channel's allowed hosts, on the default port and without credentials, are accepted.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

/// A host name recording links may use, lower-cased: no scheme, port, path or spaces.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Host(String);

impl Host {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether it is a loopback address literal (`127.0.0.0/8`, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.0)
    }
}

impl TryFrom<String> for Host {
    type Error = String;

    fn try_from(name: String) -> Result<Self, Self::Error> {
        if name.is_empty() || name.contains(['/', ':', ' ']) {
            return Err(format!("{name:?} is not a host name"));
        }
        Ok(Self(name.to_ascii_lowercase()))
    }
}

/// A recording link that may be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedLink {
    pub url: Url,
    pub host: String,
}

/// Why a link was refused, kept in the call record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "reason", content = "detail")]
pub enum Rejection {
    #[error("not a URL")]
    NotAUrl,
    #[error("scheme {0} is not https")]
    NotHttps(String),
    #[error("host {0} is not an allowed recording host")]
    HostNotAllowed(String),
    #[error("links with credentials or a non-default port are not fetched")]
    CredentialsOrPort,
    #[error("more than {0} recordings in one call")]
    TooMany(usize),
}

/// The most recordings one call may have; more would not fit one atomic write.
pub const MAX_RECORDINGS: usize = 20;

/// Checks a link against the allowed hosts (exact, case-insensitive host names).
pub fn check(link: &str, allowed_hosts: &[Host]) -> Result<AllowedLink, Rejection> {
    LinkPolicy { hosts: allowed_hosts, insecure_loopback: false }.check(link)
}

/// Where a channel's recordings may be fetched from: at the notification and again at every
/// redirect the download follows.
#[derive(Debug, Clone, Copy)]
pub struct LinkPolicy<'a> {
    pub hosts: &'a [Host],
    /// Also accepts `http://` and a port for loopback address literals among `hosts`; only a
    /// local stack's channel may set it (configuration validation enforces that).
    pub insecure_loopback: bool,
}

impl LinkPolicy<'_> {
    pub fn check(&self, link: &str) -> Result<AllowedLink, Rejection> {
        let url = Url::parse(link.trim()).map_err(|_| Rejection::NotAUrl)?;
        let host = url.host_str().ok_or(Rejection::NotAUrl)?.to_ascii_lowercase();
        let loopback_exception = self.insecure_loopback && is_loopback(&host);
        if url.scheme() != "https" && !(loopback_exception && url.scheme() == "http") {
            return Err(Rejection::NotHttps(url.scheme().to_string()));
        }
        if !url.username().is_empty() || url.password().is_some() || (url.port().is_some() && !loopback_exception) {
            return Err(Rejection::CredentialsOrPort);
        }
        if !self.hosts.iter().any(|allowed| allowed.0 == host) {
            return Err(Rejection::HostNotAllowed(host));
        }
        Ok(AllowedLink { url, host })
    }
}

/// Whether `host` is a loopback address literal (`127.0.0.0/8`, `[::1]`); names such as
/// `localhost` do not count, since they resolve through DNS.
fn is_loopback(host: &str) -> bool {
    host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A stable id for a link: the same link always gives the same recording job.
pub fn link_id(link: &str) -> String {
    hex::encode(&Sha256::digest(link.trim().as_bytes())[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(name: &str) -> Host {
        Host::try_from(name.to_string()).expect("host")
    }

    fn hosts() -> Vec<Host> {
        vec![host("app.uiscom.ru")]
    }

    #[test]
    fn allowed_https_links_pass() {
        let link = check("https://APP.uiscom.ru/system/media/talk/1/abc/", &hosts()).expect("allowed");
        assert_eq!(link.host, "app.uiscom.ru");
    }

    #[test]
    fn everything_else_is_refused_with_a_reason() {
        let h = hosts();
        assert_eq!(check("http://app.uiscom.ru/x", &h), Err(Rejection::NotHttps("http".into())));
        assert_eq!(
            check("https://169.254.169.254/latest", &h),
            Err(Rejection::HostNotAllowed("169.254.169.254".into()))
        );
        assert_eq!(
            check("https://app.uiscom.ru.evil.com/x", &h),
            Err(Rejection::HostNotAllowed("app.uiscom.ru.evil.com".into()))
        );
        assert_eq!(check("https://u:p@app.uiscom.ru/x", &h), Err(Rejection::CredentialsOrPort));
        assert_eq!(check("https://app.uiscom.ru:8443/x", &h), Err(Rejection::CredentialsOrPort));
        assert_eq!(check("not a link", &h), Err(Rejection::NotAUrl));
    }

    #[test]
    fn insecure_loopback_allows_only_listed_loopback_literals() {
        let hosts = vec![host("127.0.0.1")];
        let local = LinkPolicy { hosts: &hosts, insecure_loopback: true };
        assert_eq!(local.check("http://127.0.0.1:3400/r.mp3").expect("allowed").host, "127.0.0.1");
        assert_eq!(local.check("http://127.0.0.2:3400/r"), Err(Rejection::HostNotAllowed("127.0.0.2".into())));
        assert_eq!(local.check("http://localhost:3400/r"), Err(Rejection::NotHttps("http".into())));
        let strict = LinkPolicy { hosts: &hosts, insecure_loopback: false };
        assert_eq!(strict.check("http://127.0.0.1:3400/r"), Err(Rejection::NotHttps("http".into())));
        assert!(is_loopback("[::1]") && is_loopback("127.1.2.3") && !is_loopback("localhost"));
        assert!(host("127.0.0.1").is_loopback() && host("APP.uiscom.ru").as_str() == "app.uiscom.ru");
        assert!(Host::try_from("https://app.uiscom.ru".to_string()).is_err());
    }

    #[test]
    fn link_ids_are_stable() {
        assert_eq!(link_id("https://a/b"), link_id(" https://a/b "));
        assert_ne!(link_id("https://a/b"), link_id("https://a/c"));
        assert_eq!(link_id("https://a/b").len(), 20);
    }
}
