//! The service held to its OpenAPI document by schemathesis (from PyPI, installed by the test
//! command): every documented operation against the local stack, with the Genesys Cloud and UIS
//! Call API contract servers behind it so no answer is a 503 for want of a provider.
//!
//! Two runs: with the credentials each operation declares (checks: no server error, only
//! documented status codes, content types, headers and bodies matching their schemas), then
//! without any (every operation that declares a security scheme answers 401). The hooks that
//! supply credentials and the 401 check are `tests/schemathesis/hooks.py`.
//!
//! Skipped unless `CCBRIDGE_TEST_SCHEMATHESIS` names the schemathesis executable;
//! `CCBRIDGE_TEST_REQUIRE_SCHEMATHESIS` (set by the test command) makes that a failure.

use std::path::Path;
use std::process::Command;

use ccbridge_tests::genesys_cloud::GenesysCloud;
use ccbridge_tests::uis_call_api::{self, UisCallApi};
use ccbridge_tests::{Backend, TestStack};
use serde_json::json;

const SCHEMATHESIS_ENV: &str = "CCBRIDGE_TEST_SCHEMATHESIS";
const REQUIRE_ENV: &str = "CCBRIDGE_TEST_REQUIRE_SCHEMATHESIS";
/// Generated cases per operation and phase; bounds the run's time.
const MAX_EXAMPLES_ENV: &str = "CCBRIDGE_TEST_SCHEMATHESIS_MAX_EXAMPLES";
const DEFAULT_MAX_EXAMPLES: &str = "20";

const UIS_TOKEN: &str = "uis-demo-token-0001";
const UIS_API_KEY: &str = "uis-demo-api-key-0001";
const WDE_KEY: &str = "Ab3dEfGhJkMnPqRsTuVwXyZ23456789a";
const CHATBOT_API_KEY: &str = "bot-demo-api-key-0001";
const WEBHOOK_SECRET: &str = "bot-demo-webhook-secret-0001";
const VIRTUAL: &str = "74993720692";

/// The checks of the authenticated run.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";

/// The stack the runs go against: the test configuration with Genesys Cloud and the UIS Call
/// API pointing at their contract servers, the chat integrations provisioned.
struct Target {
    stack: TestStack,
    _genesys: GenesysCloud,
    _call_api: UisCallApi,
}

async fn target() -> Target {
    let genesys = GenesysCloud::start().await;
    let call_api = UisCallApi::start().await;
    call_api.add_employee(2001, &["74993720001"]);
    call_api.add_employee(2002, &["74993720002"]);
    call_api.add_virtual_number(VIRTUAL);
    let operators = "operators = { \"2001\" = \"ivanova\", \"2002\" = \"petrov\" }\n";
    let with_call_api = format!(
        "{operators}call_api = {{ access_token = \"{}\", virtual_phone = \"+{VIRTUAL}\", url = \"{}\" }}\n",
        uis_call_api::TOKEN,
        call_api.url()
    );
    let config = genesys.config("").replacen(operators, &with_call_api, 1);
    let stack = TestStack::start_with(&Backend::Dynoxide, &config).await;
    let bot = stack.stack.app.config.all::<ccbridge::chat::config::ChatbotChannel>().next().expect("a chatbot");
    ccbridge_admin::provision_chat(&stack.stack.app, bot.id.as_str()).await.expect("integrations provisioned");
    Target { stack, _genesys: genesys, _call_api: call_api }
}

/// A live card link: the token of an interaction registered now.
async fn card_token(stack: &TestStack) -> String {
    let body = json!({"GenesysIDInteraction": "schemathesisCard1", "InteractionStartDateTime": "2026-11-21T10:00:00Z",
        "MediaType": "voice in", "CustomerPhoneNumber": "+48884998123", "AgentID": "agent01"});
    let response = stack
        .http
        .post(stack.url("/wde/registerInteraction"))
        .header("x-api-key", WDE_KEY)
        .json(&body)
        .send()
        .await
        .expect("registerInteraction");
    let answer: serde_json::Value = response.json().await.expect("JSON");
    let url = answer["url"].as_str().unwrap_or_else(|| panic!("a card link: {answer}"));
    url.rsplit('/').next().expect("token").to_owned()
}

