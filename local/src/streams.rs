//! Feeds stream functions from the local table's stream as Lambda's event source mapping does:
//! records in order, in batches, only the item types the function asks for; with partial batch
//! failures the batch is retried from the first failed record (so the records after it come
//! again, as in Lambda: handlers must be idempotent), with backoff; after the last attempt the
//! records that still fail go to the dead-letter folder and the stream moves on.
//! Positions are kept in the data folder, so a restart resumes where it stopped.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use ccbridge::{App, StreamFunction};
use tokio::sync::watch;

/// How records are delivered; Lambda's defaults where it has one.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Records per batch (Lambda's `BatchSize`, default 100).
    pub batch_size: i32,
    /// Attempts per record before it goes to the dead-letter folder (Lambda's
    /// `MaximumRetryAttempts` + 1).
    pub max_attempts: u32,
    /// First retry delay; doubled on each retry.
    pub backoff: Duration,
    /// Pause between polls of an idle stream.
    pub poll_interval: Duration,
    /// Keeps positions (`streams/<function>.json`) and dead letters (`dead-letter/`).
    pub state_dir: PathBuf,
}

impl FeedOptions {
    pub fn new(state_dir: PathBuf) -> Self {
        Self {
            batch_size: 100,
            max_attempts: 3,
            backoff: Duration::from_millis(200),
            poll_interval: Duration::from_millis(250),
            state_dir,
        }
    }
}

/// Starts one feeder per function; they stop when `stop` turns true.
pub fn feed(
    app: Arc<App>,
    client: Client,
    functions: &[StreamFunction],
    options: FeedOptions,
    stop: watch::Receiver<bool>,
) {
    for function in functions.iter().copied() {
        let feeder = Feeder { app: app.clone(), client: client.clone(), function, options: options.clone() };
        let mut stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.wait_for(|stop| *stop) => {}
                () = feeder.run() => {}
            }
        });
    }
}

struct Feeder {
    app: Arc<App>,
    client: Client,
    function: StreamFunction,
    options: FeedOptions,
}

/// Shard id → the sequence number of the last record handled.
type Positions = BTreeMap<String, String>;

/// A table's stream as last described.
struct Stream {
    arn: String,
    region: String,
    shards: Vec<String>,
}

impl Feeder {
    fn positions_file(&self) -> PathBuf {
        self.options.state_dir.join("streams").join(format!("{}.json", self.function.name))
    }

    async fn run(self) {
        let mut positions: Positions = std::fs::read(self.positions_file())
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default();
        let mut iterators: BTreeMap<String, String> = BTreeMap::new();
        let mut stream = None;
        loop {
            if let Err(error) = self.poll(&mut stream, &mut positions, &mut iterators).await {
                tracing::warn!(function = self.function.name, %error, "stream poll failed; retrying");
                iterators.clear();
                stream = None;
            }
            tokio::time::sleep(self.options.poll_interval).await;
        }
    }

    /// The table's stream and its shards, as DescribeTable and DescribeStream give them.
    async fn describe(&self) -> Result<Stream, String> {
        let table = self
            .app
            .store
            .client()
            .describe_table()
            .table_name(self.app.store.table())
            .send()
            .await
            .map_err(|e| aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())?;
        let arn = table.table.and_then(|t| t.latest_stream_arn).ok_or("the table has no stream")?;
        let description = self
            .client
            .describe_stream()
            .stream_arn(&arn)
            .send()
            .await
            .map_err(|e| DisplayErrorContext(e).to_string())?
            .stream_description
            .ok_or("DescribeStream returned no description")?;
        let region = description.stream_arn.as_deref().and_then(|a| a.split(':').nth(3)).unwrap_or("local").to_owned();
        let shards = description.shards.unwrap_or_default().into_iter().filter_map(|s| s.shard_id).collect();
        Ok(Stream { arn, region, shards })
    }

