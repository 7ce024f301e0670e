//! The external source of an EX organisation: the presence source Genesys Cloud knows the
//! platforms ccbridge bridges as. Provisioned once per Genesys Cloud channel by the operator
//! (`ccbridge-admin ex provision`), found by name when it exists, created otherwise, and its id
//! kept in the table (`EXSOURCE#<genesys channel>`) for every conversation and agent state sent,
//! with the id of the organisation's definition of each system presence, which presence events
//! carry (`presenceDefinitionId`). Running it again picks up definitions Genesys changed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::agents::SystemPresence;
use crate::config::common::ChannelId;
use crate::genesys::presence::Definition;
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
    /// System presence (`OnQueue`) → the organisation's definition id; empty when provisioned
    /// by a version that did not read them.
    #[serde(default)]
    pub presence_definitions: BTreeMap<String, String>,
}

impl ExSource {
    /// The organisation's definition of `presence`, if provisioning found one.
    pub fn definition(&self, presence: SystemPresence) -> Option<&str> {
        self.presence_definitions.get(presence.as_str()).map(String::as_str)
    }
}

/// The definition each system presence is sent as: the active one of type `System` (the
/// organisation's primary), else any active one of that presence.
fn system_definitions(definitions: &[Definition]) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let active = || definitions.iter().filter(|d| !d.deactivated);
    for primary in [true, false] {
        for definition in active().filter(|d| (d.kind.as_deref() == Some("System")) == primary) {
            let Some(presence) = definition.system_presence.as_deref().and_then(SystemPresence::parse) else {
                continue;
            };
            found.entry(presence.as_str().to_owned()).or_insert_with(|| definition.id.clone());
        }
    }
    found
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
    let presence_definitions = system_definitions(&client.presence_definitions().await?);
    if let Some(known) = known.filter(|k| k.source_id == source.id && k.presence_definitions == presence_definitions) {
        return Ok(Provisioned::Unchanged(known));
    }
    let record = ExSource {
        genesys: genesys.clone(),
        source_id: source.id,
        name: source.name,
        provisioned_at: now,
        presence_definitions,
    };
    store.update_with::<ExSource, _>(&record.key(), |_| Some(record.clone())).await?;
    Ok(if created { Provisioned::Created(record) } else { Provisioned::Adopted(record) })
}
