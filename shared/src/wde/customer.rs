//! Finding the customer of an interaction: contacts by e-mail, then E.164 phone, then
//! messenger id (the first unique match wins; a key several contacts share is recorded as an
//! ambiguity and the next key is tried), companies by tax id with the customer token. An
//! unknown customer becomes a contact only where the channel's configuration says so, and
//! never when the keys were ambiguous.

use time::OffsetDateTime;

use super::request::Customer;
use crate::store::StoreError;
use crate::store::companies::{self, CompanyId};
use crate::store::crm_contacts::{self, ContactId, ContactKey, CrmContact};
use crate::store::interactions::Ambiguity;
use crate::store::lookup::Match;
use crate::store::{Store, Written};

/// Who the interaction is with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resolution {
    pub contact: Option<ContactId>,
    pub company: Option<CompanyId>,
    pub ambiguities: Vec<Ambiguity>,
    /// The contact was created for this interaction.
    pub created: bool,
}

/// Resolves the customer. `create_as` is what a new contact records as its origin, when
/// the channel creates contacts for this media type.
pub async fn resolve(
    store: &Store,
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
        match crm_contacts::find(store, key).await? {
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
        match companies::find(store, tax_id, customer.token.as_deref()).await? {
            Match::One(id) => resolution.company = Some(id),
            Match::Ambiguous(ids) => resolution
                .ambiguities
                .push(Ambiguity { key: "tax_id".into(), candidates: ids.iter().map(ToString::to_string).collect() }),
            Match::None => {}
        }
    }
    if resolution.contact.is_none()
        && resolution.ambiguities.is_empty()
        && let (Some(origin), Some(first)) = (create_as, keys.first())
    {
        let contact = CrmContact {
            id: ContactId::for_key(first),
            first_name: customer.first_name.clone(),
            last_name: customer.last_name.clone(),
            email: customer.email.clone(),
            phone: customer.phone.clone(),
            messenger_id: customer.messenger_id.clone(),
            company: resolution.company.clone(),
            consents: Default::default(),
            created_at: now,
            created_by: origin.to_owned(),
        };
        resolution.created = crm_contacts::create(store, &contact).await? == Written::Created;
        resolution.contact = Some(contact.id);
    }
    Ok(resolution)
}
