//! The bot's side: starting an escalation and posting the user's messages, turned into
//! open-messaging inbound bodies with the channel's identity and custom-attribute mappings.

use std::collections::BTreeMap;

use serde::Deserialize;
use time::OffsetDateTime;

use super::config::{ChatbotChannel, IdentityType};
use super::integration::ChatIntegration;
use super::session::{ChatSession, SessionId};
use crate::crm::contact::{Contact, ContactKey, ContactKeys};
use crate::crm::ids::{ContactId, Email};
use crate::error::ApiError;
use crate::genesys::conversations::wire_time;
use crate::genesys::open_messaging::{
    ChannelMetadata, EventChannel, FromRecipient, IdType, InboundAttachment, InboundChannel, InboundContent,
    InboundEvent, InboundMessage, IntegrationId, MediaType, OpenEvent,
};
use crate::store::Store;
use crate::store::lookup::Match;

/// `POST /chat/sessions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StartRequest {
    /// The bot's id for the session; makes retries of the start idempotent.
    pub session_id: Option<String>,
    pub user_id: String,
    /// One of the channel's skills; none routes to the no-skill integration.
    pub skill: Option<String>,
    /// The bot's variables: identity and custom attributes are read from them.
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
}

/// The attachment a user sends: a link Genesys can fetch.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentRequest {
    pub url: String,
    pub mime: String,
    pub filename: Option<String>,
    pub media_type: Option<MediaType>,
}

/// `POST /chat/sessions/{id}/messages`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostRequest {
    /// The bot's id for the message; makes retries idempotent.
    pub message_id: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Vec<AttachmentRequest>,
    /// A typing indicator instead of a message.
    #[serde(default)]
    pub typing: bool,
    pub typing_duration_ms: Option<u64>,
}

/// What the user did, validated.
#[derive(Debug)]
pub enum UserPost {
    Typing { duration_ms: Option<u64> },
    Message { id: String, text: Option<String>, attachments: Vec<InboundAttachment> },
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("invalid_field", message)
}

impl PostRequest {
    pub fn validate(self) -> Result<UserPost, ApiError> {
        let text = self.text.filter(|t| !t.trim().is_empty());
        if self.typing {
            if text.is_some() || !self.attachments.is_empty() {
                return Err(invalid("body.typing: a typing event carries no text or attachments"));
            }
            return Ok(UserPost::Typing { duration_ms: self.typing_duration_ms });
        }
        if text.is_none() && self.attachments.is_empty() {
            return Err(ApiError::bad_request("missing_field", "body: text or attachments is required"));
        }
        let id = match self.message_id {
            Some(id) if id.is_empty() || id.len() > 128 || id.chars().any(char::is_control) => {
                return Err(invalid("body.message_id: must be 1 to 128 printable characters"));
            }
            Some(id) => id,
            None => uuid::Uuid::new_v4().to_string(),
        };
        let mut attachments = Vec::new();
        for (i, a) in self.attachments.into_iter().enumerate() {
            let url = reqwest::Url::parse(&a.url).ok().filter(|u| u.scheme() == "https");
            if url.is_none() {
                return Err(invalid(format!("body.attachments[{i}].url: must be an https URL Genesys can fetch")));
            }
            if !a.mime.contains('/') {
                return Err(invalid(format!("body.attachments[{i}].mime: must be a media type such as image/png")));
            }
            attachments.push(InboundAttachment {
                media_type: a.media_type.unwrap_or_else(|| MediaType::of_mime(&a.mime)),
                url: a.url,
                mime: a.mime,
                filename: a.filename,
                text: None,
            });
        }
        Ok(UserPost::Message { id, text, attachments })
    }
}

fn variable<'a>(variables: &'a BTreeMap<String, String>, name: Option<&String>) -> Option<&'a str> {
    let value = variables.get(name?)?.trim();
    (!value.is_empty()).then_some(value)
}

