//! A Rust function: execution role, log group with retention, and the function
//! itself, from a code artifact named by the template (never by a hash).

use std::collections::BTreeMap;

use crate::aws::lambda::function::{
    Architecture, Code, Environment, LogFormat, LoggingConfig, Runtime,
};
use crate::aws::{iam, lambda, logs};
use crate::constructs::perms;
use crate::constructs::role_policy::{Grantee, RoleOptions, RolePolicy};
use crate::policy::{PolicyDocument, Principal, Statement};
use crate::{Handle, Param, Parameter, Template, Value};

/// Where a function's deployment package is: typically two template
/// parameters, so the template (and its snapshot) does not change when the
/// code does.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionCode {
    /// The artifact bucket.
    pub bucket: Value<String>,
    /// The object key of the zip.
    pub key: Value<String>,
}

/// The template parameters that say where each function's zip is: one
/// bucket parameter and one object key per function. A deploy tool fills
/// them after uploading the zips, so the template (and its snapshot) stays
/// the same when the code changes.
#[derive(Debug, Clone)]
pub struct CodeParameters {
    bucket: Param<String>,
}

impl CodeParameters {
    /// The bucket parameter's logical ID.
    pub const BUCKET: &'static str = "ArtifactBucket";

    /// The object key parameter of the function `function_id`.
    pub fn key_parameter(function_id: &str) -> String {
        format!("{function_id}CodeKey")
    }

    /// Adds the bucket parameter.
    pub fn new(template: &mut Template) -> Self {
        CodeParameters {
            bucket: template.parameter(
                Self::BUCKET,
                Parameter::string()
                    .description("Bucket holding the function zips")
                    .min_length(3),
            ),
        }
    }

    /// Adds the key parameter of `function_id` and returns its code.
    pub fn code(&self, template: &mut Template, function_id: &str) -> FunctionCode {
        let key = template.parameter(
            &Self::key_parameter(function_id),
            Parameter::string()
                .description(format!("Object key of the {function_id} zip"))
                .min_length(1),
        );
        FunctionCode {
            bucket: self.bucket.reference(),
            key: key.reference(),
        }
    }
}

/// Settings of a [`RustFunction`], with the defaults a small API function wants.
#[derive(Debug, Clone, PartialEq)]
pub struct RustFunctionProps {
    /// The deployment package.
    pub code: FunctionCode,
    /// Memory in MB (default 128).
    pub memory_mb: i64,
    /// Timeout in seconds (default 10).
    pub timeout_s: i64,
    /// CPU architecture (default arm64: cheaper per millisecond).
    pub architecture: Architecture,
    /// Environment variables.
    pub environment: BTreeMap<String, Value<String>>,
    /// How long logs are kept, in days (default 30).
    pub log_retention_days: i64,
    /// A description shown in the console.
    pub description: Option<String>,
    /// The execution role's path and permissions boundary.
    pub role: RoleOptions,
    /// Concurrency set aside for this function, and the most it may use
    /// (`ReservedConcurrentExecutions`); `None` leaves it to the account.
    pub reserved_concurrency: Option<i64>,
}

impl RustFunctionProps {
    /// Defaults for code at `code`.
    pub fn new(code: FunctionCode) -> Self {
        RustFunctionProps {
            code,
            memory_mb: 128,
            timeout_s: 10,
            architecture: Architecture::Arm64,
            environment: BTreeMap::new(),
            log_retention_days: 30,
            description: None,
            role: RoleOptions::default(),
            reserved_concurrency: None,
        }
    }

    /// Sets one environment variable.
    pub fn env(mut self, name: &str, value: impl Into<Value<String>>) -> Self {
        self.environment.insert(name.to_owned(), value.into());
        self
    }

    /// Sets the CPU architecture.
    pub fn architecture(mut self, architecture: Architecture) -> Self {
        self.architecture = architecture;
        self
    }

    /// Sets the memory size in MB.
    pub fn memory_mb(mut self, mb: i64) -> Self {
        self.memory_mb = mb;
        self
    }

    /// Sets the timeout in seconds.
    pub fn timeout_s(mut self, seconds: i64) -> Self {
        self.timeout_s = seconds;
        self
    }

    /// Reserves `n` concurrent executions (also its ceiling).
    pub fn reserved_concurrency(mut self, n: i64) -> Self {
        self.reserved_concurrency = Some(n);
        self
    }

    /// Sets the log retention in days (a value CloudWatch Logs accepts).
    pub fn log_retention_days(mut self, days: i64) -> Self {
        self.log_retention_days = days;
        self
    }

    /// Sets the description.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Sets the execution role's path and permissions boundary.
    pub fn role(mut self, options: RoleOptions) -> Self {
        self.role = options;
        self
    }
}

/// A Lambda function running a Rust `bootstrap` binary on `provided.al2023`.
///
/// Adds `<id>Role`, `<id>Logs` and `<id>`. The role may write only to the
/// function's own log group until something grants it more.
#[derive(Debug, Clone)]
pub struct RustFunction {
    /// The function.
    pub function: Handle<lambda::Function>,
    /// Its log group.
    pub log_group: Handle<logs::LogGroup>,
    policy: RolePolicy,
}

impl RustFunction {
    /// Adds the function's resources under `id`.
    pub fn new(template: &mut Template, id: &str, props: RustFunctionProps) -> Self {
        let log_group = template.add(
            &format!("{id}Logs"),
            logs::LogGroup::new().retention_in_days(props.log_retention_days),
        );
        let trust = PolicyDocument::new().statement(
            Statement::allow()
                .action("sts:AssumeRole")
                .principal(Principal::service("lambda.amazonaws.com")),
        );
        let role = template.add(
            &format!("{id}Role"),
            props.role.apply(iam::Role::new(trust)),
        );
        let mut policy = RolePolicy::new(role.clone(), format!("{id}LeastPrivilege"));
        policy.add(
            template,
            Statement::allow()
                .actions(perms::LOGS_WRITE.iter().copied())
                .resource(log_group.arn()),
        );
        let mut function = lambda::Function::new(
            Code::new()
                .s3_bucket(props.code.bucket)
                .s3_key(props.code.key),
            role.arn(),
        )
        .runtime(Runtime::ProvidedAl2023)
        .handler("bootstrap")
        .architectures(vec![props.architecture])
        .memory_size(props.memory_mb)
        .timeout(props.timeout_s)
        .logging_config(
            LoggingConfig::new()
                .log_group(&log_group)
                .log_format(LogFormat::Json),
        );
        if let Some(n) = props.reserved_concurrency {
            function = function.reserved_concurrent_executions(n);
        }
        if !props.environment.is_empty() {
            let vars: BTreeMap<String, Value<crate::Json>> = props
                .environment
                .into_iter()
                .map(|(k, v)| (k, v.into()))
                .collect();
            function = function.environment(Environment::new().variables(vars));
        }
        if let Some(d) = props.description {
            function = function.description(d);
        }
        let function = template.add(id, function);
        RustFunction {
            function,
            log_group,
            policy,
        }
    }

    /// The execution role.
    pub fn role(&self) -> &Handle<iam::Role> {
        self.policy.role()
    }

    /// The function's ARN.
    pub fn arn(&self) -> Value<String> {
        self.function.arn()
    }

    /// The function's name (`Ref`).
    pub fn name(&self) -> Value<String> {
        self.function.reference()
    }

    /// What has been granted to the function so far.
    pub fn policy(&self) -> &PolicyDocument {
        self.policy.document()
    }
}

impl Grantee for RustFunction {
    fn grant(&mut self, template: &mut Template, statement: Statement) {
        self.policy.add(template, statement);
    }
}
