//! Short counterexamples and trace files ([R-TRACE-1]).
//!
//! Stateright 0.31.0's breadth-first search keeps overwriting a property's
//! discovery with later matching states, so the path it reports can be far
//! longer than the shortest one. mend hands out short ones itself: replay
//! the discovered path with the rules, cut it at the first view that breaks
//! the invariant, then shrink it (delete actions, or an epoch tick with the
//! later epochs renumbered) for as long as what is left is still a run of
//! the model, every action enabled and accepted, that ends in a violation of
//! the same invariant.
//!
//! The result is written as an ITF trace ([`mend_spec::trace`]): one state
//! per step with the action, its outcome and the view after it.
//! [`replay_trace`] re-applies a trace's actions and checks that every
//! recorded outcome and view is what the model produces.

use crate::behaviour::{check_invariant, enabled_actions};
use crate::rules::{apply, init_view, ModelConfig};
use mend_spec::trace::{StateMeta, Trace, TraceAction, TraceMeta, TraceMetaError, TraceState};
use mend_spec::{
    check_view, Action, Checkpoint, Epoch, InvariantId, Outcome, ParentLink, Proposal, View,
    Violation, Vote,
};
use std::fmt;

/// One replayed step: the action, its outcome and the view after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub action: Action,
    pub outcome: Outcome,
    pub view: View,
}

/// A shrunk counterexample to an `always` property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counterexample {
    /// The name of the broken property.
    pub property: &'static str,
    /// What its invariant's predicate says about the last view.
    pub violation: Violation,
    /// How many steps the path reported by the checker had.
    pub discovered_steps: usize,
    /// The shrunk path: every action is enabled and accepted, and the last
    /// view violates the invariant.
    pub actions: Vec<Action>,
}

impl Counterexample {
    /// The shrunk path replayed step by step.
    pub fn steps(&self, cfg: &ModelConfig) -> Vec<Step> {
        replay(cfg, &self.actions)
    }
}

/// Applies `actions` one after the other from the initial view, rejected
/// ones included (they leave the view unchanged).
pub fn replay(cfg: &ModelConfig, actions: &[Action]) -> Vec<Step> {
    let mut view = init_view(&cfg.params);
    let mut steps = Vec::with_capacity(actions.len());
    for action in actions {
        let (outcome, next) = apply(&cfg.params, cfg.bug, &view, action);
        view = next;
        steps.push(Step {
            action: *action,
            outcome,
            view: view.clone(),
        });
    }
    steps
}

/// Replays `actions` as a run of the model: each action must be one the
/// model enables in the view before it and must be accepted. Returns the
/// views after each step, or `None` at the first action that is not.
fn replay_as_run(cfg: &ModelConfig, actions: &[Action]) -> Option<Vec<View>> {
    let mut view = init_view(&cfg.params);
    let mut views = Vec::with_capacity(actions.len());
    for action in actions {
        if !enabled_actions(cfg, &view).contains(action) {
            return None;
        }
        let (outcome, next) = apply(&cfg.params, cfg.bug, &view, action);
        if !outcome.is_accepted() {
            return None;
        }
        view = next;
        views.push(view.clone());
    }
    Some(views)
}

/// The violation of `invariant` in `view`, if there is one.
fn violation_of(invariant: InvariantId, view: &View) -> Option<Violation> {
    check_invariant(invariant, view)
        .err()
        .filter(|v| v.invariant() == invariant)
}

/// If `actions` is a run of the model that breaks `invariant` somewhere,
/// the run cut just after the first view that breaks it, and that
/// violation.
pub fn cut(
    cfg: &ModelConfig,
    invariant: InvariantId,
    actions: &[Action],
) -> Option<(Vec<Action>, Violation)> {
    if let Some(violation) = violation_of(invariant, &init_view(&cfg.params)) {
        return Some((vec![], violation));
    }
    let views = replay_as_run(cfg, actions)?;
    views.iter().enumerate().find_map(|(i, view)| {
        violation_of(invariant, view).map(|violation| (actions[..=i].to_vec(), violation))
    })
}

