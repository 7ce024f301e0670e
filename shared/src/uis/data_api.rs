//! The UIS Data API (v2.0): JSON-RPC 2.0 over HTTPS, one request per call, the channel's key as
//! `params.access_token`. ccbridge reads the account's status catalogue (`get.statuses`) and
//! each employee's current status (`get.employees`, only `id` and `status_id`) for agent states,
//! and for configuration sync its employees (`id`, `full_name`, `email`), groups with their
//! members (`get.group_employees`) and tags (`get.tags`).
//!
//! Every successful request costs the account one point of its minute and day budgets, which
//! other integrations share; each [`Page`] carries the `metadata.limits` of its last answer and
//! the requests it took, so the caller can stay within [`DataApiSettings::reserve_points`].
//! Only documented fields are asked for; ids are read whether UIS sends them as numbers or as
//! strings. No error message carries the token, nor the `value` UIS echoes back.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{Value, json};

use super::config::DataApiSettings;
use super::jsonrpc::{self, Failure, Limits, RpcError};
use crate::metrics::{self, Target};

/// The longest one Data API request may take.
pub const DATA_API_TIMEOUT: Duration = Duration::from_secs(10);
/// The most rows one `get` request may ask for.
pub const MAX_PAGE_SIZE: u32 = 10_000;
/// The furthest `offset` a `get` request may start at.
pub const MAX_OFFSET: u64 = 100_000;

/// Why the account could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DataApiError {
    /// The account's points for the minute or the day are spent: retry after `retry_after`
    /// seconds.
    #[error("the UIS Data API's limit is spent; retry in {retry_after} s")]
    LimitExceeded { retry_after: u64 },
    /// UIS refused ccbridge itself: its key (invalid, expired, blocked), its address (not
    /// allow-listed), its rights or components, or an inactive account. The channel's
    /// configuration or the UIS account has to change.
    #[error("the UIS Data API refused ccbridge's access: {0}")]
    Access(String),
    /// UIS refused a request ccbridge built wrong, or the account holds more rows than paging
    /// reaches: a defect or a limit, not something a retry fixes.
    #[error("the UIS Data API refused the request: {0}")]
    Protocol(String),
    /// UIS could not be reached, failed, or answered something unreadable.
    #[error("the UIS Data API is unavailable: {0}")]
    Unavailable(String),
}

impl DataApiError {
    /// The outcome of a request, as the outbound-call metric counts it.
    pub fn outcome(&self) -> &'static str {
        match self {
            Self::LimitExceeded { .. } => "rate_limited",
            Self::Access(_) | Self::Protocol(_) => "client_error",
            Self::Unavailable(_) => "unreachable",
        }
    }
}

/// A status of the account's catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub id: u64,
    pub name: String,
    /// `available`, `break`, `do_not_disturb`, … for UIS's standard statuses; custom statuses
    /// have none. Ids of standard statuses are not fixed: map them by mnemonic.
    pub mnemonic: Option<String>,
}

/// An employee's current status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmployeeStatus {
    pub id: u64,
    /// `None` when UIS reports no status.
    pub status_id: Option<u64>,
}

/// Every row a read returned, with what it cost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The points left after the last request, as UIS reported them.
    pub limits: Limits,
    /// The requests made, each one point spent.
    pub requests: u32,
}

/// The account's status catalogue (`get.statuses`; deleted statuses are left out).
pub async fn statuses(http: &reqwest::Client, settings: &DataApiSettings) -> Result<Page<Status>, DataApiError> {
    read_all(http, settings, "get.statuses", &["id", "name", "mnemonic"], MAX_PAGE_SIZE, status).await
}

/// Every employee's current status (`get.employees`), in pages of the most UIS allows.
pub async fn employee_statuses(
    http: &reqwest::Client,
    settings: &DataApiSettings,
) -> Result<Page<EmployeeStatus>, DataApiError> {
    employee_statuses_in_pages(http, settings, MAX_PAGE_SIZE).await
}

/// [`employee_statuses`] in pages of `page_size` rows (1 to [`MAX_PAGE_SIZE`]).
pub async fn employee_statuses_in_pages(
    http: &reqwest::Client,
    settings: &DataApiSettings,
    page_size: u32,
) -> Result<Page<EmployeeStatus>, DataApiError> {
    read_all(http, settings, "get.employees", &["id", "status_id"], page_size, employee_status).await
}

