//! The counts API against a real moto server: the body, CORS, caching, and
//! missing, odd and hostile parameters.

mod support;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{json, Value};
use support::{create_tables, Moto};
use visitor_functions::counts::Counts;
use visitor_model::fixtures::{event, EventKind, EventOptions};
use visitor_model::tables::{paths, totals};

fn request(path: Option<&str>, method: &str, origin: Option<&str>) -> ApiGatewayV2httpRequest {
    let mut e = event(EventKind::HttpApi, &EventOptions::default());
    match path {
        Some(p) => e["queryStringParameters"] = json!({ "path": p }),
        None => {
            e.as_object_mut().unwrap().remove("queryStringParameters");
        }
    }
    e["requestContext"]["http"]["method"] = json!(method);
    match origin {
        Some(o) => e["headers"]["origin"] = json!(o),
        None => {
            e["headers"].as_object_mut().unwrap().remove("origin");
        }
    }
    serde_json::from_value(e).unwrap()
}

fn body(response: &ApiGatewayV2httpResponse) -> Value {
    match &response.body {
        Some(Body::Text(t)) => serde_json::from_str(t).unwrap(),
        other => panic!("unexpected body {other:?}"),
    }
}

fn header<'a>(response: &'a ApiGatewayV2httpResponse, name: &str) -> Option<&'a str> {
    response.headers.get(name).and_then(|v| v.to_str().ok())
}

