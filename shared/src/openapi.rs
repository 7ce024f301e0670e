//! The OpenAPI 3.1 document of every HTTP operation the functions serve: what providers and the
//! helpdesk are given, what API tooling imports, and what the test command holds the service to
//! (schemathesis against the local stack, `tests/e2e/openapi.rs` against the route table).
//!
//! Request and response bodies that are Rust types here have their schemas derived from those
//! types (`utoipa::ToSchema`, behind the `openapi` feature), so a field added to a type is in
//! the document. Bodies built as JSON where they are answered (the UIS webhook's result, the
//! history API's call views, the WDE contract) are described below, next to the operation, and
//! the schemathesis run checks every answer against them. The WDE field lists are the
//! webservice's own ([`crate::wde::request`]).
//!
//! The local stack serves the document at `/openapi.json`; `docs/openapi.json` is the same
//! document, committed for API tooling (`cargo run -p ccbridge-local -- openapi` writes it).

mod crm;

use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::chat::api::{Page, SessionView};
use crate::chat::delivery::MessageView;
use crate::chat::escalation::{PostRequest, StartRequest};
use crate::crm::ids::ContactId;
use crate::genesys::open_messaging::MediaType;
use crate::phone::PhoneNumber;
use crate::recordings::playback::PlaybackLink;
use crate::uis::call::CallSessionId;
use crate::uis::callback::DoneRequest;
use crate::uis::click_to_call::{CallRequest, PlacedView};
use crate::uis::history::ContactView;
use crate::uis::notification::EventKind;
use crate::wde::request::{CAMPAIGN_FIELDS, REGISTER_FIELDS, UPDATE_FIELDS};

/// The OpenAPI version of the document.
pub const OPENAPI_VERSION: &str = "3.1.0";

/// Security scheme names, as operations require them.
pub const UIS_CHANNEL_TOKEN: &str = "uis_channel_token";
pub const UIS_API_KEY: &str = "uis_api_key";
pub const WDE_API_KEY: &str = "wde_api_key";
pub const WDE_SIGNATURE: &str = "wde_signature";
pub const CHATBOT_API_KEY: &str = "chatbot_api_key";
pub const GENESYS_SIGNATURE: &str = "genesys_signature";
pub const AGENT_STATES_API_KEY: &str = "agent_states_api_key";

/// One documented operation and the route that serves it.
#[derive(Debug, Clone)]
pub struct Operation {
    /// The route's key as `Route::key` writes it (`ANY /wde/{method}`).
    pub route: String,
    /// The HTTP method, lower-case as OpenAPI writes it.
    pub method: &'static str,
    /// The documented path: the route's, or for an `ANY /wde/{method}` route one path per
    /// webservice method, since each method has its own body.
    pub path: String,
    /// The Operation Object.
    pub operation: Value,
}

/// The whole document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in operations() {
        let item = paths.entry(op.path.clone()).or_insert_with(|| json!({}));
        if let Value::Object(item) = item {
            item.insert(op.method.to_owned(), op.operation);
        }
    }
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "ccbridge",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "The integration hub between UIS telephony, Genesys WDE, Genesys Cloud and a chatbot.",
            "description": INFO,
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [
            {"url": "http://127.0.0.1:3000", "description": "the local stack (`cargo run -p ccbridge-local`)"},
            {"url": "https://{api}.execute-api.{region}.amazonaws.com", "description": "a deployed stack (its `ApiUrl` output)",
             "variables": {"api": {"default": "abcdef1234"}, "region": {"default": "eu-central-1"}}},
        ],
        "tags": [
            {"name": "status", "description": "Monitors."},
            {"name": "uis", "description": "UIS (CoMagic) telephony: notifications, the history API, click-to-call, callbacks."},
            {"name": "wde", "description": "The Genesys WDE webservice (YetiForce's \"Genesys WDE by Whirly\" contract) and the screen-pop card."},
            {"name": "chat", "description": "Live chat: the chatbot's API and Genesys Cloud's open-messaging webhook."},
            {"name": "ex", "description": "Genesys Cloud EX: what platforms push for the organisation (agents' states)."},
            {"name": "crm", "description": "The CRM: activities with notes and wrap-ups, cases, a contact's timeline, and contacts and companies loaded from the tenant's own CRM."},
        ],
        "paths": paths,
        "components": {"schemas": schemas(), "securitySchemes": security_schemes()},
    })
}

/// The document as the text served and committed: pretty-printed, ending with a newline.
pub fn document_text() -> String {
    let mut text = serde_json::to_string_pretty(&document()).unwrap_or_default();
    text.push('\n');
    text
}

const INFO: &str = "Every HTTP operation of the ccbridge functions. Errors use one body, \
`{\"error\":{\"code\",\"message\",\"request_id\"}}` (`Error`): `code` is stable and meant for programs, \
`message` names the field or limit, `request_id` is the correlation id found in the logs. Two provider \
contracts keep their own: the WDE webservice answers `{\"status\":0,\"error\":{\"message\",\"code\"}}` \
(`WdeError`) and the screen-pop card answers HTML pages. A path no route matches gets API Gateway's \
`404 {\"message\":\"Not Found\"}`.\n\nThe screen-pop card (`/card/{token}`) is reached by a signed, \
expiring link that the WDE webservice returns: the `token` path segment is the credential (an HMAC-SHA256 \
of the channel, interaction and expiry under the channel's `card_secret`), so those operations declare \
no security scheme and answer 403 for a tampered or expired link.";

fn schema_ref(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// A JSON request body of the named schema.
fn json_body(schema: &str) -> Value {
    json!({"required": true, "content": {"application/json": {"schema": schema_ref(schema)}}})
}

/// A request body that may come as JSON or as a form with the same fields.
fn json_or_form_body(schema: &str) -> Value {
    json!({"required": true, "content": {
        "application/json": {"schema": schema_ref(schema)},
        "application/x-www-form-urlencoded": {"schema": schema_ref(schema)},
    }})
}

fn json_response(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema_ref(schema)}}})
}

/// What each error status means for a caller, for the descriptions of the error responses.
fn error_description(status: u16) -> &'static str {
    match status {
        400 => {
            "The request is malformed: `code` says how (`invalid_json`, `invalid_form`, `invalid_field`, \
                `missing_field`, `invalid_query`, `missing_query`, `invalid_path`, `invalid_cursor`, …), `message` names the field."
        }
        401 => "Credentials are missing or wrong (`unauthorized`). Nothing was written.",
        403 => "Refused (`forbidden`).",
        404 => {
            "Not found (`not_found`), or API Gateway's `{\"message\":\"Not Found\"}` when no route matches the path."
        }
        406 => "A value fails the contract's sanitizers.",
        409 => "Conflicts with what is stored or configured (`conflict`).",
        413 => "The body is larger than the configured `service.max_body_bytes` (`payload_too_large`).",
        415 => "The body's content type is not one the operation reads (`unsupported_media_type`).",
        422 => "UIS refused a value of the request; `code` names the refusal, `message` the field.",
        429 => "UIS's Call API limit is spent (`rate_limited`); retry after `Retry-After` seconds.",
        500 => "Something stored cannot be read (`internal`); retrying will not help.",
        503 => {
            "A backend (DynamoDB, S3, a provider) is unavailable (`unavailable`); retry later, nothing accepted is lost."
        }
        _ => "An error.",
    }
}

