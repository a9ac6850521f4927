//! The `signals` step of `cargo xtask test`: each command that starts
//! processes or stacks is run as a user would run it, stopped mid-work with
//! SIGTERM (a cancelled CI job) or SIGHUP (a closed terminal), and checked to
//! leave nothing behind: no process it started (every descendant seen while
//! it ran is gone), and for test-stack, against an emulator that outlives it,
//! no stack, table or queue.
//!
//! How long each took to stop is printed, not asserted: GitHub allows 10 s
//! between its first signal and killing the job (see `signals.rs`), and a
//! figure shows the margin without making the test depend on the machine.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::pyenv::PyEnv;
use crate::signals::{self, Signal};

/// Longest wait for a command to reach the point where it is stopped.
const START_LIMIT: Duration = Duration::from_secs(600);
/// Longest wait for it to stop once signalled.
const STOP_LIMIT: Duration = Duration::from_secs(120);

/// One command, stopped once.
struct Case {
    /// What the line says.
    what: &'static str,
    /// `cargo xtask` arguments (`{endpoint}` is replaced by an emulator's).
    args: &'static [&'static str],
    /// A line of its standard error that says it is mid-work.
    marker: &'static str,
    /// The signal.
    signal: Signal,
    /// Whether the signal is its normal way to stop (exit 0; `local` once
    /// it serves), else it exits with 128 + the signal's number.
    stops_normally: bool,
    /// It deploys to an emulator this check starts, which is then checked.
    uses_endpoint: bool,
}

const CASES: &[Case] = &[
    Case {
        what: "test-stack mid-suite",
        args: &["test-stack", "--endpoint", "{endpoint}"],
        marker: "    ok      ",
        signal: Signal::Terminate,
        stops_normally: false,
        uses_endpoint: true,
    },
    Case {
        what: "test-stack as the functions start",
        args: &["test-stack", "--endpoint", "{endpoint}"],
        marker: "==> starting the functions",
        signal: Signal::Hangup,
        stops_normally: false,
        uses_endpoint: true,
    },
    Case {
        what: "local while serving",
        args: &["local", "--port", "0"],
        marker: "==> the site is up",
        signal: Signal::Terminate,
        stops_normally: true,
        uses_endpoint: false,
    },
    Case {
        what: "local as the functions start",
        args: &["local", "--port", "0"],
        marker: "==> starting the functions",
        signal: Signal::Hangup,
        // Stopped before it served: not its normal end.
        stops_normally: false,
        uses_endpoint: false,
    },
    Case {
        what: "sync --watch while watching",
        args: &["sync", "--watch", "--endpoint", "{endpoint}"],
        marker: "==> watching the functions' code",
        signal: Signal::Interrupt,
        stops_normally: false,
        uses_endpoint: true,
    },
    Case {
        what: "deploy on the embedded emulator",
        args: &["deploy", "--stage", "test", "--yes"],
        marker: "==> deploying to the embedded emulator",
        signal: Signal::Terminate,
        stops_normally: false,
        uses_endpoint: false,
    },
    Case {
        what: "bench while measuring",
        args: &["bench", "--smoke"],
        marker: "==> embedded emulator (moto) at",
        signal: Signal::Hangup,
        stops_normally: false,
        uses_endpoint: false,
    },
];

/// Runs every case; fails on the first that leaves something behind.
pub fn run() -> Result<()> {
    let exe = std::env::current_exe().context("finding xtask's own binary")?;
    let env = PyEnv::ensure()?;
    for case in CASES {
        let moto = if case.uses_endpoint {
            Some(emulator::Moto::start_from(&env.bin_dir())?)
        } else {
            None
        };
        let args: Vec<String> = case
            .args
            .iter()
            .map(|a| match &moto {
                Some(m) => a.replace("{endpoint}", m.endpoint()),
                None => (*a).to_owned(),
            })
            .collect();
        let report = stop_once(&exe, &args, case)
            .with_context(|| format!("{} ({})", case.what, case.signal.name()))?;
        let left = match &moto {
            Some(m) => emulator_leftovers(m)
                .with_context(|| format!("{}: reading the emulator", case.what))?,
            None => Vec::new(),
        };
        if !left.is_empty() {
            bail!(
                "{} ({}): left on the emulator: {}",
                case.what,
                case.signal.name(),
                left.join(", ")
            );
        }
        crate::out::say!(
            "{:<34} {}: stopped in {:.1}s ({}); {} processes it started, none left{}",
            case.what,
            case.signal.name(),
            report.stopped_in.as_secs_f64(),
            report.status,
            report.processes,
            if case.uses_endpoint {
                "; no stack, table or queue left"
            } else {
                ""
            }
        );
    }
    Ok(())
}

struct Report {
    stopped_in: Duration,
    status: String,
    processes: usize,
}

