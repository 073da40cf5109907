//! Two replicas side by side: [INV-5 Determinism] as a model property
//! ([R-DET-5]).
//!
//! A single replica's model cannot see an order-dependent rule: it applies
//! one order at a time, and every order is a fine run of the protocol. What
//! INV-5 forbids is two replicas that received the same inputs in different
//! orders ending with different views. So this model runs two copies of the
//! rules ([`crate::rules::step`]) on two views:
//!
//! - a **sequenced** input ([R-DET-1]: a block, a proposal, an epoch tick,
//!   ...) reaches both replicas in the same step, and only once the second
//!   replica has caught up with the segment before it;
//! - a **gossiped** input (a checkpoint vote or evidence) reaches the first
//!   replica when the model generates it, and joins the second replica's
//!   **in-flight** list;
//! - the second replica receives the in-flight inputs one at a time, any of
//!   them next, so over every path it receives each segment in every order
//!   relative to the first (the first, too, receives the segment in every
//!   order, since the model generates its inputs in every order).
//!
//! Whenever nothing is in flight both replicas have received the same
//! inputs, and the `always` property compares their views with
//! [`check_inv5_determinism`]. Inputs are generated from the first
//! replica's view by the same honest and Byzantine behaviour as the
//! single-replica model ([`enabled_actions`]), restricted by class; a
//! gossiped input is delivered whether or not the first replica accepted
//! it, since an input refused in one order and accepted in another is
//! exactly what the property is about. At most
//! [`ReplicasModel::gossip_per_segment`] gossiped inputs are generated per
//! segment, which bounds the orders to explore.
//!
//! A counterexample is two runs of the ordinary model: the first replica's
//! inputs and the second's, the same multiset in two orders. Each is
//! written as an ordinary ITF trace, so both replay on the model and on the
//! engine.

use crate::behaviour::enabled_actions;
use crate::behaviour::PropertyKind;
use crate::config::ModelConfig;
use crate::config::DETERMINISM_GOSSIP_PER_SEGMENT;
use crate::rules::{init_view, step};
use crate::run::{wait_with_progress, CheckReport, Progress, PropertyResult, Strategy, Verdict};
use mend_spec::view::ShardView;
use mend_spec::{
    check_inv5_determinism, compute_quorum, Action, Checkpoint, FaultKind, View, Violation,
};
use stateright::{Checker, HasDiscoveries, Model, Property};
use std::fmt;
use std::time::{Duration, Instant};

/// The `always` property's name.
pub const DETERMINISM_PROPERTY: &str =
    "INV-5 Determinism: replicas that received the same inputs agree";

/// The `sometimes` properties, in the order the model lists them.
pub const DETERMINISM_EXAMPLES: [&str; 4] = [
    "one replica finalized a checkpoint the other still held pending",
    "kind-1 evidence reached one replica before the quorum and the other after",
    "one equivocation was recorded against a finalized checkpoint on one replica and a pending one on the other",
    "both replicas crossed a boundary holding a certificate with a late vote",
];

/// Whether an input is gossiped ([R-DET-1]): checkpoint votes and evidence.
/// Every other input is sequenced.
pub fn is_gossiped(action: &Action) -> bool {
    matches!(action, Action::CastVote(_) | Action::SubmitEvidence(_))
}

/// One step of the two-replica model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplicaAction {
    /// A sequenced input, applied to both replicas.
    Sequenced(Action),
    /// A gossiped input, applied to the first replica now and put in flight
    /// to the second.
    Gossip(Action),
    /// The second replica receives this in-flight input.
    Deliver(Action),
}

impl fmt::Display for ReplicaAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplicaAction::Sequenced(a) => write!(f, "both     <- {a}"),
            ReplicaAction::Gossip(a) => write!(f, "first    <- {a}"),
            ReplicaAction::Deliver(a) => write!(f, "second   <- {a}"),
        }
    }
}

/// The two replicas' views and what is in flight to the second.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ReplicasState {
    pub first: View,
    pub second: View,
    /// Gossiped inputs the first replica received in this segment and the
    /// second has not yet, ascending: a multiset, since the second replica
    /// may take any of them next whatever order the first took them in
    /// (keeping the first's order would only multiply states that the
    /// property cannot tell apart).
    pub in_flight: Vec<Action>,
    /// Gossiped inputs generated in this segment so far.
    pub gossiped: usize,
}

/// The two-replica model of a configuration.
#[derive(Clone, Debug)]
pub struct ReplicasModel {
    pub cfg: ModelConfig,
    /// At most this many gossiped inputs per segment.
    pub gossip_per_segment: usize,
}

