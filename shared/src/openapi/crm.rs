//! The CRM API's operations and schemas: activities, notes, wrap-ups, cases, timelines. The
//! bodies are described here, field by field, as [`crate::crm`] serialises them.

use serde_json::{Value, json};

use super::{Operation, json_body, json_response, op, path_param, query_param, responses, schema_ref, security};

/// The security scheme of every CRM operation.
pub const CRM_API_KEY: &str = "crm_api_key";

/// The scheme, for `components.securitySchemes`.
pub fn security_scheme() -> Value {
    json!({"type": "apiKey", "in": "header", "name": "X-API-KEY",
        "description": "The `api_key` of any UIS or WDE channel: the CRM API acts for that channel's tenant, and sees only its records."})
}

fn activity_id() -> Value {
    path_param(
        "id",
        "`<source>:<channel>:<the provider's id>`, e.g. `uis:uis-main:3141592`.",
        json!({"type": "string", "minLength": 1, "pattern": "^[^/]+$"}),
    )
}

fn case_id() -> Value {
    path_param(
        "id",
        "`<activity id>~<16 hex digits>`.",
        json!({"type": "string", "minLength": 1, "pattern": "^[^/]+$"}),
    )
}

pub fn operations() -> Vec<Operation> {
    vec![
        op(
            "GET /activities/{id}",
            "get",
            "/activities/{id}",
            json!({
                "operationId": "getActivity", "tags": ["crm"], "summary": "An activity with its notes, wrap-up and cases.",
                "security": security(CRM_API_KEY), "parameters": [activity_id()],
                "responses": responses(&[(200, json_response("The activity.", "ActivityView"))], &[401, 404, 500, 503]),
            }),
        ),
        op(
            "POST /activities/{id}/notes",
            "post",
            "/activities/{id}/notes",
            json!({
                "operationId": "addActivityNote", "tags": ["crm"], "summary": "Appends a note, during the interaction or after.",
                "description": "Every note is kept, however many are sent at once.",
                "security": security(CRM_API_KEY), "parameters": [activity_id()], "requestBody": json_body("NoteRequest"),
                "responses": responses(&[(201, json_response("The note.", "Note"))], &[400, 401, 404, 409, 413, 422, 500, 503]),
            }),
        ),
        op(
            "PUT /activities/{id}/wrapup",
            "put",
            "/activities/{id}/wrapup",
            json!({
                "operationId": "setActivityWrapup", "tags": ["crm"], "summary": "Sets the wrap-up: a code of the channel's list, and a text.",
                "description": "422 for a code outside the `wrapup_codes` of the activity's channel.",
                "security": security(CRM_API_KEY), "parameters": [activity_id()], "requestBody": json_body("WrapupRequest"),
                "responses": responses(&[(200, json_response("The wrap-up as stored.", "Wrapup"))], &[400, 401, 404, 413, 422, 500, 503]),
            }),
        ),
        op(
            "GET /crm/contacts/{contact_id}/timeline",
            "get",
            "/crm/contacts/{contact_id}/timeline",
            json!({
                "operationId": "getContactTimeline", "tags": ["crm"], "summary": "A contact's newest activities and cases, newest first.",
                "security": security(CRM_API_KEY),
                "parameters": [
                    path_param("contact_id", "The contact's id.", json!({"type": "string", "minLength": 1, "pattern": "^[^/]+$"})),
                    query_param("limit", "Entries, 1 to 100 (default 20).", json!({"type": "integer", "minimum": 1, "maximum": 100})),
                ],
                "responses": responses(&[(200, json_response("The timeline; empty for an unknown contact.", "Timeline"))], &[400, 401, 500, 503]),
            }),
        ),
        op(
            "GET /cases",
            "get",
            "/cases",
            json!({
                "operationId": "listCases", "tags": ["crm"], "summary": "The tenant's cases in a status, oldest first.",
                "security": security(CRM_API_KEY),
                "parameters": [
                    query_param("status", "`open` (default), `in_progress` or `closed`.", json!({"enum": ["open", "in_progress", "closed"]})),
                    query_param("limit", "Page size, 1 to 100 (default 50).", json!({"type": "integer", "minimum": 1, "maximum": 100})),
                    query_param("cursor", "The `next_cursor` of the previous page.", json!({"type": "string"})),
                ],
                "responses": responses(&[(200, json_response("A page of cases.", "CasePage"))], &[400, 401, 500, 503]),
            }),
        ),
        op(
            "POST /cases",
            "post",
            "/cases",
            json!({
                "operationId": "openCase", "tags": ["crm"], "summary": "An agent opens a case for an activity.",
                "description": "`request_id` makes it idempotent: the same one again answers 200 with the case it opened.",
                "security": security(CRM_API_KEY), "requestBody": json_body("OpenCase"),
                "responses": responses(&[
                    (201, json_response("Opened.", "Case")),
                    (200, json_response("Opened before by the same request.", "Case")),
                ], &[400, 401, 404, 413, 422, 500, 503]),
            }),
        ),
        op(
            "GET /cases/{id}",
            "get",
            "/cases/{id}",
            json!({
                "operationId": "getCase", "tags": ["crm"], "summary": "One case.",
                "security": security(CRM_API_KEY), "parameters": [case_id()],
                "responses": responses(&[(200, json_response("The case.", "Case"))], &[401, 404, 500, 503]),
            }),
        ),
        op(
            "PUT /cases/{id}/status",
            "put",
            "/cases/{id}/status",
            json!({
                "operationId": "setCaseStatus", "tags": ["crm"], "summary": "Moves a case to a status; the same status again changes nothing.",
                "security": security(CRM_API_KEY), "parameters": [case_id()], "requestBody": json_body("StatusChange"),
                "responses": responses(&[(200, json_response("The case.", "Case"))], &[400, 401, 404, 413, 422, 500, 503]),
            }),
        ),
    ]
}

