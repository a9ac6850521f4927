//! `cargo xtask logs [FUNCTION]`: the functions' log lines, newest last,
//! each with its function's name in front. From this machine's last
//! `cargo xtask local` run by default, or from CloudWatch Logs with
//! `--aws` (or `--endpoint`): the Rust functions' log groups, and the edge
//! recorder's in every Region it ran in. Reading and interleaving is the
//! `stack-logs` library's; this is the command line over it.

use crate::stack_config::Load as _;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Result};
use stack_logs::{edge_sources, parse_since, readable, Place, Query, Reader, Source};

use crate::access::EDGE_PRINCIPAL;
use crate::build::BINARIES;
use crate::deploy::TargetArgs;
use crate::stack_config::ConfigArgs;

/// How often `--follow` asks for new lines.
const POLL: Duration = Duration::from_secs(2);

/// Options of `cargo xtask logs`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Without --aws or --endpoint, the lines come from the files the functions of the last\n`cargo xtask local` run wrote (target/local/logs; --dir reads another folder, such as a\ntest stack's target/test-stack/<stack>.logs). With --aws, from CloudWatch Logs: each Rust\nfunction's log group, and the edge recorder's log groups in every Region it ran in\n(Lambda@Edge logs where it runs, closest to the viewer). Lines print as\n`<time> <function> <level> <message> <fields> [<request id>]`; --json prints them as written.\n\nExamples:\n  cargo xtask logs --follow\n  cargo xtask logs processor --since 1h --filter \"handed over\"\n  cargo xtask logs --aws --stack resume-prod --since 30m\n  cargo xtask logs EdgeRecorder --aws --json"
)]
pub struct Args {
    /// The function: its logical ID (Processor, CountsApi, Connect, Broadcaster, EdgeRecorder) or
    /// binary name (counts-api), any case; all of them, interleaved by time, when left out.
    pub function: Option<String>,
    /// Keep printing new lines as they arrive (Ctrl-C stops).
    #[arg(long, short)]
    pub follow: bool,
    /// How far back to start: 90s, 10m, 2h, 1d, 1h30m.
    #[arg(long, default_value = "10m", value_name = "DURATION")]
    pub since: String,
    /// Only lines containing this text (case-sensitive).
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// Print each line as the function wrote it (JSON), after its time and function.
    #[arg(long)]
    pub json: bool,
    /// The stack, with --aws or --endpoint [default: <app>-prod].
    #[arg(long)]
    pub stack: Option<String>,
    /// The folder of local log files [default: target/local/logs].
    #[arg(long, value_name = "DIR", conflicts_with_all = ["aws", "endpoint"])]
    pub dir: Option<PathBuf>,
    /// Regions to search for the edge recorder's logs, comma-separated [default: every
    /// Region enabled by default].
    #[arg(long, value_delimiter = ',', value_name = "REGIONS")]
    pub edge_regions: Vec<String>,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// The functions, by logical ID, with their local file's name.
fn functions() -> Vec<(&'static str, &'static str)> {
    BINARIES
        .iter()
        .copied()
        .chain([(EDGE_PRINCIPAL, EDGE_PRINCIPAL)])
        .collect()
}

/// The functions `asked` names (all of them for `None`).
fn selected(asked: Option<&str>) -> Result<Vec<(&'static str, &'static str)>> {
    let all = functions();
    let Some(asked) = asked else {
        return Ok(all);
    };
    let wanted = asked.to_ascii_lowercase().replace(['-', '_'], "");
    let chosen: Vec<_> = all
        .iter()
        .copied()
        .filter(|(id, binary)| {
            id.to_ascii_lowercase() == wanted || binary.replace('-', "") == wanted
        })
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = all.iter().map(|(id, _)| *id).collect();
        bail!(
            "there is no function `{asked}`: use one of {} (or its binary name, such as counts-api)",
            names.join(", ")
        );
    }
    Ok(chosen)
}

