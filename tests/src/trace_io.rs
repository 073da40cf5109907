//! Reading and replaying ITF trace files ([R-TRACE-1]).

use crate::lockstep::{Failure, Lockstep, RunConfig};
use mend_spec::trace::{Trace, TraceAction};
use mend_spec::Outcome;
use std::path::{Path, PathBuf};

/// Why a trace file could not be replayed.
#[derive(Debug)]
pub enum ReplayError {
    Io(std::io::Error),
    Json(serde_json::Error),
    Meta(mend_spec::trace::TraceMetaError),
    /// The file is not shaped like a mend trace.
    Shape(String),
    /// Model and engine diverged while replaying.
    Diverged(Box<Failure>),
    /// The replay's outcome or view differs from the one recorded in the file.
    Recorded {
        index: usize,
        detail: String,
    },
}

impl std::fmt::Display for ReplayError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplayError::Io(e) => write!(f, "cannot read trace: {e}"),
            ReplayError::Json(e) => write!(f, "trace is not valid JSON for a mend trace: {e}"),
            ReplayError::Meta(e) => write!(f, "trace #meta: {e}"),
            ReplayError::Shape(s) => write!(f, "trace shape: {s}"),
            ReplayError::Diverged(failure) => write!(f, "{}", failure.headline()),
            ReplayError::Recorded { index, detail } => {
                write!(f, "state {index} differs from the recorded one: {detail}")
            }
        }
    }
}

/// Reads a mend trace file.
pub fn read_trace(path: &Path) -> Result<Trace, ReplayError> {
    let text = std::fs::read_to_string(path).map_err(ReplayError::Io)?;
    serde_json::from_str(&text).map_err(ReplayError::Json)
}

/// Replays a trace on model and engine in lockstep, and checks every
/// recorded outcome and view against the replay. Returns the run (whose last
/// view may violate an invariant: counterexample traces end in one).
pub fn replay_trace(trace: &Trace) -> Result<Lockstep, ReplayError> {
    let params = trace.meta.parse_params().map_err(ReplayError::Meta)?;
    let byzantine = trace.meta.parse_byzantine().map_err(ReplayError::Meta)?;
    let bug = trace.meta.parse_seeded_bug().map_err(ReplayError::Meta)?;
    let Some(first) = trace.states.first() else {
        return Err(ReplayError::Shape("no states".into()));
    };
    if first.action != TraceAction::Init {
        return Err(ReplayError::Shape(
            "state 0 is not the initial state".into(),
        ));
    }
    // A counterexample trace was produced by a model with a seeded bug; the
    // engine runs with the same bug so the two stay comparable.
    let config = RunConfig {
        params,
        byzantine,
        model_bug: bug,
        engine_bug: bug,
    };
    let mut run = Lockstep::new(config).map_err(ReplayError::Diverged)?;
    run.check_invariants = false;
    if run.model_view != first.view {
        return Err(ReplayError::Recorded {
            index: 0,
            detail: "initial view".into(),
        });
    }
    for (i, state) in trace.states.iter().enumerate().skip(1) {
        let TraceAction::Step(action) = &state.action else {
            return Err(ReplayError::Shape(format!("state {i} has no action")));
        };
        let outcome: Outcome = run.step(action).map_err(ReplayError::Diverged)?;
        if outcome != state.outcome {
            return Err(ReplayError::Recorded {
                index: i,
                detail: format!("outcome {outcome} vs recorded {}", state.outcome),
            });
        }
        if run.model_view != state.view {
            return Err(ReplayError::Recorded {
                index: i,
                detail: "view".into(),
            });
        }
    }
    Ok(run)
}

/// Every `*.itf.json` file under `dir`, sorted.
pub fn trace_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.to_string_lossy().ends_with(".itf.json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
