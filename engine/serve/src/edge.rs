//! A Lambda@Edge function (Python, inline code) run as CloudFront runs it:
//! its code taken from the template with `Fn::Sub` filled as on AWS (a `Ref`
//! to a queue is the queue's URL), loaded once by the managed Python, and
//! called once per viewer request over a line-per-event pipe.

use std::path::Path;
use std::process::Stdio;

use infra::Template;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout};
use tokio::sync::Mutex;

use crate::error::{Result, ServeError};
use crate::functions::Tools;

/// Loads the handler and answers one JSON event per line.
const HARNESS: &str = r#"
import datetime, json, logging, sys, traceback, types
source_path, handler_name, log_path = sys.argv[1], sys.argv[2], sys.argv[3]

class JsonLines(logging.Formatter):
    """One JSON line per record, with its time (what `cargo xtask logs` reads)."""
    def format(self, record):
        time = datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc)
        line = {"timestamp": time.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "level": record.levelname, "message": record.getMessage()}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line)

handler_out = logging.FileHandler(log_path)
handler_out.setFormatter(JsonLines())
logging.getLogger().addHandler(handler_out)
module = types.ModuleType("index")
exec(compile(open(source_path).read(), "index.py", "exec"), module.__dict__)
handler = getattr(module, handler_name)
for line in sys.stdin:
    try:
        answer = {"ok": handler(json.loads(line), None)}
    except Exception as error:
        traceback.print_exc()
        answer = {"error": repr(error)}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
"#;

/// A running edge function.
pub struct EdgeHost {
    _child: Child,
    pipe: Mutex<(ChildStdin, Lines<BufReader<ChildStdout>>)>,
}

/// The inline code of `function` in `template`, with `Fn::Sub` filled:
/// `${Name}` from the substitution map (each a literal or a `Ref` that
/// `reference` resolves) or a pseudo parameter.
pub fn inline_code(
    template: &Template,
    function: &str,
    reference: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String)> {
    let problem = |problem: String| ServeError::EdgeCode {
        function: function.to_owned(),
        problem,
    };
    let resource = template
        .resource(function)
        .ok_or_else(|| problem("the template has no such function".into()))?;
    let props = resource.properties();
    let runtime = props["Runtime"].as_str().unwrap_or_default();
    if !runtime.starts_with("python") {
        return Err(problem(format!(
            "it runs {runtime}; only Python edge functions run locally"
        )));
    }
    let handler = props["Handler"]
        .as_str()
        .and_then(|h| h.split_once('.'))
        .map(|(_, name)| name.to_owned())
        .ok_or_else(|| problem("it has no Handler of the form module.function".into()))?;
    let code = &props["Code"]["ZipFile"];
    let text = match code {
        Value::String(s) => s.clone(),
        other => {
            let sub = other
                .get("Fn::Sub")
                .ok_or_else(|| problem("its inline code is neither text nor Fn::Sub".into()))?;
            let (text, vars) = match sub {
                Value::String(s) => (s.clone(), Value::Null),
                Value::Array(a) => (
                    a.first()
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    a.get(1).cloned().unwrap_or(Value::Null),
                ),
                _ => return Err(problem("its Fn::Sub is malformed".into())),
            };
            substitute(&text, &vars, reference).map_err(problem)?
        }
    };
    Ok((text, handler))
}

/// `Fn::Sub`: `${Name}` replaced, `${!Name}` kept literally as `${Name}`.
fn substitute(
    text: &str,
    vars: &Value,
    reference: &dyn Fn(&str) -> Option<String>,
) -> std::result::Result<String, String> {
    let resolve = |id: &str| {
        reference(id).ok_or_else(|| format!("the stack has no resource {id} to fill ${{{id}}}"))
    };
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| "an unclosed ${ in Fn::Sub".to_owned())?;
        let name = &after[..end];
        if let Some(literal) = name.strip_prefix('!') {
            out.push_str("${");
            out.push_str(literal);
            out.push('}');
        } else {
            let value = match &vars[name] {
                Value::String(s) => s.clone(),
                Value::Object(map) if map.contains_key("Ref") => {
                    resolve(map["Ref"].as_str().unwrap_or_default())?
                }
                Value::Null => match name {
                    "AWS::Region" => emulator::REGION.to_owned(),
                    "AWS::Partition" => "aws".to_owned(),
                    "AWS::URLSuffix" => "amazonaws.com".to_owned(),
                    other => resolve(other)?,
                },
                other => return Err(format!("cannot fill ${{{name}}} from {other}")),
            };
            out.push_str(&value);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

impl EdgeHost {
    /// Starts the managed Python on `code` (written to `dir`); what the
    /// function logs goes to `log`, one JSON line per record.
    pub async fn start(
        tools: &Tools,
        code: &str,
        handler: &str,
        dir: &Path,
        log: &Path,
        endpoint: &str,
    ) -> Result<Self> {
        std::fs::create_dir_all(dir)
            .map_err(ServeError::io(format!("creating {}", dir.display())))?;
        let source = dir.join("index.py");
        std::fs::write(&source, code)
            .map_err(ServeError::io(format!("writing {}", source.display())))?;
        let mut child = tokio::process::Command::new(tools.bin_dir.join("python"))
            .args(["-u", "-c", HARNESS])
            .arg(&source)
            .arg(handler)
            .arg(log)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ACCESS_KEY_ID", emulator::ACCESS_KEY)
            .env("AWS_SECRET_ACCESS_KEY", emulator::ACCESS_KEY)
            .env("AWS_REGION", emulator::REGION)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                ServeError::Start(format!(
                    "starting the edge function under {}/python: {e}",
                    tools.bin_dir.display()
                ))
            })?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(ServeError::Start(
                "the edge function's pipes did not open".into(),
            ));
        };
        Ok(EdgeHost {
            _child: child,
            pipe: Mutex::new((stdin, BufReader::new(stdout).lines())),
        })
    }

    /// Runs the handler on `event`; its return value, or the error it raised.
    pub async fn invoke(&self, event: &Value) -> Result<Value, String> {
        let mut pipe = self.pipe.lock().await;
        let (stdin, lines) = &mut *pipe;
        let mut line = event.to_string();
        line.push('\n');
        stdin
            .write_all(line.as_bytes())
            .await
            .map_err(|e| format!("the edge function is gone: {e}"))?;
        let answer = lines
            .next_line()
            .await
            .map_err(|e| format!("reading the edge function's answer: {e}"))?
            .ok_or_else(|| "the edge function exited".to_owned())?;
        let answer: Value = serde_json::from_str(&answer)
            .map_err(|e| format!("the edge function answered {answer:?}: {e}"))?;
        match answer.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(answer["error"].as_str().unwrap_or("failed").to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn substitution_fills_refs_literals_and_pseudo_parameters() {
        let vars = json!({ "QueueUrl": { "Ref": "Visits" }, "Skip": "[\"/api/\"]" });
        let reference = |id: &str| (id == "Visits").then(|| "http://127.0.0.1:1/123/q".to_owned());
        let out = substitute(
            "Q=\"${QueueUrl}\" S=${Skip} R=${AWS::Region} L=${!Literal}",
            &vars,
            &reference,
        )
        .unwrap();
        assert_eq!(
            out,
            "Q=\"http://127.0.0.1:1/123/q\" S=[\"/api/\"] R=us-east-1 L=${Literal}"
        );
        assert!(substitute("${Missing}", &vars, &reference).is_err());
    }
}