/// Shrinks a run that breaks `invariant`. Candidates, tried in this order:
/// each single action deleted; each epoch tick deleted with every later
/// epoch number lowered by one (so that what happened in epoch `e + 1`
/// now happens in `e`); each contiguous chunk of two, three and more
/// actions deleted. A candidate is kept if it is still a run of the model
/// that breaks the same invariant (then cut at its first violation), and
/// shrinking starts over, until no candidate helps. Returns `None` if
/// `actions` does not break `invariant` to begin with.
pub fn shrink(
    cfg: &ModelConfig,
    invariant: InvariantId,
    actions: &[Action],
) -> Option<(Vec<Action>, Violation)> {
    let (mut best, mut violation) = cut(cfg, invariant, actions)?;
    'shrinking: loop {
        for candidate in compute_candidates(&best) {
            if let Some((shorter, found)) = cut(cfg, invariant, &candidate) {
                if shorter.len() < best.len() {
                    best = shorter;
                    violation = found;
                    continue 'shrinking;
                }
            }
        }
        return Some((best, violation));
    }
}

/// The shrinking candidates of a run, in the order [`shrink`] tries them.
fn compute_candidates(actions: &[Action]) -> Vec<Vec<Action>> {
    let mut candidates = Vec::new();
    for start in 0..actions.len() {
        let mut candidate = actions.to_vec();
        candidate.remove(start);
        candidates.push(candidate);
    }
    for (start, action) in actions.iter().enumerate() {
        if let Action::AdvanceEpoch { epoch } = action {
            let later = actions[start + 1..]
                .iter()
                .map(|a| compute_epoch_lowered(a, *epoch));
            candidates.push(actions[..start].iter().copied().chain(later).collect());
        }
    }
    for chunk in 2..=actions.len() {
        for start in 0..=(actions.len() - chunk) {
            let mut candidate = actions.to_vec();
            candidate.drain(start..start + chunk);
            candidates.push(candidate);
        }
    }
    candidates
}

/// `action` with every epoch number at or above `removed` lowered by one:
/// what it would be had the tick to `removed` not happened.
fn compute_epoch_lowered(action: &Action, removed: Epoch) -> Action {
    let lower = |epoch: Epoch| {
        if epoch >= removed {
            Epoch(epoch.0.saturating_sub(1))
        } else {
            epoch
        }
    };
    let lower_checkpoint = |c: Checkpoint| Checkpoint {
        epoch: lower(c.epoch),
        parent: match c.parent {
            ParentLink::Genesis => ParentLink::Genesis,
            ParentLink::Checkpoint {
                epoch,
                height,
                root,
            } => ParentLink::Checkpoint {
                epoch: lower(epoch),
                height,
                root,
            },
        },
        ..c
    };
    match *action {
        Action::ProduceBlock { .. } => *action,
        Action::AdvanceEpoch { epoch } => Action::AdvanceEpoch {
            epoch: lower(epoch),
        },
        Action::ProposeCheckpoint(p) => Action::ProposeCheckpoint(Proposal {
            checkpoint: lower_checkpoint(p.checkpoint),
            ..p
        }),
        Action::CastVote(v) => Action::CastVote(Vote {
            epoch: lower(v.epoch),
            checkpoint: lower_checkpoint(v.checkpoint),
            ..v
        }),
    }
}

/// Cuts and shrinks the path the checker discovered for the `always`
/// property `property`, which checks `invariant`.
pub fn minimise(
    cfg: &ModelConfig,
    property: &'static str,
    invariant: InvariantId,
    discovered: &[Action],
) -> Option<Counterexample> {
    let (actions, violation) = shrink(cfg, invariant, discovered)?;
    Some(Counterexample {
        property,
        violation,
        discovered_steps: discovered.len(),
        actions,
    })
}

/// Builds the ITF trace of `actions` under `cfg` ([R-TRACE-1]): state 0 is
/// the initial view (with an empty accepted outcome), then one state per
/// action. The metadata names the parameters, the Byzantine validators, the
/// seeded bug, and the violation the last view shows, if any.
pub fn build_trace(
    cfg: &ModelConfig,
    actions: &[Action],
    source: &str,
    description: &str,
) -> Trace {
    let init = init_view(&cfg.params);
    let mut states = vec![TraceState {
        meta: StateMeta { index: 0 },
        action: TraceAction::Init,
        outcome: Outcome::Accepted { events: vec![] },
        view: init.clone(),
    }];
    let mut last = init;
    for (step, index) in replay(cfg, actions).into_iter().zip(1u64..) {
        last = step.view.clone();
        states.push(TraceState {
            meta: StateMeta { index },
            action: TraceAction::Step(step.action),
            outcome: step.outcome,
            view: step.view,
        });
    }
    Trace {
        meta: TraceMeta::new(
            source,
            description,
            &cfg.params,
            &cfg.byzantine,
            cfg.bug,
            check_view(&last).err().map(|v| v.to_string()),
        ),
        vars: Trace::var_names(),
        states,
    }
}

