//! The stack configuration as the command line sees it: a TOML file (by
//! default `resume.toml` at the workspace root, when present) and flags that
//! override its keys.

use anyhow::{Context, Result};
use visitor_stack::{IpStorage, StackConfig};
pub use xtask_args::config::{ConfigArgs, IpStorageArg, DEFAULT_FILE};
use xtask_args::workspace;

/// The configuration that flags describe.
pub trait Load {
    /// The file's configuration with the flags applied, validated.
    fn load(&self) -> Result<StackConfig>;
}

impl Load for ConfigArgs {
    fn load(&self) -> Result<StackConfig> {
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
        let site = workspace::root()?.join("site");
        config.site_paths = visitor_stack::site_files::site_paths(&site)
            .with_context(|| format!("listing {}", site.display()))?;
        config.validate().context("after applying the flags")?;
        Ok(config)
    }
}
