use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lambda_events::sqs::SqsEvent;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use visitor_functions::processor::Processor;

#[tokio::main]
async fn main() -> Result<(), Error> {
    visitor_functions::runtime::init_tracing();
    let processor = Processor::from_env().await?;
    let processor = &processor;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        // Lambda's deadline is in milliseconds since the epoch.
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let left = Duration::from_millis(event.context.deadline.saturating_sub(now));
        Ok::<_, Error>(
            processor
                .handle_until(event.payload, Instant::now() + left)
                .await,
        )
    }))
    .await
}
