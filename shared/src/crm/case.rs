//! Cases: follow-up work on a customer, opened for an activity — automatically by the
//! channel's rules (every lost call, an unknown caller, an IVR option, a queue…) or by an agent
//! — linked to the activity's contact, listed on the contact's timeline (gsi1) and per status
//! (gsi2: `CASES#<tenant>#<status>`), and kept in the activity's partition.
//!
//! A rule's case has an id derived from the activity and the rule, and is written in the same
//! transaction as the activity, so however often a provider redelivers, each rule opens one
//! case per interaction. Its status belongs to agents: a later delivery rewrites the subject
//! and the links, never the status.

use std::fmt;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::config::CaseRule;
use super::ids::{ActivityId, CompanyId, ContactId};
use super::mapping::Fields;
use crate::config::common::TenantId;
use crate::store::{Entity, Index, Key, Store, StoreError, Written, keys};

/// The longest case subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 300;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    InProgress,
    Closed,
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::InProgress => "in_progress",
            Self::Closed => "closed",
        }
    }

    /// A caller's status name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Open, Self::InProgress, Self::Closed].into_iter().find(|s| s.as_str() == text)
    }
}

/// `<activity id>~<16 hex digits>`: the activity is where the case is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId {
    activity: ActivityId,
    suffix: String,
}

impl CaseId {
    /// The id of the case `opener` opens for `activity`: the same every time.
    fn derive(activity: &ActivityId, opener: &str) -> Self {
        let digest = Sha256::digest(format!("{activity}\n{opener}").as_bytes());
        Self { activity: activity.clone(), suffix: hex::encode(digest)[..16].to_owned() }
    }

    /// A caller's id: `None` unless it is one this version hands out.
    pub fn parse(text: &str) -> Option<Self> {
        Self::try_from(text.to_owned()).ok()
    }

    pub fn activity(&self) -> &ActivityId {
        &self.activity
    }
}

impl TryFrom<String> for CaseId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let invalid = || "not a case id".to_owned();
        let (activity, suffix) = value.rsplit_once('~').ok_or_else(invalid)?;
        if suffix.len() != 16 || !suffix.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()) {
            return Err(invalid());
        }
        let activity = ActivityId::parse(activity).ok_or_else(invalid)?;
        Ok(Self { activity, suffix: suffix.to_owned() })
    }
}

impl From<CaseId> for String {
    fn from(id: CaseId) -> Self {
        id.to_string()
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}~{}", self.activity, self.suffix)
    }
}

/// Who opened a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", content = "name", rename_all = "snake_case")]
pub enum Opener {
    /// A rule of the channel, by its name.
    Rule(String),
    /// An agent, by name.
    Agent(String),
}

/// A case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub tenant: TenantId,
    pub id: CaseId,
    pub subject: String,
    pub status: CaseStatus,
    pub opened_by: Opener,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<CompanyId>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// What the channel's mapping gives for cases (`case.<name>`).
    #[serde(default, skip_serializing_if = "Fields::is_empty")]
    pub fields: Fields,
    /// The last status change by an agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_by: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub status_at: Option<OffsetDateTime>,
}

impl Entity for Case {
    const TYPE: &'static str = "case";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::case(self.tenant.as_str(), self.id.activity.as_str(), &self.id.suffix)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let tenant = self.tenant.as_str();
        let mut entries = vec![(
            Index::Gsi2,
            keys::cases_in_status(tenant, self.status.as_str()),
            format!("{}#{}", crate::clock::micros(self.opened_at), self.id),
        )];
        if let Some(contact) = &self.contact {
            let sort = keys::history_sort(Some(self.opened_at.unix_timestamp()), &format!("CASE#{}", self.id));
            entries.push((Index::Gsi1, keys::history_of_contact(tenant, contact.as_str()), sort));
        }
        entries
    }
}

/// What a case takes from the activity it is opened for.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub tenant: &'a TenantId,
    pub activity: &'a ActivityId,
    pub subject: &'a str,
    pub contact: Option<&'a ContactId>,
    pub company: Option<&'a CompanyId>,
    pub started_at: Option<OffsetDateTime>,
}

/// The longest author or agent name.
const MAX_AGENT_CHARS: usize = 200;

/// The attributes of a case that only agents change.
fn agents_attributes() -> [&'static str; 6] {
    let (_, status_pk, status_sk) = Index::Gsi2.attributes();
    ["status", "status_by", "status_at", "opened_at", status_pk, status_sk]
}

