//! Loading a tenant's customers and companies from its own CRM, so that the WDE webservice's
//! search finds them: records sent as JSON to `POST /crm/contacts` and `POST /crm/companies`
//! ([`receive_contacts`], [`receive_companies`]), or read from a CSV file by
//! `ccbridge-admin crm import`, both written by [`import_contacts`] and [`import_companies`].
//!
//! A record is known by the `external_id` the tenant's CRM gives it, and its id here is derived
//! from the tenant and that external id: sending the same batch again writes nothing
//! (`unchanged`), a record that changed is rewritten (`updated`) together with its lookup items
//! in one transaction (its new phone is found, its old phone no longer finds it), and another
//! tenant's record with the same external id is another record. An import replaces what the
//! previous import of the same external id said — a field left out is cleared — and keeps what
//! the channels added since (a contact's consents) and when and how the record was created.
//!
//! Every record is checked on its own where it enters ([`ContactFields::check`],
//! [`CompanyFields::check`]): one that fails gets its error, the others are stored. A contact's
//! `company_external_id` links it to the company imported with that external id, so companies
//! are imported first.

use std::collections::{HashMap, HashSet};
use std::fmt;

use futures::{StreamExt, TryStreamExt};
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::access::Caller;
use super::company::Company;
use super::contact::Contact;
use super::ids::{CompanyId, ContactId, Email, MessengerId, TaxId};
use crate::ApiError;
use crate::config::common::{ChannelId, TenantId};
use crate::config::{Config, Kind, UisChannel, WdeChannel};
use crate::phone::{Country, PhoneNumber};
use crate::store::{Store, StoreError, Written, keys};

/// The most records one request carries.
pub const MAX_RECORDS: usize = 500;
/// The longest external id, name or token, in characters.
pub const MAX_TEXT_CHARS: usize = 128;
/// The longest company name, in characters.
pub const MAX_COMPANY_NAME_CHARS: usize = 256;
/// Records written at once: a batch of [`MAX_RECORDS`] stays well inside a request's time.
const CONCURRENCY: usize = 16;

/// The fields of a contact record: its JSON names and CSV columns.
pub const CONTACT_FIELDS: [&str; 8] =
    ["external_id", "first_name", "last_name", "name", "email", "phone", "messenger_id", "company_external_id"];
/// The fields of a company record: its JSON names and CSV columns.
pub const COMPANY_FIELDS: [&str; 6] = ["external_id", "name", "tax_id", "token", "phone", "email"];

/// A record's id in the tenant's own CRM: 1 to [`MAX_TEXT_CHARS`] printable characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ExternalId(String);

impl ExternalId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ExternalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What an imported record's id is derived from: the tenant, the kind and the external id.
fn seed(tenant: &TenantId, kind: &str, external_id: &ExternalId) -> String {
    format!("IMPORT#{tenant}#{kind}#{external_id}", tenant = tenant.as_str())
}

impl ContactId {
    /// The id of the contact `tenant` imported with `external_id`.
    pub fn for_import(tenant: &TenantId, external_id: &ExternalId) -> Self {
        Self::for_partition(&seed(tenant, "contact", external_id))
    }
}

impl CompanyId {
    /// The id of the company `tenant` imported with `external_id`.
    pub fn for_import(tenant: &TenantId, external_id: &ExternalId) -> Self {
        Self::for_seed(&seed(tenant, "company", external_id))
    }
}

/// Why one record was not imported: a stable code, the field at fault (if one is) and what is
/// wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// `invalid_field`, `missing_field`, `duplicate_external_id` or `unknown_company`.
    pub code: &'static str,
    pub field: Option<String>,
    pub message: String,
}

impl Invalid {
    fn field(field: &str, message: impl Into<String>) -> Self {
        Self { code: "invalid_field", field: Some(field.to_owned()), message: message.into() }
    }

    fn missing(field: &str) -> Self {
        Self { code: "missing_field", field: Some(field.to_owned()), message: "is required".into() }
    }

    /// The message prefixed with where the record is (`contacts[1]`): `contacts[1].phone: …`.
    pub fn message_at(&self, record: &str) -> String {
        match &self.field {
            Some(field) => format!("{record}.{field}: {}", self.message),
            None => format!("{record}: {}", self.message),
        }
    }
}

