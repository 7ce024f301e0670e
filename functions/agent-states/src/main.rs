#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve(agent_states::FUNCTION).await
}
