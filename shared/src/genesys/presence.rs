//! Presence sources (`/api/v2/presence/sources`): the external platform as Genesys Cloud knows
//! it. An EX organisation has one; its id is the `sourceId` of the external conversations and
//! of the agent states the platform reports. Also the organisation's presence definitions
//! (`/api/v2/presence/definitions`), whose ids presence events carry, and the injection of
//! agents' presence and routing status (`/api/v2/events/users/…`).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::conversations::EventError;
use super::{GenesysClient, GenesysError};

pub const SOURCES_PATH: &str = "/api/v2/presence/sources";
pub const DEFINITIONS_PATH: &str = "/api/v2/presence/definitions";
pub const PRESENCE_EVENTS_PATH: &str = "/api/v2/events/users/presence";
pub const ROUTING_STATUS_EVENTS_PATH: &str = "/api/v2/events/users/routingstatus";

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

/// A presence definition as Genesys answers it (`OrganizationPresenceDefinition`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    pub id: String,
    /// `Available`, `Busy`, `OnQueue`, …; absent on a definition that is no system presence.
    #[serde(default)]
    pub system_presence: Option<String>,
    /// `System` for the organisation's primary definitions, `User` for secondary ones.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub deactivated: bool,
    /// The definition's label by language (`en_US`): a secondary status is known by it.
    #[serde(default)]
    pub language_labels: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
struct DefinitionListing {
    #[serde(default)]
    entities: Vec<Definition>,
}

impl GenesysClient {
    /// The organisation's presence definitions.
    pub async fn presence_definitions(&self) -> Result<Vec<Definition>, GenesysError> {
        Ok(self.get_json::<DefinitionListing>(DEFINITIONS_PATH).await?.entities)
    }

    /// Publishes a batch of user presence events (`BatchUserPresenceEventRequest`); the events
    /// Genesys refused, if any.
    pub async fn inject_presence(&self, request: &serde_json::Value) -> Result<Vec<EventError>, GenesysError> {
        self.inject(PRESENCE_EVENTS_PATH, request).await
    }

    /// Publishes a batch of routing status events (`BatchUserRoutingStatusEventRequest`); the
    /// events Genesys refused, if any.
    pub async fn inject_routing_status(&self, request: &serde_json::Value) -> Result<Vec<EventError>, GenesysError> {
        self.inject(ROUTING_STATUS_EVENTS_PATH, request).await
    }

    /// Creates a secondary status: a presence definition labelled `label`, under the system
    /// presence `system_presence` (`POST /api/v2/presence/definitions`).
    pub async fn create_presence_definition(
        &self,
        label: &str,
        system_presence: &str,
    ) -> Result<Definition, GenesysError> {
        let body = serde_json::json!({"languageLabels": {"en_US": label}, "systemPresence": system_presence});
        self.send_json(Method::POST, DEFINITIONS_PATH, &body).await
    }

    /// The organisation's presence sources.
    pub async fn presence_sources(&self) -> Result<Vec<Source>, GenesysError> {
        Ok(self.get_json::<SourceListing>(SOURCES_PATH).await?.entities)
    }

    /// Creates a presence source named `name`.
    pub async fn create_presence_source(&self, name: &str, description: &str) -> Result<Source, GenesysError> {
        self.send_json(Method::POST, SOURCES_PATH, &NewSource { name, description }).await
    }
}
