//! Open messaging: the bodies we send (inbound messages, typing events, receipts), the
//! normalized messages Genesys sends to our webhook, integration CRUD, and the calls.
//! Field names and required flags follow the SDK v257 models; we send only schema fields.

use std::collections::BTreeMap;
use std::fmt;

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::client::GenesysClient;
use super::error::GenesysError;

/// An open-messaging integration id: the path segment of every inbound call.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IntegrationId(String);

impl IntegrationId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IntegrationId {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        let ok = !value.is_empty()
            && value.len() <= 64
            && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok { Ok(Self(value)) } else { Err(format!("{value:?} is not an integration id")) }
    }
}

impl From<IntegrationId> for String {
    fn from(id: IntegrationId) -> Self {
        id.0
    }
}

impl fmt::Display for IntegrationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How `from.id` identifies the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IdType {
    Email,
    Phone,
    Opaque,
}

/// `OpenMessagingFromRecipient`: who writes, as the agent sees them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FromRecipient {
    pub id: String,
    pub id_type: IdType,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nickname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// `channel.metadata`: custom attributes become participant data in Architect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelMetadata {
    pub custom_attributes: BTreeMap<String, String>,
}

/// `OpenInboundMessageMessagingChannel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundChannel {
    pub from: FromRecipient,
    /// ISO-8601.
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ChannelMetadata>,
}

/// Attachment media types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MediaType {
    Image,
    Video,
    Audio,
    File,
    Link,
}

impl MediaType {
    /// The media type a MIME type falls under.
    pub fn of_mime(mime: &str) -> Self {
        match mime.split('/').next().unwrap_or_default() {
            "image" => Self::Image,
            "video" => Self::Video,
            "audio" => Self::Audio,
            _ => Self::File,
        }
    }
}

/// `OpenContentAttachment` (inbound).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundAttachment {
    pub media_type: MediaType,
    pub url: String,
    pub mime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// `OpenInboundMessageContent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundContent {
    pub attachment: InboundAttachment,
}

/// `OpenInboundNormalizedMessage`: a user's message to the agent. `text` or `content` is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundMessage {
    pub channel: InboundChannel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub content: Vec<InboundContent>,
}

/// `OpenInboundMessagingChannel` of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventChannel {
    pub from: FromRecipient,
    pub time: String,
}

/// `ConversationEventTyping`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Typing {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<u64>,
}

/// `OpenEvent`: only typing exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenEvent {
    pub event_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typing: Option<Typing>,
}

impl OpenEvent {
    /// "The user is typing", for `duration_ms` if given.
    pub fn typing_on(duration_ms: Option<u64>) -> Self {
        Self { event_type: "Typing".into(), typing: Some(Typing { kind: "On".into(), duration: duration_ms }) }
    }
}

/// `OpenInboundNormalizedEvent`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboundEvent {
    pub channel: EventChannel,
    pub events: Vec<OpenEvent>,
}

/// `OpenMessagingToRecipient`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToRecipient {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
}

/// `channel` of a receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptChannel {
    pub to: ToRecipient,
    pub time: String,
}

/// Receipt statuses this endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReceiptStatus {
    Delivered,
    Failed,
}

/// Why a message failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub message: String,
}

/// `OpenInboundNormalizedReceipt`: what became of an agent's message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InboundReceipt {
    /// The id of the agent's message (the webhook body's top-level `id`).
    pub id: String,
    pub channel: ReceiptChannel,
    pub status: ReceiptStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
    pub is_final_receipt: bool,
}

/// A recipient as Genesys sends it: every field optional, enums as text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Recipient {
    pub id: String,
    pub id_type: Option<String>,
    pub nickname: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
}

/// `channel` of a normalized message.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NormalizedChannel {
    /// The integration id.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub platform: Option<String>,
    #[serde(default)]
    pub to: Option<Recipient>,
    #[serde(default)]
    pub from: Option<Recipient>,
    pub time: String,
    #[serde(default)]
    pub message_id: Option<String>,
}

/// An attachment as Genesys sends it (`ConversationContentAttachment`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NormalizedAttachment {
    #[serde(default)]
    pub id: Option<String>,
    pub media_type: MediaType,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub mime: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub content_size_bytes: Option<u64>,
}

/// One `content[]` item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NormalizedContent {
    #[serde(default)]
    pub content_type: Option<String>,
    #[serde(default)]
    pub attachment: Option<NormalizedAttachment>,
}

/// The normalized message family: the webhook body Genesys posts for agent messages, typing
/// events and receipts, and the answer of the inbound endpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NormalizedMessage {
    /// The messaging-platform message id.
    #[serde(default)]
    pub id: String,
    pub channel: NormalizedChannel,
    /// `Text`, `Event`, `Receipt`, `Structured`, `Message`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub content: Vec<NormalizedContent>,
    #[serde(default)]
    pub events: Vec<OpenEvent>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reasons: Vec<Reason>,
    #[serde(default)]
    pub is_final_receipt: Option<bool>,
    #[serde(default)]
    pub direction: Option<String>,
    #[serde(default)]
    pub originating_entity: Option<String>,
    #[serde(default)]
    pub conversation_id: Option<String>,
}

/// `OpenIntegrationRequest` (create) and `OpenIntegrationUpdateRequest` (PATCH).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenIntegrationRequest<'a> {
    pub name: &'a str,
    pub outbound_notification_webhook_url: &'a str,
    /// More than 15 characters.
    pub outbound_notification_webhook_signature_secret_token: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub webhook_headers: BTreeMap<String, String>,
}

