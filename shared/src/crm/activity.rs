//! Activities: every interaction — a UIS call, a WDE interaction of any media, a chat session —
//! is one activity on its contact's timeline, whatever the number of deliveries.
//!
//! An activity is a projection: each provider turns what it knows into a [`Draft`] (its facts
//! and its source fields), the channel's [field mapping](super::mapping) gives the subject and
//! the mapped fields, and the channel's [case rules](super::case) the cases it opens. The
//! projection is written in the same transaction as the provider's own record, and only when
//! it changes, so it always agrees with that record in any order of deliveries.
//!
//! What agents add lives next to it in the activity's partition, never in the projected item,
//! so a later delivery cannot erase it: notes (one item each, so two concurrent notes are both
//! kept), the wrap-up, and the cases. [`ActivityView::read`] is one Query for all of it.
//!
//! The source fields every provider offers to mappings and case rules, besides its own:
//! `direction` (`inbound`, `outbound`), `media`, `outcome`, `queue`, `owner` and
//! `contact_known` (`true` when the customer was known before the interaction).

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::case::{Case, Origin};
use super::config::CrmSettings;
use super::contact::Contact;
use super::ids::{ActivityId, CompanyId, ContactId, Email, Source};
use super::mapping::Fields;
use crate::config::common::{ChannelId, TenantId};
use crate::phone::{Country, PhoneNumber};
use crate::store::{Entity, Index, Key, Store, StoreError, Written, item_type, keys};

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 4_000;
/// The longest wrap-up text, in characters.
pub const MAX_WRAPUP_TEXT_CHARS: usize = 2_000;
/// The longest author or agent name.
pub const MAX_AUTHOR_CHARS: usize = 200;
/// How many notes one activity holds: a bound on the one Query that reads it.
pub const MAX_NOTES: usize = 200;
/// How many IVR survey answers are kept.
const MAX_SURVEY_ANSWERS: usize = 50;

/// Towards the customer or from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }
}

/// One answer of an IVR survey.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyAnswer {
    pub question: String,
    pub answer: String,
}

/// Reads an IVR survey as WDE attaches it (`IVRSurvey`). Its shape is not documented; both
/// shapes seen in the field are read — an object of question → answer, or an array of
/// `{question, answer}` objects — and anything else is no survey (the raw value stays in the
/// interaction's attached data).
pub fn parse_survey(json: &str) -> Vec<SurveyAnswer> {
    fn text(value: &serde_json::Value) -> Option<String> {
        match value {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
    let answers: Vec<SurveyAnswer> = match serde_json::from_str::<serde_json::Value>(json) {
        Ok(serde_json::Value::Object(map)) => {
            map.iter().filter_map(|(q, a)| Some(SurveyAnswer { question: q.clone(), answer: text(a)? })).collect()
        }
        Ok(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| {
                Some(SurveyAnswer { question: text(item.get("question")?)?, answer: text(item.get("answer")?)? })
            })
            .collect(),
        _ => Vec::new(),
    };
    answers.into_iter().filter(|a| !a.question.is_empty()).take(MAX_SURVEY_ANSWERS).collect()
}

/// One activity as its provider last described it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub tenant: TenantId,
    pub id: ActivityId,
    pub channel: ChannelId,
    pub source: Source,
    /// `voice`, `email`, `chat`, or the medium WDE names.
    pub media: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<Direction>,
    pub subject: String,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u64>,
    /// The agent who has it: on a transfer, the one who took it over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// Who had it before, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub previous_owners: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<CompanyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<PhoneNumber>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Email>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// `answered`, `lost`, `ongoing`, or what the provider reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// A wrap-up the provider reported (WDE's `DispositionCode`), before any the agent gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_wrapup: Option<String>,
    /// Recording ids, for `GET /recordings/{id}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recordings: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub survey: Vec<SurveyAnswer>,
    /// What the channel's mapping gives beyond the subject.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl Activity {
    /// `UIS`, `WDE` or `Chat`, for people.
    pub fn source_label(&self) -> &'static str {
        match self.source {
            Source::Uis => "UIS",
            Source::Wde => "WDE",
            Source::Chat => "Chat",
        }
    }

    /// What a case opened for it takes from it.
    pub fn origin(&self) -> Origin<'_> {
        Origin {
            tenant: &self.tenant,
            activity: &self.id,
            subject: &self.subject,
            contact: self.contact.as_ref(),
            company: self.company.as_ref(),
            started_at: self.started_at,
        }
    }
}

impl Entity for Activity {
    const TYPE: &'static str = "activity";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::activity(self.tenant.as_str(), self.id.as_str())
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let sort = keys::history_sort(self.started_at.map(OffsetDateTime::unix_timestamp), &format!("ACT#{}", self.id));
        let tenant = self.tenant.as_str();
        let mut entries = Vec::new();
        if let Some(contact) = &self.contact {
            entries.push((Index::Gsi1, keys::history_of_contact(tenant, contact.as_str()), sort.clone()));
        }
        if let Some(company) = &self.company {
            entries.push((Index::Gsi2, keys::history_of_company(tenant, company.as_str()), sort));
        }
        entries
    }
}

