//! Who does what: the honest and Byzantine behaviour of `spec/SPEC.md` §3
//! ([R-FAULT-MODEL-1] .. [R-FAULT-MODEL-3]) as a Stateright model whose
//! transitions are the rules of §4 ([`crate::rules::apply`]).
//!
//! [`enabled_actions`] lists, for a view, every action some validator (or
//! the block producer, or the epoch clock) may take. Honest validators
//! follow §3 exactly; Byzantine ones try everything the fault model allows
//! them that could matter for checkpoint finality. Most Byzantine attempts
//! are rejected by the rules, and a rejected action is simply not a
//! transition. The properties are the invariants INV-6 (quorum part) and
//! INV-7 ([`mend_spec::invariants`]), each paired with `sometimes` properties
//! that show the interesting steps really happen in the checked
//! configuration, so a pass is not vacuous.
//!
//! Stateright 0.31 rebuilds paths from action indices, so the action list
//! must come out in the same order every time: it is built only from the
//! view's sorted lists and the configuration, never from a hash map
//! ([R-DET-0]).

use crate::rules::{
    apply, compute_expected_parent, compute_honest_root, compute_next_checkpoint_height, init_view,
    step, ModelConfig,
};
use mend_spec::invariants::{check_inv6_quorum, check_inv7_no_forks};
use mend_spec::{
    Action, BlockFault, Checkpoint, Epoch, Height, InvariantId, ParentLink, Proposal, ShardView,
    Signature, StateRoot, ValidatorId, View, Violation, Vote,
};
use stateright::{Model, Property};

/// The checkpoint protocol as a Stateright model: the state is the abstract
/// [`View`], the actions are [`mend_spec::Action`]s.
#[derive(Clone, Debug)]
pub struct CheckpointModel {
    pub cfg: ModelConfig,
}

impl CheckpointModel {
    /// A model of `cfg`.
    pub fn new(cfg: ModelConfig) -> CheckpointModel {
        CheckpointModel { cfg }
    }
}

/// Whether a property must hold in every state or must hold in some state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    Always,
    Sometimes,
}

/// The `always` properties and the invariant each one checks, in the order
/// [`CheckpointModel::properties`] lists them.
pub const ALWAYS_PROPERTIES: [(&str, InvariantId); 2] = [
    ("INV-6 quorum", InvariantId::Inv6ByzantineTolerance),
    ("INV-7 NoForks", InvariantId::Inv7NoForks),
];

/// The invariant an `always` property checks, by property name.
pub fn invariant_of(property: &str) -> Option<InvariantId> {
    ALWAYS_PROPERTIES
        .iter()
        .find(|(name, _)| *name == property)
        .map(|(_, id)| *id)
}

/// Runs the predicate of `invariant` on a view. The invariants whose
/// protocol parts are not built yet have no predicate and always pass.
// The spec's predicates return this very type; boxing it here alone would
// only make the two differ.
#[allow(clippy::result_large_err)]
pub fn check_invariant(invariant: InvariantId, view: &View) -> Result<(), Violation> {
    match invariant {
        InvariantId::Inv6ByzantineTolerance => check_inv6_quorum(view),
        InvariantId::Inv7NoForks => check_inv7_no_forks(view),
        InvariantId::Inv1NoGlobalRollback
        | InvariantId::Inv2NoCrossShardCorruption
        | InvariantId::Inv3NoSilentRecovery
        | InvariantId::Inv4NoUnverifiedReintegration
        | InvariantId::Inv5Determinism => Ok(()),
    }
}

/// Every action enabled in `view`, in a fixed order: blocks, the epoch
/// tick, honest proposals, honest votes, Byzantine proposals, Byzantine
/// votes. Some of them are rejected by the rules; those are no transition.
pub fn enabled_actions(cfg: &ModelConfig, view: &View) -> Vec<Action> {
    let mut actions = Vec::new();
    push_blocks(cfg, view, &mut actions);
    push_epoch_tick(cfg, view, &mut actions);
    push_honest_proposals(cfg, view, &mut actions);
    push_honest_votes(cfg, view, &mut actions);
    push_byzantine_proposals(cfg, view, &mut actions);
    push_byzantine_votes(cfg, view, &mut actions);
    actions
}

