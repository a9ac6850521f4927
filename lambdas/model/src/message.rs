//! The visit message the edge recorder sends and the processor reads.

use serde::{Deserialize, Serialize};

/// The message version this code writes and reads.
pub const VERSION: u32 = 1;

/// One viewer request, as the edge recorder saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitMessage {
    /// Message format version ([`VERSION`]).
    pub v: u32,
    /// CloudFront's request ID: the same visit redelivered has the same ID.
    #[serde(default)]
    pub id: String,
    /// The client's IP address.
    pub ip: String,
    /// The requested path (no query string).
    pub path: String,
    /// Whether the site serves `path` (the recorder's list of the site's
    /// files); messages from before the list say nothing and count as served.
    #[serde(default = "served_by_default")]
    pub served: bool,
    /// The HTTP method.
    #[serde(default = "default_method")]
    pub method: String,
    /// The `User-Agent` header.
    #[serde(default)]
    pub user_agent: String,
    /// The `Referer` header, sent only when the owner turns
    /// `record_referer` on (empty otherwise, and then left out).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub referer: String,
    /// When the request arrived (RFC 3339, UTC).
    pub time: String,
}

fn default_method() -> String {
    "GET".into()
}

fn served_by_default() -> bool {
    true
}

/// Why a message body is not a visit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// Not JSON, or missing a field.
    #[error("not a visit message: {0}")]
    Malformed(String),
    /// A version this code does not know.
    #[error("unsupported message version {0} (this code reads version {VERSION})")]
    Version(u32),
    /// A field with a value no request has.
    #[error("invalid `{field}`: {problem}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl VisitMessage {
    /// Parses and checks a message body.
    pub fn parse(body: &str) -> Result<Self, MessageError> {
        let message: VisitMessage =
            serde_json::from_str(body).map_err(|e| MessageError::Malformed(e.to_string()))?;
        if message.v != VERSION {
            return Err(MessageError::Version(message.v));
        }
        if message.ip.is_empty()
            || message.ip.len() > 64
            || message
                .ip
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(MessageError::Invalid {
                field: "ip",
                problem: format!("{:?} is not an address", truncate(&message.ip, 80)),
            });
        }
        if !message.path.starts_with('/') {
            return Err(MessageError::Invalid {
                field: "path",
                problem: format!("{:?} does not start with /", truncate(&message.path, 80)),
            });
        }
        if message.time.len() < 20 || !message.time.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
            return Err(MessageError::Invalid {
                field: "time",
                problem: format!("{:?} is not an RFC 3339 time", truncate(&message.time, 80)),
            });
        }
        Ok(message)
    }

    /// The message as JSON (what the edge recorder sends).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn truncate(text: &str, max: usize) -> &str {
    match text.char_indices().nth(max) {
        Some((i, _)) => &text[..i],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VisitMessage {
        VisitMessage {
            v: 1,
            id: "req-1".into(),
            ip: "203.0.113.9".into(),
            path: "/".into(),
            served: true,
            method: "GET".into(),
            user_agent: "ua".into(),
            referer: String::new(),
            time: "2026-11-22T05:00:00Z".into(),
        }
    }

    #[test]
    fn round_trip() {
        let m = sample();
        assert_eq!(VisitMessage::parse(&m.to_json()).unwrap(), m);
    }

    #[test]
    fn rejects_what_is_not_a_visit() {
        assert!(matches!(
            VisitMessage::parse("not json"),
            Err(MessageError::Malformed(_))
        ));
        assert!(matches!(
            VisitMessage::parse("{}"),
            Err(MessageError::Malformed(_))
        ));
        let mut m = sample();
        m.v = 2;
        assert_eq!(
            VisitMessage::parse(&m.to_json()),
            Err(MessageError::Version(2))
        );
        let mut m = sample();
        m.path = "index.html".into();
        assert!(matches!(
            VisitMessage::parse(&m.to_json()),
            Err(MessageError::Invalid { field: "path", .. })
        ));
        let mut m = sample();
        m.ip = String::new();
        assert!(matches!(
            VisitMessage::parse(&m.to_json()),
            Err(MessageError::Invalid { field: "ip", .. })
        ));
        let mut m = sample();
        m.time = "yesterday".into();
        assert!(matches!(
            VisitMessage::parse(&m.to_json()),
            Err(MessageError::Invalid { field: "time", .. })
        ));
    }
}
