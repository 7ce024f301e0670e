//! WDE interactions (YetiForce's CallHistory records): one per `GenesysIDInteraction` and
//! channel, whatever the number of deliveries.
//!
//! The numeric id WDE gets back as `interactionId` (and may send as `CRMInteractionID`) is
//! derived from the channel and the Genesys id, so both lookups are one read by key.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::companies::CompanyId;
use super::crm_contacts::{ContactId, Email, MessengerId};
use super::history;
use super::items::{Entity, Index, Key, Store, StoreError, Written};
use crate::phone::PhoneNumber;

/// The CRM-side id of an interaction: a positive integer below 2^53, so that every JSON
/// client (WDE's .NET, browsers) reads it exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct InteractionId(u64);

impl InteractionId {
    /// The id of the interaction `genesys_id` of `channel`.
    pub fn derive(channel: &str, genesys_id: &str) -> Self {
        let digest = Sha256::digest(format!("{channel}\0{genesys_id}").as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        Self((u64::from_be_bytes(bytes) & ((1 << 53) - 1)).max(1))
    }

    /// An id as a caller sends it back; out-of-range values are none of ours.
    pub fn from_number(n: i64) -> Option<Self> {
        u64::try_from(n).ok().filter(|n| (1..1 << 53).contains(n)).map(Self)
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for InteractionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

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
    pub channel: String,
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
    pub transfer_agent_id: Option<String>,
    pub agent_login: Option<String>,
    pub session_id: Option<String>,
    #[serde(default)]
    pub attached: BTreeMap<String, String>,
}

impl Entity for Interaction {
    const TYPE: &'static str = "wde_interaction";

    fn key(&self) -> Key {
        interaction_key(self.id)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        let sort = history::sort_key(self.started_at, &format!("WDE#{}", self.id));
        let mut keys = Vec::new();
        if let Some(contact) = &self.contact {
            keys.push((Index::Gsi1, history::contact_partition(contact), sort.clone()));
        }
        if let Some(company) = &self.company {
            keys.push((Index::Gsi2, history::company_partition(company), sort));
        }
        keys
    }
}

fn interaction_key(id: InteractionId) -> Key {
    Key::new(format!("INTERACTION#{id}"), "INTERACTION")
}

/// Stores a new interaction; `Unchanged` when it was registered before (the stored one wins).
pub async fn register(store: &Store, interaction: &Interaction) -> Result<Written, StoreError> {
    store.put_new(interaction).await
}

/// The interaction with `id` of `channel`, if any.
pub async fn get(store: &Store, channel: &str, id: InteractionId) -> Result<Option<Interaction>, StoreError> {
    Ok(store.get::<Interaction>(&interaction_key(id)).await?.filter(|i| i.channel == channel))
}

/// Records the end of an interaction; `None` when there is no such interaction. Repeating the
/// same end writes nothing.
pub async fn finish(
    store: &Store,
    channel: &str,
    id: InteractionId,
    end: &InteractionEnd,
) -> Result<Option<(Written, Interaction)>, StoreError> {
    let (written, stored) = store
        .update_with(&interaction_key(id), |current: Option<&Interaction>| {
            let current = current.filter(|i| i.channel == channel)?;
            if current.end.as_ref() == Some(end) {
                return None;
            }
            let mut next = current.clone();
            next.end = Some(end.clone());
            Some(next)
        })
        .await?;
    Ok(stored.filter(|i| i.channel == channel).map(|i| (written, i)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_json_safe_and_per_channel() {
        let a = InteractionId::derive("wde-demo", "00047aHK833X02TB");
        assert_eq!(a, InteractionId::derive("wde-demo", "00047aHK833X02TB"));
        assert_ne!(a, InteractionId::derive("wde-other", "00047aHK833X02TB"));
        assert!(a.get() < 1 << 53 && a.get() > 0);
        assert_eq!(InteractionId::from_number(a.get() as i64), Some(a));
        assert_eq!(InteractionId::from_number(-1), None);
        assert_eq!(InteractionId::from_number(1 << 53), None);
    }
}
