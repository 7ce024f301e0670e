//! The consent register (RODO/GDPR): one entry per consent decision an IVR collected, kept with
//! the interaction it came from, plus the decision's effect on the contact's current state (see
//! [`super::contact::Contact::decide`]), both written with the interaction.

use serde::{Deserialize, Serialize};

use super::contact::ConsentState;
use super::ids::ContactId;
use crate::config::common::{ChannelId, TenantId};
use crate::store::{Entity, Index, Key, Store, StoreError, keys};

/// One register entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub name: String,
    pub state: ConsentState,
    pub tenant: TenantId,
    pub contact: Option<ContactId>,
    pub channel: ChannelId,
}

impl Entity for ConsentEntry {
    const TYPE: &'static str = "consent_entry";

    fn key(&self) -> Key {
        keys::consent(self.state.interaction, &self.name)
    }

    fn index_keys(&self) -> Vec<(Index, String, String)> {
        self.contact
            .iter()
            .map(|c| {
                (
                    Index::Gsi1,
                    keys::consents_of_contact(self.tenant.as_str(), c.as_str()),
                    keys::consent_sort(self.state.at.unix_timestamp(), self.state.interaction, &self.name),
                )
            })
            .collect()
    }
}

impl ConsentEntry {
    /// The newest register entries of a contact.
    pub async fn of_contact(
        store: &Store,
        tenant: &TenantId,
        contact: &ContactId,
        limit: i32,
    ) -> Result<Vec<Self>, StoreError> {
        let partition = keys::consents_of_contact(tenant.as_str(), contact.as_str());
        Ok(store.query_index(Index::Gsi1, &partition, limit, None).await?.items)
    }
}
