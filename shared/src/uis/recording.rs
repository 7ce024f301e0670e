//! Which recording links are fetched. A link in `record_file_links` is a URL the recordings
//! function will download, so a notification could point it anywhere; only HTTPS links to the
//! channel's allowed hosts, on the default port and without credentials, are accepted.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use url::Url;

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
pub fn check(link: &str, allowed_hosts: &[String]) -> Result<AllowedLink, Rejection> {
    let url = Url::parse(link.trim()).map_err(|_| Rejection::NotAUrl)?;
    if url.scheme() != "https" {
        return Err(Rejection::NotHttps(url.scheme().to_string()));
    }
    if !url.username().is_empty() || url.password().is_some() || url.port().is_some() {
        return Err(Rejection::CredentialsOrPort);
    }
    let host = url.host_str().ok_or(Rejection::NotAUrl)?.to_ascii_lowercase();
    if !allowed_hosts.iter().any(|allowed| allowed.eq_ignore_ascii_case(&host)) {
        return Err(Rejection::HostNotAllowed(host));
    }
    Ok(AllowedLink { url, host })
}

/// A stable id for a link: the same link always gives the same recording job.
pub fn link_id(link: &str) -> String {
    hex::encode(&Sha256::digest(link.trim().as_bytes())[..10])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Vec<String> {
        vec!["app.uiscom.ru".into()]
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
    fn link_ids_are_stable() {
        assert_eq!(link_id("https://a/b"), link_id(" https://a/b "));
        assert_ne!(link_id("https://a/b"), link_id("https://a/c"));
        assert_eq!(link_id("https://a/b").len(), 20);
    }
}
