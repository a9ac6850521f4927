//! Reading every source at once, interleaved by time, and again for what
//! arrived since (following).

use std::collections::{BTreeMap, HashMap};

use aws_config::SdkConfig;

use crate::cloudwatch::{client, events_from};
use crate::local::{read_from, FilePosition};
use crate::{readable, Line, LogsError, Place, Source};

/// How late an event may reach CloudWatch Logs (after events of other
/// streams with later times) and still be returned when following: each
/// read asks again from this far before the newest event seen, and drops
/// the ones it returned already.
pub const LATE_MS: i64 = 60_000;

/// Which lines to return.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Lines written from this time on, in milliseconds since the epoch.
    pub start_ms: i64,
    /// Only lines containing this text (case-sensitive), as written or as
    /// [`readable`] prints them.
    pub filter: Option<String>,
}

/// What one read returned.
#[derive(Debug, Default)]
pub struct Batch {
    /// The new lines of every source read, oldest first.
    pub lines: Vec<Line>,
    /// The sources that could not be read this time, by name, and why
    /// (they are asked again from where they were by the next read).
    pub errors: Vec<(String, LogsError)>,
}

/// Where a source's reading stopped.
#[derive(Debug)]
enum Cursor {
    /// A file's position.
    File(FilePosition),
    /// A group's newest event time, and the events returned from
    /// [`LATE_MS`] before it on (ID → time).
    Group(i64, HashMap<String, i64>),
}

/// Reads sources, each time returning the lines not returned before.
#[derive(Debug)]
pub struct Reader {
    sources: Vec<Source>,
    query: Query,
    sdk: Option<SdkConfig>,
    cursors: BTreeMap<usize, Cursor>,
}

impl Reader {
    /// A reader of `sources`; log groups need [`Reader::with_aws`].
    pub fn new(sources: Vec<Source>, query: Query) -> Self {
        Reader {
            sources,
            query,
            sdk: None,
            cursors: BTreeMap::new(),
        }
    }

    /// Log groups are read with this configuration (credentials, endpoint,
    /// default Region).
    pub fn with_aws(mut self, sdk: SdkConfig) -> Self {
        self.sdk = Some(sdk);
        self
    }

    /// The sources read.
    pub fn sources(&self) -> &[Source] {
        &self.sources
    }

    /// The lines written since the last call (since the query's start on
    /// the first), of every source that could be read, oldest first; lines
    /// of one source at the same time keep their order.
    pub async fn next(&mut self) -> Batch {
        let start_ms = self.query.start_ms;
        let reads = self.sources.iter().enumerate().map(|(i, source)| {
            let cursor = self.cursors.remove(&i);
            let sdk = self.sdk.clone();
            async move {
                let read = read_source(source, cursor, start_ms, sdk.as_ref()).await;
                (i, read)
            }
        });
        let mut batch = Batch::default();
        for (i, (cursor, read)) in futures::future::join_all(reads).await {
            if let Some(cursor) = cursor {
                self.cursors.insert(i, cursor);
            }
            match read {
                Ok(mut lines) => batch.lines.append(&mut lines),
                Err(error) => batch.errors.push((self.sources[i].name.clone(), error)),
            }
        }
        if let Some(filter) = &self.query.filter {
            batch.lines.retain(|l| {
                l.text.contains(filter.as_str()) || readable(&l.text).contains(filter.as_str())
            });
        }
        batch.lines.sort_by_key(|l| l.time_ms);
        batch
    }
}

/// One source's new lines, and its cursor for the next read (unchanged
/// when the read failed).
async fn read_source(
    source: &Source,
    cursor: Option<Cursor>,
    start_ms: i64,
    sdk: Option<&SdkConfig>,
) -> (Option<Cursor>, Result<Vec<Line>, LogsError>) {
    match &source.place {
        Place::File(path) => {
            let at = match cursor {
                Some(Cursor::File(at)) => at,
                _ => FilePosition::default(),
            };
            match read_from(path, &source.name, at.clone()) {
                Ok((lines, end)) => (
                    Some(Cursor::File(end)),
                    Ok(lines
                        .into_iter()
                        .filter(|l| l.time_ms >= start_ms)
                        .collect()),
                ),
                Err(e) => (Some(Cursor::File(at)), Err(e)),
            }
        }
        Place::Group { group, region } => {
            let (newest, mut seen) = match cursor {
                Some(Cursor::Group(t, seen)) => (t, seen),
                _ => (start_ms, HashMap::new()),
            };
            let Some(sdk) = sdk else {
                return (
                    Some(Cursor::Group(newest, seen)),
                    Err(LogsError::CloudWatch {
                        group: group.clone(),
                        region: region.clone().unwrap_or_default(),
                        message: "no AWS configuration was given to read it with".into(),
                    }),
                );
            };
            let from = (newest - LATE_MS).max(start_ms);
            let client = client(sdk, region.as_deref());
            let events = match events_from(&client, &source.name, group, from).await {
                Ok(events) => events,
                Err(e) => return (Some(Cursor::Group(newest, seen)), Err(e)),
            };
            let mut newest = newest;
            let mut lines = Vec::new();
            for (id, line) in events {
                if seen.contains_key(&id) {
                    continue;
                }
                newest = newest.max(line.time_ms);
                seen.insert(id, line.time_ms);
                lines.push(line);
            }
            seen.retain(|_, t| *t >= newest - LATE_MS);
            (Some(Cursor::Group(newest, seen)), Ok(lines))
        }
    }
}
