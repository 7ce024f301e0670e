//! WDE interactions (YetiForce's CallHistory records): one per `GenesysIDInteraction` and
//! channel, whatever the number of deliveries. Its activity ([`super::activity`]) is what a
//! customer's timeline lists.
//!
//! The numeric id WDE gets back as `interactionId` (and may send as `CRMInteractionID`) is
//! derived from the channel and the Genesys id, so both lookups are one read by key.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ids::{CompanyId, ContactId, Email, InteractionId, MessengerId};
use crate::config::common::{ChannelId, TenantId};
use crate::phone::PhoneNumber;
use crate::store::{Entity, Key, Store, StoreError, Written, keys};

/// A lookup key that matched several contacts or companies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ambiguity {
    /// `email`, `phone`, `messenger_id` or `tax_id`.
    pub key: String,
    pub candidates: Vec<String>,
}

/// One interaction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Interaction {
    pub id: InteractionId,
    pub channel: ChannelId,
    /// The tenant of the channel: whose customers the contact and company are.
    pub tenant: TenantId,
    pub genesys_id: String,
    /// Registered by `registerInteractionCampaign`.
    pub campaign: bool,
    /// `MediaType` as WDE sent it.
    pub media_type: String,
    /// YetiForce's `callhistorytype` for it (`Incoming`, `Messenger`, `-`, …).
    pub call_type: String,
    pub operator: Option<String>,
    pub agent_login: Option<String>,
    pub queue_name: Option<String>,
    pub queue_time: Option<i64>,
    pub service_type: Option<String>,
    pub service_value: Option<String>,
    pub dialed_number: Option<String>,
    pub outbound_call_id: Option<String>,
    pub phone: Option<PhoneNumber>,
    pub email: Option<Email>,
    pub messenger_id: Option<MessengerId>,
    pub customer_token: Option<String>,
    pub tax_id: Option<String>,
    pub source_crm_id: Option<i64>,
    pub previous_crm_id: Option<i64>,
    pub ip_address: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    pub contact: Option<ContactId>,
    pub company: Option<CompanyId>,
    #[serde(default)]
    pub ambiguities: Vec<Ambiguity>,
    /// The contact was created for this interaction: the customer was not known before.
    #[serde(default)]
    pub created_contact: bool,
    /// Fields the contract does not name (attached data, IVR answers), as JSON, by name.
    #[serde(default)]
    pub attached: BTreeMap<String, String>,
    #[serde(default)]
    pub end: Option<InteractionEnd>,
}

/// What `updateInteraction` says when the interaction ends.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InteractionEnd {
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// Seconds.
    pub handle_time: Option<i64>,
    pub status: Option<String>,
    pub personal_callback: Option<String>,
    pub result: Option<String>,
    /// The wrap-up the agent chose (`DispositionCode`).
    #[serde(default)]
    pub disposition_code: Option<String>,
    pub transfer_agent_id: Option<String>,
    pub agent_login: Option<String>,
    pub session_id: Option<String>,
    #[serde(default)]
    pub attached: BTreeMap<String, String>,
}

impl Entity for Interaction {
    const TYPE: &'static str = "wde_interaction";
    const PERSONAL_DATA: bool = true;

    fn key(&self) -> Key {
        keys::interaction(self.id)
    }
}

impl Interaction {
    /// Stores a new interaction, with `writes` in the same transaction; `Unchanged` when it was
    /// registered before (the stored one wins).
    pub async fn register(&self, store: &Store, writes: Vec<TransactWriteItem>) -> Result<Written, StoreError> {
        if writes.is_empty() { store.put_new(self).await } else { store.put_new_with(self, writes).await }
    }

    /// The interaction with `id` of `channel`, if any.
    pub async fn get(store: &Store, channel: &ChannelId, id: InteractionId) -> Result<Option<Self>, StoreError> {
        Ok(store.get::<Self>(&keys::interaction(id)).await?.filter(|i| &i.channel == channel))
    }

    /// Records the end of an interaction, with the writes `with` makes of the ended one in the
    /// same transaction; `None` when there is no such interaction. Repeating the same end
    /// writes nothing.
    pub async fn finish(
        store: &Store,
        channel: &ChannelId,
        id: InteractionId,
        end: &InteractionEnd,
        with: impl Fn(&Self) -> Result<Vec<TransactWriteItem>, StoreError>,
    ) -> Result<Option<(Written, Self)>, StoreError> {
        let (written, stored) = store
            .merge_with(&keys::interaction(id), |current: Option<&Self>| {
                let Some(current) = current.filter(|i| &i.channel == channel) else { return Ok(None) };
                if current.end.as_ref() == Some(end) {
                    return Ok(None);
                }
                let mut next = current.clone();
                next.end = Some(end.clone());
                let writes = with(&next)?;
                Ok(Some((next, writes)))
            })
            .await?;
        Ok(stored.filter(|i| &i.channel == channel).map(|i| (written, i)))
    }

    /// Links the interaction to its customer: sets `contact` and/or `company` (a `None` leaves
    /// that side as it is), with the writes `with` makes of the linked one in the same
    /// transaction (what must follow the link: a contact created for it, the record the
    /// customer's timeline lists). The ambiguities the link settles are dropped: every contact
    /// key's once a contact is linked, the tax id's once a company is. `None` when there is no
    /// such interaction; linking it again as it is writes nothing.
    pub async fn link(
        store: &Store,
        channel: &ChannelId,
        id: InteractionId,
        contact: Option<&ContactId>,
        company: Option<&CompanyId>,
        with: impl Fn(&Self) -> Result<Vec<TransactWriteItem>, StoreError>,
    ) -> Result<Option<(Written, Self)>, StoreError> {
        let (written, stored) = store
            .merge_with(&keys::interaction(id), |current: Option<&Self>| {
                let Some(current) = current.filter(|i| &i.channel == channel) else { return Ok(None) };
                let mut next = current.clone();
                if let Some(contact) = contact {
                    next.contact = Some(contact.clone());
                    next.ambiguities.retain(|a| a.key == COMPANY_KEY);
                }
                if let Some(company) = company {
                    next.company = Some(company.clone());
                    next.ambiguities.retain(|a| a.key != COMPANY_KEY);
                }
                if next == *current {
                    return Ok(None);
                }
                let writes = with(&next)?;
                Ok(Some((next, writes)))
            })
            .await?;
        Ok(stored.filter(|i| &i.channel == channel).map(|i| (written, i)))
    }
}

/// The [`Ambiguity::key`] of a tax id several companies share; every other key is a contact's.
pub const COMPANY_KEY: &str = "tax_id";
