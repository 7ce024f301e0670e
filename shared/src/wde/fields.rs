//! The request's fields as YetiForce reads them: a JSON object or form body merged with the
//! query string (query values win on a clash), read through the webservice's sanitizers.
//!
//! A value that fails a sanitizer is refused with 406 naming the field, as YetiForce does; a
//! value is never echoed back, since it may be personal data.

use std::collections::BTreeMap;

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;

use crate::ApiError;

/// Every field of one request, by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Fields(BTreeMap<String, Value>);

/// The 406 every sanitizer failure gets.
/// How far ahead of ccbridge's clock a provider's clock may be.
pub const MAX_CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

pub fn not_allowed(field: &str) -> ApiError {
    ApiError::NotAcceptable(format!("ERR_NOT_ALLOWED_VALUE||{field}"))
}

impl Fields {
    /// Reads the body by its media type (JSON object, or URL-encoded form) and lays the query
    /// pairs over it. An empty body is no fields; any other media type is refused with 415.
    pub fn parse(media_type: Option<&str>, body: &[u8], query: Vec<(String, String)>) -> Result<Self, ApiError> {
        let mut fields = BTreeMap::new();
        let subtype = media_type.and_then(|m| m.split('/').nth(1)).unwrap_or_default();
        if !body.iter().all(u8::is_ascii_whitespace) {
            if subtype == "json" || subtype.ends_with("+json") {
                match crate::http::parse_json::<Value>(body)? {
                    Value::Object(map) => fields.extend(map),
                    _ => return Err(ApiError::bad_request("invalid_json", "body: expected a JSON object")),
                }
            } else if subtype == "x-www-form-urlencoded" {
                let pairs: Vec<(String, String)> = crate::http::parse_form(body)?;
                fields.extend(pairs.into_iter().map(|(k, v)| (k, Value::String(v))));
            } else {
                return Err(ApiError::UnsupportedMediaType(
                    media_type.unwrap_or("(none)").chars().take(100).collect::<String>(),
                ));
            }
        }
        fields.extend(query.into_iter().map(|(k, v)| (k, Value::String(v))));
        Ok(Self(fields))
    }

    /// From already-merged values (tests, replays).
    pub fn from_map(map: BTreeMap<String, Value>) -> Self {
        Self(map)
    }

