//! The WebSocket routes: `$connect` remembers the connection (with a TTL),
//! `$disconnect` forgets it, anything else is acknowledged.

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::Client;
use visitor_model::clients::{self, MissingEnv};
use visitor_model::env;
use visitor_model::tables::connections;

use crate::dynamo::{describe_sdk_error, n, s};

/// Default seconds a connection record lives.
pub const DEFAULT_TTL_SECONDS: i64 = 7200;

/// The connect handler: a DynamoDB client and the connections table.
#[derive(Debug, Clone)]
pub struct Connect {
    db: Client,
    table: String,
    ttl_seconds: i64,
}

impl Connect {
    /// A handler with an explicit client.
    pub fn new(db: Client, table: String, ttl_seconds: i64) -> Self {
        Connect {
            db,
            table,
            ttl_seconds,
        }
    }

    /// A handler configured from the environment.
    pub async fn from_env() -> Result<Self, MissingEnv> {
        let table = clients::required_env(env::CONNECTIONS_TABLE)?;
        let ttl = std::env::var(env::CONNECTION_TTL_SECONDS)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_TTL_SECONDS);
        let config = clients::sdk_config().await;
        Ok(Connect::new(clients::dynamodb(&config), table, ttl))
    }

    /// Handles one WebSocket event.
    pub async fn handle(
        &self,
        request: ApiGatewayWebsocketProxyRequest,
    ) -> ApiGatewayProxyResponse {
        let context = &request.request_context;
        let Some(id) = context.connection_id.clone().filter(|id| !id.is_empty()) else {
            return reply(400, "no connection id");
        };
        let route = context.route_key.clone().unwrap_or_default();
        let result = match route.as_str() {
            "$connect" => {
                let expires = chrono::Utc::now().timestamp() + self.ttl_seconds;
                self.db
                    .put_item()
                    .table_name(&self.table)
                    .item(connections::PK, s(&id))
                    .item(connections::EXPIRES_AT, n(expires))
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(|e| describe_sdk_error(&e))
            }
            "$disconnect" => self
                .db
                .delete_item()
                .table_name(&self.table)
                .key(connections::PK, s(&id))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| describe_sdk_error(&e)),
            _ => Ok(()),
        };
        match result {
            Ok(()) => {
                tracing::info!(connection = %id, %route, "ok");
                reply(200, "ok")
            }
            Err(error) => {
                tracing::error!(connection = %id, %route, %error, "connection table update failed");
                reply(500, "try again")
            }
        }
    }
}

fn reply(status: i64, text: &str) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = status;
    response.body = Some(Body::Text(text.to_owned()));
    response
}
