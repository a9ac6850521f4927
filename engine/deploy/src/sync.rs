//! What `sync --watch` needs from the engine: which watched files changed
//! (by modification time, polled, so no watcher service is needed), and a
//! function's code replaced directly, without a change set, as SAM
//! Accelerate does
//! (<https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html>).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// What a sync can fail on.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// A watched folder could not be read.
    #[error("reading {path}")]
    Read {
        /// The folder or file.
        path: String,
        /// Why.
        #[source]
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

/// Every file under some roots, with its modification time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, SystemTime>);

impl Snapshot {
    /// The files under `roots` (folders walked, files taken as they are;
    /// a missing root has none). Hidden entries and `target` are skipped.
    pub fn take(roots: &[PathBuf]) -> Result<Snapshot, SyncError> {
        let mut files = BTreeMap::new();
        for root in roots {
            walk(root, &mut files)?;
        }
        Ok(Snapshot(files))
    }

    /// The files added, removed or modified since `before`, sorted.
    pub fn changed_since(&self, before: &Snapshot) -> Vec<PathBuf> {
        let mut changed: Vec<PathBuf> = self
            .0
            .iter()
            .filter(|(path, time)| before.0.get(*path) != Some(time))
            .map(|(path, _)| path.clone())
            .chain(
                before
                    .0
                    .keys()
                    .filter(|p| !self.0.contains_key(*p))
                    .cloned(),
            )
            .collect();
        changed.sort();
        changed.dedup();
        changed
    }
}

fn walk(path: &Path, files: &mut BTreeMap<PathBuf, SystemTime>) -> Result<(), SyncError> {
    let read = |source| SyncError::Read {
        path: path.display().to_string(),
        source,
    };
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(read(e)),
    };
    if meta.is_file() {
        files.insert(path.to_owned(), meta.modified().map_err(read)?);
        return Ok(());
    }
    for entry in std::fs::read_dir(path).map_err(read)? {
        let entry = entry.map_err(read)?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        walk(&entry.path(), files)?;
    }
    Ok(())
}

/// Replaces function `name`'s code with the zip `bytes` and waits until
/// the update is done; returns the code's SHA-256 as Lambda reports it.
pub async fn update_function_code(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    bytes: Vec<u8>,
) -> Result<String, SyncError> {
    let aws = |action: String| {
        move |e: aws_sdk_lambda::error::SdkError<_, _>| SyncError::Aws {
            action,
            message: aws_sdk_lambda::error::DisplayErrorContext(e).to_string(),
        }
    };
    let updated = lambda
        .update_function_code()
        .function_name(name)
        .zip_file(aws_sdk_lambda::primitives::Blob::new(bytes))
        .send()
        .await
        .map_err(|e| SyncError::Aws {
            action: format!("updating {name}'s code"),
            message: aws_sdk_lambda::error::DisplayErrorContext(e).to_string(),
        })?;
    // The update runs on after the call returns; the function serves the
    // new code once LastUpdateStatus is Successful:
    // https://docs.aws.amazon.com/lambda/latest/dg/functions-states.html
    for _ in 0..120 {
        let config = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(aws(format!("reading {name}'s state")))?;
        match config.last_update_status().map(|s| s.as_str()) {
            Some("InProgress") => tokio::time::sleep(std::time::Duration::from_millis(500)).await,
            Some("Failed") => {
                return Err(SyncError::Aws {
                    action: format!("updating {name}'s code"),
                    message: config
                        .last_update_status_reason()
                        .unwrap_or("the update failed")
                        .to_owned(),
                })
            }
            _ => break,
        }
    }
    Ok(updated.code_sha256().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_files_added_removed_or_touched() {
        let dir = std::env::temp_dir().join(format!("stack-deploy-sync-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/.hidden")).unwrap();
        std::fs::write(dir.join("src/a.rs"), "a").unwrap();
        std::fs::write(dir.join("src/.hidden/x"), "x").unwrap();
        let roots = [dir.join("src"), dir.join("missing.toml")];
        let before = Snapshot::take(&roots).unwrap();
        assert_eq!(before.0.len(), 1, "hidden files are not watched");
        assert!(Snapshot::take(&roots)
            .unwrap()
            .changed_since(&before)
            .is_empty());
        std::fs::write(dir.join("src/b.rs"), "b").unwrap();
        let file = std::fs::File::options()
            .write(true)
            .open(dir.join("src/a.rs"))
            .unwrap();
        file.set_modified(SystemTime::now() + std::time::Duration::from_secs(5))
            .unwrap();
        let after = Snapshot::take(&roots).unwrap();
        assert_eq!(
            after.changed_since(&before),
            [dir.join("src/a.rs"), dir.join("src/b.rs")]
        );
        std::fs::remove_file(dir.join("src/b.rs")).unwrap();
        assert_eq!(
            Snapshot::take(&roots).unwrap().changed_since(&after),
            [dir.join("src/b.rs")]
        );
    }
}
