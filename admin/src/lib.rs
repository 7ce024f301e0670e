//! Operator commands against a deployed (or local) ccbridge: they read the same configuration
//! document and write the same table as the functions.
//!
//! The `jobs` commands read the job indexes ([`ccbridge::jobs`]): `gsi2` `JOBS#<status>` to list
//! and count jobs by status, `gsi1` `JOBS#due` for the oldest due job. Every change they make is
//! one conditional write per job ([`Store::update_with`]), so a job a worker or the sweep
//! changed meanwhile is left alone rather than overwritten.
//!
//! `crm import` reads a CSV file of a tenant's contacts or companies ([`import_crm_csv`]) and
//! writes them as the CRM import API does ([`ccbridge::crm::import`]).

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use ccbridge::App;
use ccbridge::chat::config::ChatbotChannel;
use ccbridge::chat::provisioning::{Provisioned, provision};
use ccbridge::clock::{micros, rfc3339};
use ccbridge::config::{ChannelId, Config, TenantId};
use ccbridge::crm::import as crm_import;
use ccbridge::jobs::any::AnyJob;
use ccbridge::jobs::{JobKind, JobState, JobStatus};
use ccbridge::phone::Country;
use ccbridge::store::{Cursor, Entity, Index, Item, Key, Store, StoreError, Written, keys};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

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

/// Makes sure the Genesys Cloud organisation of channel `channel` has ccbridge's external
/// source and records its id (`ex provision`). Idempotent.
pub async fn provision_ex(app: &App, channel: &str) -> Result<ccbridge::ex::source::Provisioned, String> {
    let id = ChannelId::try_from(channel.to_owned())?;
    if app.config.get::<ccbridge::config::GenesysCloudChannel>(&id).is_none() {
        return Err(match app.config.channel(&id) {
            Some(found) => format!("channel {channel} is a {} channel, not a genesys_cloud channel", found.kind()),
            None => format!("no channel {channel} in the configuration"),
        });
    }
    let client = app.clients.genesys(&id).ok_or_else(|| format!("channel {channel} has no Genesys Cloud client"))?;
    ccbridge::ex::source::provision(&app.store, client, &id, ccbridge::clock::now()).await.map_err(|e| e.to_string())
}

/// Index entries read per query while listing or requeueing (whole items: the indexes project
/// every attribute).
const LIST_PAGE: i32 = 100;
/// Index entries read per query while counting; DynamoDB also ends a page at 1 MB.
const COUNT_PAGE: i32 = 1000;
/// Sorts after every `<created_at>#<job_id>` key: "up to the end" of a status partition.
const PAST_EVERY_SORT_KEY: &str = "~";
/// The most characters of a last error shown on a listing line.
const LINE_ERROR_CHARS: usize = 120;

/// Reads `--status`: one of [`JobStatus::ALL`].
pub fn parse_status(name: &str) -> Result<JobStatus, String> {
    JobStatus::parse(name)
        .ok_or_else(|| format!("unknown job status {name:?}; one of: {}", names(JobStatus::ALL.map(JobStatus::as_str))))
}

/// Reads `--kind`: one of [`JobKind::ALL`].
pub fn parse_kind(name: &str) -> Result<JobKind, String> {
    JobKind::parse(name)
        .ok_or_else(|| format!("unknown job kind {name:?}; one of: {}", names(JobKind::ALL.map(JobKind::as_str))))
}

/// Reads `--channel`: a channel id, checked as the configuration checks it.
pub fn parse_channel(name: &str) -> Result<ChannelId, String> {
    ChannelId::try_from(name.to_owned())
}

fn names<const N: usize>(all: [&str; N]) -> String {
    all.join(", ")
}

/// Which jobs a listing or a requeue takes: every criterion set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub status: Option<JobStatus>,
    pub kind: Option<JobKind>,
    pub channel: Option<ChannelId>,
}

impl JobFilter {
    /// Whether `job` (as read: a listing may be a moment behind) meets every criterion set.
    pub fn matches(&self, job: &AnyJob) -> bool {
        self.status.is_none_or(|s| s == job.state().status)
            && self.kind.is_none_or(|k| k == job.state().kind)
            && self.channel.as_ref().is_none_or(|c| c == job.channel())
    }

    /// The status partitions that can hold a match: one with a status, else all of them.
    fn statuses(&self) -> Vec<JobStatus> {
        JobStatus::ALL.into_iter().filter(|s| self.status.is_none_or(|f| f == *s)).collect()
    }
}