/// A contact as sent: every field as text, none checked yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactFields {
    #[serde(default, deserialize_with = "scalar")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub first_name: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub last_name: Option<String>,
    /// The name as one text, when the CRM does not split it.
    #[serde(default, deserialize_with = "scalar")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub email: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub messenger_id: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub company_external_id: Option<String>,
}

/// A company as sent: every field as text, none checked yet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompanyFields {
    #[serde(default, deserialize_with = "scalar")]
    pub external_id: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub tax_id: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub token: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub phone: Option<String>,
    #[serde(default, deserialize_with = "scalar")]
    pub email: Option<String>,
}

/// A field's value: text, or a whole number as CRMs export ids and tax ids; `null` is absent.
fn scalar<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    struct Scalar;

    impl<'de> Visitor<'de> for Scalar {
        type Value = Option<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("text or a whole number")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            Ok(Some(v.to_owned()))
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v.to_string()))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    deserializer.deserialize_any(Scalar)
}

/// A text field: trimmed, absent when empty, at most `max` characters and no control
/// characters.
fn text(value: Option<String>, field: &str, max: usize) -> Result<Option<String>, Invalid> {
    let Some(value) = value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty()) else { return Ok(None) };
    if value.chars().count() > max {
        return Err(Invalid::field(field, format!("at most {max} characters")));
    }
    if value.chars().any(char::is_control) {
        return Err(Invalid::field(field, "control characters are not allowed"));
    }
    Ok(Some(value))
}

fn external_id(value: Option<String>, field: &str, required: bool) -> Result<Option<ExternalId>, Invalid> {
    match text(value, field, MAX_TEXT_CHARS)? {
        Some(id) => Ok(Some(ExternalId(id))),
        None if required => Err(Invalid::missing(field)),
        None => Ok(None),
    }
}

fn email(value: Option<String>) -> Result<Option<Email>, Invalid> {
    match text(value, "email", 254)? {
        Some(text) => Email::parse(&text).map(Some).ok_or_else(|| Invalid::field("email", "not an e-mail address")),
        None => Ok(None),
    }
}

fn phone(value: Option<String>, country: Country) -> Result<Option<PhoneNumber>, Invalid> {
    match text(value, "phone", 64)? {
        Some(text) => PhoneNumber::parse(&text, country).map(Some).map_err(|e| Invalid::field("phone", e.to_string())),
        None => Ok(None),
    }
}

/// A contact to import, checked: what the WDE search finds it by, and what the card shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactImport {
    pub external_id: ExternalId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub name: Option<String>,
    pub email: Option<Email>,
    pub phone: Option<PhoneNumber>,
    pub messenger_id: Option<MessengerId>,
    /// The company imported with this external id, which the contact works for.
    pub company_external_id: Option<ExternalId>,
}

impl ContactFields {
    /// Checks the record; a phone without a country code is read in `country`. A contact
    /// needs at least one key the search finds it by: an e-mail, a phone or a messenger id.
    pub fn check(self, country: Country) -> Result<ContactImport, Invalid> {
        let external_id = external_id(self.external_id, "external_id", true)?.ok_or(Invalid::missing("external_id"))?;
        let messenger_id = match text(self.messenger_id, "messenger_id", 64)? {
            Some(id) => Some(MessengerId::parse(&id).ok_or_else(|| {
                Invalid::field("messenger_id", "ASCII letters, digits and _ only, up to 64 characters")
            })?),
            None => None,
        };
        let contact = ContactImport {
            external_id,
            first_name: text(self.first_name, "first_name", MAX_TEXT_CHARS)?,
            last_name: text(self.last_name, "last_name", MAX_TEXT_CHARS)?,
            name: text(self.name, "name", MAX_TEXT_CHARS)?,
            email: email(self.email)?,
            phone: phone(self.phone, country)?,
            messenger_id,
            company_external_id: external_id_of_company(self.company_external_id)?,
        };
        if contact.email.is_none() && contact.phone.is_none() && contact.messenger_id.is_none() {
            return Err(Invalid {
                code: "missing_field",
                field: None,
                message: "a contact needs an email, a phone or a messenger_id to be found by".into(),
            });
        }
        Ok(contact)
    }
}

fn external_id_of_company(value: Option<String>) -> Result<Option<ExternalId>, Invalid> {
    external_id(value, "company_external_id", false)
}

