//! Stopping a command line: Ctrl-C (SIGINT), a cancelled CI job (SIGTERM,
//! then SIGKILL after a grace period) and a closed terminal (SIGHUP) all
//! stop a command the same way, and nothing it started outlives it.
//!
//! GitHub Actions cancels a job by sending SIGINT, then SIGTERM 7.5 s later,
//! then killing what is left 2.5 s after that
//! (<https://docs.github.com/en/actions/managing-workflow-runs-and-deployments/managing-workflow-runs/canceling-a-workflow#steps-github-takes-to-cancel-a-workflow-run>).
//! A command that starts servers (an emulator, `cargo lambda watch`) in
//! process groups of their own gets a terminal's Ctrl-C first and tears
//! down in order; a signal to the command alone never reaches them.
//!
//! One thread, started by [`install`] first in `main`, takes the three
//! signals for the whole process:
//! - While a command holds a [`Waiter`] (every command that starts
//!   processes or stacks does, through [`block_on`] or its own `select!`),
//!   the signal goes to it: it drops its work, which stops what the work
//!   started (every process handle kills on drop), and tears down its stack.
//! - Otherwise (no one listening, or a second signal while the first is not
//!   yet taken, as when a blocking build holds the command's thread), the
//!   process stops at once: every descendant process is terminated (killed
//!   after 2 s), then the process exits with 128 + the signal's number.
//! - After SIGHUP the terminal is gone and writing to it fails (which would
//!   make every `eprintln!` panic), so standard output and error go to the
//!   [`Options::hangup_log`] file first.
//!
//! What happens is told to the [`Options::report`] callback (the library
//! prints nothing itself).
//!
//! `main` should also end every run that a signal stopped with
//! [`stop_descendants`], so even a process whose handle was not dropped does
//! not outlive the command.

use std::future::Future;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use std::path::PathBuf;

use tokio::sync::watch;

/// Why [`install`] could not listen.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot listen for signals: {0}")]
pub struct InstallError(pub String);

/// What the signal thread tells [`Options::report`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The signal went to the command, which tears down.
    TearingDown(Signal),
    /// The process stops at once: nothing was waiting, or the first signal
    /// is not taken yet (`first_pending`).
    StoppingNow {
        /// The signal.
        signal: Signal,
        /// Whether an earlier signal was still not taken.
        first_pending: bool,
    },
}

/// How [`install`] behaves.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where standard output and error go after SIGHUP.
    pub hangup_log: PathBuf,
    /// Told what happens (called on the signal thread; write to standard
    /// error with `writeln!`, which cannot panic on a closed terminal).
    pub report: fn(Notice),
}

/// A signal that stops a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    /// SIGINT: Ctrl-C, or the first step of a CI cancellation.
    Interrupt,
    /// SIGTERM: a CI cancellation, `kill`.
    Terminate,
    /// SIGHUP: the terminal closed.
    Hangup,
}

impl Signal {
    /// All three, in the order they are listened for.
    pub const ALL: [Signal; 3] = [Signal::Interrupt, Signal::Terminate, Signal::Hangup];

    /// `SIGINT`, `SIGTERM`, `SIGHUP`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
            Signal::Hangup => "SIGHUP",
        }
    }

    /// The signal's number.
    pub fn number(self) -> i32 {
        match self {
            Signal::Interrupt => libc::SIGINT,
            Signal::Terminate => libc::SIGTERM,
            Signal::Hangup => libc::SIGHUP,
        }
    }

    /// The exit status of a process this signal stopped: 128 + its number.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.number()).unwrap_or(u8::MAX)
    }

    fn kind(self) -> tokio::signal::unix::SignalKind {
        use tokio::signal::unix::SignalKind;
        match self {
            Signal::Interrupt => SignalKind::interrupt(),
            Signal::Terminate => SignalKind::terminate(),
            Signal::Hangup => SignalKind::hangup(),
        }
    }
}

/// The error of a command a signal stopped; `main` exits with its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interrupted(pub Signal);

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stopped by {}: what this command started is stopped",
            self.0.name()
        )
    }
}

impl std::error::Error for Interrupted {}