async fn seeded(moto: &Moto) -> Counts {
    let db = moto.dynamodb().await;
    let t = create_tables(&db, "c").await;
    db.put_item()
        .table_name(&t.totals)
        .item(totals::PK, AttributeValue::S(totals::SITE.into()))
        .item(totals::VISITS, AttributeValue::N("42".into()))
        .item(totals::UNIQUE_VISITORS, AttributeValue::N("17".into()))
        .send()
        .await
        .unwrap();
    // As the processor leaves them: requests and views per path, and the
    // pages' views merged into the top pages item.
    let mut top = std::collections::HashMap::new();
    for (path, count, page) in [
        ("/", 20, true),
        ("/about", 15, true),
        ("/cv", 7, true),
        ("/style.css", 99, false),
        ("/café", 3, true),
    ] {
        let mut put = db
            .put_item()
            .table_name(&t.paths)
            .item(paths::PK, AttributeValue::S(path.into()))
            .item(paths::COUNT, AttributeValue::N((count + 1).to_string()))
            .item(paths::PAGE, AttributeValue::Bool(page));
        if page {
            put = put.item(paths::VIEWS, AttributeValue::N(count.to_string()));
            top.insert(path.to_owned(), AttributeValue::N(count.to_string()));
        }
        put.send().await.unwrap();
    }
    db.put_item()
        .table_name(&t.totals)
        .item(totals::PK, AttributeValue::S(totals::TOP_PAGES.into()))
        .item(totals::PAGES, AttributeValue::M(top))
        .item(totals::VERSION, AttributeValue::N("4".into()))
        .send()
        .await
        .unwrap();
    Counts::new(
        db,
        t.totals,
        t.paths,
        vec!["https://www.example.com".into()],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_for_a_page() {
    let moto = Moto::start();
    let api = seeded(&moto).await;
    let response = api
        .handle(request(
            Some("/index.html"),
            "GET",
            Some("https://www.example.com"),
        ))
        .await;
    assert_eq!(response.status_code, 200);
    assert_eq!(
        body(&response),
        json!({
            "total": 42,
            "unique": 17,
            "path": "/",
            "path_count": 20,
            "top_paths": [
                { "path": "/", "count": 20 },
                { "path": "/about", "count": 15 },
                { "path": "/cv", "count": 7 },
                { "path": "/café", "count": 3 },
            ],
        })
    );
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(
        header(&response, "cache-control"),
        Some("public, max-age=5")
    );
    assert_eq!(
        header(&response, "access-control-allow-origin"),
        Some("https://www.example.com")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_and_odd_parameters() {
    let moto = Moto::start();
    let api = seeded(&moto).await;
    let missing = api.handle(request(None, "GET", None)).await;
    assert_eq!(missing.status_code, 200);
    assert_eq!(body(&missing)["path"], "/");
    assert_eq!(
        header(&missing, "access-control-allow-origin"),
        None,
        "no Origin, no CORS header"
    );

    let unicode = api.handle(request(Some("/café"), "GET", None)).await;
    assert_eq!(
        (unicode.status_code, body(&unicode)["path_count"].clone()),
        (200, json!(3))
    );

    let unknown = api
        .handle(request(Some("/never-visited"), "GET", None))
        .await;
    assert_eq!(body(&unknown)["path_count"], 0);

    for (path, fragment) in [
        ("", "empty"),
        ("about", "start with /"),
        ("/a\u{0}b", "control"),
        ("/line\nbreak", "control"),
    ] {
        let response = api.handle(request(Some(path), "GET", None)).await;
        assert_eq!(response.status_code, 400, "{path:?}");
        assert!(
            body(&response)["error"]
                .as_str()
                .unwrap()
                .contains(fragment),
            "{path:?}"
        );
        assert_eq!(header(&response, "cache-control"), Some("no-store"));
    }
    let long = format!("/{}", "a".repeat(5000));
    let response = api.handle(request(Some(&long), "GET", None)).await;
    assert_eq!(response.status_code, 400);
    assert!(body(&response)["error"]
        .as_str()
        .unwrap()
        .contains("longer than"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_parameters_are_plain_keys() {
    let moto = Moto::start();
    let api = seeded(&moto).await;
    for path in [
        "/' OR '1'='1",
        "/<script>alert(1)</script>",
        "/${jndi:ldap://x}",
        "/#{pk} = :v",
        "/../../etc/passwd",
        "/%00%0a",
        "/😀",
    ] {
        let response = api.handle(request(Some(path), "GET", None)).await;
        assert_eq!(response.status_code, 200, "{path}");
        let b = body(&response);
        assert_eq!(b["path"], path);
        assert_eq!(b["path_count"], 0);
        assert_eq!(b["total"], 42);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn methods_and_origins() {
    let moto = Moto::start();
    let api = seeded(&moto).await;
    let post = api.handle(request(Some("/"), "POST", None)).await;
    assert_eq!(post.status_code, 405);
    let preflight = api
        .handle(request(
            Some("/"),
            "OPTIONS",
            Some("https://www.example.com"),
        ))
        .await;
    assert_eq!(preflight.status_code, 204);
    assert_eq!(
        header(&preflight, "access-control-allow-methods"),
        Some("GET, OPTIONS")
    );
    let foreign = api
        .handle(request(Some("/"), "GET", Some("https://evil.example")))
        .await;
    assert_eq!(foreign.status_code, 200);
    assert_eq!(header(&foreign, "access-control-allow-origin"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_table_is_a_503_not_a_crash() {
    let moto = Moto::start();
    let db = moto.dynamodb().await;
    let api = Counts::new(
        db,
        "no-such-table".into(),
        "no-such-table-either".into(),
        Vec::new(),
    );
    let response = api.handle(request(Some("/"), "GET", None)).await;
    assert_eq!(response.status_code, 503);
    assert!(body(&response)["error"]
        .as_str()
        .unwrap()
        .contains("unavailable"));
}

/// A plain HTTP/1.1 GET over loopback: status line, headers and body.
async fn http_get(url: &str, path: &str, origin: Option<&str>) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let origin = origin
        .map(|o| format!("Origin: {o}\r\n"))
        .unwrap_or_default();
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n{origin}Connection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).await.unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_owned())
}

/// Through the project's local HTTP API: a browser's request becomes API
/// Gateway's event, the counts function answers, and its status, headers and
/// body come back as HTTP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_over_http_like_api_gateway() {
    use std::sync::Arc;
    let moto = Moto::start();
    let api = Arc::new(seeded(&moto).await);
    let invoke: gateway::http_api::Invoke = Arc::new(move |function, event| {
        let api = api.clone();
        Box::pin(async move {
            assert_eq!(function, "CountsApi");
            let request = serde_json::from_value(event).map_err(|e| e.to_string())?;
            serde_json::to_value(api.handle(request).await).map_err(|e| e.to_string())
        })
    });
    let routes = vec![gateway::http_api::Route::from_key("GET /api/counts", "CountsApi").unwrap()];
    let server = gateway::http_api::HttpApi::start("127.0.0.1:0".parse().unwrap(), routes, invoke)
        .await
        .unwrap();

    let (status, head, body) = http_get(
        &server.url(),
        "/api/counts?path=%2Fabout",
        Some("https://www.example.com"),
    )
    .await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (body["path"].clone(), body["path_count"].clone()),
        (json!("/about"), json!(15))
    );
    assert!(
        head.contains("access-control-allow-origin: https://www.example.com"),
        "{head}"
    );
    assert!(head.contains("cache-control: public, max-age=5"));

    let (status, _, body) = http_get(&server.url(), "/api/counts?path=nope", None).await;
    assert_eq!(status, 400);
    assert!(body.contains("start with /"));
    let (status, _, _) = http_get(&server.url(), "/api/elsewhere", None).await;
    assert_eq!(status, 404);
}
