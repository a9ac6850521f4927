//! API Gateway's WebSocket management API on loopback, with API Gateway's
//! semantics: `POST /@connections/{id}` delivers to an open connection,
//! `GET` describes it, `DELETE` closes it, and a connection that is not open
//! answers `410 GoneException`, as on AWS. moto serves this API too but
//! accepts any connection ID, so nothing there is ever gone.
//!
//! The stage prefix is optional (`/live/@connections/{id}` works), so the
//! endpoint a function gets can be the stage URL, as on AWS.

pub mod http_api;
mod websocket;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use tokio::sync::mpsc;

/// Calls a function by name with an event and returns its JSON response.
pub type Invoke = std::sync::Arc<
    dyn Fn(
            String,
            serde_json::Value,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = Result<serde_json::Value, String>> + Send>,
        > + Send
        + Sync,
>;

/// Messages delivered to one connection.
pub type Inbox = mpsc::UnboundedReceiver<Vec<u8>>;

#[derive(Default)]
struct Registry {
    connections: HashMap<String, Connection>,
}

struct Connection {
    sender: mpsc::UnboundedSender<Vec<u8>>,
    connected_at: u64,
}

/// The running management endpoint and its connection registry.
#[derive(Clone)]
pub struct Gateway {
    registry: Arc<Mutex<Registry>>,
    addr: SocketAddr,
}

impl Gateway {
    /// Serves the management API on a free loopback port until the runtime stops.
    pub async fn start() -> std::io::Result<Gateway> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let registry = Arc::new(Mutex::new(Registry::default()));
        let app = Router::new()
            .route("/@connections/{id}", any(connection))
            .route("/{stage}/@connections/{id}", any(staged_connection))
            .with_state(registry.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Gateway { registry, addr })
    }

    /// `http://127.0.0.1:<port>`: the management endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Opens a connection; what is posted to it arrives in the returned inbox.
    pub fn open(&self, id: &str) -> Inbox {
        let (sender, inbox) = mpsc::unbounded_channel();
        let connected_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.lock().connections.insert(
            id.to_owned(),
            Connection {
                sender,
                connected_at,
            },
        );
        inbox
    }

    /// Closes a connection (the client went away).
    pub fn close(&self, id: &str) {
        self.lock().connections.remove(id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        self.registry
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn staged_connection(
    state: State<Arc<Mutex<Registry>>>,
    method: axum::http::Method,
    Path((_stage, id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    handle(state, method, id, body)
}

async fn connection(
    state: State<Arc<Mutex<Registry>>>,
    method: axum::http::Method,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    handle(state, method, id, body)
}

fn handle(
    State(registry): State<Arc<Mutex<Registry>>>,
    method: axum::http::Method,
    id: String,
    body: Bytes,
) -> Response {
    let mut registry = registry
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let gone = || {
        (
            StatusCode::GONE,
            [("x-amzn-errortype", "GoneException")],
            serde_json::json!({ "message": format!("connection {id} is gone") }).to_string(),
        )
            .into_response()
    };
    match method.as_str() {
        "POST" => match registry.connections.get(&id) {
            Some(c) if c.sender.send(body.to_vec()).is_ok() => StatusCode::OK.into_response(),
            _ => {
                registry.connections.remove(&id);
                gone()
            }
        },
        "GET" => match registry.connections.get(&id) {
            Some(c) => {
                let body = serde_json::json!({ "connectedAt": c.connected_at, "identity": { "sourceIp": "127.0.0.1" } });
                (StatusCode::OK, body.to_string()).into_response()
            }
            None => gone(),
        },
        "DELETE" => match registry.connections.remove(&id) {
            Some(_) => StatusCode::NO_CONTENT.into_response(),
            None => gone(),
        },
        _ => StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}
