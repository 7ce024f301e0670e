#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve_scheduled(job_sweeper::FUNCTION).await
}
