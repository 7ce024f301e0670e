//! A chatbot channel's settings: its key, the Genesys Cloud organisation it escalates to, the
//! skills (one open-messaging integration each), the identity and custom-attribute mappings,
//! and where agent messages are delivered.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::config::common::{ChannelId, ConfigError, FieldName, OutboundUrl, Settings, TenantId};
use crate::crm::config::CrmSettings;
use crate::crm::mapping::{FieldMap, Record};
use crate::genesys::open_messaging::IntegrationId;

/// The most custom attributes a chatbot channel may send: those of `custom_attributes` and the
/// `attribute.` targets of `crm.map`, counted once each.
pub const MAX_CUSTOM_ATTRIBUTES: usize = 10;
/// Genesys wants webhook signature secrets longer than 15 characters.
pub const MIN_WEBHOOK_SECRET_LEN: usize = 16;

/// A chatbot escalating conversations to Genesys Cloud live chat (open messaging).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatbotChannel {
    pub id: ChannelId,
    /// Whose customers its users are.
    #[serde(default)]
    pub tenant: TenantId,
    /// Key the bot presents on every call (`X-API-Key`).
    pub api_key: SecretString,
    /// The Genesys Cloud channel conversations are escalated to.
    pub genesys: ChannelId,
    /// Integrations are named `<prefix> (<skill>)`, and `<prefix>` for no skill; defaults to
    /// `ccbridge <id>`. Genesys admins map these names to queues, so they must not change.
    #[serde(default)]
    pub integration_prefix: Option<String>,
    /// The bot's live-chat skills; each gets its own integration (hence queue).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Our public webhook URL (`…/genesys/messaging/webhook`, HTTPS on port 443), given to
    /// Genesys when the integrations are provisioned.
    #[serde(default)]
    pub webhook_url: Option<OutboundUrl>,
    /// The integrations' `X-Hub-Signature-256` secret (more than 15 characters).
    pub webhook_secret: SecretString,
    /// Which bot variables describe the user to the agent.
    #[serde(default)]
    pub identity: IdentityMapping,
    /// Bot variables passed as Genesys custom attributes (participant data): plain copies, the
    /// form written before `crm.map`, whose `attribute.` rules may add more (10 in all).
    #[serde(default)]
    pub custom_attributes: Vec<CustomAttributeMapping>,
    /// Where agent messages are pushed to (signed POST); without it the bot polls.
    #[serde(default)]
    pub callback_url: Option<OutboundUrl>,
    /// Key of the callback's `X-Ccbridge-Signature` (required with `callback_url`).
    #[serde(default)]
    pub callback_secret: Option<SecretString>,
    /// Integration id of the no-skill integration when it was created outside ccbridge.
    #[serde(default)]
    pub default_integration_id: Option<IntegrationId>,
    /// Skill → integration id, for integrations created outside ccbridge.
    #[serde(default)]
    pub integration_ids: BTreeMap<String, IntegrationId>,
    /// How the bot's variables fill the CRM and the Genesys custom attributes (`attribute.`).
    #[serde(default)]
    pub crm: CrmSettings,
}

impl ChatbotChannel {
    /// The name prefix of this bot's integrations.
    pub fn integration_prefix(&self) -> String {
        self.integration_prefix.clone().unwrap_or_else(|| format!("ccbridge {}", self.id))
    }

    /// The integration of `skill` (none: the no-skill one) pinned in the configuration.
    pub fn pinned_integration(&self, skill: Option<&str>) -> Option<&IntegrationId> {
        match skill {
            Some(skill) => self.integration_ids.get(skill),
            None => self.default_integration_id.as_ref(),
        }
    }

    /// The rules that make the escalation's custom attributes: the `attribute.` rules of
    /// `crm.map` first, then `custom_attributes` as plain (trimmed) copies, so a rule written
    /// for an attribute wins when it yields a value and the plain copy is its fallback.
    pub fn attribute_map(&self) -> FieldMap {
        let copies = self.custom_attributes.iter().map(|m| (m.variable.as_str(), m.attribute.as_str()));
        self.crm.map.only(Record::Attribute).then(FieldMap::copies(Record::Attribute, copies))
    }
}

/// Which bot variable holds each identity field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityMapping {
    /// What `from.id` is: the bot's user id (`opaque`) or the user's email (`email`).
    #[serde(default)]
    pub id_type: IdentityType,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub nickname: Option<String>,
}