/// What one schemathesis run reported.
#[derive(Debug)]
struct Run {
    passed: bool,
    output: String,
}

impl Run {
    /// The operations tested and the cases run, from schemathesis's summary.
    fn summary(&self) -> String {
        let lines: Vec<&str> = self.output.lines().map(str::trim).collect();
        let tested = lines.iter().find(|l| l.starts_with("Tested:")).copied().unwrap_or("Tested: ?");
        let cases = lines
            .iter()
            .skip_while(|l| **l != "Test cases:")
            .find(|l| l.contains(" generated"))
            .copied()
            .unwrap_or("? generated");
        format!("operations {tested}; test cases: {cases}")
    }
}

fn schemathesis(program: &str, stack: &TestStack, mode: &str, checks: &str, extra: &[&str], card: &str) -> Run {
    let hooks = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemathesis");
    let max_examples = std::env::var(MAX_EXAMPLES_ENV).unwrap_or_else(|_| DEFAULT_MAX_EXAMPLES.into());
    // Schemathesis keeps a cache where it runs: not in the source tree.
    let scratch = tempfile::tempdir().expect("temporary folder");
    let output = Command::new(program)
        .arg("run")
        .arg(stack.url("/openapi.json"))
        .args(["--url", &stack.base_url, "--checks", checks, "--max-examples", &max_examples])
        .args(["--phases", "examples,coverage,fuzzing", "--seed", "17", "--no-color"])
        .args(extra)
        .current_dir(scratch.path())
        .env("PYTHONPATH", &hooks)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("SCHEMATHESIS_HOOKS", "hooks")
        .env("CCBRIDGE_SCHEMATHESIS_MODE", mode)
        .env("CCBRIDGE_UIS_TOKEN", UIS_TOKEN)
        .env("CCBRIDGE_UIS_API_KEY", UIS_API_KEY)
        .env("CCBRIDGE_WDE_API_KEY", WDE_KEY)
        .env("CCBRIDGE_CHATBOT_API_KEY", CHATBOT_API_KEY)
        .env("CCBRIDGE_AGENT_STATES_API_KEY", "pbx-demo-api-key-0001")
        .env("CCBRIDGE_GENESYS_WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("CCBRIDGE_CARD_TOKEN", card)
        .output()
        .unwrap_or_else(|e| panic!("run {program}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Run { passed: output.status.success(), output: text }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_keeps_the_document_with_and_without_credentials() {
    let Some(program) = std::env::var(SCHEMATHESIS_ENV).ok().filter(|p| !p.is_empty()) else {
        assert!(std::env::var_os(REQUIRE_ENV).is_none(), "{REQUIRE_ENV} is set but {SCHEMATHESIS_ENV} is not");
        eprintln!("note: {SCHEMATHESIS_ENV} is not set; the schemathesis run is skipped");
        return;
    };
    let target = target().await;
    let stack = &target.stack;
    let card = card_token(stack).await;

    // The stack serves from this runtime's other thread while schemathesis runs.
    let authenticated =
        tokio::task::block_in_place(|| schemathesis(&program, stack, "authenticated", CHECKS, &[], &card));
    println!("schemathesis, with credentials: {}", authenticated.summary());
    assert!(authenticated.passed, "schemathesis found problems with credentials:\n{}", authenticated.output);

    // Without credentials only data that is valid apart from them is sent, so a 401 is the
    // one right answer of a protected operation.
    let anonymous = tokio::task::block_in_place(|| {
        schemathesis(
            &program,
            stack,
            "anonymous",
            "not_a_server_error,status_code_conformance,protected_operations_need_credentials",
            &["--mode", "positive"],
            &card,
        )
    });
    println!("schemathesis, without credentials: {}", anonymous.summary());
    assert!(anonymous.passed, "schemathesis found problems without credentials:\n{}", anonymous.output);
}