/// What a provider knows about one interaction, before the channel's mapping.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The activity's facts; its `subject` is the one used when no mapping gives one.
    pub activity: Activity,
    /// Whether the customer was known before the interaction.
    pub contact_known: bool,
    /// The provider's own fields, by the names its documentation gives them.
    pub fields: Fields,
}

impl Draft {
    /// Every source field a mapping or a case rule sees: the provider's, then the common ones.
    pub fn source_fields(&self) -> Fields {
        let a = &self.activity;
        let mut fields = self.fields.clone();
        let common = [
            ("direction", a.direction.map(|d| d.as_str().to_owned())),
            ("media", Some(a.media.clone())),
            ("outcome", a.outcome.clone()),
            ("queue", a.queue.clone()),
            ("owner", a.owner.clone()),
            ("contact_known", Some(self.contact_known.to_string())),
        ];
        for (name, value) in common {
            if let Some(value) = value {
                fields.insert(name.to_owned(), value);
            }
        }
        for answer in &a.survey {
            fields.entry(format!("survey.{}", answer.question)).or_insert_with(|| answer.answer.clone());
        }
        fields
    }

    /// The activity and the cases its channel's rules open, as the mapping makes them; phone
    /// numbers without a country code are read in `country`, if the channel has one.
    pub fn project(self, crm: &CrmSettings, country: Option<Country>, now: OffsetDateTime) -> Projection {
        let fields = self.source_fields();
        let mut mapped = crm.map.apply_in(&fields, country);
        let mut activity = self.activity;
        if let Some(subject) = mapped.activity.remove("subject").filter(|s| !s.is_empty()) {
            activity.subject = subject;
        }
        activity.fields = mapped.activity;
        let cases = crm
            .cases_for(&fields)
            .map(|rule| Case::for_rule(activity.origin(), rule, &fields, &mapped.case, now))
            .collect();
        Projection { activity, cases, contact: mapped.contact }
    }
}

/// An activity, the cases rules open for it, and what the mapping gives its contact.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub activity: Activity,
    pub cases: Vec<Case>,
    /// `contact.<name>` fields, for a contact the interaction creates or names.
    pub contact: Fields,
}

impl Projection {
    /// Gives `contact` the names, e-mail and phone the mapping made. A value that is not an
    /// e-mail address or a phone number is left out.
    pub fn name_contact(&self, contact: &mut Contact, country: Option<Country>) {
        let text = |name: &str| self.contact.get(name).filter(|v| !v.trim().is_empty()).cloned();
        contact.name = text("name").or(contact.name.take());
        contact.first_name = text("first_name").or(contact.first_name.take());
        contact.last_name = text("last_name").or(contact.last_name.take());
        if let Some(email) = text("email").and_then(|e| Email::parse(&e)) {
            contact.email = Some(email);
        }
        if let (Some(phone), Some(country)) = (text("phone"), country)
            && let Ok(phone) = PhoneNumber::parse(&phone, country)
        {
            contact.phone = Some(phone);
        }
    }

    /// The writes that bring the table from `current` (the projection before this delivery)
    /// to this one: nothing for what did not change. A case keeps the status agents gave it.
    pub fn writes(&self, store: &Store, current: Option<&Projection>) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = Vec::new();
        if current.map(|c| &c.activity) != Some(&self.activity) {
            writes.push(store.upsert_write(&self.activity, &[])?);
        }
        for case in &self.cases {
            if !current.is_some_and(|c| c.cases.contains(case)) {
                writes.push(case.rule_write(store)?);
            }
        }
        Ok(writes)
    }
}

/// A note an agent added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub tenant: TenantId,
    pub activity: ActivityId,
    pub id: String,
    pub author: String,
    pub text: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Entity for Note {
    const TYPE: &'static str = "activity_note";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::activity_note(self.tenant.as_str(), self.activity.as_str(), &crate::clock::micros(self.at), &self.id)
    }
}

/// The wrap-up an agent gave: a code of the channel's list, and a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wrapup {
    pub tenant: TenantId,
    pub activity: ActivityId,
    pub code: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

impl Entity for Wrapup {
    const TYPE: &'static str = "activity_wrapup";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::activity_wrapup(self.tenant.as_str(), self.activity.as_str())
    }
}

/// Why an agent's change to an activity was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActivityError {
    #[error("no activity has this id")]
    NotFound,
    #[error("{field} {message}")]
    Invalid { field: &'static str, message: String },
    #[error("the activity already has {MAX_NOTES} notes")]
    TooManyNotes,
    #[error("{0}")]
    Store(#[from] StoreError),
}

fn checked(field: &'static str, text: &str, max: usize) -> Result<String, ActivityError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(ActivityError::Invalid { field, message: "must not be empty".into() });
    }
    if text.chars().count() > max {
        return Err(ActivityError::Invalid { field, message: format!("must be at most {max} characters") });
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(ActivityError::Invalid { field, message: "must not hold control characters".into() });
    }
    Ok(text.to_owned())
}

