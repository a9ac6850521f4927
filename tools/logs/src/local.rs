//! Local log files: one per function, one line per event, appended to
//! while the functions run on this machine.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;

use crate::{Line, LogsError};

/// The field of a local JSON line that holds its time (RFC 3339), as
/// tracing's JSON format writes it.
pub const LOCAL_TIME_FIELD: &str = "timestamp";

/// The complete lines of `path` after byte `offset`, and the offset after
/// the last of them (a line still being written waits for its line break).
/// A line without a time of its own (plain text, such as a traceback) takes
/// the time of the line before it. A missing file has no lines yet.
pub(crate) fn read_from(
    path: &Path,
    source: &str,
    offset: u64,
) -> Result<(Vec<Line>, u64), LogsError> {
    let error = |source| LogsError::File {
        path: path.to_owned(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), offset)),
        Err(e) => return Err(error(e)),
    };
    let length = file.metadata().map_err(error)?.len();
    // A file written anew (a new local run) starts over.
    let offset = if length < offset { 0 } else { offset };
    file.seek(SeekFrom::Start(offset)).map_err(error)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(error)?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut lines = Vec::new();
    let mut last_time = 0;
    for raw in String::from_utf8_lossy(&bytes[..complete]).lines() {
        if raw.trim().is_empty() {
            continue;
        }
        let time_ms = time_of(raw).unwrap_or(last_time);
        last_time = time_ms;
        lines.push(Line {
            time_ms,
            source: source.to_owned(),
            text: raw.to_owned(),
        });
    }
    Ok((lines, offset + complete as u64))
}

fn time_of(raw: &str) -> Option<i64> {
    let value: Value = serde_json::from_str(raw).ok()?;
    let text = value.get(LOCAL_TIME_FIELD)?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn lines_are_read_once_and_a_partial_line_waits() {
        let dir = std::env::temp_dir().join(format!("stack-logs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("processor.log");
        let mut file = std::fs::File::create(&path).unwrap();
        writeln!(
            file,
            r#"{{"timestamp":"2026-12-01T10:00:00.250Z","level":"INFO","fields":{{"message":"a"}}}}"#
        )
        .unwrap();
        writeln!(file, "Traceback (most recent call last):").unwrap();
        write!(file, r#"{{"timestamp":"2026-12-01T10:00:01Z""#).unwrap();
        file.flush().unwrap();
        let (lines, offset) = read_from(&path, "Processor", 0).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].time(), "2026-12-01T10:00:00.250Z");
        assert_eq!(lines[1].time_ms, lines[0].time_ms);
        assert_eq!(lines[1].source, "Processor");
        writeln!(file, r#","level":"WARN","fields":{{"message":"b"}}}}"#).unwrap();
        let (more, end) = read_from(&path, "Processor", offset).unwrap();
        assert_eq!(more.len(), 1);
        assert_eq!(more[0].time(), "2026-12-01T10:00:01.000Z");
        assert_eq!(read_from(&path, "Processor", end).unwrap().0, Vec::new());
        let missing = read_from(&dir.join("absent.log"), "X", 0).unwrap();
        assert_eq!(missing, (Vec::new(), 0));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