/// A company to import, checked: found by its tax id, with its token when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyImport {
    pub external_id: ExternalId,
    pub name: String,
    pub tax_id: TaxId,
    /// The customer token WDE must present with the tax id.
    pub token: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
}

impl CompanyFields {
    /// Checks the record; a phone without a country code is read in `country`. The token is
    /// what WDE sends as `CustomerToken`, so it is limited to what WDE can send.
    pub fn check(self, country: Country) -> Result<CompanyImport, Invalid> {
        let external_id = external_id(self.external_id, "external_id", true)?.ok_or(Invalid::missing("external_id"))?;
        let name = text(self.name, "name", MAX_COMPANY_NAME_CHARS)?.ok_or(Invalid::missing("name"))?;
        let tax_id = text(self.tax_id, "tax_id", 64)?.ok_or(Invalid::missing("tax_id"))?;
        let tax_id = TaxId::parse(&tax_id)
            .ok_or_else(|| Invalid::field("tax_id", "5 to 20 digits (spaces and - are ignored)"))?;
        let token = text(self.token, "token", MAX_TEXT_CHARS)?;
        let wde_can_send = |t: &str| t.chars().all(|c| c.is_ascii_alphanumeric() || " _,.=-".contains(c));
        if token.as_deref().is_some_and(|t| !wde_can_send(t)) {
            return Err(Invalid::field("token", "ASCII letters, digits, spaces and _,.=- only (what WDE sends)"));
        }
        Ok(CompanyImport {
            external_id,
            name,
            tax_id,
            token,
            phone: phone(self.phone, country)?,
            email: email(self.email)?,
        })
    }
}

/// One record as it entered: the external id it gave, if it gave one as text, and the checked
/// record or why it is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<T> {
    pub external_id: Option<String>,
    pub record: Result<T, Invalid>,
}

impl Entry<ContactImport> {
    /// A contact from a JSON object (a request's record, a CSV row).
    pub fn contact(value: Value, country: Country) -> Self {
        let external_id = given_external_id(&value);
        Self { external_id, record: fields::<ContactFields>(value).and_then(|f| f.check(country)) }
    }
}

impl Entry<CompanyImport> {
    /// A company from a JSON object (a request's record, a CSV row).
    pub fn company(value: Value, country: Country) -> Self {
        let external_id = given_external_id(&value);
        Self { external_id, record: fields::<CompanyFields>(value).and_then(|f| f.check(country)) }
    }
}

fn given_external_id(value: &Value) -> Option<String> {
    match value.get("external_id")? {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a record's fields; an unknown field or a value of the wrong type is named.
fn fields<T: DeserializeOwned>(value: Value) -> Result<T, Invalid> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = (path != ".").then_some(path);
        Invalid { code: "invalid_field", field, message: e.into_inner().to_string() }
    })
}

/// What an import did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Created,
    Updated,
    /// The record was already as sent: nothing was written.
    Unchanged,
}

impl From<Written> for Outcome {
    fn from(written: Written) -> Self {
        match written {
            Written::Created => Self::Created,
            Written::Updated => Self::Updated,
            Written::Unchanged => Self::Unchanged,
        }
    }
}

/// A record stored: its id here, and what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub id: String,
    pub outcome: Outcome,
}

/// What became of one record.
pub type RecordResult = Result<Imported, Invalid>;

/// The records of `entries` whose external id an earlier record has, refused: which one
/// would win is not for the order of writes to decide.
fn refuse_duplicates<T>(entries: &[Entry<T>], external_id: impl Fn(&T) -> &ExternalId) -> Vec<Result<&T, Invalid>> {
    let mut seen = HashSet::new();
    entries
        .iter()
        .map(|entry| match &entry.record {
            Ok(record) if !seen.insert(external_id(record).clone()) => Err(Invalid {
                code: "duplicate_external_id",
                field: Some("external_id".into()),
                message: "an earlier record has the same external_id".into(),
            }),
            Ok(record) => Ok(record),
            Err(invalid) => Err(invalid.clone()),
        })
        .collect()
}

