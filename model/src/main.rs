//! `mend-model`: model-check, explore or simulate the protocol
//! (`spec/SPEC.md` §4 to §7) and write counterexamples as ITF traces
//! ([R-TRACE-1]).
//!
//! Exit codes: 0 when every `always` property holds and every `sometimes`
//! property has an example; 1 when a property fails (a counterexample is
//! written) or a file cannot be written; 2 on a bad command line.

use anyhow::Context;
use mend_model::counterexample::{build_trace, Counterexample};
use mend_model::determinism::{self, ReplicasCounterexample};
use mend_model::run::{self, CheckReport, Progress};
use mend_model::symmetry::{check_symmetric_config, SymmetryError};
use mend_model::{CheckpointModel, ModelConfig, NAMED_CONFIGS};
use mend_spec::SeededBug;
use stateright::Model;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  mend-model check [--config NAME] [--symmetry] [--bug NAME] [--threads T]
                   [--trace-out PATH]
  mend-model check --list-bugs
  mend-model check --list-configs
  mend-model explore [--addr HOST:PORT] [--config NAME] [--bug NAME]
  mend-model simulate --seed S --steps N [--runs R] [--shards S] [--committee N]
                      [--bug NAME] [--threads T] [--trace-out PATH]

check     explores every reachable state of each configuration of the
          default suite in order (finality, retention, faults, liveness,
          rollback, recovery, concurrent: committees of 4, one Byzantine
          member per committee; see --list-configs), or of the one
          --config names (tight, outside the suite, must fail: 2 Byzantine
          members of 4);
          with --bug NAME, of the configuration where that bug is caught
          (or of --config NAME), running with the bug. --threads defaults
          to 2; --trace-out (one configuration only) to
          traces/counterexample-<bug or configuration>.itf.json. Breadth
          first, or with --symmetry depth first, visiting one state of
          each set of states that differ only by renaming honest members
          of a committee (valid for the default Byzantine members only,
          and not for configurations whose committees take in outside
          validators, such as liveness, recovery and concurrent, which are
          then checked without it; pin its counts with --threads 1)
explore   serves Stateright Explorer (default localhost:3000) on a
          configuration (default finality)
simulate  walks about R (default 1000) random runs of at most N steps each
          through a larger configuration (default 4 shards, committees of
          7, one Byzantine member each, heights up to 8, epochs up to 3,
          every kind of evidence, one cross-shard transaction per shard);
          --threads defaults to 1, so that a seed reproduces its runs
";

/// A command-line mistake: printed with the usage, exit code 2.
#[derive(Debug)]
struct UsageError(String);

/// What the command line asks for.
enum Command {
    Help,
    ListBugs,
    ListConfigs,
    Check {
        /// The configurations to check, in order, each with the bug.
        configs: Vec<ModelConfig>,
        bug: Option<SeededBug>,
        threads: usize,
        trace_out: Option<PathBuf>,
        symmetry: bool,
    },
    Explore {
        addr: String,
        cfg: ModelConfig,
    },
    Simulate {
        cfg: ModelConfig,
        seed: u64,
        steps: usize,
        runs: usize,
        threads: usize,
        trace_out: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = match parse(&args) {
        Ok(command) => command,
        Err(UsageError(message)) => {
            eprintln!("mend-model: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match execute(command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("mend-model: {error:#}");
            ExitCode::from(1)
        }
    }
}

/// The names of every seeded bug, for error messages.
fn bug_names() -> String {
    SeededBug::ALL
        .iter()
        .map(|b| b.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_bug(name: &str) -> Result<SeededBug, UsageError> {
    SeededBug::from_name(name).ok_or_else(|| {
        UsageError(format!(
            "unknown seeded bug `{name}`; the seeded bugs are: {}",
            bug_names()
        ))
    })
}

fn parse_config(name: &str) -> Result<ModelConfig, UsageError> {
    ModelConfig::by_name(name).ok_or_else(|| {
        UsageError(format!(
            "unknown configuration `{name}`; the configurations are: {}",
            NAMED_CONFIGS.join(", ")
        ))
    })
}

fn parse_number<T: std::str::FromStr>(option: &str, value: &str) -> Result<T, UsageError> {
    value
        .parse()
        .map_err(|_| UsageError(format!("{option} needs a number, got `{value}`")))
}

/// Splits `--option value` pairs and lone flags, refusing repeats.
fn parse_options<'a>(
    args: &'a [String],
    flags: &[&str],
    valued: &[&str],
) -> Result<Vec<(&'a str, Option<&'a str>)>, UsageError> {
    let mut options: Vec<(&str, Option<&str>)> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let arg = arg.as_str();
        if options.iter().any(|(seen, _)| *seen == arg) {
            return Err(UsageError(format!("{arg} given twice")));
        }
        if flags.contains(&arg) {
            options.push((arg, None));
        } else if valued.contains(&arg) {
            let value = rest
                .next()
                .ok_or_else(|| UsageError(format!("{arg} needs a value")))?;
            options.push((arg, Some(value.as_str())));
        } else {
            return Err(UsageError(format!("unexpected argument `{arg}`")));
        }
    }
    Ok(options)
}

fn value_of<'a>(options: &[(&str, Option<&'a str>)], name: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|(option, _)| *option == name)
        .and_then(|(_, value)| *value)
}