/// The JSON error responses, with the common body.
fn errors(responses: &mut Map<String, Value>, statuses: &[u16]) {
    for status in statuses {
        let schema = if *status == 404 { "NotFound" } else { "Error" };
        let mut response = json_response(error_description(*status), schema);
        if *status == 429 {
            response["headers"] = json!({"Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}});
        }
        responses.insert(status.to_string(), response);
    }
}

fn responses(ok: &[(u16, Value)], error_statuses: &[u16]) -> Value {
    let mut map = Map::new();
    for (status, response) in ok {
        map.insert(status.to_string(), response.clone());
    }
    errors(&mut map, error_statuses);
    Value::Object(map)
}

fn security(scheme: &str) -> Value {
    json!([{ scheme: [] }])
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "path", "required": true, "description": description, "schema": schema})
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

/// A path segment: what API Gateway routes as one (not empty, no `/`).
fn segment() -> Value {
    json!({"type": "string", "minLength": 1, "pattern": "^[^/]+$"})
}

fn page_params() -> Vec<Value> {
    vec![
        query_param(
            "limit",
            "Page size, 1 to 100 (default 20).",
            json!({"type": "integer", "minimum": 1, "maximum": 100}),
        ),
        query_param("cursor", "The `next_cursor` of the previous page.", json!({"type": "string"})),
    ]
}

fn op(route: &str, method: &'static str, path: &str, operation: Value) -> Operation {
    Operation { route: route.to_owned(), method, path: path.to_owned(), operation }
}

/// Every documented operation.
pub fn operations() -> Vec<Operation> {
    let mut all = vec![op(
        "GET /status",
        "get",
        "/status",
        json!({
            "operationId": "getStatus", "tags": ["status"], "summary": "Version, and whether the table and the bucket answer.",
            "security": [],
            "responses": {
                "200": json_response("Both answer.", "Status"),
                "503": json_response("The table or the bucket does not answer; each says why.", "Status"),
            },
        }),
    )];
    all.extend(uis_operations());
    all.extend(wde_operations());
    all.extend(chat_operations());
    all.extend(crm::operations());
    all.push(op("POST /agents/states", "post", "/agents/states", json!({
        "operationId": "pushAgentStates", "tags": ["ex"],
        "summary": "A platform's agents' states (1 to 100), for Genesys Cloud EX presence and routing status.",
        "description": "Every item is checked before any is applied: a malformed one (400), an unknown agent or \
            state (422) refuses the whole batch. An older state than the one stored changes nothing.",
        "security": security(AGENT_STATES_API_KEY),
        "requestBody": json_body("AgentStatesPush"),
        "responses": responses(&[(200, json_response("A result per state, in the order pushed.", "AgentStatesAnswer"))],
            &[400, 401, 413, 422, 500, 503]),
    })));
    all.extend(crm_operations());
    all
}

/// The CRM import: a UIS or a WDE channel's key acts for its tenant ([`crm::CRM_API_KEY`]).
fn crm_operations() -> Vec<Operation> {
    let description = "Each record is checked on its own: one that fails gets its error in `results` (`invalid_field`, \
        `missing_field`, `duplicate_external_id`, `unknown_company`), the others are stored. A record's id is derived from \
        the tenant and its `external_id`, so sending the same records again writes nothing (`unchanged`), a changed record \
        is rewritten with its lookup items in one transaction (`updated`), and a record left out of a field loses it. \
        Phones without a country code are read in the key's channel's `default_country`.";
    [("contacts", "importContacts", "CrmContacts", "Contacts, found by e-mail, phone or messenger id (1 to 500)."),
     ("companies", "importCompanies", "CrmCompanies", "Companies, found by tax id and token (1 to 500).")]
    .into_iter()
    .map(|(plural, id, body, summary)| {
        let path = format!("/crm/{plural}");
        op(&format!("POST {path}"), "post", &path, json!({
            "operationId": id, "tags": ["crm"], "summary": summary, "description": description,
            "security": [{ crm::CRM_API_KEY: [] }],
            "requestBody": json_body(body),
            "responses": responses(&[(200, json_response("A result per record, in the order sent, and the counts.", "CrmImportAnswer"))],
                &[400, 401, 413, 500, 503]),
        }))
    })
    .collect()
}

fn uis_operations() -> Vec<Operation> {
    let mut all = Vec::new();
    for kind in EventKind::ALL {
        let name = kind.as_str();
        let function = if kind == EventKind::CallFinished { "uis-call-finished" } else { "uis-call-started" };
        let path = format!("/uis/webhook/{name}");
        all.push(op(
            &format!("POST {path}"),
            "post",
            &path,
            json!({
                "operationId": format!("uisWebhook_{name}"), "tags": ["uis"],
                "summary": format!("UIS notification `{name}` ({function})."),
                "description": "One delivery of a UIS HTTP notification, merged into the call record whatever the order or \
                    number of deliveries. The channel token is the body field `ud_channel_token` (as in UIS's Usedesk \
                    templates) or the `X-UIS-Channel-Token` header. A delivery already merged writes nothing and answers \
                    `result: unchanged`.",
                "security": security(UIS_CHANNEL_TOKEN),
                "requestBody": json_or_form_body("UisNotification"),
                "responses": responses(&[(200, json_response("Merged (or already merged).", "UisWebhookResult"))], &[400, 401, 413, 500, 503]),
            }),
        ));
    }
    all.push(op("GET /uis/contacts", "get", "/uis/contacts", json!({
        "operationId": "uisContactByPhone", "tags": ["uis"], "summary": "The contact with this phone number (any notation).",
        "security": security(UIS_API_KEY),
        "parameters": [json!({"name": "phone", "in": "query", "required": true, "description": "A phone number, read in the channel's `default_country` when it has no country code.", "schema": {"type": "string"}})],
        "responses": responses(&[(200, json_response("The contact.", "ContactView"))], &[400, 401, 404, 409, 500, 503]),
    })));
    let mut params = vec![path_param(
        "contact_id",
        "The contact's id (`c` and 20 hex digits); another id has no calls.",
        json!({"type": "string", "pattern": "^c[0-9a-f]{20}$"}),
    )];
    params.extend(page_params());
    all.push(op("GET /uis/contacts/{contact_id}/calls", "get", "/uis/contacts/{contact_id}/calls", json!({
        "operationId": "uisContactCalls", "tags": ["uis"], "summary": "A contact's calls on the channel, newest first.",
        "security": security(UIS_API_KEY),
        "parameters": params,
        "responses": responses(&[(200, json_response("A page of calls (empty for an unknown contact).", "CallsPage"))], &[400, 401, 404, 500, 503]),
    })));
    all.push(op("GET /uis/calls/{call_session_id}", "get", "/uis/calls/{call_session_id}", json!({
        "operationId": "uisCall", "tags": ["uis"], "summary": "One call with its ticket, its recordings and a page of its notifications (token removed).",
        "description": "A call may have been delivered thousands of times: its notifications come at most 10 per \
            answer, so an answer stays far below Lambda's 6 MB. Every page repeats the call, its ticket and its \
            recordings; `next_cursor` fetches the next page of notifications.",
        "security": security(UIS_API_KEY),
        "parameters": [
            path_param("call_session_id", "UIS's call session id.", json!({"type": "string", "pattern": "^[0-9]+$"})),
            query_param("limit", "Notifications per page, 1 to 10 (default 10).", json!({"type": "integer", "minimum": 1, "maximum": 10})),
            query_param("cursor", "The `next_cursor` of the previous page.", json!({"type": "string"})),
        ],
        "responses": responses(&[(200, json_response("The call.", "CallDetail"))], &[400, 401, 404, 500, 503]),
    })));
    all.push(op("GET /recordings/{id}", "get", "/recordings/{id}", json!({
        "operationId": "recordingLink", "tags": ["uis"], "summary": "A 5-minute presigned link to play a recording copied into S3.",
        "security": security(UIS_API_KEY),
        "parameters": [path_param(
            "id",
            "`<call_session_id>-<link_id>`, as `recordings[].id` of the call.",
            json!({"type": "string", "pattern": "^[0-9]+-[0-9a-f]{20}$"}),
        )],
        "responses": responses(&[(200, json_response("The link.", "PlaybackLink"))], &[400, 401, 404, 409, 500, 503]),
    })));
    all.push(op("POST /uis/calls", "post", "/uis/calls", json!({
        "operationId": "uisClickToCall", "tags": ["uis"], "summary": "Click-to-call: UIS rings the employee, then the customer.",
        "description": "Calls UIS's `start.employee_call`. The same employee and number again within the channel's \
            `double_click_seconds` answers 200 with the first call and rings nobody twice. 409 when the channel has no `call_api`.",
        "security": security(UIS_API_KEY),
        "requestBody": json_body("CallRequest"),
        "responses": responses(&[
            (201, json_response("The call is placed.", "PlacedView")),
            (200, json_response("A double click: the call placed first.", "PlacedView")),
        ], &[400, 401, 409, 413, 422, 429, 500, 503]),
    })));
    all.push(op("GET /uis/callbacks", "get", "/uis/callbacks", json!({
        "operationId": "uisCallbacks", "tags": ["uis"], "summary": "Missed incoming calls still to call back, oldest first.",
        "security": security(UIS_API_KEY),
        "parameters": page_params(),
        "responses": responses(&[(200, json_response("A page of open callbacks.", "CallbackPage"))], &[400, 401, 500, 503]),
    })));
    all.push(op("POST /uis/callbacks/{ticket_id}/done", "post", "/uis/callbacks/{ticket_id}/done", json!({
        "operationId": "uisCallbackDone", "tags": ["uis"], "summary": "One callback done; marking it again changes nothing.",
        "security": security(UIS_API_KEY),
        "parameters": [path_param("ticket_id", "The callback's ticket id.", segment())],
        "requestBody": json_body("DoneRequest"),
        "responses": responses(&[(200, json_response("Done now, or already.", "CallbackDone"))], &[400, 401, 404, 413, 500, 503]),
    })));
    all.push(op("POST /uis/callbacks/done", "post", "/uis/callbacks/done", json!({
        "operationId": "uisCallbacksDone", "tags": ["uis"], "summary": "Many callbacks done (1 to 100), a result each.",
        "security": security(UIS_API_KEY),
        "requestBody": json_body("DoneRequest"),
        "responses": responses(&[(200, json_response("A result per ticket.", "CallbacksDone"))], &[400, 401, 413, 500, 503]),
    })));
    all
}

/// The WDE webservice's methods: name, summary, schema of the body, answer.
const WDE_METHODS: [(&str, &str, &str, &str); 3] = [
    (
        "registerInteraction",
        "An interaction starts: answers its id and the signed screen-pop link.",
        "WdeRegisterInteraction",
        "WdeRegistered",
    ),
    ("updateInteraction", "An interaction ends.", "WdeUpdateInteraction", "WdeOk"),
    ("registerInteractionCampaign", "An SMS, e-mail or phone campaign interaction.", "WdeRegisterCampaign", "WdeOk"),
];

fn wde_error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema_ref("WdeError")}}})
}

