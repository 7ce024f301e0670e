//! The field-mapping engine: how a channel's `[[channel.crm.map]]` rules turn a provider's
//! fields (a UIS notification, WDE attached data, a bot's variables, flattened by name) into
//! the CRM's activity, case and contact fields and Genesys custom attributes. Every rule is
//! checked when the configuration is read, so a mapping that would fail fails the cold start
//! with the rule's path, never a request.
//!
//! # The rule language
//!
//! One rule is one table of the channel's `crm.map` array:
//!
//! ```toml
//! [[channel.crm.map]]
//! to = "activity.subject"                      # required: the field written
//! template = "Inbound call from {contact_full_name} to {virtual_phone_number}"
//! default = "Inbound call"                     # when the value comes out empty
//! when = [{ field = "direction", equals = "inbound" }]
//! ```
//!
//! - `to`: `activity.<name>`, `case.<name>`, `contact.<name>` or `attribute.<name>` (a Genesys
//!   custom attribute). `<name>` is 1 to 64 of `a-z`, `0-9` and `_`; attribute names may also
//!   hold upper-case letters (`contractId`). A contact has only `first_name`, `last_name`,
//!   `name`, `email` and `phone`, given to a contact the interaction creates or names.
//! - The value, exactly one of: `from = "<source field>"` (a copy), `template = "…"` (`{name}`
//!   is a source field, missing ones render empty; `{{` and `}}` write braces) or
//!   `value = "<literal>"`.
//! - `default`: the value when the source field is absent or blank, or the value comes out
//!   blank after the transforms. It is written as it is, not transformed.
//! - `when`: conditions that must all hold, each on one source field: `{ field, equals = "v" }`
//!   (exact), `{ field, matches = "^re$" }` (a [`regex`] search: anchor it to match the whole
//!   value) or `{ field, present = true }` (present and not blank; `false`: absent or blank).
//!   An absent field equals and matches nothing.
//! - `transform`: applied in order to a non-blank value: `"trim"`, `"lower"`, `"upper"`,
//!   `"phone"` (E.164 in the channel's `default_country`; a value that is no phone number stays
//!   as it was), `{ strip_prefix = "9" }` (a leading prefix, removed once; a list tries each
//!   prefix in order and removes the first that matches), `{ labels = { "1" = "Sales" },
//!   otherwise = "Other" }` (codes to labels; an unknown code becomes `otherwise`, or stays as
//!   it is without it).
//!
//! Several rules may write one field: the first that yields a non-blank value wins, so a
//! conditional rule followed by an unconditional one is a rule with a fallback.
//!
//! Limits, checked when the configuration is read: at most [`MAX_RULES`] rules per channel,
//! templates of at most [`MAX_TEMPLATE_CHARS`] characters with balanced braces and no empty
//! `{}`, regular expressions within [`REGEX_SIZE_LIMIT`] bytes compiled. Every value written is
//! cut to [`MAX_VALUE_BYTES`] bytes (at a character boundary).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use crate::phone::{Country, PhoneNumber};

/// A provider's fields, flattened, by name.
pub type Fields = BTreeMap<String, String>;

/// The most rules one channel's map may hold: mappings are read at every cold start.
pub const MAX_RULES: usize = 100;
/// The longest template, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 1000;
/// The longest value a rule writes, in bytes: longer ones are cut. Also the longest literal.
pub const MAX_VALUE_BYTES: usize = 4096;
/// The most memory one compiled regular expression may take: a pattern is configuration, not
/// a way to exhaust a function at its cold start.
pub const REGEX_SIZE_LIMIT: usize = 100 * 1024;
/// The longest `matches` pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 1000;
/// The fields a contact record has.
pub const CONTACT_FIELDS: [&str; 5] = ["first_name", "last_name", "name", "email", "phone"];

const MAX_NAME_CHARS: usize = 64;

/// What the rules produced, per target record; keys are the field names after the dot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapped {
    pub activity: Fields,
    pub case: Fields,
    pub contact: Fields,
    pub attributes: Fields,
}