/// Imports contacts of `tenant`, a result per entry in order; `origin` is what a created
/// contact records as its creator (`import:<channel>`). A store failure stops the import:
/// what was written stays, and sending the records again completes it.
pub async fn import_contacts(
    store: &Store,
    tenant: &TenantId,
    origin: &str,
    entries: &[Entry<ContactImport>],
    now: OffsetDateTime,
) -> Result<Vec<RecordResult>, StoreError> {
    let checked = refuse_duplicates(entries, |c| &c.external_id);
    let linked: HashSet<CompanyId> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok()?.company_external_id.as_ref())
        .map(|external| CompanyId::for_import(tenant, external))
        .collect();
    // Futures built in a loop, not by a closure: the handler's future stays `Send`.
    let mut reads = Vec::with_capacity(linked.len());
    for id in linked {
        reads.push(company_exists(store, tenant, id));
    }
    let known: HashMap<CompanyId, bool> =
        futures::stream::iter(reads).buffer_unordered(CONCURRENCY).try_collect().await?;
    let mut writes = Vec::with_capacity(checked.len());
    for contact in checked {
        writes.push(import_contact(store, tenant, origin, contact, &known, now));
    }
    futures::stream::iter(writes).buffered(CONCURRENCY).try_collect().await
}

async fn company_exists(store: &Store, tenant: &TenantId, id: CompanyId) -> Result<(CompanyId, bool), StoreError> {
    let exists = Company::get(store, tenant, &id).await?.is_some();
    Ok((id, exists))
}

/// One checked contact written, or why it is not: its company must have been imported.
async fn import_contact(
    store: &Store,
    tenant: &TenantId,
    origin: &str,
    checked: Result<&ContactImport, Invalid>,
    known: &HashMap<CompanyId, bool>,
    now: OffsetDateTime,
) -> Result<RecordResult, StoreError> {
    let contact = match checked {
        Ok(contact) => contact,
        Err(invalid) => return Ok(Err(invalid)),
    };
    let company = contact.company_external_id.as_ref().map(|e| CompanyId::for_import(tenant, e));
    if company.as_ref().is_some_and(|id| known.get(id) != Some(&true)) {
        return Ok(Err(Invalid {
            code: "unknown_company",
            field: Some("company_external_id".into()),
            message: "no company has been imported with this external_id (import companies first)".into(),
        }));
    }
    write_contact(store, tenant, origin, contact, company, now).await.map(Ok)
}

/// Writes one contact as imported: the fields the import owns are set, the rest kept; its
/// lookup items move with it in the same transaction.
async fn write_contact(
    store: &Store,
    tenant: &TenantId,
    origin: &str,
    record: &ContactImport,
    company: Option<CompanyId>,
    now: OffsetDateTime,
) -> Result<Imported, StoreError> {
    let id = ContactId::for_import(tenant, &record.external_id);
    let (written, _) = store
        .merge_with(&keys::contact(tenant.as_str(), id.as_str()), |current: Option<&Contact>| {
            let mut next = current.cloned().unwrap_or_else(|| Contact {
                tenant: tenant.clone(),
                id: id.clone(),
                name: None,
                first_name: None,
                last_name: None,
                email: None,
                phone: None,
                messenger_id: None,
                company: None,
                consents: Default::default(),
                created_at: now,
                created_by: origin.to_owned(),
            });
            next.first_name.clone_from(&record.first_name);
            next.last_name.clone_from(&record.last_name);
            next.name.clone_from(&record.name);
            next.email.clone_from(&record.email);
            next.phone.clone_from(&record.phone);
            next.messenger_id.clone_from(&record.messenger_id);
            next.company.clone_from(&company);
            if current == Some(&next) {
                return Ok(None);
            }
            let writes = next.key_writes(current, store)?;
            Ok(Some((next, writes)))
        })
        .await?;
    Ok(Imported { id: id.to_string(), outcome: written.into() })
}

/// Imports companies of `tenant`, a result per entry in order. A store failure stops the
/// import: what was written stays, and sending the records again completes it.
pub async fn import_companies(
    store: &Store,
    tenant: &TenantId,
    entries: &[Entry<CompanyImport>],
) -> Result<Vec<RecordResult>, StoreError> {
    let mut writes = Vec::with_capacity(entries.len());
    for checked in refuse_duplicates(entries, |c| &c.external_id) {
        writes.push(import_company(store, tenant, checked));
    }
    futures::stream::iter(writes).buffered(CONCURRENCY).try_collect().await
}

