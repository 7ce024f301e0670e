//! A Genesys Cloud open-messaging webhook: the signature header against the body, the body
//! as a normalised message, and what the webhook reads from it.
#![no_main]

use ccbridge::chat::webhook::{classify, signature_matches, user_id};
use ccbridge::genesys::open_messaging::{IntegrationId, NormalizedMessage};
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fuzz_target!(|data: &[u8]| {
    // Up to the first 0 byte: the X-Hub-Signature-256 header; the rest is the body.
    let (header, body) = match data.iter().position(|&b| b == 0) {
        Some(at) => (String::from_utf8_lossy(&data[..at]).into_owned(), &data[at + 1..]),
        None => (String::new(), data),
    };
    let secret = SecretString::from("genesys-webhook-secret-0001");
    let _ = signature_matches(&secret, body, &header);
    let Ok(message) = ccbridge::http::parse_json::<NormalizedMessage>(body) else { return };
    let _ = classify(&message);
    let _ = user_id(&message);
    let _ = IntegrationId::try_from(message.channel.id.clone());
});
