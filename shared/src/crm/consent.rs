//! The consent register (RODO/GDPR): one entry per consent decision an IVR collected, kept
//! with the interaction it came from, plus the decision's effect on the contact's current
//! state (see [`crm_contacts::apply_consent`](super::crm_contacts::apply_consent)).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::crm_contacts::ContactId;
use super::interactions::InteractionId;
use super::items::{Entity, Index, Key, Store, StoreError, Written};

/// Accepted or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// YetiForce `PLL_ACCEPTANCE`.
    Accepted,
    /// YetiForce `PLL_RESIGNATION`.
    Resigned,
}

impl Decision {
    pub fn label(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Resigned => "withdrawn",
        }
    }
}

/// A contact's current decision on one consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentState {
    pub decision: Decision,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The interaction the decision was taken in.
    pub interaction: InteractionId,
}

impl ConsentState {
    /// Whether this decision replaces `other`: later wins; at the same instant, the higher
    /// interaction id, so every order of deliveries ends the same.
    pub fn supersedes(&self, other: &ConsentState) -> bool {
        (self.at, self.interaction) > (other.at, other.interaction)
    }
}

/// One register entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub name: String,
    pub state: ConsentState,
    pub contact: Option<ContactId>,
    pub channel: String,
}

impl Entity for ConsentEntry {
    const TYPE: &'static str = "consent_entry";

    fn key(&self) -> Key {
        Key::new(format!("CONSENTS#{}", self.state.interaction), format!("CONSENT#{}", self.name))
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.contact
            .iter()
            .map(|c| {
                let at = self.state.at.unix_timestamp();
                (
                    Index::Gsi1,
                    format!("CONSENTS#CONTACT#{c}"),
                    format!("{at:012}#{}#{}", self.state.interaction, self.name),
                )
            })
            .collect()
    }
}

/// Registers the entry once (a re-delivered interaction writes nothing) and applies it to the
/// contact's current state.
pub async fn record(store: &Store, entry: &ConsentEntry) -> Result<Written, StoreError> {
    let written = store.put_new(entry).await?;
    if let Some(contact) = &entry.contact {
        super::crm_contacts::apply_consent(store, contact, &entry.name, &entry.state).await?;
    }
    Ok(written)
}

/// The newest register entries of a contact.
pub async fn of_contact(store: &Store, contact: &ContactId, limit: i32) -> Result<Vec<ConsentEntry>, StoreError> {
    Ok(store.query_index(Index::Gsi1, &format!("CONSENTS#CONTACT#{contact}"), limit, None).await?.items)
}
