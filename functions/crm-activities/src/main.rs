#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve(crm_activities::FUNCTION).await
}