/// Up to `limit` jobs matching `filter`, newest (by creation) first, read from index `gsi2`
/// (`JOBS#<status>`; every status unless the filter names one).
///
/// Each status partition is read newest first only until it gave `limit` matches, since the
/// newest `limit` overall are among those; kind and channel are checked on the items read, so
/// a filter that matches little reads far. The index is eventually consistent: a job that just
/// changed may show its previous state ([`show_job`] reads it consistently).
pub async fn list_jobs(store: &Store, filter: &JobFilter, limit: usize) -> Result<Vec<AnyJob>, String> {
    let mut found = Vec::new();
    for status in filter.statuses() {
        let partition = keys::jobs_in_status(status.as_str());
        let mut taken = 0;
        let mut after: Option<Cursor> = None;
        while taken < limit {
            let page = store
                .query_index::<AnyJob>(Index::Gsi2, &partition, LIST_PAGE, after.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            for job in page.items.into_iter().filter(|job| filter.matches(job)).take(limit - taken) {
                found.push(job);
                taken += 1;
            }
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    Ok(newest_first(found, limit))
}

/// The newest `limit` of jobs read from several status partitions, in the order the index
/// sorts them (`<created_at micros>#<job_id>`, highest first).
fn newest_first(mut jobs: Vec<AnyJob>, limit: usize) -> Vec<AnyJob> {
    jobs.sort_by_cached_key(|job| Reverse((micros(job.state().created_at), job.job_id().to_owned())));
    jobs.truncate(limit);
    jobs
}

/// The key of job `job_id`, or why it is not one.
pub fn job_key(job_id: &str) -> Result<Key, String> {
    AnyJob::key_of(job_id).ok_or_else(|| {
        format!(
            "{job_id:?} is not a job id (<channel>:<call_session_id>:<link_id>, \
             <channel>:<call_session_id>:conversation or agent-state:<channel>:<agent>:…, \
             as `jobs list` prints it)"
        )
    })
}

/// Job `job_id` as stored now (read consistently, unlike a listing).
pub async fn show_job(store: &Store, job_id: &str) -> Result<AnyJob, String> {
    let key = job_key(job_id)?;
    store.get::<AnyJob>(&key).await.map_err(|e| e.to_string())?.ok_or_else(|| format!("no job {job_id}"))
}

/// A job in full, as `jobs show` prints it: the stored fields as pretty JSON.
pub fn job_json(job: &AnyJob) -> Result<String, String> {
    serde_json::to_string_pretty(job).map_err(|e| format!("job {}: {e}", job.job_id()))
}

/// The jobs a requeue may put back to `pending`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Requeueable {
    /// Failed for good (status `failed`).
    Failed,
    /// Status `running` with its lease over (`due_at <= now`): its worker died or timed out
    /// and the sweep has not claimed it again yet.
    Stuck,
    /// Either.
    #[default]
    Both,
}

impl Requeueable {
    /// Reads `jobs requeue --status`: `failed` or `stuck`.
    pub fn parse(name: &str) -> Result<Self, String> {
        match name {
            "failed" => Ok(Self::Failed),
            "stuck" => Ok(Self::Stuck),
            _ => Err(format!("cannot requeue jobs of status {name:?}; one of: failed, stuck")),
        }
    }

    /// The status partitions that hold such jobs.
    fn statuses(self) -> &'static [JobStatus] {
        match self {
            Self::Failed => &[JobStatus::Failed],
            Self::Stuck => &[JobStatus::Running],
            Self::Both => &[JobStatus::Failed, JobStatus::Running],
        }
    }

    /// Whether a job in state `state` is one of these at `now`.
    fn takes(self, state: &JobState, now: OffsetDateTime) -> bool {
        let failed = state.status == JobStatus::Failed;
        let stuck = state.status == JobStatus::Running && state.due_at.is_some_and(|lease_end| lease_end <= now);
        match self {
            Self::Failed => failed,
            Self::Stuck => stuck,
            Self::Both => failed || stuck,
        }
    }
}

/// What to requeue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requeue {
    /// The job with this id, if it is failed or stuck.
    One(String),
    /// Every job of `which` that the filter matches.
    All { which: Requeueable },
}

/// What a requeue did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequeueReport {
    /// The ids of the jobs put back to `pending`.
    pub requeued: Vec<String>,
    /// Jobs found but not requeued: not failed nor stuck (any more), not matching the filter,
    /// or changing too fast under concurrent writers.
    pub left_alone: usize,
}