/// Honest block production: the next well-formed block of every shard
/// below the height bound ([R-BLK-1]). Faulty blocks only test rejection,
/// which the unit tests of the rules cover; they change no state.
fn push_blocks(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        if shard.height.0 < cfg.max_height(shard.shard) {
            actions.push(Action::ProduceBlock {
                shard: shard.shard,
                fault: BlockFault::None,
            });
        }
    }
}

/// The epoch clock ticks until the epoch bound ([R-EPOCH-1]).
fn push_epoch_tick(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    if view.epoch.0 < cfg.max_epoch {
        if let Some(epoch) = view.epoch.next() {
            actions.push(Action::AdvanceEpoch { epoch });
        }
    }
}

/// The honest members of a shard's committee, ascending.
fn honest_members<'a>(
    cfg: &'a ModelConfig,
    shard: &'a ShardView,
) -> impl Iterator<Item = ValidatorId> + 'a {
    shard
        .committee
        .iter()
        .copied()
        .filter(|v| !cfg.is_byzantine(*v))
}

/// [R-FAULT-MODEL-2] An honest validator proposes only the next checkpoint
/// of its shard, with the honest root and the correct parent, once its head
/// has reached that height. One proposer per shard suffices: the lowest
/// numbered honest member (another honest member would propose the very
/// same checkpoint).
fn push_honest_proposals(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        let Some(proposer) = honest_members(cfg, shard).next() else {
            continue;
        };
        let Some(height) = compute_next_checkpoint_height(&cfg.params, shard) else {
            continue;
        };
        if height > shard.height {
            continue;
        }
        actions.push(Action::ProposeCheckpoint(Proposal {
            proposer,
            generation: shard.generation,
            checkpoint: Checkpoint {
                shard: shard.shard,
                epoch: view.epoch,
                height,
                root: compute_honest_root(height, shard.generation),
                parent: compute_expected_parent(shard),
            },
            signature: Signature::Valid,
        }));
    }
}

/// Whether `validator` has a vote counted on `shard` at `epoch` and
/// `height`, in a pending checkpoint or in a retained certificate. This is
/// an honest validator's memory of its own votes, read from the view.
fn has_voted_at(shard: &ShardView, validator: ValidatorId, epoch: Epoch, height: Height) -> bool {
    let at = |c: &Checkpoint| c.epoch == epoch && c.height == height;
    shard
        .pending
        .iter()
        .any(|p| at(&p.checkpoint) && p.votes.contains(&validator))
        || shard
            .finalized
            .iter()
            .any(|f| at(&f.checkpoint) && f.signers.contains(&validator))
}

/// [R-FAULT-MODEL-2] An honest validator votes only for a pending checkpoint
/// of its own shard whose root is the one its own execution produced at
/// that height, and at most once per (shard, epoch, height).
fn push_honest_votes(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        for validator in honest_members(cfg, shard) {
            for pending in &shard.pending {
                let checkpoint = pending.checkpoint;
                let is_executed = checkpoint.height <= shard.height;
                let is_honest_root =
                    checkpoint.root == compute_honest_root(checkpoint.height, shard.generation);
                if is_executed
                    && is_honest_root
                    && !has_voted_at(shard, validator, view.epoch, checkpoint.height)
                {
                    actions.push(Action::CastVote(Vote {
                        validator,
                        shard: shard.shard,
                        epoch: view.epoch,
                        generation: shard.generation,
                        checkpoint,
                        signature: Signature::Valid,
                    }));
                }
            }
        }
    }
}

/// [R-FAULT-MODEL-1] A Byzantine validator proposes, on its own shard, a
/// checkpoint at every positive multiple of `N` up to the head, with the
/// honest root or a forged one, naming genesis or any retained finalized
/// checkpoint as parent. The rules reject all but the right height and
/// parent; what remains is the forged checkpoint competing with the honest
/// one.
fn push_byzantine_proposals(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    let interval = cfg.params.checkpoint_interval_blocks;
    if interval == 0 {
        // Out of bounds ([R-PARAM-1]): no height is a checkpoint height.
        return;
    }
    for &proposer in &cfg.byzantine {
        for shard in &view.shards {
            if !shard.committee.contains(&proposer) {
                continue;
            }
            let parents: Vec<ParentLink> = std::iter::once(ParentLink::Genesis)
                .chain(shard.finalized.iter().map(|f| f.checkpoint.link()))
                .collect();
            let mut height = interval;
            while height <= shard.height.0 {
                let roots = [
                    compute_honest_root(Height(height), shard.generation),
                    StateRoot::Forged {
                        height: Height(height),
                        nonce: 0,
                    },
                ];
                for root in roots {
                    for &parent in &parents {
                        actions.push(Action::ProposeCheckpoint(Proposal {
                            proposer,
                            generation: shard.generation,
                            checkpoint: Checkpoint {
                                shard: shard.shard,
                                epoch: view.epoch,
                                height: Height(height),
                                root,
                                parent,
                            },
                            signature: Signature::Valid,
                        }));
                    }
                }
                let Some(following) = height.checked_add(interval) else {
                    break;
                };
                height = following;
            }
        }
    }
}