fn wde_operations() -> Vec<Operation> {
    let mut all = Vec::new();
    let bases = [
        ("ANY /wde/{method}", "/wde", ""),
        ("ANY /webservice/PBX/GenesysWdeWhirly/{method}", "/webservice/PBX/GenesysWdeWhirly", "Yetiforce"),
    ];
    for (route, base, suffix) in bases {
        for (method, summary, request, answer) in WDE_METHODS {
            let path = format!("{base}/{method}");
            let mut errors = Map::new();
            for status in [400, 401, 404, 406, 413, 415, 500, 503] {
                errors.insert(status.to_string(), wde_error(error_description(status)));
            }
            errors.insert(
                "200".into(),
                json!({"description": "Done.", "content": {"application/json": {"schema": schema_ref(answer)}}}),
            );
            all.push(op(route, "post", &path, json!({
                "operationId": format!("wde_{method}{suffix}"), "tags": ["wde"], "summary": summary,
                "description": "YetiForce's contract: a JSON object or a form; query-string values win over body values of the \
                    same name; fields the contract does not name are kept with the interaction. Idempotent per channel and \
                    `GenesysIDInteraction`. Errors are `{\"status\":0,\"error\":{\"message\",\"code\"}}` with HTTP status `code`.",
                "security": [{ WDE_API_KEY: [] }, { WDE_SIGNATURE: [] }],
                "requestBody": json_or_form_body(request),
                "responses": errors,
            })));
            all.push(op(
                route,
                "options",
                &path,
                json!({
                    "operationId": format!("wde_{method}{suffix}_preflight"), "tags": ["wde"],
                    "summary": "The CORS preflight, answered without authentication.",
                    "security": [],
                    "responses": {"204": {"description": "Allowed: `POST` with the contract's headers.", "headers": {
                        "Access-Control-Allow-Origin": {"schema": {"type": "string", "const": "*"}},
                        "Access-Control-Allow-Methods": {"schema": {"type": "string"}},
                        "Access-Control-Allow-Headers": {"schema": {"type": "string"}},
                    }}},
                }),
            ));
        }
    }
    let html = |description: &str| json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}});
    let token = path_param("token", "The signed, expiring link `registerInteraction` answered.", segment());
    all.push(op("GET /card/{token}", "get", "/card/{token}", json!({
        "operationId": "card", "tags": ["wde"], "summary": "The screen-pop card (HTML): the customer, consents, the newest interactions and calls.",
        "security": [],
        "parameters": [token.clone()],
        "responses": {
            "200": html("The card."),
            "403": html("The link is tampered with or expired."),
            "404": html("The interaction no longer exists."),
            "500": html(error_description(500)),
            "503": html(error_description(503)),
        },
    })));
    all.push(op("POST /card/{token}/calls", "post", "/card/{token}/calls", json!({
        "operationId": "cardCall", "tags": ["wde"], "summary": "The card's \"Call through UIS\" button.",
        "description": "A form post from the card itself: a cross-site post (`Origin` or `Sec-Fetch-Site` of another site), \
            a number the card does not show or a channel that cannot call for the card's agent is 403.",
        "security": [],
        "parameters": [token.clone()],
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": schema_ref("CardCall")}}},
        "responses": {
            "201": html("The call is placed."),
            "200": html("A double click: the call placed first."),
            "400": html(error_description(400)),
            "403": html("The link is tampered with or expired, the post is cross-site, or the number or channel is not the card's."),
            "404": html("The interaction no longer exists."),
            "409": html("The UIS channel cannot place calls."),
            "413": html(error_description(413)),
            "422": html(error_description(422)),
            "429": html(error_description(429)),
            "500": html(error_description(500)),
            "503": html(error_description(503)),
        },
    })));
    let back_to_card = || {
        json!({
            "description": "Done: back to the card (`Location: ../{token}`), which now shows the customer.",
            "headers": {"Location": {"description": "The card, relative to this path.", "schema": {"type": "string"}}},
            "content": {"text/html": {"schema": {"type": "string"}}},
        })
    };
    let no_match_errors = |conflict: &str, not_found: &str| {
        json!({
            "303": back_to_card(),
            "400": html(error_description(400)),
            "403": html("The link is tampered with or expired, or the post is cross-site."),
            "404": html(not_found),
            "409": html(conflict),
            "413": html(error_description(413)),
            "422": html("The record would be larger than DynamoDB stores."),
            "500": html(error_description(500)),
            "503": html(error_description(503)),
        })
    };
    all.push(op("POST /card/{token}/contacts", "post", "/card/{token}/contacts", json!({
        "operationId": "cardCreateContact", "tags": ["wde"], "summary": "The card's new-contact form, where no contact matched.",
        "description": "A form post from the card itself (a cross-site post is 403): creates the contact (its id derived \
            from its phone, else its e-mail, so a double submit creates one) with the interaction's messenger id, and links \
            the interaction to it, in one transaction. The phone is read in the channel's `default_country`.",
        "security": [],
        "parameters": [token.clone()],
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": schema_ref("CardNewContact")}}},
        "responses": no_match_errors(
            "Another contact holds the phone or e-mail already (link to it instead), or the interaction is linked to another contact.",
            "The interaction no longer exists.",
        ),
    })));
    all.push(op("POST /card/{token}/link", "post", "/card/{token}/link", json!({
        "operationId": "cardLinkCustomer", "tags": ["wde"], "summary": "The card's \"link to an existing customer\" form.",
        "description": "A form post from the card itself (a cross-site post is 403): finds the contact (by phone or \
            e-mail) or the company (by tax id and customer token) of the channel's tenant that `customer` names, and \
            links the interaction to it.",
        "security": [],
        "parameters": [token],
        "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": schema_ref("CardLinkCustomer")}}},
        "responses": no_match_errors(
            "Several contacts or companies match (the page says how many), or the interaction is linked to another customer.",
            "No customer of the tenant matches, or the interaction no longer exists.",
        ),
    })));
    let activity_errors = |conflict: Option<&str>, unprocessable: &str| {
        let mut answers =
            no_match_errors(conflict.unwrap_or_default(), "The interaction, or its activity, no longer exists.");
        answers["422"] = html(unprocessable);
        if conflict.is_none()
            && let Some(answers) = answers.as_object_mut()
        {
            answers.remove("409");
        }
        answers
    };
    for (route, id, summary, description, form, conflict, unprocessable) in [
        (
            "notes",
            "cardAddNote",
            "The card's note form.",
            "Appends the agent's note to the interaction's activity, during the interaction or after; notes sent at the \
            same time are all kept.",
            "CardNote",
            Some("The activity has as many notes as it keeps."),
            "The text is empty, too long or holds control characters.",
        ),
        (
            "wrapup",
            "cardSetWrapup",
            "The card's wrap-up form.",
            "Sets the activity's wrap-up to one of the channel's `wrapup_codes`; the same wrap-up again changes nothing.",
            "CardWrapup",
            None,
            "The code is not in the channel's list (the page names the list), or the text is too long.",
        ),
        (
            "cases",
            "cardOpenCase",
            "The card's case form.",
            "Opens a case for the interaction's activity, linked to its contact or company. `request_id` is the nonce the \
            page put in the form: the same form sent twice opens one case.",
            "CardCase",
            None,
            "The subject is empty or too long, or `request_id` is missing.",
        ),
    ] {
        let path = format!("/card/{{token}}/{route}");
        all.push(op(&format!("POST {path}"), "post", &path, json!({
            "operationId": id, "tags": ["wde"], "summary": summary,
            "description": format!("A form post from the card itself (a cross-site post is 403). {description}"),
            "security": [],
            "parameters": [token.clone()],
            "requestBody": {"required": true, "content": {"application/x-www-form-urlencoded": {"schema": schema_ref(form)}}},
            "responses": activity_errors(conflict, unprocessable),
        })));
    }
    all
}

