//! A screen-pop card link (`/card/{token}`): split, decoded and checked against the channel's
//! secret.
#![no_main]

use ccbridge::wde::card_link::CardLink;
use libfuzzer_sys::fuzz_target;
use secrecy::SecretString;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let secret = SecretString::from("wde-demo-card-secret-0123456789abcdef");
    let _ = CardLink::verify(token, |channel| (channel == "wde-demo").then_some(&secret), 1_795_341_600);
});
