use bytes::Bytes;
use ccbridge::store::{BlobError, MIN_PART_SIZE};
use ccbridge_tests::on_each_backend;
use futures::stream;
use sha2::{Digest, Sha256};

/// Deterministic bytes that differ in every part, so a misordered part would show.
fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8 ^ (i / MIN_PART_SIZE) as u8).collect()
}

fn chunks(data: &[u8], size: usize) -> Vec<Result<Bytes, std::io::Error>> {
    data.chunks(size).map(|c| Ok(Bytes::copy_from_slice(c))).collect()
}

async fn read_back(stack: &ccbridge_tests::TestStack, key: &str) -> (Vec<u8>, Option<String>) {
    let object = stack.s3().get_object().bucket(stack.bucket()).key(key).send().await.expect("get");
    let content_type = object.content_type.clone();
    (object.body.collect().await.expect("body").into_bytes().to_vec(), content_type)
}

#[tokio::test]
async fn large_stream_is_uploaded_in_parts_byte_for_byte() {
    on_each_backend(async |stack| {
        let data = payload(12 * 1024 * 1024 + 123);
        let source = stream::iter(chunks(&data, 64 * 1024));
        let stored = stack
            .stack
            .app
            .blobs
            .put_stream("recordings/big.mp3", "audio/mpeg", source, MIN_PART_SIZE)
            .await
            .expect("upload");
        assert_eq!(stored.parts, 3);
        assert_eq!(stored.size, data.len() as u64);
        let (back, content_type) = read_back(stack, "recordings/big.mp3").await;
        assert_eq!(Sha256::digest(&back), Sha256::digest(&data));
        assert_eq!(content_type.as_deref(), Some("audio/mpeg"));
    })
    .await;
}

#[tokio::test]
async fn small_stream_is_one_put() {
    on_each_backend(async |stack| {
        let data = payload(1000);
        let source = stream::iter(chunks(&data, 300));
        let stored =
            stack.stack.app.blobs.put_stream("small.bin", "application/octet-stream", source, MIN_PART_SIZE).await;
        assert_eq!(stored.expect("upload").parts, 0);
        assert_eq!(read_back(stack, "small.bin").await.0, data);
    })
    .await;
}

#[tokio::test]
async fn failing_source_leaves_no_object_and_no_open_upload() {
    on_each_backend(async |stack| {
        let data = payload(MIN_PART_SIZE + 10);
        let mut items = chunks(&data, 1024 * 1024);
        items.push(Err(std::io::Error::other("provider hung up")));
        let result =
            stack.stack.app.blobs.put_stream("broken.mp3", "audio/mpeg", stream::iter(items), MIN_PART_SIZE).await;
        assert!(matches!(result, Err(BlobError::Source(ref m)) if m.contains("hung up")), "{result:?}");
        // The S3 server keeps open uploads and their parts as `.upload*` files (it has no
        // ListMultipartUploads); a whole first part was sent, so only an abort removes them.
        let leftovers: Vec<_> = std::fs::read_dir(stack.s3_root())
            .expect("S3 folder")
            .filter_map(|e| e.ok().and_then(|e| e.file_name().into_string().ok()))
            .filter(|name| name.starts_with(".upload"))
            .collect();
        assert!(leftovers.is_empty(), "an orphan multipart upload was left: {leftovers:?}");
        let head = stack.s3().head_object().bucket(stack.bucket()).key("broken.mp3").send().await;
        assert!(head.is_err(), "no object may appear");
    })
    .await;
}

#[tokio::test]
async fn part_size_below_the_minimum_is_refused() {
    on_each_backend(async |stack| {
        let source = stream::iter(chunks(b"x", 1));
        let result = stack.stack.app.blobs.put_stream("x", "text/plain", source, 1024).await;
        assert!(matches!(result, Err(BlobError::PartSize(1024))), "{result:?}");
    })
    .await;
}
