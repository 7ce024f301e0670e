//! Phone numbers in E.164 (`+74993720692`): the one form phones are stored, matched and
//! compared in, whatever the provider sent — UIS's `74993720692`, a person's
//! `8 499 372 06 92`, WDE's `0048 884-998-123` — so one caller is one contact.
//!
//! The numbering plan is Google's libphonenumber metadata, decoded on the first number parsed
//! (about 17 million instructions, a few milliseconds) with each region's patterns compiled as
//! its numbers arrive; nothing of it runs at cold start.

use std::fmt;
use std::str::FromStr;

use rlibphonenumber::{PHONE_NUMBER_UTIL, PhoneNumberFormat, Region};
use serde::{Deserialize, Serialize};

/// A valid phone number in E.164 (`+74993720692`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("not a phone number: {0}")]
    Parse(String),
    #[error("not a valid number for its country")]
    Invalid,
}

/// An ISO 3166 country the numbering plan knows (`RU`, `PL`): the region of numbers written
/// without a country code. Checked once, when the configuration is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Country(Region);

/// The regions the numbering plan has metadata for, so that a configuration is checked without
/// loading the plan at cold start; a test holds the list to the plan itself.
const PLAN_REGIONS: &str = "AC AD AE AF AG AI AL AM AO AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN \
    BO BQ BR BS BT BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH \
    ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN \
    IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG \
    MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL \
    PM PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TA TC TD TG \
    TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW";

impl Country {
    /// The country of a two-letter upper-case code, if the numbering plan knows it.
    pub fn parse(code: &str) -> Option<Self> {
        let well_formed = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        let known = well_formed && PLAN_REGIONS.split_whitespace().any(|region| region == code);
        known.then(|| Region::from_str(code).ok().map(Self)).flatten()
    }
}

impl TryFrom<String> for Country {
    type Error = String;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code).ok_or_else(|| format!("{code:?} must be a two-letter ISO 3166 code such as RU or PL"))
    }
}

impl PhoneNumber {
    /// Parses `text` in any common notation; numbers without a country code are read in
    /// `default_country`. UIS sends Russian numbers as 11 digits starting with 7 and without
    /// `+`, and people write the trunk prefix 8: both give the same number.
    pub fn parse(text: &str, default_country: Country) -> Result<Self, PhoneError> {
        let country = default_country.0;
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        let trimmed = text.trim();
        let candidate = if trimmed.starts_with('+') || trimmed.starts_with("00") {
            trimmed.to_string()
        } else if country == Region::RU && digits.len() == 11 && digits.starts_with('7') {
            format!("+{digits}")
        } else if country == Region::RU && digits.len() == 11 && digits.starts_with('8') {
            // The trunk prefix 8 before a ten-digit national number.
            format!("+7{}", &digits[1..])
        } else if digits.len() > 10 && !digits.starts_with('0') && !(country == Region::RU && digits.starts_with('8')) {
            // An international number without the plus, as UIS writes every number.
            format!("+{digits}")
        } else {
            trimmed.to_string()
        };
        let number =
            PHONE_NUMBER_UTIL.parse(&candidate, Some(country)).map_err(|e| PhoneError::Parse(e.to_string()))?;
        if !number.is_valid() {
            return Err(PhoneError::Invalid);
        }
        Ok(Self(number.format_as(PhoneNumberFormat::E164).into_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without the `+`, as the UIS Call API wants them (`74993720692`).
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }

    /// The number with all but the last two digits hidden, for logs and error messages.
    pub fn masked(&self) -> String {
        let visible = self.0.len().saturating_sub(2);
        format!("{}{}", "*".repeat(visible), &self.0[visible..])
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneError;

    /// Reads a stored E.164 number back.
    fn try_from(value: String) -> Result<Self, Self::Error> {
        if value.starts_with('+') && value.len() > 4 && value[1..].bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(value))
        } else {
            Err(PhoneError::Parse("a stored number is not in E.164".into()))
        }
    }
}

impl From<PhoneNumber> for String {
    fn from(value: PhoneNumber) -> Self {
        value.0
    }
}

impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PhoneNumber({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(code: &str) -> Country {
        Country::parse(code).expect("country")
    }

    #[test]
    fn russian_notations_are_one_number() {
        for text in ["74993720692", "+7 (499) 372-06-92", "8 499 372 06 92", "84993720692", "4993720692"] {
            assert_eq!(PhoneNumber::parse(text, country("RU")).expect(text).as_str(), "+74993720692", "{text}");
        }
        assert_eq!(PhoneNumber::parse("79161234567", country("RU")).expect("mobile").as_str(), "+79161234567");
        for text in ["78123456789", "8 (812) 345-67-89", "+7 812 345 67 89"] {
            assert_eq!(PhoneNumber::parse(text, country("RU")).expect(text).as_str(), "+78123456789", "{text}");
        }
    }

    #[test]
    fn foreign_numbers_keep_their_country() {
        assert_eq!(PhoneNumber::parse("+49 30 901820", country("RU")).expect("de").as_str(), "+4930901820");
        assert_eq!(PhoneNumber::parse("380441234567", country("RU")).expect("ua").as_str(), "+380441234567");
    }

    #[test]
    fn garbage_and_bad_countries_are_errors() {
        assert!(PhoneNumber::parse("hello", country("RU")).is_err());
        assert!(PhoneNumber::parse("123", country("RU")).is_err());
        assert_eq!(PhoneNumber::parse("+7 999 000", country("RU")).expect_err("short"), PhoneError::Invalid);
        assert_eq!(Country::parse("XX"), None, "an unknown country is refused before any number is read");
    }

    #[test]
    fn the_plan_regions_are_the_plan_s_own() {
        let mut plan: Vec<String> = PHONE_NUMBER_UTIL.get_supported_regions().map(|r| r.to_string()).collect();
        plan.sort();
        assert_eq!(PLAN_REGIONS.split_whitespace().collect::<Vec<_>>(), plan);
    }

    #[test]
    fn national_and_international_forms_meet_in_e164() {
        for input in ["+48884998123", "884 998 123", "884-998-123", "0048 884 998 123", "+48 884 998 123"] {
            assert_eq!(PhoneNumber::parse(input, country("PL")).expect(input).as_str(), "+48884998123", "{input}");
        }
        assert_eq!(PhoneNumber::parse("030 901820", country("DE")).expect("de").as_str(), "+4930901820");
    }

    #[test]
    fn invalid_numbers_are_refused() {
        for input in ["", "anonymous", "123", "+48 12", "+999 123 456 789"] {
            assert!(PhoneNumber::parse(input, country("PL")).is_err(), "{input}");
        }
    }

    #[test]
    fn stored_values_round_trip() {
        let phone = PhoneNumber::parse("+48884998123", country("PL")).expect("valid");
        let json = serde_json::to_string(&phone).expect("json");
        assert_eq!(json, "\"+48884998123\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).expect("back"), phone);
        assert!(serde_json::from_str::<PhoneNumber>("\"884998123\"").is_err());
        assert!(Country::parse("PL").is_some() && Country::parse("XX").is_none() && Country::parse("pl").is_none());
    }

    #[test]
    fn debug_hides_the_number() {
        let number = PhoneNumber::parse("74993720692", country("RU")).expect("valid");
        assert_eq!(format!("{number:?}"), "PhoneNumber(**********92)");
    }
}
