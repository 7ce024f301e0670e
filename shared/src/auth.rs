//! Authentication primitives. Every comparison with a secret takes the same time whatever the
//! input, so a caller learns nothing from how fast a wrong guess fails.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// Whether `presented` equals the secret. Both sides are hashed first, so neither the content
/// nor the length of the secret leaks through timing.
pub fn secret_matches(secret: &SecretString, presented: &[u8]) -> bool {
    let expected = Sha256::digest(secret.expose_secret().as_bytes());
    let actual = Sha256::digest(presented);
    expected.ct_eq(&actual).into()
}

/// [`secret_matches`] for a secret kept as plain text (a company's token in a lookup item).
pub fn text_matches(expected: &str, presented: &str) -> bool {
    Sha256::digest(expected.as_bytes()).ct_eq(&Sha256::digest(presented.as_bytes())).into()
}

/// How a provider encodes an HMAC signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureEncoding {
    Base64,
    Hex,
}

/// HMAC-SHA256 of `message` with `key`, encoded as a provider sends it.
pub fn hmac_sha256(key: &[u8], message: &[u8], encoding: SignatureEncoding) -> String {
    let mut mac = new_mac(key);
    mac.update(message);
    let tag = mac.finalize().into_bytes();
    match encoding {
        SignatureEncoding::Base64 => BASE64.encode(tag),
        SignatureEncoding::Hex => hex::encode(tag),
    }
}

/// Whether `signature` is the HMAC-SHA256 of `message` with `key`. A signature that does not
/// decode is simply wrong.
pub fn verify_hmac_sha256(key: &[u8], message: &[u8], signature: &str, encoding: SignatureEncoding) -> bool {
    let decoded = match encoding {
        SignatureEncoding::Base64 => BASE64.decode(signature.trim()),
        SignatureEncoding::Hex => hex::decode(signature.trim()).map_err(|_| base64::DecodeError::InvalidLength(0)),
    };
    let Ok(tag) = decoded else { return false };
    let mut mac = new_mac(key);
    mac.update(message);
    mac.verify_slice(&tag).is_ok()
}

fn new_mac(key: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_secrets_compare_whole() {
        assert!(text_matches("token-1234", "token-1234"));
        assert!(!text_matches("token-1234", "token-123"));
        assert!(!text_matches("token-1234", "token-12345"));
        assert!(!text_matches("", "x"));
    }

    #[test]
    fn secrets_compare_by_value() {
        let secret = SecretString::from("s3cret-token");
        assert!(secret_matches(&secret, b"s3cret-token"));
        assert!(!secret_matches(&secret, b"s3cret-tokem"));
        assert!(!secret_matches(&secret, b""));
        assert!(!secret_matches(&secret, b"s3cret-token "));
    }

    // RFC 4231, test case 2.
    const KEY: &[u8] = b"Jefe";
    const MESSAGE: &[u8] = b"what do ya want for nothing?";
    const HEX: &str = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

    #[test]
    fn hmac_matches_rfc_4231() {
        assert_eq!(hmac_sha256(KEY, MESSAGE, SignatureEncoding::Hex), HEX);
        let b64 = BASE64.encode(hex::decode(HEX).expect("hex"));
        assert_eq!(hmac_sha256(KEY, MESSAGE, SignatureEncoding::Base64), b64);
        assert!(verify_hmac_sha256(KEY, MESSAGE, HEX, SignatureEncoding::Hex));
        assert!(verify_hmac_sha256(KEY, MESSAGE, &b64, SignatureEncoding::Base64));
    }

    #[test]
    fn wrong_or_garbled_signatures_fail() {
        assert!(!verify_hmac_sha256(KEY, b"other", HEX, SignatureEncoding::Hex));
        assert!(!verify_hmac_sha256(b"other", MESSAGE, HEX, SignatureEncoding::Hex));
        assert!(!verify_hmac_sha256(KEY, MESSAGE, "not hex", SignatureEncoding::Hex));
        assert!(!verify_hmac_sha256(KEY, MESSAGE, "!!", SignatureEncoding::Base64));
        assert!(!verify_hmac_sha256(KEY, MESSAGE, "", SignatureEncoding::Base64));
    }
}
