#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve_stream(recording_sync::FUNCTION).await
}
