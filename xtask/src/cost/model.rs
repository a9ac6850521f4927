//! The counter's month: how many of each priced unit `visits` page views
//! use, from the template's figures, the site's files, the benchmark's
//! measured units and the stated assumptions. Each line says which.

use anyhow::Result;
use cost_estimate::{Basis, Usage};
use visitor_stack::manifest::{BROADCASTER, CONNECT, COUNTS_API, PROCESSOR};

use super::template::{Facts, Size};
use super::units::{at, CostUnits};

/// Seconds in the month estimated (30 days).
pub const MONTH_S: f64 = 30.0 * 24.0 * 3600.0;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What the estimate assumes where nothing here can measure it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Assumptions {
    /// Minutes a page stays open (its WebSocket connected).
    pub reading_minutes: f64,
    /// Milliseconds of one edge recorder invocation: its SendMessage from
    /// the edge location to the queue in us-east-1.
    pub edge_ms: f64,
    /// Log bytes one invocation writes (Lambda's START, END and REPORT
    /// lines and the function's own line).
    pub log_bytes_per_invocation: f64,
}

impl Default for Assumptions {
    fn default() -> Self {
        Assumptions {
            reading_minutes: 1.0,
            edge_ms: 50.0,
            log_bytes_per_invocation: 400.0,
        }
    }
}

/// Which processor design is priced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Design {
    /// This stack: batches, one write per item per batch.
    Ours,
    /// The original notes' design the bench measures against: every
    /// request on its own, three writes each.
    Naive,
}

/// Everything the month is computed from.
pub struct Inputs<'a> {
    /// The template's figures.
    pub facts: &'a Facts,
    /// The benchmark's units.
    pub units: &'a CostUnits,
    /// The assumptions.
    pub assume: Assumptions,
    /// Bytes of the site's files (what one view transfers, uncompressed).
    pub site_bytes: u64,
}

fn gb_seconds(invocations: f64, ms: f64, size: &Size) -> f64 {
    invocations * ms / 1000.0 * size.memory_mb / 1024.0
}

fn duration_price(size: &Size, edge: bool) -> &'static str {
    match (edge, size.arm64) {
        (true, _) => "lambda_edge.duration",
        (false, true) => "lambda.duration.arm64",
        (false, false) => "lambda.duration.x86_64",
    }
}

