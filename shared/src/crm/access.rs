//! Who may read and write a tenant's CRM records through the API: the `X-API-KEY` of any UIS
//! or WDE channel selects that channel, and the request acts for the channel's tenant, never
//! another. Keys are compared in constant time (through [`Config::by_secret`]).

use crate::ApiError;
use crate::config::Config;
use crate::config::common::{ChannelId, TenantId};
use crate::uis::config::UisChannel;
use crate::wde::config::WdeChannel;

/// The header carrying the key.
pub const API_KEY_HEADER: &str = "x-api-key";

/// The channel a key selects and the tenant it acts for.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub channel: &'a ChannelId,
    pub tenant: &'a TenantId,
}

/// The caller a presented key selects: 401 when it is missing, matches no channel, or matches
/// a UIS and a WDE channel of different tenants (keys are unique only within a kind).
pub fn caller<'a>(config: &'a Config, key: Option<&str>) -> Result<Caller<'a>, ApiError> {
    let presented = key.filter(|k| !k.is_empty()).ok_or(ApiError::Unauthorized("credentials are missing"))?;
    let uis = config.by_secret::<UisChannel>(presented.as_bytes(), |c| &c.api_key);
    let wde = config.by_secret::<WdeChannel>(presented.as_bytes(), |c| &c.api_key);
    match (uis, wde) {
        (Some(u), Some(w)) if u.tenant != w.tenant => Err(ApiError::Unauthorized("credentials are not valid")),
        (Some(u), _) => Ok(Caller { channel: &u.id, tenant: &u.tenant }),
        (None, Some(w)) => Ok(Caller { channel: &w.id, tenant: &w.tenant }),
        (None, None) => Err(ApiError::Unauthorized("credentials are not valid")),
    }
}
