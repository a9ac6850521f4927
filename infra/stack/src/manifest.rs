//! The app's Rust functions, declared once: logical ID, binary, what
//! triggers it, what it does, and what it does with each table (the
//! stack's grants, which `cargo xtask test-stack` checks every call the
//! functions make against). The stack makes and grants each from its entry;
//! xtask builds, zips, serves, invokes and reads the logs of each from it;
//! `tests/manifest.rs` checks the functions crate's binaries and the
//! rendered template against it.

use infra::constructs::ItemAccess::{self, Delete, Get, Put, Scan, Update};

/// A table of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppTable {
    /// One item per visitor (and, with hashed IPs, each day's salt).
    Visitors,
    /// One item per path.
    Paths,
    /// The totals and the top pages items.
    Totals,
    /// Open WebSocket connections.
    Connections,
}

/// What a function does with one table, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableAccess {
    /// The table.
    pub table: AppTable,
    /// The item operations granted.
    pub items: &'static [ItemAccess],
    /// Granted only when the stack stores hashed IPs.
    pub only_with_hashed_ips: bool,
    /// Why the function needs them.
    pub why: &'static str,
}

const fn uses(table: AppTable, items: &'static [ItemAccess], why: &'static str) -> TableAccess {
    TableAccess {
        table,
        items,
        only_with_hashed_ips: false,
        why,
    }
}

/// What invokes a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// An SQS event source mapping (the visit queue).
    Queue,
    /// A route of the HTTP API.
    HttpApi,
    /// The WebSocket API's routes.
    WebSocket,
    /// A DynamoDB stream event source mapping.
    Stream,
}

/// One Rust function of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FunctionSpec {
    /// Its logical ID in the template (and its name in outputs, alarms and
    /// `cargo xtask logs`).
    pub logical_id: &'static str,
    /// Its binary in the `visitor-functions` crate.
    pub binary: &'static str,
    /// What invokes it.
    pub trigger: Trigger,
    /// What it does (the function's description after the app's name).
    pub description: &'static str,
    /// What it does with each table: the stack's grants. Queues and
    /// connections are granted by what wires them: the event source
    /// (consume), the edge recorder (send), the WebSocket API (manage
    /// connections, for the broadcaster).
    pub tables: &'static [TableAccess],
    /// Grants a test stack's calls may leave unused, by action, with the
    /// reason (the access check reports them as kept).
    pub kept: &'static [(&'static str, &'static str)],
}

/// The processor: visits from the queue into the tables.
pub const PROCESSOR: FunctionSpec = FunctionSpec {
    logical_id: "Processor",
    binary: "processor",
    trigger: Trigger::Queue,
    description: "aggregates visits into the tables",
    tables: &[
        uses(
            AppTable::Visitors,
            &[Get, Update],
            "updates a visitor, and reads it back after a conditional-check failure or a lost reply",
        ),
        TableAccess {
            table: AppTable::Visitors,
            items: &[Delete],
            only_with_hashed_ips: true,
            why: "deletes each day's salt an hour after the day (the salt lives in the visitors table)",
        },
        uses(AppTable::Paths, &[Update], "adds to path counts"),
        uses(
            AppTable::Totals,
            &[Get, Put, Update],
            "adds to the totals, and reads and conditionally replaces the top pages item",
        ),
    ],
    kept: &[(
        "sqs:SendMessage",
        "the processor sends a repair to its queue only when an addition fails \
         after its retries (lambdas/functions/src/processor/mod.rs); \
         lambdas/functions/tests/faults.rs makes it do so against moto",
    )],
};
/// The counts API.
pub const COUNTS_API: FunctionSpec = FunctionSpec {
    logical_id: "CountsApi",
    binary: "counts-api",
    trigger: Trigger::HttpApi,
    description: "serves the counts",
    tables: &[
        uses(
            AppTable::Totals,
            &[Get],
            "reads the totals and the top pages items",
        ),
        uses(
            AppTable::Paths,
            &[Get],
            "reads a path's views (never a scan: its reads do not grow with the table)",
        ),
    ],
    kept: &[],
};
/// Connect: WebSocket connections.
pub const CONNECT: FunctionSpec = FunctionSpec {
    logical_id: "Connect",
    binary: "connect",
    trigger: Trigger::WebSocket,
    description: "tracks WebSocket connections",
    tables: &[uses(
        AppTable::Connections,
        &[Put, Delete],
        "records a connection and forgets it on disconnect",
    )],
    kept: &[],
};
/// The broadcaster: live counts from the totals stream.
pub const BROADCASTER: FunctionSpec = FunctionSpec {
    logical_id: "Broadcaster",
    binary: "broadcaster",
    trigger: Trigger::Stream,
    description: "pushes live counts",
    tables: &[
        uses(
            AppTable::Connections,
            &[Scan, Delete],
            "lists connections and forgets gone ones",
        ),
        uses(
            AppTable::Totals,
            &[Get],
            "reads the totals or top pages item a batch lacks",
        ),
    ],
    kept: &[],
};

/// Every Rust function, in the order the stack adds them.
pub const RUST_FUNCTIONS: [FunctionSpec; 4] = [PROCESSOR, COUNTS_API, CONNECT, BROADCASTER];

/// The crate that holds their binaries.
pub const FUNCTIONS_PACKAGE: &str = "visitor-functions";

/// (logical ID, binary) of every Rust function.
pub const BINARIES: [(&str, &str); RUST_FUNCTIONS.len()] = {
    let mut out = [("", ""); RUST_FUNCTIONS.len()];
    let mut i = 0;
    while i < RUST_FUNCTIONS.len() {
        out[i] = (RUST_FUNCTIONS[i].logical_id, RUST_FUNCTIONS[i].binary);
        i += 1;
    }
    out
};
