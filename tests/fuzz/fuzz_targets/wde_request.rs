//! A WDE webservice request: the body by its media type (JSON or form), the query laid over
//! it, then the method's typed request with YetiForce's sanitizers.
#![no_main]

use ccbridge::phone::Country;
use ccbridge::wde::fields::Fields;
use ccbridge::wde::request::{RegisterCampaign, RegisterInteraction, UpdateInteraction};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the media type and the method; a 0 byte separates a query string.
    let Some((&pick, rest)) = data.split_first() else { return };
    let media_type = ["application/json", "application/x-www-form-urlencoded", "text/plain"][usize::from(pick % 3)];
    let (body, query) = match rest.iter().position(|&b| b == 0) {
        Some(at) => (&rest[..at], &rest[at + 1..]),
        None => (rest, &[][..]),
    };
    let query: Vec<(String, String)> = ccbridge::http::parse_form(query).unwrap_or_default();
    let Ok(fields) = Fields::parse(Some(media_type), body, query) else { return };
    let country = Country::parse("PL").expect("a country");
    match (pick / 3) % 3 {
        0 => drop(RegisterInteraction::parse(&fields, country)),
        1 => drop(UpdateInteraction::parse(&fields)),
        _ => drop(RegisterCampaign::parse(&fields, country)),
    }
});