static CHANNEL: OnceLock<watch::Sender<Option<Signal>>> = OnceLock::new();
static WAITERS: AtomicUsize = AtomicUsize::new(0);
/// A signal handed to the waiters and not yet taken by one.
static PENDING: Mutex<Option<Signal>> = Mutex::new(None);

static OPTIONS: OnceLock<Options> = OnceLock::new();

/// A line on standard error that cannot fail (a closed terminal).
pub fn say(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

/// Standard output and error into a log file (the terminal is gone).
fn away_from_the_terminal(log: &std::path::Path) {
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
    else {
        return;
    };
    use std::os::fd::AsRawFd;
    // SAFETY: dup2(2) onto the standard descriptors; `file` stays open
    // until the duplicates exist, and no Rust object owns fds 1 and 2.
    unsafe {
        libc::dup2(file.as_raw_fd(), 1);
        libc::dup2(file.as_raw_fd(), 2);
    }
}

/// Takes SIGINT, SIGTERM and SIGHUP for the whole process (see the module's
/// documentation). Call once, first thing in `main`; later calls do nothing.
pub fn install(options: Options) -> Result<(), InstallError> {
    let (sender, _) = watch::channel(None);
    if CHANNEL.set(sender).is_err() {
        return Ok(());
    }
    let _ = OPTIONS.set(options);
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    let _ = ready_tx.send(Err(e.to_string()));
                    return;
                }
            };
            runtime.block_on(listen(ready_tx));
        })
        .map_err(|e| InstallError(e.to_string()))?;
    match ready_rx.recv() {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(InstallError(e)),
        Err(_) => Err(InstallError(
            "the signal thread stopped before it was ready".into(),
        )),
    }
}

async fn listen(ready: std::sync::mpsc::Sender<Result<(), String>>) {
    use tokio::signal::unix::signal;
    let mut streams = Vec::new();
    for s in Signal::ALL {
        match signal(s.kind()) {
            Ok(stream) => streams.push((s, stream)),
            Err(e) => {
                let _ = ready.send(Err(format!("{}: {e}", s.name())));
                return;
            }
        }
    }
    let _ = ready.send(Ok(()));
    loop {
        let next = futures::future::select_all(
            streams
                .iter_mut()
                .map(|(s, stream)| Box::pin(async move { stream.recv().await.map(|_| *s) })),
        )
        .await;
        let Some(received) = next.0 else {
            return;
        };
        let options = OPTIONS.get();
        if received == Signal::Hangup {
            if let Some(o) = options {
                away_from_the_terminal(&o.hangup_log);
            }
        }
        let report = |notice| {
            if let Some(o) = options {
                (o.report)(notice)
            }
        };
        let mut pending = PENDING.lock().unwrap_or_else(|p| p.into_inner());
        if WAITERS.load(Ordering::SeqCst) == 0 || pending.is_some() {
            report(Notice::StoppingNow {
                signal: received,
                first_pending: pending.is_some(),
            });
            stop_descendants();
            std::process::exit(i32::from(received.exit_code()));
        }
        *pending = Some(received);
        drop(pending);
        report(Notice::TearingDown(received));
        if let Some(sender) = CHANNEL.get() {
            sender.send_replace(Some(received));
        }
    }
}

/// A command's claim on the next signal: from the moment it exists (not
/// from when it is first awaited), signals come to it instead of stopping
/// the process. Create it before saying "ready", so a signal sent in answer
/// cannot arrive with nobody waiting.
pub struct Waiter {
    receiver: Option<watch::Receiver<Option<Signal>>>,
}

/// Claims the next signal (see [`Waiter`]). Without [`install`] (tests) the
/// waiter never resolves.
pub fn waiter() -> Waiter {
    // Subscribed before counted: a signal handed over once this waiter
    // counts is either pending or a change the receiver sees.
    let receiver = CHANNEL.get().map(|sender| sender.subscribe());
    if receiver.is_some() {
        WAITERS.fetch_add(1, Ordering::SeqCst);
    }
    Waiter { receiver }
}

