//! Publishing the site after its stack: `config.json` written from the
//! stack's outputs, every file of `site/` uploaded with its content type and
//! cache header (unchanged objects skipped, removed files pruned), and the
//! CloudFront distribution invalidated when anything changed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::sdk_error::sdk_error;
use anyhow::{Context, Result};
use aws_sdk_s3::primitives::ByteStream;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use visitor_stack::outputs;

/// The object the page reads at start-up to find its APIs.
pub const CONFIG_KEY: &str = visitor_stack::site_files::CONFIG_OBJECT;
/// Object metadata holding the content's SHA-256 (to skip unchanged files).
const HASH_METADATA: &str = "sha256";

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

/// One file to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// The object key (`index.html`, `css/site.css`).
    pub key: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl SiteFile {
    /// `Content-Type` from the extension.
    pub fn content_type(&self) -> &'static str {
        let ext = self
            .key
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "html" | "htm" => "text/html; charset=utf-8",
            "css" => "text/css; charset=utf-8",
            "js" | "mjs" => "text/javascript; charset=utf-8",
            "json" | "map" => "application/json",
            "webmanifest" => "application/manifest+json",
            "txt" => "text/plain; charset=utf-8",
            "xml" => "application/xml",
            "svg" => "image/svg+xml",
            "png" => "image/png",
            "jpg" | "jpeg" => "image/jpeg",
            "gif" => "image/gif",
            "webp" => "image/webp",
            "avif" => "image/avif",
            "ico" => "image/x-icon",
            "woff" => "font/woff",
            "woff2" => "font/woff2",
            "pdf" => "application/pdf",
            _ => "application/octet-stream",
        }
    }

    /// `Cache-Control`: pages and `config.json` are revalidated on every
    /// load (a deploy shows at once); assets are cached for a day.
    pub fn cache_control(&self) -> &'static str {
        let ext = self.key.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if self.key == CONFIG_KEY || matches!(ext, "html" | "htm") || !self.key.contains('.') {
            "no-cache"
        } else {
            "public, max-age=86400"
        }
    }

    fn sha256(&self) -> String {
        Sha256::digest(&self.bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// Every file under `dir` (sorted; hidden files skipped), then `config`:
/// a `config.json` in the folder is replaced by the generated one.
pub fn collect(dir: &Path, config: &SiteConfig) -> Result<Vec<SiteFile>> {
    let keys = visitor_stack::site_files::object_keys(dir)
        .with_context(|| format!("listing {}", dir.display()))?;
    let mut files = Vec::new();
    for key in keys.into_iter().filter(|k| k != CONFIG_KEY) {
        let path = dir.join(&key);
        let bytes = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        files.push(SiteFile { key, bytes });
    }
    files.push(SiteFile {
        key: CONFIG_KEY.to_owned(),
        bytes: config.to_bytes()?,
    });
    Ok(files)
}

/// Every URI the site in `dir` serves once published: its files and the
/// generated `config.json` (what the edge recorder counts as served).
pub fn served_paths(dir: &Path) -> Result<Vec<String>> {
    visitor_stack::site_files::site_paths(dir).with_context(|| format!("listing {}", dir.display()))
}

/// What a publish did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Keys uploaded (new or changed).
    pub uploaded: Vec<String>,
    /// Keys already there with the same content and headers.
    pub unchanged: usize,
    /// Keys deleted because their file is gone.
    pub pruned: Vec<String>,
    /// The CloudFront invalidation started, if any.
    pub invalidation: Option<String>,
}

/// Uploads `files` to `bucket`, prunes what is no longer there, and
/// invalidates `distribution` (when given) if anything changed.
pub async fn publish(
    sdk: &aws_config::SdkConfig,
    record: Option<&access_record::Recorder>,
    bucket: &str,
    files: &[SiteFile],
    distribution: Option<&str>,
) -> Result<Published> {
    let s3 = crate::clients::s3(sdk, record);
    let mut published = Published::default();
    for file in files {
        let hash = file.sha256();
        let head = s3.head_object().bucket(bucket).key(&file.key).send().await;
        let same = head.as_ref().is_ok_and(|h| {
            h.metadata().and_then(|m| m.get(HASH_METADATA)) == Some(&hash)
                && h.content_type() == Some(file.content_type())
                && h.cache_control() == Some(file.cache_control())
        });
        if same {
            published.unchanged += 1;
            continue;
        }
        s3.put_object()
            .bucket(bucket)
            .key(&file.key)
            .body(ByteStream::from(file.bytes.clone()))
            .content_type(file.content_type())
            .cache_control(file.cache_control())
            .metadata(HASH_METADATA, hash)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("uploading {} to s3://{bucket}", file.key))?;
        published.uploaded.push(file.key.clone());
    }

    let wanted: BTreeSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    let mut stale = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page
            .map_err(sdk_error)
            .with_context(|| format!("listing s3://{bucket}"))?;
        for object in page.contents() {
            if let Some(key) = object.key() {
                if !wanted.contains(key) {
                    stale.push(key.to_owned());
                }
            }
        }
    }
    for key in stale {
        s3.delete_object()
            .bucket(bucket)
            .key(&key)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("deleting s3://{bucket}/{key}"))?;
        published.pruned.push(key);
    }

    let changed = !published.uploaded.is_empty() || !published.pruned.is_empty();
    if let (true, Some(distribution)) = (changed, distribution) {
        let reference = format!(
            "xtask-{}",
            &Sha256::digest(
                format!(
                    "{:?}{:?}{:?}",
                    published.uploaded,
                    published.pruned,
                    std::time::SystemTime::now()
                )
                .as_bytes()
            )
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()[..16]
        );
        let paths = aws_sdk_cloudfront::types::Paths::builder()
            .quantity(1)
            .items("/*")
            .build()?;
        let batch = aws_sdk_cloudfront::types::InvalidationBatch::builder()
            .paths(paths)
            .caller_reference(reference)
            .build()?;
        let created = crate::clients::cloudfront(sdk, record)
            .create_invalidation()
            .distribution_id(distribution)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(sdk_error)
            .with_context(|| format!("invalidating distribution {distribution}"))?;
        published.invalidation = created.invalidation().map(|i| i.id().to_owned());
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str) -> SiteFile {
        SiteFile {
            key: key.into(),
            bytes: Vec::new(),
        }
    }

    #[test]
    fn headers_follow_the_kind_of_file() {
        assert_eq!(
            file("index.html").content_type(),
            "text/html; charset=utf-8"
        );
        assert_eq!(file("index.html").cache_control(), "no-cache");
        assert_eq!(file("config.json").cache_control(), "no-cache");
        assert_eq!(
            file("js/app.js").content_type(),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(file("js/app.js").cache_control(), "public, max-age=86400");
        assert_eq!(file("a/B.SVG").content_type(), "image/svg+xml");
        assert_eq!(file("LICENSE").content_type(), "application/octet-stream");
    }

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
        let written: SiteConfig = serde_json::from_slice(&files[2].bytes).unwrap();
        assert_eq!(written, config);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
