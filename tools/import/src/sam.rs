//! SAM templates expanded with AWS's own transform: `aws-sam-translator`
//! (pinned in the project's Python environment) runs `sam_expand.py` on
//! the template, offline, and the result is plain CloudFormation.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value as Json;

use crate::ImportError;

/// The transform that marks a SAM template.
pub use infra::transforms::SERVERLESS;

const SCRIPT: &str = include_str!("../sam_expand.py");

/// Whether `doc` declares the SAM transform.
pub fn is_sam(doc: &Json) -> bool {
    match doc.get("Transform") {
        Some(Json::String(one)) => one == SERVERLESS,
        Some(Json::Array(many)) => many.iter().any(|t| t.as_str() == Some(SERVERLESS)),
        _ => false,
    }
}

/// `doc` expanded by the SAM transform, run with `python` (an interpreter
/// that has `aws-sam-translator`).
pub fn expand(python: &Path, doc: &Json) -> Result<Json, ImportError> {
    let failed = |problem: String| ImportError::Sam(problem);
    let mut child = Command::new(python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run {} ({e})", python.display())))?;
    let written = child
        .stdin
        .take()
        .map(|mut stdin| stdin.write_all(doc.to_string().as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| failed(format!("waiting for the transform: {e}")))?;
    let stderr = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if out.status.code() == Some(2) {
        return Err(ImportError::SamRejected(stderr));
    }
    if !out.status.success() {
        return Err(failed(format!(
            "the transform failed ({}): {stderr}",
            out.status
        )));
    }
    if let Some(Err(e)) = written {
        return Err(failed(format!("writing the template to it: {e}")));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| failed(format!("its output is not JSON ({e})")))
}
