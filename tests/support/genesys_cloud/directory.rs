//! The directory endpoints of the local Genesys Cloud: the home division, users with their
//! external ids, queues with their members, wrap-up codes. What each enforces is listed in the
//! parent module's documentation.

use std::collections::HashMap;

use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};

use super::{Check, Field, Kind, ServerState, Shared, check_fields, error, listing, opt, reply, req};

/// A user of the organization as the directory endpoints keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryUser {
    pub id: String,
    pub name: String,
    pub email: String,
    /// `active`, `inactive` or `deleted`.
    pub state: String,
    /// Starts at 1; every accepted PATCH adds one.
    pub version: u64,
    pub division_id: String,
    /// (authorityName, externalKey), in the order set.
    pub external_ids: Vec<(String, String)>,
}

impl DirectoryUser {
    pub(super) fn new(name: &str, email: &str, state: &str, division_id: &str) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.into(),
            email: email.into(),
            state: state.into(),
            version: 1,
            division_id: division_id.into(),
            external_ids: Vec::new(),
        }
    }

    fn json(&self, division: &Value) -> Value {
        json!({
            "id": self.id, "name": self.name, "email": self.email, "username": self.email,
            "state": self.state, "version": self.version,
            "division": {"id": self.division_id, "name": division["name"], "selfUri": format!("/api/v2/authorization/divisions/{}", self.division_id)},
            "acdAutoAnswer": false,
            "selfUri": format!("/api/v2/users/{}", self.id),
        })
    }

    fn external_ids_json(&self) -> Value {
        let ids: Vec<Value> = self
            .external_ids
            .iter()
            .map(|(authority, key)| {
                json!({"authorityName": authority, "externalKey": key,
                       "selfUri": format!("/api/v2/users/externalid/{authority}/{key}")})
            })
            .collect();
        Value::Array(ids)
    }
}

/// A queue and its member user ids, in the order they were added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    pub id: String,
    pub name: String,
    pub peer_id: Option<String>,
    pub members: Vec<String>,
}

impl Queue {
    pub(super) fn new(name: &str, peer_id: Option<&str>) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            name: name.into(),
            peer_id: peer_id.map(str::to_owned),
            members: Vec::new(),
        }
    }

    fn json(&self, division: &Value) -> Value {
        let mut queue = json!({
            "id": self.id, "name": self.name, "division": division,
            "memberCount": self.members.len(), "userMemberCount": self.members.len(), "joinedMemberCount": 0,
            "selfUri": format!("/api/v2/routing/queues/{}", self.id),
        });
        if let Some(peer) = &self.peer_id {
            queue["peerId"] = json!(peer);
        }
        queue
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrapupCode {
    pub id: String,
    pub name: String,
}

impl WrapupCode {
    pub(super) fn new(name: &str) -> Self {
        Self { id: uuid::Uuid::new_v4().to_string(), name: name.into() }
    }

    fn json(&self, division: &Value) -> Value {
        json!({"id": self.id, "name": self.name, "division": division,
               "selfUri": format!("/api/v2/routing/wrapupcodes/{}", self.id)})
    }
}

impl ServerState {
    /// A user that is not deleted.
    pub(super) fn user(&self, id: &str) -> Option<&DirectoryUser> {
        self.users.iter().find(|u| u.id == id && u.state != "deleted")
    }

    /// The user, not deleted, whose e-mail is `email`, whatever its case.
    pub(super) fn user_with_email(&self, email: &str) -> Option<&DirectoryUser> {
        self.users.iter().find(|u| u.state != "deleted" && u.email.eq_ignore_ascii_case(email))
    }

    pub(super) fn queue_named(&self, name: &str) -> Option<&Queue> {
        self.queues.iter().find(|q| q.name == name)
    }

    pub(super) fn wrapup_code_named(&self, name: &str) -> Option<&WrapupCode> {
        self.wrapup_codes.iter().find(|c| c.name == name)
    }
}

/// The directory paths a write may change.
const DIRECTORY_PREFIXES: &[&str] = &[
    "/api/v2/users",
    "/api/v2/routing/queues",
    "/api/v2/routing/wrapupcodes",
    "/api/v2/routing/skills",
    "/api/v2/routing/languages",
    "/api/v2/authorization/divisions",
];

/// Whether `method` on `path` is a directory write (a user search is a read).
pub(super) fn is_write(method: &str, path: &str) -> bool {
    matches!(method, "POST" | "PATCH" | "PUT" | "DELETE")
        && DIRECTORY_PREFIXES.iter().any(|p| path == *p || path.starts_with(&format!("{p}/")))
        && path != "/api/v2/users/search"
}

/// The query's parameters, decoded, when it names only `allowed` ones.
fn parameters(query: Option<&str>, allowed: &[&str]) -> Result<HashMap<String, String>, String> {
    let mut found = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if !allowed.contains(&name.as_ref()) {
            return Err(format!("query parameter {name:?} is not one this operation serves: {allowed:?}"));
        }
        found.insert(name.into_owned(), value.into_owned());
    }
    Ok(found)
}

