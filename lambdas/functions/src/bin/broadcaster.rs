use aws_lambda_events::dynamodb::Event;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use visitor_functions::broadcaster::Broadcaster;

#[tokio::main]
async fn main() -> Result<(), Error> {
    visitor_functions::runtime::init_tracing();
    let broadcaster = Broadcaster::from_env().await?;
    let broadcaster = &broadcaster;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<_, Error>(broadcaster.handle(event.payload).await)
    }))
    .await
}
