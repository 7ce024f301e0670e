//! AWS clients, built once per cold start.
//!
//! Endpoints come from the standard chain, so `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB`,
//! `AWS_ENDPOINT_URL_S3`) points every client at a local server. S3 then uses path-style
//! addressing, since a local server has no per-bucket host names.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, SdkConfig};

/// The shared SDK configuration from the environment (region, credentials, endpoints).
///
/// Lambda puts a function's credentials in its environment. When they are there they are
/// used as they are: the default chain would find them first too, but building it (the
/// container, instance-metadata, web-identity and SSO providers, and the HTTPS client they
/// share, with the platform's roots) is most of what loading the configuration costs. Without
/// them (a developer's profile, SSO) the default chain resolves them.
pub async fn sdk_config() -> SdkConfig {
    let loader = aws_config::defaults(BehaviorVersion::latest());
    if credentials_in_env(|name| std::env::var(name).ok()) {
        loader.credentials_provider(EnvironmentVariableCredentialsProvider::new()).load().await
    } else {
        loader.load().await
    }
}

/// Whether `var` holds an access key and its secret, under either of the names the SDK reads.
fn credentials_in_env(var: impl Fn(&str) -> Option<String>) -> bool {
    let set = |names: [&str; 2]| names.iter().any(|name| var(name).is_some_and(|v| !v.trim().is_empty()));
    set(["AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"]) && set(["AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"])
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn credentials_count_as_in_the_environment_only_with_key_and_secret() {
        assert!(credentials_in_env(env(&[("AWS_ACCESS_KEY_ID", "AKIA"), ("AWS_SECRET_ACCESS_KEY", "s")])));
        assert!(credentials_in_env(env(&[("AWS_ACCESS_KEY", "AKIA"), ("AWS_SECRET_KEY", "s")])));
        assert!(!credentials_in_env(env(&[("AWS_ACCESS_KEY_ID", "AKIA")])));
        assert!(!credentials_in_env(env(&[("AWS_ACCESS_KEY_ID", "AKIA"), ("AWS_SECRET_ACCESS_KEY", " ")])));
        assert!(!credentials_in_env(env(&[("AWS_PROFILE", "dev")])));
    }
}
