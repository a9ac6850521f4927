//! A CloudFront distribution on loopback, with the behaviours read from the
//! template: the path patterns pick a behavior, its viewer-request function
//! (the edge recorder) runs on a CloudFront-shaped event, and the request
//! goes to the behavior's origin: an object of the emulator's bucket (with
//! the default root object for `/`) or the served HTTP API.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{json, Map, Value};

use super::edge::EdgeHost;
use crate::serve::{Event, Events};
use stack_local::topology::{Distribution, Origin, Part};

/// What the distribution reaches.
pub struct Cdn {
    /// The distribution's behaviours.
    pub distribution: Distribution,
    /// Bucket names by logical ID.
    pub buckets: HashMap<String, String>,
    /// Served API base URLs by logical ID.
    pub apis: HashMap<String, String>,
    /// Viewer-request functions by logical ID.
    pub edge: HashMap<String, Arc<EdgeHost>>,
    /// The emulator's S3.
    pub s3: aws_sdk_s3::Client,
    /// Where each viewer request is reported.
    pub events: Events,
}

struct Shared {
    cdn: Cdn,
    host: String,
    next: AtomicU64,
}

/// Serves `cdn` on `listener` until the returned task is aborted.
pub fn serve(
    listener: tokio::net::TcpListener,
    cdn: Cdn,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let host = listener.local_addr()?.to_string();
    let shared = Arc::new(Shared {
        cdn,
        host,
        next: AtomicU64::new(1),
    });
    let app = axum::Router::new().fallback(handle).with_state(shared);
    Ok(tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    }))
}

async fn handle(
    state: State<Arc<Shared>>,
    peer: ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let shared = Arc::clone(&state.0);
    let path = uri.path().to_owned();
    let mut response = respond(state, peer, method, uri, headers, body).await;
    // The behavior's response headers policy, over what the origin sent.
    if let Some(behavior) = shared.cdn.distribution.behavior(&path) {
        for header in &behavior.headers {
            let Some(value) = policy_value(&shared.cdn, &header.value) else {
                continue;
            };
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(header.name.as_str()),
                HeaderValue::try_from(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
    }
    response
}

/// A policy header's value with each API origin the served one; `None`
/// when a part is an intrinsic the stand-in cannot fill.
fn policy_value(cdn: &Cdn, parts: &[Part]) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::ApiOrigin(id) => {
                let base = cdn.apis.get(id)?;
                let scheme_end = base.find("://")? + 3;
                let host_end = base[scheme_end..]
                    .find('/')
                    .map_or(base.len(), |i| scheme_end + i);
                out.push_str(&base[..host_end]);
            }
            Part::Unknown(_) => return None,
        }
    }
    Some(out)
}

async fn respond(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let cdn = &shared.cdn;
    let Some(behavior) = cdn.distribution.behavior(uri.path()) else {
        return text(StatusCode::NOT_FOUND, "no behavior matches this path");
    };
    let mut path = uri.path().to_owned();
    let mut query = uri.query().unwrap_or_default().to_owned();
    if let Some(function) = &behavior.viewer_request {
        let Some(edge) = cdn.edge.get(function) else {
            return text(
                StatusCode::BAD_GATEWAY,
                "the viewer-request function is not running",
            );
        };
        let id = shared.next.fetch_add(1, Ordering::Relaxed);
        let event = viewer_request(&shared.host, id, peer, &method, &path, &query, &headers);
        let started = Instant::now();
        let result = edge.invoke(&event).await;
        (cdn.events)(Event::Invoked {
            function: function.clone(),
            what: format!("viewer-request {} {path}", method.as_str()),
            elapsed: started.elapsed(),
            error: result.as_ref().err().cloned(),
        });
        match result {
            // CloudFront answers 503 when the function fails.
            Err(_) => {
                return text(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the Lambda function associated with the CloudFront distribution failed",
                )
            }
            Ok(answer) if answer.get("status").is_some() => return generated(&answer),
            Ok(request) => {
                if let Some(uri) = request["uri"].as_str() {
                    path = uri.to_owned();
                }
                if let Some(q) = request["querystring"].as_str() {
                    query = q.to_owned();
                }
            }
        }
    }
    match &behavior.origin {
        Origin::Bucket(id) => {
            let Some(bucket) = cdn.buckets.get(id) else {
                return text(StatusCode::BAD_GATEWAY, "the origin bucket is missing");
            };
            let key = if path == "/" {
                cdn.distribution
                    .default_root_object
                    .clone()
                    .unwrap_or_default()
            } else {
                path.trim_start_matches('/').to_owned()
            };
            object(&cdn.s3, bucket, &key, method == Method::HEAD).await
        }
        Origin::Api(id) => {
            let Some(base) = cdn.apis.get(id) else {
                return text(StatusCode::BAD_GATEWAY, "the origin API is not served");
            };
            let target = if query.is_empty() {
                format!("{base}{path}")
            } else {
                format!("{base}{path}?{query}")
            };
            forward(method, &target, &headers, body).await
        }
    }
}