async fn import_company(
    store: &Store,
    tenant: &TenantId,
    checked: Result<&CompanyImport, Invalid>,
) -> Result<RecordResult, StoreError> {
    match checked {
        Ok(company) => write_company(store, tenant, company).await.map(Ok),
        Err(invalid) => Ok(Err(invalid)),
    }
}

/// Writes one company as imported, its tax-id item moving with it in the same transaction.
async fn write_company(store: &Store, tenant: &TenantId, record: &CompanyImport) -> Result<Imported, StoreError> {
    let id = CompanyId::for_import(tenant, &record.external_id);
    let next = Company {
        tenant: tenant.clone(),
        id: id.clone(),
        name: record.name.clone(),
        tax_id: record.tax_id.clone(),
        token: record.token.clone(),
        phone: record.phone.clone(),
        email: record.email.clone(),
    };
    let (written, _) = store
        .merge_with(&keys::company(tenant.as_str(), id.as_str()), |current: Option<&Company>| {
            if current == Some(&next) {
                return Ok(None);
            }
            let writes = next.key_writes(current, store)?;
            Ok(Some((next.clone(), writes)))
        })
        .await?;
    Ok(Imported { id: id.to_string(), outcome: written.into() })
}

/// The region numbers without a country code are read in for records a channel's key sends:
/// the channel's `default_country`.
pub fn channel_country(config: &Config, channel: &ChannelId) -> Option<Country> {
    config
        .get::<UisChannel>(channel)
        .map(|c| c.default_country)
        .or_else(|| config.get::<WdeChannel>(channel).map(|c| c.default_country))
}

/// The `default_country` of the first UIS or WDE channel of `tenant` in the configuration: the
/// region of a file's numbers unless the operator names one.
pub fn tenant_country(config: &Config, tenant: &TenantId) -> Option<Country> {
    config.channels().iter().find_map(|channel| {
        UisChannel::of(channel)
            .filter(|c| c.tenant == *tenant)
            .map(|c| c.default_country)
            .or_else(|| WdeChannel::of(channel).filter(|c| c.tenant == *tenant).map(|c| c.default_country))
    })
}

/// What an import answers: a result per record in the order sent, and the counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub results: Vec<ResultLine>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub failed: usize,
}

/// One record's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum ResultLine {
    Imported { external_id: String, id: String, result: Outcome },
    Failed { external_id: Option<String>, error: LineError },
}

/// Why a record was not imported, as the answer says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub code: &'static str,
    /// Names the record and the field: `contacts[1].phone: …`.
    pub message: String,
}

impl Report {
    /// The report of `results`, one per entry, records named `<plural>[<index>]`.
    pub fn new<T>(plural: &str, entries: &[Entry<T>], results: Vec<RecordResult>) -> Self {
        let mut report =
            Self { results: Vec::with_capacity(results.len()), created: 0, updated: 0, unchanged: 0, failed: 0 };
        for (index, (entry, result)) in entries.iter().zip(results).enumerate() {
            let line = match result {
                Ok(Imported { id, outcome }) => {
                    match outcome {
                        Outcome::Created => report.created += 1,
                        Outcome::Updated => report.updated += 1,
                        Outcome::Unchanged => report.unchanged += 1,
                    }
                    ResultLine::Imported {
                        external_id: entry.external_id.clone().unwrap_or_default(),
                        id,
                        result: outcome,
                    }
                }
                Err(invalid) => {
                    report.failed += 1;
                    let message = invalid.message_at(&format!("{plural}[{index}]"));
                    ResultLine::Failed {
                        external_id: entry.external_id.clone(),
                        error: LineError { code: invalid.code, message },
                    }
                }
            };
            report.results.push(line);
        }
        report
    }
}

/// `POST /crm/contacts` `{"contacts": [...]}`, the body already bounded: 1 to
/// [`MAX_RECORDS`] contacts of the caller's tenant, phones read in its channel's country.
pub async fn receive_contacts(
    config: &Config,
    store: &Store,
    caller: Caller<'_>,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Report, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        contacts: Vec<Value>,
    }
    let Body { contacts } = crate::http::parse_json(body)?;
    let country = checked_batch(config, caller, "contacts", contacts.len())?;
    let entries: Vec<_> = contacts.into_iter().map(|value| Entry::contact(value, country)).collect();
    let origin = format!("import:{}", caller.channel);
    let results = import_contacts(store, caller.tenant, &origin, &entries, now).await?;
    let report = Report::new("contacts", &entries, results);
    log(caller, "contacts", &report);
    Ok(report)
}

