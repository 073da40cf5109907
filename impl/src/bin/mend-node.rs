//! `mend-node`: a minimal driver of the journal runtime (`spec/SPEC.md`
//! §10), used by the crash test.
//!
//! ```text
//! mend-node --journal PATH --inputs FILE [--create-params S,n,N,K,P,R]
//!           [--snapshot-every K]
//! ```
//!
//! Opens the journal at `PATH`, or creates it if there is none (with the
//! given parameters, the workload's by default, and the deterministic test
//! keys of `mend_spec::test_keys`: this is a test driver, not a deployment).
//! `FILE` holds inputs as `length: u32 LE || canonical message bytes`,
//! repeated; input `i` of the file is the `i`-th accepted input. Prints, one
//! line each, flushed as written:
//!
//! - `restored P` if opening loaded a snapshot covering `P` inputs
//!   ([R-JOURNAL-7]);
//! - `torn-tail offset O length L` if opening discarded a torn tail;
//! - `position P`: how many inputs are durable ([R-JOURNAL-5]);
//! - `ack I` for each input `I >= P` of the file, after it is durable
//!   ([R-JOURNAL-3]);
//! - `snapshot P` after writing a snapshot at position `P`: with
//!   `--snapshot-every K` (K > 0), after every input that brings the
//!   position to a multiple of `K` ([R-JOURNAL-7]);
//! - `digest HEX`: `mend_impl::view_digest` of the final engine view.
//!
//! Resuming from the journal's position, never from a count of its own, is
//! what makes a restart after a lost acknowledgement correct: inputs are not
//! idempotent. Any error prints its typed message and exits non-zero.

use mend_impl::journal::workload::{test_verifying_keys, workload_params};
use mend_impl::{ApplyError, Journal, JournalError};
use mend_spec::params::ParamsError;
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::Params;
use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Why the driver stopped.
#[derive(Debug)]
enum NodeError {
    Usage(&'static str),
    Params(ParamsError),
    Inputs {
        path: PathBuf,
        kind: std::io::ErrorKind,
    },
    InputsFraming {
        offset: usize,
    },
    InputsShort {
        position: u64,
        inputs: usize,
    },
    Journal(Box<JournalError>),
    Snapshot {
        position: u64,
        error: Box<JournalError>,
    },
    Apply {
        input: usize,
        error: Box<ApplyError>,
    },
}

impl fmt::Display for NodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeError::Usage(why) => write!(
                f,
                "{why}\nusage: mend-node --journal PATH --inputs FILE [--create-params S,n,N,K,P,R] \
                 [--snapshot-every K]"
            ),
            NodeError::Params(e) => write!(f, "--create-params: {e}"),
            NodeError::Inputs { path, kind } => {
                write!(f, "{}: cannot read the inputs: {kind}", path.display())
            }
            NodeError::InputsFraming { offset } => write!(
                f,
                "the inputs file is cut short at byte {offset}: each input is a u32 LE length \
                 and that many bytes"
            ),
            NodeError::InputsShort { position, inputs } => write!(
                f,
                "the journal holds {position} inputs but the inputs file only {inputs}: \
                 wrong inputs file for this journal"
            ),
            NodeError::Journal(e) => e.fmt(f),
            NodeError::Snapshot { position, error } => {
                write!(f, "snapshot at position {position}: {error}")
            }
            NodeError::Apply { input, error } => write!(f, "input {input}: {error}"),
        }
    }
}

struct Args {
    journal: PathBuf,
    inputs: PathBuf,
    params: Params,
    /// Snapshot whenever the position reaches a multiple of this; 0: never.
    snapshot_every: u64,
}

fn parse_params(text: &str) -> Result<Params, NodeError> {
    let bad = NodeError::Usage("--create-params takes six numbers: S,n,N,K,P,R");
    let fields: Vec<u64> = text
        .split(',')
        .map(|f| f.trim().parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| NodeError::Usage("--create-params takes six numbers: S,n,N,K,P,R"))?;
    let [s, n, interval, k, p, r] = fields[..] else {
        return Err(bad);
    };
    let narrow = |v: u64| u16::try_from(v).map_err(|_| bad_value());
    let wide = |v: u64| u32::try_from(v).map_err(|_| bad_value());
    Params::new(narrow(s)?, narrow(n)?, interval, wide(k)?, wide(p)?)
        .and_then(|params| {
            params.with_recovery(
                u16::try_from(r).unwrap_or(u16::MAX),
                ReassignmentStrategy::PrioritizeSlashed,
            )
        })
        .map_err(NodeError::Params)
}

