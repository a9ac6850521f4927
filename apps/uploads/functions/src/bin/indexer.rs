use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use uploads_functions::indexer::Indexer;

#[tokio::main]
async fn main() -> Result<(), Error> {
    uploads_functions::init_tracing();
    let sdk = aws_config::load_from_env().await;
    let indexer = Indexer::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        uploads_functions::table_from_env()?,
    );
    let indexer = &indexer;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(indexer.handle(event.payload).await)
    }))
    .await
}
