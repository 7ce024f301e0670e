//! Phone numbers in E.164 (`+48884998123`): the one form phones are stored, matched and
//! compared in, whatever the provider sent (`884 998 123`, `0048 884-998-123`, …).

use std::fmt;
use std::str::FromStr;

use phonenumber::country;
use serde::{Deserialize, Serialize};

/// A valid phone number in E.164 form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// The input is not a valid phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a valid phone number")]
pub struct InvalidPhoneNumber;

/// The numbering region of an ISO 3166 code, if libphonenumber knows it.
pub fn region(code: &str) -> Option<country::Id> {
    country::Id::from_str(code).ok()
}

impl PhoneNumber {
    /// Parses `input`; numbers without a country code are read as numbers of `default_region`.
    pub fn parse(input: &str, default_region: Option<country::Id>) -> Result<Self, InvalidPhoneNumber> {
        let parsed = phonenumber::parse(default_region, input.trim()).map_err(|_| InvalidPhoneNumber)?;
        if !phonenumber::is_valid(&parsed) {
            return Err(InvalidPhoneNumber);
        }
        Ok(Self(parsed.format().mode(phonenumber::Mode::E164).to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhoneNumber;

    /// Stored values are already E.164; anything else is rejected.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        let parsed = Self::parse(&value, None)?;
        if parsed.0 == value { Ok(parsed) } else { Err(InvalidPhoneNumber) }
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_meet_in_e164() {
        let pl = region("PL");
        for input in ["+48884998123", "884 998 123", "884-998-123", "0048 884 998 123", "+48 884 998 123"] {
            assert_eq!(PhoneNumber::parse(input, pl).expect(input).as_str(), "+48884998123", "{input}");
        }
        let ru = region("RU");
        assert_eq!(PhoneNumber::parse("8 (916) 123-45-67", ru).expect("ru").as_str(), "+79161234567");
    }

    #[test]
    fn invalid_numbers_are_refused() {
        let pl = region("PL");
        for input in ["", "anonymous", "123", "+48 12", "+999 123 456 789"] {
            assert!(PhoneNumber::parse(input, pl).is_err(), "{input}");
        }
        assert!(PhoneNumber::parse("884998123", None).is_err());
    }

    #[test]
    fn stored_values_round_trip() {
        let phone = PhoneNumber::parse("+48884998123", None).expect("valid");
        let json = serde_json::to_string(&phone).expect("json");
        assert_eq!(json, "\"+48884998123\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).expect("back"), phone);
        assert!(serde_json::from_str::<PhoneNumber>("\"884998123\"").is_err());
    }
}