fn bad_value() -> NodeError {
    NodeError::Usage("--create-params: a number is out of range")
}

fn parse_args() -> Result<Args, NodeError> {
    let mut journal = None;
    let mut inputs = None;
    let mut params = workload_params();
    let mut snapshot_every = 0;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or(NodeError::Usage("every flag takes a value"))?;
        match flag.as_str() {
            "--journal" => journal = Some(PathBuf::from(value)),
            "--inputs" => inputs = Some(PathBuf::from(value)),
            "--create-params" => params = parse_params(&value)?,
            "--snapshot-every" => {
                snapshot_every = value
                    .parse()
                    .map_err(|_| NodeError::Usage("--snapshot-every takes a number"))?
            }
            _ => return Err(NodeError::Usage("unknown flag")),
        }
    }
    Ok(Args {
        journal: journal.ok_or(NodeError::Usage("--journal is required"))?,
        inputs: inputs.ok_or(NodeError::Usage("--inputs is required"))?,
        params,
        snapshot_every,
    })
}

/// Splits `length: u32 LE || bytes` frames.
fn split_inputs(bytes: &[u8]) -> Result<Vec<&[u8]>, NodeError> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let frame = bytes
            .get(at..at + 4)
            .ok_or(NodeError::InputsFraming { offset: at })?;
        let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        let input = bytes
            .get(at + 4..at + 4 + len)
            .ok_or(NodeError::InputsFraming { offset: at })?;
        out.push(input);
        at += 4 + len;
    }
    Ok(out)
}

fn run() -> Result<(), NodeError> {
    let args = parse_args()?;
    let inputs_bytes = std::fs::read(&args.inputs).map_err(|e| NodeError::Inputs {
        path: args.inputs.clone(),
        kind: e.kind(),
    })?;
    let inputs = split_inputs(&inputs_bytes)?;
    let mut out = std::io::stdout().lock();
    let mut journal = if args.journal.exists() {
        let (journal, report) =
            Journal::open(&args.journal).map_err(|e| NodeError::Journal(Box::new(e)))?;
        if let Some(position) = report.snapshot {
            let _ = writeln!(out, "restored {position}");
        }
        if let Some(torn) = report.torn_tail {
            let _ = writeln!(
                out,
                "torn-tail offset {} length {}",
                torn.offset, torn.length
            );
        }
        journal
    } else {
        let keys = test_verifying_keys(&args.params);
        Journal::create(&args.journal, args.params, keys)
            .map_err(|e| NodeError::Journal(Box::new(e)))?
    };
    let position = journal.position();
    let _ = writeln!(out, "position {position}");
    let start = usize::try_from(position).unwrap_or(usize::MAX);
    if start > inputs.len() {
        return Err(NodeError::InputsShort {
            position,
            inputs: inputs.len(),
        });
    }
    for (input, bytes) in inputs.iter().enumerate().skip(start) {
        journal
            .apply_bytes(bytes)
            .map_err(|error| NodeError::Apply {
                input,
                error: Box::new(error),
            })?;
        // Durable: `apply_bytes` synced before returning.
        let _ = writeln!(out, "ack {input}");
        let _ = out.flush();
        let position = journal.position();
        if args.snapshot_every > 0 && position % args.snapshot_every == 0 {
            journal.snapshot().map_err(|error| NodeError::Snapshot {
                position,
                error: Box::new(error),
            })?;
            let _ = writeln!(out, "snapshot {position}");
            let _ = out.flush();
        }
    }
    let digest = mend_impl::view_digest(&journal.view());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let _ = writeln!(out, "digest {hex}");
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("mend-node: {error}");
            ExitCode::FAILURE
        }
    }
}