impl ReplicasModel {
    /// The sequenced and gossiped inputs the behaviour offers in `view`.
    fn offered(&self, view: &View) -> Vec<Action> {
        enabled_actions(&self.cfg, view)
    }

    fn is_within_bounds(&self, view: &View) -> bool {
        view.epoch.0 <= self.cfg.max_epoch
            && view
                .shards
                .iter()
                .all(|s| s.height.0 <= self.cfg.max_height(s.shard))
    }
}

/// Applies `action` to `view` under `cfg`: the next view, or the same view
/// if the action is refused (a refusal changes nothing, [R-OUT-2]).
fn apply_to(cfg: &ModelConfig, view: &View, action: &Action) -> View {
    match step(&cfg.params, cfg.bug, view, action) {
        Ok((next, _)) => next,
        Err(_) => view.clone(),
    }
}

/// Whether the replicas hold the same segment in full: nothing in flight.
fn is_caught_up(state: &ReplicasState) -> bool {
    state.in_flight.is_empty()
}

fn holds_determinism(_: &ReplicasModel, state: &ReplicasState) -> bool {
    !is_caught_up(state) || check_inv5_determinism(&state.first, &state.second).is_ok()
}

/// Mid-segment, both replicas hold one state-root-mismatch fault, one with
/// the checkpoint at its height still pending and the other with it
/// finalized: the evidence reached one before the quorum and the other
/// after it ([R-DET-2] rule 4). (The second replica has received a subset
/// of what the first has, so this is as close as a state can show it.)
fn is_evidence_on_both_sides_of_the_quorum(_: &ReplicasModel, state: &ReplicasState) -> bool {
    let finalized_at = |s: &ShardView, h| s.finalized.iter().any(|c| c.checkpoint.height == h);
    let pending_at = |s: &ShardView, h| s.pending.iter().any(|p| p.checkpoint.height == h);
    state
        .first
        .shards
        .iter()
        .zip(&state.second.shards)
        .any(|(a, b)| {
            a.faults.iter().any(|f| {
                f.kind == FaultKind::StateRootMismatch
                    && b.faults.contains(f)
                    && ((finalized_at(a, f.height)
                        && !finalized_at(b, f.height)
                        && pending_at(b, f.height))
                        || (finalized_at(b, f.height)
                            && !finalized_at(a, f.height)
                            && pending_at(a, f.height)))
            })
        })
}

/// Mid-segment, both replicas hold one equivocation, recorded on one while
/// both its checkpoints were pending and on the other against a checkpoint
/// it had finalized ([R-DET-2] rule 2).
fn is_equivocation_against_pending_and_finalized(_: &ReplicasModel, state: &ReplicasState) -> bool {
    let finalized = |s: &ShardView, c: &Checkpoint| s.finalized.iter().any(|f| f.checkpoint == *c);
    state
        .first
        .shards
        .iter()
        .zip(&state.second.shards)
        .any(|(a, b)| {
            a.equivocations.iter().any(|e| {
                b.equivocations.contains(e)
                    && (finalized(a, &e.first) || finalized(a, &e.second))
                        != (finalized(b, &e.first) || finalized(b, &e.second))
            })
        })
}

/// Mid-segment, one replica has finalized a checkpoint that the other
/// still holds pending: the two are at different points of one segment.
fn is_finalized_on_one_side(_: &ReplicasModel, state: &ReplicasState) -> bool {
    let ahead = |x: &View, y: &View| {
        x.shards.iter().zip(&y.shards).any(|(a, b)| {
            a.finalized
                .iter()
                .any(|f| b.pending.iter().any(|p| p.checkpoint == f.checkpoint))
        })
    };
    ahead(&state.first, &state.second) || ahead(&state.second, &state.first)
}

/// Caught up after a boundary, with a certificate of more than `q`
/// signers: some vote joined it late on at least one replica.
fn is_boundary_with_late_vote(model: &ReplicasModel, state: &ReplicasState) -> bool {
    let quorum = compute_quorum(usize::from(model.cfg.params.committee_size));
    is_caught_up(state)
        && state.first.epoch.0 >= 1
        && state
            .first
            .shards
            .iter()
            .any(|s| s.finalized.iter().any(|c| c.signers.len() > quorum))
}

impl Model for ReplicasModel {
    type State = ReplicasState;
    type Action = ReplicaAction;

