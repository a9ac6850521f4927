//! Every AWS request an SDK client sends, recorded: an interceptor that
//! appends one JSON line per operation to a file, so that a test run can be
//! checked against the IAM policies the code will run with on AWS
//! (`infra::access`). The line's shape is `infra::access::calls::Call`:
//!
//! ```json
//! {"principal":"processor","service":"DynamoDB","operation":"GetItem",
//!  "method":"POST","uri":"http://127.0.0.1:5000/","params":{"TableName":["visits"]}}
//! ```
//!
//! The Python edge recorder's tests write the same shape from botocore's
//! event hooks; a contract test reads both.
//!
//! Recording is off unless [`FILE_VAR`] names a file, so the functions carry
//! the interceptor on AWS at no cost. Lines are appended with one `write`
//! each (`O_APPEND`), so several processes can share one file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::{json, Value};

/// The environment variable naming the file to append records to.
pub const FILE_VAR: &str = "ACCESS_RECORD_FILE";

/// The environment variable naming the principal, where the process is not
/// a Lambda function (whose name, `AWS_LAMBDA_FUNCTION_NAME`, comes first).
pub const PRINCIPAL_VAR: &str = "ACCESS_RECORD_PRINCIPAL";

/// Longest parameter value recorded (template bodies and items are skipped).
const MAX_VALUE: usize = 2048;

/// Records each operation of the clients it is installed in.
#[derive(Debug, Clone)]
pub struct Recorder {
    file: PathBuf,
    principal: Option<String>,
}

impl Recorder {
    /// A recorder appending to `file`, naming `principal` unless the
    /// process is a Lambda function.
    pub fn new(file: impl Into<PathBuf>, principal: Option<String>) -> Self {
        Recorder {
            file: file.into(),
            principal,
        }
    }

    /// The recorder [`FILE_VAR`] asks for, if any.
    pub fn from_env() -> Option<Self> {
        let file = std::env::var_os(FILE_VAR).filter(|f| !f.is_empty())?;
        Some(Recorder::new(file, std::env::var(PRINCIPAL_VAR).ok()))
    }

    fn principal(&self) -> String {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME")
            .ok()
            .filter(|n| !n.is_empty())
            .or_else(|| self.principal.clone())
            .unwrap_or_else(|| "unknown".to_owned())
    }

    fn append(&self, record: &Value) -> std::io::Result<()> {
        let mut line = record.to_string();
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.file)?;
        file.write_all(line.as_bytes())
    }
}

/// Marks an operation as recorded, so its retries are not recorded again.
#[derive(Debug, Clone)]
struct Recorded;

impl Storable for Recorded {
    type Storer = StoreReplace<Self>;
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        "AccessRecorder"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Recorded>().is_some() {
            return Ok(());
        }
        let (service, operation) = match cfg.load::<Metadata>() {
            Some(m) => (m.service().to_owned(), m.name().to_owned()),
            None => return Ok(()),
        };
        cfg.interceptor_state().store_put(Recorded);
        let request = context.request();
        let content_type = request
            .headers()
            .get("content-type")
            .unwrap_or_default()
            .to_owned();
        let params = params(request.body().bytes().unwrap_or_default(), &content_type);
        let record = json!({
            "principal": self.principal(),
            "service": service,
            "operation": operation,
            "method": request.method(),
            "uri": request.uri(),
            "params": params,
        });
        if let Err(e) = self.append(&record) {
            // Never fail the request over a record; say so where logs go.
            eprintln!(
                "access-record: cannot append to {}: {e}",
                self.file.display()
            );
        }
        Ok(())
    }
}

/// The resource-naming parameters of a request body: a JSON body's
/// top-level strings (an object's keys), a form body's fields.
pub fn params(body: &[u8], content_type: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    if content_type.contains("x-www-form-urlencoded") {
        for pair in String::from_utf8_lossy(body).split('&') {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = form_decode(v);
            if v.len() <= MAX_VALUE {
                out.entry(form_decode(k)).or_insert_with(Vec::new).push(v);
            }
        }
    } else if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        for (k, v) in map {
            match v {
                Value::String(s) if s.len() <= MAX_VALUE => {
                    out.insert(k, vec![s]);
                }
                Value::Object(o) => {
                    out.insert(k, o.keys().cloned().collect());
                }
                _ => {}
            }
        }
    }
    out
}

fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases the Python recorder (`lambdas/edge-recorder/conftest.py`)
    /// is held to as well.
    #[test]
    fn params_follow_the_shared_contract() {
        let cases: Value =
            serde_json::from_str(include_str!("../params-contract.json")).expect("json");
        for case in cases.as_array().expect("a list") {
            let got = params(
                case["body"].as_str().unwrap_or_default().as_bytes(),
                case["content_type"].as_str().unwrap_or_default(),
            );
            assert_eq!(json!(got), case["params"], "{}", case["what"]);
        }
    }
}
