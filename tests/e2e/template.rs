//! template.yaml is what gets deployed; these tests hold it to the code: every function has a
//! resource whose HTTP API events are exactly its routes (or whose stream filter or schedule is
//! its own) and a log group with retention, the table is the one the store expects, the alarms
//! watch the metrics the code reports (each HTTP function's 5xx rate, throttles of every
//! function, the jobs), and the dashboard shows every metric and alarm.

use std::collections::BTreeSet;

use ccbridge::jobs::{JobKind, metrics};
use ccbridge::store::schema;
use serde_yaml::{Mapping, Value};

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

/// An intrinsic function call, short (`!GetAtt X.Y`) or long (`Fn::GetAtt: [X, Y]`) form: its
/// name without `!` or `Fn::`, and its argument.
fn intrinsic(value: &Value) -> Option<(&str, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let name = ["Ref", "GetAtt", "Sub", "If", "Not", "Equals"].into_iter().find(|n| tagged.tag == *n)?;
            Some((name, &tagged.value))
        }
        Value::Mapping(mapping) if mapping.len() == 1 => {
            let (name, argument) = mapping.iter().next()?;
            let name = name.as_str()?;
            Some((name.strip_prefix("Fn::").unwrap_or(name), argument))
        }
        _ => None,
    }
}

/// The logical id a `Ref` or `GetAtt` names.
fn referred(value: &Value) -> Option<&str> {
    match intrinsic(value)? {
        ("Ref", Value::String(id)) => Some(id),
        ("GetAtt", Value::String(path)) => path.split('.').next(),
        ("GetAtt", Value::Sequence(parts)) => parts.first()?.as_str(),
        _ => None,
    }
}

/// The properties of the one alarm on `metric`.
fn alarm_on<'t>(resources: &'t Mapping, metric: &str) -> &'t Value {
    let alarms: Vec<&Value> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::CloudWatch::Alarm" && r["Properties"]["MetricName"] == metric)
        .collect();
    assert_eq!(alarms.len(), 1, "one alarm on {metric}");
    &alarms[0]["Properties"]
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

#[test]
fn every_scheduled_function_is_deployed_with_its_schedule() {
    let template = template();
    let resources = resources(&template);
    for function in ccbridge_local::SCHEDULED_FUNCTIONS {
        let resource = resources
            .values()
            .find(|r| binary_of(r) == Some(function.name))
            .unwrap_or_else(|| panic!("no resource builds binary {}", function.name));
        assert_eq!(resource["Type"], "AWS::Serverless::Function");
        assert_eq!(resource["Metadata"]["BuildMethod"], "rust-cargolambda");
        let events = resource["Properties"]["Events"].as_mapping().expect("Events");
        let schedules: Vec<&Value> = events.values().filter(|e| e["Type"] == "Schedule").collect();
        assert_eq!(schedules.len(), 1, "{} has one Schedule event", function.name);
        let p = &schedules[0]["Properties"];
        assert_eq!(p["Schedule"].as_str(), Some(function.schedule), "schedule of {}", function.name);
        assert!(
            p["Enabled"].as_bool().unwrap_or(true) && p["State"].as_str().is_none_or(|s| s == "ENABLED"),
            "the schedule of {} is enabled",
            function.name
        );
    }
    let scheduled: BTreeSet<&str> = resources
        .values()
        .filter(|r| {
            r["Properties"]["Events"]
                .as_mapping()
                .is_some_and(|e| e.values().any(|e| e["Type"] == "Schedule" || e["Type"] == "ScheduleV2"))
        })
        .filter_map(binary_of)
        .collect();
    let known: BTreeSet<&str> = ccbridge_local::SCHEDULED_FUNCTIONS.iter().map(|f| f.name).collect();
    assert_eq!(scheduled, known, "scheduled functions in template.yaml and in the local stack differ");
}

