//! A local UIS Data API that enforces the documented contract (JSON-RPC 2.0 on `POST /v2.0`),
//! for tests of everything that reads the account's employees and statuses through it.
//!
//! - The envelope, the token ([`TOKEN`]; [`UisDataApi::expire_token`]), the limits (one point
//!   per successful request, a minute and a day budget, `-32029 limit_exceeded` past them),
//!   the scripted failures and the journal are those of [`crate::jsonrpc`], on `POST /v2.0`.
//! - `get.employees`, `get.statuses`, `get.group_employees` and `get.tags` take the documented `get` params — `access_token`,
//!   `user_id`, `limit` (1–10 000, default 1000), `offset` (0–100 000, default 0), `filter`,
//!   `fields`, `sort` — and `get.statuses` also `is_deleted` (default `false`: deleted
//!   statuses are left out; `true` lists them too). Any other param is `unexpected_parameters`,
//!   a wrong type `data_type_error`, a value out of range `invalid_parameter_value`, each naming
//!   the param. A field name in `fields` that the method does not have is
//!   `unexpected_parameters` on `fields`, echoing the name; a filter or sort on a field the
//!   method does not filter or sort by is `filter_prohibited` / `sort_prohibited`.
//! - The answer is `result{data, metadata{limits, total_items}}`: the rows after filtering and
//!   sorting, `offset` and `limit` applied, `total_items` counting every matching row. Without
//!   `fields`, every field the account models is returned; a documented field the account does
//!   not model comes as the platform's empty value (`null`, `[]` or `{}`).
//! - The account: UIS's standard statuses (ids 1–6: available, break, do_not_disturb,
//!   not_at_workplace, not_at_work, unknown; ids are inferred from UIS's own fixtures) and one
//!   custom status without a mnemonic (7, "Обед"); employees 2001 and 2002 (the test
//!   configuration's operators), both `available`; groups and tags as a test adds them.
//! - Unconfirmed, so answered with the nearest documented error: `user_id` with this client
//!   token (`invalid_parameter_value`: only partner tokens act for a user), and filter operators
//!   beyond `=`, `!=`, `<`, `>`, `<=`, `>=`, `in`, `like` (`invalid_parameter_value`). Not
//!   modelled: the IP allow-list, components and rights, `api_version` deprecation metadata.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

pub use crate::jsonrpc::Received;
use crate::jsonrpc::{Api, Checked, Common, RpcError, Server, Success, only};

/// The account's one valid `access_token`.
pub const TOKEN: &str = "local-data-api-token-0123456789";

const MINUTE_LIMIT: u32 = 300;
const DAY_LIMIT: u32 = 100_000;
const MAX_LIMIT: u64 = 10_000;
const DEFAULT_LIMIT: u64 = 1_000;
const MAX_OFFSET: u64 = 100_000;

/// The params every `get` method takes.
const GET_PARAMS: &[&str] = &["access_token", "user_id", "limit", "offset", "filter", "fields", "sort"];

/// How a field of a method's rows may be used.
struct Field {
    name: &'static str,
    filter: bool,
    sort: bool,
    /// The empty value of a field the account does not model.
    empty: fn() -> Value,
}

const fn field(name: &'static str, filter: bool, sort: bool, empty: fn() -> Value) -> Field {
    Field { name, filter, sort, empty }
}

fn null() -> Value {
    Value::Null
}

fn array() -> Value {
    json!([])
}

fn object() -> Value {
    json!({})
}

/// `get.employees`' fields (reference §2).
const EMPLOYEE_FIELDS: &[Field] = &[
    field("id", true, false, null),
    field("login", true, true, null),
    field("first_name", true, true, null),
    field("last_name", true, true, null),
    field("patronymic", false, true, null),
    field("full_name", true, true, null),
    field("email", true, false, null),
    field("status", true, false, null),
    field("status_id", true, false, null),
    field("calls_available", true, true, null),
    field("allowed_in_call_types", true, false, array),
    field("allowed_out_call_types", true, false, array),
    field("in_external_allowed_call_directions", true, false, array),
    field("in_internal_allowed_call_directions", true, false, array),
    field("out_external_allowed_call_directions", true, false, array),
    field("out_internal_allowed_call_directions", true, false, array),
    field("call_recording", true, false, null),
    field("schedule_id", true, false, null),
    field("schedule_name", true, false, null),
    field("coach", true, false, object),
    field("groups", true, false, array),
    field("phone_numbers", true, false, array),
    field("extension", true, false, object),
    field("operator", false, false, object),
];

