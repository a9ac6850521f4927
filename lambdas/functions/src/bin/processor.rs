use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use visitor_functions::processor::Processor;

#[tokio::main]
async fn main() -> Result<(), Error> {
    visitor_functions::runtime::init_tracing();
    let processor = Processor::from_env().await?;
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<_, Error>(processor.handle(event.payload).await)
    }))
    .await
}
