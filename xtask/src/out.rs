//! How much xtask says, and how: `--quiet` keeps only results, warnings
//! and errors; `-v` adds every AWS call of the deploy path as it is made;
//! colour (and the live resource count while a stack changes) only when
//! standard error is a terminal, `--color` does not say otherwise and
//! `NO_COLOR` is unset (<https://no-color.org>).

use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

/// `--color` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    /// Always (for a pager that shows colour).
    Always,
    /// Never.
    Never,
}

static LEVEL: AtomicU8 = AtomicU8::new(1);
static COLOR: AtomicBool = AtomicBool::new(false);

/// Sets the level (`quiet`, or `verbose` counts) and the colour choice.
pub fn init(quiet: bool, verbose: u8, color: ColorArg) {
    let level = if quiet { 0 } else { 1 + verbose.min(1) };
    LEVEL.store(level, Ordering::Relaxed);
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let on = match color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => !no_color && std::io::stderr().is_terminal(),
    };
    COLOR.store(on, Ordering::Relaxed);
}

/// Whether progress lines are printed.
pub fn progress() -> bool {
    LEVEL.load(Ordering::Relaxed) >= 1
}

/// Whether `-v` was given.
pub fn verbose() -> bool {
    LEVEL.load(Ordering::Relaxed) >= 2
}

/// Whether to colour (and redraw lines on) standard error.
pub fn color() -> bool {
    COLOR.load(Ordering::Relaxed)
}

/// `text` in an ANSI style (`"1;36"`: bold cyan) when colouring.
pub fn paint(style: &str, text: &str) -> String {
    if color() {
        format!("\x1b[{style}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// A stack status coloured as consoles show it: failures red, completion
/// green, work in progress yellow.
pub fn status(text: &str) -> String {
    let style = if text.contains("FAILED") || text.contains("ROLLBACK") {
        "31"
    } else if text.trim_end().ends_with("COMPLETE") {
        "32"
    } else {
        "33"
    };
    paint(style, text)
}

/// A progress line (`==> ...`), unless `--quiet`.
macro_rules! say {
    ($($arg:tt)*) => {
        if $crate::out::progress() {
            eprintln!("{} {}", $crate::out::paint("1;36", "==>"), format!($($arg)*));
        }
    };
}
pub(crate) use say;

/// A detail line under a progress line, unless `--quiet`.
macro_rules! detail {
    ($($arg:tt)*) => {
        if $crate::out::progress() {
            eprintln!($($arg)*);
        }
    };
}
pub(crate) use detail;

/// Prints each AWS call a client makes (`-v`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Trace;

impl aws_smithy_runtime_api::client::interceptors::Intercept for Trace {
    fn name(&self) -> &'static str {
        "Trace"
    }

    fn read_before_transmit(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        if let Some(m) = cfg.load::<aws_smithy_runtime_api::client::orchestrator::Metadata>() {
            eprintln!(
                "    {} {}.{} {}",
                paint("2", "aws:"),
                m.service(),
                m.name(),
                paint("2", context.request().uri())
            );
        }
        Ok(())
    }
}
