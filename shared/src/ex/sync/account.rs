//! Configuration sync for a UIS channel: its account read through the Data API (employees,
//! groups with members, tags, statuses: four requests of one point each for up to 10,000 rows), the
//! desired state within `[channel.ex.sync]`, the plan against the mapping table, and its apply.

use super::apply::{SyncError, Target, apply};
use super::desired::{Account, Desired, from_uis};
use super::mapping::Mappings;
use super::plan::{Action, plan};
use crate::App;
use crate::config::common::ChannelId;
use crate::store::StoreError;
use crate::uis::config::UisChannel;
use crate::uis::data_api::{self, DataApiError};

/// Why a channel could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("channel {0} does not sync: it needs genesys, data_api and ex.sync")]
    NotSynced(ChannelId),
    #[error(transparent)]
    DataApi(#[from] DataApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one channel's sync would change.
#[derive(Debug, Clone)]
pub struct ChannelPlan {
    pub platform: ChannelId,
    pub genesys: ChannelId,
    pub desired: Desired,
    pub actions: Vec<Action>,
    /// Data API requests the plan took (one point each).
    pub requests: u32,
}

/// The UIS channels that sync into Genesys Cloud channel `genesys` (every one with `None`).
pub fn synced_channels<'a>(app: &'a App, genesys: Option<&'a ChannelId>) -> impl Iterator<Item = &'a UisChannel> {
    app.config.all::<UisChannel>().filter(move |c| {
        c.data_api.is_some()
            && c.ex.as_ref().is_some_and(|ex| ex.sync.is_some())
            && c.genesys.as_ref().is_some_and(|g| genesys.is_none_or(|wanted| g == wanted))
    })
}

/// Reads `channel`'s account and mappings and plans what must change.
pub async fn plan_channel(app: &App, channel: &UisChannel) -> Result<ChannelPlan, PlanError> {
    let not_synced = || PlanError::NotSynced(channel.id.clone());
    let settings = channel.data_api.as_ref().ok_or_else(not_synced)?;
    let genesys = channel.genesys.as_ref().ok_or_else(not_synced)?;
    let scope = channel.ex.as_ref().and_then(|ex| ex.sync.as_ref()).ok_or_else(not_synced)?;
    let http = &app.clients.uis_call_api;
    let employees = data_api::employees(http, settings).await?;
    let groups = data_api::groups(http, settings).await?;
    let tags = match scope.tags {
        true => Some(data_api::tags(http, settings).await?),
        false => None,
    };
    let statuses = data_api::statuses(http, settings).await?;
    let requests = employees.requests + groups.requests + statuses.requests + tags.as_ref().map_or(0, |t| t.requests);
    let tags = tags.map(|t| t.items).unwrap_or_default();
    let account =
        Account { employees: &employees.items, groups: &groups.items, tags: &tags, statuses: &statuses.items };
    let presences = channel.ex.as_ref().map(|ex| ex.statuses.clone()).unwrap_or_default();
    let desired = from_uis(&account, scope, &presences);
    let mappings = Mappings::read(&app.store, genesys, &channel.id).await?;
    let actions = plan(&desired, &mappings);
    Ok(ChannelPlan { platform: channel.id.clone(), genesys: genesys.clone(), desired, actions, requests })
}

/// Applies a plan, calling `progress` after each action; the actions applied.
pub async fn apply_plan(
    app: &App,
    plan: &ChannelPlan,
    progress: impl FnMut(usize, &Action),
) -> Result<usize, SyncError> {
    let channel = app
        .config
        .get::<UisChannel>(&plan.platform)
        .ok_or_else(|| SyncError::Inconsistent(format!("channel {} is not configured", plan.platform)))?;
    let client = app
        .clients
        .genesys(&plan.genesys)
        .ok_or_else(|| SyncError::Inconsistent(format!("Genesys Cloud channel {} is not configured", plan.genesys)))?;
    let division = channel.ex.as_ref().and_then(|ex| ex.sync.as_ref()).and_then(|s| s.division.as_deref());
    let target = Target {
        store: &app.store,
        client,
        genesys: &plan.genesys,
        platform: &plan.platform,
        division,
        now: app.clock.now(),
    };
    apply(&target, &plan.actions, progress).await
}