    /// Drains every shard once. The stream is described on the first poll and again after a
    /// failure or once a shard closes, not on every poll: describing a stream reads its whole
    /// sequence range, which grows with every write.
    async fn poll(
        &self,
        stream: &mut Option<Stream>,
        positions: &mut Positions,
        iterators: &mut BTreeMap<String, String>,
    ) -> Result<(), String> {
        let current = match stream.take() {
            Some(current) => current,
            None => self.describe().await?,
        };
        let mut closed = false;
        for shard_id in &current.shards {
            let mut iterator = match iterators.remove(shard_id) {
                Some(iterator) => Some(iterator),
                None => Some(self.iterator(&current.arn, shard_id, positions.get(shard_id)).await?),
            };
            while let Some(at) = iterator.take() {
                let page = self
                    .client
                    .get_records()
                    .shard_iterator(at)
                    .limit(self.options.batch_size)
                    .send()
                    .await
                    .map_err(|e| DisplayErrorContext(e).to_string())?;
                let records = page.records.unwrap_or_default();
                let empty = records.is_empty();
                if !empty {
                    let last = self.deliver(records, &current.arn, &current.region).await;
                    if let Some(last) = last {
                        positions.insert(shard_id.clone(), last);
                        self.save(positions);
                    }
                }
                match page.next_shard_iterator {
                    Some(next) if empty => {
                        iterators.insert(shard_id.clone(), next);
                    }
                    None => closed = true,
                    next => iterator = next,
                }
            }
        }
        if !closed {
            *stream = Some(current);
        }
        Ok(())
    }

    async fn iterator(&self, arn: &str, shard: &str, after: Option<&String>) -> Result<String, String> {
        let request = self.client.get_shard_iterator().stream_arn(arn).shard_id(shard);
        let request = match after {
            Some(sequence) => {
                request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence)
            }
            None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
        };
        let out = request.send().await.map_err(|e| DisplayErrorContext(e).to_string())?;
        out.shard_iterator.ok_or_else(|| format!("no iterator for shard {shard}"))
    }

    /// Delivers one page of records; returns the sequence number of the last one handled
    /// (or dead-lettered).
    async fn deliver(&self, records: Vec<Record>, arn: &str, region: &str) -> Option<String> {
        let mut pending: Vec<EventRecord> = records.into_iter().map(|r| to_event_record(r, arn, region)).collect();
        let last = pending.last().and_then(|r| r.change.sequence_number.clone());
        pending.retain(|r| self.function.wants(r));
        let mut attempt = 1;
        let mut delay = self.options.backoff;
        while !pending.is_empty() {
            let mut event = Event::default();
            event.records = pending.clone();
            let outcome = self.function.call(self.app.clone(), event).await;
            let Some(first_failed) = pending
                .iter()
                .position(|r| r.change.sequence_number.as_ref().is_some_and(|s| outcome.failed.contains(s)))
            else {
                break;
            };
            pending.drain(..first_failed);
            if attempt >= self.options.max_attempts {
                let failed: Vec<EventRecord> = pending
                    .iter()
                    .filter(|r| r.change.sequence_number.as_ref().is_some_and(|s| outcome.failed.contains(s)))
                    .cloned()
                    .collect();
                self.dead_letter(&failed, attempt);
                break;
            }
            attempt += 1;
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        last
    }

    fn dead_letter(&self, records: &[EventRecord], attempts: u32) {
        let dir = self.options.state_dir.join("dead-letter");
        let first = records.first().and_then(|r| r.change.sequence_number.clone()).unwrap_or_default();
        let path = dir.join(format!("{}-{first}.json", self.function.name));
        let mut event = Event::default();
        event.records = records.to_vec();
        let body = serde_json::json!({"function": self.function.name, "attempts": attempts, "event": event});
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, serde_json::to_vec_pretty(&body).unwrap_or_default()));
        match written {
            Ok(()) => tracing::error!(function = self.function.name, path = %path.display(), "records dead-lettered"),
            Err(error) => tracing::error!(function = self.function.name, %error, "records dead-lettered but not saved"),
        }
    }

    fn save(&self, positions: &Positions) {
        let path = self.positions_file();
        let saved = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, serde_json::to_vec(positions).unwrap_or_default()));
        if let Err(error) = saved {
            tracing::warn!(path = %path.display(), %error, "stream position not saved");
        }
    }
}

/// A stream record as Lambda puts it in the event (DynamoDB JSON images).
fn to_event_record(record: Record, arn: &str, region: &str) -> EventRecord {
    let mut out = EventRecord::default();
    out.aws_region = region.to_owned();
    out.event_id = record.event_id.unwrap_or_default();
    out.event_name = record.event_name.map(|n| n.as_str().to_owned()).unwrap_or_default();
    out.event_source = Some("aws:dynamodb".into());
    out.event_version = record.event_version;
    out.event_source_arn = Some(arn.to_owned());
    if let Some(change) = record.dynamodb {
        out.change.keys = change.keys.map(serde_dynamo::Item::from).unwrap_or_default();
        out.change.new_image = change.new_image.map(serde_dynamo::Item::from).unwrap_or_default();
        out.change.old_image = change.old_image.map(serde_dynamo::Item::from).unwrap_or_default();
        out.change.sequence_number = change.sequence_number;
        out.change.size_bytes = change.size_bytes.unwrap_or_default();
    }
    out
}
