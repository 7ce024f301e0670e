//! A UIS call as an external conversation in Genesys Cloud, and its recording uploaded there
//! (conversation event injection and the recording upload URL), so quality management sees
//! calls that happened outside Genesys.
//!
//! Ids are derived from the channel and the call id, so a retry injects the same conversation
//! with the same events: nothing is injected twice.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{GenesysClient, GenesysError};

pub const EVENTS_PATH: &str = "/api/v2/events/conversations";
pub const UPLOADS_PATH: &str = "/api/v2/uploads/recordings";

/// A stable v4-format UUID for `name`: the same input always gives the same id.
pub fn derived_uuid(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// The external call as Genesys sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalCall {
    pub conversation_id: String,
    pub communication_id: String,
    /// `sourceConfiguration.sourceId`: this bridge and the UIS channel.
    pub source_id: String,
    /// `sourceConfiguration.interactionId`: the UIS call session id.
    pub interaction_id: String,
    pub inbound: bool,
    /// Customer and dialled numbers (E.164), when known.
    pub ani: Option<String>,
    pub dnis: Option<String>,
    pub established_at: OffsetDateTime,
    pub answered_at: Option<OffsetDateTime>,
    pub ended_at: OffsetDateTime,
}

impl ExternalCall {
    /// The conversation of call `call_session_id` on channel `channel`.
    pub fn ids(channel: &str, call_session_id: &str) -> (String, String) {
        (
            derived_uuid(&format!("ccbridge/conversation/{channel}/{call_session_id}")),
            derived_uuid(&format!("ccbridge/communication/{channel}/{call_session_id}")),
        )
    }

    /// The `BatchConversationEventRequest`: established (recording active), answered when the
    /// call was answered, ended.
    pub fn events(&self) -> BatchConversationEvents {
        let event = |kind: &str, at: OffsetDateTime| EventHeader {
            event_id: derived_uuid(&format!("{}/{kind}", self.conversation_id)),
            event_date_time: at.format(&Rfc3339).unwrap_or_default(),
            conversation_id: self.conversation_id.clone(),
            communication_id: self.communication_id.clone(),
        };
        BatchConversationEvents {
            external_established_events: vec![ExternalEstablished {
                header: event("established", self.established_at),
                ani: self.ani.clone(),
                dnis: self.dnis.clone(),
                initial_configuration: InitialConfiguration {
                    alerting: false,
                    inbound: self.inbound,
                    recording_active: true,
                    additional_info: BTreeMap::from([("source".into(), "ccbridge".into())]),
                },
                source_configuration: SourceConfiguration {
                    source_id: self.source_id.clone(),
                    interaction_id: self.interaction_id.clone(),
                },
            }],
            communication_answered_events: self
                .answered_at
                .map(|at| CommunicationAnswered { header: event("answered", at) })
                .into_iter()
                .collect(),
            communication_ended_events: vec![CommunicationEnded {
                header: event("ended", self.ended_at),
                disconnect_type: "Peer",
            }],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventHeader {
    pub event_id: String,
    pub event_date_time: String,
    pub conversation_id: String,
    pub communication_id: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchConversationEvents {
    pub external_established_events: Vec<ExternalEstablished>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub communication_answered_events: Vec<CommunicationAnswered>,
    pub communication_ended_events: Vec<CommunicationEnded>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalEstablished {
    #[serde(flatten)]
    pub header: EventHeader,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ani: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dnis: Option<String>,
    pub initial_configuration: InitialConfiguration,
    pub source_configuration: SourceConfiguration,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InitialConfiguration {
    pub alerting: bool,
    pub inbound: bool,
    pub recording_active: bool,
    pub additional_info: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceConfiguration {
    pub source_id: String,
    pub interaction_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommunicationAnswered {
    #[serde(flatten)]
    pub header: EventHeader,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationEnded {
    #[serde(flatten)]
    pub header: EventHeader,
    pub disconnect_type: &'static str,
}

/// `UploadUrlRequest`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadUrlRequest {
    pub file_name: String,
    /// Base64 of the MD5 digest, as in `Content-MD5`.
    pub content_md5: String,
    pub signed_url_timeout_seconds: u32,
    pub content_type: String,
    pub server_side_encryption: &'static str,
}

impl UploadUrlRequest {
    pub fn new(file_name: String, md5_hex: &str, content_type: &str) -> Self {
        let md5 = hex::decode(md5_hex).unwrap_or_default();
        Self {
            file_name,
            content_md5: BASE64.encode(md5),
            signed_url_timeout_seconds: 900,
            content_type: content_type.into(),
            server_side_encryption: "AES256",
        }
    }
}

/// `UploadUrlResponse`: where to PUT the file and the headers the PUT must carry.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UploadUrl {
    pub url: String,
    pub upload_key: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

impl GenesysClient {
    /// Publishes the call's conversation events.
    pub async fn inject_conversation(&self, events: &BatchConversationEvents) -> Result<(), GenesysError> {
        let body = serde_json::to_vec(events).map_err(|e| GenesysError::Decode(e.to_string()))?;
        self.request(Method::POST, EVENTS_PATH, Some(body.into())).await?;
        Ok(())
    }

    /// A presigned URL to upload one recording file to.
    pub async fn recording_upload_url(&self, request: &UploadUrlRequest) -> Result<UploadUrl, GenesysError> {
        self.send_json(Method::POST, UPLOADS_PATH, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn ids_are_stable_v4_uuids_per_call() {
        let (conversation, communication) = ExternalCall::ids("uis-a", "42");
        assert_eq!(ExternalCall::ids("uis-a", "42"), (conversation.clone(), communication.clone()));
        assert_ne!(ExternalCall::ids("uis-a", "43").0, conversation);
        assert_ne!(conversation, communication);
        let parsed = uuid::Uuid::parse_str(&conversation).expect("uuid");
        assert_eq!(parsed.get_version_num(), 4);
    }

    #[test]
    fn events_carry_the_required_fields_once_each() {
        let (conversation_id, communication_id) = ExternalCall::ids("uis-a", "42");
        let call = ExternalCall {
            conversation_id,
            communication_id,
            source_id: "ccbridge/uis-a".into(),
            interaction_id: "42".into(),
            inbound: true,
            ani: Some("+79161234567".into()),
            dnis: None,
            established_at: datetime!(2026-11-21 07:15:03 UTC),
            answered_at: None,
            ended_at: datetime!(2026-11-21 07:21:02 UTC),
        };
        let json = serde_json::to_value(call.events()).expect("JSON");
        let established = &json["externalEstablishedEvents"][0];
        assert_eq!(established["eventDateTime"], "2026-11-21T07:15:03Z");
        assert_eq!(established["initialConfiguration"]["recordingActive"], true);
        assert_eq!(established["sourceConfiguration"]["interactionId"], "42");
        assert!(json.get("communicationAnsweredEvents").is_none(), "an unanswered call has no answered event");
        assert_eq!(json["communicationEndedEvents"][0]["disconnectType"], "Peer");
        assert_ne!(established["eventId"], json["communicationEndedEvents"][0]["eventId"]);
    }

    #[test]
    fn upload_requests_carry_the_md5_in_base64() {
        let request = UploadUrlRequest::new("a.mp3".into(), "900150983cd24fb0d6963f7d28e17f72", "audio/mpeg");
        assert_eq!(request.content_md5, "kAFQmDzST7DWlj99KOF/cg==");
    }
}