/// `get.group_employees`' fields (reference §3).
const GROUP_FIELDS: &[Field] = &[
    field("id", true, false, null),
    field("name", true, true, null),
    field("members", false, false, array),
    field("phone_numbers", true, false, array),
    field("group_phone_number", true, true, null),
    field("queue_enabled", true, false, null),
    field("channels_count", true, false, null),
];

/// `get.tags`' fields (reference §4.1, the classic page).
const TAG_FIELDS: &[Field] =
    &[field("id", true, false, null), field("name", true, true, null), field("is_system", true, true, null)];

/// `get.statuses`' fields (reference §5.2).
const STATUS_FIELDS: &[Field] = &[
    field("id", true, false, null),
    field("name", true, true, null),
    field("mnemonic", true, false, null),
    field("description", false, true, null),
    field("color", false, false, null),
    field("is_deleted", false, true, null),
    field("in_external_allowed_call_directions", false, false, array),
    field("in_internal_allowed_call_directions", false, false, array),
    field("out_external_allowed_call_directions", false, false, array),
    field("out_internal_allowed_call_directions", false, false, array),
    field("allowed_phone_protocols", false, false, array),
    field("is_select_allowed", false, true, null),
    field("is_worktime", false, true, null),
    field("is_auto_out_calls_ready", false, true, null),
];

/// UIS's standard statuses and one custom status.
const STATUSES: &[(u64, &str, Option<&str>)] = &[
    (1, "Доступен", Some("available")),
    (2, "Перерыв", Some("break")),
    (3, "Не беспокоить", Some("do_not_disturb")),
    (4, "Нет на месте", Some("not_at_workplace")),
    (5, "Нет на работе", Some("not_at_work")),
    (6, "Неизвестно", Some("unknown")),
    (7, "Обед", None),
];

#[derive(Debug, Clone)]
struct StatusRow {
    id: u64,
    name: String,
    mnemonic: Option<String>,
    is_deleted: bool,
}

#[derive(Debug, Clone)]
struct Employee {
    full_name: String,
    email: Option<String>,
    status_id: Option<u64>,
}

#[derive(Debug, Clone)]
struct GroupRow {
    name: String,
    members: Vec<u64>,
}

/// The account the Data API reads.
#[derive(Debug)]
pub struct DataApiAccount {
    common: Common,
    statuses: Vec<StatusRow>,
    employees: BTreeMap<u64, Employee>,
    groups: BTreeMap<u64, GroupRow>,
    tags: BTreeMap<u64, String>,
}

/// A running Data API; stops when dropped.
pub type UisDataApi = Server<DataApiAccount>;

impl Server<DataApiAccount> {
    /// Starts on an ephemeral port of 127.0.0.1 with the standard statuses, status 7 "Обед" and
    /// employees 2001 and 2002, both available.
    pub async fn start() -> Self {
        let server = Self::serve(DataApiAccount {
            common: Common::new(MINUTE_LIMIT, DAY_LIMIT),
            statuses: Vec::new(),
            employees: BTreeMap::new(),
            groups: BTreeMap::new(),
            tags: BTreeMap::new(),
        })
        .await;
        server.set_statuses(STATUSES.to_vec());
        server.add_employee(2001, "Иванова Анна Сергеевна");
        server.add_employee(2002, "Петров Пётр Ильич");
        server
    }

    /// The account's status catalogue, replaced: (id, name, mnemonic; none for a custom one).
    pub fn set_statuses(&self, statuses: Vec<(u64, &str, Option<&str>)>) {
        self.state().statuses = statuses
            .into_iter()
            .map(|(id, name, mnemonic)| StatusRow {
                id,
                name: name.to_owned(),
                mnemonic: mnemonic.map(str::to_owned),
                is_deleted: false,
            })
            .collect();
    }

    /// Status `id` is deleted: listed only with `is_deleted: true`.
    pub fn delete_status(&self, id: u64) {
        let mut state = self.state();
        let status = state.statuses.iter_mut().find(|s| s.id == id).expect("a status of the account");
        status.is_deleted = true;
    }

    /// An employee of the account, available (status 1), with the e-mail `employee<id>@uis.example`.
    pub fn add_employee(&self, id: u64, full_name: &str) {
        let email = Some(format!("employee{id}@uis.example"));
        self.state().employees.insert(id, Employee { full_name: full_name.to_owned(), email, status_id: Some(1) });
    }

    /// Employee `id` is renamed.
    pub fn rename_employee(&self, id: u64, full_name: &str) {
        self.state().employees.get_mut(&id).expect("an employee of the account").full_name = full_name.to_owned();
    }

