//! UIS HTTP notifications as they really arrive.
//!
//! UIS fills the `{{name}}` placeholders of a template the account owner typed, so a body is
//! JSON whose values are JSON-encoded (strings quoted, numbers bare, lists as arrays, `null`
//! when empty), numbers sometimes come as strings, a placeholder UIS does not know for an event
//! stays as the literal `{{name}}` (unquoted, which is not even JSON) or as the bare field
//! name, and some accounts send the same fields form-encoded. [`Notification::parse`] accepts
//! all of these and keeps every field, known or not; the accessors read one field leniently
//! and name it when it cannot be read.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// What told ccbridge about a call: the four notifications a UIS channel is set up with, named
/// as in the webhook paths, and ccbridge's own click-to-call request, which no webhook can claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    IncomingCallStarted,
    OutgoingCallStarted,
    ConversationStarted,
    CallFinished,
    /// `start.employee_call` placed by ccbridge (`POST /uis/calls`).
    CallRequested,
}

impl EventKind {
    /// The notifications, each with its webhook.
    pub const ALL: [EventKind; 4] =
        [Self::IncomingCallStarted, Self::OutgoingCallStarted, Self::ConversationStarted, Self::CallFinished];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::IncomingCallStarted => "incoming_call_started",
            Self::OutgoingCallStarted => "outgoing_call_started",
            Self::ConversationStarted => "conversation_started",
            Self::CallFinished => "call_finished",
            Self::CallRequested => "call_requested",
        }
    }

    /// The kind named by the last segment of a webhook path (`/uis/webhook/call_finished`).
    pub fn from_path(path: &str) -> Option<Self> {
        let last = path.trim_end_matches('/').rsplit('/').next()?;
        Self::ALL.into_iter().find(|k| k.as_str() == last)
    }
}

/// The field carrying the channel token, as in the Usedesk templates.
pub const TOKEN_FIELD: &str = "ud_channel_token";

/// Why a body is not a notification. Every message names the field or the position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationError {
    #[error("body is not valid JSON: {0}")]
    Json(String),
    #[error("body is not a valid form: {0}")]
    Form(String),
    #[error("body must be a JSON object of notification fields")]
    NotAnObject,
    #[error("body.{0} is missing")]
    Missing(&'static str),
    #[error("body.{field}: {message}")]
    Invalid { field: &'static str, message: String },
}

impl NotificationError {
    /// The stable error code the API answers with.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json(_) | Self::NotAnObject => "invalid_json",
            Self::Form(_) => "invalid_form",
            Self::Missing(_) => "missing_field",
            Self::Invalid { .. } => "invalid_field",
        }
    }
}

/// How the body was encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyFormat {
    Json,
    Form,
}

/// One notification: its fields with unfilled placeholders read as `null`.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub kind: EventKind,
    pub format: BodyFormat,
    fields: Map<String, Value>,
}

impl Notification {
    /// Parses a body. `form` says the content type was `application/x-www-form-urlencoded`;
    /// anything else is read as JSON, which is what UIS sends whatever header it sets.
    pub fn parse(kind: EventKind, body: &[u8], form: bool) -> Result<Self, NotificationError> {
        let (format, raw) =
            if form { (BodyFormat::Form, parse_form(body)?) } else { (BodyFormat::Json, parse_json(body)?) };
        let fields = raw
            .into_iter()
            .map(|(key, value)| {
                let value = if is_unfilled(&key, &value) { Value::Null } else { value };
                (key, value)
            })
            .collect();
        Ok(Self { kind, format, fields })
    }

    /// Every field, known or not, with the channel token removed: what is kept for audit.
    pub fn fields_without_token(&self) -> Map<String, Value> {
        let mut fields = self.fields.clone();
        fields.remove(TOKEN_FIELD);
        fields
    }

    /// The channel token, if the body carries one.
    pub fn token(&self) -> Option<&str> {
        self.fields.get(TOKEN_FIELD).and_then(Value::as_str)
    }