pub fn schemas() -> Vec<(&'static str, Value)> {
    let text = |description: &str| json!({"type": "string", "description": description});
    let time = json!({"type": "string", "format": "date-time"});
    let fields = json!({"type": "object", "additionalProperties": {"type": "string"}, "description": "What the channel's field mapping gives."});
    let opener = json!({"type": "object", "required": ["by", "name"], "properties": {
        "by": {"enum": ["rule", "agent"]}, "name": {"type": "string", "description": "The rule's name, or the agent's."},
    }});
    let activity_properties = json!({
        "tenant": {"type": "string"}, "id": text("The activity's id."), "channel": {"type": "string"},
        "source": {"enum": ["uis", "wde", "chat"]}, "media": text("`voice`, `email`, `chat`, `sms` or `other`."),
        "direction": {"enum": ["inbound", "outbound"]}, "subject": {"type": "string"},
        "started_at": time, "ended_at": time, "duration_seconds": {"type": "integer", "minimum": 0},
        "owner": text("The agent who has it: on a transfer, the one who took it over."),
        "previous_owners": {"type": "array", "items": {"type": "string"}},
        "contact": {"type": "string"}, "company": {"type": "string"}, "phone": {"type": "string"}, "email": {"type": "string"},
        "queue": {"type": "string"}, "outcome": text("`answered`, `lost`, `ongoing`, `escalated`, or what WDE reported."),
        "provider_wrapup": text("WDE's `DispositionCode`."),
        "recordings": {"type": "array", "items": {"type": "string"}, "description": "Ids for `GET /recordings/{id}`."},
        "survey": {"type": "array", "items": {"type": "object", "required": ["question", "answer"], "properties": {
            "question": {"type": "string"}, "answer": {"type": "string"}}}},
        "fields": fields,
    });
    let activity_required = json!(["tenant", "id", "channel", "source", "media", "subject"]);
    let mut view_properties = activity_properties.clone();
    if let Value::Object(map) = &mut view_properties {
        map.insert(
            "notes".into(),
            json!({"type": "array", "items": schema_ref("Note"), "description": "Oldest first."}),
        );
        map.insert("wrapup".into(), json!({"oneOf": [{"type": "null"}, schema_ref("Wrapup")]}));
        map.insert("cases".into(), json!({"type": "array", "items": schema_ref("Case")}));
    }
    let mut view_required = activity_required.clone();
    if let Value::Array(list) = &mut view_required {
        list.extend([json!("notes"), json!("wrapup"), json!("cases")]);
    }
    let mut activity_entry = activity_properties.clone();
    if let Value::Object(map) = &mut activity_entry {
        map.insert("kind".into(), json!({"const": "activity"}));
    }
    let case_properties = json!({
        "tenant": {"type": "string"}, "id": {"type": "string"}, "subject": {"type": "string"},
        "status": {"enum": ["open", "in_progress", "closed"]}, "opened_by": opener,
        "contact": {"type": "string"}, "company": {"type": "string"}, "opened_at": time, "fields": fields,
        "status_by": {"type": "string"}, "status_at": time,
    });
    let case_required = json!(["tenant", "id", "subject", "status", "opened_by", "opened_at"]);
    let mut case_entry = case_properties.clone();
    if let Value::Object(map) = &mut case_entry {
        map.insert("kind".into(), json!({"const": "case"}));
    }
    vec![
        ("Activity", json!({"type": "object", "required": activity_required, "properties": activity_properties})),
        ("ActivityView", json!({"type": "object", "required": view_required, "properties": view_properties})),
        (
            "Note",
            json!({"type": "object", "required": ["tenant", "activity", "id", "author", "text", "at"], "properties": {
                "tenant": {"type": "string"}, "activity": {"type": "string"}, "id": {"type": "string"},
                "author": {"type": "string"}, "text": {"type": "string"}, "at": time,
            }}),
        ),
        (
            "Wrapup",
            json!({"type": "object", "required": ["tenant", "activity", "code", "label", "by", "at"], "properties": {
                "tenant": {"type": "string"}, "activity": {"type": "string"}, "code": {"type": "string"}, "label": {"type": "string"},
                "text": {"type": "string"}, "by": {"type": "string"}, "at": time,
            }}),
        ),
        ("Case", json!({"type": "object", "required": case_required, "properties": case_properties})),
        (
            "CasePage",
            json!({"type": "object", "required": ["status", "cases", "next_cursor"], "properties": {
                "status": {"enum": ["open", "in_progress", "closed"]}, "cases": {"type": "array", "items": schema_ref("Case")},
                "next_cursor": {"type": ["string", "null"]},
            }}),
        ),
        (
            "Timeline",
            json!({"type": "object", "required": ["contact_id", "entries"], "properties": {
                "contact_id": {"type": "string"},
                "entries": {"type": "array", "items": {"oneOf": [
                    {"type": "object", "required": ["kind"], "properties": activity_entry},
                    {"type": "object", "required": ["kind"], "properties": case_entry},
                ]}},
            }}),
        ),
        (
            "NoteRequest",
            json!({"type": "object", "required": ["author", "text"], "additionalProperties": false, "properties": {
                "author": {"type": "string", "minLength": 1, "maxLength": 200}, "text": {"type": "string", "minLength": 1, "maxLength": 4000},
            }}),
        ),
        (
            "WrapupRequest",
            json!({"type": "object", "required": ["code", "by"], "additionalProperties": false, "properties": {
                "code": {"type": "string"}, "text": {"type": ["string", "null"], "maxLength": 2000}, "by": {"type": "string", "minLength": 1, "maxLength": 200},
            }}),
        ),
        (
            "OpenCase",
            json!({"type": "object", "required": ["activity_id", "subject", "by", "request_id"], "additionalProperties": false, "properties": {
                "activity_id": {"type": "string"}, "subject": {"type": "string", "minLength": 1, "maxLength": 300},
                "by": {"type": "string", "minLength": 1, "maxLength": 200}, "request_id": {"type": "string", "minLength": 1, "maxLength": 128},
            }}),
        ),
        (
            "StatusChange",
            json!({"type": "object", "required": ["status", "by"], "additionalProperties": false, "properties": {
                "status": {"enum": ["open", "in_progress", "closed"]}, "by": {"type": "string", "minLength": 1, "maxLength": 200},
            }}),
        ),
    ]
}