/// `channel.from`: the user as the agent sees them, from the identity mapping.
pub fn identity(
    bot: &ChatbotChannel,
    user_id: &str,
    variables: &BTreeMap<String, String>,
) -> Result<FromRecipient, ApiError> {
    let mapping = &bot.identity;
    let email = variable(variables, mapping.email.as_ref()).map(str::to_owned);
    let (id, id_type) = match mapping.id_type {
        IdentityType::Opaque => (user_id.to_owned(), IdType::Opaque),
        IdentityType::Email => {
            let email = email.clone().filter(|e| e.contains('@')).ok_or_else(|| {
                ApiError::bad_request(
                    "missing_field",
                    format!(
                        "body.variables.{}: an email address is required",
                        mapping.email.as_deref().unwrap_or("email")
                    ),
                )
            })?;
            (email, IdType::Email)
        }
    };
    Ok(FromRecipient {
        id,
        id_type,
        nickname: variable(variables, mapping.nickname.as_ref()).map(str::to_owned),
        first_name: variable(variables, mapping.first_name.as_ref()).map(str::to_owned),
        last_name: variable(variables, mapping.last_name.as_ref()).map(str::to_owned),
        email,
    })
}

/// The custom attributes the channel's mapping gives `variables` (only those with a value).
/// A bot has no numbering region: a `phone` transform reads international numbers only.
pub fn custom_attributes(bot: &ChatbotChannel, variables: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    bot.attribute_map().apply_in(variables, None).attributes
}

/// The integration of `skill` (none: the no-skill one): pinned in configuration, or recorded
/// by provisioning.
pub async fn integration_for(
    store: &Store,
    bot: &ChatbotChannel,
    skill: Option<&str>,
) -> Result<IntegrationId, ApiError> {
    if let Some(id) = bot.pinned_integration(skill) {
        return Ok(id.clone());
    }
    ChatIntegration::get(store, &bot.id, skill).await?.map(|i| i.integration_id).ok_or_else(|| {
        ApiError::Conflict(format!(
            "no open-messaging integration is provisioned for {}; run ccbridge-admin provision-chat --channel {}",
            skill.map_or("the no-skill escalation".to_string(), |s| format!("skill {s}")),
            bot.id
        ))
    })
}

/// A new session from a validated start request.
pub async fn start_session(
    store: &Store,
    bot: &ChatbotChannel,
    request: StartRequest,
    now: OffsetDateTime,
    expires_at: i64,
) -> Result<ChatSession, ApiError> {
    let user_id = request.user_id.trim();
    if user_id.is_empty() || user_id.len() > 256 {
        return Err(invalid("body.user_id: must be 1 to 256 characters"));
    }
    if let Some(skill) = &request.skill
        && !bot.skills.contains(skill)
    {
        return Err(ApiError::bad_request(
            "unknown_skill",
            format!("body.skill: {skill:?} is not a skill of this bot"),
        ));
    }
    let session_id = match &request.session_id {
        Some(id) => SessionId::parse(id, "body.session_id")?,
        None => SessionId::generate(),
    };
    let from = identity(bot, user_id, &request.variables)?;
    let integration = integration_for(store, bot, request.skill.as_deref()).await?;
    let contact = match from.email.as_deref().and_then(Email::parse) {
        Some(email) => contact_of(store, bot, email, &from, now).await?,
        None => None,
    };
    Ok(ChatSession {
        channel: bot.id.clone(),
        tenant: bot.tenant.clone(),
        contact,
        session_id,
        user_id: user_id.to_owned(),
        skill: request.skill,
        integration_id: integration,
        from,
        custom_attributes: custom_attributes(bot, &request.variables),
        created_at: now,
        expires_at,
    })
}