/// The event CloudFront gives a viewer-request function.
fn viewer_request(
    host: &str,
    id: u64,
    peer: SocketAddr,
    method: &Method,
    path: &str,
    query: &str,
    headers: &HeaderMap,
) -> Value {
    let mut cf_headers = Map::new();
    for (name, value) in headers {
        let entry = cf_headers
            .entry(name.as_str().to_owned())
            .or_insert_with(|| json!([]));
        if let Some(list) = entry.as_array_mut() {
            list.push(json!({
                "key": name.as_str(),
                "value": value.to_str().unwrap_or_default(),
            }));
        }
    }
    json!({
        "Records": [{
            "cf": {
                "config": {
                    "distributionDomainName": host,
                    "distributionId": "LOCAL",
                    "eventType": "viewer-request",
                    "requestId": format!("local-{}-{id}", std::process::id()),
                },
                "request": {
                    "clientIp": peer.ip().to_string(),
                    "headers": cf_headers,
                    "method": method.as_str(),
                    "querystring": query,
                    "uri": path,
                }
            }
        }]
    })
}

/// A response the function generated instead of forwarding the request.
fn generated(answer: &Value) -> Response {
    let status = answer["status"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| {
            answer["status"]
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
        })
        .unwrap_or(200);
    let mut response = Response::builder().status(status);
    if let Some(headers) = answer["headers"].as_object() {
        for values in headers.values() {
            for v in values.as_array().into_iter().flatten() {
                if let (Some(k), Some(val)) = (v["key"].as_str(), v["value"].as_str()) {
                    response = response.header(k, val);
                }
            }
        }
    }
    let body = answer["body"].as_str().unwrap_or_default().to_owned();
    response.body(Body::from(body)).unwrap_or_else(|_| {
        text(
            StatusCode::BAD_GATEWAY,
            "the function's response is invalid",
        )
    })
}

async fn object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str, head: bool) -> Response {
    let found = s3.get_object().bucket(bucket).key(key).send().await;
    let Ok(object) = found else {
        // S3 behind an origin access control cannot list, so a missing key
        // is 403 there too.
        return text(StatusCode::FORBIDDEN, "AccessDenied");
    };
    let mut response = Response::builder().status(StatusCode::OK);
    for (name, value) in [
        ("content-type", object.content_type()),
        ("cache-control", object.cache_control()),
        ("etag", object.e_tag()),
    ] {
        if let Some(v) = value {
            response = response.header(name, v);
        }
    }
    let bytes = match object.body.collect().await {
        Ok(b) => b.into_bytes(),
        Err(_) => return text(StatusCode::BAD_GATEWAY, "reading the object failed"),
    };
    let body = if head {
        Body::empty()
    } else {
        Body::from(bytes)
    };
    response
        .body(body)
        .unwrap_or_else(|_| text(StatusCode::BAD_GATEWAY, "invalid object headers"))
}

async fn forward(method: Method, target: &str, headers: &HeaderMap, body: Bytes) -> Response {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let mut request = hyper::Request::builder().method(method).uri(target);
    for (name, value) in headers {
        if name != "host" {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(Full::new(body)) else {
        return text(StatusCode::BAD_REQUEST, "invalid request");
    };
    match client.request(request).await {
        Ok(answer) => {
            let (parts, body) = answer.into_parts();
            let bytes = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut response = Response::builder().status(parts.status);
            for (name, value) in &parts.headers {
                response = response.header(name, value);
            }
            response
                .body(Body::from(bytes))
                .unwrap_or_else(|_| text(StatusCode::BAD_GATEWAY, "invalid origin response"))
        }
        Err(e) => text(
            StatusCode::BAD_GATEWAY,
            &format!("the origin did not answer: {e}"),
        ),
    }
}

fn text(status: StatusCode, message: &str) -> Response {
    let mut response = Response::new(Body::from(format!("{message}\n")));
    *response.status_mut() = status;
    response.headers_mut().insert(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
