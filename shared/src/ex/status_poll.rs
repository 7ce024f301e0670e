//! The UIS employee status poll. UIS does not push employees' statuses: every `data_api.poll_seconds`
//! a schedule reads them (`get.employees`, only `id` and `status_id`: one point per 10,000
//! employees) and compares them with the last snapshot (`EMPSTATUS#<channel>` / `SNAPSHOT`), so
//! only employees whose status changed get a job ([`super::employee_job`]) that sends the new
//! presence; an unchanged poll sends nothing (it only moves the snapshot's time on).
//!
//! A status id is resolved through the account's catalogue (`get.statuses`, read again when an
//! hour old or when an employee has a status it does not know) to its mnemonic, or its name for a custom status, and then
//! to a presence: the channel's `ex.statuses` (by mnemonic or name) first, else
//!
//! | UIS status | presence |
//! |---|---|
//! | `available`, `auto_out_call` | `OnQueue` |
//! | `break` | `Break` |
//! | `do_not_disturb` | `Busy` |
//! | `not_at_workplace` | `Away` |
//! | `not_at_work` | `Offline` |
//! | a custom status | `Busy` (as Genesys's connector does for an unmapped reason) |
//! | `unknown` | not sent |
//!
//! UIS does not say when a status changed: the change is dated by the poll that saw it. The
//! account's points are shared with its other integrations: when the day's remaining points fall
//! to `data_api.reserve_points`, polling pauses until the day's reset; a `limit_exceeded` pauses
//! it for the time UIS gives. A snapshot is written with the jobs of the employees it moved on
//! (at most 99 a transaction), so a poll cut short resumes where it stopped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use super::agents::{Catalogued, presence_of};
use super::employee::{EmployeeEvent, Status};
use super::employee_job::{EmployeeJob, Mapped};
use crate::App;
use crate::config::common::ChannelId;
use crate::store::{Entity, Key, StoreError, keys};
use crate::uis::config::{DataApiSettings, UisChannel};
use crate::uis::data_api::{self, DataApiError, EmployeeStatus};
use crate::uis::jsonrpc::Limits;

/// How long the status catalogue is trusted before it is read again.
const CATALOGUE_AGE: Duration = Duration::hours(1);
/// A schedule fires a little early or late: a channel due within this is polled now.
const SLACK: Duration = Duration::seconds(5);
/// Jobs written with one snapshot: a transaction holds 100 items.
const CHUNK: usize = 99;

/// What the last poll of a channel saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSnapshot {
    pub channel: ChannelId,
    /// Status id → the catalogue's entry.
    pub statuses: BTreeMap<u64, Catalogued>,
    #[serde(with = "time::serde::rfc3339")]
    pub statuses_read_at: OffsetDateTime,
    /// UIS employee id → status id, of the employees mapped to a Genesys user.
    pub employees: BTreeMap<String, u64>,
    #[serde(with = "time::serde::rfc3339")]
    pub polled_at: OffsetDateTime,
    /// No poll before this: the account's points are spent or reserved.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub paused_until: Option<OffsetDateTime>,
}

impl Entity for StatusSnapshot {
    const TYPE: &'static str = "employee_status_snapshot";

    fn key(&self) -> Key {
        keys::status_snapshot(self.channel.as_str())
    }
}

/// Why a channel could not be polled.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    DataApi(#[from] DataApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one poll of a channel did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    /// Polled now; otherwise it was not due or is paused.
    pub polled: bool,
    /// Mapped employees whose status changed: one job each.
    pub changed: usize,
    /// Employees the account has that map to no Genesys user: counted, not sent.
    pub unmapped: usize,
    /// Data API requests made (one point each).
    pub requests: u32,
    pub paused_until: Option<OffsetDateTime>,
}

/// Polls every UIS channel that reads its statuses and is due.
pub async fn poll_all(app: &App) -> Vec<(ChannelId, Result<PollReport, PollError>)> {
    let mut reports = Vec::new();
    for channel in app.config.all::<UisChannel>() {
        if channel.data_api.is_some() && channel.genesys.is_some() && channel.ex.is_some() {
            let report = poll(app, channel).await;
            match &report {
                Ok(r) => {
                    tracing::info!(channel = %channel.id, polled = r.polled, changed = r.changed, unmapped = r.unmapped, requests = r.requests, "employee statuses polled")
                }
                Err(error) => tracing::warn!(channel = %channel.id, %error, "employee statuses not polled"),
            }
            reports.push((channel.id.clone(), report));
        }
    }
    reports
}

