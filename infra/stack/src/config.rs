//! The stack's options: one typed struct with sane defaults, read from a TOML
//! file and overridden by flags, validated with errors that name the key.

use std::path::Path;

use serde::Deserialize;

/// CloudWatch Logs accepts only these retention periods (days).
pub const LOG_RETENTION_DAYS: &[u32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// How client IP addresses are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpStorage {
    /// As they arrive.
    Raw,
    /// As a SHA-256 hash salted with a salt of the day that the processor
    /// makes and deletes an hour after the day ends (in no template,
    /// parameter or environment variable): a visitor is unique per day.
    Hashed,
    /// Not at all: counts only (no unique visitors).
    None,
}

impl IpStorage {
    /// The value the processor reads.
    pub fn as_str(self) -> &'static str {
        match self {
            IpStorage::Raw => "raw",
            IpStorage::Hashed => "hashed",
            IpStorage::None => "none",
        }
    }
}

/// The CPU the Rust functions run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CpuArchitecture {
    /// Graviton: cheaper per millisecond (the default).
    #[serde(rename = "arm64")]
    Arm64,
    /// x86-64.
    #[serde(rename = "x86_64")]
    X86_64,
}

/// Memory and timeout of one kind of function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSize {
    /// Memory in MB (128 to 10,240).
    pub memory_mb: u32,
    /// Timeout in seconds (1 to 900).
    pub timeout_s: u32,
    /// Concurrent executions reserved for (and the most allowed to) each
    /// function of this kind. None by default: Lambda refuses a
    /// reservation that leaves less than 100 unreserved, and a new account
    /// may have a limit of 10 in all, so any reservation would fail there
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html>).
    /// Floods are bounded without it: the queue's event source runs at most
    /// `processor_max_concurrency` processors and the APIs throttle at
    /// `api_rate_limit`.
    pub reserved_concurrency: Option<u32>,
}

/// Every option of the visitor-counter stacks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StackConfig {
    /// A short name used in resource names and descriptions.
    pub app_name: String,
    /// Domain names the site answers to (prod); the first is the main one.
    pub domain_names: Vec<String>,
    /// An existing ACM certificate (us-east-1) for `domain_names`.
    pub certificate_arn: Option<String>,
    /// A Route 53 hosted zone: a certificate is created and validated there,
    /// and alias records are added for `domain_names`.
    pub hosted_zone_id: Option<String>,
    /// Further origins allowed to call the API from a browser (CORS), such as
    /// `http://localhost:8080`; the site's own domains are always allowed.
    pub allowed_origins: Vec<String>,
    /// How client IPs are stored.
    pub ip_storage: IpStorage,
    /// Days a visitor's record lives after the last visit.
    pub ip_retention_days: u32,
    /// Days function logs are kept (a value CloudWatch Logs accepts).
    pub log_retention_days: u32,
    /// Paths the edge recorder does not record (prefixes).
    pub skip_paths: Vec<String>,
    /// The CPU the Rust functions are built for and run on.
    pub architecture: CpuArchitecture,
    /// The queue consumer.
    pub processor: FunctionSize,
    /// The counts API, WebSocket connect handler and broadcaster.
    pub api_functions: FunctionSize,
    /// The most processors the queue's event source runs at once (2 to
    /// 1,000; `ScalingConfig.MaximumConcurrency`): however fast visits
    /// come, the tables see at most this many writers.
    pub processor_max_concurrency: u32,
    /// Steady-state requests per second each API accepts.
    pub api_rate_limit: f64,
    /// Burst above the rate each API accepts.
    pub api_burst_limit: u32,
    /// Put a WAF web ACL on the distribution that blocks an IP sending more
    /// than this many requests in five minutes (at least 10). Off by
    /// default: AWS bills about $6 a month for it (a web ACL and a rule)
    /// plus $0.60 per million requests.
    pub waf_rate_limit: Option<u32>,
    /// Send each request's `Referer` header to the queue. Off by default:
    /// the referer then never leaves the edge.
    pub record_referer: bool,
    /// Keep CloudFront's standard logs (every request, with the viewer's
    /// address) this many days in a private bucket (prod). Off by default:
    /// the counter needs none, and they hold addresses whatever
    /// `ip_storage` says.
    pub cloudfront_log_days: Option<u32>,
    /// An address the alarms notify (an SNS e-mail subscription; AWS sends
    /// it a confirmation mail first). Without one the alarms still go to
    /// the stack's alarm topic, for any other subscriber.
    pub alarm_email: Option<String>,
    /// When the alarms fire.
    pub alarms: AlarmConfig,
    /// Every URI the site serves (`/`, `/index.html`, `/style.css`, ...).
    /// Not a resume.toml key: the command line lists the site's folder
    /// ([`crate::site_files::served_paths`]) when it makes the template. A
    /// request for anything else counts in one aggregate and its path is
    /// never stored. Empty means unknown: every path counts as served.
    #[serde(skip)]
    pub site_paths: Vec<String>,
}

