//! Large bodies (recordings, attachments) in S3, streamed so memory stays bounded by one part
//! whatever the object's size.

use std::fmt;

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};

/// S3's smallest part (all but the last).
pub const MIN_PART_SIZE: usize = 5 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("bucket {bucket}: {message}")]
    Backend { bucket: String, message: String },
    /// The bucket itself is not there.
    #[error("bucket {0} does not exist")]
    NoBucket(String),
    /// The source stream failed; whatever was uploaded has been discarded.
    #[error("source: {0}")]
    Source(String),
    #[error("part size {0} is below S3's minimum of {MIN_PART_SIZE} bytes")]
    PartSize(usize),
}

/// An object written by [`Blobs::put_stream`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub key: String,
    pub size: u64,
    /// 0 for a single PUT, otherwise the number of multipart parts.
    pub parts: usize,
}

/// The bucket.
#[derive(Debug, Clone)]
pub struct Blobs {
    client: Client,
    bucket: String,
}

impl Blobs {
    pub fn new(client: Client, bucket: impl Into<String>) -> Self {
        Self { client, bucket: bucket.into() }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn backend<E, R>(&self, error: SdkError<E, R>) -> BlobError
    where
        E: std::error::Error + Send + Sync + 'static,
        R: fmt::Debug + Send + Sync + 'static,
    {
        BlobError::Backend { bucket: self.bucket.clone(), message: DisplayErrorContext(error).to_string() }
    }

    /// Whether the bucket exists and answers.
    pub async fn check(&self) -> Result<(), BlobError> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => {
                Err(BlobError::NoBucket(self.bucket.clone()))
            }
            Err(e) => Err(self.backend(e)),
        }
    }

    /// A GET link to `key` that works for `lifetime` without credentials, so the bucket itself
    /// stays private. `content_type` overrides what the download is served as.
    pub async fn presign_get(
        &self,
        key: &str,
        lifetime: std::time::Duration,
        content_type: Option<&str>,
    ) -> Result<String, BlobError> {
        let presigning = aws_sdk_s3::presigning::PresigningConfig::expires_in(lifetime)
            .map_err(|e| BlobError::Backend { bucket: self.bucket.clone(), message: e.to_string() })?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_response_content_type(content_type.map(str::to_owned))
            .presigned(presigning)
            .await
            .map_err(|e| self.backend(e))?;
        Ok(request.uri().to_owned())
    }

    /// Streams `source` into `key`. Up to one part it is a single PUT; above, a multipart
    /// upload holding at most one part in memory. On any failure the multipart upload is
    /// aborted, so no orphan parts are left to pay for.
    pub async fn put_stream<S, E>(
        &self,
        key: &str,
        content_type: &str,
        source: S,
        part_size: usize,
    ) -> Result<StoredObject, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: fmt::Display,
    {
        if part_size < MIN_PART_SIZE {
            return Err(BlobError::PartSize(part_size));
        }
        let mut source = source;
        let mut buffer = BytesMut::with_capacity(part_size);
        let mut upload: Option<Multipart> = None;
        let mut size = 0u64;
        let result = async {
            while let Some(chunk) = source.next().await {
                let chunk = chunk.map_err(|e| BlobError::Source(e.to_string()))?;
                size += chunk.len() as u64;
                let mut rest = chunk;
                while !rest.is_empty() {
                    let take = rest.len().min(part_size - buffer.len());
                    buffer.extend_from_slice(&rest.split_to(take));
                    if buffer.len() == part_size {
                        let part = buffer.split().freeze();
                        let multipart = match upload.as_mut() {
                            Some(m) => m,
                            None => upload.insert(self.start_multipart(key, content_type).await?),
                        };
                        self.upload_part(multipart, part).await?;
                    }
                }
            }
            Ok::<(), BlobError>(())
        }
        .await;

        match (result, upload) {
            (Ok(()), None) => {
                self.client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(key)
                    .content_type(content_type)
                    .body(ByteStream::from(buffer.freeze()))
                    .send()
                    .await
                    .map_err(|e| self.backend(e))?;
                Ok(StoredObject { key: key.into(), size, parts: 0 })
            }
            (Ok(()), Some(mut multipart)) => {
                let finished = async {
                    if !buffer.is_empty() {
                        self.upload_part(&mut multipart, buffer.freeze()).await?;
                    }
                    self.complete(&multipart).await
                }
                .await;
                match finished {
                    Ok(()) => Ok(StoredObject { key: key.into(), size, parts: multipart.parts.len() }),
                    Err(error) => Err(self.abort(&multipart, error).await),
                }
            }
            (Err(error), Some(multipart)) => Err(self.abort(&multipart, error).await),
            (Err(error), None) => Err(error),
        }
    }

    async fn start_multipart(&self, key: &str, content_type: &str) -> Result<Multipart, BlobError> {
        let out = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .send()
            .await
            .map_err(|e| self.backend(e))?;
        let upload_id = out.upload_id.ok_or_else(|| BlobError::Backend {
            bucket: self.bucket.clone(),
            message: "CreateMultipartUpload returned no upload id".into(),
        })?;
        Ok(Multipart { key: key.into(), upload_id, parts: Vec::new() })
    }

    async fn upload_part(&self, multipart: &mut Multipart, body: Bytes) -> Result<(), BlobError> {
        let number = i32::try_from(multipart.parts.len() + 1).unwrap_or(i32::MAX);
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&multipart.key)
            .upload_id(&multipart.upload_id)
            .part_number(number)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| self.backend(e))?;
        multipart.parts.push(CompletedPart::builder().part_number(number).set_e_tag(out.e_tag).build());
        Ok(())
    }

    async fn complete(&self, multipart: &Multipart) -> Result<(), BlobError> {
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&multipart.key)
            .upload_id(&multipart.upload_id)
            .multipart_upload(CompletedMultipartUpload::builder().set_parts(Some(multipart.parts.clone())).build())
            .send()
            .await
            .map_err(|e| self.backend(e))?;
        Ok(())
    }

    /// Aborts the upload and returns the error that caused it; a failed abort is logged, since
    /// the bucket's lifecycle rule removes incomplete uploads anyway.
    async fn abort(&self, multipart: &Multipart, cause: BlobError) -> BlobError {
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&multipart.key)
            .upload_id(&multipart.upload_id)
            .send()
            .await;
        if let Err(e) = aborted {
            tracing::warn!(key = %multipart.key, error = %DisplayErrorContext(e), "abort of multipart upload failed");
        }
        cause
    }
}

struct Multipart {
    key: String,
    upload_id: String,
    parts: Vec<CompletedPart>,
}
