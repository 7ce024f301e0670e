//! Call recordings: a job per recording link, copied from the provider into the bucket and on
//! to Genesys Cloud, and played back from the bucket through short-lived links.
//!
//! - [`job`]: the recording job (its life is a [`crate::jobs::JobState`]).
//! - [`sync`]: one job worked off, end to end.
//! - [`download`]: the streamed, checked copy into the bucket.
//! - `genesys_cloud`: the Genesys Cloud step (conversation and upload).
//! - [`playback`]: presigned links to copied recordings.

pub mod download;
mod genesys_cloud;
pub mod job;
pub mod playback;
pub mod sync;

pub use sync::{Settings, process};