/// A percent-encoded path segment, decoded.
fn decoded(segment: &str) -> Result<String, String> {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = segment.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
            out.push(hex.ok_or(format!("path segment {segment:?} is not percent-encoded"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("path segment {segment:?} is not UTF-8"))
}

fn json_body(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|_| "malformed JSON".to_string())
}

/// Whether `name` matches the listing filter `filter`: whatever the case, with `*` at either
/// end standing for any text.
fn name_matches(filter: &str, name: &str) -> bool {
    let (filter, name) = (filter.to_lowercase(), name.to_lowercase());
    let starts = filter.starts_with('*');
    let ends = filter.ends_with('*') && filter.len() > 1;
    let core = filter.trim_matches('*');
    match (starts, ends) {
        (true, true) => name.contains(core),
        (true, false) => name.ends_with(core),
        (false, true) => name.starts_with(core),
        (false, false) => name == core,
    }
}

fn bad_request(message: &str) -> Response {
    error(400, "bad.request", message)
}

fn conflict(message: &str) -> Response {
    error(409, "general.conflict", message)
}

/// `GET /api/v2/authorization/divisions/home`.
pub(super) fn home_division(state: &Shared, query: Option<&str>) -> Response {
    if let Err(message) = parameters(query, &[]) {
        return bad_request(&message);
    }
    let division = state.lock().expect("state").home_division.clone();
    let id = division["id"].as_str().unwrap_or_default();
    reply(
        200,
        json!({"id": id, "name": division["name"], "description": "The home division", "homeDivision": true,
               "selfUri": format!("/api/v2/authorization/divisions/{id}")}),
        None,
    )
}

/// `Contact`, an item of `CreateUser.addresses`.
const CONTACT: &[Field] = &[
    opt("address", Kind::Text),
    opt("display", Kind::Text),
    opt("mediaType", Kind::OneOf(&["PHONE", "EMAIL", "SMS"])),
    opt("type", Kind::OneOf(&["PRIMARY", "WORK", "WORK2", "WORK3", "WORK4", "HOME", "MOBILE", "MAIN", "OTHER"])),
    opt("extension", Kind::Text),
    opt("countryCode", Kind::Text),
    opt("integration", Kind::Text),
];

const USER_STATES: &[&str] = &["active", "inactive", "deleted"];

const CREATE_USER: &[Field] = &[
    req("name", Kind::Text),
    opt("department", Kind::Text),
    req("email", Kind::Text),
    opt("addresses", Kind::Objects(CONTACT)),
    opt("title", Kind::Text),
    opt("password", Kind::Text),
    req("divisionId", Kind::Text),
    opt("state", Kind::OneOf(USER_STATES)),
];

/// The `UpdateUser` fields served: the text ones, `profileSkills`, `version` and `state`.
const UPDATE_USER: &[Field] = &[
    opt("id", Kind::Text),
    opt("name", Kind::Text),
    opt("department", Kind::Text),
    opt("email", Kind::Text),
    opt("title", Kind::Text),
    opt("username", Kind::Text),
    opt("manager", Kind::Text),
    req("version", Kind::Int),
    opt("profileSkills", Kind::Texts),
    opt("state", Kind::OneOf(USER_STATES)),
];

/// The `UpdateUser` fields a PATCH that sets `state` may not carry.
const MODIFIABLE: &[&str] = &["name", "department", "email", "title", "username", "manager", "profileSkills"];

const EXTERNAL_ID: &[Field] =
    &[req("authorityName", Kind::Text), req("externalKey", Kind::Text), opt("selfUri", Kind::Text)];

const SEARCH_TYPES: &[&str] = &[
    "EXACT",
    "STARTS_WITH",
    "CONTAINS",
    "REGEX",
    "TERM",
    "TERMS",
    "REQUIRED_FIELDS",
    "MATCH_ALL",
    "QUERY_STRING",
    "RANGE",
    "LESS_THAN",
    "LESS_THAN_EQUAL_TO",
    "GREATER_THAN",
    "GREATER_THAN_EQUAL_TO",
];

/// `UserSearchCriteria` without `group`, which is not served.
const SEARCH_CRITERIA: &[Field] = &[
    opt("endValue", Kind::Text),
    opt("values", Kind::Texts),
    opt("startValue", Kind::Text),
    opt("value", Kind::Text),
    opt("operator", Kind::OneOf(&["AND", "OR", "NOT"])),
    opt("dateFormat", Kind::Text),
    opt("fields", Kind::Texts),
    req("type", Kind::OneOf(SEARCH_TYPES)),
];

const USER_SEARCH: &[Field] = &[
    opt("sortOrder", Kind::OneOf(&["ASC", "DESC", "SCORE"])),
    opt("sortBy", Kind::Text),
    opt("pageSize", Kind::Int),
    opt("pageNumber", Kind::Int),
    opt("expand", Kind::Texts),
    opt("query", Kind::Objects(SEARCH_CRITERIA)),
];

/// The user fields an `EXACT` criterion may name.
const SEARCH_FIELDS: &[&str] = &["id", "name", "email", "state"];

/// `/api/v2/users…`.
pub(super) fn users(state: &Shared, method: &str, rest: &[&str], query: Option<&str>, body: &[u8]) -> Response {
    let allowed: &[&str] = match (method, rest) {
        ("GET", [_]) => &["state"],
        _ => &[],
    };
    let params = match parameters(query, allowed) {
        Ok(params) => params,
        Err(message) => return bad_request(&message),
    };
    let mut state = state.lock().expect("state");
    match (method, rest) {
        ("POST", []) => create_user(&mut state, body),
        ("POST", ["search"]) => search_users(&state, body),
        ("GET", ["externalid", authority, key]) => {
            let (Ok(authority), Ok(key)) = (decoded(authority), decoded(key)) else {
                return bad_request("the external id is not percent-encoded");
            };
            let found = state
                .users
                .iter()
                .find(|u| u.state != "deleted" && u.external_ids.iter().any(|(a, k)| *a == authority && *k == key));
            match found {
                Some(user) => reply(200, user.json(&state.home_division), None),
                None => error(404, "not.found", "no user has this external id"),
            }
        }
        ("GET", [id]) => {
            if let Some(wanted) = params.get("state")
                && !USER_STATES.contains(&wanted.as_str())
            {
                return bad_request(&format!("state {wanted:?} is not one of {USER_STATES:?}"));
            }
            let wanted = params.get("state").map_or("active", String::as_str);
            let found = state
                .users
                .iter()
                .find(|u| u.id == *id && if wanted == "deleted" { u.state == "deleted" } else { u.state != "deleted" });
            match found {
                Some(user) => reply(200, user.json(&state.home_division), None),
                None => error(404, "not.found", "user not found"),
            }
        }
        ("PATCH", [id]) => update_user(&mut state, id, body),
        ("POST", [id, "externalid"]) => set_external_id(&mut state, id, body),
        _ => error(404, "not.found", "no such resource"),
    }
}

fn create_user(state: &mut ServerState, body: &[u8]) -> Response {
    let request = match json_body(body).and_then(|b| check_fields(&b, "body", CREATE_USER).map(|()| b)) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    let text = |field: &str| request[field].as_str().unwrap_or_default();
    let division = text("divisionId");
    if state.home_division["id"] != division {
        return bad_request(&format!("body.divisionId {division:?} is not a division of the organization"));
    }
    if let Some(taken) = state.user_with_email(text("email")) {
        return conflict(&format!("the e-mail {:?} belongs to user {} already", text("email"), taken.id));
    }
    let initial = request.get("state").and_then(Value::as_str).unwrap_or("inactive");
    let user = DirectoryUser::new(text("name"), text("email"), initial, division);
    let answer = user.json(&state.home_division);
    state.users.push(user);
    reply(200, answer, None)
}

fn update_user(state: &mut ServerState, id: &str, body: &[u8]) -> Response {
    let request = match json_body(body).and_then(|b| check_fields(&b, "body", UPDATE_USER).map(|()| b)) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    if request.get("state").is_some()
        && let Some(other) = MODIFIABLE.iter().find(|f| request.get(**f).is_some())
    {
        return bad_request(&format!("body.state is the only modifiable field when specified: body.{other} with it"));
    }
    let Some(current) = state.user(id).cloned() else {
        return error(404, "not.found", "user not found");
    };
    let version = request["version"].as_u64().unwrap_or_default();
    if version != current.version {
        return conflict(&format!(
            "version {version} is not the current version {} of user {id}: read it again",
            current.version
        ));
    }
    if let Some(email) = request.get("email").and_then(Value::as_str)
        && state.user_with_email(email).is_some_and(|u| u.id != id)
    {
        return conflict(&format!("the e-mail {email:?} belongs to another user"));
    }
    let division = state.home_division.clone();
    let user = state.users.iter_mut().find(|u| u.id == id && u.state != "deleted").expect("found above");
    for (field, kept) in [("name", &mut user.name), ("email", &mut user.email), ("state", &mut user.state)] {
        if let Some(value) = request.get(field).and_then(Value::as_str) {
            *kept = value.to_owned();
        }
    }
    user.version += 1;
    reply(200, user.json(&division), None)
}

fn set_external_id(state: &mut ServerState, id: &str, body: &[u8]) -> Response {
    let request = match json_body(body).and_then(|b| check_fields(&b, "body", EXTERNAL_ID).map(|()| b)) {
        Ok(request) => request,
        Err(message) => return bad_request(&message),
    };
    let pair = (
        request["authorityName"].as_str().unwrap_or_default().to_owned(),
        request["externalKey"].as_str().unwrap_or_default().to_owned(),
    );
    if state.user(id).is_none() {
        return error(404, "not.found", "user not found");
    }
    if let Some(holder) =
        state.users.iter().find(|u| u.id != id && u.state != "deleted" && u.external_ids.contains(&pair))
    {
        return conflict(&format!("external id {}/{} belongs to user {} already", pair.0, pair.1, holder.id));
    }
    let user = state.users.iter_mut().find(|u| u.id == id && u.state != "deleted").expect("found above");
    if !user.external_ids.contains(&pair) {
        user.external_ids.push(pair);
    }
    reply(200, user.external_ids_json(), None)
}

/// One `UserSearchCriteria`, checked: its operator and whether `user` meets it.
fn criterion(criterion: &Value, at: &str) -> Result<(String, Vec<String>, Vec<String>), String> {
    if criterion.get("group").is_some() {
        return Err(format!("{at}.group is not served by this server"));
    }
    check_fields(criterion, at, SEARCH_CRITERIA)?;
    let kind = criterion["type"].as_str().unwrap_or_default();
    if kind != "EXACT" {
        return Err(format!("{at}.type {kind:?} is not served by this server: EXACT only"));
    }
    let texts = |field: &str| -> Vec<String> {
        criterion
            .get(field)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect()
    };
    let fields = texts("fields");
    if fields.is_empty() {
        return Err(format!("{at}.fields must name the fields to search"));
    }
    if let Some(other) = fields.iter().find(|f| !SEARCH_FIELDS.contains(&f.as_str())) {
        return Err(format!("{at}.fields: {other:?} is not served by this server: {SEARCH_FIELDS:?}"));
    }
    let mut values = texts("values");
    values.extend(criterion.get("value").and_then(Value::as_str).map(str::to_owned));
    if values.is_empty() {
        return Err(format!("{at} needs a value or values for an EXACT search"));
    }
    let operator = criterion.get("operator").and_then(Value::as_str).unwrap_or("AND").to_owned();
    Ok((operator, fields, values))
}

fn search_users(state: &ServerState, body: &[u8]) -> Response {
    let checked = (|| {
        let request = json_body(body)?;
        check_fields(&request, "body", USER_SEARCH)?;
        let list = request.get("query").and_then(Value::as_array).cloned().unwrap_or_default();
        let criteria = list
            .iter()
            .enumerate()
            .map(|(i, c)| criterion(c, &format!("body.query[{i}]")))
            .collect::<Result<Vec<_>, _>>()?;
        let size = request.get("pageSize").and_then(Value::as_u64).unwrap_or(25);
        if !(1..=100).contains(&size) {
            return Err("body.pageSize must be between 1 and 100".to_string());
        }
        let number = request.get("pageNumber").and_then(Value::as_u64).unwrap_or(1).max(1);
        Ok((criteria, size as usize, number as usize))
    })();
    let (criteria, size, number) = match checked {
        Ok(checked) => checked,
        Err(message) => return bad_request(&message),
    };
    let meets = |user: &DirectoryUser, (_, fields, values): &(String, Vec<String>, Vec<String>)| {
        fields.iter().any(|field| {
            let held = match field.as_str() {
                "id" => &user.id,
                "name" => &user.name,
                "email" => &user.email,
                _ => &user.state,
            };
            values.iter().any(|v| v.eq_ignore_ascii_case(held))
        })
    };
    let names_state = criteria.iter().any(|(_, fields, _)| fields.iter().any(|f| f == "state"));
    let found: Vec<Value> = state
        .users
        .iter()
        .filter(|u| names_state || u.state != "deleted")
        .filter(|u| {
            let and = criteria.iter().filter(|c| c.0 == "AND").all(|c| meets(u, c));
            let not = criteria.iter().filter(|c| c.0 == "NOT").all(|c| !meets(u, c));
            let ors: Vec<_> = criteria.iter().filter(|c| c.0 == "OR").collect();
            and && not && (ors.is_empty() || ors.iter().any(|c| meets(u, c)))
        })
        .map(|u| u.json(&state.home_division))
        .collect();
    let total = found.len();
    let page: Vec<Value> = found.into_iter().skip((number - 1) * size).take(size).collect();
    let mut answer = json!({"total": total, "pageCount": total.div_ceil(size), "pageSize": size, "pageNumber": number});
    // `results` is left out when nothing matched, as Genesys may do.
    if !page.is_empty() {
        answer["results"] = Value::Array(page);
    }
    reply(200, answer, None)
}

/// `WritableDivision`, `WritableStarrableDivision`: a reference to a division by id.
const DIVISION_REF: &[Field] = &[opt("id", Kind::Text), opt("name", Kind::Text), opt("selfUri", Kind::Text)];

/// The `CreateQueueRequest` fields served.
const CREATE_QUEUE: &[Field] = &[
    req("name", Kind::Text),
    opt("division", Kind::Object(DIVISION_REF)),
    opt("description", Kind::Text),
    opt("skillEvaluationMethod", Kind::OneOf(&["NONE", "BEST", "ALL"])),
    opt("enableTranscription", Kind::Flag),
    opt("enableManualAssignment", Kind::Flag),
    opt("suppressInQueueCallRecording", Kind::Flag),
    opt("callingPartyName", Kind::Text),
    opt("callingPartyNumber", Kind::Text),
    opt("peerId", Kind::Text),
];

const WRAPUP_CODE_REQUEST: &[Field] =
    &[req("name", Kind::Text), opt("division", Kind::Object(DIVISION_REF)), opt("description", Kind::Text)];

/// A queue member to add or remove: `{id}` of a user.
const MEMBER: &[Field] = &[req("id", Kind::Text)];

/// "Bulk add or delete up to 100 queue members".
const MAX_MEMBERS: usize = 100;

/// The division a request names is the home one (the only division served).
fn home_division_named(state: &ServerState, request: &Value) -> Check {
    match request.pointer("/division/id") {
        Some(id) if *id != state.home_division["id"] => {
            Err(format!("body.division.id {id} is not a division of the organization"))
        }
        _ => Ok(()),
    }
}

/// `/api/v2/routing/queues…`.
pub(super) fn queues(state: &Shared, method: &str, rest: &[&str], query: Option<&str>, body: &[u8]) -> Response {
    let allowed: &[&str] = match (method, rest) {
        ("GET", []) => &["name", "pageSize", "pageNumber"],
        ("GET", [_, "members"]) => &["pageSize", "pageNumber"],
        ("POST", [_, "members"]) => &["delete"],
        _ => &[],
    };
    let params = match parameters(query, allowed) {
        Ok(params) => params,
        Err(message) => return bad_request(&message),
    };
    let mut state = state.lock().expect("state");
    let division = state.home_division.clone();
    match (method, rest) {
        ("POST", []) => {
            let request = match json_body(body)
                .and_then(|b| check_fields(&b, "body", CREATE_QUEUE).map(|()| b))
                .and_then(|b| home_division_named(&state, &b).map(|()| b))
            {
                Ok(request) => request,
                Err(message) => return bad_request(&message),
            };
            let name = request["name"].as_str().unwrap_or_default();
            if let Some(taken) = state.queue_named(name) {
                return conflict(&format!("a queue named {name:?} exists already: {}", taken.id));
            }
            let queue = Queue::new(name, request.get("peerId").and_then(Value::as_str));
            let answer = queue.json(&division);
            state.queues.push(queue);
            reply(200, answer, None)
        }
        ("GET", []) => {
            let filter = params.get("name");
            let all = state
                .queues
                .iter()
                .filter(|q| filter.is_none_or(|f| name_matches(f, &q.name)))
                .map(|q| q.json(&division))
                .collect();
            reply(200, listing(all, query), None)
        }
        (_, [id, "members"]) => {
            let Some(at) = state.queues.iter().position(|q| q.id == *id) else {
                return error(404, "not.found", "queue not found");
            };
            if method == "GET" {
                let members = state.queues[at]
                    .members
                    .iter()
                    .filter_map(|member| state.user(member))
                    .map(|user| {
                        json!({"id": user.id, "name": user.name, "memberBy": "user", "joined": false,
                               "user": {"id": user.id, "name": user.name, "selfUri": format!("/api/v2/users/{}", user.id)},
                               "selfUri": format!("/api/v2/users/{}", user.id)})
                    })
                    .collect();
                return reply(200, listing(members, query), None);
            }
            if method != "POST" {
                return error(404, "not.found", "no such resource");
            }
            change_members(&mut state, at, params.get("delete").map(String::as_str), body)
        }
        _ => error(404, "not.found", "no such resource"),
    }
}

fn change_members(state: &mut ServerState, queue: usize, delete: Option<&str>, body: &[u8]) -> Response {
    let checked = (|| {
        let delete = match delete {
            None | Some("false") => false,
            Some("true") => true,
            Some(other) => return Err(format!("query parameter delete {other:?} must be true or false")),
        };
        let request = json_body(body)?;
        let items = request.as_array().ok_or("body must be an array of {id}")?;
        if items.is_empty() || items.len() > MAX_MEMBERS {
            return Err(format!("body must hold 1 to {MAX_MEMBERS} members, not {}", items.len()));
        }
        let mut ids = Vec::new();
        for (i, item) in items.iter().enumerate() {
            check_fields(item, &format!("body[{i}]"), MEMBER)?;
            let id = item["id"].as_str().unwrap_or_default();
            if state.user(id).is_none() {
                return Err(format!("body[{i}].id {id:?} is not a user of the organization"));
            }
            ids.push(id.to_owned());
        }
        Ok((delete, ids))
    })();
    let (delete, ids) = match checked {
        Ok(checked) => checked,
        Err(message) => return bad_request(&message),
    };
    let members = &mut state.queues[queue].members;
    for id in ids {
        match (delete, members.contains(&id)) {
            (true, true) => members.retain(|m| *m != id),
            (false, false) => members.push(id),
            _ => {}
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

/// `/api/v2/routing/wrapupcodes…`.
pub(super) fn wrapup_codes(state: &Shared, method: &str, rest: &[&str], query: Option<&str>, body: &[u8]) -> Response {
    let allowed: &[&str] = if method == "GET" { &["name", "pageSize", "pageNumber"] } else { &[] };
    let params = match parameters(query, allowed) {
        Ok(params) => params,
        Err(message) => return bad_request(&message),
    };
    let mut state = state.lock().expect("state");
    let division = state.home_division.clone();
    match (method, rest) {
        ("POST", []) => {
            let request = match json_body(body)
                .and_then(|b| check_fields(&b, "body", WRAPUP_CODE_REQUEST).map(|()| b))
                .and_then(|b| home_division_named(&state, &b).map(|()| b))
            {
                Ok(request) => request,
                Err(message) => return bad_request(&message),
            };
            let name = request["name"].as_str().unwrap_or_default();
            if let Some(taken) = state.wrapup_code_named(name) {
                return conflict(&format!("a wrap-up code named {name:?} exists already: {}", taken.id));
            }
            let code = WrapupCode::new(name);
            let answer = code.json(&division);
            state.wrapup_codes.push(code);
            reply(200, answer, None)
        }
        ("GET", []) => {
            let filter = params.get("name");
            let all = state
                .wrapup_codes
                .iter()
                .filter(|c| filter.is_none_or(|f| name_matches(f, &c.name)))
                .map(|c| c.json(&division))
                .collect();
            reply(200, listing(all, query), None)
        }
        _ => error(404, "not.found", "no such resource"),
    }
}

/// `RoutingSkill` and `Language` as created: a name; the rest is the platform's.
const ROUTING_OBJECT: &[Field] = &[req("name", Kind::Text)];

/// `/api/v2/routing/skills` and `/api/v2/routing/languages`: `POST` (a name taken is a 409) and
/// `GET …?name=`.
pub(super) fn routing_objects(state: &Shared, method: &str, what: &str, query: Option<&str>, body: &[u8]) -> Response {
    let allowed: &[&str] = if method == "GET" { &["name", "pageSize", "pageNumber"] } else { &[] };
    let params = match parameters(query, allowed) {
        Ok(params) => params,
        Err(message) => return bad_request(&message),
    };
    let mut state = state.lock().expect("state");
    let objects = if what == "skills" { &mut state.skills } else { &mut state.languages };
    let json = |o: &WrapupCode| {
        json!({"id": o.id, "name": o.name, "state": "active", "version": "1",
               "selfUri": format!("/api/v2/routing/{what}/{}", o.id)})
    };
    match method {
        "POST" => {
            let request = match json_body(body).and_then(|b| check_fields(&b, "body", ROUTING_OBJECT).map(|()| b)) {
                Ok(request) => request,
                Err(message) => return bad_request(&message),
            };
            let name = request["name"].as_str().unwrap_or_default();
            if let Some(taken) = objects.iter().find(|o| o.name == name) {
                return conflict(&format!("{what} named {name:?} exists already: {}", taken.id));
            }
            let object = WrapupCode::new(name);
            let answer = json(&object);
            objects.push(object);
            reply(200, answer, None)
        }
        "GET" => {
            let filter = params.get("name");
            let all = objects.iter().filter(|o| filter.is_none_or(|f| name_matches(f, &o.name))).map(json).collect();
            reply(200, listing(all, query), None)
        }
        _ => error(405, "method.not.allowed", "only GET and POST"),
    }
}

/// A user's skills or languages: `PATCH …/bulk` with `[{id, proficiency}]` (`UserRoutingSkillPost`:
/// both REQUIRED, proficiency 0.0 to 5.0, the id of an existing skill or language), and
/// `DELETE …/{id}`.
pub(super) fn user_levels(
    state: &Shared,
    method: &str,
    user: &str,
    what: &str,
    rest: &[&str],
    body: &[u8],
) -> Response {
    let mut state = state.lock().expect("state");
    if state.user(user).is_none() {
        return error(404, "not.found", "user not found");
    }
    let known: Vec<String> =
        if what == "routingskills" { &state.skills } else { &state.languages }.iter().map(|o| o.id.clone()).collect();
    let key = (user.to_owned(), what.to_owned());
    match (method, rest) {
        ("PATCH", ["bulk"]) => {
            let items = match json_body(body) {
                Ok(Value::Array(items)) => items,
                Ok(_) => return bad_request("body must be an array of {id, proficiency}"),
                Err(message) => return bad_request(&message),
            };
            let mut levels = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let at = format!("body[{i}]");
                let Some(object) = item.as_object() else { return bad_request(&format!("{at} must be an object")) };
                if let Some(other) =
                    object.keys().find(|k| !["id", "proficiency", "skillUri", "languageUri"].contains(&k.as_str()))
                {
                    return bad_request(&format!("{at}.{other} is not a field of the model"));
                }
                let Some(id) = object.get("id").and_then(Value::as_str) else {
                    return bad_request(&format!("{at}.id is required"));
                };
                let Some(level) = object.get("proficiency").and_then(Value::as_f64).filter(|l| (0.0..=5.0).contains(l))
                else {
                    return bad_request(&format!("{at}.proficiency is required, 0.0 to 5.0"));
                };
                if !known.iter().any(|k| k == id) {
                    return bad_request(&format!("{at}.id {id:?} is not a {what} of the organization"));
                }
                levels.push((id.to_owned(), level));
            }
            state.user_levels.entry(key).or_default().extend(levels);
            reply(200, json!({"entities": items}), None)
        }
        ("DELETE", [id]) => match state.user_levels.get_mut(&key).and_then(|levels| levels.remove(*id)) {
            Some(_) => (StatusCode::NO_CONTENT, "").into_response(),
            None => error(404, "not.found", "the user has no such skill or language"),
        },
        _ => error(404, "not.found", "no such resource"),
    }
}