/// Polls `channel` if it is due.
pub async fn poll(app: &App, channel: &UisChannel) -> Result<PollReport, PollError> {
    let (Some(settings), Some(genesys), Some(ex)) = (&channel.data_api, &channel.genesys, &channel.ex) else {
        return Ok(PollReport::default());
    };
    let now = app.clock.now();
    let key = keys::status_snapshot(channel.id.as_str());
    let previous: Option<StatusSnapshot> = app.store.get(&key).await?;
    if let Some(previous) = &previous {
        let due = previous.polled_at + Duration::seconds(i64::try_from(settings.poll_seconds).unwrap_or(i64::MAX));
        let paused = previous.paused_until.is_some_and(|until| until > now);
        if paused || due > now + SLACK {
            return Ok(PollReport { paused_until: previous.paused_until.filter(|_| paused), ..PollReport::default() });
        }
    }
    let http = &app.clients.uis_call_api;
    let pause = |after: u64| now + Duration::seconds(i64::try_from(after).unwrap_or(86_400));
    let read = read_account(http, settings, previous.as_ref(), now);
    let Account { statuses, statuses_read_at, employees, requests, limits } = match read.await {
        Ok(read) => read,
        Err(DataApiError::LimitExceeded { retry_after }) => {
            let until = pause(retry_after);
            pause_polls(app, channel, previous.as_ref(), until, now).await?;
            return Ok(PollReport { polled: true, paused_until: Some(until), ..PollReport::default() });
        }
        Err(error) => return Err(error.into()),
    };
    let paused_until = limits.reserve_reached(settings.reserve_points).then(|| pause(limits.day_reset.unwrap_or(3600)));
    let mut report = PollReport { polled: true, requests, paused_until, ..PollReport::default() };

    let before = previous.map(|p| p.employees).unwrap_or_default();
    let mut changed: Vec<(String, &String, u64)> = Vec::new();
    for employee in &employees {
        let id = employee.id.to_string();
        let Some(user) = ex.users.get(&id) else {
            report.unmapped += 1;
            continue;
        };
        if let Some(status) = employee.status_id
            && before.get(&id) != Some(&status)
        {
            changed.push((id, user, status));
        }
    }
    report.changed = changed.len();
    let mut snapshot = StatusSnapshot {
        channel: channel.id.clone(),
        statuses,
        statuses_read_at,
        employees: before,
        polled_at: now,
        paused_until,
    };
    let mut pending = changed.as_slice();
    loop {
        let (chunk, rest) = pending.split_at(pending.len().min(CHUNK));
        let mut writes = Vec::new();
        for (id, user, status) in chunk {
            snapshot.employees.insert(id.clone(), *status);
            let Some(entry) = snapshot.statuses.get(status) else { continue };
            let Some(presence) = presence_of(entry, &ex.statuses) else { continue };
            let name = entry.mnemonic.clone().unwrap_or_else(|| entry.name.clone());
            let event = EmployeeEvent::Status(Status { name, presence, at: now });
            let who = Mapped { channel: &channel.id, employee: id, user_id: user, genesys };
            for job in EmployeeJob::for_event(who, event, now) {
                writes.push(job.upsert_write(&app.store)?);
            }
        }
        let next = snapshot.clone();
        app.store.merge_with::<StatusSnapshot, _>(&key, |_| Ok(Some((next.clone(), writes.clone())))).await?;
        if rest.is_empty() {
            break;
        }
        pending = rest;
    }
    Ok(report)
}

/// What one poll read of the account.
struct Account {
    statuses: BTreeMap<u64, Catalogued>,
    statuses_read_at: OffsetDateTime,
    employees: Vec<EmployeeStatus>,
    requests: u32,
    limits: Limits,
}

/// Reads the employees' statuses, and the catalogue when the last one is old or does not know
/// a status an employee has.
async fn read_account(
    http: &reqwest::Client,
    settings: &DataApiSettings,
    previous: Option<&StatusSnapshot>,
    now: OffsetDateTime,
) -> Result<Account, DataApiError> {
    let catalogue = |statuses: Vec<data_api::Status>| -> BTreeMap<u64, Catalogued> {
        statuses.into_iter().map(|s| (s.id, Catalogued { name: s.name, mnemonic: s.mnemonic })).collect()
    };
    let employees = data_api::employee_statuses(http, settings).await?;
    let mut requests = employees.requests;
    let known = previous
        .filter(|p| p.statuses_read_at + CATALOGUE_AGE > now)
        .filter(|p| employees.items.iter().filter_map(|e| e.status_id).all(|s| p.statuses.contains_key(&s)));
    let (statuses, statuses_read_at) = match known {
        Some(p) => (p.statuses.clone(), p.statuses_read_at),
        None => {
            let page = data_api::statuses(http, settings).await?;
            requests += page.requests;
            (catalogue(page.items), now)
        }
    };
    Ok(Account { statuses, statuses_read_at, employees: employees.items, requests, limits: employees.limits })
}

/// Records that polling waits until `until`, keeping what the last poll saw.
async fn pause_polls(
    app: &App,
    channel: &UisChannel,
    previous: Option<&StatusSnapshot>,
    until: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(), StoreError> {
    let snapshot = match previous {
        Some(p) => StatusSnapshot { paused_until: Some(until), ..p.clone() },
        None => StatusSnapshot {
            channel: channel.id.clone(),
            statuses: BTreeMap::new(),
            statuses_read_at: OffsetDateTime::UNIX_EPOCH,
            employees: BTreeMap::new(),
            polled_at: now,
            paused_until: Some(until),
        },
    };
    app.store.merge_with::<StatusSnapshot, _>(&snapshot.key(), |_| Ok(Some((snapshot.clone(), Vec::new())))).await?;
    Ok(())
}
