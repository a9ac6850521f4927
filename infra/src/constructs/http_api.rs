//! An HTTP API (API Gateway v2) with routes to functions.

use crate::aws::apigatewayv2::api::Cors;
use crate::aws::apigatewayv2::stage::{AccessLogSettings, RouteSettings};
use crate::aws::{apigatewayv2, lambda, logs};
use crate::constructs::function::RustFunction;
use crate::{fns, pseudo, sub, Handle, Template, Value};

/// Settings of an [`HttpApi`].
#[derive(Debug, Clone, PartialEq)]
pub struct HttpApiProps {
    /// The API's name.
    pub name: Value<String>,
    /// Origins browsers may call the API from (CORS); empty allows none.
    pub cors_origins: Vec<String>,
    /// Steady-state requests per second across the stage.
    pub throttle_rate: f64,
    /// Burst of requests allowed above the rate.
    pub throttle_burst: i64,
    /// Access logs of the stage, if any.
    pub access_logs: Option<AccessLogs>,
}

/// Access logs of an API stage: one JSON line per request (HTTP) or per
/// connect, message and disconnect (WebSocket) into a log group
/// `<id>AccessLogs` kept `retention_days`. HTTP APIs write them with their
/// service-linked role, no account setting needed
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html>);
/// WebSocket APIs write them with the role the account's API Gateway
/// settings name in each Region (`AWS::ApiGateway::Account`'s
/// `CloudWatchRoleArn`, trusted by `apigateway.amazonaws.com`; without it
/// the stage fails to deploy:
/// <https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-logging.html>).
#[derive(Debug, Clone, PartialEq)]
pub struct AccessLogs {
    /// Days the log group keeps them (a value CloudWatch Logs accepts).
    pub retention_days: i64,
    /// Whether each line carries the client's address
    /// (`$context.identity.sourceIp`).
    pub source_ip: bool,
}

/// Which kind of API a stage belongs to: their `$context` variables differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiProtocol {
    /// An HTTP API.
    Http,
    /// A WebSocket API.
    WebSocket,
}

impl AccessLogs {
    /// The line format for `protocol`: request ID, time, route, status,
    /// latency (ms), and the source IP if asked for
    /// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html>).
    /// WebSocket lines carry the event
    /// (`CONNECT`, `MESSAGE`, `DISCONNECT`) and the connection, and the
    /// integration's latency (WebSocket stages have no response latency).
    pub fn format_for(&self, protocol: ApiProtocol) -> String {
        let mut fields = vec![
            ("requestId", "$context.requestId"),
            ("time", "$context.requestTime"),
            ("routeKey", "$context.routeKey"),
            ("status", "$context.status"),
        ];
        match protocol {
            ApiProtocol::Http => fields.push(("latencyMs", "$context.responseLatency")),
            ApiProtocol::WebSocket => fields.extend([
                ("latencyMs", "$context.integrationLatency"),
                ("eventType", "$context.eventType"),
                ("connectionId", "$context.connectionId"),
            ]),
        }
        if self.source_ip {
            fields.push(("sourceIp", "$context.identity.sourceIp"));
        }
        let inner: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("\"{k}\":\"{v}\""))
            .collect();
        format!("{{{}}}", inner.join(","))
    }

    /// Adds the log group `<id>AccessLogs` and points `stage` at it.
    fn attach(
        &self,
        template: &mut Template,
        id: &str,
        protocol: ApiProtocol,
        stage: apigatewayv2::Stage,
    ) -> apigatewayv2::Stage {
        let group = template.add(
            &format!("{id}AccessLogs"),
            logs::LogGroup::new().retention_in_days(self.retention_days),
        );
        stage.access_log_settings(
            AccessLogSettings::new()
                .destination_arn(group.arn())
                .format(self.format_for(protocol)),
        )
    }
}

