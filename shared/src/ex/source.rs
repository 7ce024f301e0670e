//! The external source of an EX organisation: the presence source Genesys Cloud knows the
//! platforms ccbridge bridges as. Provisioned once per Genesys Cloud channel by the operator
//! (`ccbridge-admin ex provision`), found by name when it exists, created otherwise, and its id
//! kept in the table (`EXSOURCE#<genesys channel>`) for every conversation and agent state sent.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::config::common::ChannelId;
use crate::genesys::{GenesysClient, GenesysError};
use crate::store::{Entity, Key, Store, StoreError};

/// The name ccbridge's source has in every organisation.
pub const SOURCE_NAME: &str = "ccbridge";

/// A provisioned source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExSource {
    pub genesys: ChannelId,
    pub source_id: String,
    pub name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub provisioned_at: OffsetDateTime,
}

impl Entity for ExSource {
    const TYPE: &'static str = "ex_source";

    fn key(&self) -> Key {
        key(&self.genesys)
    }
}

fn key(genesys: &ChannelId) -> Key {
    Key::new(format!("EXSOURCE#{genesys}"), "SOURCE")
}

/// The source of organisation `genesys`, if provisioned.
pub async fn get(store: &Store, genesys: &ChannelId) -> Result<Option<ExSource>, StoreError> {
    store.get(&key(genesys)).await
}

/// What provisioning did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provisioned {
    /// The organisation had no such source: it was created.
    Created(ExSource),
    /// It had one by ccbridge's name: adopted.
    Adopted(ExSource),
    /// It was provisioned before and Genesys still has it.
    Unchanged(ExSource),
}

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error(transparent)]
    Genesys(#[from] GenesysError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the organisation's source {0:?} is deactivated: reactivate it in Genesys Cloud first")]
    Deactivated(String),
}

/// Makes sure organisation `genesys` has ccbridge's source and the table knows its id;
/// running it again changes nothing.
pub async fn provision(
    store: &Store,
    client: &GenesysClient,
    genesys: &ChannelId,
    now: OffsetDateTime,
) -> Result<Provisioned, ProvisionError> {
    let sources = client.presence_sources().await?;
    let existing = sources.iter().find(|s| s.name.eq_ignore_ascii_case(SOURCE_NAME));
    if let Some(source) = existing.filter(|s| s.deactivated) {
        return Err(ProvisionError::Deactivated(source.id.clone()));
    }
    let known = get(store, genesys).await?;
    let (source, created) = match existing {
        Some(source) => (source.clone(), false),
        None => (client.create_presence_source(SOURCE_NAME, "Platforms bridged by ccbridge").await?, true),
    };
    if let Some(known) = known.filter(|k| k.source_id == source.id) {
        return Ok(Provisioned::Unchanged(known));
    }
    let record = ExSource { genesys: genesys.clone(), source_id: source.id, name: source.name, provisioned_at: now };
    store.update_with::<ExSource, _>(&record.key(), |_| Some(record.clone())).await?;
    Ok(if created { Provisioned::Created(record) } else { Provisioned::Adopted(record) })
}