    /// A text field; numbers are read as their decimal text, empty text as absent.
    pub fn text(&self, field: &str) -> Option<String> {
        match self.fields.get(field)? {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A whole number that may come as a number or as text (`"42"`, `42`, `42.0`).
    pub fn count(&self, field: &'static str) -> Result<Option<u64>, NotificationError> {
        let invalid = |message: &str| NotificationError::Invalid { field, message: message.into() };
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
                (Some(v), _) => Ok(Some(v)),
                (None, Some(f)) if f >= 0.0 && f.fract() == 0.0 && f < 9.0e15 => Ok(Some(f as u64)),
                _ => Err(invalid("must be a whole number of at least 0")),
            },
            Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
            Some(Value::String(s)) => {
                s.trim().parse().map(Some).map_err(|_| invalid("must be a whole number of at least 0"))
            }
            Some(_) => Err(invalid("must be a whole number")),
        }
    }

    /// A yes/no field: `true`, `1`, `"true"`, `"1"` and their opposites.
    pub fn flag(&self, field: &'static str) -> Result<Option<bool>, NotificationError> {
        let invalid = || NotificationError::Invalid { field, message: "must be true or false".into() };
        match self.fields.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::Number(n)) => match n.as_u64() {
                Some(0) => Ok(Some(false)),
                Some(1) => Ok(Some(true)),
                _ => Err(invalid()),
            },
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "1" | "t" | "yes" => Ok(Some(true)),
                "false" | "0" | "f" | "no" => Ok(Some(false)),
                _ => Err(invalid()),
            },
            Some(_) => Err(invalid()),
        }
    }

    /// A list field: a JSON array, an array sent as text (form bodies), or one bare value.
    pub fn list(&self, field: &str) -> Vec<String> {
        let item_text = |v: &Value| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        match self.fields.get(field) {
            Some(Value::Array(items)) => items.iter().filter_map(item_text).collect(),
            Some(Value::String(s)) if s.trim_start().starts_with('[') => match serde_json::from_str::<Value>(s) {
                Ok(Value::Array(items)) => items.iter().filter_map(item_text).collect(),
                _ => vec![s.trim().to_string()],
            },
            Some(other) => item_text(other).into_iter().collect(),
            None => Vec::new(),
        }
    }
}

/// A placeholder UIS left unfilled: `{{name}}` (quoted or not) or the bare field name.
fn is_unfilled(key: &str, value: &Value) -> bool {
    match value {
        Value::String(s) => {
            let s = s.trim();
            (s.starts_with("{{") && s.ends_with("}}")) || s == key
        }
        _ => false,
    }
}

fn parse_json(body: &[u8]) -> Result<Map<String, Value>, NotificationError> {
    let filled = null_unquoted_placeholders(body);
    match serde_json::from_slice::<Value>(&filled) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(NotificationError::NotAnObject),
        Err(e) => Err(NotificationError::Json(e.to_string())),
    }
}

/// Form values are the same JSON-encoded texts as in a JSON body (`"Иван"`, `[1,2]`, `null`);
/// a value that is not JSON is taken as plain text.
fn parse_form(body: &[u8]) -> Result<Map<String, Value>, NotificationError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_bytes(body).map_err(|e| NotificationError::Form(e.to_string()))?;
    Ok(pairs
        .into_iter()
        .map(|(key, text)| {
            let trimmed = text.trim();
            let value = if trimmed.starts_with("{{") {
                Value::Null
            } else {
                serde_json::from_str::<Value>(trimmed).unwrap_or(Value::String(text))
            };
            (key, value)
        })
        .collect())
}

