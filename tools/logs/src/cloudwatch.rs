//! CloudWatch Logs: a group's events after a time, and the groups an edge
//! function writes to.

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::config::Region;
use aws_sdk_cloudwatchlogs::Client;

use crate::{Line, LogsError, Place, Source};

/// The Regions searched for an edge function's log groups: every
/// commercial Region enabled in an account by default. Lambda@Edge writes
/// a replica's logs in the Region where it ran, closest to the viewer,
/// under `/aws/lambda/us-east-1.<name>`
/// (<https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/edge-functions-logs.html>);
/// Regions an account must opt in to are left out (they refuse requests
/// until enabled), and the caller may search others.
pub const EDGE_REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-central-1",
    "eu-north-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
];

/// The log group name an edge function's replicas write to, in every
/// Region (its home Region's name is part of it).
pub fn edge_group_prefix(function_name: &str) -> String {
    format!("/aws/lambda/us-east-1.{function_name}")
}

/// What [`edge_sources`] found.
#[derive(Debug, Default)]
pub struct EdgeSearch {
    /// One source per Region that has the function's log group, named
    /// `<name>@<region>`.
    pub sources: Vec<Source>,
    /// Regions that could not be searched, with why.
    pub skipped: Vec<(String, String)>,
}

/// The log groups of the edge function `function_name` in `regions`, as
/// sources named after `name`.
pub async fn edge_sources(
    sdk: &SdkConfig,
    name: &str,
    function_name: &str,
    regions: &[&str],
) -> EdgeSearch {
    let group = edge_group_prefix(function_name);
    let searches = regions.iter().map(|region| {
        let client = client(sdk, Some(region));
        let group = group.clone();
        async move {
            let found = client
                .describe_log_groups()
                .log_group_name_prefix(&group)
                .send()
                .await
                .map(|out| {
                    out.log_groups()
                        .iter()
                        .any(|g| g.log_group_name() == Some(group.as_str()))
                })
                .map_err(|e| describe(&e));
            (region.to_string(), found)
        }
    });
    let mut search = EdgeSearch::default();
    for (region, found) in futures::future::join_all(searches).await {
        match found {
            Ok(true) => search.sources.push(Source {
                name: format!("{name}@{region}"),
                place: Place::Group {
                    group: group.clone(),
                    region: Some(region),
                },
            }),
            Ok(false) => {}
            Err(why) => search.skipped.push((region, why)),
        }
    }
    search
}

/// A client for `region` (the configuration's when `None`).
pub(crate) fn client(sdk: &SdkConfig, region: Option<&str>) -> Client {
    let mut config = aws_sdk_cloudwatchlogs::config::Builder::from(sdk);
    if let Some(region) = region {
        config = config.region(Region::new(region.to_owned()));
    }
    Client::from_conf(config.build())
}

/// A group's events from `start_ms` on (inclusive), oldest first, each with
/// its event ID (to drop the ones already returned at the same time).
pub(crate) async fn events_from(
    client: &Client,
    source: &str,
    group: &str,
    start_ms: i64,
) -> Result<Vec<(String, Line)>, LogsError> {
    let region = client
        .config()
        .region()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "the default Region".into());
    let mut pages = client
        .filter_log_events()
        .log_group_name(group)
        .start_time(start_ms)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| LogsError::CloudWatch {
            group: group.to_owned(),
            region: region.clone(),
            message: describe(&e),
        })?;
        for event in page.events() {
            out.push((
                event.event_id().unwrap_or_default().to_owned(),
                Line {
                    time_ms: event.timestamp().unwrap_or_default(),
                    source: source.to_owned(),
                    text: event.message().unwrap_or_default().trim_end().to_owned(),
                },
            ));
        }
    }
    out.sort_by_key(|(_, line)| line.time_ms);
    Ok(out)
}

/// An SDK error as its service code and message, or its cause.
fn describe<E, R>(error: &aws_sdk_cloudwatchlogs::error::SdkError<E, R>) -> String
where
    E: aws_sdk_cloudwatchlogs::error::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    use std::error::Error as _;
    match error.as_service_error() {
        Some(e) => format!(
            "{}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("no message")
        ),
        None => {
            let mut text = error.to_string();
            let mut cause = error.source();
            while let Some(c) = cause {
                text.push_str(&format!(": {c}"));
                cause = c.source();
            }
            text
        }
    }
}
