//! The stack configuration as the command line sees it: a TOML file (by
//! default `resume.toml` at the workspace root, when present) and flags that
//! override its keys.

use std::path::PathBuf;

use anyhow::{Context, Result};
use visitor_stack::{IpStorage, StackConfig};

use crate::workspace;

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
#[derive(Debug, Clone, Default, clap::Args)]
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
    /// The file's configuration with the flags applied, validated.
    pub fn load(&self) -> Result<StackConfig> {
        let default = workspace::root()?.join(DEFAULT_FILE);
        let mut config = match &self.config {
            Some(path) => StackConfig::from_file(path)?,
            None if default.exists() => StackConfig::from_file(&default)?,
            None => StackConfig::default(),
        };
        if let Some(v) = &self.app_name {
            config.app_name = v.clone();
        }
        if !self.domains.is_empty() {
            config.domain_names = self.domains.clone();
        }
        if let Some(v) = &self.certificate_arn {
            config.certificate_arn = Some(v.clone());
        }
        if let Some(v) = &self.hosted_zone_id {
            config.hosted_zone_id = Some(v.clone());
        }
        if !self.allowed_origins.is_empty() {
            config.allowed_origins = self.allowed_origins.clone();
        }
        if let Some(v) = self.ip_storage {
            config.ip_storage = match v {
                IpStorageArg::Raw => IpStorage::Raw,
                IpStorageArg::Hashed => IpStorage::Hashed,
                IpStorageArg::None => IpStorage::None,
            };
        }
        if let Some(v) = self.ip_retention_days {
            config.ip_retention_days = v;
        }
        if let Some(v) = self.log_retention_days {
            config.log_retention_days = v;
        }
        if let Some(v) = self.api_rate_limit {
            config.api_rate_limit = v;
        }
        if let Some(v) = self.api_burst_limit {
            config.api_burst_limit = v;
        }
        // What the site serves is read from its folder, not configured: the
        // edge recorder counts requests for anything else in one aggregate.
        config.site_paths = crate::deploy::site::served_paths(&workspace::root()?.join("site"))?;
        config.validate().context("after applying the flags")?;
        Ok(config)
    }
}
