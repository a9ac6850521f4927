//! The names the uploads pipeline's stack and functions share, declared
//! once: the stack sets these environment variables and the functions read
//! them; the index table's items have these keys.

/// Environment variables the stack sets on both functions.
pub mod env {
    /// The index table's name.
    pub const TABLE: &str = "INDEX_TABLE";
}

/// The index table: one item per indexed upload, one per hour with the
/// hour's totals, one per hourly report.
pub mod table {
    /// The partition key (string).
    pub const PK: &str = "pk";
    /// An upload's object key; an hour's or a report's hour.
    pub const KEY: &str = "key";
    /// An upload's size in bytes.
    pub const SIZE: &str = "size";
    /// When S3 says the object was written (RFC 3339).
    pub const WRITTEN_AT: &str = "written_at";
    /// An hour's (or a report's) number of uploads.
    pub const UPLOADS: &str = "uploads";
    /// An hour's (or a report's) bytes uploaded.
    pub const BYTES: &str = "bytes";

    /// The item of one upload event (`event` tells it from other events on
    /// the same key), so a second delivery of the same event has the same item.
    pub fn upload_pk(key: &str, event: &str) -> String {
        format!("upload#{key}#{event}")
    }

    /// The item holding an hour's totals (`hour` as [`super::hour`] writes it).
    pub fn hour_pk(hour: &str) -> String {
        format!("hour#{hour}")
    }

    /// The item of the report on an hour.
    pub fn report_pk(hour: &str) -> String {
        format!("report#{hour}")
    }
}

/// The hour of an RFC 3339 time, as the items name it (`2026-12-01T17`):
/// its first 13 characters. `None` when it is not such a time.
pub fn hour(rfc3339: &str) -> Option<&str> {
    let hour = rfc3339.get(..13)?;
    let b = hour.as_bytes();
    let digits = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_digit);
    (digits(0..4) && b[4] == b'-' && digits(5..7) && b[7] == b'-' && digits(8..10))
        .then_some(())
        .filter(|()| b[10] == b'T' && digits(11..13))
        .map(|()| hour)
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_hour_is_the_first_thirteen_characters_of_a_time() {
        assert_eq!(
            super::hour("2026-12-01T17:04:05.123Z"),
            Some("2026-12-01T17")
        );
        assert_eq!(super::hour("2026-12-01 17:04"), None);
        assert_eq!(super::hour("yesterday"), None);
        assert_eq!(super::hour(""), None);
    }
}
