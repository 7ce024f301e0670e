//! Operator commands against a deployed (or local) ccbridge: they read the same configuration
//! document and write the same table as the functions.

use ccbridge::App;
use ccbridge::chat::config::ChatbotChannel;
use ccbridge::chat::provisioning::{Provisioned, provision};
use ccbridge::config::ChannelId;
use ccbridge::recordings::job::{JobStatus, RecordingJob};
use ccbridge::store::{Entity, Index, Key, Store, Written, keys};
use ccbridge::uis::call::CallSessionId;

/// Creates or reuses the open-messaging integrations of the chatbot channel `channel` and
/// records their ids in the table. Running it again changes nothing.
pub async fn provision_chat(app: &App, channel: &str) -> Result<Vec<Provisioned>, String> {
    let id = ChannelId::try_from(channel.to_owned())?;
    let bot = match app.config.channel(&id) {
        Some(found) => app
            .config
            .get::<ChatbotChannel>(&id)
            .ok_or_else(|| format!("channel {channel} is a {} channel, not a chatbot channel", found.kind()))?,
        None => return Err(format!("no channel {channel} in the configuration")),
    };
    let client = ccbridge::chat::genesys_client(app, bot, ccbridge::genesys::RetryPolicy::default())
        .map_err(|e| e.to_string())?;
    provision(&app.store, &client, bot).await.map_err(|e| e.to_string())
}

/// Every failed recording job (index `gsi2`, partition `JOBS#failed`), newest first.
pub async fn failed_recordings(store: &Store) -> Result<Vec<RecordingJob>, String> {
    let mut jobs = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .query_index::<RecordingJob>(
                Index::Gsi2,
                &keys::jobs_in_status(JobStatus::Failed.as_str()),
                100,
                after.as_ref(),
            )
            .await
            .map_err(|e| e.to_string())?;
        jobs.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(jobs),
        }
    }
}

/// The key of job `<channel>:<call_session_id>:<link_id>`.
pub fn recording_job_key(job_id: &str) -> Result<Key, String> {
    let mut parts = job_id.rsplitn(3, ':');
    let (Some(link), Some(call), Some(channel)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("{job_id:?} is not a job id (<channel>:<call_session_id>:<link_id>)"));
    };
    let call: CallSessionId = call.parse().map_err(|_| format!("{job_id:?}: {call:?} is not a call session id"))?;
    if link.is_empty() || !link.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!("{job_id:?}: {link:?} is not a link id"));
    }
    Ok(keys::recording_job(channel, call, link))
}

/// Puts failed recording jobs back to `pending` with their attempts reset (the table's stream
/// then brings them to the function again): the one named, or all of them. Returns the ids
/// re-queued; a job that is not failed (any more) is left alone.
pub async fn requeue_recordings(store: &Store, job_id: Option<&str>) -> Result<Vec<String>, String> {
    let keys = match job_id {
        Some(id) => vec![recording_job_key(id)?],
        None => failed_recordings(store).await?.iter().map(Entity::key).collect(),
    };
    let mut requeued = Vec::new();
    for key in keys {
        let (written, job) = store
            .update_with::<RecordingJob, _>(&key, |current| current.and_then(RecordingJob::requeued))
            .await
            .map_err(|e| e.to_string())?;
        match (written, job) {
            (Written::Updated, Some(job)) => requeued.push(job.job_id),
            (_, None) if job_id.is_some() => return Err(format!("no recording job {key}")),
            _ => {}
        }
    }
    Ok(requeued)
}
