#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve(crm_import::FUNCTION).await
}