fn parse(args: &[String]) -> Result<Command, UsageError> {
    let Some((command, rest)) = args.split_first() else {
        return Err(UsageError("no command given".into()));
    };
    match command.as_str() {
        "help" | "--help" | "-h" => Ok(Command::Help),
        "check" => {
            let options = parse_options(
                rest,
                &["--list-bugs", "--list-configs", "--symmetry"],
                &["--bug", "--config", "--threads", "--trace-out"],
            )?;
            for list in ["--list-bugs", "--list-configs"] {
                if options.iter().any(|(o, _)| *o == list) {
                    if options.len() > 1 {
                        return Err(UsageError(format!("{list} takes no other option")));
                    }
                    return Ok(if list == "--list-bugs" {
                        Command::ListBugs
                    } else {
                        Command::ListConfigs
                    });
                }
            }
            let threads = match value_of(&options, "--threads") {
                None => 2,
                Some(v) => parse_number("--threads", v)?,
            };
            if threads == 0 {
                return Err(UsageError("--threads must be at least 1".into()));
            }
            let bug = value_of(&options, "--bug").map(parse_bug).transpose()?;
            let config = value_of(&options, "--config")
                .map(parse_config)
                .transpose()?;
            let configs = match (config, bug) {
                (Some(cfg), bug) => vec![cfg.with_bug(bug)],
                (None, Some(bug)) => vec![ModelConfig::for_bug(bug)],
                (None, None) => {
                    let mut suite = ModelConfig::default_suite();
                    suite.push(ModelConfig::determinism());
                    suite
                }
            };
            let trace_out = value_of(&options, "--trace-out").map(PathBuf::from);
            if trace_out.is_some() && configs.len() > 1 {
                return Err(UsageError(
                    "--trace-out needs one configuration: give --config or --bug".into(),
                ));
            }
            Ok(Command::Check {
                configs,
                bug,
                threads,
                trace_out,
                symmetry: options.iter().any(|(o, _)| *o == "--symmetry"),
            })
        }
        "explore" => {
            let options = parse_options(rest, &[], &["--addr", "--config", "--bug"])?;
            let cfg = value_of(&options, "--config")
                .map_or_else(|| Ok(ModelConfig::default_config()), parse_config)?;
            Ok(Command::Explore {
                addr: value_of(&options, "--addr")
                    .unwrap_or("localhost:3000")
                    .to_string(),
                cfg: cfg.with_bug(value_of(&options, "--bug").map(parse_bug).transpose()?),
            })
        }
        "simulate" => {
            let options = parse_options(
                rest,
                &[],
                &[
                    "--seed",
                    "--steps",
                    "--shards",
                    "--committee",
                    "--runs",
                    "--bug",
                    "--threads",
                    "--trace-out",
                ],
            )?;
            let seed = value_of(&options, "--seed")
                .ok_or_else(|| UsageError("simulate needs --seed S".into()))
                .and_then(|v| parse_number("--seed", v))?;
            let steps = value_of(&options, "--steps")
                .ok_or_else(|| UsageError("simulate needs --steps N".into()))
                .and_then(|v| parse_number("--steps", v))?;
            if steps == 0 {
                return Err(UsageError("--steps must be at least 1".into()));
            }
            let runs = match value_of(&options, "--runs") {
                None => 1000,
                Some(v) => parse_number("--runs", v)?,
            };
            if runs == 0 {
                return Err(UsageError("--runs must be at least 1".into()));
            }
            let threads = match value_of(&options, "--threads") {
                None => 1,
                Some(v) => parse_number("--threads", v)?,
            };
            if threads == 0 {
                return Err(UsageError("--threads must be at least 1".into()));
            }
            let shards = match value_of(&options, "--shards") {
                None => 4,
                Some(v) => parse_number("--shards", v)?,
            };
            let committee = match value_of(&options, "--committee") {
                None => 7,
                Some(v) => parse_number("--committee", v)?,
            };
            let cfg = ModelConfig::try_large(shards, committee)
                .map_err(|e| UsageError(format!("bad configuration: {e}")))?;
            Ok(Command::Simulate {
                cfg: cfg.with_bug(value_of(&options, "--bug").map(parse_bug).transpose()?),
                seed,
                steps,
                runs,
                threads,
                trace_out: value_of(&options, "--trace-out").map(PathBuf::from),
            })
        }
        other => Err(UsageError(format!("unknown command `{other}`"))),
    }
}

fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Help => {
            print!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Command::ListBugs => {
            for bug in SeededBug::ALL {
                println!(
                    "{:<22} {} (caught by {})",
                    bug.name(),
                    bug.description(),
                    bug.caught_by().tag()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::ListConfigs => {
            for name in NAMED_CONFIGS {
                if let Some(cfg) = ModelConfig::by_name(name) {
                    println!("{name:<14} {}", cfg.describe());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check {
            configs,
            bug,
            threads,
            trace_out,
            symmetry,
        } => {
            let mut summary = Vec::new();
            let mut failed = false;
            for cfg in &configs {
                let trace_out = trace_out.clone().unwrap_or_else(|| {
                    PathBuf::from(format!(
                        "traces/counterexample-{}.itf.json",
                        bug.map_or(cfg.name, SeededBug::name)
                    ))
                });
                if cfg.is_replica_pair() {
                    if symmetry {
                        println!(
                            "mend-model check: `{}` runs two replicas side by side and is \
                             checked without symmetry reduction",
                            cfg.name
                        );
                    }
                    println!(
                        "mend-model check: exhaustive search of configuration `{}` (two replicas)",
                        cfg.name
                    );
                    let (report, counterexample) =
                        determinism::check_pair(cfg, threads, print_progress);
                    let source = format!(
                        "mend-model check --config {}{}",
                        cfg.name,
                        bug.map_or(String::new(), |b| format!(" --bug {}", b.name()))
                    );
                    failed |=
                        !conclude_pair(&report, counterexample.as_ref(), &trace_out, &source)?;
                    println!();
                    summary.push(report);
                    continue;
                }
                let refusal = if symmetry {
                    match check_symmetric_config(cfg) {
                        Err(error @ SymmetryError::CommitteesChange { .. }) => Some(error),
                        _ => None,
                    }
                } else {
                    None
                };
                if let Some(error) = &refusal {
                    println!("mend-model check: {error}");
                }
                let report = if symmetry && refusal.is_none() {
                    println!(
                        "mend-model check: exhaustive search of configuration `{}`, up to \
                         symmetry",
                        cfg.name
                    );
                    run::check_symmetric_with_progress(cfg, threads, print_progress)?
                } else {
                    println!(
                        "mend-model check: exhaustive search of configuration `{}`",
                        cfg.name
                    );
                    run::check_with_progress(cfg, threads, print_progress)
                };
                let source = format!(
                    "mend-model check --config {}{}{}",
                    cfg.name,
                    if symmetry && refusal.is_none() {
                        " --symmetry"
                    } else {
                        ""
                    },
                    bug.map_or(String::new(), |b| format!(" --bug {}", b.name()))
                );
                failed |= !conclude(&report, &trace_out, &source)?;
                println!();
                summary.push(report);
            }
            if summary.len() > 1 {
                print_summary(&summary);
            }
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Explore { addr, cfg } => {
            // Bind once first, so that a busy or bad address is an error
            // message rather than a panic inside the explorer.
            std::net::TcpListener::bind(&addr)
                .with_context(|| format!("cannot listen on {addr}"))?;
            print!("{}", run::ConfigSummary(&cfg));
            println!("Stateright Explorer on http://{addr}/ (Ctrl-C stops it)");
            CheckpointModel::new(cfg).checker().threads(1).serve(addr);
            Ok(ExitCode::SUCCESS)
        }
        Command::Simulate {
            cfg,
            seed,
            steps,
            runs,
            threads,
            trace_out,
        } => {
            println!(
                "mend-model simulate: seed {seed} (the same seed reproduces these runs), \
                 about {runs} random runs of at most {steps} steps"
            );
            let report = run::simulate(&cfg, seed, steps, runs, threads, print_progress);
            let trace_out = trace_out.unwrap_or_else(|| {
                PathBuf::from(format!(
                    "traces/counterexample-{}.itf.json",
                    cfg.bug.map_or("default", SeededBug::name)
                ))
            });
            let source = format!(
                "mend-model simulate --seed {seed} --steps {steps} --runs {runs} --shards {} \
                 --committee {}{}",
                cfg.params.shards,
                cfg.params.committee_size,
                cfg.bug
                    .map_or(String::new(), |b| format!(" --bug {}", b.name()))
            );
            Ok(if conclude(&report, &trace_out, &source)? {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// One line per configuration of a suite run, and the total time.
fn print_summary(reports: &[CheckReport]) {
    println!("summary");
    println!(
        "  {:<14} {:>12} {:>12} {:>6} {:>12} {:>9}  result",
        "config", "states", "unique", "depth", "states/s", "time"
    );
    let mut total = 0.0;
    for r in reports {
        let seconds = r.elapsed.as_secs_f64();
        total += seconds;
        println!(
            "  {:<14} {:>12} {:>12} {:>6} {:>12.0} {:>8.3}s  {}",
            r.cfg.name,
            r.states,
            r.unique_states,
            r.max_depth,
            r.states_per_second(),
            seconds,
            if r.passed() { "PASS" } else { "FAIL" }
        );
    }
    println!("  total time {total:.3} s");
    let passed = reports.iter().all(CheckReport::passed);
    println!("result: {}", if passed { "PASS" } else { "FAIL" });
}

fn print_progress(p: &Progress) {
    println!(
        "  ... {} states, {} unique, depth {}, {:.1} s",
        p.states,
        p.unique_states,
        p.max_depth,
        p.elapsed.as_secs_f64()
    );
}

/// Prints the report; on a counterexample prints it step by step and writes
/// its trace. Returns whether the report passed.
fn conclude(report: &CheckReport, trace_out: &Path, source: &str) -> anyhow::Result<bool> {
    print!("{report}");
    if let Some(counterexample) = &report.counterexample {
        print_counterexample(report, counterexample);
        write_trace(report, counterexample, trace_out, source)?;
        println!("trace written to {}", trace_out.display());
    }
    if report.passed() {
        println!("result: PASS");
        Ok(true)
    } else {
        println!("result: FAIL");
        Ok(false)
    }
}

/// [`conclude`] for the two-replica configuration: the report, then the
/// counterexample's steps, both replicas' final views and the two traces,
/// one per replica ([`replica_trace_paths`]).
fn conclude_pair(
    report: &CheckReport,
    counterexample: Option<&ReplicasCounterexample>,
    trace_out: &Path,
    source: &str,
) -> anyhow::Result<bool> {
    print!("{report}");
    if let Some(counterexample) = counterexample {
        println!(
            "counterexample to \"{}\": {} step(s), shrunk from {}",
            determinism::DETERMINISM_PROPERTY,
            counterexample.steps.len(),
            counterexample.discovered_steps
        );
        for (i, step) in counterexample.steps.iter().enumerate() {
            println!("  {:>2}. {step}", i + 1);
        }
        let first = counterexample.first_inputs();
        let second = counterexample.second_inputs();
        let first_steps = mend_model::counterexample::replay(&report.cfg, &first);
        let second_steps = mend_model::counterexample::replay(&report.cfg, &second);
        if let (Some(a), Some(b)) = (first_steps.last(), second_steps.last()) {
            println!("first replica's final view:\n{}", a.view);
            println!("second replica's final view:\n{}", b.view);
        }
        println!("violation: {}", counterexample.violation);
        let (first_path, second_path) = replica_trace_paths(trace_out);
        let description = |which: &str, other: &Path| {
            format!(
                "{which} replica of a shrunk two-replica counterexample to INV-5: the same \
                 inputs as {}, gossiped ones in another order within a segment; after the last \
                 step {}",
                other.display(),
                counterexample.violation
            )
        };
        write_actions(
            report,
            &first,
            &first_path,
            source,
            &description("first", &second_path),
        )?;
        write_actions(
            report,
            &second,
            &second_path,
            source,
            &description("second", &first_path),
        )?;
        println!(
            "traces written to {} and {}",
            first_path.display(),
            second_path.display()
        );
    }
    if report.passed() {
        println!("result: PASS");
        Ok(true)
    } else {
        println!("result: FAIL");
        Ok(false)
    }
}

/// The two trace files of a two-replica counterexample: `P.itf.json`
/// becomes `P.first.itf.json` and `P.second.itf.json`.
fn replica_trace_paths(path: &Path) -> (PathBuf, PathBuf) {
    let text = path.to_string_lossy();
    let stem = text.strip_suffix(".itf.json").unwrap_or(&text);
    (
        PathBuf::from(format!("{stem}.first.itf.json")),
        PathBuf::from(format!("{stem}.second.itf.json")),
    )
}

fn print_counterexample(report: &CheckReport, counterexample: &Counterexample) {
    println!(
        "counterexample to \"{}\": {} step(s), shrunk from {}",
        counterexample.property,
        counterexample.actions.len(),
        counterexample.discovered_steps
    );
    let steps = counterexample.steps(&report.cfg);
    for (i, step) in steps.iter().enumerate() {
        println!("  {:>2}. {}", i + 1, step.action);
        println!("      -> {}", step.outcome);
    }
    if let Some(last) = steps.last() {
        println!("final view:\n{}", last.view);
    }
    println!("violation: {}", counterexample.violation);
}

fn write_trace(
    report: &CheckReport,
    counterexample: &Counterexample,
    path: &Path,
    source: &str,
) -> anyhow::Result<()> {
    let description = format!(
        "shrunk counterexample to \"{}\": {}",
        counterexample.property, counterexample.violation
    );
    write_actions(report, &counterexample.actions, path, source, &description)
}

/// Writes the ITF trace of `actions` under the report's configuration.
fn write_actions(
    report: &CheckReport,
    actions: &[mend_spec::Action],
    path: &Path,
    source: &str,
    description: &str,
) -> anyhow::Result<()> {
    let trace = build_trace(&report.cfg, actions, source, description);
    let json = serde_json::to_string_pretty(&trace).context("cannot encode the trace")?;
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    std::fs::write(path, json + "\n").with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command, UsageError> {
        let args: Vec<String> = line.split_whitespace().map(String::from).collect();
        parse(&args)
    }

    fn usage_error(line: &str) -> String {
        match parse_line(line) {
            Err(UsageError(message)) => message,
            Ok(_) => panic!("`{line}` was accepted"),
        }
    }

    #[test]
    fn a_two_replica_counterexample_is_written_as_one_trace_per_replica() {
        let (first, second) = replica_trace_paths(Path::new("traces/x.itf.json"));
        assert_eq!(first, PathBuf::from("traces/x.first.itf.json"));
        assert_eq!(second, PathBuf::from("traces/x.second.itf.json"));
        let (first, second) = replica_trace_paths(Path::new("out.json"));
        assert_eq!(first, PathBuf::from("out.json.first.itf.json"));
        assert_eq!(second, PathBuf::from("out.json.second.itf.json"));
    }

    #[test]
    fn check_takes_its_defaults_and_its_options() {
        let Ok(Command::Check {
            configs,
            bug: None,
            threads: 2,
            trace_out: None,
            symmetry: false,
        }) = parse_line("check")
        else {
            panic!("wrong defaults");
        };
        // The suite, then the two-replica configuration.
        let mut expected = ModelConfig::default_suite();
        expected.push(ModelConfig::determinism());
        assert_eq!(configs, expected);
        let Ok(Command::Check {
            configs,
            bug: Some(SeededBug::RefinalizeHeight),
            threads: 1,
            trace_out: Some(path),
            symmetry: false,
        }) = parse_line("check --threads 1 --bug refinalize-height --trace-out x.json")
        else {
            panic!("options not parsed");
        };
        assert_eq!(path, PathBuf::from("x.json"));
        assert_eq!(
            configs,
            vec![ModelConfig::for_bug(SeededBug::RefinalizeHeight)]
        );
        assert!(matches!(
            parse_line("check --list-bugs"),
            Ok(Command::ListBugs)
        ));
        assert!(matches!(
            parse_line("check --list-configs"),
            Ok(Command::ListConfigs)
        ));
        assert!(matches!(
            parse_line("check --symmetry --bug quorum-of-two-f"),
            Ok(Command::Check {
                bug: Some(SeededBug::QuorumOfTwoF),
                symmetry: true,
                ..
            })
        ));
    }

    #[test]
    fn check_runs_the_named_configuration_with_the_bug_given() {
        let Ok(Command::Check { configs, .. }) = parse_line("check --config liveness") else {
            panic!("not parsed");
        };
        assert_eq!(configs, vec![ModelConfig::liveness()]);
        let Ok(Command::Check { configs, .. }) =
            parse_line("check --config finality-wide --bug silent-status-change")
        else {
            panic!("not parsed");
        };
        assert_eq!(
            configs,
            vec![ModelConfig::finality_wide().with_bug(Some(SeededBug::SilentStatusChange))]
        );
        // A bug alone runs where it is caught.
        let Ok(Command::Check { configs, .. }) = parse_line("check --bug isolate-wrong-shard")
        else {
            panic!("not parsed");
        };
        assert_eq!(configs[0].name, "faults");
        let Ok(Command::Explore { cfg, .. }) = parse_line("explore --config faults") else {
            panic!("not parsed");
        };
        assert_eq!(cfg, ModelConfig::faults());
        let message = usage_error("check --config nope");
        for name in NAMED_CONFIGS {
            assert!(message.contains(name), "{message}");
        }
    }

    #[test]
    fn an_unknown_bug_is_refused_with_the_valid_names() {
        let message = usage_error("check --bug no-such-bug");
        for bug in SeededBug::ALL {
            assert!(message.contains(bug.name()), "{message}");
        }
    }

    #[test]
    fn bad_command_lines_are_refused() {
        for line in [
            "",
            "verify",
            "check --threads",
            "check --threads two",
            "check --threads 0",
            "check --threads 1 --threads 2",
            "check --list-bugs --threads 1",
            "check --list-bugs --symmetry",
            "check --list-configs --config faults",
            "check --trace-out x.json",
            "check --config",
            "explore --config nope",
            "check --symmetry --symmetry",
            "check --symmetry yes",
            "check --frobnicate",
            "simulate --steps 10",
            "simulate --seed 1",
            "simulate --seed 1 --steps 0",
            "simulate --seed 1 --steps 5 --committee 3",
            "simulate --seed -1 --steps 5",
        ] {
            usage_error(line);
        }
    }

    #[test]
    fn simulate_builds_the_large_configuration() {
        let Ok(Command::Simulate {
            cfg,
            seed,
            steps,
            runs,
            threads,
            ..
        }) = parse_line(
            "simulate --seed 7 --steps 40 --shards 3 --committee 7 --bug quorum-of-two-f",
        )
        else {
            panic!("not parsed");
        };
        assert_eq!((seed, steps, runs, threads), (7, 40, 1000, 1));
        assert_eq!(
            cfg,
            ModelConfig::large(3, 7).with_bug(Some(SeededBug::QuorumOfTwoF))
        );
    }
}
