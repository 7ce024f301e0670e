//! Finding the customer of an interaction: contacts by e-mail, then E.164 phone, then
//! messenger id (the first unique match wins; a key several contacts share is recorded as an
//! ambiguity and the next key is tried), companies by tax id with the customer token. An
//! unknown customer becomes a contact only where the channel's configuration says so, and
//! never when the keys were ambiguous; the contact is written with the interaction.

use time::OffsetDateTime;

use super::request::Customer;
use crate::config::common::TenantId;
use crate::crm::company::Company;
use crate::crm::contact::{Contact, ContactKey, ContactKeys};
use crate::crm::ids::{CompanyId, ContactId};
use crate::crm::interaction::{Ambiguity, COMPANY_KEY};
use crate::store::lookup::Match;
use crate::store::{Store, StoreError};

/// Who the interaction is with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    pub contact: Option<ContactId>,
    pub company: Option<CompanyId>,
    pub ambiguities: Vec<Ambiguity>,
    /// The contact to create with the interaction: nobody holds its keys yet.
    pub new_contact: Option<Contact>,
}

/// Resolves the customer among the contacts and companies of `tenant`, reading only. `create_as`
/// is what a new contact records as its origin, when the channel creates contacts for this
/// media type.
pub async fn resolve(
    store: &Store,
    tenant: &TenantId,
    customer: &Customer,
    create_as: Option<&str>,
    now: OffsetDateTime,
) -> Result<Resolution, StoreError> {
    let mut resolution = Resolution::default();
    let mut keys = Vec::new();
    keys.extend(customer.email.clone().map(ContactKey::Email));
    keys.extend(customer.phone.clone().map(ContactKey::Phone));
    keys.extend(customer.messenger_id.clone().map(ContactKey::Messenger));
    for key in &keys {
        match Contact::find(store, tenant, key).await? {
            Match::One(id) => {
                resolution.contact = Some(id);
                break;
            }
            Match::Ambiguous(ids) => resolution
                .ambiguities
                .push(Ambiguity { key: key.kind().into(), candidates: ids.iter().map(ToString::to_string).collect() }),
            Match::None => {}
        }
    }
    if let Some(tax_id) = &customer.tax_id {
        match Company::find(store, tenant, tax_id, customer.token.as_deref()).await? {
            Match::One(id) => resolution.company = Some(id),
            Match::Ambiguous(ids) => resolution
                .ambiguities
                .push(Ambiguity { key: COMPANY_KEY.into(), candidates: ids.iter().map(ToString::to_string).collect() }),
            Match::None => {}
        }
    }
    if resolution.contact.is_none()
        && resolution.ambiguities.is_empty()
        && let Some(origin) = create_as
    {
        let keys = ContactKeys {
            email: customer.email.clone(),
            phone: customer.phone.clone(),
            messenger_id: customer.messenger_id.clone(),
        };
        if let Some(mut contact) = Contact::new(tenant, keys, now, origin.to_owned()) {
            contact.first_name.clone_from(&customer.first_name);
            contact.last_name.clone_from(&customer.last_name);
            contact.company.clone_from(&resolution.company);
            resolution.contact = Some(contact.id.clone());
            resolution.new_contact = Some(contact);
        }
    }
    Ok(resolution)
}