/// [R-FAULT-MODEL-1] A Byzantine validator votes for every pending
/// checkpoint of every shard, again and again, and on shards whose
/// committee it is not in. Correct rules reject the repeats and the
/// non-member votes; the seeded bugs `CountDuplicateVote` and
/// `CountNonMemberVote` count them. Two of its votes at one height are an
/// equivocation ([R-CKPT-10]).
fn push_byzantine_votes(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for &validator in &cfg.byzantine {
        for shard in &view.shards {
            for pending in &shard.pending {
                actions.push(Action::CastVote(Vote {
                    validator,
                    shard: pending.checkpoint.shard,
                    epoch: view.epoch,
                    generation: shard.generation,
                    checkpoint: pending.checkpoint,
                    signature: Signature::Valid,
                }));
            }
        }
    }
}

/// The configuration a model runs with; lets the property conditions serve
/// both models of this module.
pub trait Configured {
    fn config(&self) -> &ModelConfig;
}

impl Configured for CheckpointModel {
    fn config(&self) -> &ModelConfig {
        &self.cfg
    }
}

impl Configured for AcceptedStepsModel {
    fn config(&self) -> &ModelConfig {
        &self.cfg
    }
}

/// INV-6, quorum part, as a property condition.
fn holds_inv6_quorum<M>(_: &M, view: &View) -> bool {
    check_inv6_quorum(view).is_ok()
}

/// INV-7 as a property condition.
fn holds_inv7_no_forks<M>(_: &M, view: &View) -> bool {
    check_inv7_no_forks(view).is_ok()
}

/// Some shard has finalized a checkpoint.
fn is_some_finalized<M>(_: &M, view: &View) -> bool {
    view.shards.iter().any(|s| !s.finalized.is_empty())
}

/// A Byzantine validator's vote is counted in some pending checkpoint or
/// in some retained certificate.
fn is_byzantine_vote_counted<M: Configured>(model: &M, view: &View) -> bool {
    view.shards.iter().any(|s| {
        s.pending
            .iter()
            .flat_map(|p| p.votes.iter())
            .chain(s.finalized.iter().flat_map(|f| f.signers.iter()))
            .any(|v| model.config().is_byzantine(*v))
    })
}

/// Every shard has finalized a checkpoint.
fn is_every_shard_finalized<M>(_: &M, view: &View) -> bool {
    view.shards.iter().all(|s| !s.finalized.is_empty())
}

/// Some shard holds equivocation evidence.
fn is_equivocation_recorded<M>(_: &M, view: &View) -> bool {
    view.shards.iter().any(|s| !s.equivocations.is_empty())
}

/// Some shard has pruned a finalized checkpoint ([R-CKPT-9]): its oldest
/// retained one names a checkpoint parent, which can only be one that is no
/// longer retained.
fn is_some_pruned<M>(_: &M, view: &View) -> bool {
    view.shards.iter().any(|s| {
        s.finalized
            .first()
            .is_some_and(|oldest| oldest.checkpoint.parent != ParentLink::Genesis)
    })
}

/// One shard has finalized while another has not: shards finalize
/// independently.
fn is_one_shard_ahead<M>(_: &M, view: &View) -> bool {
    let finalized = view.shards.iter().any(|s| !s.finalized.is_empty());
    let unfinalized = view.shards.iter().any(|s| s.finalized.is_empty());
    finalized && unfinalized
}

