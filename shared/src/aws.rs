//! AWS clients, built once per cold start.
//!
//! Endpoints come from the standard chain, so `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`,
//! `AWS_ENDPOINT_URL_S3`) points every client at a local server. S3 then uses path-style
//! addressing, since a local server has no per-bucket host names.

use aws_config::{BehaviorVersion, SdkConfig};

/// The shared SDK configuration from the environment (region, credentials, endpoints).
pub async fn sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

pub fn dynamodb(sdk: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(sdk)
}

/// An S3 client; path-style when an endpoint override is configured.
pub fn s3(sdk: &SdkConfig) -> aws_sdk_s3::Client {
    let overridden = ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
        .iter()
        .any(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()));
    s3_with_path_style(sdk, overridden || sdk.endpoint_url().is_some())
}

pub fn s3_with_path_style(sdk: &SdkConfig, path_style: bool) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk).force_path_style(path_style).build();
    aws_sdk_s3::Client::from_conf(config)
}
