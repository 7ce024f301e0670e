//! Who is calling: the WDE channel whose key the request carries, as YetiForce's PBX
//! `Basic` auth decides it, but compared in constant time.
//!
//! `X-API-KEY` equal to the channel's key, or else `X-API-SIGNATURE` = base64 HMAC-SHA256 of
//! the raw body with that key; the key wins when both are present. Then the channel's
//! optional IP allow-list.

use std::net::IpAddr;

use secrecy::ExposeSecret;

use super::config::WdeChannel;
use super::fields::{is_alnum, not_allowed};
use crate::ApiError;
use crate::auth::{SignatureEncoding, verify_hmac_sha256};
use crate::config::Config;

/// Header carrying the API key.
pub const API_KEY_HEADER: &str = "x-api-key";
/// Header carrying the body's signature.
pub const SIGNATURE_HEADER: &str = "x-api-signature";

/// The channel the request authenticates as, or the webservice's 401 (406 for a key that is
/// not alphanumeric, as YetiForce's header sanitizer answers).
pub fn authenticate<'a>(
    config: &'a Config,
    api_key: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    client_ip: Option<IpAddr>,
) -> Result<&'a WdeChannel, ApiError> {
    if config.all::<WdeChannel>().next().is_none() {
        return Err(ApiError::Unauthorized("Web service - Applications: Unauthorized"));
    }
    let channel = match (api_key.filter(|k| !k.is_empty()), signature.filter(|s| !s.is_empty())) {
        (Some(key), _) => {
            if !key.chars().all(is_alnum) {
                return Err(not_allowed("X-API-KEY"));
            }
            config
                .by_secret::<WdeChannel>(key.as_bytes(), |c| &c.api_key)
                .ok_or(ApiError::Unauthorized("Invalid api key"))?
        }
        (None, Some(signature)) => config
            .find::<WdeChannel>(|c| {
                verify_hmac_sha256(c.api_key.expose_secret().as_bytes(), body, signature, SignatureEncoding::Base64)
            })
            .ok_or(ApiError::Unauthorized("Invalid signature"))?,
        (None, None) => return Err(ApiError::Unauthorized("No API key or signature")),
    };
    if !channel.allowed_ips.is_empty() && !client_ip.is_some_and(|ip| channel.allowed_ips.contains(&ip)) {
        return Err(ApiError::Unauthorized("Illegal IP address"));
    }
    Ok(channel)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";
    const BODY: &str = r#"{"GenesysIDInteraction":"00047aHK833X02TB","InteractionStartDateTime":"2022-11-08T14:54:55.9895353Z","MediaType":"voice in","CustomerPhoneNumber":"+48884998123","AgentID":"agent01"}"#;
    const SIGNATURE: &str = "0w7KJinyy0H5bKB1nvyR06fsI8AmzWWeGucr6LEIr54=";
    const EMPTY_SIGNATURE: &str = "doqfPcoDPPXQK8KPeFRagDy63gjIVd3KCCpwmu/z+Qc=";

    fn config(extra: &str) -> Config {
        Config::parse(&format!(
            "[[channel]]\nkind=\"wde\"\nid=\"other\"\napi_key=\"anotherKey000001\"\ncard_secret=\"0123456789abcdef0123456789abcdef\"\n\
             [[channel]]\nkind=\"wde\"\nid=\"wde\"\napi_key=\"{KEY}\"\ncard_secret=\"0123456789abcdef0123456789abcdef\"\n{extra}"
        ))
        .expect("config")
    }

    #[test]
    fn reference_vector_signature_authenticates() {
        let config = config("");
        let channel = authenticate(&config, None, Some(SIGNATURE), BODY.as_bytes(), None).expect("signed");
        assert_eq!(channel.id.as_str(), "wde");
        assert!(authenticate(&config, None, Some(EMPTY_SIGNATURE), b"", None).is_ok());
    }

    #[test]
    fn key_picks_its_channel_and_wins_over_the_signature() {
        let config = config("");
        let other = authenticate(&config, Some("anotherKey000001"), None, b"", None).expect("other key");
        assert_eq!(other.id.as_str(), "other");
        assert!(authenticate(&config, Some("anotherKey000002"), None, b"", None).is_err(), "keys compare by value");
        let channel = authenticate(&config, Some(KEY), Some("garbage"), BODY.as_bytes(), None).expect("key");
        assert_eq!(channel.id.as_str(), "wde");
    }

    #[test]
    fn each_failure_has_the_reference_message() {
        let config = config("");
        let cases = [
            (Some("wrongKey123"), None, "Invalid api key", 401),
            (None, Some(SIGNATURE.replace('0', "1")), "Invalid signature", 401),
            (None, None, "No API key or signature", 401),
            (Some("bad key!"), None, "ERR_NOT_ALLOWED_VALUE||X-API-KEY", 406),
        ];
        for (key, signature, message, status) in cases {
            let err = authenticate(&config, key, signature.as_deref(), BODY.as_bytes(), None).expect_err(message);
            assert_eq!(err.to_string(), message);
            assert_eq!(err.status(), status);
        }
        let tampered = BODY.replace("agent01", "agent02");
        assert!(authenticate(&config, None, Some(SIGNATURE), tampered.as_bytes(), None).is_err());
    }

    #[test]
    fn allow_list_is_checked_after_the_key() {
        let config = config("allowed_ips = [\"203.0.113.9\"]\n");
        let ok = "203.0.113.9".parse().ok();
        let other = "198.51.100.1".parse().ok();
        assert!(authenticate(&config, Some(KEY), None, b"", ok).is_ok());
        let err = authenticate(&config, Some(KEY), None, b"", other).expect_err("other ip");
        assert_eq!(err.to_string(), "Illegal IP address");
        assert!(authenticate(&config, Some(KEY), None, b"", None).is_err());
    }

    #[test]
    fn no_wde_channel_is_unauthorized() {
        let config = Config::parse("").expect("empty");
        let err = authenticate(&config, Some(KEY), None, b"", None).expect_err("none");
        assert_eq!(err.to_string(), "Web service - Applications: Unauthorized");
    }
}
