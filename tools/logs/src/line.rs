//! One log line, and how it reads.

use serde_json::{Map, Value};

/// One line of one function's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// When it was written, in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The name of its [`crate::Source`].
    pub source: String,
    /// The line as written (JSON or text), without its line break.
    pub text: String,
}

impl Line {
    /// The line's time as RFC 3339 (UTC, milliseconds).
    pub fn time(&self) -> String {
        chrono::DateTime::from_timestamp_millis(self.time_ms)
            .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
            .unwrap_or_else(|| "-".into())
    }
}

/// A JSON line as one readable line; other text as it is.
///
/// Three shapes are known: the functions' own (tracing's JSON: `level`,
/// `fields.message` and the other fields, the invocation's `requestId` in
/// `span`), Lambda's JSON application logs (`level`, `message`,
/// `requestId`) and Lambda's platform events (`type` such as
/// `platform.report`, with its `record`). See
/// <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-advanced.html>.
/// Any other JSON object prints as its fields.
pub fn readable(text: &str) -> String {
    let text = text.trim_end();
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(text) else {
        return text.to_owned();
    };
    if let Some(kind) = object.get("type").and_then(Value::as_str) {
        if let Some(event) = kind.strip_prefix("platform.") {
            return platform(event, object.get("record"));
        }
    }
    let level = object
        .get("level")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_uppercase();
    let empty = Map::new();
    let fields = object
        .get("fields")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let message = fields
        .get("message")
        .or_else(|| object.get("message"))
        .map(scalar)
        .unwrap_or_default();
    let mut out = format!("{level:<5} {message}");
    let skip = [
        "level",
        "fields",
        "message",
        "span",
        "spans",
        "timestamp",
        "time",
        "requestId",
        "target",
    ];
    for (k, v) in fields
        .iter()
        .filter(|(k, _)| *k != "message")
        .chain(object.iter().filter(|(k, _)| !skip.contains(&k.as_str())))
    {
        out.push_str(&format!(" {k}={}", scalar(v)));
    }
    let request = object
        .get("span")
        .and_then(|s| s.get("requestId"))
        .or_else(|| object.get("requestId"))
        .and_then(Value::as_str);
    if let Some(id) = request {
        out.push_str(&format!(" [{}]", short(id)));
    }
    out
}

/// A platform event: `START`, `END`, `REPORT` with its figures, or the
/// event's name and its record's plain fields.
fn platform(event: &str, record: Option<&Value>) -> String {
    let record = record.and_then(Value::as_object);
    let get = |path: &[&str]| {
        let mut v = record.map(|r| Value::Object(r.clone()))?;
        for p in path {
            v = v.get(*p)?.clone();
        }
        Some(scalar(&v))
    };
    let request = get(&["requestId"])
        .map(|id| format!(" [{}]", short(&id)))
        .unwrap_or_default();
    match event {
        "start" => format!("START{request}"),
        "runtimeDone" => format!("END   {}{request}", get(&["status"]).unwrap_or_default()),
        "report" => {
            let mut out = String::from("REPORT");
            for (label, path, unit) in [
                ("duration", &["metrics", "durationMs"][..], "ms"),
                ("billed", &["metrics", "billedDurationMs"][..], "ms"),
                ("init", &["metrics", "initDurationMs"][..], "ms"),
                ("memory", &["metrics", "maxMemoryUsedMB"][..], ""),
            ] {
                if let Some(v) = get(path) {
                    out.push_str(&format!(" {label}={v}{unit}"));
                }
            }
            if let (Some(size), true) = (get(&["metrics", "memorySizeMB"]), out.contains("memory="))
            {
                out.push_str(&format!("/{size}MB"));
            }
            if let Some(status) = get(&["status"]).filter(|s| s != "success") {
                out.push_str(&format!(" status={status}"));
            }
            out.push_str(&request);
            out
        }
        other => {
            let mut out = other.to_owned();
            for (k, v) in record.into_iter().flatten() {
                if !v.is_object() && !v.is_array() && k != "requestId" {
                    out.push_str(&format!(" {k}={}", scalar(v)));
                }
            }
            out.push_str(&request);
            out
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A request ID's first eight characters: enough to tell invocations apart.
fn short(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_functions_json_reads_as_level_message_fields_and_request() {
        let line = r#"{"timestamp":"2026-12-01T10:00:00.1Z","level":"INFO","fields":{"message":"batch processed","counted":6,"failed":0},"span":{"requestId":"e32403f8-b3dd-4ad0-a3ac-8bbb2c25460b","name":"Lambda runtime invoke"},"spans":[]}"#;
        assert_eq!(
            readable(line),
            "INFO  batch processed counted=6 failed=0 [e32403f8]"
        );
    }

    #[test]
    fn lambdas_platform_events_read_as_start_end_and_report() {
        let report = r#"{"time":"2026-12-01T10:00:00.000Z","type":"platform.report","record":{"requestId":"6d68ca91-49c9-448d-89b8-7ca3e6dc66aa","metrics":{"durationMs":3.21,"billedDurationMs":4,"memorySizeMB":128,"maxMemoryUsedMB":22,"initDurationMs":41.5},"status":"success"}}"#;
        assert_eq!(
            readable(report),
            "REPORT duration=3.21ms billed=4ms init=41.5ms memory=22/128MB [6d68ca91]"
        );
        let start = r#"{"time":"x","type":"platform.start","record":{"requestId":"6d68ca91-49c9","version":"$LATEST"}}"#;
        assert_eq!(readable(start), "START [6d68ca91]");
        let app = r#"{"timestamp":"x","level":"ERROR","message":"visit not recorded","requestId":"79b4f56e-95b1-4643-9700-2807f4e68189"}"#;
        assert_eq!(readable(app), "ERROR visit not recorded [79b4f56e]");
    }

    #[test]
    fn text_stays_as_it_is() {
        assert_eq!(readable("plain words\n"), "plain words");
        assert_eq!(readable("[1, 2]"), "[1, 2]");
    }
}
