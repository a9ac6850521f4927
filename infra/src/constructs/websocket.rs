//! A WebSocket API (API Gateway v2) with `$connect`, `$disconnect` and
//! `$default` routes, and the grant to post to its connections.

use crate::aws::{apigatewayv2, lambda};
use crate::constructs::function::RustFunction;
use crate::constructs::http_api::{add_stage, AccessLogs, ApiProtocol};
use crate::constructs::perms;
use crate::constructs::role_policy::Grantee;
use crate::policy::Statement;
use crate::{pseudo, sub, Handle, Template, Value};

/// Settings of a [`WebSocketApi`].
#[derive(Debug, Clone, PartialEq)]
pub struct WebSocketApiProps {
    /// The API's name.
    pub name: Value<String>,
    /// The stage's name, the last part of the URL.
    pub stage_name: String,
    /// Steady-state messages per second across the stage.
    pub throttle_rate: f64,
    /// Burst allowed above the rate.
    pub throttle_burst: i64,
    /// Access logs of the stage, if any (the account's API Gateway settings
    /// must name a CloudWatch role in the Region: see [`AccessLogs`]).
    pub access_logs: Option<AccessLogs>,
}

/// A WebSocket API routed on `$request.body.action`, with one auto-deployed
/// stage. Adds `<id>` and `<id>Stage`, and per route an integration, a route
/// and an invoke permission.
#[derive(Debug, Clone)]
pub struct WebSocketApi {
    id: String,
    stage_name: String,
    /// The API.
    pub api: Handle<apigatewayv2::Api>,
    /// The stage.
    pub stage: Handle<apigatewayv2::Stage>,
}

impl WebSocketApi {
    /// Adds the API under `id`.
    pub fn new(template: &mut Template, id: &str, props: WebSocketApiProps) -> Self {
        let api = template.add(
            id,
            apigatewayv2::Api::new()
                .name(props.name)
                .protocol_type("WEBSOCKET")
                .route_selection_expression("$request.body.action"),
        );
        let stage = add_stage(
            template,
            id,
            &api,
            &props.stage_name,
            (props.throttle_rate, props.throttle_burst),
            props
                .access_logs
                .as_ref()
                .map(|a| (a, ApiProtocol::WebSocket)),
        );
        WebSocketApi {
            id: id.to_owned(),
            stage_name: props.stage_name,
            api,
            stage,
        }
    }

    /// Routes `route_key` (`$connect`, `$disconnect`, `$default`, or an action)
    /// to `function`. `name` distinguishes the route's resources.
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
            apigatewayv2::Integration::new(&self.api, "AWS_PROXY").integration_uri(sub!(
                "arn:",
                pseudo::partition(),
                ":apigateway:",
                pseudo::region(),
                ":lambda:path/2015-03-31/functions/",
                function.arn(),
                "/invocations"
            )),
        );
        let route = template.add(
            &format!("{prefix}Route"),
            apigatewayv2::Route::new(&self.api, route_key)
                .authorization_type("NONE")
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
                self.execute_arn_prefix(),
                "/",
                self.stage_name.as_str(),
                "/",
                route_key
            )),
        );
        route
    }

    fn execute_arn_prefix(&self) -> Value<String> {
        sub!(
            "arn:",
            pseudo::partition(),
            ":execute-api:",
            pseudo::region(),
            ":",
            pseudo::account_id(),
            ":",
            self.api.reference()
        )
    }

    /// Lets `grantee` post to (and drop) this stage's connections.
    pub fn grant_manage_connections(&self, template: &mut Template, grantee: &mut impl Grantee) {
        grantee.grant(
            template,
            Statement::allow()
                .actions(perms::WEBSOCKET_MANAGE.iter().copied())
                .resource(sub!(
                    self.execute_arn_prefix(),
                    "/",
                    self.stage_name.as_str(),
                    "/POST/@connections/*"
                )),
        );
    }

    /// The URL browsers connect to (`wss://...`).
    pub fn url(&self) -> Value<String> {
        sub!(self.api.api_endpoint(), "/", self.stage_name.as_str())
    }

    /// The API's origin (`wss://<id>.execute-api.<region>.amazonaws.com`,
    /// its `ApiEndpoint`): what a page's `connect-src` must allow.
    pub fn origin(&self) -> Value<String> {
        self.api.api_endpoint()
    }

    /// The endpoint of the management API that `PostToConnection` calls.
    pub fn management_url(&self) -> Value<String> {
        sub!(
            "https://",
            self.api.reference(),
            ".execute-api.",
            pseudo::region(),
            ".",
            pseudo::url_suffix(),
            "/",
            self.stage_name.as_str()
        )
    }
}
