//! Every sample in events/ replays through the same path as `ccbridge-local invoke`: for each
//! function folder, the files in name order on one fresh stack, each answered with 2xx.

use std::path::Path;

use ccbridge_tests::on_each_backend;

#[tokio::test]
async fn every_sample_event_replays() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events");
    let mut replayed = 0;
    for function in ccbridge_local::FUNCTIONS {
        let folder = root.join(function.name);
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("events/{} must hold samples: {e}", function.name))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        assert!(!files.is_empty(), "events/{} has no sample", function.name);
        on_each_backend(async |stack| {
            for file in &files {
                let event = std::fs::read_to_string(file).expect("sample");
                let response = ccbridge_local::invoke::invoke(stack.stack.app.clone(), *function, &event)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                let status = response["statusCode"].as_u64().expect("statusCode");
                assert!((200..300).contains(&status), "{}: {response}", file.display());
            }
        })
        .await;
        replayed += files.len();
    }
    assert!(replayed >= ccbridge_local::FUNCTIONS.len());
}
