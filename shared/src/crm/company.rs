//! CRM companies, found by tax id (NIP) together with the customer token WDE sends: a company
//! that has a token matches only a request carrying the same token.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::items::{Entity, Key, Store, StoreError, Written};
use super::lookup::{self, LookupItem, Match};
use crate::phone::PhoneNumber;

/// A company's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CompanyId(String);

impl CompanyId {
    /// Ids are letters, digits, `-` and `_`, up to 64 characters.
    pub fn parse(text: &str) -> Option<Self> {
        let ok = !text.is_empty()
            && text.len() <= 64
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| Self(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A tax id (Polish NIP and the like): digits only, separators removed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct TaxId(String);

impl TaxId {
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let ok = (5..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then_some(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub id: CompanyId,
    pub name: String,
    pub tax_id: TaxId,
    /// The customer token WDE must present with the tax id, if the company has one.
    pub token: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<super::crm_contacts::Email>,
}

impl Entity for Company {
    const TYPE: &'static str = "company";

    fn key(&self) -> Key {
        company_key(&self.id)
    }
}

fn company_key(id: &CompanyId) -> Key {
    Key::new(format!("COMPANY#{id}"), "COMPANY")
}

fn partition(tax_id: &TaxId) -> String {
    format!("CRMKEY#taxid#{}", tax_id.as_str())
}

/// Stores a company (from a CRM import) and its tax-id key; idempotent.
pub async fn create(store: &Store, company: &Company) -> Result<Written, StoreError> {
    let written = store.put_new(company).await?;
    let item = LookupItem {
        pk: partition(&company.tax_id),
        sk: format!("COMPANY#{}", company.id),
        target: company.id.to_string(),
        token: company.token.clone(),
    };
    lookup::put(store, &item).await?;
    Ok(written)
}

/// The companies with `tax_id` whose token (if they have one) equals `token`.
pub async fn find(store: &Store, tax_id: &TaxId, token: Option<&str>) -> Result<Match<CompanyId>, StoreError> {
    let holders = lookup::holders(store, &partition(tax_id)).await?;
    let found = holders
        .into_iter()
        .filter(|h| h.token.as_deref().is_none_or(|t| Some(t) == token))
        .filter_map(|h| CompanyId::parse(&h.target))
        .collect();
    Ok(Match::from_vec(found))
}

pub async fn get(store: &Store, id: &CompanyId) -> Result<Option<Company>, StoreError> {
    store.get(&company_key(id)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tax_ids_keep_digits_only() {
        assert_eq!(TaxId::parse("123-456-32-18").expect("nip").as_str(), "1234563218");
        assert!(TaxId::parse("12a4567890").is_none());
        assert!(TaxId::parse("12").is_none());
    }
}