/// Adds `<id>Stage`, the auto-deployed stage `name` of `api` with its
/// (rate, burst) throttle and, if given, its access logs.
pub(crate) fn add_stage(
    template: &mut Template,
    id: &str,
    api: &Handle<apigatewayv2::Api>,
    name: &str,
    (rate, burst): (f64, i64),
    access_logs: Option<(&AccessLogs, ApiProtocol)>,
) -> Handle<apigatewayv2::Stage> {
    let mut stage = apigatewayv2::Stage::new(api, name.to_owned())
        .auto_deploy(true)
        .default_route_settings(
            RouteSettings::new()
                .throttling_rate_limit(rate)
                .throttling_burst_limit(burst),
        );
    if let Some((access, protocol)) = access_logs {
        stage = access.attach(template, id, protocol, stage);
    }
    template.add(&format!("{id}Stage"), stage)
}

/// An HTTP API with a `$default` stage that deploys automatically. Adds
/// `<id>` and `<id>Stage`, and per route an integration, a route and an
/// invoke permission.
#[derive(Debug, Clone)]
pub struct HttpApi {
    id: String,
    /// The API.
    pub api: Handle<apigatewayv2::Api>,
    /// The `$default` stage.
    pub stage: Handle<apigatewayv2::Stage>,
}

impl HttpApi {
    /// Adds the API under `id`.
    pub fn new(template: &mut Template, id: &str, props: HttpApiProps) -> Self {
        let mut api = apigatewayv2::Api::new()
            .name(props.name)
            .protocol_type("HTTP");
        if !props.cors_origins.is_empty() {
            api = api.cors_configuration(
                Cors::new()
                    .allow_origins(props.cors_origins)
                    .allow_methods(["GET", "OPTIONS"])
                    .allow_headers(["content-type"])
                    .max_age(300),
            );
        }
        let api = template.add(id, api);
        let stage = add_stage(
            template,
            id,
            &api,
            "$default",
            (props.throttle_rate, props.throttle_burst),
            props.access_logs.as_ref().map(|a| (a, ApiProtocol::Http)),
        );
        HttpApi {
            id: id.to_owned(),
            api,
            stage,
        }
    }

    /// Routes `route_key` (`GET /api/counts`) to `function` (payload format
    /// 2.0) and lets this API, and only this route of it, invoke the function.
    /// `name` distinguishes the route's resources: `<id><name>Route`, ...
    pub fn add_route(
        &self,
        template: &mut Template,
        name: &str,
        route_key: &str,
        function: &RustFunction,
    ) -> Handle<apigatewayv2::Route> {
        let prefix = format!("{}{name}", self.id);
        let integration = template.add(
            &format!("{prefix}Integration"),
            apigatewayv2::Integration::new(&self.api, "AWS_PROXY")
                .integration_uri(function.arn())
                .payload_format_version("2.0"),
        );
        let route = template.add(
            &format!("{prefix}Route"),
            apigatewayv2::Route::new(&self.api, route_key)
                .target(sub!("integrations/", integration.reference())),
        );
        template.add(
            &format!("{prefix}Permission"),
            lambda::Permission::new(
                "lambda:InvokeFunction",
                function.name(),
                "apigateway.amazonaws.com",
            )
            .source_arn(sub!(
                "arn:",
                pseudo::partition(),
                ":execute-api:",
                pseudo::region(),
                ":",
                pseudo::account_id(),
                ":",
                self.api.reference(),
                "/*/",
                route_arn_path(route_key)
            )),
        );
        route
    }

    /// The base URL (`https://<id>.execute-api.<region>.amazonaws.com`).
    pub fn url(&self) -> Value<String> {
        self.api.api_endpoint()
    }

    /// The host name alone, for use as a CloudFront origin.
    pub fn domain_name(&self) -> Value<String> {
        fns::select(1, fns::split("://", self.api.api_endpoint()))
    }
}

/// The `METHOD/path` part of an execute-api ARN for a route key; path
/// parameters and `$default` become wildcards.
fn route_arn_path(route_key: &str) -> String {
    match route_key.split_once(' ') {
        Some((method, path)) => {
            let method = if method == "ANY" { "*" } else { method };
            let path: Vec<&str> = path
                .split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "*"
                    } else {
                        segment
                    }
                })
                .collect();
            format!("{method}{}", path.join("/"))
        }
        None => "*".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn route_arn_paths() {
        assert_eq!(super::route_arn_path("GET /api/counts"), "GET/api/counts");
        assert_eq!(super::route_arn_path("ANY /items/{id}"), "*/items/*");
        assert_eq!(super::route_arn_path("$default"), "*");
    }
}
