//! Lockstep replay: one action sequence through the model and the engine,
//! outcome and view compared after every step ([R-VIEW-1], [R-TRACE-1]).
//!
//! On the first difference the run stops with a [`Divergence`] that prints
//! both traces side by side from the first differing step and can write both
//! as ITF files, so the failure replays from a file.

use crate::adapter::{Adapter, MappingError};
use crate::keys::test_verifying_keys;
use mend_impl::{Engine, EngineEvent};
use mend_spec::trace::{StateMeta, Trace, TraceAction, TraceMeta, TraceState};
use mend_spec::{check_step, Action, Outcome, Params, SeededBug, ValidatorId, View, Violation};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The configuration of one lockstep run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunConfig {
    pub params: Params,
    pub byzantine: Vec<ValidatorId>,
    /// The seeded bug the model runs with.
    pub model_bug: Option<SeededBug>,
    /// The seeded bug the engine runs with.
    pub engine_bug: Option<SeededBug>,
}

impl RunConfig {
    /// Both renderings correct.
    pub fn correct(params: Params, byzantine: Vec<ValidatorId>) -> RunConfig {
        RunConfig {
            params,
            byzantine,
            model_bug: None,
            engine_bug: None,
        }
    }
}

/// One step as one rendering saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub outcome: Outcome,
    pub view: View,
}

/// Why a lockstep run stopped.
#[derive(Clone, Debug)]
pub enum Divergence {
    /// Outcome or view differ at step `index` (1-based; 0 is the initial view).
    Differ { index: usize },
    /// The engine's output could not be mapped back at step `index`.
    Unmappable { index: usize, error: MappingError },
    /// A rejected action changed the engine's state.
    RejectionChangedState { index: usize },
    /// A view broke an invariant (both renderings agreed on it).
    Invariant { index: usize, violation: Violation },
    /// The engine's audit chain does not verify from `record` on
    /// ([R-AUDIT-2]).
    AuditChain { index: usize, record: u64 },
}

/// A failed lockstep run, with everything needed to show and replay it.
#[derive(Clone, Debug)]
pub struct Failure {
    pub config: RunConfig,
    pub kind: Divergence,
    pub initial: View,
    pub model: Vec<Step>,
    pub engine: Vec<Step>,
}

/// Builds an engine for `config`.
pub fn build_engine(config: &RunConfig) -> Engine {
    let keys = test_verifying_keys(&config.params);
    build_engine_with_bug(config.params, keys, config.engine_bug)
}

fn build_engine_with_bug(
    params: Params,
    keys: Vec<ed25519_dalek::VerifyingKey>,
    bug: Option<SeededBug>,
) -> Engine {
    Engine::with_seeded_bug(params, keys, bug).expect("test keys match the parameters")
}

/// Model and engine side by side, advanced one action at a time.
#[derive(Clone, Debug)]
pub struct Lockstep {
    pub config: RunConfig,
    pub adapter: Adapter,
    pub engine: Engine,
    pub model_view: View,
    /// The engine's last view, mapped.
    pub engine_view: View,
    pub initial: View,
    pub model_steps: Vec<Step>,
    pub engine_steps: Vec<Step>,
    /// Whether to check the invariants after each step.
    pub check_invariants: bool,
}

impl Lockstep {
    /// Both renderings at genesis.
    pub fn new(config: RunConfig) -> Result<Lockstep, Box<Failure>> {
        let engine = build_engine(&config);
        let adapter = Adapter::new(config.params);
        let model_view = mend_model::init_view(&config.params);
        let mut run = Lockstep {
            engine_view: model_view.clone(),
            initial: model_view.clone(),
            config,
            adapter,
            engine,
            model_view,
            model_steps: Vec::new(),
            engine_steps: Vec::new(),
            check_invariants: true,
        };
        match run.adapter.abstract_view(&run.engine.snapshot()) {
            Ok(v) if v == run.model_view => {
                run.engine_view = v;
                Ok(run)
            }
            Ok(v) => {
                run.engine_view = v;
                Err(run.failure(Divergence::Differ { index: 0 }))
            }
            Err(error) => Err(run.failure(Divergence::Unmappable { index: 0, error })),
        }
    }

    fn failure(&self, kind: Divergence) -> Box<Failure> {
        let mut initial = self.initial.clone();
        if let Divergence::Differ { index: 0 } = kind {
            initial = self.engine_view.clone();
        }
        Box::new(Failure {
            config: self.config.clone(),
            kind,
            initial,
            model: self.model_steps.clone(),
            engine: self.engine_steps.clone(),
        })
    }

