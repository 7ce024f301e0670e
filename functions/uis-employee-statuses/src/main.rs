#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve_scheduled(uis_employee_statuses::FUNCTION).await
}