/// An employee as configuration sync reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employee {
    pub id: u64,
    pub full_name: String,
    pub email: Option<String>,
}

/// A group of employees (`get.group_employees`): a queue in Genesys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmployeeGroup {
    pub id: u64,
    pub name: String,
    /// Employee ids.
    pub members: Vec<u64>,
}

/// A tag calls are marked with (`get.tags`): a wrap-up code in Genesys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: u64,
    pub name: String,
}

/// Every employee with what a Genesys user is made of (`get.employees`: `id`, `full_name`, `email`).
pub async fn employees(http: &reqwest::Client, settings: &DataApiSettings) -> Result<Page<Employee>, DataApiError> {
    read_all(http, settings, "get.employees", &["id", "full_name", "email"], MAX_PAGE_SIZE, employee).await
}

/// Every group with its members (`get.group_employees`: `id`, `name`, `members`).
pub async fn groups(http: &reqwest::Client, settings: &DataApiSettings) -> Result<Page<EmployeeGroup>, DataApiError> {
    read_all(http, settings, "get.group_employees", &["id", "name", "members"], MAX_PAGE_SIZE, group).await
}

/// Every tag (`get.tags`: `id`, `name`).
pub async fn tags(http: &reqwest::Client, settings: &DataApiSettings) -> Result<Page<Tag>, DataApiError> {
    read_all(http, settings, "get.tags", &["id", "name"], MAX_PAGE_SIZE, tag).await
}

fn text(row: &Value, name: &str) -> Option<String> {
    row.get(name).and_then(Value::as_str).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned)
}

fn employee(row: &Value) -> Result<Employee, String> {
    Ok(Employee {
        id: id(row, "id")?,
        full_name: text(row, "full_name").unwrap_or_default(),
        email: text(row, "email"),
    })
}

fn group(row: &Value) -> Result<EmployeeGroup, String> {
    let members = match row.get("members") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(members)) => members.iter().map(|m| id(m, "employee_id")).collect::<Result<_, _>>()?,
        Some(_) => return Err("a group's members are not a list".into()),
    };
    Ok(EmployeeGroup { id: id(row, "id")?, name: text(row, "name").unwrap_or_default(), members })
}

fn tag(row: &Value) -> Result<Tag, String> {
    Ok(Tag { id: id(row, "id")?, name: text(row, "name").unwrap_or_default() })
}

fn status(row: &Value) -> Result<Status, String> {
    let text = |name: &str| row.get(name).and_then(Value::as_str).map(str::to_owned);
    Ok(Status {
        id: id(row, "id")?,
        name: text("name").unwrap_or_default(),
        mnemonic: text("mnemonic").filter(|m| !m.is_empty()),
    })
}

fn employee_status(row: &Value) -> Result<EmployeeStatus, String> {
    let status_id = match row.get("status_id") {
        None | Some(Value::Null) => None,
        Some(_) => Some(id(row, "status_id")?),
    };
    Ok(EmployeeStatus { id: id(row, "id")?, status_id })
}

/// A row's id field, a number or a string of digits.
fn id(row: &Value, name: &str) -> Result<u64, String> {
    row.get(name).and_then(jsonrpc::lenient_u64).ok_or_else(|| format!("a row has no readable {name}"))
}

/// Reads every row of a `get` method, page after page until `metadata.total_items` are read.
async fn read_all<T>(
    http: &reqwest::Client,
    settings: &DataApiSettings,
    method: &str,
    fields: &[&str],
    page_size: u32,
    row: fn(&Value) -> Result<T, String>,
) -> Result<Page<T>, DataApiError> {
    let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
    let mut page = Page { items: Vec::new(), limits: Limits::default(), requests: 0 };
    let mut offset: u64 = 0;
    loop {
        let params = json!({
            "access_token": settings.access_token.expose_secret(),
            "fields": fields,
            "limit": page_size,
            "offset": offset,
        });
        let answer = request(http, settings, method, params).await;
        metrics::outbound(Target::UisDataApi, answer.as_ref().map_or_else(DataApiError::outcome, |_| "ok"));
        let (rows, limits, total) = answer?;
        page.requests += 1;
        page.limits = limits;
        let read = rows.len() as u64;
        for value in &rows {
            page.items.push(row(value).map_err(|why| DataApiError::Unavailable(format!("{method}: {why}")))?);
        }
        match next_offset(offset, read, total, page_size) {
            Ok(Some(next)) => offset = next,
            Ok(None) => return Ok(page),
            Err(why) => return Err(DataApiError::Protocol(format!("{method}: {why}"))),
        }
    }
}

