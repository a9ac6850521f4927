//! Progress of a long phase: a counter the work adds to, and a reporter that
//! says how far the work got, every ten seconds, until it ends.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How often progress is reported.
const EVERY: Duration = Duration::from_secs(10);

/// A phase's progress: `done` of `total` things.
#[derive(Debug)]
pub struct Progress {
    what: &'static str,
    total: usize,
    done: AtomicUsize,
}

impl Progress {
    /// Nothing done yet of `total` `what` (a plural noun: "messages").
    pub fn new(what: &'static str, total: usize) -> Self {
        Progress {
            what,
            total,
            done: AtomicUsize::new(0),
        }
    }

    /// `n` more done.
    pub fn add(&self, n: usize) {
        self.done.fetch_add(n, Ordering::SeqCst);
    }

    /// How many are done.
    pub fn done(&self) -> usize {
        self.done.load(Ordering::SeqCst)
    }

    /// Runs `work`, printing how far it got every ten seconds until it ends.
    pub async fn track<F: Future>(&self, work: F) -> F::Output {
        let started = Instant::now();
        let report = async {
            let mut next = started + EVERY;
            loop {
                tokio::time::sleep_until(next.into()).await;
                next += EVERY;
                eprintln!("    {}", self.line(started.elapsed()));
            }
        };
        tokio::select! {
            output = work => output,
            _ = report => unreachable!("the reporter loops until the work ends"),
        }
    }

    /// `1200 of 10000 messages after 20 s (60/s)`.
    fn line(&self, elapsed: Duration) -> String {
        let seconds = elapsed.as_secs_f64();
        let done = self.done();
        format!(
            "{done} of {} {} after {seconds:.0} s ({:.0}/s)",
            self.total,
            self.what,
            done as f64 / seconds.max(f64::EPSILON)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_how_far_and_how_fast() {
        let p = Progress::new("messages", 10_000);
        p.add(1_000);
        p.add(200);
        assert_eq!(
            p.line(Duration::from_secs(20)),
            "1200 of 10000 messages after 20 s (60/s)"
        );
    }

    #[tokio::test]
    async fn tracking_returns_the_work_s_output() {
        let p = Progress::new("things", 1);
        let out = p
            .track(async {
                p.add(1);
                7
            })
            .await;
        assert_eq!((out, p.done()), (7, 1));
    }
}