pub fn run(args: &Args) -> Result<()> {
    let since = parse_since(&args.since)?;
    let chosen = selected(args.function.as_deref())?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0);
    let query = Query {
        start_ms: now_ms - since.as_millis() as i64,
        filter: args.filter.clone(),
    };
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let waiting = crate::signals::waiter();
        let work = async {
            let mut reader = if args.target.aws || args.target.endpoint.is_some() {
                cloud_reader(args, &chosen, query).await?
            } else {
                local_reader(args, &chosen, query)?
            };
            let width = reader
                .sources()
                .iter()
                .map(|s| s.name.len())
                .max()
                .unwrap_or(0);
            let mut failing = BTreeMap::new();
            let mut first = reader.next().await;
            if first.lines.is_empty() && first.errors.len() == reader.sources().len() {
                if let Some((name, error)) = first.errors.pop() {
                    return Err(anyhow::Error::new(error).context(format!("reading {name}'s logs")));
                }
            }
            if !show(first, width, args.json, &mut failing) || !args.follow {
                return Ok(());
            }
            loop {
                tokio::time::sleep(POLL).await;
                if !show(reader.next().await, width, args.json, &mut failing) {
                    return Ok(());
                }
            }
        };
        tokio::select! {
            result = work => result,
            // Ctrl-C is how following ends.
            signal = waiting.signal() => match args.follow {
                true => Ok(()),
                false => Err(crate::signals::Interrupted(signal).into()),
            },
        }
    })
}

fn local_reader(args: &Args, chosen: &[(&str, &str)], query: Query) -> Result<Reader> {
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => crate::local::logs_dir()?,
    };
    let sources: Vec<Source> = chosen
        .iter()
        .map(|(id, file)| Source {
            name: (*id).to_owned(),
            place: Place::File(visitor_model::env::local_log_file(&dir, file)),
        })
        .collect();
    let any = sources
        .iter()
        .any(|s| matches!(&s.place, Place::File(p) if p.exists()));
    if !any && !args.follow {
        bail!(
            "no local logs in {}: start `cargo xtask local` (its functions write there), give --dir, or read a deployed stack with --aws",
            dir.display()
        );
    }
    Ok(Reader::new(sources, query))
}

async fn cloud_reader(args: &Args, chosen: &[(&str, &str)], query: Query) -> Result<Reader> {
    let config = args.config.load()?;
    let stack = args
        .stack
        .clone()
        .unwrap_or_else(|| format!("{}-prod", config.app_name));
    let target = args.target.existing()?;
    let sdk = target.sdk_config().await;
    let regions: Vec<&str> = if args.edge_regions.is_empty() {
        stack_logs::EDGE_REGIONS.to_vec()
    } else {
        args.edge_regions.iter().map(String::as_str).collect()
    };
    let sources = stack_sources(&sdk, &stack, chosen, args.function.is_some(), &regions).await?;
    Ok(Reader::new(sources, query).with_aws(sdk))
}

/// The log groups of `chosen` in `stack`: each Rust function's `<Id>Logs`
/// group, and the edge recorder's group in each of `regions` it ran in.
/// With `named` (the user asked for these), a function the stack lacks is
/// an error; otherwise it is left out (the test stage has no edge recorder).
pub(crate) async fn stack_sources(
    sdk: &aws_config::SdkConfig,
    stack: &str,
    chosen: &[(&str, &str)],
    named: bool,
    regions: &[&str],
) -> Result<Vec<Source>> {
    let cfn = aws_sdk_cloudformation::Client::new(sdk);
    let physical = stack_serve::physical_ids(&cfn, stack).await?;
    let mut sources = Vec::new();
    for (id, _) in chosen {
        let resource = if *id == EDGE_PRINCIPAL {
            (*id).to_owned()
        } else {
            format!("{id}Logs")
        };
        let Some(physical_id) = physical.get(&resource) else {
            if named {
                bail!("the stack {stack} has no {resource}: is {id} part of this stage?");
            }
            continue;
        };
        if *id == EDGE_PRINCIPAL {
            let search = edge_sources(sdk, id, physical_id, regions).await;
            for (region, why) in &search.skipped {
                eprintln!("warning: the edge recorder's logs in {region} were not searched: {why}");
            }
            if search.sources.is_empty() {
                eprintln!(
                    "note: {id} has no log group yet in {} (it logs where it runs, once it has run there)",
                    regions.join(", ")
                );
            }
            sources.extend(search.sources);
        } else {
            sources.push(Source {
                name: (*id).to_owned(),
                place: Place::Group {
                    group: physical_id.clone(),
                    region: None,
                },
            });
        }
    }
    if sources.is_empty() && !chosen.iter().any(|(id, _)| *id == EDGE_PRINCIPAL) {
        bail!("the stack {stack} has none of the functions' log groups");
    }
    Ok(sources)
}