fn stop_once(exe: &std::path::Path, args: &[String], case: &Case) -> Result<Report> {
    let mut child = Command::new(exe)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting cargo xtask {}", args.join(" ")))?;
    let lines = follow(&mut child)?;
    let pid = i32::try_from(child.id()).context("a pid out of range")?;
    let mut tail: Vec<String> = Vec::new();
    let started = Instant::now();
    let mut seen: Vec<i32> = Vec::new();
    loop {
        seen_union(&mut seen, signals::descendants_of(pid));
        match lines.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                let hit = line.contains(case.marker);
                keep_tail(&mut tail, line);
                if hit {
                    break;
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = child.wait()?;
                bail!(
                    "exited ({status}) before `{}`; its last lines:\n{}",
                    case.marker,
                    tail.join("\n")
                );
            }
        }
        if started.elapsed() > START_LIMIT {
            kill_all(&mut child, &seen);
            bail!("no `{}` within {START_LIMIT:?}", case.marker);
        }
    }
    seen_union(&mut seen, signals::descendants_of(pid));
    // SAFETY: kill(2) on our own child; no memory is touched.
    unsafe {
        libc::kill(pid, case.signal.number());
    }
    let signalled = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        seen_union(&mut seen, signals::descendants_of(pid));
        while let Ok(line) = lines.try_recv() {
            keep_tail(&mut tail, line);
        }
        if signalled.elapsed() > STOP_LIMIT {
            kill_all(&mut child, &seen);
            bail!(
                "still running {STOP_LIMIT:?} after {}; its last lines:\n{}",
                case.signal.name(),
                tail.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stopped_in = signalled.elapsed();
    while let Ok(line) = lines.recv_timeout(Duration::from_millis(200)) {
        keep_tail(&mut tail, line);
    }
    // A process that had no time to stop is no leftover yet; give each one
    // the moment a killed group takes to go.
    let deadline = Instant::now() + Duration::from_secs(3);
    while seen.iter().any(|p| signals::alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let alive: Vec<i32> = seen
        .iter()
        .copied()
        .filter(|p| signals::alive(*p))
        .collect();
    if !alive.is_empty() {
        let names: Vec<String> = alive.iter().map(|p| describe(*p)).collect();
        for p in &alive {
            // SAFETY: kill(2) on what our child left; no memory is touched.
            unsafe {
                libc::kill(*p, libc::SIGKILL);
            }
        }
        bail!(
            "{} processes outlived it: {}; its last lines:\n{}",
            alive.len(),
            names.join(", "),
            tail.join("\n")
        );
    }
    let expected = if case.stops_normally {
        0
    } else {
        i32::from(case.signal.exit_code())
    };
    if status.code() != Some(expected) {
        bail!(
            "exited with {status}, not {expected}; its last lines:\n{}",
            tail.join("\n")
        );
    }
    Ok(Report {
        stopped_in,
        status: format!("exit {expected}"),
        processes: seen.len(),
    })
}

/// Its standard error, line by line, on a channel.
fn follow(child: &mut Child) -> Result<mpsc::Receiver<String>> {
    let stderr = child.stderr.take().context("no stderr")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    Ok(rx)
}

fn keep_tail(tail: &mut Vec<String>, line: String) {
    tail.push(line);
    if tail.len() > 15 {
        tail.remove(0);
    }
}

fn seen_union(seen: &mut Vec<i32>, now: Vec<i32>) {
    for p in now {
        if !seen.contains(&p) {
            seen.push(p);
        }
    }
}

fn kill_all(child: &mut Child, seen: &[i32]) {
    let _ = child.kill();
    for p in seen {
        // SAFETY: kill(2) on our child's descendants; no memory is touched.
        unsafe {
            libc::kill(*p, libc::SIGKILL);
        }
    }
    let _ = child.wait();
}

/// `pid (command line)`.
fn describe(pid: i32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default();
    let short: String = cmdline.trim().chars().take(80).collect();
    format!("{pid} ({short})")
}

/// Stacks (but the bootstrap stack, which deploy keeps on purpose), tables
/// and queues still on the emulator.
fn emulator_leftovers(moto: &emulator::Moto) -> Result<Vec<String>> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let sdk = moto.sdk_config().await;
        let cfn = aws_sdk_cloudformation::Client::new(&sdk);
        let mut left = Vec::new();
        let stacks = cfn.list_stacks().send().await?;
        for s in stacks.stack_summaries() {
            let name = s.stack_name().unwrap_or_default();
            let deleted = s
                .stack_status()
                .is_some_and(|st| st.as_str() == "DELETE_COMPLETE");
            if !deleted && !name.ends_with("-bootstrap") {
                left.push(format!("stack {name}"));
            }
        }
        let tables = aws_sdk_dynamodb::Client::new(&sdk)
            .list_tables()
            .send()
            .await?;
        left.extend(tables.table_names().iter().map(|t| format!("table {t}")));
        let queues = aws_sdk_sqs::Client::new(&sdk).list_queues().send().await?;
        left.extend(queues.queue_urls().iter().map(|q| format!("queue {q}")));
        Ok(left)
    })
}