impl Mapped {
    fn record_mut(&mut self, record: Record) -> &mut Fields {
        match record {
            Record::Activity => &mut self.activity,
            Record::Case => &mut self.case,
            Record::Contact => &mut self.contact,
            Record::Attribute => &mut self.attributes,
        }
    }
}

/// The record a rule writes into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Record {
    Activity,
    Case,
    Contact,
    /// A Genesys custom attribute (participant data).
    Attribute,
}

impl Record {
    /// The prefix before the dot in `to`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Activity => "activity",
            Self::Case => "case",
            Self::Contact => "contact",
            Self::Attribute => "attribute",
        }
    }
}

/// The field a rule writes: `to = "case.queue"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Target {
    record: Record,
    name: String,
}

impl Target {
    pub fn record(&self) -> Record {
        self.record
    }

    /// The field's name after the dot.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl TryFrom<String> for Target {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let expected = "must be activity.<name>, case.<name>, contact.<name> or attribute.<name>";
        let Some((prefix, name)) = text.split_once('.') else {
            return Err(format!("{text:?} {expected}"));
        };
        let record = match prefix {
            "activity" => Record::Activity,
            "case" => Record::Case,
            "contact" => Record::Contact,
            "attribute" => Record::Attribute,
            _ => return Err(format!("{text:?} {expected}")),
        };
        let allowed = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_';
        let well_formed = !name.is_empty()
            && name.len() <= MAX_NAME_CHARS
            && name.bytes().all(|b| allowed(b) || (record == Record::Attribute && b.is_ascii_uppercase()));
        if !well_formed {
            let letters = if record == Record::Attribute { "a-z, A-Z" } else { "a-z" };
            return Err(format!("{text:?}: the name after the dot must be 1 to 64 characters of {letters}, 0-9 and _"));
        }
        if record == Record::Contact && !CONTACT_FIELDS.contains(&name) {
            return Err(format!("{text:?}: a contact has only the fields {}", CONTACT_FIELDS.join(", ")));
        }
        Ok(Self { record, name: name.to_owned() })
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.record.as_str(), self.name)
    }
}

/// A channel's compiled rules, in the order written (a TOML array of rules).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(try_from = "Vec<Rule>")]
pub struct FieldMap(Vec<Rule>);

impl TryFrom<Vec<Rule>> for FieldMap {
    type Error = String;

    fn try_from(rules: Vec<Rule>) -> Result<Self, Self::Error> {
        if rules.len() > MAX_RULES {
            return Err(format!("at most {MAX_RULES} rules, found {}", rules.len()));
        }
        Ok(Self(rules))
    }
}

impl FieldMap {
    /// What the rules make of `fields`; `country` reads phone numbers written without a
    /// country code (the channel's `default_country`).
    pub fn apply(&self, fields: &Fields, country: Country) -> Mapped {
        self.apply_in(fields, Some(country))
    }

    /// [`apply`](Self::apply) for a channel with no numbering region (a chatbot): `"phone"`
    /// then reads only numbers written with `+` and their country code.
    pub fn apply_in(&self, fields: &Fields, country: Option<Country>) -> Mapped {
        let mut mapped = Mapped::default();
        for rule in &self.0 {
            let record = mapped.record_mut(rule.to.record);
            if record.contains_key(&rule.to.name) {
                continue;
            }
            if let Some(value) = rule.value(fields, country) {
                record.insert(rule.to.name.clone(), value);
            }
        }
        mapped
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields the rules write, in order, repeated when several rules write one.
    pub fn targets(&self) -> impl Iterator<Item = &Target> {
        self.0.iter().map(|rule| &rule.to)
    }

    /// The rules that write into `record` only.
    pub fn only(&self, record: Record) -> Self {
        Self(self.0.iter().filter(|rule| rule.to.record == record).cloned().collect())
    }

    /// These rules, then `others`: where both write a field, these win when they yield a value.
    pub fn then(mut self, others: Self) -> Self {
        self.0.extend(others.0);
        self
    }

    /// Rules copying each source field, trimmed, into the `record` field named beside it:
    /// mappings declared before the rule language (the chatbot's `custom_attributes`), whose
    /// names were checked by their own rules.
    pub fn copies<'a>(record: Record, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(from, to)| Rule {
                    to: Target { record, name: to.to_owned() },
                    source: Source::Field(from.to_owned()),
                    default: None,
                    when: Vec::new(),
                    transform: vec![Transform::Trim],
                })
                .collect(),
        )
    }
}