    fn init_states(&self) -> Vec<ReplicasState> {
        let view = init_view(&self.cfg.params);
        vec![ReplicasState {
            first: view.clone(),
            second: view,
            in_flight: vec![],
            gossiped: 0,
        }]
    }

    fn actions(&self, state: &ReplicasState, actions: &mut Vec<ReplicaAction>) {
        let offered = self.offered(&state.first);
        if is_caught_up(state) {
            actions.extend(
                offered
                    .iter()
                    .filter(|a| !is_gossiped(a))
                    .map(|a| ReplicaAction::Sequenced(*a)),
            );
        }
        if state.gossiped < self.gossip_per_segment {
            actions.extend(
                offered
                    .iter()
                    .filter(|a| is_gossiped(a))
                    .map(|a| ReplicaAction::Gossip(*a)),
            );
        }
        // Each distinct in-flight input once (the list is ascending).
        for (i, action) in state.in_flight.iter().enumerate() {
            if i == 0 || state.in_flight[i - 1] != *action {
                actions.push(ReplicaAction::Deliver(*action));
            }
        }
    }

    fn next_state(&self, state: &ReplicasState, action: ReplicaAction) -> Option<ReplicasState> {
        let mut next = state.clone();
        match action {
            ReplicaAction::Sequenced(a) => {
                // Both replicas hold the same view here (or the property
                // already failed); a refused sequenced input changes
                // neither, so it is no step worth exploring.
                let (first, _) = step(&self.cfg.params, self.cfg.bug, &state.first, &a).ok()?;
                next.first = first;
                next.second = apply_to(&self.cfg, &state.second, &a);
                next.gossiped = 0;
            }
            ReplicaAction::Gossip(a) => {
                next.first = apply_to(&self.cfg, &state.first, &a);
                let position = next.in_flight.partition_point(|x| *x <= a);
                next.in_flight.insert(position, a);
                next.gossiped += 1;
            }
            ReplicaAction::Deliver(a) => {
                let position = state.in_flight.iter().position(|x| *x == a)?;
                next.in_flight.remove(position);
                next.second = apply_to(&self.cfg, &state.second, &a);
            }
        }
        Some(next)
    }

    fn format_action(&self, action: &ReplicaAction) -> String {
        action.to_string()
    }

    fn properties(&self) -> Vec<Property<Self>> {
        vec![
            Property::always(DETERMINISM_PROPERTY, holds_determinism),
            Property::sometimes(DETERMINISM_EXAMPLES[0], is_finalized_on_one_side),
            Property::sometimes(
                DETERMINISM_EXAMPLES[1],
                is_evidence_on_both_sides_of_the_quorum,
            ),
            Property::sometimes(
                DETERMINISM_EXAMPLES[2],
                is_equivocation_against_pending_and_finalized,
            ),
            Property::sometimes(DETERMINISM_EXAMPLES[3], is_boundary_with_late_vote),
        ]
    }

    fn within_boundary(&self, state: &ReplicasState) -> bool {
        self.is_within_bounds(&state.first)
    }
}

/// A shrunk two-replica counterexample: the steps, and the two replicas'
/// inputs in the orders they received them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicasCounterexample {
    pub violation: Violation,
    /// How many steps the path reported by the checker had.
    pub discovered_steps: usize,
    /// The shrunk path; its last step leaves nothing in flight and the two
    /// views differ.
    pub steps: Vec<ReplicaAction>,
}

impl ReplicasCounterexample {
    /// The inputs the first replica received, in its order.
    pub fn first_inputs(&self) -> Vec<Action> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                ReplicaAction::Sequenced(a) | ReplicaAction::Gossip(a) => Some(*a),
                ReplicaAction::Deliver(_) => None,
            })
            .collect()
    }

    /// The inputs the second replica received, in its order: the same
    /// inputs as the first's, gossiped ones reordered within segments.
    pub fn second_inputs(&self) -> Vec<Action> {
        self.steps
            .iter()
            .filter_map(|s| match s {
                ReplicaAction::Sequenced(a) | ReplicaAction::Deliver(a) => Some(*a),
                ReplicaAction::Gossip(_) => None,
            })
            .collect()
    }
}

/// Replays `steps` from the initial state as a run of `model` (each step
/// enabled in the state before it) and returns the first violation of
/// INV-5 with the length of the run up to it, or `None` if the steps are
/// not a run or break nothing.
fn cut_replicas(model: &ReplicasModel, steps: &[ReplicaAction]) -> Option<(usize, Violation)> {
    let mut state = model.init_states().pop()?;
    for (i, step_action) in steps.iter().enumerate() {
        let mut enabled = Vec::new();
        model.actions(&state, &mut enabled);
        if !enabled.contains(step_action) {
            return None;
        }
        state = model.next_state(&state, *step_action)?;
        if is_caught_up(&state) {
            if let Err(violation) = check_inv5_determinism(&state.first, &state.second) {
                return Some((i + 1, violation));
            }
        }
    }
    None
}

