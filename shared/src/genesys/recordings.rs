//! A recording uploaded to Genesys Cloud (the presigned upload URL), for the external
//! conversation it belongs to, so quality management hears calls that happened outside
//! Genesys.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::{GenesysClient, GenesysError};

pub const UPLOADS_PATH: &str = "/api/v2/uploads/recordings";

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
    /// A presigned URL to upload one recording file to.
    pub async fn recording_upload_url(&self, request: &UploadUrlRequest) -> Result<UploadUrl, GenesysError> {
        self.send_json(Method::POST, UPLOADS_PATH, request).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_requests_carry_the_md5_in_base64() {
        let request = UploadUrlRequest::new("a.mp3".into(), "900150983cd24fb0d6963f7d28e17f72", "audio/mpeg");
        assert_eq!(request.content_md5, "kAFQmDzST7DWlj99KOF/cg==");
    }
}
