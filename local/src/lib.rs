//! The local stack: every function behind one HTTP server on loopback, routed as API Gateway
//! routes them, on an embedded DynamoDB (dynoxide, SQLite) and an embedded S3 (s3s-fs, a
//! folder). The tests drive the same pieces.

pub mod embedded;
pub mod invoke;
pub mod router;
pub mod stack;

use ccbridge::HttpFunction;

/// Every HTTP function of the collection, as template.yaml deploys them.
pub const FUNCTIONS: &[HttpFunction] =
    &[status::FUNCTION, chat_escalation::FUNCTION, genesys_messaging_inbound::FUNCTION];

/// The function named `name`.
pub fn function(name: &str) -> Option<HttpFunction> {
    FUNCTIONS.iter().copied().find(|f| f.name == name)
}
