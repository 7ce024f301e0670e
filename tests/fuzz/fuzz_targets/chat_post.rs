//! A bot's post to a chat session: the JSON body, validated into what the user did.
#![no_main]

use ccbridge::chat::escalation::PostRequest;
use ccbridge::chat::session::SessionId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = ccbridge::http::parse_json::<PostRequest>(data) {
        let _ = request.validate();
    }
    let _ = SessionId::parse(&String::from_utf8_lossy(data), "path.id");
});
