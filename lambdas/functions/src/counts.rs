//! `GET /api/counts?path=/some/page`: the totals, one page's views, and the
//! most viewed pages, as JSON with CORS and short cache headers.
//!
//! Three item reads, whatever the number of paths: the totals item, the
//! page's path item and the top pages item the processor maintains (see
//! `processor.rs`). Each is under 4 KB and read eventually consistent, half
//! a read unit each on AWS
//! (<https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html>);
//! the bench measures it as `counts_read_units_per_request`.

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use aws_sdk_dynamodb::Client;
use serde::Serialize;
use serde_json::json;
use visitor_model::clients::{self, MissingEnv};
use visitor_model::tables::{paths, totals};
use visitor_model::{env, paths as page};

use crate::dynamo::{describe_sdk_error, get_u64, s};
use crate::processor::top_pages_of;

/// Pages listed in `top_paths`.
pub const TOP_PATHS: usize = 5;

/// The response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CountsBody {
    /// Page views.
    pub total: u64,
    /// Unique visitors.
    pub unique: u64,
    /// The page asked about (normalized).
    pub path: String,
    /// Its views.
    pub path_count: u64,
    /// The most viewed pages, most first.
    pub top_paths: Vec<PathCount>,
}

/// One page and its views.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PathCount {
    /// The page.
    pub path: String,
    /// Its views.
    pub count: u64,
}

/// The counts API: a DynamoDB client, the tables, and the allowed origins.
#[derive(Debug, Clone)]
pub struct Counts {
    db: Client,
    totals_table: String,
    paths_table: String,
    allowed_origins: Vec<String>,
}

impl Counts {
    /// A counts API with an explicit client.
    pub fn new(
        db: Client,
        totals_table: String,
        paths_table: String,
        allowed_origins: Vec<String>,
    ) -> Self {
        Counts {
            db,
            totals_table,
            paths_table,
            allowed_origins,
        }
    }

    /// A counts API configured from the environment.
    pub async fn from_env() -> Result<Self, MissingEnv> {
        let totals = clients::required_env(env::TOTALS_TABLE)?;
        let paths = clients::required_env(env::PATHS_TABLE)?;
        let origins = std::env::var(env::ALLOWED_ORIGINS).unwrap_or_default();
        let config = clients::sdk_config().await;
        Ok(Counts::new(
            clients::dynamodb(&config),
            totals,
            paths,
            origins
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect(),
        ))
    }

    /// Handles one request.
    pub async fn handle(&self, request: ApiGatewayV2httpRequest) -> ApiGatewayV2httpResponse {
        let origin = request
            .headers
            .get("origin")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let method = request.request_context.http.method.as_str().to_owned();
        let mut response = match method.as_str() {
            "OPTIONS" => respond(204, None),
            "GET" | "HEAD" => match requested_path(&request) {
                Ok(path) => match self.counts(&path).await {
                    Ok(body) => respond(200, Some(serde_json::to_value(body).unwrap_or_default())),
                    Err(error) => {
                        tracing::error!(%error, "counts unavailable");
                        respond(
                            503,
                            Some(
                                json!({ "error": "counts are unavailable right now; try again shortly" }),
                            ),
                        )
                    }
                },
                Err(problem) => respond(400, Some(json!({ "error": problem }))),
            },
            other => respond(
                405,
                Some(json!({ "error": format!("method {other} is not allowed; use GET") })),
            ),
        };
        if let Some(origin) = origin.filter(|o| self.allowed_origins.iter().any(|a| a == o)) {
            let headers = &mut response.headers;
            headers.insert(
                "access-control-allow-origin",
                origin.parse().expect("origin came from a header"),
            );
            headers.insert(
                "access-control-allow-methods",
                "GET, OPTIONS".parse().expect("static"),
            );
            headers.insert("access-control-max-age", "300".parse().expect("static"));
        }
        response
    }

    /// Reads the counts for `path` (already validated and normalized).
    pub async fn counts(&self, path: &str) -> Result<CountsBody, String> {
        let totals_item = self
            .db
            .get_item()
            .table_name(&self.totals_table)
            .key(totals::PK, s(totals::SITE))
            .send();
        let path_item = self
            .db
            .get_item()
            .table_name(&self.paths_table)
            .key(paths::PK, s(path))
            .send();
        let top_item = self
            .db
            .get_item()
            .table_name(&self.totals_table)
            .key(totals::PK, s(totals::TOP_PAGES))
            .send();
        let (totals_item, path_item, top_item) = futures::join!(totals_item, path_item, top_item);
        let totals_item = totals_item
            .map_err(|e| describe_sdk_error(&e))?
            .item
            .unwrap_or_default();
        let path_item = path_item
            .map_err(|e| describe_sdk_error(&e))?
            .item
            .unwrap_or_default();
        let top_item = top_item
            .map_err(|e| describe_sdk_error(&e))?
            .item
            .unwrap_or_default();
        let mut top_paths: Vec<PathCount> = top_pages_of(&top_item)
            .into_iter()
            .map(|(path, count)| PathCount { path, count })
            .collect();
        top_paths.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.path.cmp(&b.path)));
        top_paths.truncate(TOP_PATHS);
        Ok(CountsBody {
            total: get_u64(&totals_item, totals::VISITS),
            unique: get_u64(&totals_item, totals::UNIQUE_VISITORS),
            path: path.to_owned(),
            path_count: get_u64(&path_item, paths::VIEWS),
            top_paths,
        })
    }
}

/// The `path` parameter, checked and normalized; `/` when absent.
fn requested_path(request: &ApiGatewayV2httpRequest) -> Result<String, String> {
    let raw = request.query_string_parameters.first("path").unwrap_or("/");
    if raw.is_empty() {
        return Err("`path` is empty; give a page path such as /about".into());
    }
    if !raw.starts_with('/') {
        return Err("`path` must start with /".into());
    }
    if raw.len() > page::MAX_PATH_BYTES {
        return Err(format!(
            "`path` is longer than {} bytes",
            page::MAX_PATH_BYTES
        ));
    }
    if raw.chars().any(char::is_control) {
        return Err("`path` contains control characters".into());
    }
    Ok(page::normalize(raw))
}

fn respond(status: i64, body: Option<serde_json::Value>) -> ApiGatewayV2httpResponse {
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = status;
    let headers = &mut response.headers;
    headers.insert("content-type", "application/json".parse().expect("static"));
    let cache = if status == 200 {
        "public, max-age=5"
    } else {
        "no-store"
    };
    headers.insert("cache-control", cache.parse().expect("static"));
    headers.insert("vary", "origin".parse().expect("static"));
    response.body = body.map(|b| Body::Text(b.to_string()));
    response
}
