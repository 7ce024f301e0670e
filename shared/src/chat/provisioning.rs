//! Provisioning a chatbot's open-messaging integrations: one per skill named
//! `<prefix> (<skill>)` plus `<prefix>` for no skill, all calling our webhook with the
//! channel's signature secret. Integrations are found by name and reused, so running it again
//! changes nothing; the ids are recorded in the table for the escalation function.

use std::collections::BTreeMap;

use secrecy::ExposeSecret;

use super::config::ChatbotChannel;
use super::integration::ChatIntegration;
use crate::genesys::open_messaging::{OpenIntegration, OpenIntegrationRequest};
use crate::genesys::{GenesysClient, GenesysError};
use crate::store::{Entity, Store, StoreError, Written};

#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    #[error("channel {0} has no webhook_url: set it to the deployed …/genesys/messaging/webhook URL")]
    NoWebhookUrl(String),
    #[error(transparent)]
    Genesys(#[from] GenesysError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What provisioning did with one integration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    /// Found by name with our webhook URL: left alone.
    Reused,
    /// Found by name with another webhook URL: updated to ours.
    Updated,
}

/// One provisioned integration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provisioned {
    pub skill: Option<String>,
    pub name: String,
    pub integration_id: String,
    pub action: Action,
    /// Whether the table's record changed.
    pub recorded: Written,
}

/// `<prefix> (<skill>)`, or `<prefix>` for no skill.
pub fn integration_name(bot: &ChatbotChannel, skill: Option<&str>) -> String {
    match skill {
        Some(skill) => format!("{} ({skill})", bot.integration_prefix()),
        None => bot.integration_prefix(),
    }
}

/// Creates or reuses every integration of `bot` and records their ids.
pub async fn provision(
    store: &Store,
    genesys: &GenesysClient,
    bot: &ChatbotChannel,
) -> Result<Vec<Provisioned>, ProvisionError> {
    let webhook_url =
        bot.webhook_url.as_ref().map(|u| u.as_str()).ok_or_else(|| ProvisionError::NoWebhookUrl(bot.id.to_string()))?;
    let existing: BTreeMap<String, OpenIntegration> =
        genesys.list_open_integrations().await?.into_iter().map(|i| (i.name.clone(), i)).collect();
    let skills = std::iter::once(None).chain(bot.skills.iter().map(|s| Some(s.as_str())));
    let mut done = Vec::new();
    for skill in skills {
        let name = integration_name(bot, skill);
        let request = OpenIntegrationRequest {
            name: &name,
            outbound_notification_webhook_url: webhook_url,
            outbound_notification_webhook_signature_secret_token: bot.webhook_secret.expose_secret(),
            webhook_headers: BTreeMap::new(),
        };
        let (integration, action) = match existing.get(&name) {
            Some(found) if found.outbound_notification_webhook_url.as_deref() == Some(webhook_url) => {
                (found.clone(), Action::Reused)
            }
            Some(found) => (genesys.update_open_integration(&found.id, &request).await?, Action::Updated),
            None => (genesys.create_open_integration(&request).await?, Action::Created),
        };
        let record = ChatIntegration {
            channel: bot.id.clone(),
            skill: skill.map(str::to_owned),
            name: name.clone(),
            integration_id: integration.id.clone(),
            webhook_url: Some(webhook_url.to_owned()),
        };
        let (recorded, _) = store
            .update_with(&record.key(), |current: Option<&ChatIntegration>| {
                (current != Some(&record)).then(|| record.clone())
            })
            .await?;
        tracing::info!(channel = %bot.id, name, integration_id = %integration.id, ?action, "integration provisioned");
        done.push(Provisioned {
            skill: skill.map(str::to_owned),
            name,
            integration_id: integration.id.to_string(),
            action,
            recorded,
        });
    }
    Ok(done)
}