/// Puts failed jobs, and jobs stuck `running` past their lease, back to `pending` with their
/// attempts reset ([`JobState::requeued`]), due now: the table's stream brings each to its
/// worker again and the sweep would pick it up too. Steps a job already did (its copy in S3,
/// its Genesys upload) are not repeated.
///
/// `All` first lists the candidates from index `gsi2` (`JOBS#failed`, `JOBS#running`), then
/// writes each with one conditional write that re-checks the job as stored, so a job that
/// changed meanwhile (claimed, finished) is left alone. `progress(done, total)` is called
/// before the first write and after each. `One` fails when the id is malformed or names no
/// job; a job that is neither failed nor stuck, or that `filter` does not match, is left alone.
/// A status in `filter` narrows further: `Failed` with [`Requeueable::Both`] takes failed jobs
/// only.
pub async fn requeue_jobs(
    store: &Store,
    target: Requeue,
    filter: &JobFilter,
    now: OffsetDateTime,
    progress: impl Fn(u64, u64),
) -> Result<RequeueReport, String> {
    let (candidates, which, one) = match target {
        Requeue::One(job_id) => (vec![(job_key(&job_id)?, job_id)], Requeueable::Both, true),
        Requeue::All { which } => (requeue_candidates(store, which, filter, now).await?, which, false),
    };
    let total = candidates.len() as u64;
    progress(0, total);
    let mut report = RequeueReport::default();
    for (done, (key, job_id)) in (1..).zip(candidates) {
        let written = AnyJob::requeue(store, &key, now, |job| takes(job, which, filter, now)).await;
        match written {
            Ok((Written::Updated, Some(job))) => report.requeued.push(job.job_id().to_owned()),
            Ok((_, None)) if one => return Err(format!("no job {job_id}")),
            Ok(_) | Err(StoreError::Contention(_)) => report.left_alone += 1,
            Err(e) => {
                return Err(format!("{e} (after requeueing {} of {total} jobs)", report.requeued.len()));
            }
        }
        progress(done, total);
    }
    Ok(report)
}