impl Default for StackConfig {
    fn default() -> Self {
        StackConfig {
            app_name: "resume".into(),
            domain_names: Vec::new(),
            certificate_arn: None,
            hosted_zone_id: None,
            allowed_origins: Vec::new(),
            ip_storage: IpStorage::Raw,
            ip_retention_days: 365,
            log_retention_days: 30,
            skip_paths: vec!["/api/".into()],
            architecture: CpuArchitecture::Arm64,
            processor: FunctionSize {
                memory_mb: 256,
                timeout_s: 30,
                reserved_concurrency: None,
            },
            api_functions: FunctionSize {
                memory_mb: 128,
                timeout_s: 10,
                reserved_concurrency: None,
            },
            processor_max_concurrency: 5,
            api_rate_limit: 50.0,
            api_burst_limit: 100,
            waf_rate_limit: None,
            record_referer: false,
            cloudfront_log_days: None,
            alarm_email: None,
            alarms: AlarmConfig::default(),
            site_paths: Vec::new(),
        }
    }
}

/// When the alarms fire (`[alarms]` in resume.toml). Every alarm returns to
/// OK by itself once a period passes without the condition.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlarmConfig {
    /// The period each alarm looks at, in seconds (a multiple of 60).
    pub period_s: u32,
    /// The age in seconds the oldest waiting visit may reach before the
    /// processor is taken to be stuck (`ApproximateAgeOfOldestMessage`).
    pub queue_age_s: u32,
    /// Errors of one function in a period that fire its alarm (throttles
    /// fire from the first).
    pub function_errors: u32,
    /// The share of counts API requests answered 5xx in a period that
    /// fires its alarm (0 to 1).
    pub api_5xx_rate: f64,
    /// Errors of the edge function in a period (execution or validation,
    /// as CloudFront reports them) that fire its alarm.
    pub edge_errors: u32,
}

impl Default for AlarmConfig {
    fn default() -> Self {
        AlarmConfig {
            period_s: 300,
            queue_age_s: 900,
            function_errors: 1,
            api_5xx_rate: 0.05,
            edge_errors: 1,
        }
    }
}

/// A configuration that cannot be used, naming the offending key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {cause}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        cause: std::io::Error,
    },
    /// The TOML is malformed, or has an unknown key or a value of the wrong type.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// The parser's message, with the key and line.
        message: String,
    },
    /// A value is out of range or inconsistent with another.
    #[error("invalid configuration: `{key}` {problem}")]
    Invalid {
        /// The key, such as `domain_names[1]`.
        key: String,
        /// What is wrong and what is accepted.
        problem: String,
    },
}