/// An activity with what agents added to it.
#[derive(Debug, Clone, Serialize)]
pub struct ActivityView {
    #[serde(flatten)]
    pub activity: Activity,
    /// Oldest first.
    pub notes: Vec<Note>,
    pub wrapup: Option<Wrapup>,
    pub cases: Vec<Case>,
}

impl ActivityView {
    /// The activity `id` of `tenant` with its notes, wrap-up and cases: one Query.
    pub async fn read(store: &Store, tenant: &TenantId, id: &ActivityId) -> Result<Option<Self>, StoreError> {
        let items = store.partition(&keys::activity_partition(tenant.as_str(), id.as_str())).await?;
        let (mut activity, mut notes, mut wrapup, mut cases) = (None, Vec::new(), None, Vec::new());
        for item in items {
            match item_type(&item) {
                Some(Activity::TYPE) => activity = Some(store.decode_item::<Activity>(item)?),
                Some(Note::TYPE) => notes.push(store.decode_item::<Note>(item)?),
                Some(Wrapup::TYPE) => wrapup = Some(store.decode_item::<Wrapup>(item)?),
                Some(Case::TYPE) => cases.push(store.decode_item::<Case>(item)?),
                _ => {}
            }
        }
        Ok(activity.map(|activity| Self { activity, notes, wrapup, cases }))
    }
}

/// Appends a note. Each note is its own item, so concurrent notes are all kept.
pub async fn add_note(
    store: &Store,
    tenant: &TenantId,
    id: &ActivityId,
    author: &str,
    text: &str,
    now: OffsetDateTime,
) -> Result<Note, ActivityError> {
    let author = checked("author", author, MAX_AUTHOR_CHARS)?;
    let text = checked("text", text, MAX_NOTE_CHARS)?;
    let view = ActivityView::read(store, tenant, id).await?.ok_or(ActivityError::NotFound)?;
    if view.notes.len() >= MAX_NOTES {
        return Err(ActivityError::TooManyNotes);
    }
    let note = Note {
        tenant: tenant.clone(),
        activity: id.clone(),
        id: uuid::Uuid::new_v4().simple().to_string(),
        author,
        text,
        at: now,
    };
    store.put_new(&note).await?;
    Ok(note)
}

/// Sets the wrap-up: `code` must be in the list of the activity's channel (`crm` is that
/// channel's settings). Giving the same wrap-up again changes nothing.
pub async fn set_wrapup(
    store: &Store,
    activity: &Activity,
    crm: &CrmSettings,
    code: &str,
    text: Option<&str>,
    by: &str,
    now: OffsetDateTime,
) -> Result<(Written, Wrapup), ActivityError> {
    let by = checked("by", by, MAX_AUTHOR_CHARS)?;
    let text = text.filter(|t| !t.trim().is_empty()).map(|t| checked("text", t, MAX_WRAPUP_TEXT_CHARS)).transpose()?;
    let Some(known) = crm.wrapup(code) else {
        let codes: Vec<&str> = crm.wrapup_codes.iter().map(|c| c.code.as_str()).collect();
        let message = if codes.is_empty() {
            "is not accepted: the activity's channel has no wrap-up codes".to_owned()
        } else {
            format!("must be one of the channel's wrap-up codes: {}", codes.join(", "))
        };
        return Err(ActivityError::Invalid { field: "code", message });
    };
    let wrapup = Wrapup {
        tenant: activity.tenant.clone(),
        activity: activity.id.clone(),
        code: known.code.clone(),
        label: known.label.clone(),
        text,
        by,
        at: now,
    };
    let same = |w: &Wrapup| (&w.code, &w.text, &w.by) == (&wrapup.code, &wrapup.text, &wrapup.by);
    let (written, stored) = store
        .update_with(&wrapup.key(), |current: Option<&Wrapup>| (!current.is_some_and(same)).then(|| wrapup.clone()))
        .await?;
    Ok((written, stored.unwrap_or(wrapup)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surveys_are_read_in_both_shapes() {
        let object = parse_survey(r#"{"satisfaction":5,"recommend":"yes","skip":{"x":1}}"#);
        assert_eq!(
            object,
            [
                SurveyAnswer { question: "recommend".into(), answer: "yes".into() },
                SurveyAnswer { question: "satisfaction".into(), answer: "5".into() },
            ]
        );
        let array = parse_survey(r#"[{"question":"q1","answer":3},{"question":"q2"},"x"]"#);
        assert_eq!(array, [SurveyAnswer { question: "q1".into(), answer: "3".into() }]);
        assert!(parse_survey("\"just text\"").is_empty());
        assert!(parse_survey("not json").is_empty());
    }

    #[test]
    fn agent_text_is_bounded() {
        assert!(checked("text", "  ", 10).is_err());
        assert!(checked("text", &"x".repeat(11), 10).is_err());
        assert!(checked("text", "a\u{0}b", 10).is_err());
        assert_eq!(checked("text", " line one\nline two ", 20).unwrap(), "line one\nline two");
    }
}
