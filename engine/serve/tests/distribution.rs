//! A template that is not the visitor counter's, served: a static site
//! whose viewer-request function (Python, inline) refuses one path, and no
//! Rust function at all. Deployed to a real moto server through the
//! engine's apply, then reached over HTTP through the CloudFront stand-in:
//! the bucket's object comes back with the site's security headers, the
//! edge function's answer replaces the origin's where it decides, and each
//! run is reported as an event.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use infra::constructs::{EdgeFunction, EdgeFunctionProps, StaticSite, StaticSiteProps};
use infra::{Template, Value};
use stack_serve::{serve, EdgeRequest, Event, RustFunctions, ServeRequest, Tools};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GUARD: &str = r#"
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"].startswith("/private"):
        return {"status": "403", "statusDescription": "Forbidden",
                "body": "not for you"}
    return request
"#;

fn template() -> Template {
    let mut t = Template::new();
    let guard = EdgeFunction::new(
        &mut t,
        "Guard",
        EdgeFunctionProps::new(Value::Lit(GUARD.to_owned())),
    );
    StaticSite::new(
        &mut t,
        "Blog",
        StaticSiteProps {
            viewer_request_function: Some(guard.version_arn()),
            ..StaticSiteProps::default()
        },
    );
    t
}

/// One HTTP/1.1 GET; the status line, the headers and the body, as text.
async fn get(url: &str, path: &str) -> String {
    let host = url.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = String::new();
    stream.read_to_string(&mut out).await.unwrap();
    out
}

struct Recorded(Mutex<Vec<String>>);

/// Applies without asking.
struct Yes;

impl stack_deploy::Observer for Yes {
    fn progress(&self, _: stack_deploy::Progress<'_>) {}
    fn confirm(&self, _: &str, _: &[stack_deploy::Change]) -> bool {
        true
    }
}

#[tokio::test]
async fn a_site_with_an_edge_function_is_served_through_the_cloudfront_stand_in() {
    let moto = emulator::Moto::start().unwrap();
    let sdk = moto.sdk_config().await;
    let template = template();
    let rendered = template.render().unwrap();
    let emulated = stack_local::emulate::for_emulator(rendered.json());
    let body = emulated.template.to_string();
    let none = BTreeMap::new();
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let request = stack_deploy::ApplyRequest {
        stack: "blog",
        template: &body,
        parameters: &none,
        tags: &none,
        timeout: Duration::from_secs(60),
        emulator: true,
        role_arn: None,
        store: None,
    };
    stack_deploy::apply(&cfn, &request, &Yes).await.unwrap();

    let dir = std::env::temp_dir().join(format!("stack-serve-test-{}", std::process::id()));
    let tools = Tools {
        bin_dir: emulator::pyenv_bin().unwrap(),
        target_dir: dir.join("target"),
    };
    let recorded = Arc::new(Recorded(Mutex::new(Vec::new())));
    let sink = recorded.clone();
    let mut served = serve(&ServeRequest {
        sdk: &sdk,
        endpoint: moto.endpoint(),
        stack: "blog",
        template: &template,
        functions: &RustFunctions {
            package_dir: dir.clone(),
            binaries: Vec::new(),
        },
        tools: &tools,
        log: &dir.join("functions.log"),
        extra_env: BTreeMap::new(),
        http_addr: ([127, 0, 0, 1], 0).into(),
        events: Arc::new(move |event| {
            if let Event::Invoked { function, what, .. } = event {
                sink.0.lock().unwrap().push(format!("{function} {what}"));
            }
        }),
    })
    .await
    .unwrap();
    let bucket = served.physical_id("BlogBucket").unwrap().to_owned();
    aws_sdk_s3::Client::new(&sdk)
        .put_object()
        .bucket(&bucket)
        .key("index.html")
        .body(b"<h1>hello</h1>".to_vec().into())
        .content_type("text/html")
        .send()
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = served
        .serve_distribution(
            &template,
            listener,
            &EdgeRequest {
                tools: &tools,
                code_dir: &dir,
                log_file: &|function| dir.join(format!("{function}.log")),
            },
        )
        .await
        .unwrap();
    let domain = stack_local::emulate::placeholder("BlogDistribution", Some("DomainName"));
    assert_eq!(
        served.resolve(&format!("https://{domain}/")),
        format!("{url}/"),
        "the distribution's domain resolves to the stand-in"
    );

    let page = get(&url, "/").await;
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(
        page.ends_with("<h1>hello</h1>"),
        "the default root object: {page}"
    );
    assert!(
        page.to_ascii_lowercase()
            .contains("strict-transport-security:"),
        "the site's response headers policy: {page}"
    );
    let refused = get(&url, "/private/diary.html").await;
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(refused.ends_with("not for you"), "{refused}");
    let missing = get(&url, "/nothing-here.html").await;
    assert!(
        missing.starts_with("HTTP/1.1 403") || missing.starts_with("HTTP/1.1 404"),
        "a missing object, as S3 behind an origin access control answers: {missing}"
    );

    let runs = recorded.0.lock().unwrap().clone();
    assert_eq!(
        runs,
        [
            "Guard viewer-request GET /",
            "Guard viewer-request GET /private/diary.html",
            "Guard viewer-request GET /nothing-here.html",
        ]
    );
    drop(served);
    let _ = std::fs::remove_dir_all(&dir);
}