/// The month's usage for `visits` page views.
pub fn usage(visits: f64, design: Design, input: &Inputs) -> Result<Usage> {
    let Inputs {
        facts,
        units,
        assume,
        site_bytes,
    } = input;
    let mut u = Usage::default();
    let measured = |what: &str| Basis::Measured(format!("{what} (bench, {})", units.measured));
    let per_view = units.requests_per_view;
    let recorded = visits * per_view;
    let views_per_s = visits / MONTH_S;

    // One counts API request per view (site/counter.js fetches the counts
    // once, then listens on the WebSocket), through CloudFront's /api/*.
    let counts_requests = visits;
    u.add(
        "cloudfront.requests",
        recorded + counts_requests,
        Basis::Assumed(format!(
            "{per_view} recorded requests a view (the bench's workload: a page and its assets) and one counts request"
        )),
    );
    u.add(
        "cloudfront.transfer",
        visits * *site_bytes as f64 / GIB,
        Basis::Template(format!(
            "site/ is {site_bytes} bytes, all sent each view (uncompressed, no browser cache)"
        )),
    );

    let edge = facts.size(&facts.edge_function)?;
    u.add(
        "lambda_edge.requests",
        recorded,
        Basis::Template("the recorder runs on every viewer request".into()),
    );
    u.add(
        duration_price(edge, true),
        gb_seconds(recorded, assume.edge_ms, edge),
        Basis::Assumed(format!(
            "{} ms a request (SendMessage from the edge to us-east-1), {} MB",
            assume.edge_ms, edge.memory_mb
        )),
    );

    // A batch holds what arrives within the batching window after its
    // first message: one view's requests arrive together.
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#sqs-polling-behavior
    let batching = facts.batching(PROCESSOR.logical_id)?;
    let fill = match design {
        Design::Ours => (per_view * (1.0 + views_per_s * batching.window_s)).min(batching.size),
        Design::Naive => 1.0,
    };
    let processor_runs = recorded / fill;
    // Lambda long-polls an empty queue with five pollers, 20 s each:
    // https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html
    let idle_polls = 5.0 * 3.0 * MONTH_S / 60.0;
    u.add(
        "sqs.requests",
        recorded + 2.0 * processor_runs + idle_polls,
        Basis::Assumed(format!(
            "a send per recorded request, a receive and a delete per batch of {fill:.1}, and five 20 s long polls of the idle queue"
        )),
    );

    let broadcaster_batching = facts.batching(BROADCASTER.logical_id)?;
    let runs_per_s = processor_runs / MONTH_S;
    let broadcasts = processor_runs
        / (1.0 + runs_per_s * broadcaster_batching.window_s).min(broadcaster_batching.size);
    let open_pages = views_per_s * assume.reading_minutes * 60.0;
    let connects = 2.0 * visits;
    u.add(
        "lambda.requests",
        processor_runs + counts_requests + connects + broadcasts,
        Basis::Template(format!(
            "processor per batch, counts API per view, connect and disconnect per view, broadcaster per stream batch ({broadcasts:.0})"
        )),
    );

    let processor = facts.size(PROCESSOR.logical_id)?;
    let processor_ms = at(&units.processor_ms_by_batch_size, fill);
    u.add(
        duration_price(processor, false),
        gb_seconds(processor_runs, processor_ms, processor),
        measured(&format!(
            "processor {processor_ms:.0} ms a batch of {fill:.1} against moto, four at once (DynamoDB answers faster: an upper bound), {} MB",
            processor.memory_mb
        )),
    );
    let counts = facts.size(COUNTS_API.logical_id)?;
    u.add(
        duration_price(counts, false),
        gb_seconds(counts_requests, units.counts_ms_per_request, counts),
        measured(&format!(
            "counts API {:.1} ms a request, {} MB",
            units.counts_ms_per_request, counts.memory_mb
        )),
    );
    let connect = facts.size(CONNECT.logical_id)?;
    let broadcaster = facts.size(BROADCASTER.logical_id)?;
    let one_call_ms = units.counts_ms_per_request;
    u.add(
        duration_price(connect, false),
        gb_seconds(connects, one_call_ms, connect)
            + gb_seconds(broadcasts, one_call_ms * (1.0 + open_pages), broadcaster),
        Basis::Assumed(format!(
            "connect, disconnect and each post to an open page ({open_pages:.2} on average) take one DynamoDB call's time, as the counts API's"
        )),
    );

    let wru = match design {
        Design::Ours => at(&units.wru_per_request_by_batch_size, fill),
        Design::Naive => units.naive_wru_per_request,
    };
    u.add(
        "dynamodb.write",
        recorded * wru + connects,
        measured(&format!(
            "{wru:.3} write units a recorded request; one more each for connect and disconnect"
        )),
    );
    u.add(
        "dynamodb.read",
        counts_requests * units.counts_read_units_per_request + broadcasts * 0.5,
        measured(&format!(
            "{:.2} read units a counts request; half a unit per broadcast's scan of the connections",
            units.counts_read_units_per_request
        )),
    );
    u.add(
        "dynamodb.storage",
        visits * units.stored_bytes_per_view / GIB,
        measured(&format!(
            "{:.0} bytes stored a view after the workload (the first month; it grows with new visitors)",
            units.stored_bytes_per_view
        )),
    );
    // Streams read by a Lambda trigger are free:
    // https://aws.amazon.com/dynamodb/pricing/on-demand/

    u.add(
        "apigateway.http_requests",
        counts_requests,
        Basis::Template("one GET /api/counts a view".into()),
    );
    u.add(
        "apigateway.websocket_messages",
        visits * (1.0 + broadcasts / MONTH_S * assume.reading_minutes * 60.0),
        Basis::Assumed(format!(
            "each open page receives every broadcast in its {} min",
            assume.reading_minutes
        )),
    );
    u.add(
        "apigateway.websocket_minutes",
        visits * assume.reading_minutes,
        Basis::Assumed(format!("a page stays open {} min", assume.reading_minutes)),
    );

    u.add(
        "cloudwatch.alarm_metrics",
        facts.alarm_metrics as f64,
        Basis::Template("the alarms' metrics".into()),
    );
    u.add(
        "cloudwatch.dashboards",
        facts.dashboards as f64,
        Basis::Template("dashboards".into()),
    );
    u.add(
        "cloudwatch.custom_metrics",
        facts.metric_filters as f64,
        Basis::Template("a metric per metric filter".into()),
    );
    let invocations = recorded + processor_runs + counts_requests + connects + broadcasts;
    u.add(
        "cloudwatch.logs_ingested",
        invocations * assume.log_bytes_per_invocation / GIB,
        Basis::Assumed(format!(
            "{} log bytes an invocation",
            assume.log_bytes_per_invocation
        )),
    );
    Ok(u)
}