/// Why a trace does not replay on the model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayMismatch {
    /// The metadata's format is not `"ITF"`, or the variables are not
    /// `action`, `outcome`, `view`.
    NotAnItfTrace,
    /// The metadata's configuration cannot be read.
    Meta(TraceMetaError),
    /// The trace has no state, or its first state is not the initial one.
    NoInitialState,
    /// State `index` has the wrong index or is a second initial state.
    BadStateIndex { index: usize },
    /// The recorded initial view is not the model's.
    InitialView {
        recorded: Box<View>,
        model: Box<View>,
    },
    /// The model's outcome at state `index` differs from the recorded one.
    Outcome {
        index: usize,
        recorded: Outcome,
        model: Outcome,
    },
    /// The model's view after state `index` differs from the recorded one.
    View {
        index: usize,
        recorded: Box<View>,
        model: Box<View>,
    },
    /// The recorded violation text (or `none`) differs from the last
    /// view's.
    Violation { recorded: String, model: String },
}

impl fmt::Display for ReplayMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplayMismatch::NotAnItfTrace => write!(f, "not a mend ITF trace"),
            ReplayMismatch::Meta(error) => write!(f, "trace #meta: {error}"),
            ReplayMismatch::NoInitialState => write!(f, "the first state is not the initial one"),
            ReplayMismatch::BadStateIndex { index } => {
                write!(f, "state {index} is out of order or a second initial state")
            }
            ReplayMismatch::InitialView { recorded, model } => {
                write!(
                    f,
                    "initial view differs\nrecorded:\n{recorded}model:\n{model}"
                )
            }
            ReplayMismatch::Outcome {
                index,
                recorded,
                model,
            } => write!(
                f,
                "outcome of state {index} differs\nrecorded: {recorded}\nmodel:    {model}"
            ),
            ReplayMismatch::View {
                index,
                recorded,
                model,
            } => write!(
                f,
                "view after state {index} differs\nrecorded:\n{recorded}model:\n{model}"
            ),
            ReplayMismatch::Violation { recorded, model } => {
                write!(
                    f,
                    "violation differs\nrecorded: {recorded}\nmodel:    {model}"
                )
            }
        }
    }
}

impl std::error::Error for ReplayMismatch {}

/// Re-applies a trace's actions with the model, under the parameters and
/// the seeded bug its metadata names, and checks that every recorded
/// outcome and view, and the recorded violation, is what the model
/// produces. Returns the violation the last view shows, if any.
pub fn replay_trace(trace: &Trace) -> Result<Option<Violation>, ReplayMismatch> {
    if trace.meta.format != "ITF" || trace.vars != Trace::var_names() {
        return Err(ReplayMismatch::NotAnItfTrace);
    }
    let params = trace.meta.parse_params().map_err(ReplayMismatch::Meta)?;
    let bug = trace
        .meta
        .parse_seeded_bug()
        .map_err(ReplayMismatch::Meta)?;
    let Some((first, rest)) = trace.states.split_first() else {
        return Err(ReplayMismatch::NoInitialState);
    };
    if first.action != TraceAction::Init || first.meta.index != 0 {
        return Err(ReplayMismatch::NoInitialState);
    }
    let mut view = init_view(&params);
    if first.view != view {
        return Err(ReplayMismatch::InitialView {
            recorded: Box::new(first.view.clone()),
            model: Box::new(view),
        });
    }
    for (offset, state) in rest.iter().enumerate() {
        let index = offset + 1;
        let TraceAction::Step(action) = &state.action else {
            return Err(ReplayMismatch::BadStateIndex { index });
        };
        if usize::try_from(state.meta.index) != Ok(index) {
            return Err(ReplayMismatch::BadStateIndex { index });
        }
        let (outcome, next) = apply(&params, bug, &view, action);
        if outcome != state.outcome {
            return Err(ReplayMismatch::Outcome {
                index,
                recorded: state.outcome.clone(),
                model: outcome,
            });
        }
        if next != state.view {
            return Err(ReplayMismatch::View {
                index,
                recorded: Box::new(state.view.clone()),
                model: Box::new(next),
            });
        }
        view = next;
    }
    let violation = check_view(&view).err();
    let text = violation
        .as_ref()
        .map_or_else(|| "none".to_string(), |v| v.to_string());
    if text != trace.meta.violation {
        return Err(ReplayMismatch::Violation {
            recorded: trace.meta.violation.clone(),
            model: text,
        });
    }
    Ok(violation)
}
