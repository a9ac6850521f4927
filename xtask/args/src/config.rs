//! The stack configuration flags: a TOML file (by default `resume.toml` at
//! the workspace root, when present) and flags that override its keys
//! (`xtask-front` turns them into a `StackConfig`).

use std::path::PathBuf;

/// The default configuration file, at the workspace root.
pub const DEFAULT_FILE: &str = "resume.toml";

/// `--ip-storage` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum IpStorageArg {
    /// Store client IPs as they are.
    Raw,
    /// Store a SHA-256 hash with a daily salt the processor makes and deletes.
    Hashed,
    /// Store nothing per address: counts only.
    None,
}

/// Configuration flags, shared by every command that builds a stack.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct ConfigArgs {
    /// Configuration file (TOML) [default: resume.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Overrides `app_name`.
    #[arg(long, value_name = "NAME")]
    pub app_name: Option<String>,
    /// Overrides `domain_names` (repeat for several).
    #[arg(long = "domain", value_name = "DOMAIN")]
    pub domains: Vec<String>,
    /// Overrides `certificate_arn`.
    #[arg(long, value_name = "ARN")]
    pub certificate_arn: Option<String>,
    /// Overrides `hosted_zone_id`.
    #[arg(long, value_name = "ZONE_ID")]
    pub hosted_zone_id: Option<String>,
    /// Overrides `allowed_origins` (repeat for several).
    #[arg(long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,
    /// Overrides `ip_storage`.
    #[arg(long, value_enum)]
    pub ip_storage: Option<IpStorageArg>,
    /// Overrides `ip_retention_days`.
    #[arg(long, value_name = "DAYS")]
    pub ip_retention_days: Option<u32>,
    /// Overrides `log_retention_days`.
    #[arg(long, value_name = "DAYS")]
    pub log_retention_days: Option<u32>,
    /// Overrides `api_rate_limit` (requests per second).
    #[arg(long, value_name = "RPS")]
    pub api_rate_limit: Option<f64>,
    /// Overrides `api_burst_limit`.
    #[arg(long, value_name = "REQUESTS")]
    pub api_burst_limit: Option<u32>,
}

impl ConfigArgs {
    /// The flags that give these settings again (for a child command).
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut one = |flag: &str, value: Option<String>| {
            if let Some(value) = value {
                out.push(format!("--{flag}"));
                out.push(value);
            }
        };
        one(
            "config",
            self.config.as_ref().map(|p| p.display().to_string()),
        );
        one("app-name", self.app_name.clone());
        one("certificate-arn", self.certificate_arn.clone());
        one("hosted-zone-id", self.hosted_zone_id.clone());
        one(
            "ip-storage",
            self.ip_storage.map(|s| {
                clap::ValueEnum::to_possible_value(&s)
                    .map(|v| v.get_name().to_owned())
                    .unwrap_or_default()
            }),
        );
        one(
            "ip-retention-days",
            self.ip_retention_days.map(|d| d.to_string()),
        );
        one(
            "log-retention-days",
            self.log_retention_days.map(|d| d.to_string()),
        );
        one("api-rate-limit", self.api_rate_limit.map(|r| r.to_string()));
        one(
            "api-burst-limit",
            self.api_burst_limit.map(|b| b.to_string()),
        );
        for domain in &self.domains {
            one("domain", Some(domain.clone()));
        }
        for origin in &self.allowed_origins {
            one("allowed-origin", Some(origin.clone()));
        }
        out
    }

    /// Whether any configuration flag was given (an app without a
    /// configuration refuses them rather than ignoring them).
    pub fn given(&self) -> bool {
        *self != ConfigArgs::default()
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Cli {
        #[command(flatten)]
        config: ConfigArgs,
    }

    #[test]
    fn the_flags_given_again_parse_to_the_same_settings() {
        let given = Cli::try_parse_from([
            "x",
            "--app-name",
            "cv",
            "--domain",
            "a.example",
            "--domain",
            "b.example",
            "--ip-storage",
            "hashed",
            "--log-retention-days",
            "7",
            "--api-rate-limit",
            "2.5",
        ])
        .unwrap()
        .config;
        let again = Cli::try_parse_from(std::iter::once("x".to_owned()).chain(given.to_args()))
            .unwrap()
            .config;
        assert_eq!(again, given);
        assert!(ConfigArgs::default().to_args().is_empty());
    }
}
