//! Presence sources (`/api/v2/presence/sources`): the external platform as Genesys Cloud knows
//! it. An EX organisation has one; its id is the `sourceId` of the external conversations and
//! of the agent states the platform reports.

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{GenesysClient, GenesysError};

pub const SOURCES_PATH: &str = "/api/v2/presence/sources";

/// A presence source as Genesys answers it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub deactivated: bool,
}

#[derive(Debug, Deserialize)]
struct SourceListing {
    #[serde(default)]
    entities: Vec<Source>,
}

#[derive(Debug, Serialize)]
struct NewSource<'a> {
    name: &'a str,
    description: &'a str,
}

impl GenesysClient {
    /// The organisation's presence sources.
    pub async fn presence_sources(&self) -> Result<Vec<Source>, GenesysError> {
        Ok(self.get_json::<SourceListing>(SOURCES_PATH).await?.entities)
    }

    /// Creates a presence source named `name`.
    pub async fn create_presence_source(&self, name: &str, description: &str) -> Result<Source, GenesysError> {
        self.send_json(Method::POST, SOURCES_PATH, &NewSource { name, description }).await
    }
}
