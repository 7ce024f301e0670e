//! The configuration document (TOML): parsed and validated as a cold start does.
#![no_main]

use ccbridge::config::Config;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = Config::parse(text);
});