/// One `[[channel.crm.map]]` entry, checked.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawRule")]
struct Rule {
    to: Target,
    source: Source,
    default: Option<String>,
    when: Vec<Condition>,
    transform: Vec<Transform>,
}

#[derive(Debug, Clone)]
enum Source {
    Field(String),
    Template(Template),
    Literal(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    to: Target,
    from: Option<String>,
    template: Option<Template>,
    value: Option<String>,
    default: Option<String>,
    #[serde(default)]
    when: Vec<Condition>,
    #[serde(default)]
    transform: Vec<Transform>,
}

impl TryFrom<RawRule> for Rule {
    type Error = String;

    fn try_from(raw: RawRule) -> Result<Self, Self::Error> {
        let to = raw.to;
        let given: Vec<&str> =
            [("from", raw.from.is_some()), ("template", raw.template.is_some()), ("value", raw.value.is_some())]
                .into_iter()
                .filter_map(|(name, set)| set.then_some(name))
                .collect();
        let source = match (raw.from, raw.template, raw.value) {
            (Some(from), None, None) if is_blank(&from) => return Err(format!("rule to {to}: `from` names no field")),
            (Some(from), None, None) => Source::Field(from),
            (None, Some(template), None) => Source::Template(template),
            (None, None, Some(value)) => Source::Literal(literal(&to, "value", value)?),
            _ => {
                let found = if given.is_empty() { "none".to_owned() } else { given.join(" and ") };
                return Err(format!("rule to {to} needs exactly one of `from`, `template` or `value`, found {found}"));
            }
        };
        let default = raw.default.map(|default| literal(&to, "default", default)).transpose()?;
        Ok(Self { to, source, default, when: raw.when, transform: raw.transform })
    }
}

fn literal(to: &Target, field: &str, text: String) -> Result<String, String> {
    if is_blank(&text) {
        return Err(format!("rule to {to}: `{field}` is blank"));
    }
    if text.len() > MAX_VALUE_BYTES {
        return Err(format!("rule to {to}: `{field}` is longer than {MAX_VALUE_BYTES} bytes"));
    }
    Ok(text)
}

impl Rule {
    /// The value this rule writes for `fields`, if its conditions hold and it yields one.
    fn value(&self, fields: &Fields, country: Option<Country>) -> Option<String> {
        if !self.when.iter().all(|condition| condition.holds(fields)) {
            return None;
        }
        let source = match &self.source {
            Source::Field(name) => fields.get(name).cloned(),
            Source::Template(template) => Some(template.render(fields)),
            Source::Literal(value) => Some(value.clone()),
        };
        source
            .filter(|value| !is_blank(value))
            .map(|value| self.transform.iter().fold(value, |value, transform| transform.apply(value, country)))
            .filter(|value| !is_blank(value))
            .or_else(|| self.default.clone())
            .map(truncate)
    }
}

fn is_blank(value: &str) -> bool {
    value.trim().is_empty()
}

/// Cuts `value` to [`MAX_VALUE_BYTES`] at a character boundary.
fn truncate(mut value: String) -> String {
    if value.len() > MAX_VALUE_BYTES {
        let mut end = MAX_VALUE_BYTES;
        while !value.is_char_boundary(end) {
            end -= 1;
        }
        value.truncate(end);
    }
    value
}

/// A test on the source fields: `{ field = "x", equals = "v" }`, `{ field = "x", matches = "^re$" }`,
/// `{ field = "x", present = true }` (exactly one of equals / matches / present).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawCondition")]
pub struct Condition {
    field: String,
    test: Test,
}

#[derive(Debug, Clone)]
enum Test {
    Equals(String),
    Matches(Pattern),
    Present(bool),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    field: String,
    equals: Option<String>,
    matches: Option<Pattern>,
    present: Option<bool>,
}

impl TryFrom<RawCondition> for Condition {
    type Error = String;

