//! API Gateway's WebSocket side on loopback: browsers connect to
//! `ws://127.0.0.1:<port>/<stage>`; `$connect`, `$default` and `$disconnect`
//! reach the routes' functions as API Gateway's events; what the management
//! API receives for a connection goes down its socket.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::Value;

use crate::{Gateway, Invoke};

struct Socket {
    gateway: Gateway,
    stage: String,
    routes: HashMap<String, String>,
    invoke: Invoke,
    next: AtomicU64,
}

impl Gateway {
    /// Serves WebSocket connections for `stage` on a free loopback port;
    /// `routes` maps route keys (`$connect`, `$disconnect`, `$default`) to
    /// function names. Returns the `ws://` URL browsers use.
    pub async fn serve_websocket(
        &self,
        stage: &str,
        routes: HashMap<String, String>,
        invoke: Invoke,
    ) -> std::io::Result<String> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Socket {
            gateway: self.clone(),
            stage: stage.to_owned(),
            routes,
            invoke,
            next: AtomicU64::new(1),
        });
        let app = axum::Router::new()
            .route(&format!("/{stage}"), axum::routing::get(upgrade))
            .with_state(state);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(format!("ws://{addr}/{stage}"))
    }
}

async fn upgrade(State(socket): State<Arc<Socket>>, ws: WebSocketUpgrade) -> Response {
    let id = format!("local{:06}=", socket.next.fetch_add(1, Ordering::Relaxed));
    // $connect decides whether the connection is accepted, as on AWS.
    let accepted = match route_call(&socket, "$connect", "CONNECT", &id, None).await {
        Some(Ok(response)) => response["statusCode"]
            .as_u64()
            .is_none_or(|s| (200..300).contains(&s)),
        Some(Err(e)) => {
            eprintln!("$connect failed for {id}: {e}");
            false
        }
        None => true,
    };
    if !accepted {
        return Response::builder()
            .status(403)
            .body(axum::body::Body::from("Forbidden"))
            .unwrap_or_default();
    }
    ws.on_upgrade(move |stream| run(socket, id, stream))
}

async fn run(socket: Arc<Socket>, id: String, stream: WebSocket) {
    let mut inbox = socket.gateway.open(&id);
    let (mut sink, mut incoming) = stream.split();
    let forward = tokio::spawn(async move {
        while let Some(data) = inbox.recv().await {
            let message = match String::from_utf8(data) {
                Ok(text) => Message::Text(text.into()),
                Err(e) => Message::Binary(e.into_bytes().into()),
            };
            if sink.send(message).await.is_err() {
                break;
            }
        }
    });
    while let Some(Ok(message)) = incoming.next().await {
        match message {
            Message::Text(text) => {
                if let Some(Err(e)) =
                    route_call(&socket, "$default", "MESSAGE", &id, Some(text.to_string())).await
                {
                    eprintln!("$default failed for {id}: {e}");
                }
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    socket.gateway.close(&id);
    forward.abort();
    if let Some(Err(e)) = route_call(&socket, "$disconnect", "DISCONNECT", &id, None).await {
        eprintln!("$disconnect failed for {id}: {e}");
    }
}

async fn route_call(
    socket: &Socket,
    route: &str,
    kind: &str,
    id: &str,
    body: Option<String>,
) -> Option<Result<Value, String>> {
    let function = socket.routes.get(route)?.clone();
    Some((socket.invoke)(function, event(&socket.stage, route, kind, id, body)).await)
}

/// The event API Gateway hands a WebSocket route's function, as
/// `aws_lambda_events`' `ApiGatewayWebsocketProxyRequest` (the type the
/// functions read).
fn event(stage: &str, route: &str, kind: &str, id: &str, body: Option<String>) -> Value {
    use aws_lambda_events::apigw::{
        ApiGatewayWebsocketProxyRequest, ApiGatewayWebsocketProxyRequestContext,
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let mut context = ApiGatewayWebsocketProxyRequestContext::default();
    context.route_key = Some(route.to_owned());
    context.event_type = Some(kind.to_owned());
    context.message_direction = Some("IN".into());
    context.stage = Some(stage.to_owned());
    context.connected_at = now;
    context.request_time_epoch = now;
    context.request_id = Some(format!("local-{now}"));
    context.domain_name = Some("127.0.0.1".into());
    context.connection_id = Some(id.to_owned());
    context.apiid = Some("local".into());
    context.identity.source_ip = Some("127.0.0.1".into());
    let mut event = ApiGatewayWebsocketProxyRequest::default();
    event
        .headers
        .insert("host", axum::http::HeaderValue::from_static("127.0.0.1"));
    event.request_context = context;
    event.body = body;
    serde_json::to_value(event).unwrap_or(Value::Null)
}
