//! Configuration sync for one platform channel. A UIS channel's account is read through the Data
//! API (employees, groups with members, tags, statuses: four requests of one point each for up to
//! 10,000 rows); a WDE channel's agents are its configuration. Then the desired state within
//! `[channel.ex.sync]`, the plan against the mapping table, and its apply.

use super::apply::{SyncError, Target, apply};
use super::desired::{Account, Desired, from_uis, from_wde};
use super::mapping::Mappings;
use super::plan::{Action, plan};
use crate::App;
use crate::config::common::ChannelId;
use crate::store::StoreError;
use crate::uis::config::UisChannel;
use crate::uis::data_api::{self, DataApiError};
use crate::wde::config::WdeChannel;

/// Why a channel could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("channel {0} does not sync")]
    NotSynced(ChannelId),
    #[error(transparent)]
    DataApi(#[from] DataApiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A platform channel that syncs into an organisation.
#[derive(Debug, Clone, Copy)]
pub enum Platform<'a> {
    /// With `genesys`, `data_api` and `[channel.ex.sync]`.
    Uis(&'a UisChannel),
    /// With `genesys` and `[channel.ex.sync]`.
    Wde(&'a WdeChannel),
}

impl Platform<'_> {
    pub fn id(&self) -> &ChannelId {
        match self {
            Self::Uis(c) => &c.id,
            Self::Wde(c) => &c.id,
        }
    }

    fn genesys(&self) -> Option<&ChannelId> {
        match self {
            Self::Uis(c) => c.genesys.as_ref(),
            Self::Wde(c) => c.genesys.as_ref(),
        }
    }

    /// How often the schedule syncs it.
    pub fn interval_seconds(&self) -> u64 {
        match self {
            Self::Uis(c) => c.ex.as_ref().and_then(|ex| ex.sync.as_ref()).map_or(300, |s| s.interval_seconds),
            Self::Wde(c) => c.ex.as_ref().and_then(|ex| ex.sync.as_ref()).map_or(300, |s| s.interval_seconds),
        }
    }
}

/// What one channel's sync would change.
#[derive(Debug, Clone)]
pub struct ChannelPlan {
    pub platform: ChannelId,
    pub genesys: ChannelId,
    /// Where users are created; the home division without it.
    pub division: Option<String>,
    pub desired: Desired,
    pub actions: Vec<Action>,
    /// Data API requests the plan took (one point each).
    pub requests: u32,
}

/// The channels that sync into Genesys Cloud channel `genesys` (every one with `None`).
pub fn synced_channels<'a>(app: &'a App, genesys: Option<&ChannelId>) -> Vec<Platform<'a>> {
    let uis = app
        .config
        .all::<UisChannel>()
        .filter(|c| c.data_api.is_some() && c.ex.as_ref().is_some_and(|ex| ex.sync.is_some()));
    let wde = app.config.all::<WdeChannel>().filter(|c| c.ex.as_ref().is_some_and(|ex| ex.sync.is_some()));
    uis.map(Platform::Uis)
        .chain(wde.map(Platform::Wde))
        .filter(|p| p.genesys().is_some_and(|g| genesys.is_none_or(|wanted| g == wanted)))
        .collect()
}

/// The synced channel `id`, if it is one.
pub fn synced_channel<'a>(app: &'a App, id: &ChannelId) -> Option<Platform<'a>> {
    synced_channels(app, None).into_iter().find(|p| p.id() == id)
}

/// Reads `platform`'s configuration and mappings and plans what must change.
pub async fn plan_channel(app: &App, platform: Platform<'_>) -> Result<ChannelPlan, PlanError> {
    let not_synced = || PlanError::NotSynced(platform.id().clone());
    let genesys = platform.genesys().ok_or_else(not_synced)?;
    let (desired, division, requests) = match platform {
        Platform::Uis(channel) => {
            let settings = channel.data_api.as_ref().ok_or_else(not_synced)?;
            let scope = channel.ex.as_ref().and_then(|ex| ex.sync.as_ref()).ok_or_else(not_synced)?;
            let http = &app.clients.uis_call_api;
            let employees = data_api::employees(http, settings).await?;
            let groups = data_api::groups(http, settings).await?;
            let statuses = data_api::statuses(http, settings).await?;
            let tags = match scope.tags {
                true => Some(data_api::tags(http, settings).await?),
                false => None,
            };
            let requests =
                employees.requests + groups.requests + statuses.requests + tags.as_ref().map_or(0, |t| t.requests);
            let tags = tags.map(|t| t.items).unwrap_or_default();
            let account =
                Account { employees: &employees.items, groups: &groups.items, tags: &tags, statuses: &statuses.items };
            let presences = channel.ex.as_ref().map(|ex| ex.statuses.clone()).unwrap_or_default();
            (from_uis(&account, scope, &presences), scope.division.clone(), requests)
        }
        Platform::Wde(channel) => {
            let sync = channel.ex.as_ref().and_then(|ex| ex.sync.as_ref()).ok_or_else(not_synced)?;
            (from_wde(sync), sync.division.clone(), 0)
        }
    };
    let mappings = Mappings::read(&app.store, genesys, platform.id()).await?;
    let actions = plan(&desired, &mappings);
    Ok(ChannelPlan { platform: platform.id().clone(), genesys: genesys.clone(), division, desired, actions, requests })
}

/// Applies a plan, calling `progress` after each action; the actions applied.
pub async fn apply_plan(
    app: &App,
    plan: &ChannelPlan,
    progress: impl FnMut(usize, &Action),
) -> Result<usize, SyncError> {
    let client = app
        .clients
        .genesys(&plan.genesys)
        .ok_or_else(|| SyncError::Inconsistent(format!("Genesys Cloud channel {} is not configured", plan.genesys)))?;
    let target = Target {
        store: &app.store,
        client,
        genesys: &plan.genesys,
        platform: &plan.platform,
        division: plan.division.as_deref(),
        now: app.clock.now(),
    };
    apply(&target, &plan.actions, progress).await
}
