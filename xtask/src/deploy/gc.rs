//! `cargo xtask gc`: stack_deploy's collection of leaked test stacks, with
//! its age given as people write it.

use std::time::Duration;

use anyhow::{bail, Result};
use stack_deploy::gc::GcStep;

pub use stack_deploy::gc::check_age;

/// Parses `90m`, `2h`, `1d`, `45s`.
pub fn parse_age(text: &str) -> Result<Duration> {
    let (number, unit) = text.split_at(
        text.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len()),
    );
    let n: u64 = match number.parse() {
        Ok(n) => n,
        Err(_) => bail!("`{text}` is not an age; use a number and a unit, like 90m, 2h or 1d"),
    };
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" | "" => n * 3600,
        "d" => n * 86_400,
        other => bail!("unknown unit `{other}` in `{text}`; use s, m, h or d"),
    };
    Ok(Duration::from_secs(seconds))
}

/// Deletes `app`'s test stacks created more than `older_than` ago, printing
/// each; returns their names.
pub async fn collect(
    sdk: &aws_config::SdkConfig,
    app: &str,
    older_than: Duration,
    dry_run: bool,
) -> Result<Vec<String>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let s3 = aws_sdk_s3::Client::new(sdk);
    let show = |step: GcStep<'_>| match step {
        GcStep::WouldDelete(name) => crate::out::say!("would delete {name}"),
        GcStep::Deleting(name) => crate::out::say!("deleting {name}"),
        GcStep::Destroy(step) => super::destroy::show(step),
    };
    let leaked = stack_deploy::gc::collect(&cfn, &s3, app, older_than, dry_run, &show).await?;
    if leaked.is_empty() {
        crate::out::say!("no test stack of {app} older than {older_than:?}");
    }
    Ok(leaked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        assert_eq!(parse_age("2h").unwrap(), Duration::from_secs(7200));
        assert_eq!(parse_age("90m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_age("1d").unwrap(), Duration::from_secs(86_400));
        assert!(parse_age("soon").is_err());
        assert!(parse_age("3w").is_err());
    }
}
