//! A UIS notification body as JSON, through everything the webhook does before the store:
//! parsing, reading into the call's fields for the test configuration's channel, the merge.
#![no_main]

use ccbridge::config::Config;
use ccbridge::uis::call::{Call, Incoming};
use ccbridge::uis::config::UisChannel;
use ccbridge::uis::notification::{EventKind, Notification};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// The test configuration, read once.
static CONFIG: LazyLock<Config> =
    LazyLock::new(|| Config::parse(include_str!("../../support/config.toml")).expect("test configuration"));

fuzz_target!(|data: &[u8]| notification(data, false));

/// Shared with `uis_notification_form`: the first byte picks the event kind.
fn notification(data: &[u8], form: bool) {
    let Some((&pick, body)) = data.split_first() else { return };
    let kind = EventKind::ALL[usize::from(pick) % EventKind::ALL.len()];
    let Ok(notification) = Notification::parse(kind, body, form) else { return };
    let _ = notification.token();
    let _ = notification.fields_without_token();
    let channel = CONFIG.all::<UisChannel>().next().expect("a UIS channel");
    let Ok(incoming) = Incoming::read(&notification, channel) else { return };
    if let Some(call) = Call::merge(None, &incoming, channel) {
        let again = Call::merge(Some(&call), &incoming, channel);
        assert!(again.is_none(), "a delivery merged twice changes nothing");
        let _ = serde_json::to_string(&call).expect("a call serialises");
    }
}