fn chat_operations() -> Vec<Operation> {
    let id = || path_param("id", "The session id.", segment());
    vec![
        op(
            "POST /chat/sessions",
            "post",
            "/chat/sessions",
            json!({
                "operationId": "chatStart", "tags": ["chat"], "summary": "The bot escalates a user to a human agent.",
                "description": "Repeating a start with the same `session_id` answers 200 with the stored session (409 if it is another user's).",
                "security": security(CHATBOT_API_KEY),
                "requestBody": json_body("StartRequest"),
                "responses": responses(&[
                    (201, json_response("The session is started.", "SessionView")),
                    (200, json_response("The session started before with this id.", "SessionView")),
                ], &[400, 401, 409, 413, 500, 503]),
            }),
        ),
        op(
            "POST /chat/sessions/{id}/messages",
            "post",
            "/chat/sessions/{id}/messages",
            json!({
                "operationId": "chatPost", "tags": ["chat"], "summary": "The user's text, attachments or typing, to Genesys Cloud.",
                "security": security(CHATBOT_API_KEY),
                "parameters": [id()],
                "requestBody": json_body("PostRequest"),
                "responses": responses(&[
                    (201, json_response("The message is stored and sent.", "MessageView")),
                    (200, json_response("A retry of a message already sent.", "MessageView")),
                    (202, json_response("Typing, passed through (not stored).", "TypingSent")),
                ], &[400, 401, 404, 409, 413, 500, 503]),
            }),
        ),
        op(
            "GET /chat/sessions/{id}/messages",
            "get",
            "/chat/sessions/{id}/messages",
            json!({
                "operationId": "chatRead", "tags": ["chat"], "summary": "The transcript, oldest first, from a cursor.",
                "security": security(CHATBOT_API_KEY),
                "parameters": [id(),
                    query_param("after", "The `next` of the previous read.", json!({"type": "string"})),
                    query_param("limit", "Page size, 1 to 200 (default 50).", json!({"type": "integer", "minimum": 1, "maximum": 200}))],
                "responses": responses(&[(200, json_response("A page of the transcript.", "Page"))], &[400, 401, 404, 500, 503]),
            }),
        ),
        op(
            "POST /genesys/messaging/webhook",
            "post",
            "/genesys/messaging/webhook",
            json!({
                "operationId": "genesysWebhook", "tags": ["chat"], "summary": "Genesys Cloud open messaging: agent replies, typing, receipts.",
                "description": "Stored once per Genesys message id and time; Genesys gets 200 once it is stored, and problems are \
                    reported to Genesys as receipts, never as an error status that would fail the chat.",
                "security": security(GENESYS_SIGNATURE),
                "requestBody": json_body("GenesysWebhook"),
                "responses": responses(&[(200, json_response("Stored, a duplicate, ignored, or no session for the recipient.", "WebhookAnswer"))], &[400, 401, 413, 500, 503]),
            }),
        ),
    ]
}

