//! The suite's clients for what a browser uses: HTTP(S) GET for the counts
//! API and WebSocket (ws or wss) for live counts.

use std::time::Duration;

use anyhow::{bail, Context, Result};
use futures::StreamExt;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

/// Longest wait for one HTTP response.
const HTTP_LIMIT: Duration = Duration::from_secs(30);

/// `GET url`: the status and the JSON body.
pub async fn get_json(url: &str) -> Result<(u16, Value)> {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .context("loading the system's certificate roots")?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(https);
    let uri: hyper::Uri = url.parse().with_context(|| format!("{url} is not a URL"))?;
    let response = tokio::time::timeout(HTTP_LIMIT, client.get(uri))
        .await
        .with_context(|| format!("GET {url}: no answer in {}s", HTTP_LIMIT.as_secs()))?
        .with_context(|| format!("GET {url}"))?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .with_context(|| format!("reading the body of GET {url}"))?
        .to_bytes();
    let json = serde_json::from_slice(&body).with_context(|| {
        format!(
            "GET {url} answered {status} with a body that is not JSON: {}",
            String::from_utf8_lossy(&body)
        )
    })?;
    Ok((status, json))
}

/// `METHOD url` with a `User-Agent`: the status (the body is read and
/// dropped), as a browser, a crawler or a tool would ask.
pub async fn request_status(method: &str, url: &str, user_agent: &str) -> Result<u16> {
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new())
        .build(hyper_util::client::legacy::connect::HttpConnector::new());
    let request = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("user-agent", user_agent)
        .body(Empty::new())
        .with_context(|| format!("{method} {url} is not a request"))?;
    let response = tokio::time::timeout(HTTP_LIMIT, client.request(request))
        .await
        .with_context(|| format!("{method} {url}: no answer in {}s", HTTP_LIMIT.as_secs()))?
        .with_context(|| format!("{method} {url}"))?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Ok(status)
}

/// A connected WebSocket client.
pub struct LiveClient {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl LiveClient {
    /// Connects to `url` (`ws://` or `wss://`).
    pub async fn connect(url: &str) -> Result<Self> {
        let (stream, _) = tokio::time::timeout(HTTP_LIMIT, tokio_tungstenite::connect_async(url))
            .await
            .with_context(|| format!("connecting to {url}: no answer"))?
            .with_context(|| format!("connecting to {url}"))?;
        Ok(LiveClient { stream })
    }

    /// The next JSON text message for which `wanted` holds, within `limit`.
    pub async fn wait_for(
        &mut self,
        limit: Duration,
        wanted: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let mut seen = Vec::new();
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next()).await;
            let message = match next {
                Err(_) => bail!(
                    "no such message within {}s (received: {})",
                    limit.as_secs(),
                    if seen.is_empty() {
                        "nothing".to_owned()
                    } else {
                        seen.join(", ")
                    }
                ),
                Ok(None) => bail!("the server closed the connection"),
                Ok(Some(m)) => m.context("reading from the WebSocket")?,
            };
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                if wanted(&value) {
                    return Ok(value);
                }
                seen.push(text.to_string());
            }
        }
    }

    /// Closes the connection.
    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}
