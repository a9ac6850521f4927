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
use serde_json::{json, Value};

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

/// The payload-format-2.0 event for a request, as `aws_lambda_events`'
/// `ApiGatewayV2httpRequest` (the type the functions read): repeated
/// headers joined with commas, cookies moved from their header into
/// `cookies`, repeated query parameters joined with commas, as API Gateway
/// does
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html>).
pub fn request_event(
    route: &Route,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Value {
    use aws_lambda_events::apigw::{
        ApiGatewayV2httpRequest, ApiGatewayV2httpRequestContext,
        ApiGatewayV2httpRequestContextHttpDescription,
    };
    let mut joined = HeaderMap::new();
    for name in headers.keys() {
        if name == axum::http::header::COOKIE {
            continue;
        }
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if let Ok(value) = HeaderValue::from_str(&values.join(",")) {
            joined.insert(name.clone(), value);
        }
    }
    let cookies: Vec<String> = headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';').map(|c| c.trim().to_owned()))
        .filter(|c| !c.is_empty())
        .collect();
    let raw_query = uri.query().unwrap_or_default();
    let mut query: HashMap<String, Vec<String>> = HashMap::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query.entry(decode(k)).or_default().push(decode(v));
    }
    let query: HashMap<String, String> = query.into_iter().map(|(k, v)| (k, v.join(","))).collect();
    let (body, encoded) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (String::new(), true),
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let route_key = format!("{} {}", route.method, route.path);
    let mut http = ApiGatewayV2httpRequestContextHttpDescription::default();
    http.method = method.clone();
    http.path = Some(uri.path().to_owned());
    http.protocol = Some("HTTP/1.1".into());
    http.source_ip = Some("127.0.0.1".into());
    http.user_agent = headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut context = ApiGatewayV2httpRequestContext::default();
    context.route_key = Some(route_key.clone());
    context.account_id = Some("123456789012".into());
    context.stage = Some("$default".into());
    context.request_id = Some(format!("local-{now}"));
    context.apiid = Some("local".into());
    context.domain_name = Some("127.0.0.1".into());
    context.domain_prefix = Some("local".into());
    context.time_epoch = now;
    context.http = http;
    let mut event = ApiGatewayV2httpRequest::default();
    event.version = Some("2.0".into());
    event.route_key = Some(route_key);
    event.raw_path = Some(uri.path().to_owned());
    event.raw_query_string = Some(raw_query.to_owned());
    event.cookies = (!cookies.is_empty()).then_some(cookies);
    event.headers = joined;
    event.query_string_parameters = query.into();
    event.request_context = context;
    event.body = (!body.is_empty()).then_some(body);
    event.is_base64_encoded = encoded;
    serde_json::to_value(event).unwrap_or(Value::Null)
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

        headers.append("accept", HeaderValue::from_static("text/html"));
        headers.append("accept", HeaderValue::from_static("*/*"));
        headers.insert("cookie", HeaderValue::from_static("a=1; b=2"));
        let event = request_event(&route, &Method::GET, &uri, &headers, &Bytes::new());
        assert_eq!(event["headers"]["accept"], "text/html,*/*");
        assert_eq!(event["cookies"], json!(["a=1", "b=2"]));
        assert!(event["headers"].get("cookie").is_none());
        let typed: aws_lambda_events::apigw::ApiGatewayV2httpRequest =
            serde_json::from_value(event).unwrap();
        assert_eq!(typed.raw_path.as_deref(), Some("/api/counts"));
    }
}
