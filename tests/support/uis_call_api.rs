//! A local UIS Call API that enforces the documented contract (JSON-RPC 2.0 on `POST /v4.0`), for
//! tests of everything that starts calls through it (click-to-call with `start.employee_call`).
//!
//! - The envelope, the token ([`TOKEN`]; [`UisCallApi::expire_token`]), the limits, the
//!   scripted failures and the journal are those of [`crate::jsonrpc`], on `POST /v4.0`.
//! - `start.employee_call`: every parameter of the reference table with its type and rules — the
//!   required ones, `first_call` `employee|contact`, `early_switching` only with
//!   `first_call=employee` and `switch_at_once=true`, E.164 digits without "+" (10–15) for
//!   `virtual_phone_number` and `contact`, no 800-number (`7800…`) as the virtual number,
//!   `dtmf_string` of `0-9*#.`, `direction` `in|out`, `employee.id` a number, `employee.phone_number`
//!   one of the employee's active numbers; then the account: its virtual numbers (`-32007
//!   virtual_phone_number_not_found`), a contact that is one of them
//!   (`own_virtual_phone_number_not_allowed`), its blacklist (`-32002 contact_in_blacklist`), its
//!   employees (`employee_not_found`, `no_active_phone_number`). The account has no media files,
//!   so `media_file_id` and `media` messages are `media_file_not_found`. Any other parameter is
//!   `unexpected_parameters`, a wrong type `data_type_error`, both naming the dotted field.
//!   Success answers a new `call_session_id`, increasing from 500000001.
//! - Unconfirmed, so answered with the nearest documented error: a wrong content type
//!   (`invalid_request`), an 800-number and an employee's foreign `phone_number`
//!   (`invalid_parameter_value`). Not modelled: `tts_text_exceeded`,
//!   `character_encoding_not_allowed`, SIP contacts, `login.user`, the IP allow-list.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value, json};

pub use crate::jsonrpc::Received;
use crate::jsonrpc::{
    Api, Checked, Common, RpcError, Server, Success, invalid, only, optional_bool, optional_str, redacted, required,
    required_object, required_str,
};

/// The account's one valid `access_token`.
pub const TOKEN: &str = "local-call-api-token-0123456789";

const FIRST_CALL_SESSION_ID: u64 = 500_000_001;
const MINUTE_LIMIT: u32 = 1_000;
const DAY_LIMIT: u32 = 100_000;

/// The parameters `start.employee_call` takes.
const EMPLOYEE_CALL_PARAMS: &[&str] = &[
    "access_token",
    "first_call",
    "switch_at_once",
    "early_switching",
    "media_file_id",
    "virtual_phone_number",
    "show_virtual_phone_number",
    "contact",
    "external_id",
    "dtmf_string",
    "direction",
    "employee",
    "contact_message",
    "employee_message",
];

/// The account the Call API acts on.
#[derive(Debug)]
pub struct CallApiAccount {
    common: Common,
    /// Employee id → active phone numbers.
    employees: HashMap<u64, Vec<String>>,
    virtual_numbers: BTreeSet<String>,
    blacklist: BTreeSet<String>,
    next_call_session_id: u64,
    employee_calls: Vec<Value>,
    call_session_ids: Vec<u64>,
}

/// A running Call API; stops when dropped.
pub type UisCallApi = Server<CallApiAccount>;

impl Server<CallApiAccount> {
    /// Starts on an ephemeral port of 127.0.0.1, with an account that has no employees, virtual
    /// numbers or blacklisted contacts yet.
    pub async fn start() -> Self {
        Self::serve(CallApiAccount {
            common: Common::new(MINUTE_LIMIT, DAY_LIMIT),
            employees: HashMap::new(),
            virtual_numbers: BTreeSet::new(),
            blacklist: BTreeSet::new(),
            next_call_session_id: FIRST_CALL_SESSION_ID,
            employee_calls: Vec::new(),
            call_session_ids: Vec::new(),
        })
        .await
    }

    /// An employee of the account with these active phone numbers (none: every call to them is
    /// `no_active_phone_number`).
    pub fn add_employee(&self, id: u64, active_phones: &[&str]) {
        self.state().employees.insert(id, active_phones.iter().map(|p| (*p).to_owned()).collect());
    }

    /// A virtual number the account owns, as E.164 digits.
    pub fn add_virtual_number(&self, digits: &str) {
        self.state().virtual_numbers.insert(digits.to_owned());
    }

    /// A contact on the account's blacklist, as E.164 digits.
    pub fn block_contact(&self, digits: &str) {
        self.state().blacklist.insert(digits.to_owned());
    }

    /// The params of the successful `start.employee_call`s, `access_token` redacted.
    pub fn employee_calls(&self) -> Vec<Value> {
        self.state().employee_calls.clone()
    }

    /// The `call_session_id`s handed out, in order.
    pub fn call_session_ids(&self) -> Vec<u64> {
        self.state().call_session_ids.clone()
    }
}

