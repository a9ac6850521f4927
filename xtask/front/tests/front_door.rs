//! `cargo xtask` as a user runs it: the front door renders `synth` itself,
//! the same text the full xtask renders in process, and hands every other
//! command line to the full xtask, exit code included.

use std::process::{Command, Output};

use xtask_args::config::ConfigArgs;
use xtask_args::workspace;
use xtask_front::stack_config::Load as _;
use xtask_front::synth::{render, Format, Source};

fn cargo_xtask(args: &[&str]) -> Output {
    Command::new(workspace::cargo())
        .arg("xtask")
        .args(args)
        .current_dir(workspace::root().expect("the workspace root"))
        .output()
        .expect("running cargo xtask")
}

#[test]
fn synth_prints_the_template_the_stack_renders() {
    let out = cargo_xtask(&["synth", "--stage", "test", "--format", "yaml"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let config = ConfigArgs::default()
        .load()
        .expect("the default configuration");
    let expected = render(
        &Source::Stage {
            stage: visitor_stack::Stage::Test,
            config: Box::new(config),
            label: String::new(),
        },
        Format::Yaml,
    )
    .expect("rendering the test stage");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}

#[test]
fn a_bad_synth_flag_is_named_with_the_values_it_takes() {
    let out = cargo_xtask(&["synth", "--stage", "staging"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("invalid value 'staging'"), "{stderr}");
    assert!(stderr.contains("[possible values: prod, test]"), "{stderr}");
}

#[test]
fn other_commands_reach_the_full_xtask_with_its_exit_code() {
    // Only the full xtask knows `gc`: its own flag error comes back.
    let out = cargo_xtask(&["gc", "--no-such-flag"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("Usage: cargo xtask gc"), "{stderr}");
    // And its list of commands answers --help.
    let out = cargo_xtask(&["--help"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for command in ["synth", "deploy", "test-stack", "local", "bench"] {
        assert!(
            stdout.contains(command),
            "{command} missing from:\n{stdout}"
        );
    }
}
