//! Short counterexamples and trace files ([R-TRACE-1]).
//!
//! Stateright 0.31.0's breadth-first search keeps overwriting a property's
//! discovery with later matching states, so the path it reports can be far
//! longer than the shortest one. mend hands out short ones itself: replay
//! the discovered path with the rules, cut it at the first step that breaks
//! the property (for a state invariant, the first view that breaks it; for
//! a transition invariant, the first step `(V, V')` that does, so the
//! violating state is the one after the bad step), then shrink it (delete
//! actions, or an epoch tick with the later epochs renumbered, and if need
//! be the later actions that no longer apply) for as long as what is left
//! is still a run of the model, every action enabled and accepted, that
//! ends in a violation of the same property.
//!
//! The result is written as an ITF trace ([`mend_spec::trace`]): one state
//! per step with the action, its outcome and the view after it.
//! [`replay_trace`] re-applies a trace's actions and checks that every
//! recorded outcome and view is what the model produces.

use crate::behaviour::{enabled_actions, AlwaysProperty};
use crate::rules::{apply, init_view, ModelConfig};
use mend_spec::trace::{StateMeta, Trace, TraceAction, TraceMeta, TraceMetaError, TraceState};
use mend_spec::{
    check_step, Action, BlockClaim, Checkpoint, Epoch, Evidence, Outcome, Params, ParentLink,
    Proposal, Receipt, ValidatorId, View, Violation, Vote,
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
    /// What the property's predicate says about the last step.
    pub violation: Violation,
    /// How many steps the path reported by the checker had.
    pub discovered_steps: usize,
    /// The shrunk path: every action is enabled and accepted, and its last
    /// step breaks the property (no earlier step does).
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

/// If `actions` is a run of the model that breaks `property` somewhere,
/// the run cut just after the first step that breaks it, and that
/// violation. A state property is also checked on the initial view.
pub fn cut(
    cfg: &ModelConfig,
    property: AlwaysProperty,
    actions: &[Action],
) -> Option<(Vec<Action>, Violation)> {
    let init = init_view(&cfg.params);
    if let Err(violation) = property.check(&cfg.params, &cfg.byzantine, &init, &init) {
        return Some((vec![], violation));
    }
    let views = replay_as_run(cfg, actions)?;
    let befores = std::iter::once(&init).chain(views.iter());
    befores
        .zip(&views)
        .enumerate()
        .find_map(|(i, (before, after))| {
            property
                .check(&cfg.params, &cfg.byzantine, before, after)
                .err()
                .map(|violation| (actions[..=i].to_vec(), violation))
        })
}

/// Shrinks a run that breaks `property`. Candidates, tried in this order:
/// each single action deleted; each epoch tick deleted with every later
/// epoch number lowered by one (so that what happened in epoch `e + 1`
/// now happens in `e`); each contiguous chunk of two, three and more
/// actions deleted. A candidate is kept if it is still a run of the model
/// that breaks the same property (then cut at its first violation), and
/// shrinking starts over, until no candidate helps.
///
/// When none helps, the single deletions and tick deletions are tried once
/// more, each followed by dropping every later action that is then not
/// enabled or refused: a step may only make sense after the one deleted
/// (a rollback tick after the epoch tick that started the rollback,
/// [R-RB-1]), and deleting the two together is no contiguous chunk.
/// Returns `None` if `actions` does not break `property` to begin with.
pub fn shrink(
    cfg: &ModelConfig,
    property: AlwaysProperty,
    actions: &[Action],
) -> Option<(Vec<Action>, Violation)> {
    let (mut best, mut violation) = cut(cfg, property, actions)?;
    'shrinking: loop {
        let single = compute_single_candidates(&best);
        let plain = single
            .iter()
            .cloned()
            .chain(compute_chunk_candidates(&best));
        let cascaded = single.iter().map(|c| compute_survivors(cfg, c));
        for candidate in plain.chain(cascaded) {
            if let Some((shorter, found)) = cut(cfg, property, &candidate) {
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

/// The candidates that delete one action, or one epoch tick with every
/// later epoch lowered, in the order [`shrink`] tries them.
fn compute_single_candidates(actions: &[Action]) -> Vec<Vec<Action>> {
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
    candidates
}

/// The candidates that delete a contiguous chunk of two or more actions,
/// shortest first.
fn compute_chunk_candidates(actions: &[Action]) -> Vec<Vec<Action>> {
    let mut candidates = Vec::new();
    for chunk in 2..=actions.len() {
        for start in 0..=(actions.len() - chunk) {
            let mut candidate = actions.to_vec();
            candidate.drain(start..start + chunk);
            candidates.push(candidate);
        }
    }
    candidates
}

/// `actions` replayed from the initial view, keeping each one that the
/// model enables and the rules accept and dropping the others: the run
/// that is left of them.
fn compute_survivors(cfg: &ModelConfig, actions: &[Action]) -> Vec<Action> {
    let mut view = init_view(&cfg.params);
    let mut kept = Vec::with_capacity(actions.len());
    for action in actions {
        if !enabled_actions(cfg, &view).contains(action) {
            continue;
        }
        if let (Outcome::Accepted { .. }, next) = apply(&cfg.params, cfg.bug, &view, action) {
            view = next;
            kept.push(*action);
        }
    }
    kept
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
    let lower_vote = |v: Vote| Vote {
        epoch: lower(v.epoch),
        checkpoint: lower_checkpoint(v.checkpoint),
        ..v
    };
    let lower_proposal = |p: Proposal| Proposal {
        checkpoint: lower_checkpoint(p.checkpoint),
        ..p
    };
    let lower_claim = |c: BlockClaim| BlockClaim {
        epoch: lower(c.epoch),
        ..c
    };
    match *action {
        // Blocks, cross-shard prepares and votes, and rollback and healing
        // ticks name no epoch (an xtx vote's domain is its shard's
        // generation).
        Action::ProduceBlock { .. }
        | Action::PrepareXtx(_)
        | Action::CastXtxVote(_)
        | Action::AdvanceRollback { .. }
        | Action::AdvanceHealing { .. } => *action,
        Action::AdvanceEpoch { epoch } => Action::AdvanceEpoch {
            epoch: lower(epoch),
        },
        Action::ProposeCheckpoint(p) => Action::ProposeCheckpoint(lower_proposal(p)),
        Action::CastVote(v) => Action::CastVote(lower_vote(v)),
        Action::SubmitEvidence(evidence) => Action::SubmitEvidence(match evidence {
            Evidence::StateRootMismatch { vote } => Evidence::StateRootMismatch {
                vote: lower_vote(vote),
            },
            Evidence::Equivocation { first, second } => Evidence::Equivocation {
                first: lower_vote(first),
                second: lower_vote(second),
            },
            Evidence::InvalidReceipt { receipt } => Evidence::InvalidReceipt {
                receipt: Receipt {
                    epoch: lower(receipt.epoch),
                    ..receipt
                },
            },
            Evidence::ExecutionFailure { claim } => Evidence::ExecutionFailure {
                claim: lower_claim(claim),
            },
            Evidence::Liveness { shard } => Evidence::Liveness { shard },
            Evidence::CheckpointStateMismatch { proposal } => Evidence::CheckpointStateMismatch {
                proposal: lower_proposal(proposal),
            },
            Evidence::OrderingViolation { claim } => Evidence::OrderingViolation {
                claim: lower_claim(claim),
            },
        }),
    }
}

/// Cuts and shrinks the path the checker discovered for `property`.
pub fn minimise(
    cfg: &ModelConfig,
    property: AlwaysProperty,
    discovered: &[Action],
) -> Option<Counterexample> {
    let (actions, violation) = shrink(cfg, property, discovered)?;
    Some(Counterexample {
        property: property.name(),
        violation,
        discovered_steps: discovered.len(),
        actions,
    })
}

/// The first violation along a run from `init` through `views` (the view
/// after each step) of a deployment with `params`: every invariant checked
/// so far, on each step in order ([`mend_spec::check_step`]), so that a
/// transition violation is found on the step that made it. `None` if every
/// step passes.
pub fn compute_first_violation(
    params: &Params,
    byzantine: &[ValidatorId],
    init: &View,
    views: &[View],
) -> Option<Violation> {
    let befores = std::iter::once(init).chain(views.iter());
    befores
        .zip(views)
        .find_map(|(before, after)| check_step(before, after, params, byzantine).err())
}

/// Builds the ITF trace of `actions` under `cfg` ([R-TRACE-1]): state 0 is
/// the initial view (with an empty accepted outcome), then one state per
/// action. The metadata names the parameters, the Byzantine validators, the
/// seeded bug, and the first violation along the trace, if any
/// ([`compute_first_violation`]).
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
    let steps = replay(cfg, actions);
    let views: Vec<View> = steps.iter().map(|s| s.view.clone()).collect();
    let violation = compute_first_violation(&cfg.params, &cfg.byzantine, &init, &views);
    for (step, index) in steps.into_iter().zip(1u64..) {
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
            violation.map(|v| v.to_string()),
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
    /// The recorded violation text (or `none`) differs from the first
    /// violation along the replayed trace.
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
/// produces. Returns the first violation along the trace, if any, judged
/// with the Byzantine validators its metadata names.
pub fn replay_trace(trace: &Trace) -> Result<Option<Violation>, ReplayMismatch> {
    if trace.meta.format != "ITF" || trace.vars != Trace::var_names() {
        return Err(ReplayMismatch::NotAnItfTrace);
    }
    let params = trace.meta.parse_params().map_err(ReplayMismatch::Meta)?;
    let bug = trace
        .meta
        .parse_seeded_bug()
        .map_err(ReplayMismatch::Meta)?;
    let byzantine = trace.meta.parse_byzantine().map_err(ReplayMismatch::Meta)?;
    let Some((first, rest)) = trace.states.split_first() else {
        return Err(ReplayMismatch::NoInitialState);
    };
    if first.action != TraceAction::Init || first.meta.index != 0 {
        return Err(ReplayMismatch::NoInitialState);
    }
    let init = init_view(&params);
    if first.view != init {
        return Err(ReplayMismatch::InitialView {
            recorded: Box::new(first.view.clone()),
            model: Box::new(init),
        });
    }
    let mut view = init.clone();
    let mut views = Vec::with_capacity(rest.len());
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
        views.push(next.clone());
        view = next;
    }
    let violation = compute_first_violation(&params, &byzantine, &init, &views);
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