/// The tenant's contact with the user's e-mail: found, or created with the bot's names for the
/// user. A key several contacts share links none.
async fn contact_of(
    store: &Store,
    bot: &ChatbotChannel,
    email: Email,
    from: &FromRecipient,
    now: OffsetDateTime,
) -> Result<Option<ContactId>, ApiError> {
    match Contact::find(store, &bot.tenant, &ContactKey::Email(email.clone())).await? {
        Match::One(id) => Ok(Some(id)),
        Match::Ambiguous(_) => Ok(None),
        Match::None => {
            let keys = ContactKeys { email: Some(email), ..ContactKeys::default() };
            let Some(mut contact) = Contact::new(&bot.tenant, keys, now, format!("chat:{}", bot.id)) else {
                return Ok(None);
            };
            contact.first_name.clone_from(&from.first_name);
            contact.last_name.clone_from(&from.last_name);
            contact.create(store).await?;
            Ok(Some(contact.id))
        }
    }
}

/// The open-messaging body of a user's message in `session`, sent at `time` (written to the
/// millisecond, as Genesys documents its times).
pub fn inbound_message(
    session: &ChatSession,
    message_id: &str,
    text: Option<String>,
    attachments: Vec<InboundAttachment>,
    time: OffsetDateTime,
) -> InboundMessage {
    let metadata = (!session.custom_attributes.is_empty())
        .then(|| ChannelMetadata { custom_attributes: session.custom_attributes.clone() });
    InboundMessage {
        channel: InboundChannel {
            from: session.from.clone(),
            time: wire_time(time),
            message_id: Some(message_id.to_owned()),
            metadata,
        },
        text,
        content: attachments.into_iter().map(|attachment| InboundContent { attachment }).collect(),
    }
}

