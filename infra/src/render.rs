//! Rendering: canonical JSON (sorted keys, two-space indent, final newline) and
//! YAML, the same bytes on every run and platform.

use crate::json::Json;

/// Largest template body CloudFormation accepts from S3 (`TemplateURL`).
pub const MAX_BODY_BYTES: usize = 1_048_576;

/// Largest template body CloudFormation accepts inline (`TemplateBody`).
pub const MAX_INLINE_BODY_BYTES: usize = 51_200;

/// A validated template, ready to print, write or send.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    json: Json,
    text: String,
    compact: String,
}

impl Rendered {
    pub(crate) fn new(json: Json) -> Self {
        let mut text = serde_json::to_string_pretty(&json).unwrap_or_default();
        text.push('\n');
        let compact = serde_json::to_string(&json).unwrap_or_default();
        Rendered {
            json,
            text,
            compact,
        }
    }

    /// The document as a JSON value (keys in canonical order).
    pub fn json(&self) -> &Json {
        &self.json
    }

    /// Canonical JSON text, pretty-printed (for people and snapshots).
    pub fn json_text(&self) -> &str {
        &self.text
    }

    /// The same JSON without whitespace: what a deploy sends, since
    /// CloudFormation counts every byte of a body against its limits.
    pub fn compact_text(&self) -> &str {
        &self.compact
    }

    /// YAML text, with the same key order as the JSON.
    pub fn yaml_text(&self) -> String {
        // Serializing a `serde_json::Value` cannot fail: every key is a string.
        serde_yaml_ng::to_string(&self.json).unwrap_or_default()
    }

    /// Whether the compact body fits `TemplateBody` (51,200 bytes); larger
    /// bodies must be uploaded to S3 and passed as `TemplateURL`.
    pub fn fits_inline(&self) -> bool {
        self.compact.len() <= MAX_INLINE_BODY_BYTES
    }
}
