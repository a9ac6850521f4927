//! The counter's site after its stack: `config.json` written from the
//! stack's outputs, the files `site/` serves (the stack's own list), and
//! their publishing through `stack_deploy::site`.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use stack_deploy::site::SiteFile;
use visitor_stack::outputs;

pub use stack_deploy::site::Published;

/// The object the page reads at start-up to find its APIs.
pub const CONFIG_KEY: &str = visitor_stack::site_files::CONFIG_OBJECT;

/// `config.json`: where the page finds the counts API and live counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SiteConfig {
    /// Base URL of the counts API (`GET {apiUrl}/api/counts`); empty when
    /// the site's own distribution routes `/api/*` (same origin, no CORS).
    pub api_url: String,
    /// WebSocket URL for live counts.
    pub web_socket_url: String,
}

impl SiteConfig {
    /// Reads it from a stack's outputs: a stack with a site serves the API
    /// under its own origin.
    pub fn from_outputs(outputs: &BTreeMap<String, String>) -> Result<Self> {
        let get = |name: &str| {
            outputs
                .get(name)
                .cloned()
                .with_context(|| format!("the stack has no {name} output"))
        };
        Ok(SiteConfig {
            api_url: if outputs.contains_key(outputs::SITE_URL) {
                String::new()
            } else {
                get(outputs::API_URL)?
            },
            web_socket_url: get(outputs::WEBSOCKET_URL)?,
        })
    }

    /// The file's bytes (pretty JSON, newline-terminated).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        Ok(text.into_bytes())
    }
}

/// Every file under `dir` (sorted; hidden files skipped), then `config`:
/// a `config.json` in the folder is replaced by the generated one.
pub fn collect(dir: &Path, config: &SiteConfig) -> Result<Vec<SiteFile>> {
    let keys: Vec<String> = visitor_stack::site_files::object_keys(dir)
        .with_context(|| format!("listing {}", dir.display()))?
        .into_iter()
        .filter(|k| k != CONFIG_KEY)
        .collect();
    let mut files = stack_deploy::site::read_files(dir, &keys)?;
    files.push(SiteFile::generated(CONFIG_KEY, config.to_bytes()?));
    Ok(files)
}

/// Every URI the site in `dir` serves once published: its files and the
/// generated `config.json` (what the edge recorder counts as served).
pub fn served_paths(dir: &Path) -> Result<Vec<String>> {
    visitor_stack::site_files::site_paths(dir).with_context(|| format!("listing {}", dir.display()))
}

/// Uploads `files` to `bucket`, prunes what is no longer there, and
/// invalidates `distribution` (when given) if anything changed; the
/// clients record their calls when `record` is given.
pub async fn publish(
    sdk: &aws_config::SdkConfig,
    record: Option<&access_record::Recorder>,
    bucket: &str,
    files: &[SiteFile],
    distribution: Option<&str>,
) -> Result<Published> {
    let s3 = crate::clients::s3(sdk, record);
    let cloudfront = crate::clients::cloudfront(sdk, record);
    Ok(stack_deploy::site::publish(&s3, &cloudfront, bucket, files, distribution).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_config_replaces_a_checked_in_one() {
        let dir = std::env::temp_dir().join(format!("xtask-site-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("css")).unwrap();
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        std::fs::write(dir.join("index.html"), "<p>hi</p>").unwrap();
        std::fs::write(dir.join("css/site.css"), "p{}").unwrap();
        std::fs::write(dir.join(".git/HEAD"), "x").unwrap();
        std::fs::write(dir.join("config.json"), "{\"apiUrl\":\"stale\"}").unwrap();
        let config = SiteConfig {
            api_url: "https://api".into(),
            web_socket_url: "wss://live".into(),
        };
        let files = collect(&dir, &config).unwrap();
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, ["css/site.css", "index.html", "config.json"]);
        assert!(
            files[2].revalidate,
            "config.json is revalidated on every load"
        );
        let written: SiteConfig = serde_json::from_slice(&files[2].bytes).unwrap();
        assert_eq!(written, config);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