fn security_schemes() -> Value {
    let header = |name: &str, description: &str| json!({"type": "apiKey", "in": "header", "name": name, "description": description});
    json!({
        UIS_CHANNEL_TOKEN: header("X-UIS-Channel-Token", "The UIS channel's `token`; UIS's templates send it as the body field `ud_channel_token` instead, which works the same. It selects the channel."),
        UIS_API_KEY: header("X-API-KEY", "The UIS channel's `api_key`: the history API, click-to-call and the callbacks. A key sees only its own channel's calls and its tenant's contacts."),
        WDE_API_KEY: header("X-API-KEY", "The WDE channel's `api_key`. It wins over a signature sent with it."),
        WDE_SIGNATURE: header("X-API-SIGNATURE", "base64(HMAC-SHA256(raw body, the WDE channel's `api_key`))."),
        CHATBOT_API_KEY: header("X-API-Key", "The chatbot channel's `api_key`."),
        AGENT_STATES_API_KEY: header("X-API-KEY", "The agent_states channel's `api_key`. It selects the channel."),
        crm::CRM_API_KEY: crm::security_scheme(),
        GENESYS_SIGNATURE: header("X-Hub-Signature-256", "`sha256=` and base64(HMAC-SHA256(raw body, the chatbot channel's `webhook_secret`))."),
    })
}

/// Adds `T`'s schema, and every schema it refers to, under their names.
fn add<T: ToSchema>(schemas: &mut Map<String, Value>) {
    let mut found = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut found);
    for (name, schema) in found {
        schemas.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
}

fn schemas() -> Value {
    let mut schemas = Map::new();
    add::<CallRequest>(&mut schemas);
    add::<PlacedView>(&mut schemas);
    add::<DoneRequest>(&mut schemas);
    add::<ContactView>(&mut schemas);
    add::<PlaybackLink>(&mut schemas);
    add::<StartRequest>(&mut schemas);
    add::<PostRequest>(&mut schemas);
    add::<SessionView<'_>>(&mut schemas);
    add::<MessageView>(&mut schemas);
    add::<Page>(&mut schemas);
    for (name, schema) in described().into_iter().chain(crm::schemas()) {
        schemas.insert(name.to_owned(), schema);
    }
    Value::Object(schemas)
}

/// A field of an imported record: text, or a whole number as CRMs export ids.
fn crm_text(description: &str) -> Value {
    json!({"type": ["string", "integer", "null"], "description": description})
}

/// A string or a number, as UIS fills its placeholders.
fn uis_scalar(description: &str) -> Value {
    json!({"type": ["string", "number", "null"], "description": description})
}

