//! template.yaml is what gets deployed; these tests hold it to the code: every function has a
//! resource whose HTTP API events are exactly its routes, and the table is the one the store
//! expects.

use std::collections::BTreeSet;

use ccbridge::store::schema;
use serde_yaml::Value;

fn template() -> Value {
    let text = include_str!("../../template.yaml");
    serde_yaml::from_str(text).expect("template.yaml parses")
}

fn resources(template: &Value) -> &serde_yaml::Mapping {
    template["Resources"].as_mapping().expect("Resources")
}

fn binary_of(resource: &Value) -> Option<&str> {
    resource["Metadata"]["BuildProperties"]["Binary"].as_str()
}

#[test]
fn every_function_is_deployed_with_exactly_its_routes() {
    let template = template();
    let resources = resources(&template);
    for function in ccbridge_local::FUNCTIONS {
        let resource = resources
            .values()
            .find(|r| binary_of(r) == Some(function.name))
            .unwrap_or_else(|| panic!("no resource builds binary {}", function.name));
        assert_eq!(resource["Metadata"]["BuildMethod"], "rust-cargolambda");
        let events = resource["Properties"]["Events"].as_mapping().expect("Events");
        let deployed: BTreeSet<(String, String)> = events
            .values()
            .filter(|e| e["Type"] == "HttpApi")
            .map(|e| {
                let p = &e["Properties"];
                (p["Method"].as_str().expect("Method").to_uppercase(), p["Path"].as_str().expect("Path").to_owned())
            })
            .collect();
        let routed: BTreeSet<(String, String)> =
            function.routes.iter().map(|r| (r.method.to_owned(), r.path.to_owned())).collect();
        assert_eq!(deployed, routed, "routes of {}", function.name);
    }
    let built: BTreeSet<&str> = resources.values().filter_map(binary_of).collect();
    let known: BTreeSet<&str> = ccbridge_local::FUNCTIONS.iter().map(|f| f.name).collect();
    let http_only: BTreeSet<&str> = built
        .iter()
        .copied()
        .filter(|name| {
            resources.values().any(|r| {
                binary_of(r) == Some(name)
                    && r["Properties"]["Events"]
                        .as_mapping()
                        .is_some_and(|e| e.values().any(|e| e["Type"] == "HttpApi"))
            })
        })
        .collect();
    assert_eq!(http_only, known, "HTTP functions in template.yaml and in the local stack differ");
}

#[test]
fn every_stream_function_is_fed_exactly_its_item_types_with_partial_failures_and_a_dead_letter_queue() {
    let template = template();
    let resources = resources(&template);
    for function in ccbridge_local::STREAM_FUNCTIONS {
        let resource = resources
            .values()
            .find(|r| binary_of(r) == Some(function.name))
            .unwrap_or_else(|| panic!("no resource builds binary {}", function.name));
        assert_eq!(resource["Metadata"]["BuildMethod"], "rust-cargolambda");
        let events = resource["Properties"]["Events"].as_mapping().expect("Events");
        let streams: Vec<&Value> = events.values().filter(|e| e["Type"] == "DynamoDB").collect();
        assert_eq!(streams.len(), 1, "{} has one DynamoDB stream event", function.name);
        let p = &streams[0]["Properties"];
        let filters = p["FilterCriteria"]["Filters"].as_sequence().expect("FilterCriteria.Filters");
        let types: BTreeSet<String> = filters
            .iter()
            .flat_map(|f| {
                let pattern: serde_json::Value =
                    serde_json::from_str(f["Pattern"].as_str().expect("Pattern")).expect("Pattern is JSON");
                pattern["dynamodb"]["NewImage"]["type"]["S"]
                    .as_array()
                    .expect("filter on the type attribute")
                    .iter()
                    .map(|t| t.as_str().expect("type name").to_owned())
                    .collect::<Vec<_>>()
            })
            .collect();
        let wanted: BTreeSet<String> = function.item_types.iter().map(|t| (*t).to_owned()).collect();
        assert_eq!(types, wanted, "filter of {}", function.name);
        assert!(
            p["FunctionResponseTypes"].as_sequence().is_some_and(|t| t.iter().any(|t| t == "ReportBatchItemFailures")),
            "{} reports partial batch failures",
            function.name
        );
        assert!(p["MaximumRetryAttempts"].as_u64().is_some(), "{} bounds its retries", function.name);
        assert_eq!(p["DestinationConfig"]["OnFailure"]["Type"], "SQS", "{} dead-letters to SQS", function.name);
    }
}

#[test]
fn table_matches_the_store_schema() {
    let template = template();
    let table = &resources(&template)["Table"]["Properties"];
    let key = |schema: &Value| -> Vec<(String, String)> {
        schema
            .as_sequence()
            .expect("KeySchema")
            .iter()
            .map(|k| (k["AttributeName"].as_str().expect("name").into(), k["KeyType"].as_str().expect("type").into()))
            .collect()
    };
    assert_eq!(key(&table["KeySchema"]), vec![(schema::PK.into(), "HASH".into()), (schema::SK.into(), "RANGE".into())]);
    let indexes = table["GlobalSecondaryIndexes"].as_sequence().expect("GSIs");
    assert_eq!(indexes.len(), schema::INDEXES.len());
    for ((name, pk, sk), index) in schema::INDEXES.iter().zip(indexes) {
        assert_eq!(index["IndexName"].as_str(), Some(*name));
        assert_eq!(key(&index["KeySchema"]), vec![((*pk).into(), "HASH".into()), ((*sk).into(), "RANGE".into())]);
        assert_eq!(index["Projection"]["ProjectionType"], "ALL");
    }
    assert_eq!(table["TimeToLiveSpecification"]["AttributeName"].as_str(), Some(schema::TTL));
    assert_eq!(table["StreamSpecification"]["StreamViewType"], "NEW_AND_OLD_IMAGES");
    assert_eq!(table["BillingMode"], "PAY_PER_REQUEST");
}
