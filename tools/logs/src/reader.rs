//! Reading every source at once, interleaved by time, and again for what
//! arrived since (following).

use std::collections::{BTreeMap, HashSet};

use aws_config::SdkConfig;

use crate::cloudwatch::{client, events_from};
use crate::local::read_from;
use crate::{Line, LogsError, Place, Source};

/// Which lines to return.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Lines written from this time on, in milliseconds since the epoch.
    pub start_ms: i64,
    /// Only lines containing this text (case-sensitive, as written).
    pub filter: Option<String>,
}

/// Where a source's reading stopped.
#[derive(Debug, Default)]
enum Cursor {
    #[default]
    Start,
    /// A file's byte offset.
    Offset(u64),
    /// A group's latest event time, and the IDs of its events at that time
    /// already returned.
    Time(i64, HashSet<String>),
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
    /// the first), of every source, oldest first; lines of one source at
    /// the same time keep their order.
    pub async fn next(&mut self) -> Result<Vec<Line>, LogsError> {
        let start_ms = self.query.start_ms;
        let reads = self.sources.iter().enumerate().map(|(i, source)| {
            let cursor = self.cursors.remove(&i).unwrap_or_default();
            let sdk = self.sdk.clone();
            async move {
                let read = read_source(source, cursor, start_ms, sdk.as_ref()).await;
                (i, read)
            }
        });
        let mut lines = Vec::new();
        let mut first_error = None;
        for (i, read) in futures::future::join_all(reads).await {
            match read {
                Ok((cursor, mut read)) => {
                    self.cursors.insert(i, cursor);
                    lines.append(&mut read);
                }
                Err((cursor, error)) => {
                    self.cursors.insert(i, cursor);
                    first_error.get_or_insert(error);
                }
            }
        }
        if let Some(error) = first_error {
            return Err(error);
        }
        if let Some(filter) = &self.query.filter {
            lines.retain(|l| l.text.contains(filter.as_str()));
        }
        lines.sort_by_key(|l| l.time_ms);
        Ok(lines)
    }
}

async fn read_source(
    source: &Source,
    cursor: Cursor,
    start_ms: i64,
    sdk: Option<&SdkConfig>,
) -> Result<(Cursor, Vec<Line>), (Cursor, LogsError)> {
    match &source.place {
        Place::File(path) => {
            let offset = match cursor {
                Cursor::Offset(o) => o,
                _ => 0,
            };
            match read_from(path, &source.name, offset) {
                Ok((lines, end)) => Ok((
                    Cursor::Offset(end),
                    lines
                        .into_iter()
                        .filter(|l| l.time_ms >= start_ms)
                        .collect(),
                )),
                Err(e) => Err((Cursor::Offset(offset), e)),
            }
        }
        Place::Group { group, region } => {
            let (from, mut seen) = match cursor {
                Cursor::Time(t, seen) => (t, seen),
                _ => (start_ms, HashSet::new()),
            };
            let Some(sdk) = sdk else {
                return Err((
                    Cursor::Time(from, seen),
                    LogsError::CloudWatch {
                        group: group.clone(),
                        region: region.clone().unwrap_or_default(),
                        message: "no AWS configuration was given to read it with".into(),
                    },
                ));
            };
            let events =
                match events_from(&client(sdk, region.as_deref()), &source.name, group, from).await
                {
                    Ok(events) => events,
                    Err(e) => return Err((Cursor::Time(from, seen), e)),
                };
            let mut latest = from;
            let mut lines = Vec::new();
            for (id, line) in events {
                if line.time_ms == from && seen.contains(&id) {
                    continue;
                }
                if line.time_ms > latest {
                    latest = line.time_ms;
                    seen.clear();
                }
                if line.time_ms == latest {
                    seen.insert(id);
                }
                lines.push(line);
            }
            Ok((Cursor::Time(latest, seen), lines))
        }
    }
}