/// The schemas of bodies that are built or read as JSON where they are handled.
fn described() -> Vec<(&'static str, Value)> {
    let nullable = |t: &str| json!({"type": [t, "null"]});
    let string_list = json!({"type": ["array", "string", "null"], "items": {"type": ["string", "number"]}});
    let event_kinds: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
    let mut all_kinds = event_kinds.clone();
    all_kinds.push(EventKind::CallRequested.as_str());
    vec![
        (
            "Error",
            json!({
                "type": "object", "required": ["error"], "description": "The error body of every JSON operation.",
                "properties": {"error": {"type": "object", "required": ["code", "message", "request_id"], "properties": {
                    "code": {"type": "string", "pattern": "^[a-z_]+$", "description": "Stable, for programs."},
                    "message": {"type": "string", "description": "For people: names the field or the limit."},
                    "request_id": {"type": "string", "description": "The correlation id of the request's log lines."},
                }}},
            }),
        ),
        (
            "NotFound",
            json!({
                "description": "`Error`, or API Gateway's answer when no route matches the path.",
                "oneOf": [schema_ref("Error"), {"type": "object", "required": ["message"], "properties": {"message": {"const": "Not Found"}}}],
            }),
        ),
        (
            "Status",
            json!({
                "type": "object", "required": ["service", "version", "table", "bucket"],
                "properties": {
                    "service": {"const": "ccbridge"}, "version": {"type": "string"},
                    "table": schema_ref("Reachability"), "bucket": schema_ref("Reachability"),
                },
            }),
        ),
        (
            "Reachability",
            json!({
                "type": "object", "required": ["reachable"],
                "properties": {"reachable": {"type": "boolean"},
                    "reason": {"enum": ["missing", "unavailable"], "description": "Why not, when not (the detail is in the log)."}},
            }),
        ),
        (
            "AgentStatesPush",
            json!({
                "type": "object", "required": ["states"], "additionalProperties": false,
                "properties": {"states": {"type": "array", "minItems": 1, "maxItems": 100, "items": {
                    "type": "object", "required": ["agent", "state", "time"], "additionalProperties": false,
                    "properties": {
                        "agent": {"type": "string", "description": "The platform's agent id, as the channel's `users` name it."},
                        "state": {"type": "string", "description": "The platform's state, as the channel's `states` table names it."},
                        "reason": {"type": ["string", "null"]},
                        "time": {"type": "string", "format": "date-time", "description": "RFC 3339 with an offset; at most a few minutes ahead."},
                    },
                }}},
            }),
        ),
        (
            "AgentStatesAnswer",
            json!({
                "type": "object", "required": ["results"],
                "properties": {"results": {"type": "array", "items": {
                    "type": "object", "required": ["agent", "result", "presence", "routing"],
                    "properties": {
                        "agent": {"type": "string"},
                        "result": {"enum": ["changed", "unchanged", "older"]},
                        "presence": {"enum": ["Available", "Away", "Busy", "Offline", "Idle", "OnQueue", "Meal", "Training", "Meeting", "Break"]},
                        "routing": {"enum": ["OffQueue", "Idle", "Interacting", "Communicating", "NotResponding"]},
                    },
                }}},
            }),
        ),
        (
            "CrmContacts",
            json!({
                "type": "object", "required": ["contacts"], "additionalProperties": false,
                "properties": {"contacts": {"type": "array", "minItems": 1, "maxItems": 500, "items": {
                    "type": "object", "required": ["external_id"], "additionalProperties": false,
                    "description": "A contact needs an `email`, a `phone` or a `messenger_id`. Empty texts and `null` are absent.",
                    "properties": {
                        "external_id": crm_text("The contact's id in the tenant's CRM: what a later import of it repeats."),
                        "first_name": crm_text("Up to 128 characters."), "last_name": crm_text("Up to 128 characters."),
                        "name": crm_text("The name as one text, when the CRM does not split it."),
                        "email": crm_text("An e-mail address; compared without case."),
                        "phone": crm_text("A phone number in any notation; without a country code, in the channel's `default_country`."),
                        "messenger_id": crm_text("A messenger (Facebook) actor id: ASCII letters, digits and `_`."),
                        "company_external_id": crm_text("The `external_id` of an imported company the contact works for."),
                    },
                }}},
            }),
        ),
        (
            "CrmCompanies",
            json!({
                "type": "object", "required": ["companies"], "additionalProperties": false,
                "properties": {"companies": {"type": "array", "minItems": 1, "maxItems": 500, "items": {
                    "type": "object", "required": ["external_id", "name", "tax_id"], "additionalProperties": false,
                    "properties": {
                        "external_id": crm_text("The company's id in the tenant's CRM: what a later import of it repeats."),
                        "name": crm_text("Up to 256 characters."),
                        "tax_id": crm_text("5 to 20 digits; spaces and `-` are ignored."),
                        "token": crm_text("The customer token WDE must send with the tax id: ASCII letters, digits, spaces and `_,.=-`."),
                        "phone": crm_text("A phone number in any notation."), "email": crm_text("An e-mail address."),
                    },
                }}},
            }),
        ),
        (
            "CrmImportAnswer",
            json!({
                "type": "object", "required": ["results", "created", "updated", "unchanged", "failed"],
                "properties": {
                    "results": {"type": "array", "items": {"oneOf": [
                        {"type": "object", "required": ["external_id", "id", "result"], "properties": {
                            "external_id": {"type": "string"}, "id": {"type": "string", "description": "The record's id here."},
                            "result": {"enum": ["created", "updated", "unchanged"]},
                        }},
                        {"type": "object", "required": ["external_id", "error"], "properties": {
                            "external_id": {"type": ["string", "null"]},
                            "error": {"type": "object", "required": ["code", "message"], "properties": {
                                "code": {"enum": ["invalid_field", "missing_field", "duplicate_external_id", "unknown_company"]},
                                "message": {"type": "string", "description": "Names the record and the field: `contacts[1].phone: …`."},
                            }},
                        }},
                    ]}},
                    "created": {"type": "integer", "minimum": 0}, "updated": {"type": "integer", "minimum": 0},
                    "unchanged": {"type": "integer", "minimum": 0}, "failed": {"type": "integer", "minimum": 0},
                },
            }),
        ),
        (
            "UisNotification",
            json!({
                "type": "object", "required": ["call_session_id"],
                "description": "A UIS notification as UIS sends it: values JSON-encoded or as text, numbers as numbers or strings, \
                    `null`, arrays; a placeholder UIS left unfilled (`{{name}}`, or the bare field name) reads as absent. \
                    Fields not named here are kept with the stored notification.",
                "additionalProperties": true,
                "properties": {
                    "ud_channel_token": {"type": "string", "description": "The channel token, unless sent as the `X-UIS-Channel-Token` header."},
                    "call_session_id": {"type": ["integer", "string"], "description": "UIS's call session id: a whole number, maybe as text.", "minimum": 0},
                    "direction": uis_scalar("`in` / `incoming` or `out` / `outgoing`."),
                    "notification_time": uis_scalar("When UIS sent it."),
                    "contact_phone_number": uis_scalar("The customer's number."),
                    "calling_phone_number": uis_scalar("The caller's number."),
                    "called_phone_number": uis_scalar("The number called."),
                    "virtual_phone_number": uis_scalar("The account's virtual number."),
                    "contact_full_name": uis_scalar("The customer, as UIS knows them."),
                    "employee_id": uis_scalar("The UIS employee."), "employee_full_name": uis_scalar("Their name."),
                    "first_talked_employee_id": uis_scalar(""), "first_talked_employee_full_name": uis_scalar(""),
                    "last_talked_employee_id": uis_scalar(""), "last_talked_employee_full_name": uis_scalar(""),
                    "employee_ids": string_list.clone(), "employee_full_names": string_list.clone(),
                    "scenario_name": uis_scalar(""), "start_time": uis_scalar("UIS's local time."),
                    "answer_time": uis_scalar(""), "finish_time": uis_scalar(""),
                    "wait_time_duration": uis_scalar("Seconds."), "talk_time_duration": uis_scalar("Seconds."),
                    "total_time_duration": uis_scalar("Seconds."),
                    "finish_reason": uis_scalar(""), "lost_reason": uis_scalar(""),
                    "is_lost": {"type": ["boolean", "integer", "string", "null"]},
                    "is_transfer": {"type": ["boolean", "integer", "string", "null"]},
                    "tag_names": string_list.clone(),
                    "record_file_links": {"type": ["array", "string", "null"], "items": {"type": "string"}, "description": "Recording links; each on an allowed host over HTTPS becomes a recording job."},
                    "external_id": uis_scalar("The helpdesk's reference of a call placed through ccbridge."),
                },
            }),
        ),
        (
            "UisWebhookResult",
            json!({
                "type": "object", "required": ["call_session_id", "event", "result", "recordings"],
                "properties": {
                    "call_session_id": {"type": "integer", "minimum": 0},
                    "event": {"enum": event_kinds},
                    "result": {"enum": ["created", "updated", "unchanged"]},
                    "state": {"oneOf": [schema_ref("CallState"), {"type": "null"}]},
                    "ticket_id": nullable("string"), "contact_id": nullable("string"),
                    "recordings": {"type": "object", "required": ["accepted", "rejected"], "properties": {
                        "accepted": {"type": "integer", "minimum": 0, "description": "New recording jobs."},
                        "rejected": {"type": "array", "items": {"type": "string"}, "description": "Links refused, with the reason."},
                    }},
                },
            }),
        ),
        (
            "CallSummary",
            json!({
                "type": "object", "required": ["channel", "call_session_id", "state", "lost", "transfer"],
                "description": "A call as merged from its notifications.", "additionalProperties": true,
                "properties": {
                    "channel": {"type": "string"}, "call_session_id": {"type": "integer", "minimum": 0},
                    "state": schema_ref("CallState"), "direction": {"enum": ["in", "out"]},
                    "virtual_phone": {"type": "string"}, "contact_phone": {"type": "string"}, "contact_id": {"type": "string"},
                    "contact_name": {"type": "string"}, "started_at": {"type": "string"}, "answered_at": {"type": "string"},
                    "finished_at": {"type": "string"}, "wait_seconds": {"type": "integer", "minimum": 0},
                    "talk_seconds": {"type": "integer", "minimum": 0}, "finish_reason": {"type": "string"},
                    "lost_reason": {"type": "string"}, "lost": {"type": "boolean"}, "transfer": {"type": "boolean"},
                    "scenario": {"type": "string"}, "tags": {"type": "array", "items": {"type": "string"}},
                    "operator": schema_ref("Participant"),
                    "participants": {"type": "array", "items": schema_ref("Participant")},
                    "unknown_employees": {"type": "array", "items": {"type": "string"}},
                    "recordings": {"type": "object", "additionalProperties": {"type": "object"}},
                    "ticket_id": {"type": "string"}, "external_id": {"type": "string"},
                },
            }),
        ),
        (
            "Participant",
            json!({
                "type": "object", "required": ["employee_id"],
                "properties": {"employee_id": {"type": "string"}, "name": {"type": "string"}, "operator": {"type": "string"}},
            }),
        ),
        (
            "CallsPage",
            json!({
                "type": "object", "required": ["contact_id", "calls", "next_cursor"],
                "properties": {
                    "contact_id": {"type": "string"},
                    "calls": {"type": "array", "items": schema_ref("CallSummary")},
                    "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page."},
                },
            }),
        ),
        (
            "CallDetail",
            json!({
                "type": "object", "required": ["call", "events", "next_cursor", "ticket", "recordings"],
                "properties": {
                    "call": schema_ref("CallSummary"),
                    "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page of `events`."},
                    "events": {"type": "array", "items": {"type": "object", "required": ["event", "received_at", "format", "fields"], "properties": {
                        "event": {"enum": all_kinds}, "received_at": {"type": "string", "format": "date-time"},
                        "format": {"enum": ["json", "form"]}, "fields": {"description": "The notification's fields, token removed."},
                    }}},
                    "ticket": {"oneOf": [schema_ref("Ticket"), {"type": "null"}]},
                    "recordings": {"type": "array", "items": {"type": "object", "required": ["id", "link_id", "status", "attempts", "created_at", "copied"], "properties": {
                        "id": {"type": "string", "description": "For `GET /recordings/{id}`."}, "link_id": {"type": "string"},
                        "host": {"type": ["string", "null"]}, "status": {"enum": ["pending", "running", "retry", "done", "failed"]},
                        "attempts": {"type": "integer", "minimum": 0}, "created_at": {"type": "string", "format": "date-time"},
                        "copied": {"type": "boolean"}, "last_error": {"type": ["string", "null"]},
                    }}},
                },
            }),
        ),
        (
            "Ticket",
            json!({
                "type": "object", "required": ["ticket_id", "channel", "call_session_id", "direction", "status", "subject"],
                "additionalProperties": true,
                "properties": {
                    "ticket_id": {"type": "string"}, "channel": {"type": "string"}, "call_session_id": {"type": "integer", "minimum": 0},
                    "direction": {"enum": ["in", "out"]}, "status": {"type": "string"}, "subject": {"type": "string"},
                    "contact_id": {"type": "string"}, "operator": {"type": "string"}, "opened_at": {"type": "string"},
                    "finish_reason": {"type": "string"}, "talk_seconds": {"type": "integer", "minimum": 0},
                },
            }),
        ),
        (
            "Callback",
            json!({
                "type": "object", "required": ["ticket_id", "call_session_id", "status", "attempts", "contact"],
                "properties": {
                    "ticket_id": {"type": "string"}, "call_session_id": {"type": "integer", "minimum": 0},
                    "called_at": {"type": ["string", "null"]}, "status": {"enum": ["open", "done"]},
                    "attempts": {"type": "integer", "minimum": 0, "description": "Outgoing calls to the contact since, each counted once."},
                    "contact": {"type": "object", "properties": {
                        "contact_id": {"type": ["string", "null"]}, "phone": {"type": ["string", "null"]}, "name": {"type": ["string", "null"]},
                    }},
                    "done": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["at"], "properties": {
                        "by": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
                        "answered_call": {"type": "integer", "minimum": 0, "description": "The answered call that closed it by itself."},
                    }}]},
                },
            }),
        ),
        (
            "CallbackPage",
            json!({
                "type": "object", "required": ["callbacks", "next_cursor"],
                "properties": {"callbacks": {"type": "array", "items": schema_ref("Callback")}, "next_cursor": {"type": ["string", "null"]}},
            }),
        ),
        (
            "CallbackDone",
            json!({
                "type": "object", "required": ["result", "callback"],
                "properties": {"result": {"enum": ["done", "already_done"]}, "callback": schema_ref("Callback")},
            }),
        ),
        (
            "CallbacksDone",
            json!({
                "type": "object", "required": ["results"],
                "properties": {"results": {"type": "array", "items": {"type": "object", "required": ["ticket_id", "result"], "properties": {
                    "ticket_id": {"type": "string"}, "result": {"enum": ["done", "already_done", "not_found"]},
                }}}},
            }),
        ),
        (
            "WdeRegisterInteraction",
            wde_request(REGISTER_FIELDS, &["GenesysIDInteraction", "MediaType", "InteractionStartDateTime"]),
        ),
        ("WdeUpdateInteraction", wde_request(UPDATE_FIELDS, &["GenesysIDInteraction"])),
        ("WdeRegisterCampaign", wde_request(CAMPAIGN_FIELDS, &["GenesysIDInteraction", "MediaType"])),
        (
            "WdeRegistered",
            json!({
                "type": "object", "required": ["status", "interactionId", "url"],
                "properties": {
                    "status": {"const": 1}, "interactionId": {"type": "integer", "minimum": 0, "description": "Derived from the channel and the Genesys id."},
                    "url": {"type": "string", "format": "uri", "description": "The signed, expiring screen-pop link."},
                },
            }),
        ),
        ("WdeOk", json!({"type": "object", "required": ["status"], "properties": {"status": {"const": 1}}})),
        (
            "WdeError",
            json!({
                "type": "object", "required": ["status", "error"], "description": "YetiForce's error body; `code` is the HTTP status.",
                "properties": {"status": {"const": 0}, "error": {"type": "object", "required": ["message", "code"], "properties": {
                    "message": {"type": "string"}, "code": {"type": "integer"},
                }}},
            }),
        ),
        (
            "CardCall",
            json!({
                "type": "object", "required": ["channel", "phone"],
                "properties": {"channel": {"type": "string", "description": "The UIS channel to call through."}, "phone": {"type": "string", "description": "A number the card shows."}},
            }),
        ),
        (
            "CardNewContact",
            json!({
                "type": "object",
                "description": "A phone or an e-mail address is needed, unless the interaction has a messenger id.",
                "properties": {
                    "first_name": {"type": "string", "maxLength": 100}, "last_name": {"type": "string", "maxLength": 100},
                    "phone": {"type": "string", "description": "Read in the channel's `default_country`."},
                    "email": {"type": "string"},
                },
            }),
        ),
        (
            "CardLinkCustomer",
            json!({
                "type": "object", "required": ["customer"],
                "properties": {
                    "customer": {"type": "string", "description": "A phone number, an e-mail address or a company's tax id."},
                    "customer_token": {"type": "string", "description": "The company's customer token, where it has one."},
                },
            }),
        ),
        (
            "CardNote",
            json!({"type": "object", "required": ["text"], "properties": {
                "text": {"type": "string", "description": "Up to 4,000 characters."},
            }}),
        ),
        (
            "CardWrapup",
            json!({"type": "object", "required": ["code"], "properties": {
                "code": {"type": "string", "description": "One of the channel's `wrapup_codes`."},
                "text": {"type": "string", "description": "A comment, up to 2,000 characters."},
            }}),
        ),
        (
            "CardCase",
            json!({"type": "object", "required": ["subject", "request_id"], "properties": {
                "subject": {"type": "string", "description": "Up to 300 characters."},
                "request_id": {"type": "string", "description": "The form's nonce: the same value opens no second case."},
            }}),
        ),
        ("TypingSent", json!({"type": "object", "required": ["status"], "properties": {"status": {"const": "sent"}}})),
        (
            "GenesysWebhook",
            json!({
                "type": "object", "required": ["channel", "type"], "additionalProperties": true,
                "description": "Genesys Cloud's open-messaging `NormalizedMessage`.",
                "properties": {
                    "id": {"type": "string"}, "type": {"type": "string", "description": "`Text`, `Event`, `Receipt`, `Structured`, `Message`."},
                    "channel": {"type": "object", "required": ["id"], "additionalProperties": true, "properties": {
                        "id": {"type": "string", "description": "The open-messaging integration."},
                        "platform": {"type": "string"}, "type": {"type": "string"}, "messageId": {"type": "string"},
                        "time": {"type": "string"},
                        "to": {"type": "object", "additionalProperties": true, "properties": {"id": {"type": "string", "description": "The user."}}},
                        "from": {"type": "object", "additionalProperties": true},
                    }},
                    "text": {"type": "string"}, "content": {"type": "array", "items": {"type": "object"}},
                    "events": {"type": "array", "items": {"type": "object"}}, "status": {"type": "string"},
                    "reasons": {"type": "array", "items": {"type": "object"}}, "isFinalReceipt": {"type": "boolean"},
                    "direction": {"type": "string"}, "originatingEntity": {"type": "string"}, "conversationId": {"type": "string"},
                },
            }),
        ),
        (
            "WebhookAnswer",
            json!({
                "type": "object", "required": ["status"],
                "properties": {"status": {"enum": ["stored", "duplicate", "ignored", "no_session"]}},
            }),
        ),
    ]
}