impl Api for CallApiAccount {
    const PATH: &'static str = "/v4.0";
    const TOKEN: &'static str = TOKEN;

    fn common(&mut self) -> &mut Common {
        &mut self.common
    }

    fn knows(&self, method: &str) -> bool {
        method == "start.employee_call"
    }

    fn call(&mut self, _method: &str, params: &Map<String, Value>) -> Checked<Success> {
        start_employee_call(self, params)?;
        let id = self.next_call_session_id;
        self.next_call_session_id += 1;
        self.call_session_ids.push(id);
        self.employee_calls.push(redacted(&Value::Object(params.clone()), TOKEN));
        Ok(json!({"call_session_id": id}).into())
    }
}

fn start_employee_call(state: &CallApiAccount, params: &Map<String, Value>) -> Checked<()> {
    only(params, "", EMPLOYEE_CALL_PARAMS)?;
    let first_call = required_str(params, "", "first_call")?;
    if !["employee", "contact"].contains(&first_call) {
        return Err(invalid(params, "", "first_call"));
    }
    let switch_at_once = optional_bool(params, "switch_at_once")?.unwrap_or(false);
    let early_switching = optional_bool(params, "early_switching")?.unwrap_or(false);
    optional_bool(params, "show_virtual_phone_number")?;
    if let Some(file) = params.get("media_file_id")
        && !file.is_u64()
    {
        return Err(RpcError::param("data_type_error", "media_file_id", file));
    }
    let virtual_number = required_str(params, "", "virtual_phone_number")?;
    if !e164(virtual_number) || virtual_number.starts_with("7800") {
        return Err(invalid(params, "", "virtual_phone_number"));
    }
    let contact = required_str(params, "", "contact")?;
    if !e164(contact) {
        return Err(invalid(params, "", "contact"));
    }
    optional_str(params, "", "external_id")?;
    if let Some(dtmf) = optional_str(params, "", "dtmf_string")?
        && (dtmf.is_empty() || !dtmf.chars().all(|c| c.is_ascii_digit() || "*#.".contains(c)))
    {
        return Err(invalid(params, "", "dtmf_string"));
    }
    if let Some(direction) = optional_str(params, "", "direction")?
        && !["in", "out"].contains(&direction)
    {
        return Err(invalid(params, "", "direction"));
    }
    let employee = required_object(params, "", "employee")?;
    only(employee, "employee", &["id", "phone_number"])?;
    let id_value =
        employee.get("id").ok_or_else(|| RpcError::param("required_parameter_missed", "employee.id", &Value::Null))?;
    let employee_id = id_value.as_u64().ok_or_else(|| RpcError::param("data_type_error", "employee.id", id_value))?;
    let phone_number = optional_str(employee, "employee", "phone_number")?;
    let mut media_messages = Vec::new();
    for name in ["contact_message", "employee_message"] {
        if params.contains_key(name) {
            let message = required_object(params, "", name)?;
            only(message, name, &["type", "value"])?;
            let kind = required_str(message, name, "type")?;
            match kind {
                "tts" => {
                    required_str(message, name, "value")?;
                }
                "media" => {
                    required(message, name, "value")?;
                    media_messages.push(name);
                }
                _ => return Err(invalid(message, name, "type")),
            }
        }
    }

    if early_switching && !(first_call == "employee" && switch_at_once) {
        return Err(RpcError::param("invalid_parameters_combination", "early_switching", &json!(true)));
    }
    if let Some(file) = params.get("media_file_id") {
        return Err(RpcError::param("media_file_not_found", "media_file_id", file));
    }
    if let Some(name) = media_messages.first() {
        return Err(RpcError::param("media_file_not_found", &format!("{name}.value"), &params[*name]["value"]));
    }
    if !state.virtual_numbers.contains(virtual_number) {
        return Err(
            RpcError::new(-32007, "virtual_phone_number_not_found").on("virtual_phone_number", &json!(virtual_number))
        );
    }
    if state.virtual_numbers.contains(contact) {
        return Err(RpcError::param("own_virtual_phone_number_not_allowed", "contact", &json!(contact)));
    }
    if state.blacklist.contains(contact) {
        return Err(RpcError::new(-32002, "contact_in_blacklist").on("contact", &json!(contact)));
    }
    let active = state
        .employees
        .get(&employee_id)
        .ok_or_else(|| RpcError::param("employee_not_found", "employee.id", id_value))?;
    if active.is_empty() {
        return Err(RpcError::param("no_active_phone_number", "employee.id", id_value));
    }
    if let Some(phone) = phone_number
        && !active.iter().any(|a| a == phone)
    {
        return Err(RpcError::param("invalid_parameter_value", "employee.phone_number", &json!(phone)));
    }
    Ok(())
}

/// E.164 without "+": 10 to 15 digits.
fn e164(number: &str) -> bool {
    (10..=15).contains(&number.len()) && number.bytes().all(|b| b.is_ascii_digit())
}