impl StackConfig {
    /// Reads and validates a TOML file; keys left out keep their defaults.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|cause| ConfigError::Read {
            path: path.display().to_string(),
            cause,
        })?;
        Self::from_toml(&text, &path.display().to_string())
    }

    /// Parses and validates TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let config: StackConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: origin.to_owned(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every value, naming the first that is wrong.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, problem: String| {
            Err(ConfigError::Invalid {
                key: key.to_owned(),
                problem,
            })
        };
        if self.app_name.is_empty()
            || self.app_name.len() > 32
            || !self
                .app_name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return invalid(
                "app_name",
                format!("is {:?}; use 1 to 32 of a-z, 0-9 and -", self.app_name),
            );
        }
        for (i, domain) in self.domain_names.iter().enumerate() {
            if !is_domain_name(domain) {
                return invalid(
                    &format!("domain_names[{i}]"),
                    format!("is {domain:?}, not a domain name (like \"www.example.com\", no scheme or path)"),
                );
            }
        }
        if let Some(days) = self.cloudfront_log_days {
            if !(1..=3650).contains(&days) {
                return invalid(
                    "cloudfront_log_days",
                    format!("is {days}; use 1 to 3650 days, or leave it out for no logs"),
                );
            }
        }
        if let Some(email) = &self.alarm_email {
            let (user, domain) = email.split_once('@').unwrap_or_default();
            if user.is_empty() || !domain.contains('.') || email.contains(char::is_whitespace) {
                return invalid(
                    "alarm_email",
                    format!("is {email:?}, not an e-mail address"),
                );
            }
        }
        let a = &self.alarms;
        if a.period_s == 0 || !a.period_s.is_multiple_of(60) || a.period_s > 86_400 {
            return invalid(
                "alarms.period_s",
                format!("is {}; use a multiple of 60 up to 86400", a.period_s),
            );
        }
        if !(0.0..=1.0).contains(&a.api_5xx_rate) || a.api_5xx_rate.is_nan() {
            return invalid(
                "alarms.api_5xx_rate",
                format!("is {}; use a share from 0 to 1", a.api_5xx_rate),
            );
        }
        for (key, value) in [
            ("alarms.queue_age_s", a.queue_age_s),
            ("alarms.function_errors", a.function_errors),
            ("alarms.edge_errors", a.edge_errors),
        ] {
            if value == 0 {
                return invalid(key, "is 0; use 1 or more".into());
            }
        }
        if self.certificate_arn.is_some() && self.hosted_zone_id.is_some() {
            return invalid(
                "certificate_arn",
                "and `hosted_zone_id` are exclusive: give an existing certificate, or a zone to create one in".into(),
            );
        }
        if let Some(arn) = &self.certificate_arn {
            if !arn.starts_with("arn:aws") || !arn.contains(":acm:us-east-1:") {
                return invalid(
                    "certificate_arn",
                    format!("is {arn:?}; CloudFront needs an ACM certificate ARN in us-east-1"),
                );
            }
        }
        if let Some(zone) = &self.hosted_zone_id {
            if zone.is_empty()
                || !zone
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            {
                return invalid(
                    "hosted_zone_id",
                    format!("is {zone:?}; a Route 53 zone ID looks like Z0123456789ABC"),
                );
            }
        }
        if (self.certificate_arn.is_some() || self.hosted_zone_id.is_some())
            && self.domain_names.is_empty()
        {
            return invalid(
                "domain_names",
                "is empty, but a certificate or hosted zone was given for them".into(),
            );
        }
        for (i, origin) in self.allowed_origins.iter().enumerate() {
            let rest = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let host = rest.map(|r| r.split(':').next().unwrap_or(""));
            if !host.is_some_and(|h| is_domain_name(h) || h == "localhost" || h == "127.0.0.1")
                || origin.ends_with('/')
            {
                return invalid(
                    &format!("allowed_origins[{i}]"),
                    format!("is {origin:?}; an origin is a scheme and host, like \"https://example.com\""),
                );
            }
        }
        if !(1..=3650).contains(&self.ip_retention_days) {
            return invalid(
                "ip_retention_days",
                format!("is {}; use 1 to 3650", self.ip_retention_days),
            );
        }
        if !LOG_RETENTION_DAYS.contains(&self.log_retention_days) {
            return invalid(
                "log_retention_days",
                format!(
                    "is {}; CloudWatch Logs accepts {:?}",
                    self.log_retention_days, LOG_RETENTION_DAYS
                ),
            );
        }
        for (i, path) in self.skip_paths.iter().enumerate() {
            if !path.starts_with('/') {
                return invalid(
                    &format!("skip_paths[{i}]"),
                    format!("is {path:?}; paths start with /"),
                );
            }
            // The list is baked into the edge recorder's Python source.
            if path.contains(['"', '\\']) || path.chars().any(char::is_control) {
                return invalid(
                    &format!("skip_paths[{i}]"),
                    format!(
                        "is {path:?}; quotes, backslashes and control characters are not allowed"
                    ),
                );
            }
        }
        for (i, path) in self.site_paths.iter().enumerate() {
            // Baked into the recorder's source like skip_paths.
            if !path.starts_with('/')
                || path.contains(['"', '\\'])
                || path.contains("${")
                || path.chars().any(char::is_control)
            {
                return invalid(
                    &format!("site file {i}"),
                    format!("is {path:?}; a served path starts with / and has no quotes, backslashes, `${{` or control characters (rename the file in the site's folder)"),
                );
            }
        }
        for (key, size) in [
            ("processor", self.processor),
            ("api_functions", self.api_functions),
        ] {
            if !(128..=10240).contains(&size.memory_mb) {
                return invalid(
                    &format!("{key}.memory_mb"),
                    format!("is {}; use 128 to 10240", size.memory_mb),
                );
            }
            if !(1..=900).contains(&size.timeout_s) {
                return invalid(
                    &format!("{key}.timeout_s"),
                    format!("is {}; use 1 to 900", size.timeout_s),
                );
            }
            if size.reserved_concurrency == Some(0) {
                return invalid(
                    &format!("{key}.reserved_concurrency"),
                    "is 0, which stops the functions; leave it out, or reserve 1 or more".into(),
                );
            }
        }
        if let Some(limit) = self.waf_rate_limit {
            if i64::from(limit) < infra::constructs::MIN_RATE_LIMIT {
                return invalid(
                    "waf_rate_limit",
                    format!(
                        "is {limit}; AWS's rate-based rules take at least {} requests per five minutes",
                        infra::constructs::MIN_RATE_LIMIT
                    ),
                );
            }
        }
        if !(2..=1000).contains(&self.processor_max_concurrency) {
            return invalid(
                "processor_max_concurrency",
                format!("is {}; use 2 to 1000", self.processor_max_concurrency),
            );
        }
        // Below the event source's concurrency, Lambda throttles the
        // poller's invocations: messages use up receives and reach the
        // dead-letter queue uncounted.
        if let Some(reserved) = self.processor.reserved_concurrency {
            if reserved < self.processor_max_concurrency {
                return invalid(
                    "processor.reserved_concurrency",
                    format!(
                        "is {reserved}, below processor_max_concurrency ({}); reserve at least that many, or lower processor_max_concurrency",
                        self.processor_max_concurrency
                    ),
                );
            }
        }
        if !(self.api_rate_limit > 0.0 && self.api_rate_limit <= 10_000.0) {
            return invalid(
                "api_rate_limit",
                format!(
                    "is {}; use more than 0 and at most 10000",
                    self.api_rate_limit
                ),
            );
        }
        if !(1..=5000).contains(&self.api_burst_limit) {
            return invalid(
                "api_burst_limit",
                format!("is {}; use 1 to 5000", self.api_burst_limit),
            );
        }
        Ok(())
    }

    /// Every origin allowed to call the API: the site's domains and the extras.
    pub fn cors_origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = self
            .domain_names
            .iter()
            .map(|d| format!("https://{d}"))
            .collect();
        origins.extend(self.allowed_origins.iter().cloned());
        origins.dedup();
        origins
    }
}