    /// The value, unless absent, `null` or `""` (YetiForce's `isEmpty`).
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self.0.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(v) => Some(v),
        }
    }

    /// A scalar as text (numbers and booleans as written). Objects and arrays are refused.
    pub fn text(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(_) => Err(not_allowed(key)),
        }
    }

    fn matching(&self, key: &str, allowed: fn(char) -> bool) -> Result<Option<String>, ApiError> {
        match self.text(key)? {
            Some(v) if v.chars().all(allowed) => Ok(Some(v)),
            Some(_) => Err(not_allowed(key)),
            None => Ok(None),
        }
    }

    /// `Alnum`: ASCII letters, digits and `_`.
    pub fn alnum(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.matching(key, is_alnum)
    }

    /// `AlnumExtended`: also whitespace and `,_.=-`.
    pub fn alnum_extended(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.matching(key, |c| is_alnum(c) || c.is_whitespace() || ",.=-".contains(c))
    }

    /// `AlnumType2`: also whitespace and `/+-` (phone numbers).
    pub fn alnum_type2(&self, key: &str) -> Result<Option<String>, ApiError> {
        self.matching(key, |c| is_alnum(c) || c.is_whitespace() || "/+-".contains(c))
    }

    /// `Integer`: a JSON integer or a string of one.
    pub fn integer(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| not_allowed(key)),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| not_allowed(key)),
            Some(_) => Err(not_allowed(key)),
        }
    }

    /// A date-time: RFC 3339 (`2022-11-08T14:54:55.9895353Z`), or `YYYY-MM-DD HH:MM:SS` read
    /// as UTC.
    pub fn date_time(&self, key: &str) -> Result<Option<OffsetDateTime>, ApiError> {
        let Some(text) = self.text(key)? else { return Ok(None) };
        parse_date_time(&text).map(Some).ok_or_else(|| not_allowed(key))
    }

    /// [`Fields::date_time`] of something that already happened: at most [`MAX_CLOCK_SKEW`]
    /// ahead of now. A consent's order is its interaction's start, so a start far in the future
    /// would pin a decision no later interaction could change.
    pub fn past_date_time(&self, key: &str) -> Result<Option<OffsetDateTime>, ApiError> {
        let at = self.date_time(key)?;
        match at {
            Some(at) if at > crate::clock::now() + MAX_CLOCK_SKEW => Err(not_allowed(key)),
            _ => Ok(at),
        }
    }

    /// The raw value (arrays, objects) of a field present and not empty.
    pub fn value(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }

    /// Every field not in `known`: attached data and IVR answers, kept for later mappings. A
    /// field without a name is left out: nothing can map it, and DynamoDB refuses an empty
    /// attribute name, which would fail the whole write.
    pub fn rest(&self, known: &[&str]) -> BTreeMap<String, Value> {
        self.0
            .iter()
            .filter(|(k, _)| !k.is_empty() && !known.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

/// ASCII letters, digits and `_` (`[[:alnum:]_]`).
pub fn is_alnum(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn parse_date_time(text: &str) -> Option<OffsetDateTime> {
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(at);
    }
    let naive = text.replacen('T', " ", 1);
    let with_fraction = format_description!("[year]-[month]-[day] [hour]:[minute]:[second].[subsecond]");
    let plain = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(&naive, with_fraction)
        .or_else(|_| time::PrimitiveDateTime::parse(&naive, plain))
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str, query: &[(&str, &str)]) -> Fields {
        let query = query.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Fields::parse(Some("application/json"), body.as_bytes(), query).expect("fields")
    }

    #[test]
    fn attached_data_leaves_out_fields_without_a_name() {
        let fields = json(r#"{"GenesysIDInteraction":"g1","":{"":1},"IVRSurvey":{"":1}}"#, &[]);
        let rest = fields.rest(&["GenesysIDInteraction"]);
        assert_eq!(rest.keys().collect::<Vec<_>>(), ["IVRSurvey"]);
    }

    #[test]
    fn query_values_win_over_the_body() {
        let fields = json(r#"{"QueueName":"Sales","QueueTime":122}"#, &[("QueueName", "Support")]);
        assert_eq!(fields.text("QueueName").expect("text").as_deref(), Some("Support"));
        assert_eq!(fields.integer("QueueTime").expect("int"), Some(122));
    }

    #[test]
    fn form_bodies_are_read_like_json() {
        let form = Fields::parse(
            Some("application/x-www-form-urlencoded"),
            b"GenesysIDInteraction=00047aHK833X02TB&QueueTime=12&CustomerPhoneNumber=%2B48884998123",
            vec![],
        )
        .expect("form");
        assert_eq!(form.alnum("GenesysIDInteraction").expect("alnum").as_deref(), Some("00047aHK833X02TB"));
        assert_eq!(form.integer("QueueTime").expect("int"), Some(12));
        assert_eq!(form.alnum_type2("CustomerPhoneNumber").expect("phone").as_deref(), Some("+48884998123"));
    }

    #[test]
    fn sanitizers_refuse_with_406_naming_the_field() {
        let fields = json(r#"{"A":"a b","B":"x<y","C":"1.5","D":{"x":1},"E":"+48 884/99-8"}"#, &[]);
        let err = fields.alnum("A").expect_err("space");
        assert_eq!(err.status(), 406);
        assert!(err.to_string().contains('A'));
        assert!(fields.alnum_extended("A").is_ok());
        assert!(fields.alnum_extended("B").is_err());
        assert!(fields.integer("C").is_err());
        assert!(fields.text("D").is_err());
        assert!(fields.alnum_type2("E").is_ok());
    }

    #[test]
    fn empty_values_count_as_absent() {
        let fields = json(r#"{"A":"","B":null}"#, &[]);
        assert_eq!(fields.text("A").expect("ok"), None);
        assert_eq!(fields.integer("B").expect("ok"), None);
        assert_eq!(fields.alnum("missing").expect("ok"), None);
    }

    #[test]
    fn bodies_that_are_not_objects_or_known_types_are_refused() {
        assert!(Fields::parse(Some("application/json"), b"[1]", vec![]).is_err());
        let err = Fields::parse(Some("text/plain"), b"hello", vec![]).expect_err("415");
        assert_eq!(err.status(), 415);
        assert!(Fields::parse(None, b"", vec![]).is_ok());
    }

    #[test]
    fn date_times_in_both_wde_forms() {
        let fields = json(r#"{"A":"2022-11-08T14:54:55.9895353Z","B":"2022-11-04 09:17:26","C":"yesterday"}"#, &[]);
        let a = fields.date_time("A").expect("rfc3339").expect("present");
        assert_eq!(a.unix_timestamp(), 1_667_919_295);
        let b = fields.date_time("B").expect("naive").expect("present");
        assert_eq!(b.unix_timestamp(), 1_667_553_446);
        assert_eq!(fields.date_time("C").expect_err("garbage").status(), 406);
        let soon = crate::clock::now() + time::Duration::minutes(1);
        let later = crate::clock::now() + time::Duration::days(3650);
        let format = time::format_description::well_known::Rfc3339;
        let text = |at: OffsetDateTime| at.format(&format).expect("format");
        let fields = json(&format!(r#"{{"A":"{}","B":"{}"}}"#, text(soon), text(later)), &[]);
        assert!(fields.past_date_time("A").expect("within the skew").is_some());
        assert_eq!(fields.past_date_time("B").expect_err("the future").status(), 406);
    }
}
