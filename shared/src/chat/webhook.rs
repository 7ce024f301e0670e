//! The agent's side: what Genesys Cloud posts to our webhook, its signature, and what each
//! body means for the session.

use secrecy::{ExposeSecret, SecretString};

use super::config::ChatbotChannel;
use crate::auth::{SignatureEncoding, hmac_sha256, verify_hmac_sha256};
use crate::config::Config;
use crate::genesys::open_messaging::{NormalizedAttachment, NormalizedMessage};

/// The signature header Genesys sets on every webhook call.
pub const SIGNATURE_HEADER: &str = "x-hub-signature-256";

/// `sha256=` + base64 HMAC-SHA256 of `body` with `secret`: the header value.
pub fn sign(secret: &SecretString, body: &[u8]) -> String {
    format!("sha256={}", hmac_sha256(secret.expose_secret().as_bytes(), body, SignatureEncoding::Base64))
}

/// Whether `header` is the signature of the raw `body` with `secret` (constant time). Genesys
/// sends base64; hex is accepted too, as some middlewares re-sign that way.
pub fn signature_matches(secret: &SecretString, body: &[u8], header: &str) -> bool {
    let Some(signature) = header.trim().strip_prefix("sha256=") else { return false };
    let key = secret.expose_secret().as_bytes();
    let encoding = if signature.len() == 64 && signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        SignatureEncoding::Hex
    } else {
        SignatureEncoding::Base64
    };
    verify_hmac_sha256(key, body, signature, encoding)
}

/// The chatbot channel whose webhook secret signed `body`, if any. Every channel is tried, so
/// the time taken does not say which secrets exist.
pub fn signing_bot<'a>(config: &'a Config, body: &[u8], header: &str) -> Option<&'a ChatbotChannel> {
    config.find::<ChatbotChannel>(|bot| signature_matches(&bot.webhook_secret, body, header))
}

/// What a webhook body is about.
#[derive(Debug, PartialEq)]
pub enum AgentEvent<'a> {
    /// An agent's (or bot flow's) message: text and/or one attachment.
    Message {
        text: Option<&'a str>,
        attachment: Option<&'a NormalizedAttachment>,
    },
    Typing,
    /// What became of one of the user's messages (`Delivered`, `Read`, `Failed`, …).
    Receipt {
        status: &'a str,
    },
    /// Anything else, with why it is skipped.
    Ignored(String),
}

/// Interprets a normalized message.
pub fn classify(message: &NormalizedMessage) -> AgentEvent<'_> {
    match message.kind.to_ascii_lowercase().as_str() {
        "receipt" => AgentEvent::Receipt { status: message.status.as_deref().unwrap_or("Unknown") },
        "event" if message.events.iter().any(|e| e.event_type.eq_ignore_ascii_case("typing")) => AgentEvent::Typing,
        "text" | "structured" | "message" => {
            let text = message.text.as_deref().filter(|t| !t.is_empty());
            let attachment = message.content.iter().find_map(|c| c.attachment.as_ref());
            if text.is_none() && attachment.is_none() {
                AgentEvent::Ignored("a message with neither text nor attachment".into())
            } else {
                AgentEvent::Message { text, attachment }
            }
        }
        other => AgentEvent::Ignored(format!("type {other:?}")),
    }
}

/// The user a body concerns: `channel.to` of outbound messages and events, `channel.from` of
/// receipts for the user's own messages.
pub fn user_id(message: &NormalizedMessage) -> Option<&str> {
    let to = message.channel.to.as_ref().map(|r| r.id.as_str()).filter(|id| !id.is_empty());
    let from = message.channel.from.as_ref().map(|r| r.id.as_str()).filter(|id| !id.is_empty());
    let inbound = message.direction.as_deref().is_some_and(|d| d.eq_ignore_ascii_case("inbound"));
    if inbound { from.or(to) } else { to.or(from) }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The reference's test vector.
    const SECRET: &str = "my-open-messaging-secret-123";
    const BODY: &str = r#"{"id":"8085cbb3f778c34de0bd14c5318ec44c","channel":{"id":"6685901b-6d0e-43db-95ff-d64406e9dce2","platform":"Open","type":"Private","to":{"id":"33633081329","idType":"Opaque"},"from":{"nickname":"Acme","id":"6685901b-6d0e-43db-95ff-d64406e9dce2","idType":"Opaque"},"time":"2026-03-25T13:20:05.493Z","messageId":"8085cbb3f778c34de0bd14c5318ec44c"},"type":"Text","text":"Hello","originatingEntity":"Human","direction":"Outbound"}"#;
    const SIGNATURE: &str = "sha256=YNa6EdVd0bGDTjxCnu98PkdPi4NIFRLxp29qRH6Y0mg=";

    #[test]
    fn reference_vector_verifies() {
        let secret = SecretString::from(SECRET);
        assert_eq!(sign(&secret, BODY.as_bytes()), SIGNATURE);
        assert!(signature_matches(&secret, BODY.as_bytes(), SIGNATURE));
        let hex = "sha256=60d6ba11d55dd1b1834e3c429eef7c3e474f8b83481512f1a76f6a447e98d268";
        assert!(signature_matches(&secret, BODY.as_bytes(), hex));
    }

    #[test]
    fn anything_else_fails() {
        let secret = SecretString::from(SECRET);
        assert!(!signature_matches(&secret, format!("{BODY} ").as_bytes(), SIGNATURE));
        assert!(!signature_matches(&secret, BODY.as_bytes(), SIGNATURE.trim_start_matches("sha256=")));
        assert!(!signature_matches(&SecretString::from("another-secret-123"), BODY.as_bytes(), SIGNATURE));
        assert!(!signature_matches(&secret, BODY.as_bytes(), "sha256="));
        assert!(!signature_matches(&secret, BODY.as_bytes(), ""));
    }

    #[test]
    fn bodies_are_classified() {
        let message: NormalizedMessage = serde_json::from_str(BODY).expect("body");
        assert_eq!(classify(&message), AgentEvent::Message { text: Some("Hello"), attachment: None });
        assert_eq!(user_id(&message), Some("33633081329"));
        let typing: NormalizedMessage = serde_json::from_str(
            r#"{"id":"t1","channel":{"id":"i","to":{"id":"u"},"time":"2023-09-25T13:41:24.276Z"},"type":"Event","events":[{"eventType":"Typing","typing":{"type":"On","duration":5000}}],"direction":"Outbound"}"#,
        )
        .expect("typing");
        assert_eq!(classify(&typing), AgentEvent::Typing);
        let receipt: NormalizedMessage = serde_json::from_str(
            r#"{"id":"m1","channel":{"id":"i","from":{"id":"u"},"to":{"id":"i"},"time":"2023-09-25T13:41:24.276Z"},"type":"Receipt","status":"Read","direction":"Inbound"}"#,
        )
        .expect("receipt");
        assert_eq!(classify(&receipt), AgentEvent::Receipt { status: "Read" });
        assert_eq!(user_id(&receipt), Some("u"));
    }
}
