#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    ccbridge_lambda::serve(genesys_messaging_inbound::FUNCTION).await
}