/// The keys and ids of the jobs `which` and `filter` take at `now`, as the index shows them.
async fn requeue_candidates(
    store: &Store,
    which: Requeueable,
    filter: &JobFilter,
    now: OffsetDateTime,
) -> Result<Vec<(Key, String)>, String> {
    let mut candidates = Vec::new();
    for status in which.statuses().iter().filter(|s| filter.status.is_none_or(|f| f == **s)) {
        let partition = keys::jobs_in_status(status.as_str());
        let mut after: Option<Cursor> = None;
        loop {
            let page = store
                .query_index::<AnyJob>(Index::Gsi2, &partition, LIST_PAGE, after.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            candidates.extend(
                page.items
                    .iter()
                    .filter(|job| takes(job, which, filter, now) && job.state().requeued(now).is_some())
                    .map(|job| (job.key(), job.job_id().to_owned())),
            );
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
    }
    Ok(candidates)
}

/// Whether `which` and `filter` take `job` at `now`.
fn takes(job: &AnyJob, which: Requeueable, filter: &JobFilter, now: OffsetDateTime) -> bool {
    filter.matches(job) && which.takes(job.state(), now)
}

/// How many jobs there are, and how far behind the work is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobStats {
    /// Every status, zero included.
    pub by_status: BTreeMap<JobStatus, usize>,
    /// Every kind this version knows, zero included (a job of a kind it does not know counts
    /// in `by_status` only).
    pub by_kind: BTreeMap<JobKind, usize>,
    /// How long the oldest due job has waited past its due time; `None` when nothing is due.
    pub oldest_due_age: Option<Duration>,
}

/// Counts the jobs of every status by paging through its `gsi2` partition (one page in memory
/// at a time, items counted and dropped), and measures the age of the oldest due job: the
/// first entry of `gsi1` `JOBS#due` due at or before `now`, the one the sweep takes first. A
/// large age means the sweep is not keeping up or not running.
pub async fn job_stats(store: &Store, now: OffsetDateTime) -> Result<JobStats, String> {
    let mut stats = JobStats { by_kind: JobKind::ALL.map(|k| (k, 0)).into(), ..JobStats::default() };
    for status in JobStatus::ALL {
        let partition = keys::jobs_in_status(status.as_str());
        let mut count = 0;
        let mut after: Option<Cursor> = None;
        loop {
            let (items, next) = store
                .query_index_until(Index::Gsi2, &partition, PAST_EVERY_SORT_KEY, COUNT_PAGE, after.as_ref())
                .await
                .map_err(|e| e.to_string())?;
            count += items.len();
            for kind in items.iter().filter_map(kind_of) {
                *stats.by_kind.entry(kind).or_default() += 1;
            }
            match next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        stats.by_status.insert(status, count);
    }
    stats.oldest_due_age = oldest_due(store, now).await?.map(|due| (now - due).max(Duration::ZERO));
    Ok(stats)
}

/// The due time of the first entry of the due index due at or before `now`, if any.
async fn oldest_due(store: &Store, now: OffsetDateTime) -> Result<Option<OffsetDateTime>, String> {
    // `~` sorts after `#`, so entries due in the very microsecond of `now` are included.
    let until = format!("{}~", micros(now));
    let (_, _, sort) = Index::Gsi1.attributes();
    let mut after: Option<Cursor> = None;
    loop {
        // Usually one entry, one query; more only when the store drops an expired item.
        let (items, next) = store
            .query_index_until(Index::Gsi1, keys::JOBS_DUE, &until, 10, after.as_ref())
            .await
            .map_err(|e| e.to_string())?;
        if let Some(first) = items.first() {
            let text = first.get(sort).and_then(|v| v.as_s().ok()).map_or("", String::as_str);
            return due_of_sort_key(text)
                .map(Some)
                .ok_or_else(|| format!("due index entry {text:?} does not start with an RFC 3339 time"));
        }
        match next {
            Some(next) => after = Some(next),
            None => return Ok(None),
        }
    }
}

/// The kind of a raw job item, read from its `job` attribute without decoding the rest.
fn kind_of(item: &Item) -> Option<JobKind> {
    let job = item.get("job")?.as_m().ok()?;
    JobKind::parse(job.get("kind")?.as_s().ok()?)
}

/// The due time a `gsi1` `JOBS#due` sort key (`<due_at>#<job_id>`) starts with.
pub fn due_of_sort_key(sort_key: &str) -> Option<OffsetDateTime> {
    let due = sort_key.split('#').next()?;
    OffsetDateTime::parse(due, &Rfc3339).ok()
}

/// One job on one line, as `jobs list` prints it: id, kind, status, attempts, due time (the
/// end of the lease for a running job) or finished time, and the start of the last error.
pub fn job_line(job: &AnyJob) -> String {
    let state = job.state();
    // To the second: what an operator compares, and a line that stays short.
    let seconds = |at: OffsetDateTime| rfc3339(at - Duration::nanoseconds(i64::from(at.nanosecond())));
    let when = match (state.due_at, state.finished_at) {
        (Some(due), _) => format!("due={}", seconds(due)),
        (None, Some(finished)) => format!("finished={}", seconds(finished)),
        (None, None) => "-".to_owned(),
    };
    let mut line = format!(
        "{}  {}  {:<7}  attempts={}  {when}",
        job.job_id(),
        state.kind.as_str(),
        state.status.as_str(),
        state.attempts
    );
    if let Some(error) = state.last_error.as_deref().filter(|e| !e.is_empty()) {
        line.push_str("  ");
        line.push_str(&one_line(error, LINE_ERROR_CHARS));
    }
    line
}

/// `text` on one line (line breaks and tabs as spaces), cut to `max` characters with an
/// ellipsis.
fn one_line(text: &str, max: usize) -> String {
    let flat = text.trim().chars().map(|c| if c.is_control() { ' ' } else { c });
    if text.trim().chars().count() <= max {
        return flat.collect();
    }
    let mut cut: String = flat.take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The report of `jobs stats`: a count per status and per kind, and the oldest due job's age.
pub fn stats_table(stats: &JobStats) -> String {
    let mut out = String::from("status    jobs\n");
    for (status, count) in &stats.by_status {
        out.push_str(&format!("{:<9} {count:>5}\n", status.as_str()));
    }
    out.push_str(&format!("{:<9} {:>5}\n\nkind      jobs\n", "total", stats.by_status.values().sum::<usize>()));
    for (kind, count) in &stats.by_kind {
        out.push_str(&format!("{:<9} {count:>5}\n", kind.as_str()));
    }
    match stats.oldest_due_age {
        Some(age) => out.push_str(&format!("\noldest due job waiting {}\n", human_duration(age))),
        None => out.push_str("\nno job is due\n"),
    }
    out
}

/// `2d 3h`, `4h 05m`, `7m 09s`, `12s`: an age as an operator reads it.
pub fn human_duration(age: Duration) -> String {
    let seconds = age.whole_seconds().max(0);
    let (days, hours, minutes, secs) = (seconds / 86_400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    match (days, hours, minutes) {
        (0, 0, 0) => format!("{secs}s"),
        (0, 0, _) => format!("{minutes}m {secs:02}s"),
        (0, _, _) => format!("{hours}h {minutes:02}m"),
        _ => format!("{days}d {hours}h"),
    }
}

/// The configuration sync plans of every channel that syncs into Genesys Cloud channel
/// `channel` (`ex plan`): what `ex apply` would change, object by object.
pub async fn plan_ex_sync(app: &App, channel: &str) -> Result<Vec<ccbridge::ex::sync::account::ChannelPlan>, String> {
    let id = ChannelId::try_from(channel.to_owned())?;
    if app.config.get::<ccbridge::config::GenesysCloudChannel>(&id).is_none() {
        return Err(format!("no genesys_cloud channel {channel} in the configuration"));
    }
    let mut plans = Vec::new();
    for platform in ccbridge::ex::sync::account::synced_channels(app, Some(&id)) {
        let plan = ccbridge::ex::sync::account::plan_channel(app, platform).await;
        plans.push(plan.map_err(|e| format!("{}: {e}", platform.id()))?);
    }
    if plans.is_empty() {
        return Err(format!(
            "no channel syncs into {channel}: give a UIS channel `genesys = \"{channel}\"`, `data_api` and \
             `[channel.ex.sync]`, or a WDE channel `genesys` and `[channel.ex.sync]`"
        ));
    }
    Ok(plans)
}

/// Plans and applies every sync into Genesys Cloud channel `channel` (`ex apply`), calling
/// `progress` with (done, of, action) after each change. A 429 waits the time Genesys asks for
/// (`wait` sleeps it) and plans again, so nothing is made twice; the changes applied.
pub async fn apply_ex_sync(
    app: &App,
    channel: &str,
    mut progress: impl FnMut(usize, usize, &ccbridge::ex::sync::plan::Action),
    wait: impl AsyncFn(std::time::Duration),
) -> Result<usize, String> {
    use ccbridge::ex::sync::apply::SyncError;
    let mut applied = 0;
    loop {
        let plans = plan_ex_sync(app, channel).await?;
        let total: usize = plans.iter().map(|p| p.actions.len()).sum();
        if total == 0 {
            return Ok(applied);
        }
        let mut stopped = None;
        for plan in &plans {
            let start = applied;
            let result = ccbridge::ex::sync::account::apply_plan(app, plan, |done, action| {
                progress(start + done, start + total, action)
            })
            .await;
            match result {
                Ok(done) => applied += done,
                Err(SyncError::RateLimited { retry_after }) => {
                    stopped = Some(retry_after);
                    break;
                }
                Err(other) => return Err(format!("{}: {other}", plan.platform)),
            }
        }
        match stopped {
            Some(retry_after) => wait(retry_after).await,
            None => return Ok(applied),
        }
    }
}

/// Which records a CRM import file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrmRecords {
    Contacts,
    Companies,
}

impl CrmRecords {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contacts => "contacts",
            Self::Companies => "companies",
        }
    }

    /// The columns a file of these records may have.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Self::Contacts => &crm_import::CONTACT_FIELDS,
            Self::Companies => &crm_import::COMPANY_FIELDS,
        }
    }
}

