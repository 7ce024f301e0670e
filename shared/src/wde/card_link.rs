//! The screen-pop link WDE opens for the agent: which interaction's card, of which channel,
//! until when, signed with the channel's `card_secret`. Anyone can read the payload; nobody
//! without the secret can change it or extend it.
//!
//! Token: `base64url(JSON payload) "." hex(HMAC-SHA256(secret, base64url part))`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::auth::{SignatureEncoding, hmac_sha256, verify_hmac_sha256};
use crate::crm::ids::InteractionId;

/// What a card link grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardLink {
    #[serde(rename = "c")]
    pub channel: String,
    #[serde(rename = "i")]
    pub interaction: InteractionId,
    /// Epoch seconds after which the link is refused.
    #[serde(rename = "e")]
    pub expires_at: i64,
}

/// Why a link is refused; all of them are a 403 to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CardLinkError {
    #[error("the link is malformed")]
    Malformed,
    #[error("the link names no WDE channel")]
    UnknownChannel,
    #[error("the link's signature is wrong")]
    BadSignature,
    #[error("the link has expired")]
    Expired,
}

impl CardLink {
    /// The token for this link.
    pub fn sign(&self, secret: &SecretString) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default());
        let signature = hmac_sha256(secret.expose_secret().as_bytes(), payload.as_bytes(), SignatureEncoding::Hex);
        format!("{payload}.{signature}")
    }

    /// The link a token grants at `now` (epoch seconds). `secret_of` gives a channel's secret.
    pub fn verify<'a>(
        token: &str,
        secret_of: impl Fn(&str) -> Option<&'a SecretString>,
        now: i64,
    ) -> Result<Self, CardLinkError> {
        let (payload, signature) = token.split_once('.').ok_or(CardLinkError::Malformed)?;
        let bytes = URL_SAFE_NO_PAD.decode(payload).map_err(|_| CardLinkError::Malformed)?;
        let link: CardLink = serde_json::from_slice(&bytes).map_err(|_| CardLinkError::Malformed)?;
        let secret = secret_of(&link.channel).ok_or(CardLinkError::UnknownChannel)?;
        if !verify_hmac_sha256(secret.expose_secret().as_bytes(), payload.as_bytes(), signature, SignatureEncoding::Hex)
        {
            return Err(CardLinkError::BadSignature);
        }
        if now >= link.expires_at {
            return Err(CardLinkError::Expired);
        }
        Ok(link)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("0123456789abcdef0123456789abcdef")
    }

    fn link() -> CardLink {
        CardLink { channel: "wde-demo".into(), interaction: InteractionId::derive("wde-demo", "x1"), expires_at: 2_000 }
    }

    #[test]
    fn signed_links_verify_until_they_expire() {
        let s = secret();
        let token = link().sign(&s);
        let lookup = |c: &str| (c == "wde-demo").then_some(&s);
        assert_eq!(CardLink::verify(&token, lookup, 1_999), Ok(link()));
        assert_eq!(CardLink::verify(&token, lookup, 2_000), Err(CardLinkError::Expired));
    }

    #[test]
    fn tampering_is_detected() {
        let s = secret();
        let lookup = |c: &str| (c == "wde-demo").then_some(&s);
        let token = link().sign(&s);
        let (payload, signature) = token.split_once('.').expect("two parts");
        let longer = CardLink { expires_at: 9_999_999_999, ..link() };
        let forged_payload = longer.sign(&SecretString::from("another-secret-another-secret-xx"));
        let forged = format!("{}.{signature}", forged_payload.split_once('.').expect("parts").0);
        assert_eq!(CardLink::verify(&forged, lookup, 0), Err(CardLinkError::BadSignature));
        let first = if signature.starts_with('0') { '1' } else { '0' };
        let flipped = format!("{payload}.{first}{}", &signature[1..]);
        assert!(CardLink::verify(&flipped, lookup, 0).is_err());
        assert_eq!(CardLink::verify("garbage", lookup, 0), Err(CardLinkError::Malformed));
        let other = CardLink { channel: "nope".into(), ..link() }.sign(&s);
        assert_eq!(CardLink::verify(&other, lookup, 0), Err(CardLinkError::UnknownChannel));
    }
}
