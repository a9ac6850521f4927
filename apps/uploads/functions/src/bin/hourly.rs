use lambda_runtime::{service_fn, Error, LambdaEvent};
use uploads_functions::hourly::Hourly;

#[tokio::main]
async fn main() -> Result<(), Error> {
    uploads_functions::init_tracing();
    let sdk = aws_config::load_from_env().await;
    let hourly = Hourly::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        uploads_functions::table_from_env()?,
    );
    let hourly = &hourly;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<serde_json::Value>| async move {
            Ok::<_, Error>(hourly.handle(event.payload).await?)
        },
    ))
    .await
}