#[test]
fn the_dead_letter_queue_the_oldest_due_job_and_failed_jobs_have_alarms() {
    let template = template();
    let resources = resources(&template);

    // The queue the recording stream dead-letters to.
    let recording_sync =
        resources.values().find(|r| binary_of(r) == Some("recording-sync")).expect("a resource builds recording-sync");
    let streams: Vec<&Value> = recording_sync["Properties"]["Events"]
        .as_mapping()
        .expect("Events")
        .values()
        .filter(|e| e["Type"] == "DynamoDB")
        .collect();
    assert_eq!(streams.len(), 1);
    let queue = referred(&streams[0]["Properties"]["DestinationConfig"]["OnFailure"]["Destination"])
        .expect("the dead-letter destination refers to a resource");
    assert_eq!(resources[queue]["Type"], "AWS::SQS::Queue");

    let dead_letters = alarm_on(resources, "ApproximateNumberOfMessagesVisible");
    assert_eq!(dead_letters["Namespace"], "AWS/SQS");
    let dimensions = dead_letters["Dimensions"].as_sequence().expect("Dimensions");
    assert_eq!(dimensions.len(), 1);
    assert_eq!(dimensions[0]["Name"], "QueueName");
    assert_eq!(intrinsic(&dimensions[0]["Value"]).map(|(name, _)| name), Some("GetAtt"));
    assert_eq!(referred(&dimensions[0]["Value"]), Some(queue), "the dead-letter alarm watches {queue}");
    assert_eq!(dead_letters["Threshold"], 1);
    assert_eq!(dead_letters["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(dead_letters["Period"], 300);
    assert_eq!(dead_letters["EvaluationPeriods"], 1);

    // The sweep reports these with no dimensions (shared/src/jobs/sweep.rs).
    let oldest = alarm_on(resources, "OldestDueJobAgeSeconds");
    assert_eq!(oldest["Namespace"].as_str(), Some(metrics::NAMESPACE));
    assert!(
        oldest["Dimensions"].as_sequence().is_none_or(Vec::is_empty),
        "the oldest-due-job metric has no dimensions"
    );
    assert_eq!(oldest["Statistic"], "Maximum");
    assert_eq!(oldest["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    let threshold = referred(&oldest["Threshold"]).expect("the threshold is a parameter");
    assert_eq!(threshold, "OldestDueJobAlarmSeconds");
    assert_eq!(template["Parameters"][threshold]["Default"], 900);
    assert_eq!(oldest["Period"], 300);
    assert_eq!(oldest["EvaluationPeriods"], 2);
    // A sweeper that stops reporting is an alarm too.
    assert_eq!(oldest["TreatMissingData"], "breaching");

    // Every attempt reports its outcome by kind (shared/src/recordings/sync.rs).
    let failed = alarm_on(resources, "JobsFailed");
    assert_eq!(failed["Namespace"].as_str(), Some(metrics::NAMESPACE));
    let dimensions = failed["Dimensions"].as_sequence().expect("Dimensions");
    assert_eq!(dimensions.len(), 1);
    assert_eq!(dimensions[0]["Name"], "Kind");
    assert_eq!(dimensions[0]["Value"].as_str(), Some(JobKind::Recording.as_str()));
    assert_eq!(failed["Statistic"], "Sum");
    assert_eq!(failed["Threshold"], 1);
    assert_eq!(failed["ComparisonOperator"], "GreaterThanOrEqualToThreshold");
    assert_eq!(failed["Period"], 300);
    assert_eq!(failed["TreatMissingData"], "notBreaching");

    // Each notifies the alarm topic, when there is one.
    for alarm in [dead_letters, oldest, failed] {
        for actions in ["AlarmActions", "OKActions"] {
            let (name, argument) = intrinsic(&alarm[actions]).unwrap_or_else(|| panic!("{actions} is conditional"));
            assert_eq!(name, "If");
            let argument = argument.as_sequence().expect("Fn::If arguments");
            assert_eq!(argument.len(), 3);
            let condition = argument[0].as_str().expect("condition name");
            assert!(intrinsic(&template["Conditions"][condition]).is_some(), "condition {condition} is defined");
            let topics = argument[1].as_sequence().expect("the topics");
            assert_eq!(topics.iter().map(referred).collect::<Vec<_>>(), vec![Some("AlarmTopicArn")]);
            assert_eq!(referred(&argument[2]), Some("AWS::NoValue"));
        }
    }
    assert_eq!(template["Parameters"]["AlarmTopicArn"]["Default"], "");
}

/// The alarm notifies `AlarmTopicArn` when it goes off and clears, when the topic is set.
fn assert_notifies_the_topic(template: &Value, alarm: &Value, name: &str) {
    for actions in ["AlarmActions", "OKActions"] {
        let (function, argument) =
            intrinsic(&alarm[actions]).unwrap_or_else(|| panic!("{name}: {actions} is conditional"));
        assert_eq!(function, "If", "{name}: {actions}");
        let argument = argument.as_sequence().expect("Fn::If arguments");
        assert!(intrinsic(&template["Conditions"][argument[0].as_str().expect("condition")]).is_some());
        let topics = argument[1].as_sequence().expect("the topics");
        assert_eq!(topics.iter().map(referred).collect::<Vec<_>>(), vec![Some("AlarmTopicArn")], "{name}");
        assert_eq!(referred(&argument[2]), Some("AWS::NoValue"), "{name}");
    }
}

/// The logical id of the function resource building `binary`.
fn function_id<'t>(resources: &'t Mapping, binary: &str) -> &'t str {
    resources
        .iter()
        .find(|(_, r)| binary_of(r) == Some(binary))
        .and_then(|(id, _)| id.as_str())
        .unwrap_or_else(|| panic!("no resource builds binary {binary}"))
}

/// A metric an alarm reads: namespace, name, and its dimensions (name, value).
type AlarmMetric<'t> = (&'t str, &'t str, Vec<(&'t str, &'t Value)>);

/// The metrics a metric-math alarm reads.
fn alarm_metrics(alarm: &Value) -> Vec<AlarmMetric<'_>> {
    alarm["Metrics"]
        .as_sequence()
        .map(|metrics| {
            metrics
                .iter()
                .filter_map(|m| {
                    let metric = &m["MetricStat"]["Metric"];
                    let dimensions = metric["Dimensions"]
                        .as_sequence()
                        .map(|ds| ds.iter().map(|d| (d["Name"].as_str().expect("name"), &d["Value"])).collect())
                        .unwrap_or_default();
                    Some((metric["Namespace"].as_str()?, metric["MetricName"].as_str()?, dimensions))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn all_binaries() -> Vec<&'static str> {
    let http = ccbridge_local::FUNCTIONS.iter().map(|f| f.name);
    let stream = ccbridge_local::STREAM_FUNCTIONS.iter().map(|f| f.name);
    let scheduled = ccbridge_local::SCHEDULED_FUNCTIONS.iter().map(|f| f.name);
    http.chain(stream).chain(scheduled).collect()
}

#[test]
fn every_function_logs_to_its_own_group_with_retention() {
    let template = template();
    let resources = resources(&template);
    let mut groups = BTreeSet::new();
    for binary in all_binaries() {
        let resource = &resources[function_id(resources, binary)];
        let group = referred(&resource["Properties"]["LoggingConfig"]["LogGroup"])
            .unwrap_or_else(|| panic!("{binary}'s LoggingConfig names its log group"));
        assert!(groups.insert(group), "{binary} shares log group {group}");
        assert_eq!(resources[group]["Type"], "AWS::Logs::LogGroup");
        assert_eq!(referred(&resources[group]["Properties"]["RetentionInDays"]), Some("LogRetentionDays"), "{group}");
    }
    assert!(template["Parameters"]["LogRetentionDays"]["Default"].as_u64().is_some());
}

#[test]
fn every_http_function_has_a_server_error_rate_alarm_on_its_own_metrics() {
    let template = template();
    let resources = resources(&template);
    for function in ccbridge_local::FUNCTIONS {
        let id = function_id(resources, function.name);
        let alarms: Vec<(&str, &Value)> = resources
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
            .filter(|(_, r)| {
                alarm_metrics(&r["Properties"]).iter().any(|(namespace, name, dimensions)| {
                    *namespace == metrics::NAMESPACE
                        && *name == ccbridge::metrics::SERVER_ERRORS
                        && dimensions.iter().any(|(d, v)| *d == "Function" && *v == function.name)
                })
            })
            .map(|(name, r)| (name.as_str().expect("id"), &r["Properties"]))
            .collect();
        assert_eq!(alarms.len(), 1, "one 5xx alarm on {}", function.name);
        let (name, alarm) = alarms[0];
        let read = alarm_metrics(alarm);
        let of_function =
            |dimensions: &Vec<(&str, &Value)>| dimensions.iter().any(|(d, v)| *d == "Function" && *v == function.name);
        assert!(
            read.iter()
                .any(|(ns, m, d)| *ns == metrics::NAMESPACE && *m == ccbridge::metrics::REQUESTS && of_function(d)),
            "{name} divides by the function's requests"
        );
        assert!(
            read.iter().any(|(ns, m, d)| *ns == "AWS/Lambda"
                && *m == "Errors"
                && d.iter().any(|(n, v)| *n == "FunctionName" && referred(v) == Some(id))),
            "{name} counts {id}'s crashed invocations"
        );
        let returned: Vec<&Value> = alarm["Metrics"]
            .as_sequence()
            .expect("Metrics")
            .iter()
            .filter(|m| m["ReturnData"].as_bool() == Some(true))
            .collect();
        assert_eq!(returned.len(), 1, "{name} alarms on one expression");
        assert!(returned[0]["Expression"].as_str().is_some_and(|e| e.contains("100 *")), "{name}: a percentage");
        assert_eq!(referred(&alarm["Threshold"]), Some("ServerErrorRateAlarmPercent"));
        assert_eq!(alarm["TreatMissingData"], "notBreaching", "{name}: no traffic is no error");
        assert_notifies_the_topic(&template, alarm, name);
    }
}

#[test]
fn the_throttles_alarm_watches_every_function() {
    let template = template();
    let resources = resources(&template);
    let alarm = &resources["ThrottlesAlarm"]["Properties"];
    let watched: BTreeSet<&str> = alarm_metrics(alarm)
        .iter()
        .filter(|(ns, m, _)| *ns == "AWS/Lambda" && *m == "Throttles")
        .filter_map(|(_, _, d)| d.iter().find(|(n, _)| *n == "FunctionName").and_then(|(_, v)| referred(v)))
        .collect();
    let functions: BTreeSet<&str> = all_binaries().into_iter().map(|b| function_id(resources, b)).collect();
    assert_eq!(watched, functions);
    assert_eq!(alarm["Threshold"], 1);
    assert_notifies_the_topic(&template, alarm, "ThrottlesAlarm");
}

#[test]
fn the_dashboard_shows_every_metric_and_every_alarm() {
    let template = template();
    let resources = resources(&template);
    let dashboard = &resources["Dashboard"];
    assert_eq!(dashboard["Type"], "AWS::CloudWatch::Dashboard");
    let (function, body) = intrinsic(&dashboard["Properties"]["DashboardBody"]).expect("the body is a !Sub");
    assert_eq!(function, "Sub");
    let body = body.as_str().expect("the body's text");
    // The body is JSON once its `${…}` substitutions are made.
    let mut substituted = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("${") {
        substituted.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("a closed substitution") + start;
        substituted.push('X');
        rest = &rest[end + 1..];
    }
    substituted.push_str(rest);
    let _: serde_json::Value = serde_json::from_str(&substituted).expect("the dashboard body is JSON");
    for metric in ccbridge::metrics::ALL {
        assert!(
            body.contains(&format!("\"{metric}\"")) || body.contains(&format!("=\\\"{metric}\\\"")),
            "the dashboard shows {metric}"
        );
    }
    for (id, resource) in resources {
        if resource["Type"] == "AWS::CloudWatch::Alarm" {
            let id = id.as_str().expect("id");
            assert!(body.contains(&format!("${{{id}.Arn}}")), "the dashboard's alarm widget shows {id}");
        }
    }
}

/// The resource whose HTTP API events include `route` (`GET /status`).
fn function_serving<'t>(resources: &'t Mapping, route: &str) -> &'t str {
    let serves = |resource: &Value| {
        resource["Properties"]["Events"].as_mapping().is_some_and(|events| {
            events.values().any(|e| {
                let p = &e["Properties"];
                e["Type"] == "HttpApi"
                    && format!(
                        "{} {}",
                        p["Method"].as_str().unwrap_or("").to_uppercase(),
                        p["Path"].as_str().unwrap_or("")
                    ) == route
            })
        })
    };
    resources
        .iter()
        .find(|(_, r)| serves(r))
        .and_then(|(id, _)| id.as_str())
        .unwrap_or_else(|| panic!("no function serves {route}"))
}

#[test]
fn every_route_is_throttled_and_public_routes_cannot_starve_the_webhooks() {
    let template = template();
    let resources = resources(&template);
    let api = &resources["HttpApi"]["Properties"];
    let parameter = |name: &str| template["Parameters"][name]["Default"].as_u64().unwrap_or_else(|| panic!("{name}"));
    assert_eq!(referred(&api["DefaultRouteSettings"]["ThrottlingRateLimit"]), Some("ApiThrottleRateLimit"));
    assert_eq!(referred(&api["DefaultRouteSettings"]["ThrottlingBurstLimit"]), Some("ApiThrottleBurstLimit"));

    // Public: the functions whose routes take no credential but the link itself.
    let public: BTreeSet<String> = ccbridge_local::FUNCTIONS
        .iter()
        .filter(|f| ["status", "screen-pop"].contains(&f.name))
        .flat_map(|f| f.routes.iter().map(ccbridge::Route::key))
        .collect();
    assert!(public.contains("GET /status") && public.contains("GET /card/{token}"), "{public:?}");
    let settings = api["RouteSettings"].as_mapping().expect("RouteSettings");
    let limited: BTreeSet<String> = settings.keys().filter_map(|k| k.as_str().map(str::to_owned)).collect();
    assert_eq!(limited, public, "the public routes, and only they, have their own limits");
    for route in &public {
        let route_settings = &settings[route.as_str()];
        assert_eq!(referred(&route_settings["ThrottlingRateLimit"]), Some("PublicThrottleRateLimit"), "{route}");
        assert_eq!(referred(&route_settings["ThrottlingBurstLimit"]), Some("PublicThrottleRateLimit"), "{route}");
    }
    assert!(parameter("PublicThrottleRateLimit") < parameter("ApiThrottleRateLimit"));

    let public_functions: BTreeSet<&str> = public.iter().map(|route| function_serving(resources, route)).collect();
    for (id, resource) in resources {
        let id = id.as_str().expect("id");
        let reserved = referred(&resource["Properties"]["ReservedConcurrentExecutions"]);
        if public_functions.contains(id) {
            assert_eq!(reserved, Some("PublicReservedConcurrency"), "{id} serves a public route");
        } else {
            assert_eq!(reserved, None, "{id} is not capped by the public functions' limit");
        }
    }
    // A function serving a public route serves no webhook: its cap never slows a provider.
    for function in public_functions {
        let events = resources[function]["Properties"]["Events"].as_mapping().expect("events");
        for event in events.values() {
            let route = format!(
                "{} {}",
                event["Properties"]["Method"].as_str().unwrap_or("").to_uppercase(),
                event["Properties"]["Path"].as_str().unwrap_or("")
            );
            assert!(public.contains(&route), "{function} also serves {route}");
        }
    }
}

#[test]
fn personal_data_in_the_table_is_kept_as_long_as_recordings_in_the_bucket() {
    let template = template();
    let resources = resources(&template);
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(
        referred(&variables[ccbridge::app::RETENTION_ENV]),
        Some("RecordingRetentionDays"),
        "every function writes the table's TTL from the bucket's retention"
    );
    let rules = resources["Bucket"]["Properties"]["LifecycleConfiguration"]["Rules"].as_sequence().expect("rules");
    let expiry: Vec<Option<&str>> =
        rules.iter().filter(|r| !r["ExpirationInDays"].is_null()).map(|r| referred(&r["ExpirationInDays"])).collect();
    assert_eq!(expiry, [Some("RecordingRetentionDays")], "the bucket expires objects after the same days");
    let table = &resources["Table"]["Properties"]["TimeToLiveSpecification"];
    assert_eq!((table["AttributeName"].as_str(), table["Enabled"].as_bool()), (Some(schema::TTL), Some(true)));
    let days = template["Parameters"]["RecordingRetentionDays"]["MaxValue"].as_u64().expect("MaxValue");
    assert_eq!(days, 36_500, "what the functions accept");
}