/// Replaces each `{{name}}` that stands outside a string with `null`, so a template UIS did
/// not fill still parses. Text inside strings is left alone.
fn null_unquoted_placeholders(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut i = 0;
    while i < body.len() {
        let b = body[i];
        if in_string {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
        } else if body[i..].starts_with(b"{{") {
            let name_len = body[i + 2..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
            if body[i + 2 + name_len..].starts_with(b"}}") {
                out.extend_from_slice(b"null");
                i += name_len + 4;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(body: &str) -> Notification {
        Notification::parse(EventKind::CallFinished, body.as_bytes(), false).expect("parses")
    }

    #[test]
    fn kinds_come_from_paths() {
        assert_eq!(EventKind::from_path("/uis/webhook/call_finished"), Some(EventKind::CallFinished));
        assert_eq!(EventKind::from_path("/uis/webhook/incoming_call_started/"), Some(EventKind::IncomingCallStarted));
        assert_eq!(EventKind::from_path("/uis/webhook/nope"), None);
    }

    #[test]
    fn unquoted_placeholders_read_as_null_and_strings_are_left_alone() {
        let n = json(r#"{"a":{{a}},"b":"{{b}}","c":"x {{c}} y","d":"d","e":[{{e}}]}"#);
        assert_eq!(n.text("a"), None);
        assert_eq!(n.text("b"), None);
        assert_eq!(n.text("c").as_deref(), Some("x {{c}} y"));
        assert_eq!(n.text("d"), None, "the bare field name is an unfilled placeholder");
        assert!(n.list("e").is_empty());
    }

    #[test]
    fn numbers_as_strings_and_flags_are_read() {
        let n = json(r#"{"w":"12","t":30,"f":7.0,"l":"true","x":0,"bad":"soon"}"#);
        assert_eq!(n.count("w"), Ok(Some(12)));
        assert_eq!(n.count("t"), Ok(Some(30)));
        assert_eq!(n.count("f"), Ok(Some(7)));
        assert_eq!(n.flag("l"), Ok(Some(true)));
        assert_eq!(n.flag("x"), Ok(Some(false)));
        let err = n.count("bad").expect_err("not a number");
        assert_eq!(err.to_string(), "body.bad: must be a whole number of at least 0");
    }

    #[test]
    fn form_bodies_carry_json_encoded_values() {
        let body = "call_session_id=3421&contact_full_name=%22%D0%98%D0%B2%D0%B0%D0%BD%22&tag_names=%5B%22VIP%22%2C%22%D0%96%D0%B0%D0%BB%D0%BE%D0%B1%D0%B0%22%5D&employee_id={{employee_id}}&note=plain+text";
        let n = Notification::parse(EventKind::CallFinished, body.as_bytes(), true).expect("form");
        assert_eq!(n.format, BodyFormat::Form);
        assert_eq!(n.count("call_session_id"), Ok(Some(3421)));
        assert_eq!(n.text("contact_full_name").as_deref(), Some("Иван"));
        assert_eq!(n.list("tag_names"), vec!["VIP".to_string(), "Жалоба".to_string()]);
        assert_eq!(n.text("employee_id"), None);
        assert_eq!(n.text("note").as_deref(), Some("plain text"));
    }

    #[test]
    fn errors_name_the_problem() {
        let err = Notification::parse(EventKind::CallFinished, b"{\"a\":", false).expect_err("truncated");
        assert_eq!(err.code(), "invalid_json");
        assert!(err.to_string().starts_with("body is not valid JSON"), "{err}");
        let err = Notification::parse(EventKind::CallFinished, b"[1]", false).expect_err("array");
        assert_eq!(err, NotificationError::NotAnObject);
    }

    #[test]
    fn unknown_fields_are_kept_and_the_token_is_not() {
        let n = json(r#"{"ud_channel_token":"secret-token","brand_new_field":{"x":1}}"#);
        assert_eq!(n.token(), Some("secret-token"));
        let kept = n.fields_without_token();
        assert_eq!(kept.get("brand_new_field"), Some(&serde_json::json!({"x":1})));
        assert!(!kept.contains_key(TOKEN_FIELD));
    }
}