/// The `idType` of the users a bot escalates.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityType {
    #[default]
    Opaque,
    Email,
}

/// One bot variable → Genesys custom attribute.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomAttributeMapping {
    pub variable: String,
    pub attribute: String,
}

impl Settings for ChatbotChannel {
    fn validate(&self, at: FieldName<'_>) -> Result<(), ConfigError> {
        if self.webhook_secret.expose_secret().chars().count() < MIN_WEBHOOK_SECRET_LEN {
            return Err(ConfigError::invalid(
                at("webhook_secret"),
                "must be longer than 15 characters (Genesys Cloud)",
            ));
        }
        if let Some(prefix) = &self.integration_prefix
            && (prefix.trim().is_empty() || prefix.len() > 100)
        {
            return Err(ConfigError::invalid(at("integration_prefix"), "must be 1 to 100 characters"));
        }
        let mut skills = HashSet::new();
        for skill in &self.skills {
            if skill.trim().is_empty() || skill.len() > 100 || skill.contains(['(', ')']) {
                return Err(ConfigError::invalid(
                    at("skills"),
                    format!("{skill:?} must be 1 to 100 characters without parentheses"),
                ));
            }
            if !skills.insert(skill.as_str()) {
                return Err(ConfigError::invalid(at("skills"), format!("{skill:?} is listed twice")));
            }
        }
        for skill in self.integration_ids.keys() {
            if !skills.contains(skill.as_str()) {
                return Err(ConfigError::invalid(at("integration_ids"), format!("{skill:?} is not one of the skills")));
            }
        }
        if let Some(url) = &self.webhook_url {
            url.check_genesys_webhook().map_err(|m| ConfigError::invalid(at("webhook_url"), m))?;
        }
        match (&self.callback_url, &self.callback_secret) {
            (Some(_), None) => {
                return Err(ConfigError::invalid(at("callback_secret"), "is required with callback_url"));
            }
            (None, Some(_)) => {
                return Err(ConfigError::invalid(at("callback_url"), "is required with callback_secret"));
            }
            _ => {}
        }
        if self.identity.id_type == IdentityType::Email && self.identity.email.is_none() {
            return Err(ConfigError::invalid(at("identity.email"), "is required when identity.id_type is email"));
        }
        let mut attributes = HashSet::new();
        for mapping in &self.custom_attributes {
            if mapping.variable.trim().is_empty() || mapping.attribute.trim().is_empty() {
                return Err(ConfigError::invalid(at("custom_attributes"), "variable and attribute must not be empty"));
            }
            if !attributes.insert(mapping.attribute.as_str()) {
                return Err(ConfigError::invalid(
                    at("custom_attributes"),
                    format!("attribute {:?} is mapped twice", mapping.attribute),
                ));
            }
        }
        self.crm.validate(at)?;
        // Genesys takes at most 10 custom attributes; several rules for one attribute are one.
        let attribute_map = self.attribute_map();
        let distinct: BTreeSet<&str> = attribute_map.targets().map(|target| target.name()).collect();
        if distinct.len() > MAX_CUSTOM_ATTRIBUTES {
            let field = if self.crm.map.targets().any(|t| t.record() == Record::Attribute) {
                "crm.map"
            } else {
                "custom_attributes"
            };
            return Err(ConfigError::invalid(
                at(field),
                format!(
                    "at most {MAX_CUSTOM_ATTRIBUTES} custom attributes (custom_attributes and the attribute. \
                     rules of crm.map together), found {}",
                    distinct.len()
                ),
            ));
        }
        Ok(())
    }

    fn secrets(&self) -> Vec<(&'static str, &SecretString)> {
        let mut secrets = vec![("api_key", &self.api_key), ("webhook_secret", &self.webhook_secret)];
        secrets.extend(self.callback_secret.as_ref().map(|secret| ("callback_secret", secret)));
        secrets
    }

    fn selecting_secrets(&self) -> Vec<(&'static str, &SecretString)> {
        vec![("api_key", &self.api_key), ("webhook_secret", &self.webhook_secret)]
    }

    fn genesys_reference(&self) -> Option<(&'static str, &ChannelId)> {
        Some(("genesys", &self.genesys))
    }
}