fn is_domain_name(name: &str) -> bool {
    let labels: Vec<&str> = name.split('.').collect();
    name.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(toml: &str) -> String {
        StackConfig::from_toml(toml, "resume.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn defaults_are_valid_and_keys_are_optional() {
        assert_eq!(
            StackConfig::from_toml("", "x").unwrap(),
            StackConfig::default()
        );
        let c = StackConfig::from_toml(
            "domain_names = [\"cv.example.com\"]\n[processor]\nmemory_mb = 512\ntimeout_s = 60\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.processor.memory_mb, 512);
        assert_eq!(c.cors_origins(), ["https://cv.example.com"]);
    }

    #[test]
    fn errors_name_the_key() {
        assert!(
            problem("domian_names = []").contains("unknown field `domian_names`"),
            "{}",
            problem("domian_names = []")
        );
        assert!(problem("ip_retention_days = \"long\"").contains("ip_retention_days"));
        assert!(problem("domain_names = [\"https://x.com\"]").contains("`domain_names[0]`"));
        assert!(problem("log_retention_days = 45").contains("`log_retention_days` is 45"));
        assert!(problem("hosted_zone_id = \"Z1\"").contains("`domain_names` is empty"));
        assert!(problem("allowed_origins = [\"example.com\"]").contains("`allowed_origins[0]`"));
        assert!(problem("[processor]\nmemory_mb = 64\ntimeout_s = 5")
            .contains("`processor.memory_mb` is 64"));
        assert!(problem("certificate_arn = \"arn:aws:acm:eu-west-1:1:certificate/x\"\ndomain_names = [\"a.com\"]")
            .contains("us-east-1"));
        assert!(problem("ip_storage = \"encrypted\"").contains("ip_storage"));
        assert!(problem("alarm_email = \"owner\"").contains("`alarm_email` is \"owner\""));
        assert!(problem("[alarms]\nperiod_s = 90").contains("`alarms.period_s` is 90"));
        assert!(problem("[alarms]\napi_5xx_rate = 5.0").contains("alarms.api_5xx_rate"));
        assert!(problem("[alarms]\nqueue_age_s = 0").contains("alarms.queue_age_s"));
        assert!(problem("[alarms]\nperiod = 60").contains("period"));
        let c = StackConfig::from_toml(
            "ip_storage = \"none\"\nalarm_email = \"me@example.com\"\n[alarms]\nperiod_s = 60\n",
            "resume.toml",
        )
        .unwrap();
        assert_eq!((c.ip_storage, c.alarms.period_s), (IpStorage::None, 60));
        assert!(problem("app_name = \"My App\"").contains("`app_name`"));
        assert!(problem("skip_paths = [\"/a\\\"b\"]").contains("`skip_paths[0]`"));
    }
}