    /// Employee `id` leaves the account, and every group.
    pub fn remove_employee(&self, id: u64) {
        let mut state = self.state();
        state.employees.remove(&id);
        for group in state.groups.values_mut() {
            group.members.retain(|m| *m != id);
        }
    }

    /// A group of employees (a hunt group), with its members, which the account has.
    pub fn add_group(&self, id: u64, name: &str, members: &[u64]) {
        let mut state = self.state();
        assert!(members.iter().all(|m| state.employees.contains_key(m)), "members are employees of the account");
        state.groups.insert(id, GroupRow { name: name.to_owned(), members: members.to_vec() });
    }

    /// Group `id` is deleted.
    pub fn remove_group(&self, id: u64) {
        self.state().groups.remove(&id);
    }

    /// A tag of the account.
    pub fn add_tag(&self, id: u64, name: &str) {
        self.state().tags.insert(id, name.to_owned());
    }

    /// Employee `employee_id` (added if new) is in status `status_id`, which the catalogue holds.
    pub fn set_employee_status(&self, employee_id: u64, status_id: u64) {
        let mut state = self.state();
        assert!(state.statuses.iter().any(|s| s.id == status_id), "status {status_id} is not in the catalogue");
        let employee = state.employees.entry(employee_id).or_insert_with(|| Employee {
            full_name: format!("Сотрудник {employee_id}"),
            email: None,
            status_id: None,
        });
        employee.status_id = Some(status_id);
    }

    /// Points per minute and per day (the budgets start again with their windows).
    pub fn set_limits(&self, minute: u32, day: u32) {
        self.set_minute_limit(minute);
        self.set_day_limit(day);
    }

    /// The successful requests of `method`, params as received (`access_token` redacted).
    pub fn calls_of(&self, method: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|r| r.method == method && r.answer.get("result").is_some())
            .map(|r| r.params)
            .collect()
    }
}

impl Api for DataApiAccount {
    const PATH: &'static str = "/v2.0";
    const TOKEN: &'static str = TOKEN;

    fn common(&mut self) -> &mut Common {
        &mut self.common
    }

    fn knows(&self, method: &str) -> bool {
        ["get.employees", "get.statuses", "get.group_employees", "get.tags"].contains(&method)
    }

    fn call(&mut self, method: &str, params: &Map<String, Value>) -> Checked<Success> {
        if method == "get.statuses" {
            let mut allowed = GET_PARAMS.to_vec();
            allowed.push("is_deleted");
            only(params, "", &allowed)?;
            let with_deleted = match params.get("is_deleted") {
                None => false,
                Some(value) => {
                    value.as_bool().ok_or_else(|| RpcError::param("data_type_error", "is_deleted", value))?
                }
            };
            let rows = self.statuses.iter().filter(|s| with_deleted || !s.is_deleted).map(status_row).collect();
            get(params, STATUS_FIELDS, rows)
        } else if method == "get.group_employees" {
            only(params, "", GET_PARAMS)?;
            let rows = self.groups.iter().map(|(id, g)| self.group_row(*id, g)).collect();
            get(params, GROUP_FIELDS, rows)
        } else if method == "get.tags" {
            only(params, "", GET_PARAMS)?;
            let rows = self
                .tags
                .iter()
                .map(|(id, name)| {
                    json!({"id": id, "name": name, "is_system": false}).as_object().cloned().unwrap_or_default()
                })
                .collect();
            get(params, TAG_FIELDS, rows)
        } else {
            only(params, "", GET_PARAMS)?;
            let rows = self.employees.iter().map(|(id, e)| self.employee_row(*id, e)).collect();
            get(params, EMPLOYEE_FIELDS, rows)
        }
    }
}

impl DataApiAccount {
    fn employee_row(&self, id: u64, employee: &Employee) -> Map<String, Value> {
        let mut names = employee.full_name.split_whitespace();
        let (last, first, patronymic) = (names.next(), names.next(), names.next());
        let status = employee.status_id.and_then(|s| self.statuses.iter().find(|row| row.id == s));
        let deprecated_status = status.and_then(|s| s.mnemonic.clone());
        let row = json!({
            "id": id,
            "login": format!("employee{id}"),
            "first_name": first,
            "last_name": last,
            "patronymic": patronymic,
            "full_name": employee.full_name,
            "email": employee.email,
            "status": deprecated_status,
            "status_id": employee.status_id,
            "groups": self.groups.iter().filter(|(_, g)| g.members.contains(&id))
                .map(|(gid, g)| json!({"group_id": gid, "group_name": g.name})).collect::<Vec<_>>(),
        });
        row.as_object().cloned().unwrap_or_default()
    }

