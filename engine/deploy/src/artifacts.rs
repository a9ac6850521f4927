//! Function artifacts: deterministic zips (one `bootstrap`, mode 0755, fixed
//! time) named by their sha256, uploaded only when the bucket lacks them.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Why a function could not be packaged or uploaded.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The binary, or the cache, could not be read or written.
    #[error("{what} {path}")]
    File {
        /// What was being done (`reading`, `caching`).
        what: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The zip could not be written.
    #[error("zipping the binary: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// The upload failed.
    #[error("uploading {key} to {bucket}: {message}")]
    Upload {
        /// The object key.
        key: String,
        /// The bucket.
        bucket: String,
        /// What S3 said.
        message: String,
    },
}

fn file(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> ArtifactError {
    let path = path.to_path_buf();
    move |source| ArtifactError::File { what, path, source }
}

/// A packaged function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The zip's bytes.
    pub bytes: Vec<u8>,
    /// `functions/<sha256>.zip`.
    pub key: String,
}

/// Zips `binary` as `bootstrap` (the same bytes for the same binary),
/// remembered in `cache` by the binary's sha256: compressing
/// is the slow part of a redeploy where nothing changed.
pub fn package_cached(binary: &Path, cache: &Path) -> Result<Package, ArtifactError> {
    let content = std::fs::read(binary).map_err(file("reading", binary))?;
    let cached = cache.join(format!("{}.zip", hex(&Sha256::digest(&content))));
    if let Ok(bytes) = std::fs::read(&cached) {
        return Ok(named(bytes));
    }
    let package = zip_bytes(&content)?;
    std::fs::create_dir_all(cache).map_err(file("creating", cache))?;
    // A partly written file never has the final name.
    let partial = cached.with_extension("partial");
    std::fs::write(&partial, &package.bytes)
        .and_then(|()| std::fs::rename(&partial, &cached))
        .map_err(file("caching", &cached))?;
    Ok(package)
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn named(bytes: Vec<u8>) -> Package {
    let key = format!("functions/{}.zip", hex(&Sha256::digest(&bytes)));
    Package { bytes, key }
}

/// Zips the binary as `bootstrap`, the same bytes for the same binary.
fn zip_bytes(content: &[u8]) -> Result<Package, ArtifactError> {
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o755);
        zip.start_file("bootstrap", options)?;
        zip.write_all(content).map_err(zip::result::ZipError::Io)?;
        zip.finish()?;
    }
    Ok(named(buffer.into_inner()))
}

/// Uploads `package` unless the bucket already holds its key; says which.
pub async fn upload(
    s3: &aws_sdk_s3::Client,
    bucket: &str,
    package: &Package,
) -> Result<bool, ArtifactError> {
    if s3
        .head_object()
        .bucket(bucket)
        .key(&package.key)
        .send()
        .await
        .is_ok()
    {
        return Ok(false);
    }
    s3.put_object()
        .bucket(bucket)
        .key(&package.key)
        .body(package.bytes.clone().into())
        .content_type("application/zip")
        .send()
        .await
        .map_err(|e| ArtifactError::Upload {
            key: package.key.clone(),
            bucket: bucket.to_owned(),
            message: aws_sdk_s3::error::DisplayErrorContext(e).to_string(),
        })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_binary_gives_the_same_zip() {
        let dir = std::env::temp_dir().join(format!("stack-deploy-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let binary = dir.join("bin");
        std::fs::write(&binary, b"\x7fELF pretend binary").unwrap();
        let a = package_cached(&binary, &dir.join("one")).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = package_cached(&binary, &dir.join("two")).unwrap();
        assert_eq!(a, b, "packaged twice, a second apart: the same bytes");
        assert!(
            a.key.starts_with("functions/")
                && a.key.ends_with(".zip")
                && a.key.len() == "functions/".len() + 64 + 4
        );
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(a.bytes.clone())).unwrap();
        let entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        let cache = dir.join("one");
        assert_eq!(
            package_cached(&binary, &cache).unwrap(),
            a,
            "from the cache"
        );
        std::fs::write(&binary, b"another").unwrap();
        assert_ne!(package_cached(&binary, &cache).unwrap().key, b.key);
        std::fs::remove_dir_all(&dir).ok();
    }
}