/// Why a case could not be opened or changed.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("no case has this id")]
    NotFound,
    #[error("no activity has this id")]
    NoActivity,
    #[error("{field} {message}")]
    Invalid { field: &'static str, message: String },
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl Case {
    /// The case `rule` opens for `activity`; `mapped` holds the mapping's `case.` fields (its
    /// `subject` wins over the rule's template, which wins over the activity's subject).
    pub fn for_rule(
        activity: Origin<'_>,
        rule: &CaseRule,
        fields: &Fields,
        mapped: &Fields,
        now: OffsetDateTime,
    ) -> Self {
        let mut fields_out = mapped.clone();
        let subject = fields_out
            .remove("subject")
            .filter(|s| !s.is_empty())
            .or_else(|| rule.subject.as_ref().map(|t| t.render(fields)).filter(|s| !s.is_empty()))
            .unwrap_or_else(|| format!("{}: {}", rule.name, activity.subject));
        Self {
            tenant: activity.tenant.clone(),
            id: CaseId::derive(activity.activity, &format!("rule:{}", rule.name)),
            subject: bounded(&subject),
            status: CaseStatus::Open,
            opened_by: Opener::Rule(rule.name.clone()),
            contact: activity.contact.cloned(),
            company: activity.company.cloned(),
            opened_at: activity.started_at.unwrap_or(now),
            fields: fields_out,
            status_by: None,
            status_at: None,
        }
    }

    /// The write of a rule's case for the activity's transaction: creates it open, or updates
    /// its subject and links, leaving its status as agents set it.
    pub fn rule_write(&self, store: &Store) -> Result<TransactWriteItem, StoreError> {
        store.upsert_write(self, &agents_attributes())
    }

    /// An agent opens a case for `activity`. `request` is the caller's key for this request
    /// (a form's nonce, an `Idempotency-Key`): the same request opens one case.
    pub async fn open_by_agent(
        store: &Store,
        activity: Origin<'_>,
        subject: &str,
        agent: &str,
        request: &str,
        now: OffsetDateTime,
    ) -> Result<(Written, Self), CaseError> {
        let subject = checked_text("subject", subject, MAX_SUBJECT_CHARS)?;
        let agent = checked_text("by", agent, MAX_AGENT_CHARS)?;
        let request = checked_text("request", request, 128)?;
        let case = Self {
            tenant: activity.tenant.clone(),
            id: CaseId::derive(activity.activity, &format!("agent:{request}")),
            subject,
            status: CaseStatus::Open,
            opened_by: Opener::Agent(agent),
            contact: activity.contact.cloned(),
            company: activity.company.cloned(),
            opened_at: now,
            fields: Fields::new(),
            status_by: None,
            status_at: None,
        };
        match store.put_new(&case).await? {
            Written::Created => Ok((Written::Created, case)),
            _ => {
                let stored = store.get::<Self>(&case.key()).await?.ok_or(CaseError::NotFound)?;
                Ok((Written::Unchanged, stored))
            }
        }
    }

    pub async fn get(store: &Store, tenant: &TenantId, id: &CaseId) -> Result<Option<Self>, StoreError> {
        store.get(&keys::case(tenant.as_str(), id.activity.as_str(), &id.suffix)).await
    }

    /// Moves a case to `status`; the same status again changes nothing.
    pub async fn set_status(
        store: &Store,
        tenant: &TenantId,
        id: &CaseId,
        status: CaseStatus,
        by: &str,
        now: OffsetDateTime,
    ) -> Result<(Written, Self), CaseError> {
        let by = checked_text("by", by, MAX_AGENT_CHARS)?;
        let key = keys::case(tenant.as_str(), id.activity.as_str(), &id.suffix);
        let (written, stored) = store
            .update_with(&key, |current: Option<&Self>| {
                let current = current?;
                (current.status != status).then(|| Self {
                    status,
                    status_by: Some(by.clone()),
                    status_at: Some(now),
                    ..current.clone()
                })
            })
            .await?;
        Ok((written, stored.ok_or(CaseError::NotFound)?))
    }

    /// A page of the tenant's cases in `status`, oldest first.
    pub async fn in_status(
        store: &Store,
        tenant: &TenantId,
        status: CaseStatus,
        limit: i32,
        cursor: Option<&crate::store::Cursor>,
    ) -> Result<crate::store::Page<Self>, StoreError> {
        store
            .query_index_oldest_first(
                Index::Gsi2,
                &keys::cases_in_status(tenant.as_str(), status.as_str()),
                limit,
                cursor,
            )
            .await
    }
}

fn bounded(text: &str) -> String {
    text.chars().take(MAX_SUBJECT_CHARS).collect()
}

fn checked_text(field: &'static str, text: &str, max: usize) -> Result<String, CaseError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CaseError::Invalid { field, message: "must not be empty".into() });
    }
    if text.chars().count() > max {
        return Err(CaseError::Invalid { field, message: format!("must be at most {max} characters") });
    }
    if text.chars().any(char::is_control) {
        return Err(CaseError::Invalid { field, message: "must not hold control characters".into() });
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::common::ChannelId;
    use crate::crm::ids::Source;

    #[test]
    fn case_ids_name_their_activity() {
        let activity = ActivityId::new(Source::Wde, &ChannelId::try_from("wde-1".to_owned()).unwrap(), 7);
        let id = CaseId::derive(&activity, "rule:lost");
        assert_eq!(id, CaseId::derive(&activity, "rule:lost"));
        assert_ne!(id, CaseId::derive(&activity, "rule:unknown"));
        let text = id.to_string();
        assert!(text.starts_with("wde:wde-1:7~"), "{text}");
        assert_eq!(CaseId::parse(&text), Some(id));
        for bad in ["wde:wde-1:7", "wde:wde-1:7~xyz", "wde:wde-1:7~0123456789ABCDEF", "x~0123456789abcdef"] {
            assert!(CaseId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn statuses_read_back() {
        for status in [CaseStatus::Open, CaseStatus::InProgress, CaseStatus::Closed] {
            assert_eq!(CaseStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(CaseStatus::parse("done"), None);
    }
}
