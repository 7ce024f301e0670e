//! Copying a recording from the provider into the bucket: streamed, so memory stays at one
//! S3 part whatever the file's size; checksummed on the way; capped in size; following
//! redirects only to links the channel allows, checked before each request.

use bytes::Bytes;
use futures::StreamExt;
use md5::Md5;
use reqwest::{StatusCode, header};
use sha2::{Digest, Sha256};
use url::Url;

use super::job::StoredRecording;
use crate::jobs::Failure;
use crate::store::{BlobError, Blobs};
use crate::uis::recording::{LinkPolicy, Rejection};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// Why a copy failed.
#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("recording link refused: {0}")]
    Refused(#[from] Rejection),
    #[error("more than {MAX_REDIRECTS} redirects")]
    TooManyRedirects,
    #[error("redirect without a usable Location")]
    BadRedirect,
    #[error("provider answered HTTP {0}")]
    Status(u16),
    #[error("recording is larger than the limit of {0} bytes")]
    TooLarge(u64),
    #[error("download: {0}")]
    Transport(String),
    #[error(transparent)]
    Bucket(#[from] BlobError),
}

impl CopyError {
    /// Whether trying again cannot help (the link or the file itself is the problem).
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Refused(_) | Self::TooManyRedirects | Self::BadRedirect | Self::TooLarge(_))
    }
}

impl From<CopyError> for Failure {
    fn from(error: CopyError) -> Self {
        if error.is_permanent() { Self::Permanent(error.to_string()) } else { Self::Transient(error.to_string()) }
    }
}

/// Downloads `link` into `key`, checking every hop against `policy`, with parts of `part_size`.
pub async fn copy_to_bucket(
    client: &reqwest::Client,
    policy: LinkPolicy<'_>,
    link: &str,
    blobs: &Blobs,
    key: &str,
    part_size: usize,
    max_bytes: u64,
) -> Result<StoredRecording, CopyError> {
    let response = open(client, policy, link).await?;
    if response.content_length().is_some_and(|length| length > max_bytes) {
        return Err(CopyError::TooLarge(max_bytes));
    }
    let content_type = content_type(response.headers());
    let mut sums = Checksums::default();
    let mut too_large = false;
    let body = response.bytes_stream().map(|chunk| {
        let chunk = chunk.map_err(|e| CopyError::Transport(e.without_url().to_string()))?;
        sums.update(&chunk);
        if sums.size > max_bytes {
            too_large = true;
            return Err(CopyError::TooLarge(max_bytes));
        }
        Ok::<Bytes, CopyError>(chunk)
    });
    let stored = blobs.put_stream(key, &content_type, body, part_size).await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(_) if too_large => return Err(CopyError::TooLarge(max_bytes)),
        Err(BlobError::Source(message)) => return Err(CopyError::Transport(message)),
        Err(e) => return Err(e.into()),
    };
    let (sha256, md5) = sums.finish();
    Ok(StoredRecording { key: stored.key, size: stored.size, sha256, md5, content_type })
}

/// The final response of `link`, redirects followed within the policy. No request is made to
/// a URL the policy refuses.
async fn open(client: &reqwest::Client, policy: LinkPolicy<'_>, link: &str) -> Result<reqwest::Response, CopyError> {
    let mut url: Url = policy.check(link)?.url;
    for _ in 0..=MAX_REDIRECTS {
        // The error names no URL: a link may carry a signature or a token in its query.
        let response =
            client.get(url.clone()).send().await.map_err(|e| CopyError::Transport(e.without_url().to_string()))?;
        let status = response.status();
        if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| url.join(v).ok())
                .ok_or(CopyError::BadRedirect)?;
            url = policy.check(location.as_str())?.url;
            continue;
        }
        if !status.is_success() {
            return Err(CopyError::Status(status.as_u16()));
        }
        return Ok(response);
    }
    Err(CopyError::TooManyRedirects)
}

/// The response's media type as a plain `type/subtype`, or `application/octet-stream`.
fn content_type(headers: &header::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .filter(|v| {
            v.len() <= 100
                && v.split_once('/').is_some_and(|(a, b)| {
                    let token = |s: &str| {
                        !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$&-^_.+".contains(&c))
                    };
                    token(a) && token(b)
                })
        })
        .unwrap_or_else(|| "application/octet-stream".into())
}

/// SHA-256 and MD5 of everything seen, and its size.
#[derive(Default)]
struct Checksums {
    sha256: Sha256,
    md5: Md5,
    size: u64,
}

impl Checksums {
    fn update(&mut self, chunk: &[u8]) {
        self.sha256.update(chunk);
        md5::Digest::update(&mut self.md5, chunk);
        self.size += chunk.len() as u64;
    }

    fn finish(self) -> (String, String) {
        (hex::encode(self.sha256.finalize()), hex::encode(md5::Digest::finalize(self.md5)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_are_kept_when_well_formed() {
        let mut headers = header::HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("Audio/MPEG; charset=x"));
        assert_eq!(content_type(&headers), "audio/mpeg");
        headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("audio mpeg\"x"));
        assert_eq!(content_type(&headers), "application/octet-stream");
        assert_eq!(content_type(&header::HeaderMap::new()), "application/octet-stream");
    }

    #[test]
    fn checksums_match_known_vectors() {
        let mut sums = Checksums::default();
        sums.update(b"a");
        sums.update(b"bc");
        let (sha, md5) = sums.finish();
        assert_eq!(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(md5, "900150983cd24fb0d6963f7d28e17f72");
    }
}