/// Prints a batch's lines, and each source's error once (until it
/// changes or the source reads again). False when standard output is gone
/// (`cargo xtask logs | head`): there is nobody left to print for.
fn show(
    batch: stack_logs::Batch,
    width: usize,
    json: bool,
    failing: &mut BTreeMap<String, String>,
) -> bool {
    let failed: Vec<String> = batch.errors.iter().map(|(n, _)| n.clone()).collect();
    failing.retain(|name, _| failed.contains(name));
    for (name, error) in batch.errors {
        let text = error.to_string();
        if failing.get(&name) != Some(&text) {
            eprintln!("warning: {name}'s logs could not be read (asked again next time): {text}");
            failing.insert(name, text);
        }
    }
    let mut out = std::io::stdout().lock();
    for line in &batch.lines {
        let text = if json {
            line.text.clone()
        } else {
            readable(&line.text)
        };
        if writeln!(out, "{} {:<width$} {text}", line.time(), line.source).is_err() {
            return false;
        }
    }
    out.flush().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::{deploy, tests::options, Target};
    use visitor_stack::{StackConfig, Stage};

    /// On a deployed stack (the test stage, on moto): each Rust function's
    /// log group is found from the stack, the edge recorder the stage lacks
    /// is left out unless asked for, and a line written to the processor's
    /// group comes back with its function's name.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_deployed_stacks_log_groups_are_read() {
        let moto = emulator::Moto::start().unwrap_or_else(|e| panic!("{e}"));
        let sdk = moto.sdk_config().await;
        let target = Target::Endpoint(moto.endpoint().to_owned());
        let deployed = deploy(
            &target,
            Stage::Test,
            "logs-test",
            &StackConfig::default(),
            &options(),
        )
        .await
        .unwrap();
        let physical =
            stack_serve::physical_ids(&aws_sdk_cloudformation::Client::new(&sdk), "logs-test")
                .await
                .unwrap();
        drop(deployed);
        let sources = stack_sources(
            &sdk,
            "logs-test",
            &selected(None).unwrap(),
            false,
            &["us-east-1"],
        )
        .await
        .unwrap();
        let names: Vec<&str> = sources.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["Processor", "CountsApi", "Connect", "Broadcaster"]
        );
        let error = stack_sources(
            &sdk,
            "logs-test",
            &selected(Some("EdgeRecorder")).unwrap(),
            true,
            &["us-east-1"],
        )
        .await
        .unwrap_err()
        .to_string();
        assert!(error.contains("has no EdgeRecorder"), "{error}");

        let group = &physical["ProcessorLogs"];
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
        let _ = logs
            .create_log_stream()
            .log_group_name(group)
            .log_stream_name("2026/12/01/[$LATEST]abc")
            .send()
            .await;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        logs.put_log_events()
            .log_group_name(group)
            .log_stream_name("2026/12/01/[$LATEST]abc")
            .log_events(
                aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                    .timestamp(now)
                    .message(
                        r#"{"level":"INFO","fields":{"message":"batch processed","counted":1}}"#,
                    )
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
        let mut reader = Reader::new(
            sources,
            Query {
                start_ms: now - 60_000,
                filter: None,
            },
        )
        .with_aws(sdk);
        let batch = reader.next().await;
        assert!(batch.errors.is_empty(), "{:?}", batch.errors);
        assert_eq!(batch.lines.len(), 1);
        assert_eq!(batch.lines[0].source, "Processor");
        assert_eq!(
            readable(&batch.lines[0].text),
            "INFO  batch processed counted=1"
        );
    }

    #[test]
    fn functions_are_named_by_logical_id_or_binary_in_any_case() {
        assert_eq!(
            selected(Some("counts-api")).unwrap(),
            vec![("CountsApi", "counts-api")]
        );
        assert_eq!(selected(Some("countsapi")).unwrap()[0].0, "CountsApi");
        assert_eq!(selected(Some("Processor")).unwrap()[0].1, "processor");
        assert_eq!(
            selected(Some("edge_recorder")).unwrap()[0].0,
            "EdgeRecorder"
        );
        assert_eq!(selected(None).unwrap().len(), 5);
        let error = selected(Some("nope")).unwrap_err().to_string();
        assert!(error.contains("Processor, CountsApi"), "{error}");
    }
}