/// `POST /crm/companies` `{"companies": [...]}`, the body already bounded: 1 to
/// [`MAX_RECORDS`] companies of the caller's tenant.
pub async fn receive_companies(
    config: &Config,
    store: &Store,
    caller: Caller<'_>,
    body: &[u8],
) -> Result<Report, ApiError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Body {
        companies: Vec<Value>,
    }
    let Body { companies } = crate::http::parse_json(body)?;
    let country = checked_batch(config, caller, "companies", companies.len())?;
    let entries: Vec<_> = companies.into_iter().map(|value| Entry::company(value, country)).collect();
    let results = import_companies(store, caller.tenant, &entries).await?;
    let report = Report::new("companies", &entries, results);
    log(caller, "companies", &report);
    Ok(report)
}

/// Refuses a batch of the wrong size; the country the caller's records are read in.
fn checked_batch(config: &Config, caller: Caller<'_>, plural: &str, len: usize) -> Result<Country, ApiError> {
    if !(1..=MAX_RECORDS).contains(&len) {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("body.{plural}: {len} records; a request carries 1 to {MAX_RECORDS}"),
        ));
    }
    channel_country(config, caller.channel)
        .ok_or_else(|| ApiError::Internal(format!("channel {} is neither a UIS nor a WDE channel", caller.channel)))
}