/// `OpenIntegration`, the fields we use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenIntegration {
    pub id: IntegrationId,
    pub name: String,
    #[serde(default)]
    pub outbound_notification_webhook_url: Option<String>,
    /// `Initiated`, `Completed` or `Error`: creation is asynchronous.
    #[serde(default)]
    pub create_status: Option<String>,
}

/// `OpenIntegrationEntityListing`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OpenIntegrationListing {
    #[serde(default)]
    pub entities: Vec<OpenIntegration>,
    #[serde(default)]
    pub page_count: Option<u32>,
}

const INTEGRATIONS: &str = "/api/v2/conversations/messaging/integrations/open";
const PAGE_SIZE: u32 = 100;
/// A bound on listing, far above any real organisation's integrations.
const MAX_PAGES: u32 = 50;

fn inbound(integration: &IntegrationId, what: &str) -> String {
    format!("/api/v2/conversations/messages/{integration}/inbound/open/{what}")
}

impl GenesysClient {
    /// Posts a user's message; Genesys starts or continues the conversation.
    pub async fn send_inbound_message(
        &self,
        integration: &IntegrationId,
        message: &InboundMessage,
    ) -> Result<NormalizedMessage, GenesysError> {
        self.send_json(Method::POST, &inbound(integration, "message"), message).await
    }

    /// Posts a typing event.
    pub async fn send_inbound_event(
        &self,
        integration: &IntegrationId,
        event: &InboundEvent,
    ) -> Result<NormalizedMessage, GenesysError> {
        self.send_json(Method::POST, &inbound(integration, "event"), event).await
    }

    /// Posts a Delivered or Failed receipt for an agent's message.
    pub async fn send_receipt(
        &self,
        integration: &IntegrationId,
        receipt: &InboundReceipt,
    ) -> Result<NormalizedMessage, GenesysError> {
        self.send_json(Method::POST, &inbound(integration, "receipt"), receipt).await
    }

    /// Every open-messaging integration of the organisation.
    pub async fn list_open_integrations(&self) -> Result<Vec<OpenIntegration>, GenesysError> {
        let mut all = Vec::new();
        for page in 1..=MAX_PAGES {
            let listing: OpenIntegrationListing =
                self.get_json(&format!("{INTEGRATIONS}?pageSize={PAGE_SIZE}&pageNumber={page}")).await?;
            let count = listing.entities.len();
            all.extend(listing.entities);
            let last = listing.page_count.map_or(count < PAGE_SIZE as usize, |pages| page >= pages);
            if last {
                break;
            }
        }
        Ok(all)
    }

    pub async fn create_open_integration(
        &self,
        request: &OpenIntegrationRequest<'_>,
    ) -> Result<OpenIntegration, GenesysError> {
        self.send_json(Method::POST, INTEGRATIONS, request).await
    }

    pub async fn update_open_integration(
        &self,
        id: &IntegrationId,
        request: &OpenIntegrationRequest<'_>,
    ) -> Result<OpenIntegration, GenesysError> {
        self.send_json(Method::PATCH, &format!("{INTEGRATIONS}/{id}"), request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbound_message_has_only_schema_fields() {
        let message = InboundMessage {
            channel: InboundChannel {
                from: FromRecipient {
                    id: "customer-42".into(),
                    id_type: IdType::Opaque,
                    nickname: Some("Jane".into()),
                    first_name: None,
                    last_name: None,
                    email: None,
                },
                time: "2026-05-20T10:15:30.000Z".into(),
                message_id: Some("m1".into()),
                metadata: Some(ChannelMetadata { custom_attributes: BTreeMap::from([("a".into(), "b".into())]) }),
            },
            text: Some("Hello".into()),
            content: vec![],
        };
        let json = serde_json::to_value(&message).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "channel": {"from": {"id": "customer-42", "idType": "Opaque", "nickname": "Jane"},
                            "time": "2026-05-20T10:15:30.000Z", "messageId": "m1",
                            "metadata": {"customAttributes": {"a": "b"}}},
                "text": "Hello"
            })
        );
    }

    #[test]
    fn captured_webhook_payload_parses() {
        let body = r#"{"id":"8085cbb3f778c34de0bd14c5318ec44c","channel":{"id":"6685901b-6d0e-43db-95ff-d64406e9dce2","platform":"Open","type":"Private","to":{"id":"33633081329","idType":"Opaque"},"from":{"nickname":"Sinch Messaging","id":"6685901b-6d0e-43db-95ff-d64406e9dce2","idType":"Opaque"},"metadata":{"subType":"None"},"time":"2026-03-25T13:20:05.493Z","messageId":"8085cbb3f778c34de0bd14c5318ec44c"},"type":"Text","content":[{"contentType":"Attachment","attachment":{"id":"9ff268ef","mediaType":"Image","url":"https://api-downloads.mypurecloud.ie/api/v2/downloads/pce9ac7dc17eab202a3","mime":"image/png","filename":"Header_Genesys.png","contentSizeBytes":2444}}],"originatingEntity":"Human","direction":"Outbound","conversationId":"1734d888-3c0e-47bc-bacb-e9996a16b682"}"#;
        let message: NormalizedMessage = serde_json::from_str(body).expect("payload");
        assert_eq!(message.kind, "Text");
        assert_eq!(message.channel.to.as_ref().map(|t| t.id.as_str()), Some("33633081329"));
        let attachment = message.content[0].attachment.as_ref().expect("attachment");
        assert_eq!(attachment.media_type, MediaType::Image);
        assert_eq!(attachment.content_size_bytes, Some(2444));
    }

    #[test]
    fn integration_ids_are_path_safe() {
        assert!(IntegrationId::try_from("6685901b-6d0e-43db-95ff-d64406e9dce2".to_string()).is_ok());
        assert!(IntegrationId::try_from("../admin".to_string()).is_err());
        assert!(IntegrationId::try_from(String::new()).is_err());
    }
}
