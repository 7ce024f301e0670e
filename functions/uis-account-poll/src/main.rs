#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve_scheduled(uis_account_poll::FUNCTION).await
}
