//! Publishing a static site to its bucket: every file uploaded with its
//! content type and cache header (unchanged objects skipped by their
//! SHA-256, kept in object metadata; objects no file names any more
//! pruned), and the CloudFront distribution invalidated when anything
//! changed (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Invalidation.html>).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};

/// Object metadata holding the content's SHA-256 (to skip unchanged files).
const HASH_METADATA: &str = "sha256";

/// Why a site was not published.
#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    /// A file could not be read.
    #[error("reading {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// An AWS call failed.
    #[error("{action}: {message}")]
    Aws {
        /// What was being done.
        action: String,
        /// What the service said.
        message: String,
    },
}

fn aws<E: std::error::Error>(action: impl Into<String>) -> impl FnOnce(E) -> SiteError {
    let action = action.into();
    move |e| SiteError::Aws {
        action,
        message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
    }
}

/// One file to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteFile {
    /// The object key (`index.html`, `css/site.css`).
    pub key: String,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Revalidated on every load whatever its kind (a file generated per
    /// deploy, such as a page's configuration).
    pub revalidate: bool,
}

impl SiteFile {
    /// A file cached by its kind (see [`SiteFile::cache_control`]).
    pub fn new(key: impl Into<String>, bytes: Vec<u8>) -> Self {
        SiteFile {
            key: key.into(),
            bytes,
            revalidate: false,
        }
    }

    /// A file generated per deploy: revalidated on every load, so a deploy
    /// shows at once.
    pub fn generated(key: impl Into<String>, bytes: Vec<u8>) -> Self {
        SiteFile {
            revalidate: true,
            ..SiteFile::new(key, bytes)
        }
    }

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

    /// `Cache-Control`: pages and generated files are revalidated on every
    /// load (a deploy shows at once); assets are cached for a day.
    pub fn cache_control(&self) -> &'static str {
        let ext = self.key.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        if self.revalidate || matches!(ext, "html" | "htm") || !self.key.contains('.') {
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

/// The files `keys` name under `dir` (keys relative, `/`-separated).
pub fn read_files(dir: &Path, keys: &[String]) -> Result<Vec<SiteFile>, SiteError> {
    keys.iter()
        .map(|key| {
            let path = dir.join(key);
            let bytes = std::fs::read(&path).map_err(|source| SiteError::Read {
                path: path.clone(),
                source,
            })?;
            Ok(SiteFile::new(key.clone(), bytes))
        })
        .collect()
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
    s3: &aws_sdk_s3::Client,
    cloudfront: &aws_sdk_cloudfront::Client,
    bucket: &str,
    files: &[SiteFile],
    distribution: Option<&str>,
) -> Result<Published, SiteError> {
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
            .map_err(aws(format!("uploading {} to s3://{bucket}", file.key)))?;
        published.uploaded.push(file.key.clone());
    }

    let wanted: BTreeSet<&str> = files.iter().map(|f| f.key.as_str()).collect();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    let mut stale = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(aws(format!("listing s3://{bucket}")))?;
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
            .map_err(aws(format!("deleting s3://{bucket}/{key}")))?;
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
        let invalidating = format!("invalidating distribution {distribution}");
        let paths = aws_sdk_cloudfront::types::Paths::builder()
            .quantity(1)
            .items("/*")
            .build()
            .map_err(aws(invalidating.clone()))?;
        let batch = aws_sdk_cloudfront::types::InvalidationBatch::builder()
            .paths(paths)
            .caller_reference(reference)
            .build()
            .map_err(aws(invalidating.clone()))?;
        let created = cloudfront
            .create_invalidation()
            .distribution_id(distribution)
            .invalidation_batch(batch)
            .send()
            .await
            .map_err(aws(invalidating))?;
        published.invalidation = created.invalidation().map(|i| i.id().to_owned());
    }
    Ok(published)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(key: &str) -> SiteFile {
        SiteFile::new(key, Vec::new())
    }

    #[test]
    fn headers_follow_the_kind_of_file() {
        assert_eq!(
            file("index.html").content_type(),
            "text/html; charset=utf-8"
        );
        assert_eq!(file("index.html").cache_control(), "no-cache");
        assert_eq!(
            SiteFile::generated("config.json", Vec::new()).cache_control(),
            "no-cache"
        );
        assert_eq!(file("data.json").cache_control(), "public, max-age=86400");
        assert_eq!(
            file("js/app.js").content_type(),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(file("js/app.js").cache_control(), "public, max-age=86400");
        assert_eq!(file("a/B.SVG").content_type(), "image/svg+xml");
        assert_eq!(file("LICENSE").content_type(), "application/octet-stream");
    }
}
