//! API Gateway's HTTP API (payload format 2.0) on loopback: each request that
//! matches a route becomes the event API Gateway would send, the route's
//! function answers through `invoke`, and its response becomes the HTTP
//! response. Routes come from the stack's template.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{json, Map, Value};

/// One route: `GET /api/counts` to a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The method, or `ANY`.
    pub method: String,
    /// The path (exact; `{proxy+}` routes are not served).
    pub path: String,
    /// The function's name as the invoker knows it.
    pub function: String,
}

impl Route {
    /// Parses a route key such as `GET /api/counts`.
    pub fn from_key(key: &str, function: &str) -> Option<Route> {
        let (method, path) = key.split_once(' ')?;
        Some(Route {
            method: method.to_owned(),
            path: path.to_owned(),
            function: function.to_owned(),
        })
    }
}

pub use crate::Invoke;

struct Api {
    routes: Vec<Route>,
    invoke: Invoke,
}

/// A running HTTP API.
pub struct HttpApi {
    addr: SocketAddr,
}

impl HttpApi {
    /// Serves `routes` on `addr` (port 0 for a free one) until the runtime stops.
    pub async fn start(
        addr: SocketAddr,
        routes: Vec<Route>,
        invoke: Invoke,
    ) -> std::io::Result<HttpApi> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let api = Arc::new(Api { routes, invoke });
        let app = axum::Router::new().fallback(handle).with_state(api);
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(HttpApi { addr })
    }

    /// `http://127.0.0.1:<port>`: the API's base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn handle(
    State(api): State<Arc<Api>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path();
    let route = api
        .routes
        .iter()
        .find(|r| r.path == path && (r.method == "ANY" || r.method == method.as_str()));
    let Some(route) = route else {
        return json_response(StatusCode::NOT_FOUND, json!({ "message": "Not Found" }));
    };
    let event = request_event(route, &method, &uri, &headers, &body);
    match (api.invoke)(route.function.clone(), event).await {
        Ok(response) => proxy_response(&response),
        Err(e) => {
            eprintln!("{} {path}: {e}", method.as_str());
            json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "message": "Internal Server Error" }),
            )
        }
    }
}

/// The payload-format-2.0 event for a request.
pub fn request_event(
    route: &Route,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Value {
    let mut header_map = Map::new();
    for (name, value) in headers {
        let value = value.to_str().unwrap_or_default();
        let key = name.as_str().to_owned();
        let joined = match header_map.get(&key).and_then(Value::as_str) {
            Some(previous) => format!("{previous},{value}"),
            None => value.to_owned(),
        };
        header_map.insert(key, json!(joined));
    }
    let raw_query = uri.query().unwrap_or_default();
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.entry(decode(k)).or_default().push(decode(v));
    }
    let query: Map<String, Value> = query
        .into_iter()
        .map(|(k, v)| (k, json!(v.join(","))))
        .collect();
    let (body, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (String::new(), true),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{} {}", route.method, route.path),
        "rawPath": uri.path(),
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "domainPrefix": "local",
            "http": {
                "method": method.as_str(),
                "path": uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default(),
            },
            "requestId": format!("local-{now}"),
            "routeKey": format!("{} {}", route.method, route.path),
            "stage": "$default",
            "time": "",
            "timeEpoch": now,
        },
        "isBase64Encoded": encoded,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !body.is_empty() {
        event["body"] = json!(body);
    }
    event
}

/// Percent-decoding of a query component (`+` is a space); malformed escapes
/// stay as they are.
fn decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                match (
                    bytes.get(i + 1).copied().and_then(hex),
                    bytes.get(i + 2).copied().and_then(hex),
                ) {
                    (Some(hi), Some(lo)) => {
                        out.push(hi * 16 + lo);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A function's response (payload format 2.0) as an HTTP response.
pub fn proxy_response(response: &Value) -> Response {
    let status = response["statusCode"]
        .as_u64()
        .and_then(|s| StatusCode::from_u16(s as u16).ok());
    let Some(status) = status else {
        // A response without a status code is a JSON body, as API Gateway treats it.
        return json_response(StatusCode::OK, response.clone());
    };
    let mut builder = Response::builder().status(status);
    if let Some(headers) = response["headers"].as_object() {
        for (k, v) in headers {
            if let (Ok(name), Some(Ok(value))) = (
                HeaderName::try_from(k.as_str()),
                v.as_str().map(HeaderValue::from_str),
            ) {
                builder = builder.header(name, value);
            }
        }
    }
    let body = response["body"].as_str().unwrap_or_default().to_owned();
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn json_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_and_decoding() {
        assert_eq!(decode("%2Fcaf%C3%A9+x"), "/café x");
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%é%2"), "%é%2");
        let route = Route::from_key("GET /api/counts", "CountsApi").unwrap();
        let uri: Uri = "/api/counts?path=%2Fabout&x=1&x=2".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_static("http://127.0.0.1:8080"));
        let event = request_event(&route, &Method::GET, &uri, &headers, &Bytes::new());
        assert_eq!(event["queryStringParameters"]["path"], "/about");
        assert_eq!(event["queryStringParameters"]["x"], "1,2");
        assert_eq!(event["requestContext"]["http"]["method"], "GET");
        assert_eq!(event["headers"]["origin"], "http://127.0.0.1:8080");
        assert_eq!(event["routeKey"], "GET /api/counts");
    }
}
