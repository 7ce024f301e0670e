//! The OpenAPI document is what providers and API tooling are given; these tests hold it to the
//! code as `template.rs` holds template.yaml: every route of every function is documented and
//! nothing else is, `docs/openapi.json` is the generated document, and the local stack serves
//! it. The schemathesis run (`schemathesis.rs`) holds the service to what it says.

use std::collections::BTreeSet;

use ccbridge::openapi::{self, Operation};
use ccbridge::{HttpFunction, Route};
use ccbridge_tests::{Backend, TestStack};

/// The methods a documented operation of `route` may have: its own, or for an `ANY` route the
/// ones its handler serves (the WDE webservice: `POST`, and the `OPTIONS` preflight).
fn methods_of(route: &Route) -> Vec<String> {
    match route.method {
        "ANY" => vec!["post".into(), "options".into()],
        method => vec![method.to_ascii_lowercase()],
    }
}

fn routes() -> Vec<(HttpFunction, Route)> {
    ccbridge_local::FUNCTIONS.iter().flat_map(|f| f.routes.iter().map(move |r| (*f, *r))).collect()
}

#[test]
fn every_route_is_documented() {
    let operations = openapi::operations();
    let mut missing = Vec::new();
    for (function, route) in routes() {
        let documented: BTreeSet<&str> =
            operations.iter().filter(|o| o.route == route.key()).map(|o| o.method).collect();
        for method in methods_of(&route) {
            if !documented.contains(method.as_str()) {
                missing.push(format!("{} {} of function {}", method.to_uppercase(), route.path, function.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "routes without an operation in the OpenAPI document: add each to shared/src/openapi.rs (`operations()`), \
         then run `cargo run -p ccbridge-local -- openapi > docs/openapi.json`:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn every_documented_operation_is_a_route_with_its_path_parameters() {
    let routes = routes();
    for Operation { route: key, method, path, operation } in openapi::operations() {
        let (function, route) = routes
            .iter()
            .find(|(_, r)| r.key() == key)
            .unwrap_or_else(|| panic!("{method} {path} is documented for route {key}, which no function has"));
        assert!(methods_of(route).iter().any(|m| m == method), "{method} {path}: route {key} does not serve {method}");
        // The documented path is one the route matches, with the route's parameters by name.
        let params = route
            .matches(&method.to_ascii_uppercase(), &path)
            .unwrap_or_else(|| panic!("{method} {path} is not a path of route {key} ({})", function.name));
        let templated: BTreeSet<String> =
            params.iter().filter(|(name, value)| **value == format!("{{{name}}}")).map(|(n, _)| n.clone()).collect();
        let declared: BTreeSet<String> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter().filter(|p| p["in"] == "path").map(|p| p["name"].as_str().expect("name").to_owned()).collect()
            })
            .unwrap_or_default();
        assert_eq!(declared, templated, "path parameters of {method} {path}");
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has responses");
        assert!(operation["security"].is_array(), "{method} {path} says what security it requires (`[]` for none)");
    }
}

#[test]
fn the_committed_document_is_the_generated_one() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json"))
        .expect("docs/openapi.json");
    assert!(
        committed == openapi::document_text(),
        "docs/openapi.json is not the document the code generates: run \
         `cargo run -p ccbridge-local -- openapi > docs/openapi.json` and commit it"
    );
}

#[tokio::test]
async fn the_local_stack_serves_the_document() {
    let stack = TestStack::start(&Backend::Dynoxide).await;
    let response = stack.http.get(stack.url("/openapi.json")).send().await.expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    let served: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(served, openapi::document());
    assert_eq!(served["openapi"], openapi::OPENAPI_VERSION);
}