/// Cuts a discovered path at its first violation and shrinks it: deletes
/// single steps, then a gossiped input together with its delivery, for as
/// long as what is left is still a run that breaks INV-5.
pub fn minimise_replicas(
    model: &ReplicasModel,
    discovered: &[ReplicaAction],
) -> Option<ReplicasCounterexample> {
    let (end, mut violation) = cut_replicas(model, discovered)?;
    let mut best = discovered[..end].to_vec();
    'shrinking: loop {
        for i in 0..best.len() {
            let mut candidate = best.clone();
            let removed = candidate.remove(i);
            if let ReplicaAction::Gossip(a) = removed {
                if let Some(j) = candidate[i..]
                    .iter()
                    .position(|s| *s == ReplicaAction::Deliver(a))
                {
                    candidate.remove(i + j);
                }
            }
            if let Some((end, v)) = cut_replicas(model, &candidate) {
                candidate.truncate(end);
                best = candidate;
                violation = v;
                continue 'shrinking;
            }
        }
        break;
    }
    Some(ReplicasCounterexample {
        violation,
        discovered_steps: discovered.len(),
        steps: best,
    })
}

/// What a check of the two-replica model found.
#[derive(Clone, Debug)]
pub struct ReplicasReport {
    pub states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    pub properties: Vec<PropertyResult>,
    pub counterexample: Option<ReplicasCounterexample>,
}

/// Explores every reachable state of the two-replica model of `cfg`
/// breadth first on `threads` threads, stopping at the first violation,
/// calling `progress` about every [`crate::run::PROGRESS_INTERVAL`].
pub fn check_replicas(
    model: &ReplicasModel,
    threads: usize,
    mut progress: impl FnMut(&Progress),
) -> ReplicasReport {
    let start = Instant::now();
    let checker = model
        .clone()
        .checker()
        .threads(threads.max(1))
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_bfs();
    wait_with_progress(&checker, start, &mut progress);
    let checker = checker.join();
    let elapsed = start.elapsed();
    let discoveries = checker.discoveries();
    let violated = discoveries.contains_key(DETERMINISM_PROPERTY);
    let mut properties = vec![PropertyResult {
        name: DETERMINISM_PROPERTY,
        kind: PropertyKind::Always,
        verdict: if violated {
            Verdict::Violated
        } else {
            Verdict::Holds
        },
    }];
    for name in DETERMINISM_EXAMPLES {
        let verdict = match (discoveries.contains_key(name), violated) {
            (true, _) => Verdict::ExampleFound,
            (false, true) => Verdict::NotReached,
            (false, false) => Verdict::NoExample,
        };
        properties.push(PropertyResult {
            name,
            kind: PropertyKind::Sometimes,
            verdict,
        });
    }
    let counterexample = discoveries
        .get(DETERMINISM_PROPERTY)
        .and_then(|path| minimise_replicas(model, &path.clone().into_actions()));
    ReplicasReport {
        states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        max_depth: checker.max_depth(),
        elapsed,
        properties,
        counterexample,
    }
}

/// Checks the two-replica model of `cfg` (the `determinism` configuration,
/// with its bug if any) with [`DETERMINISM_GOSSIP_PER_SEGMENT`] gossiped
/// inputs per segment: the report in the form the binary prints for every
/// configuration, and the shrunk counterexample if INV-5 broke.
pub fn check_pair(
    cfg: &ModelConfig,
    threads: usize,
    progress: impl FnMut(&Progress),
) -> (CheckReport, Option<ReplicasCounterexample>) {
    let model = ReplicasModel {
        cfg: cfg.clone(),
        gossip_per_segment: DETERMINISM_GOSSIP_PER_SEGMENT,
    };
    let report = check_replicas(&model, threads, progress);
    (
        CheckReport {
            cfg: cfg.clone(),
            strategy: Strategy::BfsReplicas {
                threads,
                gossip_per_segment: model.gossip_per_segment,
            },
            states: report.states,
            unique_states: report.unique_states,
            max_depth: report.max_depth,
            elapsed: report.elapsed,
            properties: report.properties,
            counterexample: None,
        },
        report.counterexample,
    )
}