    /// Applies `action` to both and compares; returns the model's outcome.
    pub fn step(&mut self, action: &Action) -> Result<Outcome, Box<Failure>> {
        let index = self.model_steps.len() + 1;
        // The message is built from the model's view before the step: the
        // engine gets what the model expects to be valid.
        let message = self.adapter.to_message(action, &self.model_view);
        let (outcome, next) = mend_model::apply(
            &self.config.params,
            self.config.model_bug,
            &self.model_view,
            action,
        );
        self.model_steps.push(Step {
            action: *action,
            outcome: outcome.clone(),
            view: next.clone(),
        });
        self.model_view = next;

        // The whole engine, not only its snapshot: a rejection must leave
        // every byte of state as it was ([R-OUT-2]).
        let before = self.engine.clone();
        let engine_outcome = match self.engine.apply(&message) {
            Ok(events) => match self.adapter.abstract_events(&events) {
                Ok(mapped) => {
                    for e in &events {
                        if let EngineEvent::CheckpointFinalized { id } = e {
                            self.adapter.note_finalized(id);
                        }
                    }
                    Outcome::Accepted { events: mapped }
                }
                Err(error) => {
                    let unmapped = Outcome::Accepted { events: vec![] };
                    return Err(self.fail_unmappable(action, index, unmapped, error));
                }
            },
            Err(rejection) => Outcome::Rejected {
                rejection: rejection.code(),
            },
        };
        let rejected_but_changed = !engine_outcome.is_accepted() && self.engine != before;
        match self.adapter.abstract_view(&self.engine.snapshot()) {
            Ok(v) => self.engine_view = v,
            Err(error) => return Err(self.fail_unmappable(action, index, engine_outcome, error)),
        }
        self.engine_steps.push(Step {
            action: *action,
            outcome: engine_outcome.clone(),
            view: self.engine_view.clone(),
        });
        if engine_outcome != outcome || self.engine_view != self.model_view {
            return Err(self.failure(Divergence::Differ { index }));
        }
        if rejected_but_changed {
            return Err(self.failure(Divergence::RejectionChangedState { index }));
        }
        // [R-AUDIT-2] The engine's concrete chain, re-derived by its own
        // verifier: the view's abstract chain cannot see a wrong concrete
        // hash.
        if let Err(error) = self.engine.verify_audit_chain() {
            return Err(self.failure(Divergence::AuditChain {
                index,
                record: error.index,
            }));
        }
        if self.check_invariants {
            let before = match self.model_steps.len() {
                0 | 1 => &self.initial,
                n => &self.model_steps[n - 2].view,
            };
            if let Err(violation) = check_step(
                before,
                &self.model_view,
                &self.config.params,
                &self.config.byzantine,
            ) {
                return Err(self.failure(Divergence::Invariant { index, violation }));
            }
        }
        Ok(outcome)
    }

    /// Records the engine's step as far as it could be mapped (`outcome` is
    /// its real outcome, or an accepted step without its unmappable events),
    /// keeping the last mapped view, and fails.
    fn fail_unmappable(
        &mut self,
        action: &Action,
        index: usize,
        outcome: Outcome,
        error: MappingError,
    ) -> Box<Failure> {
        self.engine_steps.push(Step {
            action: *action,
            outcome,
            view: self.engine_view.clone(),
        });
        self.failure(Divergence::Unmappable { index, error })
    }

    /// Runs a whole sequence.
    pub fn run(config: RunConfig, actions: &[Action]) -> Result<Lockstep, Box<Failure>> {
        let mut run = Lockstep::new(config)?;
        for a in actions {
            run.step(a)?;
        }
        Ok(run)
    }
}

impl Failure {
    /// The step index where the traces first differ (or the failing step).
    pub fn index(&self) -> usize {
        match &self.kind {
            Divergence::Differ { index }
            | Divergence::Unmappable { index, .. }
            | Divergence::RejectionChangedState { index }
            | Divergence::Invariant { index, .. }
            | Divergence::AuditChain { index, .. } => *index,
        }
    }

    /// A short headline.
    pub fn headline(&self) -> String {
        match &self.kind {
            Divergence::Differ { index } => {
                format!(
                    "model and engine differ at step {index} of {}",
                    self.model.len()
                )
            }
            Divergence::Unmappable { index, error } => {
                format!("engine output at step {index} cannot be mapped back: {error}")
            }
            Divergence::RejectionChangedState { index } => {
                format!("step {index} was rejected but changed the engine's state")
            }
            Divergence::Invariant { index, violation } => {
                format!("invariant violated at step {index}: {violation}")
            }
            Divergence::AuditChain { index, record } => {
                format!("after step {index} the engine's audit chain breaks at record #{record}")
            }
        }
    }

