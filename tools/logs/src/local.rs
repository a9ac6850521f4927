//! Local log files: one per function, one line per event, appended to
//! while the functions run on this machine.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use serde_json::Value;

use crate::{Line, LogsError};

/// The field of a local JSON line that holds its time (RFC 3339), as
/// tracing's JSON format writes it.
pub const LOCAL_TIME_FIELD: &str = "timestamp";

/// How many of a file's first bytes tell it from a file written anew in
/// its place (a new run's first line carries its own time; an inode may be
/// reused at once).
const HEAD: usize = 64;

/// Where reading a file stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct FilePosition {
    /// The file's first bytes (up to [`HEAD`]) as read: a file whose first
    /// bytes differ was written anew, and is read from its start.
    head: Vec<u8>,
    /// The byte after the last complete line read.
    offset: u64,
    /// The time of the last line read, for lines without their own.
    last_time: i64,
}

/// The complete lines of `path` after `at`, and where they end (a line
/// still being written waits for its line break). A line without a time
/// of its own (plain text, such as a traceback) takes the time of the line
/// before it. A missing file has no lines yet; a file replaced or cut
/// shorter (a new local run) is read from its start.
pub(crate) fn read_from(
    path: &Path,
    source: &str,
    at: FilePosition,
) -> Result<(Vec<Line>, FilePosition), LogsError> {
    let error = |source| LogsError::File {
        path: path.to_owned(),
        source,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), at)),
        Err(e) => return Err(error(e)),
    };
    let length = file.metadata().map_err(error)?.len();
    let mut head = vec![0u8; at.head.len()];
    let same = length >= at.offset && file.read_exact(&mut head).is_ok() && head == at.head;
    let mut at = if same { at } else { FilePosition::default() };
    file.seek(SeekFrom::Start(at.offset)).map_err(error)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(error)?;
    if at.head.len() < HEAD {
        let end = (at.offset as usize + bytes.len()).min(HEAD);
        let known = at.head.len();
        at.head
            .extend_from_slice(&bytes[known - at.offset as usize..end - at.offset as usize]);
    }
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let mut lines = Vec::new();
    for raw in String::from_utf8_lossy(&bytes[..complete]).lines() {
        if raw.trim().is_empty() {
            continue;
        }
        let time_ms = time_of(raw).unwrap_or(at.last_time);
        at.last_time = time_ms;
        lines.push(Line {
            time_ms,
            source: source.to_owned(),
            text: raw.to_owned(),
        });
    }
    at.offset += complete as u64;
    Ok((lines, at))
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
        let (lines, at) = read_from(&path, "Processor", FilePosition::default()).unwrap();
        assert_eq!(at.head.len(), HEAD);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].time(), "2026-12-01T10:00:00.250Z");
        assert_eq!(lines[1].time_ms, lines[0].time_ms);
        assert_eq!(lines[1].source, "Processor");
        writeln!(file, r#","level":"WARN","fields":{{"message":"b"}}}}"#).unwrap();
        writeln!(file, "  a traceback's next line").unwrap();
        let (more, end) = read_from(&path, "Processor", at.clone()).unwrap();
        assert_eq!(more.len(), 2);
        assert_eq!(more[0].time(), "2026-12-01T10:00:01.000Z");
        assert_eq!(
            more[1].time_ms, more[0].time_ms,
            "a plain line takes the time before it"
        );
        assert_eq!(
            read_from(&path, "Processor", end.clone()).unwrap().0,
            Vec::new()
        );
        // A new run writes the file anew, longer than before: read from its start.
        drop(file);
        std::fs::remove_file(&path).unwrap();
        let mut file = std::fs::File::create(&path).unwrap();
        for i in 0..5 {
            writeln!(file, r#"{{"timestamp":"2026-12-01T11:00:0{i}Z","level":"INFO","fields":{{"message":"new {i}"}}}}"#).unwrap();
        }
        let (fresh, _) = read_from(&path, "Processor", end).unwrap();
        assert_eq!(fresh.len(), 5);
        assert!(fresh[0].text.contains("new 0"));
        let missing = read_from(&dir.join("absent.log"), "X", FilePosition::default()).unwrap();
        assert_eq!(missing, (Vec::new(), FilePosition::default()));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