/// Where the next page starts after `read` rows at `offset`, `None` once every row is read, or
/// why the rest cannot be reached by paging (`offset` at most [`MAX_OFFSET`]).
fn next_offset(offset: u64, read: u64, total: Option<u64>, page_size: u32) -> Result<Option<u64>, String> {
    let next = offset + read;
    let done = match total {
        Some(total) => read == 0 || next >= total,
        None => read < u64::from(page_size),
    };
    if done {
        return Ok(None);
    }
    if next > MAX_OFFSET || total.is_some_and(|t| t > MAX_OFFSET + u64::from(page_size)) {
        let total = total.map_or_else(|| "more".to_owned(), |t| t.to_string());
        return Err(format!("the account holds {total} rows, more than paging reaches ({MAX_OFFSET} + {page_size})"));
    }
    Ok(Some(next))
}

/// One request: its `data` rows, its limits and its `total_items`.
async fn request(
    http: &reqwest::Client,
    settings: &DataApiSettings,
    method: &str,
    params: Value,
) -> Result<(Vec<Value>, Limits, Option<u64>), DataApiError> {
    let body = jsonrpc::request(method, params);
    let answer =
        jsonrpc::call(http, settings.url.as_str(), body, Some(DATA_API_TIMEOUT)).await.map_err(
            |failure| match failure {
                Failure::LimitExceeded { retry_after } => DataApiError::LimitExceeded { retry_after },
                Failure::Unavailable(why) => DataApiError::Unavailable(why),
            },
        )?;
    read_answer(answer, settings.access_token.expose_secret())
}

/// Reads a `get` answer; `token` is kept out of every message.
fn read_answer(answer: jsonrpc::Answer, token: &str) -> Result<(Vec<Value>, Limits, Option<u64>), DataApiError> {
    if let Some(error) = answer.error {
        return Err(classify(&error, token));
    }
    let Some(Value::Object(mut result)) = answer.result else {
        return Err(DataApiError::Unavailable("the answer has no result".into()));
    };
    let Some(Value::Array(rows)) = result.remove("data") else {
        return Err(DataApiError::Unavailable("the answer has no data array".into()));
    };
    let metadata = result.get("metadata");
    let limits = metadata.and_then(|m| m.get("limits")).map(Limits::read).unwrap_or_default();
    let total = metadata.and_then(|m| m.get("total_items")).and_then(jsonrpc::lenient_u64);
    Ok((rows, limits, total))
}