impl Waiter {
    /// Resolves with the signal.
    pub async fn signal(mut self) -> Signal {
        let Some(receiver) = self.receiver.as_mut() else {
            return std::future::pending().await;
        };
        loop {
            if let Some(s) = PENDING.lock().unwrap_or_else(|p| p.into_inner()).take() {
                return s;
            }
            if receiver.changed().await.is_err() {
                return std::future::pending().await;
            }
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        if self.receiver.is_some() {
            WAITERS.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// A cancellation to race work and its teardown against (a test-stack
/// guard's): each [`Cancel::next`] claims the next signal, and the signal is
/// kept, so the caller can make its error one that exits with 128 + the
/// signal's number ([`Cancel::caught`]).
#[derive(Default)]
pub struct Cancel {
    caught: Mutex<Option<Signal>>,
}

impl Cancel {
    /// Nothing caught yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resolves with the next signal's name (the waiter is claimed now).
    pub fn next(&self) -> impl Future<Output = String> + '_ {
        let waiter = waiter();
        async move {
            let signal = waiter.signal().await;
            *self.caught.lock().unwrap_or_else(|p| p.into_inner()) = Some(signal);
            signal.name().to_owned()
        }
    }

    /// The signal that came, if one did.
    pub fn caught(&self) -> Option<Signal> {
        *self.caught.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Runs `work` on `runtime` until it ends or a signal comes; on a signal,
/// `work` is dropped (stopping what it started) and the result is
/// [`Interrupted`].
pub fn block_on<T, E: From<Interrupted>>(
    runtime: &tokio::runtime::Runtime,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let waiting = waiter();
    runtime.block_on(async {
        tokio::select! {
            result = work => result,
            signal = waiting.signal() => Err(Interrupted(signal).into()),
        }
    })
}

/// The processes descended from this one (children, their children, ...),
/// read from /proc.
pub fn descendants() -> Vec<i32> {
    descendants_of(std::process::id() as i32)
}

/// The processes descended from `root`.
pub fn descendants_of(root: i32) -> Vec<i32> {
    let mut parents: Vec<(i32, i32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        for (pid, ppid) in &parents {
            if *ppid == parent && !found.contains(pid) {
                found.push(*pid);
            }
        }
        i += 1;
    }
    found.remove(0);
    found
}

/// The parent of `pid` (field 4 of /proc/PID/stat, after the command name,
/// which may hold spaces and parentheses).
fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = &stat[stat.rfind(')')? + 1..];
    let mut fields = after.split_whitespace();
    let _state = fields.next()?;
    fields.next()?.parse().ok()
}

/// Whether `pid` is a live process (not a zombie).
pub fn alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return false;
    };
    let state = stat
        .rfind(')')
        .and_then(|i| stat[i + 1..].split_whitespace().next());
    !matches!(state, None | Some("Z" | "X"))
}

/// Terminates every descendant (SIGTERM), then kills those still there
/// after 2 s. Returns how many there were.
pub fn stop_descendants() -> usize {
    let found = descendants();
    for pid in &found {
        // SAFETY: kill(2) with a pid read from /proc; no memory is touched.
        unsafe {
            libc::kill(*pid, libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(2);
    while found.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in found.iter().filter(|p| alive(**p)) {
        // SAFETY: as above.
        unsafe {
            libc::kill(*pid, libc::SIGKILL);
        }
    }
    found.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_128_plus_the_number() {
        assert_eq!(Signal::Interrupt.exit_code(), 130);
        assert_eq!(Signal::Terminate.exit_code(), 143);
        assert_eq!(Signal::Hangup.exit_code(), 129);
    }

    #[test]
    fn descendants_are_found_through_proc() {
        let mut child = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut found = Vec::new();
        while Instant::now() < deadline {
            found = descendants();
            if found.contains(&pid) && descendants_of(pid).len() == 1 {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(found.contains(&pid), "{found:?}");
        let grandchild = descendants_of(pid);
        assert_eq!(grandchild.len(), 1, "the sleep under sh: {grandchild:?}");
        // SAFETY: kill(2) on our own children.
        unsafe {
            libc::kill(grandchild[0], libc::SIGKILL);
            libc::kill(pid, libc::SIGKILL);
        }
        let _ = child.wait();
        assert!(!alive(pid));
    }
}
