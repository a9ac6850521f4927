use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use visitor_functions::counts::Counts;

#[tokio::main]
async fn main() -> Result<(), Error> {
    visitor_functions::runtime::init_tracing();
    let counts = Counts::from_env().await?;
    let counts = &counts;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
            Ok::<_, Error>(counts.handle(event.payload).await)
        },
    ))
    .await
}