/// A WDE method's body: the contract's fields, text or numbers; others are kept as attached data.
fn wde_request(fields: &[&str], required: &[&str]) -> Value {
    let properties: Map<String, Value> = fields
        .iter()
        .map(|name| {
            let schema = match *name {
                "CustomerAgreements" => json!({
                    "description": "IVR consents: an array (or a JSON text of one) of `{\"Name\": [A-Za-z0-9_]+, \"Value\": 0 | 1}`.",
                    "type": ["array", "string"],
                    "items": {"type": "object", "properties": {"Name": {"type": "string"}, "Value": {"type": ["integer", "string"]}}},
                }),
                // The sanitizers the webservice reads these with (YetiForce's): others are text.
                "GenesysIDInteraction" | "OutboundCallID" => json!({"type": "string", "pattern": "^[A-Za-z0-9_]+$"}),
                "MediaType" | "CustomerToken" => json!({"type": "string", "pattern": "^[A-Za-z0-9_ ,.=-]+$"}),
                "InteractionStartDateTime" | "InteractionEndDateTime" => json!({
                    "type": "string", "description": "RFC 3339, or `YYYY-MM-DD HH:MM:SS` read as UTC.",
                    "examples": ["2022-11-08T14:54:55.9895353Z"],
                }),
                "CRMInteractionID" | "CRMPreviewInteractionID" | "CRMSourceID" | "InteractionHandleTime" | "QueueTime" => {
                    json!({"type": ["integer", "string"], "pattern": "^-?[0-9]+$"})
                }
                _ => json!({"type": ["string", "number"]}),
            };
            ((*name).to_owned(), schema)
        })
        .collect();
    json!({"type": "object", "required": required, "properties": properties, "additionalProperties": true})
}

