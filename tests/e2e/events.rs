//! Every sample in events/ replays through the same path as `ccbridge-local invoke`: function
//! folders in the order of `ccbridge_local::FUNCTIONS` (so calls exist before the history API
//! reads them), files in name order, all on one stack. A sample answers 2xx unless its name
//! ends with the status it shows (`expired-link-403.json`).

use std::path::{Path, PathBuf};

use ccbridge_tests::on_each_backend;

/// Folders whose samples need a Genesys Cloud to talk to: `chat_events.rs` replays them
/// against the local Genesys Cloud contract server.
const REPLAYED_WITH_GENESYS: &[&str] = &["chat-escalation", "genesys-messaging-inbound"];
/// Folders whose samples place calls: `click_to_call.rs` replays them against the local UIS
/// Call API contract server.
const REPLAYED_WITH_CALL_API: &[&str] = &["uis-click-to-call"];

fn expected_status(file: &Path) -> Option<u64> {
    let stem = file.file_stem()?.to_str()?;
    let (_, code) = stem.rsplit_once('-')?;
    if code.len() == 3 { code.parse().ok() } else { None }
}

#[tokio::test]
async fn every_sample_event_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut samples: Vec<(ccbridge::HttpFunction, PathBuf)> = Vec::new();
    for function in ccbridge_local::FUNCTIONS {
        let folder = root.join(function.name);
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("events/{} must hold samples: {e}", function.name))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "events/{} has no sample", function.name);
        if REPLAYED_WITH_GENESYS.contains(&function.name) || REPLAYED_WITH_CALL_API.contains(&function.name) {
            continue;
        }
        samples.extend(files.into_iter().map(|f| (*function, f)));
    }
    on_each_backend(async |stack| {
        for (function, file) in &samples {
            let event = std::fs::read_to_string(file).expect("sample");
            let response = ccbridge_local::invoke::invoke(stack.stack.app.clone(), *function, &event)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let status = response["statusCode"].as_u64().expect("statusCode");
            match expected_status(file) {
                Some(expected) => assert_eq!(status, expected, "{}: {response}", file.display()),
                None => assert!((200..300).contains(&status), "{}: {response}", file.display()),
            }
        }
    })
    .await;
}
