//! A listing cursor a caller sends back: the store's (calls, callbacks, notifications) and
//! the chat transcript's.
#![no_main]

use ccbridge::chat::transcript::After;
use ccbridge::store::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    if let Ok(cursor) = Cursor::decode(token) {
        assert_eq!(Cursor::decode(&cursor.encode()), Ok(cursor), "a cursor round-trips");
    }
    let _ = After::decode(token);
});