fn classify(error: &RpcError, token: &str) -> DataApiError {
    let named = error.named();
    let field = error.field();
    let text = if field.is_empty() { named } else { format!("{named} (parameter {field:?})") };
    // A mnemonic or a field is a word UIS chose, but the server is not trusted with the token.
    let text = if token.is_empty() { text } else { text.replace(token, "<access_token>") };
    match error.group() {
        jsonrpc::Group::Limit => DataApiError::LimitExceeded { retry_after: error.retry_after() },
        jsonrpc::Group::Access => DataApiError::Access(text),
        jsonrpc::Group::Internal => DataApiError::Unavailable(text),
        jsonrpc::Group::Envelope | jsonrpc::Group::Params => DataApiError::Protocol(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "secret-data-api-token";

    fn answer(body: Value) -> Result<(Vec<Value>, Limits, Option<u64>), DataApiError> {
        read_answer(jsonrpc::read(body.to_string().as_bytes()).expect("JSON-RPC"), TOKEN)
    }

    fn error(body: Value) -> DataApiError {
        answer(json!({"jsonrpc": "2.0", "id": "1", "error": body})).expect_err("an error")
    }

    #[test]
    fn a_result_gives_its_rows_limits_and_total() {
        let (rows, limits, total) = answer(json!({"jsonrpc": "2.0", "id": "1", "result": {
            "data": [{"id": 1}], "metadata": {"total_items": "3", "limits": {"day_remaining": 4999, "day_reset": 600,
            "minute_remaining": 29, "minute_reset": 12}}}}))
        .expect("a result");
        assert_eq!((rows.len(), total), (1, Some(3)));
        assert_eq!(
            (limits.day_remaining, limits.day_reset, limits.minute_remaining),
            (Some(4999), Some(600), Some(29))
        );
        assert!(matches!(answer(json!({"result": {"data": {}}})), Err(DataApiError::Unavailable(_))));
        assert!(matches!(answer(json!({"result": null})), Err(DataApiError::Unavailable(_))));
    }

    #[test]
    fn rows_are_read_leniently_but_never_without_an_id() {
        let standard = status(&json!({"id": "1", "name": "Доступен", "mnemonic": "available"})).expect("status");
        assert_eq!(standard, Status { id: 1, name: "Доступен".into(), mnemonic: Some("available".into()) });
        let custom = status(&json!({"id": 7, "name": "Обед", "mnemonic": null})).expect("status");
        assert_eq!(custom.mnemonic, None);
        assert_eq!(status(&json!({"id": 8, "name": null, "mnemonic": ""})).expect("status").mnemonic, None);
        assert!(status(&json!({"name": "x"})).is_err());
        let employee = employee_status(&json!({"id": 2001, "status_id": "3"})).expect("employee");
        assert_eq!(employee, EmployeeStatus { id: 2001, status_id: Some(3) });
        assert_eq!(employee_status(&json!({"id": "2002", "status_id": null})).expect("employee").status_id, None);
        assert!(employee_status(&json!({"id": 2003, "status_id": "busy"})).is_err());
        assert!(employee_status(&json!({"id": -1})).is_err());
    }

    #[test]
    fn paging_follows_total_items_and_stops_where_offsets_end() {
        assert_eq!(next_offset(0, 2, Some(5), 2), Ok(Some(2)));
        assert_eq!(next_offset(4, 1, Some(5), 2), Ok(None));
        assert_eq!(next_offset(2, 0, Some(5), 2), Ok(None), "rows deleted meanwhile end the read");
        assert_eq!(next_offset(0, 10, None, 10), Ok(Some(10)), "without a total a full page asks for more");
        assert_eq!(next_offset(10, 3, None, 10), Ok(None));
        assert_eq!(next_offset(90_000, 10_000, Some(110_000), 10_000), Ok(Some(100_000)));
        assert!(next_offset(0, 10_000, Some(110_001), 10_000).is_err(), "refused before the points are spent");
        assert!(next_offset(100_000, 1, None, 1).is_err());
    }

    #[test]
    fn errors_are_classified_and_never_carry_the_token_or_value() {
        let limit = error(json!({"code": -32029, "message": "Limit per minute", "data": {"mnemonic": "limit_exceeded",
            "metadata": {"limits": {"minute_remaining": 0, "minute_reset": 42, "day_remaining": 10}}}}));
        assert_eq!(limit, DataApiError::LimitExceeded { retry_after: 42 });
        for (code, mnemonic) in [
            (-32001, "access_token_expired"),
            (-32001, "access_token_blocked"),
            (-32003, "ip_not_whitelisted"),
            (-32003, "forbidden"),
            (-32008, "method_component_disabled"),
            (-32009, "account_inactive"),
        ] {
            let access = error(json!({"code": code, "message": format!("token {TOKEN}"),
                "data": {"mnemonic": mnemonic, "field": "access_token", "value": TOKEN}}));
            assert!(matches!(&access, DataApiError::Access(m) if m.contains(mnemonic)), "{access:?}");
            assert!(!access.to_string().contains(TOKEN), "{access}");
        }
        let unexpected = error(json!({"code": -32602, "message": "x",
            "data": {"mnemonic": "unexpected_parameters", "field": "fields", "value": ["status"]}}));
        assert!(matches!(&unexpected, DataApiError::Protocol(m) if m.contains("unexpected_parameters")));
        assert!(matches!(error(json!({"code": -32601, "message": "x"})), DataApiError::Protocol(_)));
        assert!(matches!(error(json!({"code": -32603, "message": "x"})), DataApiError::Unavailable(_)));
        let echoed = error(json!({"code": -32602, "message": TOKEN, "data": {"mnemonic": TOKEN, "field": TOKEN}}));
        assert!(!echoed.to_string().contains(TOKEN), "{echoed}");
    }
}
