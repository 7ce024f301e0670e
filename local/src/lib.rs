//! The local stack: every function behind one HTTP server on loopback, routed as API Gateway
//! routes them, on an embedded DynamoDB (dynoxide, SQLite) and an embedded S3 (s3s-fs, a
//! folder). The tests drive the same pieces.

pub mod embedded;
pub mod invoke;
pub mod router;
pub mod stack;
pub mod streams;

use ccbridge::{HttpFunction, ScheduledFunction, StreamFunction};

/// Every HTTP function of the collection, as template.yaml deploys them.
pub const FUNCTIONS: &[HttpFunction] = &[
    status::FUNCTION,
    uis_call_started::FUNCTION,
    uis_call_finished::FUNCTION,
    uis_history::FUNCTION,
    uis_click_to_call::FUNCTION,
    uis_callbacks::FUNCTION,
    crm_activities::FUNCTION,
    wde_interaction::FUNCTION,
    screen_pop::FUNCTION,
    chat_escalation::FUNCTION,
    genesys_messaging_inbound::FUNCTION,
    agent_states::FUNCTION,
    crm_import::FUNCTION,
];

/// Every function fed by the table's stream.
pub const STREAM_FUNCTIONS: &[StreamFunction] = &[recording_sync::FUNCTION];

/// Every function started by a schedule.
pub const SCHEDULED_FUNCTIONS: &[ScheduledFunction] = &[job_sweeper::FUNCTION, uis_account_poll::FUNCTION];

/// The function named `name`.
pub fn function(name: &str) -> Option<HttpFunction> {
    FUNCTIONS.iter().copied().find(|f| f.name == name)
}
