//! xtask's stopping (the `stop-signals` crate): its notices printed, the
//! hang-up log in the temporary directory, and a guard's error made an
//! [`Interrupted`] when a signal stopped the run (so `main` exits with 128 +
//! the signal's number).

use anyhow::Result;
use stop_signals::{say, Notice, Options};

pub use stop_signals::{alive, descendants_of, stop_descendants, waiter, Interrupted, Signal};

/// Runs `work` until it ends or a signal comes (then it is dropped and the
/// error is an [`Interrupted`]).
pub fn block_on<T>(
    runtime: &tokio::runtime::Runtime,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    stop_signals::block_on(runtime, work)
}

/// Takes the signals for the whole process; first thing in `main`.
pub fn install() -> Result<()> {
    let options = Options {
        hangup_log: std::env::temp_dir().join(format!("xtask-{}-hangup.log", std::process::id())),
        report,
    };
    Ok(stop_signals::install(options)?)
}

fn report(notice: Notice) {
    match notice {
        Notice::TearingDown(signal) => say(&format!(
            "\n==> {}: stopping (tearing down first; a second signal stops at once)",
            signal.name()
        )),
        Notice::StoppingNow {
            signal,
            first_pending,
        } => say(&format!(
            "\n==> {}: stopping now ({})",
            signal.name(),
            if first_pending {
                "the first signal is not taken yet"
            } else {
                "nothing was waiting to tear down"
            }
        )),
    }
}

/// A guard's cancellation whose error exits with the signal's code.
#[derive(Default)]
pub struct Cancel(stop_signals::Cancel);

impl Cancel {
    /// Nothing caught yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Resolves with the next signal's name (the waiter is claimed now).
    pub fn next(&self) -> impl std::future::Future<Output = String> + '_ {
        self.0.next()
    }

    /// `e`, as an [`Interrupted`] when a signal stopped the run; a stack
    /// a cancelled teardown may have left comes with the commands that
    /// remove it.
    pub fn error(&self, e: stack_deploy::guard::GuardError) -> anyhow::Error {
        let left = match &e {
            stack_deploy::guard::GuardError::TeardownCancelled { stack, .. } => Some(format!(
                "`cargo xtask destroy --stack {stack}` (or `cargo xtask gc`) removes it"
            )),
            _ => None,
        };
        let error = match self.0.caught() {
            Some(signal) => anyhow::Error::new(Interrupted(signal)).context(e.to_string()),
            None => e.into(),
        };
        match left {
            Some(hint) => error.context(hint),
            None => error,
        }
    }
}
