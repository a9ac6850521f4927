use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use visitor_functions::connect::Connect;

#[tokio::main]
async fn main() -> Result<(), Error> {
    visitor_functions::runtime::init_tracing();
    let connect = Connect::from_env().await?;
    let connect = &connect;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok::<_, Error>(connect.handle(event.payload).await)
        },
    ))
    .await
}
