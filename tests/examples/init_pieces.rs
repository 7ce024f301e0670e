//! Benchmark part of `cargo xtask bench` (not a test): what a cold start does beyond a
//! hello-world function, one piece at a time in a fresh process, in the order a function does
//! it; then the pieces its first request does for the first time. `cargo xtask bench` runs it
//! several times and reports the medians. Needs the environment a function gets (table, bucket,
//! configuration file, endpoints of a running local stack).
//!
//! Prints one `piece<TAB>microseconds` line per piece.

// A benchmark run by hand: a failed step stops it with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use ccbridge::config::ConfigSource;
use ccbridge::phone::{Country, PhoneNumber};

fn timed<T>(name: &str, piece: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = piece();
    println!("{name}\t{}", started.elapsed().as_micros());
    value
}

async fn timed_async<T>(name: &str, piece: impl Future<Output = T>) -> T {
    let started = Instant::now();
    let value = piece.await;
    println!("{name}\t{}", started.elapsed().as_micros());
    value
}

#[tokio::main]
async fn main() {
    timed("tracing subscriber (JSON logs)", ccbridge_lambda::init_tracing);
    let sdk = timed_async("AWS SDK configuration from the environment", ccbridge::aws::sdk_config()).await;
    let source = ConfigSource::from_env().expect("configuration source");
    let config = timed_async("configuration document read and validated", source.load(&sdk)).await.expect("config");
    timed("outbound HTTP clients (their TLS roots are read on the first handshake)", || {
        ccbridge::app::Clients::new(&config)
    })
    .expect("clients");
    let dynamodb = timed("DynamoDB and S3 clients", || {
        let dynamodb = ccbridge::aws::dynamodb(&sdk);
        let _s3 = ccbridge::aws::s3(&sdk);
        dynamodb
    });
    let provider = rustls::crypto::aws_lc_rs::default_provider();
    timed("first random bytes drawn (what the first TLS handshake draws)", || {
        provider.secure_random.fill(&mut [0u8; 32])
    })
    .expect("random");
    let ru = Country::parse("RU").expect("RU");
    timed("first phone number parsed (numbering plan loaded)", || PhoneNumber::parse("79161234567", ru))
        .expect("phone");
    timed("second phone number parsed", || PhoneNumber::parse("79161234568", ru)).expect("phone");
    let table = std::env::var(ccbridge::app::TABLE_ENV).expect("table");
    let get = || {
        dynamodb
            .get_item()
            .table_name(&table)
            .key("pk", aws_sdk_dynamodb::types::AttributeValue::S("X".into()))
            .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("X".into()))
            .send()
    };
    timed_async("first DynamoDB request (connection, credentials, signing)", get()).await.expect("get");
    timed_async("second DynamoDB request", get()).await.expect("get");
}
