//! The app's Rust functions, declared once: logical ID, binary, what
//! triggers it and what it does. The stack makes each from its entry;
//! xtask builds, zips, serves, invokes and reads the logs of each from it;
//! `tests/manifest.rs` checks the functions crate's binaries and the
//! rendered template against it.

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
}

/// The processor: visits from the queue into the tables.
pub const PROCESSOR: FunctionSpec = FunctionSpec {
    logical_id: "Processor",
    binary: "processor",
    trigger: Trigger::Queue,
    description: "aggregates visits into the tables",
};
/// The counts API.
pub const COUNTS_API: FunctionSpec = FunctionSpec {
    logical_id: "CountsApi",
    binary: "counts-api",
    trigger: Trigger::HttpApi,
    description: "serves the counts",
};
/// Connect: WebSocket connections.
pub const CONNECT: FunctionSpec = FunctionSpec {
    logical_id: "Connect",
    binary: "connect",
    trigger: Trigger::WebSocket,
    description: "tracks WebSocket connections",
};
/// The broadcaster: live counts from the totals stream.
pub const BROADCASTER: FunctionSpec = FunctionSpec {
    logical_id: "Broadcaster",
    binary: "broadcaster",
    trigger: Trigger::Stream,
    description: "pushes live counts",
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