/// What `crm import` did with a file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvImport {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Rows skipped; each is in `errors`.
    pub failed: usize,
    /// Why each skipped row was skipped, by line: `line 3: phone: not a phone number …`.
    pub errors: Vec<String>,
}

impl CsvImport {
    /// The summary line `crm import` prints.
    pub fn summary(&self, records: CrmRecords) -> String {
        format!(
            "{}: {} created, {} updated, {} unchanged, {} failed",
            records.as_str(),
            self.created,
            self.updated,
            self.unchanged,
            self.failed
        )
    }
}

/// The country a file's phone numbers without a country code are read in: `given`, else the
/// `default_country` of the first UIS or WDE channel of `tenant`. A tenant with neither is
/// refused: no search could find what it imports.
pub fn crm_import_country(config: &Config, tenant: &TenantId, given: Option<Country>) -> Result<Country, String> {
    let channel_country = crm_import::tenant_country(config, tenant)
        .ok_or_else(|| format!("tenant {} has no UIS or WDE channel in the configuration", tenant.as_str()))?;
    Ok(given.unwrap_or(channel_country))
}

/// Imports the contacts or companies of a CSV file for `tenant`, through the same checks and
/// writes as `POST /crm/contacts` and `POST /crm/companies` ([`ccbridge::crm::import`]).
///
/// The first row names the columns ([`CrmRecords::columns`], in any order, `external_id`
/// required); an empty cell is an absent field. A bad row (a field that fails its check, an
/// external id an earlier row has, a contact's company not imported, a row CSV cannot read) is
/// reported with its line and skipped; the others are written in batches of
/// [`crm_import::MAX_RECORDS`], `progress(done, total)` called after each. A header that is
/// not one of these files, or a failing table, stops the import: running it again is safe,
/// since what was written is `unchanged` the second time.
pub async fn import_crm_csv(
    store: &Store,
    tenant: &TenantId,
    country: Country,
    records: CrmRecords,
    file: impl std::io::Read,
    mut progress: impl FnMut(usize, usize),
) -> Result<CsvImport, String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).trim(csv::Trim::All).from_reader(file);
    let header: Vec<String> =
        reader.headers().map_err(|e| format!("the header row: {e}"))?.iter().map(str::to_ascii_lowercase).collect();
    check_header(&header, records)?;
    let mut rows: Vec<(u64, Value)> = Vec::new();
    let mut report = CsvImport::default();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for row in reader.records() {
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                report.failed += 1;
                report.errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let line = row.position().map_or(0, |p| p.line());
        if row.len() > header.len() {
            report.failed += 1;
            report.errors.push(format!("line {line}: {} fields, the header has {}", row.len(), header.len()));
            continue;
        }
        let fields: serde_json::Map<String, Value> = header
            .iter()
            .zip(row.iter())
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, value)| (name.clone(), Value::String(value.to_owned())))
            .collect();
        let value = Value::Object(fields);
        if let Some(external_id) = value.get("external_id").and_then(Value::as_str) {
            if let Some(first) = first_line_of.get(external_id) {
                report.failed += 1;
                report.errors.push(format!("line {line}: external_id: line {first} has the same external_id"));
                continue;
            }
            first_line_of.insert(external_id.to_owned(), line);
        }
        rows.push((line, value));
    }
    let total = rows.len();
    progress(0, total);
    let origin = "import:csv";
    let now = ccbridge::clock::now();
    let mut done = 0;
    for batch in rows.chunks(crm_import::MAX_RECORDS) {
        let lines: Vec<u64> = batch.iter().map(|(line, _)| *line).collect();
        let values = batch.iter().map(|(_, value)| value.clone());
        let results = match records {
            CrmRecords::Contacts => {
                let entries: Vec<_> = values.map(|v| crm_import::Entry::contact(v, country)).collect();
                crm_import::import_contacts(store, tenant, origin, &entries, now).await
            }
            CrmRecords::Companies => {
                let entries: Vec<_> = values.map(|v| crm_import::Entry::company(v, country)).collect();
                crm_import::import_companies(store, tenant, &entries).await
            }
        }
        .map_err(|e| format!("{e} (after {done} of {total} rows; running the import again is safe)"))?;
        for (line, result) in lines.into_iter().zip(results) {
            match result {
                Ok(imported) => match imported.outcome {
                    crm_import::Outcome::Created => report.created += 1,
                    crm_import::Outcome::Updated => report.updated += 1,
                    crm_import::Outcome::Unchanged => report.unchanged += 1,
                },
                Err(invalid) => {
                    report.failed += 1;
                    report.errors.push(match &invalid.field {
                        Some(field) => format!("line {line}: {field}: {}", invalid.message),
                        None => format!("line {line}: {}", invalid.message),
                    });
                }
            }
        }
        done += batch.len();
        progress(done, total);
    }
    report.errors.sort_by_key(|e| line_of(e));
    Ok(report)
}