    fn try_from(raw: RawCondition) -> Result<Self, Self::Error> {
        if is_blank(&raw.field) {
            return Err("`field` names no field".into());
        }
        let test = match (raw.equals, raw.matches, raw.present) {
            (Some(value), None, None) => Test::Equals(value),
            (None, Some(pattern), None) => Test::Matches(pattern),
            (None, None, Some(present)) => Test::Present(present),
            _ => {
                return Err(format!(
                    "the condition on {:?} needs exactly one of `equals`, `matches` or `present`",
                    raw.field
                ));
            }
        };
        Ok(Self { field: raw.field, test })
    }
}

impl Condition {
    /// Whether the condition holds for `fields`; an absent field equals and matches nothing.
    pub fn holds(&self, fields: &Fields) -> bool {
        let value = fields.get(&self.field);
        match &self.test {
            Test::Equals(expected) => value.is_some_and(|value| value == expected),
            Test::Matches(pattern) => value.is_some_and(|value| pattern.0.is_match(value)),
            Test::Present(present) => value.is_some_and(|value| !is_blank(value)) == *present,
        }
    }

    /// The source field tested.
    pub fn field(&self) -> &str {
        &self.field
    }
}

/// A compiled `matches` pattern, bounded in size.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
struct Pattern(regex::Regex);

impl TryFrom<String> for Pattern {
    type Error = String;

    fn try_from(pattern: String) -> Result<Self, Self::Error> {
        if pattern.chars().count() > MAX_PATTERN_CHARS {
            return Err(format!("the pattern is longer than {MAX_PATTERN_CHARS} characters"));
        }
        regex::RegexBuilder::new(&pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map(Self)
            .map_err(|e| format!("{pattern:?} is not a valid regular expression: {}", regex_error(&e)))
    }
}

/// The one line of a regex error that says what is wrong (its syntax errors draw the pattern
/// over several lines).
fn regex_error(error: &regex::Error) -> String {
    match error {
        regex::Error::Syntax(text) => {
            text.lines().find_map(|line| line.strip_prefix("error: ")).unwrap_or(text).to_owned()
        }
        regex::Error::CompiledTooBig(limit) => format!("compiled, it is larger than {limit} bytes"),
        other => other.to_string(),
    }
}

/// `"Inbound call from {contact_name} to {virtual_phone}"`: `{name}` is the source field, `{{`/`}}` escape.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "String")]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    Field(String),
}

impl TryFrom<String> for Template {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        if text.chars().count() > MAX_TEMPLATE_CHARS {
            return Err(format!("a template is at most {MAX_TEMPLATE_CHARS} characters"));
        }
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    literal.push('}');
                }
                '}' => return Err(format!("{text:?}: a `}}` closes nothing (write `}}}}` for a brace)")),
                '{' => {
                    let mut name = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') | None => {
                                return Err(format!("{text:?}: a `{{` is not closed (write `{{{{` for a brace)"));
                            }
                            Some(c) => name.push(c),
                        }
                    }
                    if is_blank(&name) {
                        return Err(format!("{text:?}: `{{}}` names no field"));
                    }
                    if !literal.is_empty() {
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Field(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Self(parts))
    }
}

impl Template {
    /// The text with each `{name}` replaced by its field, empty when absent; cut to
    /// [`MAX_VALUE_BYTES`].
    pub fn render(&self, fields: &Fields) -> String {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Field(name) => out.push_str(fields.get(name).map_or("", String::as_str)),
            }
            if out.len() > MAX_VALUE_BYTES {
                break;
            }
        }
        truncate(out)
    }
}