fn log(caller: Caller<'_>, kind: &str, report: &Report) {
    tracing::info!(channel = %caller.channel, tenant = %caller.tenant.as_str(), kind, created = report.created,
        updated = report.updated, unchanged = report.unchanged, failed = report.failed, "records imported");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn pl() -> Country {
        Country::parse("PL").expect("PL")
    }

    fn tenant(name: &str) -> TenantId {
        TenantId::try_from(name.to_string()).expect("tenant")
    }

    #[test]
    fn a_contact_is_checked_field_by_field() {
        let entry = Entry::contact(
            json!({"external_id": " c-1 ", "first_name": "Jan", "email": "Jan@Example.PL", "phone": "600 100 200",
                "company_external_id": "", "name": null}),
            pl(),
        );
        let contact = entry.record.expect("valid");
        assert_eq!(contact.external_id.as_str(), "c-1");
        assert_eq!(contact.email.expect("email").as_str(), "jan@example.pl");
        assert_eq!(contact.phone.expect("phone").as_str(), "+48600100200");
        assert_eq!((contact.company_external_id, contact.name), (None, None), "empty and null are absent");

        let invalid = |value: Value| Entry::contact(value, pl()).record.expect_err("invalid");
        let bad_phone = invalid(json!({"external_id": "c-2", "phone": "12"}));
        assert_eq!((bad_phone.code, bad_phone.field.as_deref()), ("invalid_field", Some("phone")));
        assert!(bad_phone.message_at("contacts[1]").starts_with("contacts[1].phone: "), "{bad_phone:?}");
        let no_key = invalid(json!({"external_id": "c-3", "first_name": "Ewa"}));
        assert_eq!((no_key.code, no_key.field), ("missing_field", None));
        assert_eq!(invalid(json!({"phone": "+48600100200"})).field.as_deref(), Some("external_id"));
        assert_eq!(invalid(json!({"external_id": "c", "email": "nope"})).field.as_deref(), Some("email"));
        assert_eq!(invalid(json!({"external_id": "c", "messenger_id": "a b"})).field.as_deref(), Some("messenger_id"));
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        assert_eq!(invalid(json!({"external_id": long, "email": "a@b.pl"})).field.as_deref(), Some("external_id"));
        let typo = invalid(json!({"external_id": "c", "e-mail": "a@b.pl"}));
        assert!(typo.message.contains("unknown field `e-mail`"), "{typo:?}");
        let wrong_type = invalid(json!({"external_id": "c", "phone": ["+48600100200"]}));
        assert_eq!(wrong_type.field.as_deref(), Some("phone"), "{wrong_type:?}");
        assert_eq!(invalid(json!("c-9")).field, None);
        let numeric = Entry::contact(json!({"external_id": 42, "phone": 48600100200_u64}), pl());
        assert_eq!(numeric.external_id.as_deref(), Some("42"));
        assert_eq!(numeric.record.expect("numbers read as text").phone.expect("phone").as_str(), "+48600100200");
    }

    #[test]
    fn a_company_needs_a_name_and_a_tax_id_and_a_token_wde_can_send() {
        let company = Entry::company(
            json!({"external_id": "k-1", "name": "ACME", "tax_id": "123-456-32-18", "token": "T0K3N"}),
            pl(),
        )
        .record
        .expect("valid");
        assert_eq!((company.tax_id.as_str(), company.token.as_deref()), ("1234563218", Some("T0K3N")));
        let invalid = |value: Value| Entry::company(value, pl()).record.expect_err("invalid");
        assert_eq!(invalid(json!({"external_id": "k", "tax_id": "1234563218"})).field.as_deref(), Some("name"));
        assert_eq!(invalid(json!({"external_id": "k", "name": "A"})).code, "missing_field");
        assert_eq!(invalid(json!({"external_id": "k", "name": "A", "tax_id": "12"})).field.as_deref(), Some("tax_id"));
        let token = invalid(json!({"external_id": "k", "name": "A", "tax_id": "1234563218", "token": "a/b"}));
        assert_eq!(token.field.as_deref(), Some("token"));
    }

    #[test]
    fn ids_follow_the_tenant_and_the_external_id() {
        let id = ExternalId("c-1".into());
        let contact = ContactId::for_import(&tenant("default"), &id);
        assert_eq!(contact, ContactId::for_import(&tenant("default"), &id.clone()));
        assert_ne!(contact, ContactId::for_import(&tenant("other"), &id));
        assert_eq!(ContactId::parse(contact.as_str()), Some(contact.clone()));
        let company = CompanyId::for_import(&tenant("default"), &id);
        assert_ne!(company, CompanyId::for_import(&tenant("other"), &id));
        assert_eq!(CompanyId::parse(company.as_str()), Some(company.clone()));
        assert_ne!(company.as_str(), contact.as_str());
    }

    #[test]
    fn a_repeated_external_id_is_refused_after_its_first_record() {
        let entries: Vec<_> = ["c-1", "c-2", "c-1"]
            .into_iter()
            .map(|id| Entry::contact(json!({"external_id": id, "email": format!("{id}@example.pl")}), pl()))
            .collect();
        let checked = refuse_duplicates(&entries, |c| &c.external_id);
        assert!(checked[0].is_ok() && checked[1].is_ok());
        assert_eq!(checked[2].as_ref().expect_err("duplicate").code, "duplicate_external_id");
    }

    #[test]
    fn the_report_counts_and_names_each_record() {
        let entries = vec![
            Entry::contact(json!({"external_id": "c-1", "email": "a@b.pl"}), pl()),
            Entry::contact(json!({"external_id": "c-2", "phone": "x"}), pl()),
        ];
        let results = vec![
            Ok(Imported { id: "c0".into(), outcome: Outcome::Created }),
            Err(entries[1].record.clone().expect_err("invalid")),
        ];
        let report = Report::new("contacts", &entries, results);
        let body = serde_json::to_value(&report).expect("json");
        assert_eq!(body["results"][0], json!({"external_id": "c-1", "id": "c0", "result": "created"}));
        assert_eq!(body["results"][1]["external_id"], "c-2");
        assert_eq!(body["results"][1]["error"]["code"], "invalid_field");
        assert!(body["results"][1]["error"]["message"].as_str().expect("message").starts_with("contacts[1].phone: "));
        assert_eq!((report.created, report.updated, report.unchanged, report.failed), (1, 0, 0, 1));
    }

    #[test]
    fn the_fields_lists_are_the_records_fields() {
        let contact: serde_json::Map<String, Value> =
            CONTACT_FIELDS.iter().map(|f| ((*f).to_owned(), json!("x"))).collect();
        assert!(serde_json::from_value::<ContactFields>(Value::Object(contact)).is_ok());
        let company: serde_json::Map<String, Value> =
            COMPANY_FIELDS.iter().map(|f| ((*f).to_owned(), json!("x"))).collect();
        assert!(serde_json::from_value::<CompanyFields>(Value::Object(company)).is_ok());
    }
}