    fn group_row(&self, id: u64, group: &GroupRow) -> Map<String, Value> {
        let members: Vec<Value> = group
            .members
            .iter()
            .map(
                |m| json!({"employee_id": m, "employee_full_name": self.employees.get(m).map(|e| e.full_name.clone())}),
            )
            .collect();
        let row = json!({"id": id, "name": group.name, "members": members, "queue_enabled": true});
        row.as_object().cloned().unwrap_or_default()
    }
}

fn status_row(status: &StatusRow) -> Map<String, Value> {
    let row = json!({
        "id": status.id,
        "name": status.name,
        "mnemonic": status.mnemonic,
        "is_deleted": status.is_deleted,
    });
    row.as_object().cloned().unwrap_or_default()
}

/// A `get` method over `rows`: the params checked, then filter, sort, paging and fields.
fn get(params: &Map<String, Value>, fields: &[Field], mut rows: Vec<Map<String, Value>>) -> Checked<Success> {
    if let Some(user) = params.get("user_id") {
        if !user.is_u64() {
            return Err(RpcError::param("data_type_error", "user_id", user));
        }
        return Err(RpcError::param("invalid_parameter_value", "user_id", user));
    }
    let limit = bounded(params, "limit", 1..=MAX_LIMIT)?.unwrap_or(DEFAULT_LIMIT);
    let offset = bounded(params, "offset", 0..=MAX_OFFSET)?.unwrap_or(0);
    let selected = selected_fields(params, fields)?;
    if let Some(filter) = params.get("filter") {
        check_filter(filter, "filter", fields)?;
        rows.retain(|row| matches(filter, row));
    }
    if let Some(sort) = params.get("sort") {
        let order = sort_order(sort, fields)?;
        rows.sort_by(|a, b| {
            order.iter().fold(Ordering::Equal, |so_far, (name, descending)| {
                so_far.then_with(|| {
                    let ordering = compare(&a[*name], &b[*name]);
                    if *descending { ordering.reverse() } else { ordering }
                })
            })
        });
    }
    let total = rows.len() as u64;
    let data: Vec<Value> = rows
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|row| {
            let mut out = Map::new();
            for field in fields.iter().filter(|f| selected.as_ref().is_none_or(|s| s.contains(&f.name))) {
                let modelled = row.get(field.name);
                if selected.is_some() || modelled.is_some() {
                    out.insert(field.name.to_owned(), modelled.cloned().unwrap_or_else(field.empty));
                }
            }
            Value::Object(out)
        })
        .collect();
    Ok(Success { data: Value::Array(data), total_items: Some(total) })
}

/// An optional whole number within `range`.
fn bounded(params: &Map<String, Value>, name: &str, range: std::ops::RangeInclusive<u64>) -> Checked<Option<u64>> {
    let Some(value) = params.get(name) else { return Ok(None) };
    if !(value.is_u64() || value.is_i64()) {
        return Err(RpcError::param("data_type_error", name, value));
    }
    match value.as_u64() {
        Some(n) if range.contains(&n) => Ok(Some(n)),
        _ => Err(RpcError::param("invalid_parameter_value", name, value)),
    }
}

/// The names `fields` asks for, each one the method has; `None` without `fields`.
fn selected_fields(params: &Map<String, Value>, fields: &[Field]) -> Checked<Option<Vec<&'static str>>> {
    let Some(value) = params.get("fields") else { return Ok(None) };
    let names = value.as_array().ok_or_else(|| RpcError::param("data_type_error", "fields", value))?;
    let mut selected = Vec::new();
    for name in names {
        let text = name.as_str().ok_or_else(|| RpcError::param("data_type_error", "fields", name))?;
        let known = fields
            .iter()
            .find(|f| f.name == text)
            .ok_or_else(|| RpcError::param("unexpected_parameters", "fields", name))?;
        selected.push(known.name);
    }
    Ok(Some(selected))
}

