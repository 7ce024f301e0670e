//! Call recordings: a job per recording link, copied from the provider into the bucket and on
//! to Genesys Cloud, and played back from the bucket through short-lived links.
//!
//! - [`job`]: the recording job and its state machine (statuses, claims, retries).
//! - [`sync`]: one job worked off, end to end.
//! - [`download`]: the streamed, checked copy into the bucket.
//! - `genesys_cloud`: the Genesys Cloud step (conversation and upload).
//! - [`playback`]: presigned links to copied recordings.

pub mod download;
mod genesys_cloud;
pub mod job;
pub mod playback;
pub mod sync;

pub use sync::{Outcome, Settings, SyncError, process};
