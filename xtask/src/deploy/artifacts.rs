//! Function artifacts: deterministic zips (one `bootstrap`, mode 0755, fixed
//! time) named by their sha256, uploaded only when the bucket lacks them.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// A packaged function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The zip's bytes.
    pub bytes: Vec<u8>,
    /// `functions/<sha256>.zip`.
    pub key: String,
}

/// Zips `binary` as `bootstrap`, the same bytes for the same binary.
pub fn package(binary: &Path) -> Result<Package> {
    let content = std::fs::read(binary).with_context(|| format!("reading {}", binary.display()))?;
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(9))
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o755);
        zip.start_file("bootstrap", options)?;
        zip.write_all(&content)?;
        zip.finish()?;
    }
    let bytes = buffer.into_inner();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(Package {
        bytes,
        key: format!("functions/{hex}.zip"),
    })
}

/// Uploads `package` unless the bucket already holds its key; says which.
pub async fn upload(s3: &aws_sdk_s3::Client, bucket: &str, package: &Package) -> Result<bool> {
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
        .map_err(|e| anyhow::anyhow!("{}", aws_sdk_s3::error::DisplayErrorContext(&e)))
        .with_context(|| format!("uploading {} to {bucket}", package.key))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_binary_gives_the_same_zip() {
        let dir = std::env::temp_dir().join(format!("xtask-zip-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let binary = dir.join("bin");
        std::fs::write(&binary, b"\x7fELF pretend binary").unwrap();
        let a = package(&binary).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(1100));
        let b = package(&binary).unwrap();
        assert_eq!(a, b);
        assert!(
            a.key.starts_with("functions/")
                && a.key.ends_with(".zip")
                && a.key.len() == "functions/".len() + 64 + 4
        );
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(a.bytes)).unwrap();
        let entry = archive.by_index(0).unwrap();
        assert_eq!(entry.name(), "bootstrap");
        assert_eq!(entry.unix_mode().map(|m| m & 0o777), Some(0o755));
        std::fs::write(&binary, b"another").unwrap();
        assert_ne!(package(&binary).unwrap().key, b.key);
        std::fs::remove_dir_all(&dir).ok();
    }
}