const OPERATORS: &[&str] = &["=", "!=", "<", ">", "<=", ">=", "in", "like"];
/// A simple filter `{field, operator, value}` or a tree `{filters, condition}`.
fn check_filter(filter: &Value, at: &str, fields: &[Field]) -> Checked<()> {
    let object = filter.as_object().ok_or_else(|| RpcError::param("data_type_error", at, filter))?;
    if object.contains_key("filters") {
        only(object, at, &["filters", "condition"])?;
        let condition = object.get("condition").and_then(Value::as_str);
        if !matches!(condition, Some("and" | "or")) {
            return Err(RpcError::param(
                "invalid_parameter_value",
                &format!("{at}.condition"),
                object.get("condition").unwrap_or(&Value::Null),
            ));
        }
        let filters = object["filters"]
            .as_array()
            .ok_or_else(|| RpcError::param("data_type_error", &format!("{at}.filters"), &object["filters"]))?;
        return filters.iter().try_for_each(|f| check_filter(f, &format!("{at}.filters"), fields));
    }
    only(object, at, &["field", "operator", "value"])?;
    let name = object.get("field").and_then(Value::as_str).ok_or_else(|| {
        RpcError::param(
            "required_parameter_missed",
            &format!("{at}.field"),
            object.get("field").unwrap_or(&Value::Null),
        )
    })?;
    let known = fields
        .iter()
        .find(|f| f.name == name)
        .ok_or_else(|| RpcError::param("unexpected_parameters", &format!("{at}.field"), &json!(name)))?;
    if !known.filter {
        return Err(RpcError::param("filter_prohibited", &format!("{at}.field"), &json!(name)));
    }
    let operator = object
        .get("operator")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::param("required_parameter_missed", &format!("{at}.operator"), &Value::Null))?;
    if !OPERATORS.contains(&operator) {
        return Err(RpcError::param("invalid_parameter_value", &format!("{at}.operator"), &json!(operator)));
    }
    if operator == "in" && !object.get("value").is_some_and(Value::is_array) {
        return Err(RpcError::param(
            "data_type_error",
            &format!("{at}.value"),
            object.get("value").unwrap_or(&Value::Null),
        ));
    }
    Ok(())
}

/// Whether `row` passes a checked filter.
fn matches(filter: &Value, row: &Map<String, Value>) -> bool {
    if let Some(filters) = filter.get("filters").and_then(Value::as_array) {
        return if filter["condition"] == "or" {
            filters.iter().any(|f| matches(f, row))
        } else {
            filters.iter().all(|f| matches(f, row))
        };
    }
    let name = filter["field"].as_str().unwrap_or_default();
    let actual = row.get(name).unwrap_or(&Value::Null);
    let wanted = filter.get("value").unwrap_or(&Value::Null);
    match filter["operator"].as_str().unwrap_or_default() {
        "=" => equal(actual, wanted),
        "!=" => !equal(actual, wanted),
        "<" => compare(actual, wanted) == Ordering::Less,
        ">" => compare(actual, wanted) == Ordering::Greater,
        "<=" => compare(actual, wanted) != Ordering::Greater,
        ">=" => compare(actual, wanted) != Ordering::Less,
        "in" => wanted.as_array().is_some_and(|all| all.iter().any(|w| equal(actual, w))),
        "like" => like(actual.as_str().unwrap_or_default(), wanted.as_str().unwrap_or_default()),
        _ => false,
    }
}

/// Equal as UIS compares: a number equals its digits as a string.
fn equal(actual: &Value, wanted: &Value) -> bool {
    actual == wanted || actual.as_u64().is_some_and(|n| wanted.as_str().and_then(|w| w.parse().ok()) == Some(n))
}

fn compare(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64().partial_cmp(&y.as_f64()).unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// SQL `LIKE` with `%` for any run of characters.
fn like(text: &str, pattern: &str) -> bool {
    let parts: Vec<&str> = pattern.split('%').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return text == pattern;
    }
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// `sort`: `[{field, order}]` on sortable fields; (field, descending) in order.
fn sort_order(sort: &Value, fields: &[Field]) -> Checked<Vec<(&'static str, bool)>> {
    let items = sort.as_array().ok_or_else(|| RpcError::param("data_type_error", "sort", sort))?;
    let mut order = Vec::new();
    for item in items {
        let object = item.as_object().ok_or_else(|| RpcError::param("data_type_error", "sort", item))?;
        only(object, "sort", &["field", "order"])?;
        let name = object
            .get("field")
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::param("required_parameter_missed", "sort.field", &Value::Null))?;
        let known = fields
            .iter()
            .find(|f| f.name == name)
            .ok_or_else(|| RpcError::param("unexpected_parameters", "sort.field", &json!(name)))?;
        if !known.sort {
            return Err(RpcError::param("sort_prohibited", "sort.field", &json!(name)));
        }
        let descending = match object.get("order") {
            None => false,
            Some(value) => match value.as_str() {
                Some("asc") => false,
                Some("desc") => true,
                _ => return Err(RpcError::param("invalid_parameter_value", "sort.order", value)),
            },
        };
        order.push((known.name, descending));
    }
    Ok(order)
}