/// The line an error line names, for listing them in file order.
fn line_of(error: &str) -> u64 {
    error.strip_prefix("line ").and_then(|rest| rest.split(':').next()).and_then(|n| n.parse().ok()).unwrap_or(0)
}

/// Refuses a header that is not one of a file of `records`: unknown or repeated columns, or no
/// `external_id`.
fn check_header(header: &[String], records: CrmRecords) -> Result<(), String> {
    let known = records.columns();
    let mut seen = std::collections::HashSet::new();
    for column in header {
        if !known.contains(&column.as_str()) {
            return Err(format!(
                "the header row names {column:?}, which is not a column of {}: {}",
                records.as_str(),
                known.join(", ")
            ));
        }
        if !seen.insert(column.as_str()) {
            return Err(format!("the header row names {column:?} twice"));
        }
    }
    if !seen.contains("external_id") {
        return Err("the header row has no external_id column".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ccbridge::uis::call::CallSessionId;
    use time::macros::datetime;

    use super::*;
    use ccbridge::recordings::job::RecordingJob;

    const NOW: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

    fn channel(id: &str) -> ChannelId {
        ChannelId::try_from(id.to_owned()).unwrap()
    }

    fn job(channel_id: &str, call: u64, created: OffsetDateTime) -> AnyJob {
        AnyJob::Recording(RecordingJob::pending(
            &channel(channel_id),
            CallSessionId(call),
            "0123456789abcdef0123",
            "https://rec.example/r",
            "rec.example",
            None,
            created,
        ))
    }

    fn with(job: AnyJob, status: JobStatus, due_at: Option<OffsetDateTime>) -> AnyJob {
        let AnyJob::Recording(mut job) = job else { unreachable!("recording jobs only") };
        job.job.status = status;
        job.job.due_at = due_at;
        AnyJob::Recording(job)
    }

    /// `job` back to `pending`, if `which` and `filter` take it at `now`.
    fn requeued(job: &AnyJob, which: Requeueable, filter: &JobFilter, now: OffsetDateTime) -> Option<JobState> {
        takes(job, which, filter, now).then(|| job.state().requeued(now)).flatten()
    }

    #[test]
    fn arguments_are_parsed_or_refused_with_the_allowed_values() {
        assert_eq!(parse_status("failed"), Ok(JobStatus::Failed));
        assert_eq!(
            parse_status("Failed").unwrap_err(),
            r#"unknown job status "Failed"; one of: pending, running, retry, done, failed"#
        );
        assert_eq!(parse_kind("recording"), Ok(JobKind::Recording));
        assert_eq!(parse_kind("conversation"), Ok(JobKind::Conversation));
        assert_eq!(
            parse_kind("chat").unwrap_err(),
            r#"unknown job kind "chat"; one of: recording, conversation, agent_state, employee_state, config_sync"#
        );
        assert_eq!(parse_channel("uis-main"), Ok(channel("uis-main")));
        assert!(parse_channel("UIS main").unwrap_err().contains("a-z, 0-9 and -"));
        assert_eq!(Requeueable::parse("stuck"), Ok(Requeueable::Stuck));
        assert_eq!(Requeueable::parse("failed"), Ok(Requeueable::Failed));
        assert!(Requeueable::parse("running").unwrap_err().contains("one of: failed, stuck"));
        assert_eq!(job_key("uis-a:12345:0123456789abcdef0123"), Ok(job("uis-a", 12345, NOW).key()));
        assert!(job_key("uis-a:12345").unwrap_err().contains("is not a job id"));
        assert_eq!(job_key("uis-a:12345:conversation").map(|k| k.sk), Ok("CONVERSATION".to_string()));
    }

    #[test]
    fn a_filter_takes_a_job_when_every_criterion_set_holds() {
        let failed = with(job("uis-a", 1, NOW), JobStatus::Failed, None);
        assert!(JobFilter::default().matches(&failed));
        let of = |status, kind, channel_id: Option<&str>| JobFilter { status, kind, channel: channel_id.map(channel) };
        assert!(of(Some(JobStatus::Failed), Some(JobKind::Recording), Some("uis-a")).matches(&failed));
        assert!(!of(Some(JobStatus::Pending), None, None).matches(&failed));
        assert!(!of(None, None, Some("uis-b")).matches(&failed));
        assert_eq!(of(None, None, None).statuses(), JobStatus::ALL.to_vec());
        assert_eq!(of(Some(JobStatus::Retry), None, None).statuses(), vec![JobStatus::Retry]);
    }

    #[test]
    fn failed_and_stuck_jobs_are_requeued_and_others_left_alone() {
        let any = JobFilter::default();
        let failed = with(job("uis-a", 1, NOW), JobStatus::Failed, None);
        let back = requeued(&failed, Requeueable::Both, &any, NOW).expect("failed jobs requeue");
        assert_eq!((back.status, back.attempts, back.due_at), (JobStatus::Pending, 0, Some(NOW)));
        assert!(requeued(&failed, Requeueable::Stuck, &any, NOW).is_none());

        let stuck = with(job("uis-a", 2, NOW), JobStatus::Running, Some(NOW - Duration::minutes(1)));
        assert!(requeued(&stuck, Requeueable::Stuck, &any, NOW).is_some());
        assert!(requeued(&stuck, Requeueable::Failed, &any, NOW).is_none());
        let leased = with(job("uis-a", 3, NOW), JobStatus::Running, Some(NOW + Duration::minutes(1)));
        assert!(requeued(&leased, Requeueable::Both, &any, NOW).is_none(), "still within its lease");
        for status in [JobStatus::Pending, JobStatus::Retry, JobStatus::Done] {
            assert!(requeued(&with(job("uis-a", 4, NOW), status, None), Requeueable::Both, &any, NOW).is_none());
        }
        let elsewhere = JobFilter { channel: Some(channel("uis-b")), ..JobFilter::default() };
        assert!(requeued(&failed, Requeueable::Both, &elsewhere, NOW).is_none());
        assert_eq!(Requeueable::default().statuses(), &[JobStatus::Failed, JobStatus::Running]);
    }

    #[test]
    fn listings_from_several_partitions_are_merged_newest_first() {
        let old = job("uis-a", 1, NOW - Duration::hours(2));
        let new = job("uis-a", 2, NOW);
        let middle = with(job("uis-a", 3, NOW - Duration::hours(1)), JobStatus::Failed, None);
        let ids = |jobs: Vec<AnyJob>| jobs.iter().map(|j| j.job_id().to_owned()).collect::<Vec<_>>();
        let merged = newest_first(vec![old.clone(), new.clone(), middle.clone()], 2);
        assert_eq!(ids(merged), ids(vec![new, middle]));
    }

    #[test]
    fn the_due_time_is_read_from_the_sort_key() {
        let at = datetime!(2026-03-01 11:59:30.123456 UTC);
        assert_eq!(due_of_sort_key(&format!("{}#uis-a:1:0123456789abcdef0123", micros(at))), Some(at));
        assert_eq!(due_of_sort_key("2026-03-01T11:59:30Z"), Some(datetime!(2026-03-01 11:59:30 UTC)));
        assert_eq!(due_of_sort_key("yesterday#uis-a:1:x"), None);
        assert_eq!(due_of_sort_key(""), None);
    }

    #[test]
    fn a_job_is_one_line_with_its_error_cut() {
        let pending = job("uis-a", 1, NOW + Duration::microseconds(123_456));
        assert_eq!(
            job_line(&pending),
            "uis-a:1:0123456789abcdef0123  recording  pending  attempts=0  due=2026-03-01T12:00:00Z"
        );
        let AnyJob::Recording(mut failed) = with(job("uis-a", 1, NOW), JobStatus::Failed, None) else { unreachable!() };
        failed.job.attempts = 5;
        failed.job.finished_at = Some(NOW);
        failed.job.last_error = Some(format!("HTTP 500\n{}", "x".repeat(300)));
        let line = job_line(&AnyJob::Recording(failed));
        assert!(
            line.starts_with("uis-a:1:0123456789abcdef0123  recording  failed   attempts=5  finished=2026-03-01T12:00:00Z  HTTP 500 xxx"),
            "{line}"
        );
        let error = line.split("  ").last().unwrap();
        assert_eq!(error.chars().count(), LINE_ERROR_CHARS);
        assert!(error.ends_with('…'));
        assert_eq!(one_line(" short\terror ", 120), "short error");
    }

    #[test]
    fn stats_print_as_a_table() {
        let mut stats = JobStats {
            by_status: JobStatus::ALL.map(|s| (s, 0)).into(),
            by_kind: [(JobKind::Recording, 7)].into(),
            oldest_due_age: Some(Duration::seconds(4 * 60 + 9)),
        };
        stats.by_status.insert(JobStatus::Done, 5);
        stats.by_status.insert(JobStatus::Failed, 2);
        assert_eq!(
            stats_table(&stats),
            "status    jobs\npending       0\nrunning       0\nretry         0\ndone          5\nfailed        2\ntotal         7\n\n\
             kind      jobs\nrecording     7\n\noldest due job waiting 4m 09s\n"
        );
        stats.oldest_due_age = None;
        assert!(stats_table(&stats).ends_with("\nno job is due\n"));
        assert_eq!(human_duration(Duration::seconds(12)), "12s");
        assert_eq!(human_duration(Duration::minutes(125)), "2h 05m");
        assert_eq!(human_duration(Duration::hours(51)), "2d 3h");
        assert_eq!(human_duration(Duration::seconds(-3)), "0s");
    }
}