/// One step of a rule's `transform` list.
#[derive(Debug, Clone)]
enum Transform {
    Trim,
    Lower,
    Upper,
    Phone,
    StripPrefix(Vec<String>),
    Labels { labels: BTreeMap<String, String>, otherwise: Option<String> },
}

impl Transform {
    fn apply(&self, value: String, country: Option<Country>) -> String {
        match self {
            Self::Trim => value.trim().to_owned(),
            Self::Lower => value.to_lowercase(),
            Self::Upper => value.to_uppercase(),
            Self::Phone => phone(&value, country).unwrap_or(value),
            Self::StripPrefix(prefixes) => match prefixes.iter().find_map(|p| value.strip_prefix(p.as_str())) {
                Some(rest) => rest.to_owned(),
                None => value,
            },
            Self::Labels { labels, otherwise } => labels.get(&value).or(otherwise.as_ref()).cloned().unwrap_or(value),
        }
    }
}

/// `value` in E.164, if it is a phone number. Without a region only international numbers
/// (`+…`) are read: they parse alike in every region, so any one serves.
fn phone(value: &str, country: Option<Country>) -> Option<String> {
    let country = match country {
        Some(country) => country,
        None if value.trim_start().starts_with('+') => Country::parse("US")?,
        None => return None,
    };
    PhoneNumber::parse(value, country).ok().map(String::from)
}

const TRANSFORMS: &str =
    "\"trim\", \"lower\", \"upper\", \"phone\", { strip_prefix = … } or { labels = { … }, otherwise = … }";

impl<'de> Deserialize<'de> for Transform {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TransformVisitor)
    }
}

struct TransformVisitor;

impl<'de> Visitor<'de> for TransformVisitor {
    type Value = Transform;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a transform: {TRANSFORMS}")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Transform, E> {
        match name {
            "trim" => Ok(Transform::Trim),
            "lower" => Ok(Transform::Lower),
            "upper" => Ok(Transform::Upper),
            "phone" => Ok(Transform::Phone),
            other => Err(E::custom(format!("unknown transform {other:?}: expected {TRANSFORMS}"))),
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Transform, A::Error> {
        let (mut prefixes, mut labels, mut otherwise) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "strip_prefix" => prefixes = Some(map.next_value::<Prefixes>()?),
                "labels" => labels = Some(map.next_value::<BTreeMap<String, String>>()?),
                "otherwise" => otherwise = Some(map.next_value::<String>()?),
                other => {
                    return Err(de::Error::custom(format!("unknown transform {other:?}: expected {TRANSFORMS}")));
                }
            }
        }
        match (prefixes, labels, otherwise) {
            (Some(prefixes), None, None) => {
                let prefixes = match prefixes {
                    Prefixes::One(prefix) => vec![prefix],
                    Prefixes::Many(prefixes) => prefixes,
                };
                if prefixes.is_empty() || prefixes.iter().any(String::is_empty) {
                    return Err(de::Error::custom("strip_prefix needs one or more non-empty prefixes"));
                }
                Ok(Transform::StripPrefix(prefixes))
            }
            (None, Some(labels), otherwise) => {
                if labels.is_empty() {
                    return Err(de::Error::custom("labels needs at least one code"));
                }
                Ok(Transform::Labels { labels, otherwise })
            }
            (None, None, Some(_)) => Err(de::Error::custom("otherwise goes with labels")),
            _ => Err(de::Error::custom(format!("a transform is one of {TRANSFORMS}"))),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged, expecting = "a prefix or a list of prefixes")]