/// The open-messaging body of "the user is typing".
pub fn typing_event(session: &ChatSession, duration_ms: Option<u64>, time: OffsetDateTime) -> InboundEvent {
    InboundEvent {
        channel: EventChannel { from: session.from.clone(), time: wire_time(time) },
        events: vec![OpenEvent::typing_on(duration_ms)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Channel, Config};

    fn bot(extra: &str) -> ChatbotChannel {
        let doc = format!(
            "[[channel]]\nkind=\"genesys_cloud\"\nid=\"gc\"\nregion=\"mypurecloud.de\"\nclient_id=\"c\"\nclient_secret=\"secret-123\"\n\
             [[channel]]\nkind=\"chatbot\"\nid=\"bot\"\napi_key=\"bot-key-1234567890\"\ngenesys=\"gc\"\nwebhook_secret=\"0123456789abcdef\"\n{extra}"
        );
        let config = Config::parse(&doc).expect("config");
        match config.into_channels().remove(1) {
            Channel::Chatbot(bot) => bot,
            _ => panic!("chatbot"),
        }
    }

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn identity_mapping_fills_from() {
        let bot =
            bot("identity = { id_type = \"email\", email = \"mail\", first_name = \"prenom\", last_name = \"nom\" }\n");
        let from = identity(&bot, "u1", &vars(&[("mail", "jane@example.com"), ("prenom", "Jane"), ("nom", " ")]))
            .expect("identity");
        assert_eq!(from.id, "jane@example.com");
        assert_eq!(from.id_type, IdType::Email);
        assert_eq!(from.first_name.as_deref(), Some("Jane"));
        assert_eq!(from.last_name, None, "blank values are not sent");
        let err = identity(&bot, "u1", &vars(&[])).expect_err("email required");
        assert!(err.to_string().contains("variables.mail"), "{err}");
        let opaque = identity(&self::bot(""), "u1", &vars(&[])).expect("opaque");
        assert_eq!((opaque.id.as_str(), opaque.id_type), ("u1", IdType::Opaque));
    }

    #[test]
    fn only_mapped_attributes_with_a_value_are_sent() {
        let bot = bot(
            "custom_attributes = [{ variable = \"contrat\", attribute = \"contractId\" }, { variable = \"langue\", attribute = \"language\" }]\n",
        );
        let attributes = custom_attributes(&bot, &vars(&[("contrat", "C-7"), ("langue", ""), ("other", "x")]));
        assert_eq!(attributes, vars(&[("contractId", "C-7")]));
    }

    #[test]
    fn crm_map_attribute_rules_join_the_legacy_mapping() {
        let bot = bot(r#"custom_attributes = [{ variable = "contrat", attribute = "contractId" }]
            [[channel.crm.map]]
            to = "attribute.contractId"
            template = "B2B-{contrat}"
            when = [{ field = "segment", equals = "b2b" }]
            [[channel.crm.map]]
            to = "attribute.language"
            from = "langue"
            transform = ["lower", { labels = { "fr" = "French", "en" = "English" } }]
            [[channel.crm.map]]
            to = "activity.subject"
            value = "Chat"
        "#);
        let attributes = custom_attributes(&bot, &vars(&[("contrat", "C-7"), ("langue", "FR")]));
        assert_eq!(attributes, vars(&[("contractId", "C-7"), ("language", "French")]), "legacy copy as the fallback");
        let b2b = custom_attributes(&bot, &vars(&[("contrat", "C-7"), ("segment", "b2b")]));
        assert_eq!(b2b, vars(&[("contractId", "B2B-C-7")]), "a crm.map rule wins when it yields a value");
        assert!(custom_attributes(&bot, &vars(&[])).is_empty());
    }

    #[test]
    fn at_most_ten_distinct_attributes_in_all() {
        let legacy = |n: usize| {
            let entries: Vec<String> =
                (0..n).map(|i| format!("{{ variable = \"v{i}\", attribute = \"a{i}\" }}")).collect();
            format!("custom_attributes = [{}]\n", entries.join(", "))
        };
        let rule = |name: &str| format!("[[channel.crm.map]]\nto = \"attribute.{name}\"\nfrom = \"x\"\n");
        let parse = |extra: String| {
            let doc = format!(
                "[[channel]]\nkind=\"genesys_cloud\"\nid=\"gc\"\nregion=\"mypurecloud.de\"\nclient_id=\"c\"\nclient_secret=\"secret-123\"\n\
                 [[channel]]\nkind=\"chatbot\"\nid=\"bot\"\napi_key=\"bot-key-1234567890\"\ngenesys=\"gc\"\nwebhook_secret=\"0123456789abcdef\"\n{extra}"
            );
            Config::parse(&doc).map(|_| ()).map_err(|e| e.to_string())
        };
        // Ten: the rule writes an attribute the legacy list already has, and activity rules do not count.
        assert!(
            parse(format!("{}{}{}", legacy(10), rule("a3"), rule("a3").replace("attribute.a3", "activity.a3"))).is_ok()
        );
        let msg = parse(format!("{}{}", legacy(9), rule("a3").repeat(2) + &rule("extra1") + &rule("extra2")))
            .expect_err("11");
        assert!(msg.contains("channel[1].crm.map") && msg.contains("at most 10") && msg.contains("found 11"), "{msg}");
        let msg = parse(legacy(11)).expect_err("11 legacy");
        assert!(msg.contains("channel[1].custom_attributes") && msg.contains("at most 10"), "{msg}");
        let msg = parse(rule("Not-An-Attribute")).expect_err("bad name");
        assert!(msg.contains("channel[1].crm.map[0].to"), "{msg}");
    }

    #[test]
    fn posts_are_validated() {
        let post = |json: &str| serde_json::from_str::<PostRequest>(json).expect("json").validate();
        assert!(matches!(post(r#"{"typing":true}"#), Ok(UserPost::Typing { .. })));
        assert!(post(r#"{"typing":true,"text":"x"}"#).is_err());
        assert_eq!(post("{}").expect_err("empty").code(), "missing_field");
        let err = post(r#"{"attachments":[{"url":"http://x/a.png","mime":"image/png"}]}"#).expect_err("http");
        assert!(err.to_string().contains("attachments[0].url"), "{err}");
        let Ok(UserPost::Message { attachments, .. }) =
            post(r#"{"attachments":[{"url":"https://x.example/a.png","mime":"image/png"}]}"#)
        else {
            panic!("valid")
        };
        assert_eq!(attachments[0].media_type, MediaType::Image);
    }
}