/// Types referred to by the derived schemas whose serde form is a plain value.
fn plain(schema_type: Type, description: &str) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(SchemaType::Type(schema_type)).description(Some(description)).into()
}

impl PartialSchema for CallSessionId {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Integer))
            .minimum(Some(0))
            .description(Some("UIS's call session id."))
            .into()
    }
}
impl ToSchema for CallSessionId {}

impl PartialSchema for PhoneNumber {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .pattern(Some(r"^\+[1-9][0-9]{4,14}$"))
            .description(Some("A phone number in E.164."))
            .into()
    }
}
impl ToSchema for PhoneNumber {}

impl PartialSchema for ContactId {
    fn schema() -> RefOr<Schema> {
        plain(Type::String, "A contact's id.")
    }
}
impl ToSchema for ContactId {}

impl PartialSchema for MediaType {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(["Image", "Video", "Audio", "File", "Link"]))
            .description(Some("An attachment's kind, as Genesys Cloud names it."))
            .into()
    }
}
impl ToSchema for MediaType {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_names_a_schema() {
        let doc = document();
        let text = doc.to_string();
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        for part in text.split("\"#/components/schemas/").skip(1) {
            let name = part.split('"').next().expect("name");
            assert!(schemas.contains_key(name), "{name} is referred to but not defined");
        }
    }

    #[test]
    fn operation_ids_are_unique() {
        let mut ids: Vec<String> =
            operations().iter().map(|o| o.operation["operationId"].as_str().expect("id").to_owned()).collect();
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count);
    }
}
