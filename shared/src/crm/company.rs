//! Companies, found by tax id (NIP) together with the customer token WDE sends: a company that
//! has a token matches only a request carrying the same token.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};

use super::ids::{CompanyId, Email, TaxId};
use crate::config::common::TenantId;
use crate::phone::PhoneNumber;
use crate::store::lookup::{LookupItem, Match};
use crate::store::{Entity, Key, Store, StoreError, Written, keys};

/// A company.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Company {
    pub tenant: TenantId,
    pub id: CompanyId,
    pub name: String,
    pub tax_id: TaxId,
    /// The customer token WDE must present with the tax id, if the company has one.
    pub token: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
}

impl Entity for Company {
    const TYPE: &'static str = "company";

    fn key(&self) -> Key {
        keys::company(self.tenant.as_str(), self.id.as_str())
    }
}

fn partition(tenant: &TenantId, tax_id: &TaxId) -> String {
    keys::alternate_key(tenant.as_str(), "taxid", tax_id.as_str())
}

impl Company {
    /// Stores a company and its tax-id key; idempotent.
    pub async fn create(&self, store: &Store) -> Result<Written, StoreError> {
        let written = store.put_new(self).await?;
        self.lookup_item().put(store).await?;
        Ok(written)
    }

    /// The company's entry among the holders of its tax id, carrying its token.
    fn lookup_item(&self) -> LookupItem {
        let pk = partition(&self.tenant, &self.tax_id);
        let sk = keys::alternate_key_of_company(&pk, self.id.as_str()).sk;
        LookupItem { pk, sk, target: self.id.to_string(), token: self.token.clone() }
    }

    /// The writes that make the company's tax-id item follow it from `before` (as stored) to
    /// `self`, for the transaction that writes it: a new tax id or token is written, an old tax
    /// id deleted, so the old tax id no longer finds it and the old token no longer opens it.
    pub fn key_writes(&self, before: Option<&Company>, store: &Store) -> Result<Vec<TransactWriteItem>, StoreError> {
        let new = self.lookup_item();
        let old = before.map(Company::lookup_item);
        let mut writes = Vec::new();
        if old.as_ref() != Some(&new) {
            writes.push(new.put_write(store)?);
        }
        if let Some(old) = old.filter(|old| old.key() != new.key()) {
            writes.push(old.delete_write(store)?);
        }
        Ok(writes)
    }

    /// The companies of `tenant` with `tax_id` whose token (if they have one) equals `token`,
    /// compared in constant time: the token is what lets a caller see the company.
    pub async fn find(
        store: &Store,
        tenant: &TenantId,
        tax_id: &TaxId,
        token: Option<&str>,
    ) -> Result<Match<CompanyId>, StoreError> {
        let holders = LookupItem::holders(store, &partition(tenant, tax_id)).await?;
        let found = holders
            .into_iter()
            .filter(|h| {
                h.token.as_deref().is_none_or(|t| token.is_some_and(|given| crate::auth::text_matches(t, given)))
            })
            .filter_map(|h| CompanyId::parse(&h.target))
            .collect();
        Ok(Match::from_vec(found))
    }

    pub async fn get(store: &Store, tenant: &TenantId, id: &CompanyId) -> Result<Option<Self>, StoreError> {
        store.get(&keys::company(tenant.as_str(), id.as_str())).await
    }
}
