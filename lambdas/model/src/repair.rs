//! The repair message: what the processor hands over to its own queue when
//! an addition to a path or the totals item is still unresolved after its
//! retries (see the processor's documentation for the protocol). Only the
//! processor writes and reads it; it travels on the visit queue beside the
//! edge recorder's visit messages, so a repair that fails again is retried
//! by SQS and, after the queue's receive count, kept in its dead-letter queue.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The repair format version this code writes and reads.
pub const VERSION: u32 = 1;

/// One repair, as the processor sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepairMessage {
    /// Format version ([`VERSION`]).
    pub repair_v: u32,
    /// What to repair.
    pub repair: Repair,
}

/// What a repair does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Repair {
    /// An addition to apply exactly once: the very write that failed, with
    /// its writer attribute and stamp.
    Add(Addition),
    /// One visitor's visits whose commit may have landed with `token`
    /// (the call that sent it could not read the visitor item back): if it
    /// did, they are added everywhere; if not, they are committed again.
    Visits {
        /// The visitor item's key (the day's salt may be gone by the time
        /// the repair runs).
        key: String,
        /// The commit's token.
        token: String,
        /// The writer attribute the visits' additions set (this repair's
        /// own: a second delivery of the repair adds nothing again).
        writer: String,
        /// The stamp they set it to.
        stamp: String,
        /// The visits, each with its visit ID in `id`.
        messages: Vec<crate::message::VisitMessage>,
    },
    /// Pages whose view counts the top pages item may lack.
    TopPages {
        /// The pages (normalized paths).
        paths: Vec<String>,
    },
}

impl Repair {
    /// The writer attribute whose stamp makes applying the repair twice
    /// apply it once (none for top pages merges, which are idempotent).
    pub fn writer(&self) -> Option<&str> {
        match self {
            Repair::Add(addition) => Some(&addition.writer),
            Repair::Visits { writer, .. } => Some(writer),
            Repair::TopPages { .. } => None,
        }
    }
}

/// An addition to one aggregate item, stamped so that applying it twice
/// applies it once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addition {
    /// The item.
    pub item: AggregateItem,
    /// Attribute name to amount added.
    pub add: BTreeMap<String, u64>,
    /// The writer attribute (`w_...`) the addition sets.
    pub writer: String,
    /// The value it sets it to (the batch's token).
    pub stamp: String,
}

/// Which aggregate item an addition is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "table", rename_all = "snake_case")]
pub enum AggregateItem {
    /// A path's item in the paths table.
    Path {
        /// The normalized path.
        path: String,
        /// Whether it is a page.
        page: bool,
    },
    /// The totals item.
    Totals,
}

impl RepairMessage {
    /// A repair message, or `None` when `body` is not one (a visit message,
    /// or something else for the visit parser to refuse).
    pub fn parse(body: &str) -> Option<Result<RepairMessage, String>> {
        // Cheap test first: every visit message lacks the field.
        if !body.contains("\"repair_v\"") {
            return None;
        }
        let value: serde_json::Value = serde_json::from_str(body).ok()?;
        value.get("repair_v")?;
        Some(match serde_json::from_value::<RepairMessage>(value) {
            Ok(m) if m.repair_v == VERSION => Ok(m),
            Ok(m) => Err(format!(
                "unsupported repair version {} (this code reads version {VERSION})",
                m.repair_v
            )),
            Err(e) => Err(format!("not a repair message: {e}")),
        })
    }

    /// The message as JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_visits_are_not_repairs() {
        let m = RepairMessage {
            repair_v: VERSION,
            repair: Repair::Add(Addition {
                item: AggregateItem::Path {
                    path: "/".into(),
                    page: true,
                },
                add: [("count".to_owned(), 2), ("views".to_owned(), 1)]
                    .into_iter()
                    .collect(),
                writer: "w_AAAAbbbbbb".into(),
                stamp: "CCCCdddd".into(),
            }),
        };
        assert_eq!(RepairMessage::parse(&m.to_json()), Some(Ok(m)));
        let top = RepairMessage {
            repair_v: VERSION,
            repair: Repair::TopPages {
                paths: vec!["/a".into()],
            },
        };
        assert_eq!(RepairMessage::parse(&top.to_json()), Some(Ok(top)));
        let visit = r#"{"v":1,"id":"r","ip":"192.0.2.1","path":"/","time":"2026-11-22T05:00:00Z"}"#;
        assert_eq!(RepairMessage::parse(visit), None);
        assert!(matches!(
            RepairMessage::parse(r#"{"repair_v":1,"repair":{"kind":"nope"}}"#),
            Some(Err(_))
        ));
        assert!(matches!(
            RepairMessage::parse(r#"{"repair_v":9,"repair":{"kind":"top_pages","paths":[]}}"#),
            Some(Err(e)) if e.contains("version 9")
        ));
    }
}