    /// Both traces side by side from the first differing step: model on the
    /// left, engine on the right, `!` marking lines that differ.
    pub fn side_by_side(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{}", self.headline());
        let first = self.index().max(1);
        let _ = writeln!(
            out,
            "actions before step {first} were equal in outcome and view:"
        );
        for (i, s) in self.model.iter().enumerate().take(first - 1) {
            let _ = writeln!(out, "  {:>3}. {}", i + 1, s.action);
        }
        let width = 70;
        let _ = writeln!(out, "  {:<width$} | engine", "model");
        for i in first - 1..self.model.len().max(self.engine.len()) {
            let m = self.model.get(i);
            let e = self.engine.get(i);
            let action = m.or(e).map(|s| s.action.to_string()).unwrap_or_default();
            let _ = writeln!(out, "step {}: {}", i + 1, action);
            let left = m.map(render_step).unwrap_or_default();
            let right = e.map(render_step).unwrap_or_default();
            let (l, r): (Vec<&str>, Vec<&str>) = (left.lines().collect(), right.lines().collect());
            for j in 0..l.len().max(r.len()) {
                let a = l.get(j).copied().unwrap_or("");
                let b = r.get(j).copied().unwrap_or("");
                let mark = if a == b { ' ' } else { '!' };
                let _ = writeln!(out, "{mark} {:<width$} | {}", clip(a, width), b);
            }
        }
        out
    }

    /// Writes the model's and the engine's traces as ITF files under `dir`,
    /// returning their paths.
    pub fn write_traces(&self, dir: &Path, name: &str) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let m = dir.join(format!("{name}-model.itf.json"));
        let e = dir.join(format!("{name}-engine.itf.json"));
        let violation = match &self.kind {
            Divergence::Invariant { violation, .. } => Some(violation.to_string()),
            _ => None,
        };
        for (path, steps, source) in [
            (&m, &self.model, "mend-conformance model"),
            (&e, &self.engine, "mend-conformance engine"),
        ] {
            let trace = to_trace(
                &self.config,
                &self.initial,
                steps,
                source,
                &self.headline(),
                violation.clone(),
            );
            let json = serde_json::to_string_pretty(&trace).map_err(std::io::Error::other)?;
            std::fs::write(path, json)?;
        }
        Ok((m, e))
    }
}

fn render_step(s: &Step) -> String {
    format!("{}\n{}", s.outcome, s.view)
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(width - 1).collect();
        t.push('~');
        t
    }
}

/// Builds an ITF trace from recorded steps.
pub fn to_trace(
    config: &RunConfig,
    initial: &View,
    steps: &[Step],
    source: &str,
    description: &str,
    violation: Option<String>,
) -> Trace {
    let mut states = vec![TraceState {
        meta: StateMeta { index: 0 },
        action: TraceAction::Init,
        outcome: Outcome::Accepted { events: vec![] },
        view: initial.clone(),
    }];
    for (i, s) in steps.iter().enumerate() {
        states.push(TraceState {
            meta: StateMeta {
                index: i as u64 + 1,
            },
            action: TraceAction::Step(s.action),
            outcome: s.outcome.clone(),
            view: s.view.clone(),
        });
    }
    Trace {
        meta: TraceMeta::new(
            source,
            description,
            &config.params,
            &config.byzantine,
            config.model_bug,
            violation,
        ),
        vars: Trace::var_names(),
        states,
    }
}

/// Where failing traces are written: `$MEND_FAILURE_DIR`, or
/// `target/mend-failures` in the workspace.
pub fn failure_dir() -> PathBuf {
    std::env::var_os("MEND_FAILURE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("mend-failures")
        })
}

/// Prints a failure side by side, writes its traces, and returns a message
/// for a test to fail with.
pub fn report_failure(failure: &Failure, name: &str) -> String {
    let text = failure.side_by_side();
    let written = match failure.write_traces(&failure_dir(), name) {
        Ok((m, e)) => format!("traces written to {} and {}", m.display(), e.display()),
        Err(e) => format!("could not write traces: {e}"),
    };
    eprintln!("{text}\n{written}");
    format!("{}; {written}", failure.headline())
}