enum Prefixes {
    One(String),
    Many(Vec<String>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(toml: &str) -> FieldMap {
        #[derive(Deserialize)]
        struct Doc {
            map: FieldMap,
        }
        toml::from_str::<Doc>(toml).expect("map").map
    }

    fn map_error(toml: &str) -> String {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Doc {
            map: FieldMap,
        }
        toml::from_str::<Doc>(toml).expect_err("invalid").to_string()
    }

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn country(code: &str) -> Country {
        Country::parse(code).expect("country")
    }

    fn template(text: &str) -> Template {
        Template::try_from(text.to_string()).expect("template")
    }

    const UIS_MAP: &str = r#"
        [[map]]
        to = "activity.subject"
        template = "Inbound call from {contact_full_name} to {virtual_phone_number}"

        [[map]]
        to = "contact.phone"
        from = "contact_phone_number"
        transform = [{ strip_prefix = "9" }, "phone"]

        [[map]]
        to = "case.queue"
        from = "ivr_option"
        transform = ["trim", { labels = { "1" = "Sales", "2" = "Support" }, otherwise = "Other" }]

        [[map]]
        to = "case.segment"
        from = "customer_segment"
        default = "standard"

        [[map]]
        to = "case.priority"
        value = "high"
        when = [{ field = "ivr_option", equals = "2" }, { field = "contact_full_name", present = true }]

        [[map]]
        to = "activity.scenario"
        from = "scenario_name"
        when = [{ field = "virtual_phone_number", matches = "^7499" }]
    "#;

    #[test]
    fn a_mapping_fills_each_record() {
        let map = map(UIS_MAP);
        let uis = fields(&[
            ("contact_phone_number", "984993720692"),
            ("virtual_phone_number", "74950000000"),
            ("contact_full_name", "Anna"),
            ("ivr_option", " 2 "),
            ("scenario_name", "Main menu"),
        ]);
        let mapped = map.apply(&uis, country("RU"));
        assert_eq!(mapped.activity, fields(&[("subject", "Inbound call from Anna to 74950000000")]));
        assert_eq!(mapped.contact, fields(&[("phone", "+74993720692")]));
        assert_eq!(mapped.case, fields(&[("queue", "Support"), ("segment", "standard")]), "no exact 2: no priority");
        assert!(mapped.attributes.is_empty());

        let exact = fields(&[
            ("ivr_option", "2"),
            ("contact_full_name", "Anna"),
            ("virtual_phone_number", "74990000000"),
            ("scenario_name", "Night"),
        ]);
        let mapped = map.apply(&exact, country("RU"));
        assert_eq!(mapped.case["priority"], "high");
        assert_eq!(mapped.activity["scenario"], "Night");
        let unknown =
            map.apply(&fields(&[("ivr_option", "7"), ("contact_phone_number", "not a number")]), country("RU"));
        assert_eq!(unknown.case["queue"], "Other");
        assert_eq!(unknown.contact["phone"], "not a number", "what is no phone number stays as it was");
        assert_eq!(unknown.activity["subject"], "Inbound call from  to ");
        assert!(!unknown.case.contains_key("priority") && !unknown.activity.contains_key("scenario"));
    }

    #[test]
    fn prefixes_are_tried_in_order_and_removed_once() {
        let map = map(
            "[[map]]\nto = \"contact.phone\"\nfrom = \"ani\"\ntransform = [{ strip_prefix = [\"90\", \"9\"] }, \"phone\"]\n",
        );
        let phone = |ani: &str| map.apply(&fields(&[("ani", ani)]), country("PL")).contact.remove("phone");
        assert_eq!(phone("90884998123").as_deref(), Some("+48884998123"), "90 is tried before 9");
        assert_eq!(phone("9884998123").as_deref(), Some("+48884998123"));
        assert_eq!(phone("884998123").as_deref(), Some("+48884998123"));
        assert_eq!(phone("99884998123").as_deref(), Some("9884998123"), "removed once");
        assert_eq!(phone("").as_deref(), None);
    }

    #[test]
    fn the_first_rule_with_a_value_wins() {
        let map = map(r#"
            [[map]]
            to = "attribute.contractId"
            from = "contract"
            when = [{ field = "kind", equals = "business" }]
            [[map]]
            to = "attribute.contractId"
            from = "blank"
            [[map]]
            to = "attribute.contractId"
            from = "account"
            transform = ["upper"]
            [[map]]
            to = "attribute.contractId"
            value = "never"
        "#);
        let id = |pairs: &[(&str, &str)]| map.apply_in(&fields(pairs), None).attributes.remove("contractId");
        let all = [("kind", "business"), ("contract", "C-1"), ("account", "a-2"), ("blank", "  ")];
        assert_eq!(id(&all).as_deref(), Some("C-1"));
        assert_eq!(id(&all[1..]).as_deref(), Some("A-2"), "condition fails: the fallback, blank skipped");
        assert_eq!(id(&[]).as_deref(), Some("never"));
    }

    #[test]
    fn defaults_fill_blank_values_and_transformed_blanks() {
        let map = map(
            "[[map]]\nto = \"case.note\"\nfrom = \"note\"\ndefault = \"none\"\ntransform = [{ strip_prefix = \"x\" }]\n",
        );
        let note = |value: &str| map.apply_in(&fields(&[("note", value)]), None).case.remove("note");
        assert_eq!(note("xabc").as_deref(), Some("abc"));
        assert_eq!(note("x").as_deref(), Some("none"));
        assert_eq!(note(" ").as_deref(), Some("none"));
        let subject = self::map("[[map]]\nto = \"activity.subject\"\ntemplate = \"{a}{b}\"\ndefault = \"Call\"\n");
        assert_eq!(subject.apply_in(&Fields::new(), None).activity["subject"], "Call");
    }

    #[test]
    fn templates_escape_braces_and_render_missing_fields_empty() {
        let t = template("{{literal}} {name} }}{missing}{{");
        assert_eq!(t.render(&fields(&[("name", "Anna")])), "{literal} Anna }{");
        assert_eq!(template("").render(&Fields::new()), "");
        assert_eq!(template("{a}-{a}").render(&fields(&[("a", "é")])), "é-é");
        for bad in ["{open", "close}", "{}", "{ }", "{a{b}}", "x".repeat(1001).as_str()] {
            assert!(Template::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn values_are_cut_at_a_character_boundary() {
        let map = map("[[map]]\nto = \"activity.body\"\nfrom = \"text\"\n");
        let long = "é".repeat(3000);
        let body = &map.apply_in(&fields(&[("text", &long)]), None).activity["body"];
        assert_eq!(body.len(), MAX_VALUE_BYTES);
        assert!(long.starts_with(body.as_str()));
        let t = template("{a}{a}");
        assert_eq!(t.render(&fields(&[("a", &"x".repeat(4000))])).len(), MAX_VALUE_BYTES);
    }

    #[test]
    fn phone_without_a_region_reads_international_numbers_only() {
        let map = map("[[map]]\nto = \"contact.phone\"\nfrom = \"p\"\ntransform = [\"phone\"]\n");
        let phone = |value: &str| map.apply_in(&fields(&[("p", value)]), None).contact.remove("phone");
        assert_eq!(phone("+48 884 998 123").as_deref(), Some("+48884998123"));
        assert_eq!(phone("884998123").as_deref(), Some("884998123"));
    }

    #[test]
    fn conditions_test_one_field() {
        let condition = |toml: &str| {
            #[derive(Deserialize)]
            struct Doc {
                c: Condition,
            }
            toml::from_str::<Doc>(&format!("c = {toml}")).map(|d| d.c)
        };
        let present = condition("{ field = \"a\", present = true }").expect("present");
        let absent = condition("{ field = \"a\", present = false }").expect("absent");
        let matches = condition("{ field = \"a\", matches = \"^[0-9]+$\" }").expect("matches");
        let empty = condition("{ field = \"a\", matches = \"^$\" }").expect("matches empty");
        for (pairs, holds) in [
            (&[("a", "12")][..], [true, false, true, false]),
            (&[("a", " ")], [false, true, false, false]),
            (&[], [false, true, false, false]),
        ] {
            let f = fields(pairs);
            assert_eq!([present.holds(&f), absent.holds(&f), matches.holds(&f), empty.holds(&f)], holds, "{pairs:?}");
        }
        assert!(condition("{ field = \"a\" }").is_err());
        assert!(condition("{ field = \"a\", equals = \"x\", present = true }").is_err());
        let huge = condition("{ field = \"a\", matches = \"\\\\w{1000}\\\\w{1000}\" }").expect_err("too big");
        assert!(huge.to_string().contains("larger than 102400 bytes"), "{huge}");
        let syntax = condition("{ field = \"a\", matches = \"(x\" }").expect_err("syntax").message().to_string();
        assert!(syntax.contains("unclosed group") && !syntax.contains('\n'), "{syntax}");
    }

    #[test]
    fn targets_and_transforms_are_checked() {
        let rule = |body: &str| map_error(&format!("[[map]]\n{body}\n"));
        for (body, says) in [
            ("to = \"contact.nickname\"\nfrom = \"a\"", "a contact has only"),
            ("to = \"activity.Subject\"\nfrom = \"a\"", "a-z, 0-9"),
            ("to = \"ticket.x\"\nfrom = \"a\"", "must be activity"),
            ("to = \"activity\"\nfrom = \"a\"", "must be activity"),
            ("to = \"activity.a\"", "found none"),
            ("to = \"activity.a\"\nfrom = \"a\"\nvalue = \"b\"", "found from and value"),
            ("to = \"activity.a\"\nfrom = \"a\"\ntransform = [\"reverse\"]", "unknown transform \"reverse\""),
            ("to = \"activity.a\"\nfrom = \"a\"\ntransform = [{ replace = \"x\" }]", "unknown transform \"replace\""),
            ("to = \"activity.a\"\nfrom = \"a\"\ntransform = [{ otherwise = \"x\" }]", "goes with labels"),
            ("to = \"activity.a\"\nfrom = \"a\"\ntransform = [{ strip_prefix = [] }]", "non-empty prefixes"),
            ("to = \"activity.a\"\nfrom = \"a\"\ntransform = [{ strip_prefix = 9 }]", "a prefix or a list"),
            ("to = \"activity.a\"\nvalue = \" \"", "blank"),
            ("to = \"activity.a\"\nfrom = \"a\"\nfrm = \"b\"", "unknown field `frm`"),
        ] {
            let msg = rule(body);
            assert!(msg.contains(says), "{body}: {msg}");
        }
        let ok =
            map("[[map]]\nto = \"attribute.contractId\"\nfrom = \"a\"\n[[map]]\nto = \"case.x_1\"\nvalue = \"v\"\n");
        assert_eq!(ok.targets().map(ToString::to_string).collect::<Vec<_>>(), ["attribute.contractId", "case.x_1"]);
        let many = "[[map]]\nto = \"activity.a\"\nfrom = \"a\"\n".repeat(MAX_RULES + 1);
        assert!(map_error(&many).contains("at most 100 rules"));
        assert!(!map(&"[[map]]\nto = \"activity.a\"\nfrom = \"a\"\n".repeat(MAX_RULES)).is_empty());
    }

    #[test]
    fn copies_trim_and_combine_after_the_rules() {
        let rules = map(
            "[[map]]\nto = \"attribute.contractId\"\nfrom = \"contract\"\nwhen = [{ field = \"vip\", present = true }]\n",
        );
        let legacy = FieldMap::copies(Record::Attribute, [("contrat", "contractId"), ("langue", "language-code")]);
        let combined = rules.then(legacy);
        let vars = fields(&[("contrat", " C-7 "), ("langue", ""), ("contract", "VIP-1")]);
        assert_eq!(combined.apply_in(&vars, None).attributes, fields(&[("contractId", "C-7")]));
        let mut vip = vars.clone();
        vip.insert("vip".into(), "yes".into());
        assert_eq!(combined.apply_in(&vip, None).attributes, fields(&[("contractId", "VIP-1")]));
        assert_eq!(combined.only(Record::Case).targets().count(), 0);
    }
}