/// The properties, with their kinds, in the order the models list them.
pub const PROPERTIES: [(&str, PropertyKind); 8] = [
    (ALWAYS_PROPERTIES[0].0, PropertyKind::Always),
    (ALWAYS_PROPERTIES[1].0, PropertyKind::Always),
    ("a checkpoint finalizes", PropertyKind::Sometimes),
    ("a Byzantine vote is counted", PropertyKind::Sometimes),
    ("both shards finalize", PropertyKind::Sometimes),
    ("equivocation is recorded", PropertyKind::Sometimes),
    ("a checkpoint is pruned", PropertyKind::Sometimes),
    (
        "a shard finalizes while another has none",
        PropertyKind::Sometimes,
    ),
];

/// [`PROPERTIES`] with their conditions, for either model.
fn model_properties<M: Model<State = View> + Configured>() -> Vec<Property<M>> {
    let conditions: [fn(&M, &View) -> bool; 8] = [
        holds_inv6_quorum::<M>,
        holds_inv7_no_forks::<M>,
        is_some_finalized::<M>,
        is_byzantine_vote_counted::<M>,
        is_every_shard_finalized::<M>,
        is_equivocation_recorded::<M>,
        is_some_pruned::<M>,
        is_one_shard_ahead::<M>,
    ];
    PROPERTIES
        .iter()
        .zip(conditions)
        .map(|(&(name, kind), condition)| match kind {
            PropertyKind::Always => Property::always(name, condition),
            PropertyKind::Sometimes => Property::sometimes(name, condition),
        })
        .collect()
}

/// Applies an action under a configuration, as a transition: `None` when
/// the rules reject it.
fn compute_next_view(cfg: &ModelConfig, view: &View, action: &Action) -> Option<View> {
    step(&cfg.params, cfg.bug, view, action)
        .ok()
        .map(|(next, _)| next)
}

/// Whether a view lies within the exploration bounds.
fn is_within_bounds(cfg: &ModelConfig, view: &View) -> bool {
    view.epoch.0 <= cfg.max_epoch
        && view
            .shards
            .iter()
            .all(|s| s.height.0 <= cfg.max_height(s.shard))
}

impl Model for CheckpointModel {
    type State = View;
    type Action = Action;

    fn init_states(&self) -> Vec<View> {
        vec![init_view(&self.cfg.params)]
    }

    fn actions(&self, state: &View, actions: &mut Vec<Action>) {
        actions.extend(enabled_actions(&self.cfg, state));
    }

    fn next_state(&self, last_state: &View, action: Action) -> Option<View> {
        compute_next_view(&self.cfg, last_state, &action)
    }

    fn format_action(&self, action: &Action) -> String {
        action.to_string()
    }

    fn format_step(&self, last_state: &View, action: Action) -> Option<String> {
        let (outcome, next) = apply(&self.cfg.params, self.cfg.bug, last_state, &action);
        Some(format!("{outcome}\n\n{next}"))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        model_properties()
    }

    fn within_boundary(&self, state: &View) -> bool {
        is_within_bounds(&self.cfg, state)
    }
}

/// The same model with only the accepted actions enabled, for the
/// simulation checker.
///
/// Stateright 0.31.0's simulation records the index of every action it
/// tries, rejected ones included, but takes each retry's index from a list
/// it has already shortened with `swap_remove`; rebuilding the path from
/// fresh action lists then follows other actions. When every enabled
/// action is accepted there is no retry and the recorded path is the
/// walked one. Breadth-first search has no such problem and uses the
/// cheaper [`CheckpointModel`].
#[derive(Clone, Debug)]
pub struct AcceptedStepsModel {
    pub cfg: ModelConfig,
}

impl Model for AcceptedStepsModel {
    type State = View;
    type Action = Action;

    fn init_states(&self) -> Vec<View> {
        vec![init_view(&self.cfg.params)]
    }

    fn actions(&self, state: &View, actions: &mut Vec<Action>) {
        actions.extend(
            enabled_actions(&self.cfg, state)
                .into_iter()
                .filter(|a| compute_next_view(&self.cfg, state, a).is_some()),
        );
    }

    fn next_state(&self, last_state: &View, action: Action) -> Option<View> {
        compute_next_view(&self.cfg, last_state, &action)
    }

    fn format_action(&self, action: &Action) -> String {
        action.to_string()
    }

    fn properties(&self) -> Vec<Property<Self>> {
        model_properties()
    }

    fn within_boundary(&self, state: &View) -> bool {
        is_within_bounds(&self.cfg, state)
    }
}
