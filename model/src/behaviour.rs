//! Who does what: the honest and Byzantine behaviour of `spec/SPEC.md` §3
//! ([R-FAULT-MODEL-1] .. [R-FAULT-MODEL-3]) as a Stateright model whose
//! transitions are the rules of §4 to §7 ([`crate::rules::apply`]).
//!
//! [`enabled_actions`] lists, for a view, every action some validator (or
//! the block producer, the epoch clock, or anyone holding evidence) may
//! take. Honest validators follow §3 exactly; Byzantine ones try everything
//! the fault model allows them that could matter. Most Byzantine attempts
//! are rejected by the rules, and a rejected action is simply not a
//! transition. The shards' producers prepare the configuration's
//! cross-shard transactions, the participants' committees vote on them,
//! and the recovery driver ticks every rollback and every healing
//! ([R-ACT-1]). A healing shard's committee (reserve validators drawn into
//! it included, honest unless the configuration lists them Byzantine)
//! re-syncs its blocks and proposes and votes on the checkpoint that
//! verifies them ([R-HEAL-3], [R-HEAL-4]).
//!
//! The properties are the invariants of §9 ([`mend_spec::invariants`]):
//! the state invariants INV-2, INV-6 (committees and slashing (b), (c),
//! (e), (f); no honest accused (d)) and INV-7 (no forks, and the rollback
//! target), and the transition invariants INV-1, INV-3, the status graph
//! of [R-ISO-2], INV-4 and INV-6 (a) (a finalization's certificate against
//! the committee before the step). Stateright's properties see states only, so the model's state
//! carries the transition check: [`ModelState`] is the view plus the first
//! transition violation on the path to it, which a correct model never
//! has, so the state space does not grow. Each configuration names the
//! `sometimes` properties ([`Example`]) that must have an example, so that
//! a pass is not vacuous.
//!
//! Stateright 0.31 rebuilds paths from action indices, so the action list
//! must come out in the same order every time: it is built only from the
//! view's sorted lists and the configuration, never from a hash map
//! ([R-DET-0]).

use crate::config::{ByzantineCheckpoints, XtxVoters};
use crate::rules::{
    apply, compute_chain_root, compute_expected_parent, compute_next_checkpoint_height, init_view,
    is_live, step, ModelConfig,
};
use mend_spec::invariants::{
    check_inv1_no_global_rollback, check_inv1_retention, check_inv2_no_cross_shard_corruption,
    check_inv2_prepared_sides, check_inv3_no_silent_recovery,
    check_inv4_no_unverified_reintegration, check_inv6_committees, check_inv6_no_honest_accused,
    check_inv6_quorum, check_inv7_no_forks, check_inv7_rollback_target, check_status_graph,
};
use mend_spec::protocol::{HealingStage, PipelineStage};
use mend_spec::{
    Action, AuditEntry, BlockClaim, BlockFault, Checkpoint, ClaimContent, Epoch, Evidence,
    FaultKind, Height, InvariantId, Params, ParentLink, Proposal, Receipt, RollbackPhase,
    ShardStatus, ShardView, Signature, StateRoot, ValidatorId, View, Violation, Vote, XtxBallot,
    XtxState, XtxVote,
};
use stateright::{Model, Property};
use std::fmt;

/// The protocol as a Stateright model: the state is the abstract [`View`]
/// with the transition check ([`ModelState`]), the actions are
/// [`mend_spec::Action`]s.
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

/// A broken transition invariant: which `always` property, and the
/// violation its predicate returned on the step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Broken {
    pub property: AlwaysProperty,
    pub violation: Violation,
}

/// The model checker's state: the view, and the first transition
/// violation on the path that reached it (`None` in every state of a
/// correct model, so carrying it adds no state).
///
/// The transition invariants are predicates over a step `(V, V')`
/// ([INV-1], [INV-3], [R-ISO-2]); a state property sees only `V'`, so
/// [`CheckpointModel::next_state`] runs them on each step and stores what
/// they find here.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ModelState {
    pub view: View,
    pub broken: Option<Broken>,
}

impl ModelState {
    /// The initial state of `cfg`: the initial view, nothing broken.
    pub fn init(cfg: &ModelConfig) -> ModelState {
        ModelState {
            view: init_view(&cfg.params),
            broken: None,
        }
    }
}

impl fmt::Debug for ModelState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.view)?;
        if let Some(broken) = &self.broken {
            writeln!(
                f,
                "  BROKEN {}: {}",
                broken.property.name(),
                broken.violation
            )?;
        }
        Ok(())
    }
}

/// Whether a property must hold in every state or must hold in some state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    Always,
    Sometimes,
}

/// The `always` properties: each runs one invariant predicate of
/// [`mend_spec::invariants`], on a state or on a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlwaysProperty {
    /// [INV-1 NoGlobalRollback], over a step.
    Inv1NoGlobalRollback,
    /// [INV-2 NoCrossShardCorruption], over a state and, for clause (h),
    /// over a step.
    Inv2NoCrossShardCorruption,
    /// [INV-3 NoSilentRecovery], over a step.
    Inv3NoSilentRecovery,
    /// The status graph of [R-ISO-2], over a step (its violations are
    /// reported under INV-3).
    StatusGraph,
    /// [INV-4 NoUnverifiedReintegration], over a step.
    Inv4NoUnverifiedReintegration,
    /// [INV-6 ByzantineTolerance] (a), over a step: a checkpoint finalized
    /// in it has `q` members of the committee before it, `q - f` honest.
    Inv6Quorum,
    /// [INV-6 ByzantineTolerance] (b), (c), (e), (f): no honest validator
    /// slashed, a `Normal` shard's committee at least `q` untombstoned
    /// members, no validator slashed twice in a window, no committee with
    /// more than `f` vacancies.
    Inv6Committees,
    /// [INV-6 ByzantineTolerance] (d): no open fault names an honest
    /// validator.
    Inv6NoHonestAccused,
    /// [INV-7 NoForks]: one chain of finalized checkpoints per shard.
    Inv7NoForks,
    /// [INV-7 NoForks]: a rollback targets the latest finalized checkpoint,
    /// within the window `W`, and restores the head to it.
    Inv7RollbackTarget,
}

impl AlwaysProperty {
    /// Every `always` property, in the order of [`mend_spec::check_step`]:
    /// the transition invariants, then the state invariants.
    pub const ALL: [AlwaysProperty; 10] = [
        AlwaysProperty::Inv1NoGlobalRollback,
        AlwaysProperty::Inv2NoCrossShardCorruption,
        AlwaysProperty::Inv3NoSilentRecovery,
        AlwaysProperty::StatusGraph,
        AlwaysProperty::Inv4NoUnverifiedReintegration,
        AlwaysProperty::Inv6Quorum,
        AlwaysProperty::Inv6Committees,
        AlwaysProperty::Inv6NoHonestAccused,
        AlwaysProperty::Inv7NoForks,
        AlwaysProperty::Inv7RollbackTarget,
    ];

    /// The property's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            AlwaysProperty::Inv1NoGlobalRollback => "INV-1 NoGlobalRollback",
            AlwaysProperty::Inv2NoCrossShardCorruption => "INV-2 NoCrossShardCorruption",
            AlwaysProperty::Inv3NoSilentRecovery => "INV-3 NoSilentRecovery",
            AlwaysProperty::StatusGraph => "R-ISO-2 status graph",
            AlwaysProperty::Inv4NoUnverifiedReintegration => "INV-4 NoUnverifiedReintegration",
            AlwaysProperty::Inv6Quorum => "INV-6 quorum",
            AlwaysProperty::Inv6Committees => "INV-6 committees",
            AlwaysProperty::Inv6NoHonestAccused => "INV-6 no honest accused",
            AlwaysProperty::Inv7NoForks => "INV-7 NoForks",
            AlwaysProperty::Inv7RollbackTarget => "INV-7 rollback target",
        }
    }

    /// The property named `name`, if any.
    pub fn from_name(name: &str) -> Option<AlwaysProperty> {
        AlwaysProperty::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The invariant whose violations this property reports.
    pub fn invariant(self) -> InvariantId {
        match self {
            AlwaysProperty::Inv1NoGlobalRollback => InvariantId::Inv1NoGlobalRollback,
            AlwaysProperty::Inv2NoCrossShardCorruption => InvariantId::Inv2NoCrossShardCorruption,
            AlwaysProperty::Inv3NoSilentRecovery | AlwaysProperty::StatusGraph => {
                InvariantId::Inv3NoSilentRecovery
            }
            AlwaysProperty::Inv4NoUnverifiedReintegration => {
                InvariantId::Inv4NoUnverifiedReintegration
            }
            AlwaysProperty::Inv6Quorum
            | AlwaysProperty::Inv6Committees
            | AlwaysProperty::Inv6NoHonestAccused => InvariantId::Inv6ByzantineTolerance,
            AlwaysProperty::Inv7NoForks | AlwaysProperty::Inv7RollbackTarget => {
                InvariantId::Inv7NoForks
            }
        }
    }

    /// Whether the property is over a step rather than a state.
    pub fn is_transition(self) -> bool {
        matches!(
            self,
            AlwaysProperty::Inv1NoGlobalRollback
                | AlwaysProperty::Inv2NoCrossShardCorruption
                | AlwaysProperty::Inv3NoSilentRecovery
                | AlwaysProperty::StatusGraph
                | AlwaysProperty::Inv4NoUnverifiedReintegration
                | AlwaysProperty::Inv6Quorum
        )
    }

    /// Runs the property's predicate on the step `(before, after)` of a
    /// configuration with `params` whose Byzantine validators are
    /// `byzantine`; a state property reads `after` only.
    // The spec's predicates return this very type; boxing it here alone
    // would only make the two differ.
    #[allow(clippy::result_large_err)]
    pub fn check(
        self,
        params: &Params,
        byzantine: &[ValidatorId],
        before: &View,
        after: &View,
    ) -> Result<(), Violation> {
        match self {
            AlwaysProperty::Inv1NoGlobalRollback => {
                check_inv1_no_global_rollback(before, after)?;
                check_inv1_retention(before, after, params)
            }
            AlwaysProperty::Inv2NoCrossShardCorruption => {
                check_inv2_no_cross_shard_corruption(after)?;
                check_inv2_prepared_sides(before, after)
            }
            AlwaysProperty::Inv3NoSilentRecovery => check_inv3_no_silent_recovery(before, after),
            AlwaysProperty::StatusGraph => check_status_graph(before, after),
            AlwaysProperty::Inv4NoUnverifiedReintegration => {
                check_inv4_no_unverified_reintegration(before, after, params)
            }
            AlwaysProperty::Inv6Quorum => check_inv6_quorum(before, after, params, byzantine),
            AlwaysProperty::Inv6Committees => check_inv6_committees(after, params, byzantine),
            AlwaysProperty::Inv6NoHonestAccused => check_inv6_no_honest_accused(after, byzantine),
            AlwaysProperty::Inv7NoForks => check_inv7_no_forks(after),
            AlwaysProperty::Inv7RollbackTarget => {
                check_inv7_rollback_target(after, params.rollback_window_blocks)
            }
        }
    }

    /// Whether the property holds in a model state: a transition property
    /// unless the state carries its violation, a state property by its
    /// predicate on the view.
    fn holds(self, cfg: &ModelConfig, state: &ModelState) -> bool {
        if self.is_transition() {
            state
                .broken
                .as_ref()
                .is_none_or(|broken| broken.property != self)
        } else {
            self.check(&cfg.params, &cfg.byzantine, &state.view, &state.view)
                .is_ok()
        }
    }
}

/// The first transition property that the step `(before, after)` of a
/// configuration with `params` and the Byzantine validators `byzantine`
/// breaks, in [`AlwaysProperty::ALL`] order (INV-6 (a) reads which signers
/// are honest).
pub fn compute_broken_transition(
    params: &Params,
    byzantine: &[ValidatorId],
    before: &View,
    after: &View,
) -> Option<Broken> {
    AlwaysProperty::ALL
        .into_iter()
        .filter(|p| p.is_transition())
        .find_map(|property| {
            property
                .check(params, byzantine, before, after)
                .err()
                .map(|violation| Broken {
                    property,
                    violation,
                })
        })
}

/// The `sometimes` properties: interesting things that must happen in a
/// checked configuration, so that the invariants do not hold only because
/// nothing happens. A configuration lists the ones it must reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Example {
    /// Some shard has finalized a checkpoint.
    Finalizes,
    /// A Byzantine validator's vote is counted.
    ByzantineVoteCounted,
    /// Every shard has finalized a checkpoint.
    EveryShardFinalizes,
    /// Some shard holds equivocation evidence ([R-CKPT-10]).
    EquivocationRecorded,
    /// Some shard has pruned a finalized checkpoint ([R-CKPT-9]).
    Pruned,
    /// One shard has finalized while another has not.
    OneShardAhead,
    /// A late vote joined a certificate: a retained finalized checkpoint
    /// has more signers than the quorum `q`, and a checkpoint finalizes at
    /// the vote that makes `q` ([R-CKPT-8], [R-DET-2]).
    LateVoteJoinsCertificate,
    /// A stale sibling stays pending: a pending checkpoint whose parent is
    /// no longer the latest finalized checkpoint, because another at its
    /// height finalized after it was proposed ([R-CKPT-8]).
    StaleSiblingStaysPending,
    /// A fault of this kind is open on some shard ([R-FAULT-5]).
    Detects(FaultKind),
    /// Some shard is `Investigating` ([R-ISO-3]).
    Investigating,
    /// Some shard is `Frozen` ([R-ISO-3]).
    Frozen,
    /// One shard is `Isolated` while another finalized a checkpoint in the
    /// current epoch, after the boundary that isolated the first: other
    /// shards keep running.
    IsolatedWhileOtherFinalizes,
    /// The audit log records a status change `from -> to`: one edge of
    /// the status graph that detection takes ([R-ISO-2]).
    Raised { from: ShardStatus, to: ShardStatus },
    /// A shard whose status was raised holds no open fault: its faults
    /// expired ([R-FAULT-6]) and the status they caused stayed.
    FaultExpired,
    /// A rollback has completed (phase `Completed`) after aborting a
    /// cross-shard transaction that was in flight when it started: its
    /// aborted list is not empty ([R-RB-2]).
    RollbackCompletesWithXtxInFlight,
    /// One shard is `Recovering` while another appended a block in the
    /// current epoch: a rollback starts at a boundary, so that block came
    /// after it started, and other shards keep running.
    OtherShardAppendsDuringRollback,
    /// A cross-shard transaction has committed on both sides ([R-XTX-5]).
    XtxCommits,
    /// A cross-shard transaction was aborted by a participant's `Abort`
    /// vote ([R-XTX-5]), not by a rollback.
    XtxAbortedByVote,
    /// The audit log records a failed rollback, `Recovering -> Frozen`
    /// ([R-RB-6]).
    RollbackFails,
    /// Some shard is `Healing`: its rollback completed ([R-RB-2] step 5).
    Healing,
    /// Some validator was slashed ([R-SLASH-3]).
    ValidatorSlashed,
    /// Some committee was reassigned ([R-ASSIGN-2]).
    CommitteeReassigned,
    /// A shard went through every pipeline stage from `FaultDetected` to
    /// `Reintegrated`: it is `Normal` with its pipeline `Reintegrated` and
    /// its healing `Reintegrated` (INV-4 checks on every step that the
    /// stages were passed in order, [R-PIPE-1], [R-HEAL-6]).
    Reintegrated,
    /// Two shards recover at once: both pipelines are in `RollingBack` ..
    /// `RecoveryComplete` in one view ([R-PIPE-4]).
    TwoShardsRecover,
    /// A healing failed ([R-HEAL-5]).
    HealingFails,
}

impl Example {
    /// Every example, in report order.
    pub const ALL: [Example; 36] = [
        Example::Finalizes,
        Example::ByzantineVoteCounted,
        Example::EveryShardFinalizes,
        Example::EquivocationRecorded,
        Example::Pruned,
        Example::OneShardAhead,
        Example::LateVoteJoinsCertificate,
        Example::StaleSiblingStaysPending,
        Example::Detects(FaultKind::StateRootMismatch),
        Example::Detects(FaultKind::ValidatorEquivocation),
        Example::Detects(FaultKind::InvalidCrossShardReceipt),
        Example::Detects(FaultKind::ExecutionFailure),
        Example::Detects(FaultKind::LivenessFailure),
        Example::Detects(FaultKind::CheckpointStateMismatch),
        Example::Detects(FaultKind::TransactionOrderingViolation),
        Example::Investigating,
        Example::Frozen,
        Example::IsolatedWhileOtherFinalizes,
        Example::Raised {
            from: ShardStatus::Normal,
            to: ShardStatus::Investigating,
        },
        Example::Raised {
            from: ShardStatus::Normal,
            to: ShardStatus::Frozen,
        },
        Example::Raised {
            from: ShardStatus::Normal,
            to: ShardStatus::Isolated,
        },
        Example::Raised {
            from: ShardStatus::Investigating,
            to: ShardStatus::Frozen,
        },
        Example::Raised {
            from: ShardStatus::Investigating,
            to: ShardStatus::Isolated,
        },
        Example::Raised {
            from: ShardStatus::Frozen,
            to: ShardStatus::Isolated,
        },
        Example::FaultExpired,
        Example::RollbackCompletesWithXtxInFlight,
        Example::OtherShardAppendsDuringRollback,
        Example::XtxCommits,
        Example::XtxAbortedByVote,
        Example::RollbackFails,
        Example::Healing,
        Example::ValidatorSlashed,
        Example::CommitteeReassigned,
        Example::Reintegrated,
        Example::TwoShardsRecover,
        Example::HealingFails,
    ];

    /// The property's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Example::Finalizes => "a checkpoint finalizes",
            Example::ByzantineVoteCounted => "a Byzantine vote is counted",
            Example::EveryShardFinalizes => "both shards finalize",
            Example::EquivocationRecorded => "equivocation is recorded",
            Example::Pruned => "a checkpoint is pruned",
            Example::OneShardAhead => "a shard finalizes while another has none",
            Example::LateVoteJoinsCertificate => "a late vote joins a certificate",
            Example::StaleSiblingStaysPending => "a stale sibling stays pending",
            Example::Detects(kind) => match kind {
                FaultKind::StateRootMismatch => "detects StateRootMismatch",
                FaultKind::ValidatorEquivocation => "detects ValidatorEquivocation",
                FaultKind::InvalidCrossShardReceipt => "detects InvalidCrossShardReceipt",
                FaultKind::ExecutionFailure => "detects ExecutionFailure",
                FaultKind::LivenessFailure => "detects LivenessFailure",
                FaultKind::CheckpointStateMismatch => "detects CheckpointStateMismatch",
                FaultKind::TransactionOrderingViolation => "detects TransactionOrderingViolation",
            },
            Example::Investigating => "a shard is investigating",
            Example::Frozen => "a shard is frozen",
            Example::IsolatedWhileOtherFinalizes => "a shard is isolated while another finalizes",
            Example::Raised { from, to } => match (from, to) {
                (ShardStatus::Normal, ShardStatus::Investigating) => {
                    "audited Normal -> Investigating"
                }
                (ShardStatus::Normal, ShardStatus::Frozen) => "audited Normal -> Frozen",
                (ShardStatus::Normal, ShardStatus::Isolated) => "audited Normal -> Isolated",
                (ShardStatus::Investigating, ShardStatus::Frozen) => {
                    "audited Investigating -> Frozen"
                }
                (ShardStatus::Investigating, ShardStatus::Isolated) => {
                    "audited Investigating -> Isolated"
                }
                (ShardStatus::Frozen, ShardStatus::Isolated) => "audited Frozen -> Isolated",
                _ => "audited status change outside detection",
            },
            Example::FaultExpired => "a fault expires and its status stays",
            Example::RollbackCompletesWithXtxInFlight => {
                "a rollback completes after aborting an xtx"
            }
            Example::OtherShardAppendsDuringRollback => "another shard appends during a rollback",
            Example::XtxCommits => "an xtx commits on both shards",
            Example::XtxAbortedByVote => "an xtx is aborted by a vote",
            Example::RollbackFails => "a rollback fails and freezes its shard",
            Example::Healing => "a shard is healing after its rollback",
            Example::ValidatorSlashed => "a validator is slashed",
            Example::CommitteeReassigned => "a committee is reassigned",
            Example::Reintegrated => "a shard passes every pipeline stage to reintegration",
            Example::TwoShardsRecover => "two shards recover at once",
            Example::HealingFails => "a healing fails and freezes its shard",
        }
    }

    /// Whether the example is seen in `view`.
    pub fn is_seen(self, cfg: &ModelConfig, view: &View) -> bool {
        match self {
            Example::Finalizes => view.shards.iter().any(|s| !s.finalized.is_empty()),
            Example::ByzantineVoteCounted => view.shards.iter().any(|s| {
                s.pending
                    .iter()
                    .flat_map(|p| p.votes.iter())
                    .chain(s.finalized.iter().flat_map(|f| f.signers.iter()))
                    .any(|v| cfg.is_byzantine(*v))
            }),
            Example::EveryShardFinalizes => view.shards.iter().all(|s| !s.finalized.is_empty()),
            Example::EquivocationRecorded => {
                view.shards.iter().any(|s| !s.equivocations.is_empty())
            }
            // The oldest retained checkpoint names a checkpoint parent,
            // which can only be one that is no longer retained.
            Example::Pruned => view.shards.iter().any(|s| {
                s.finalized
                    .first()
                    .is_some_and(|oldest| oldest.checkpoint.parent != ParentLink::Genesis)
            }),
            Example::OneShardAhead => {
                view.shards.iter().any(|s| !s.finalized.is_empty())
                    && view.shards.iter().any(|s| s.finalized.is_empty())
            }
            Example::LateVoteJoinsCertificate => view.shards.iter().any(|s| {
                s.finalized
                    .iter()
                    .any(|f| f.signers.len() > cfg.params.quorum())
            }),
            Example::StaleSiblingStaysPending => view
                .shards
                .iter()
                .any(|s| s.pending.iter().any(|p| !is_live(s, &p.checkpoint))),
            Example::Detects(kind) => view
                .shards
                .iter()
                .any(|s| s.faults.iter().any(|f| f.kind == kind)),
            Example::Investigating => has_status(view, ShardStatus::Investigating),
            Example::Frozen => has_status(view, ShardStatus::Frozen),
            // A checkpoint finalizes in the epoch it was proposed in (the
            // boundary expires pending ones), and statuses change only at
            // boundaries: a checkpoint of the current epoch `> 0` finalized
            // after the boundary that isolated the other shard.
            Example::IsolatedWhileOtherFinalizes => view.shards.iter().any(|isolated| {
                isolated.status == ShardStatus::Isolated
                    && view.shards.iter().any(|other| {
                        other.shard != isolated.shard
                            && view.epoch.0 > 0
                            && other
                                .latest_finalized()
                                .is_some_and(|f| f.checkpoint.epoch == view.epoch)
                    })
            }),
            Example::Raised { from, to } => view.audit.iter().any(|r| {
                matches!(r.entry, AuditEntry::StatusChange { from: f, to: t, .. }
                    if f == from && t == to)
            }),
            Example::FaultExpired => view
                .shards
                .iter()
                .any(|s| s.status != ShardStatus::Normal && s.faults.is_empty()),
            Example::RollbackCompletesWithXtxInFlight => view.shards.iter().any(|s| {
                s.rollback
                    .as_ref()
                    .is_some_and(|r| r.phase == RollbackPhase::Completed && !r.aborted.is_empty())
            }),
            Example::OtherShardAppendsDuringRollback => view.shards.iter().any(|recovering| {
                recovering.status == ShardStatus::Recovering
                    && view.shards.iter().any(|other| {
                        other.shard != recovering.shard
                            && other.last_block_epoch == view.epoch
                            && other.height.0 >= 1
                    })
            }),
            Example::XtxCommits => view
                .transactions
                .iter()
                .any(|x| x.source_side.state == XtxState::Committed),
            // A rollback aborts sides without touching their ballots, so an
            // aborted side that voted `Abort` was aborted by that vote.
            Example::XtxAbortedByVote => view.transactions.iter().any(|x| {
                x.source_side.state == XtxState::Aborted
                    && (x.source_side.vote == XtxBallot::Abort
                        || x.destination_side.vote == XtxBallot::Abort)
            }),
            Example::RollbackFails => view.audit.iter().any(|r| {
                matches!(
                    r.entry,
                    AuditEntry::StatusChange {
                        from: ShardStatus::Recovering,
                        to: ShardStatus::Frozen,
                        ..
                    }
                )
            }),
            Example::Healing => has_status(view, ShardStatus::Healing),
            Example::ValidatorSlashed => view
                .audit
                .iter()
                .any(|r| matches!(r.entry, AuditEntry::Slash { .. })),
            Example::CommitteeReassigned => view
                .audit
                .iter()
                .any(|r| matches!(r.entry, AuditEntry::Reassignment { .. })),
            Example::Reintegrated => view.shards.iter().any(|s| {
                s.status == ShardStatus::Normal
                    && s.pipeline == Some(PipelineStage::Reintegrated)
                    && s.healing.is_some_and(|h| {
                        h.stage == HealingStage::Reintegrated && h.failure.is_none()
                    })
            }),
            Example::TwoShardsRecover => {
                view.shards
                    .iter()
                    .filter(|s| s.pipeline.is_some_and(is_recovering_stage))
                    .count()
                    >= 2
            }
            Example::HealingFails => view.shards.iter().any(|s| {
                s.healing.is_some_and(|h| h.failure.is_some())
                    && s.pipeline == Some(PipelineStage::Failed)
            }),
        }
    }
}

/// Whether a pipeline in `stage` is recovering: from `RollingBack` to
/// `RecoveryComplete` ([R-PIPE-1]).
fn is_recovering_stage(stage: PipelineStage) -> bool {
    matches!(
        stage,
        PipelineStage::RollingBack
            | PipelineStage::ValidatorAdjustment
            | PipelineStage::Healing
            | PipelineStage::RecoveryComplete
    )
}

fn has_status(view: &View, status: ShardStatus) -> bool {
    view.shards.iter().any(|s| s.status == status)
}

/// The properties of a configuration, with their kinds, in the order the
/// models list them: every `always` property, then the configuration's
/// examples.
pub fn compute_properties(cfg: &ModelConfig) -> Vec<(&'static str, PropertyKind)> {
    AlwaysProperty::ALL
        .iter()
        .map(|p| (p.name(), PropertyKind::Always))
        .chain(
            cfg.examples
                .iter()
                .map(|e| (e.name(), PropertyKind::Sometimes)),
        )
        .collect()
}

/// Every action enabled in `view`, in a fixed order: blocks, the epoch
/// tick, honest proposals, honest votes, Byzantine proposals, Byzantine
/// votes (unless the configuration withholds them), evidence, cross-shard
/// prepares, cross-shard votes, rollback ticks, healing ticks. Each group is built from the
/// configuration and the view's sorted lists, so the order is the same
/// every time ([R-DET-0]). Some of the actions are rejected by the rules;
/// those are no transition.
pub fn enabled_actions(cfg: &ModelConfig, view: &View) -> Vec<Action> {
    let mut actions = Vec::new();
    push_blocks(cfg, view, &mut actions);
    push_epoch_tick(cfg, view, &mut actions);
    push_honest_proposals(cfg, view, &mut actions);
    push_honest_votes(cfg, view, &mut actions);
    match cfg.byzantine_checkpoints {
        ByzantineCheckpoints::Everything => {
            push_byzantine_proposals(cfg, view, &mut actions);
            push_byzantine_votes(cfg, view, &mut actions);
        }
        ByzantineCheckpoints::Withheld => {}
    }
    push_evidence(cfg, view, &mut actions);
    push_prepares(cfg, &mut actions);
    push_xtx_votes(cfg, view, &mut actions);
    push_rollback_ticks(view, &mut actions);
    push_healing_ticks(view, &mut actions);
    actions
}

/// [R-XTX-2] The shards' producers prepare every transaction of the
/// configuration's catalogue, in its order; the rules refuse one already
/// prepared (`Duplicate`), one naming a shard that takes no new xtx and
/// one whose key is locked.
fn push_prepares(cfg: &ModelConfig, actions: &mut Vec<Action>) {
    actions.extend(cfg.transactions.iter().copied().map(Action::PrepareXtx));
}

/// [R-XTX-3] The votes on every prepared transaction still in flight,
/// ascending by id: for each participant, source first,
/// the configuration's voters ([`XtxVoters`]) cast each of its decisions,
/// signed in the shard's current generation. The rules refuse a side that
/// voted, an unavailable participant and an immature commit.
fn push_xtx_votes(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for x in &view.transactions {
        if !x.is_in_flight() {
            continue;
        }
        for participant in [x.source, x.destination] {
            let Some(shard) = view.shards.iter().find(|s| s.shard == participant) else {
                continue;
            };
            let voters: Vec<ValidatorId> = match cfg.xtx_voters {
                XtxVoters::FirstHonest => honest_members(cfg, shard).take(1).collect(),
                XtxVoters::EveryMember => shard.committee.clone(),
            };
            for voter in voters {
                for &decision in &cfg.xtx_decisions {
                    actions.push(Action::CastXtxVote(XtxVote {
                        voter,
                        id: x.id,
                        shard: participant,
                        generation: shard.generation,
                        decision,
                        signature: Signature::Valid,
                    }));
                }
            }
        }
    }
}

/// [R-RB-2] The recovery driver ticks the rollback of every `Recovering`
/// shard, ascending.
fn push_rollback_ticks(view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        if shard.status == ShardStatus::Recovering {
            actions.push(Action::AdvanceRollback { shard: shard.shard });
        }
    }
}

/// [R-HEAL-2] The recovery driver ticks the healing of every `Healing`
/// shard, ascending; the rules refuse a tick whose stage is not done
/// (`NotSynced`, `AwaitingEpoch`, `FaultOpen`) and one of a shard whose
/// rollback completed but whose healing has not started (`NotHealing`).
fn push_healing_ticks(view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        if shard.status == ShardStatus::Healing {
            actions.push(Action::AdvanceHealing { shard: shard.shard });
        }
    }
}

/// Honest block production: the next well-formed block of every shard
/// below the height bound ([R-BLK-1]). A shard that takes no new
/// transactions refuses it (`ShardFrozen`), so a frozen shard stalls; a
/// healing shard takes the blocks it re-syncs ([R-HEAL-3]), which its new
/// committee re-produces.
/// Faulty blocks only test rejection, which the unit tests of the rules
/// cover; they change no state.
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
        let Some(checkpoint) = compute_next_checkpoint(view, cfg, shard) else {
            continue;
        };
        actions.push(Action::ProposeCheckpoint(Proposal {
            proposer,
            generation: shard.generation,
            checkpoint,
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

/// [R-FAULT-MODEL-2] An honest validator votes only for a checkpoint of its
/// own shard whose root is the one its own execution produced at that
/// height, and at most once per (shard, epoch, height): a pending one, or
/// one that finalized in the current epoch before its vote arrived, whose
/// certificate the vote joins ([R-CKPT-8]: a late vote). The network may
/// deliver an honest vote after the quorum's, so the model lets it.
fn push_honest_votes(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        let votable: Vec<Checkpoint> = shard
            .pending
            .iter()
            .map(|p| p.checkpoint)
            .chain(
                shard
                    .finalized
                    .iter()
                    .map(|f| f.checkpoint)
                    .filter(|c| c.epoch == view.epoch),
            )
            .collect();
        for validator in honest_members(cfg, shard) {
            for &checkpoint in &votable {
                let is_executed = checkpoint.height <= shard.height;
                let is_honest_root =
                    checkpoint.root == compute_chain_root(view, shard, checkpoint.height);
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
                    compute_chain_root(view, shard, Height(height)),
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
/// checkpoint (live or stale) and every retained finalized checkpoint of
/// every shard, again and again, and on shards whose committee it is not
/// in. Correct rules reject the repeats, the non-member votes and the votes
/// for a checkpoint finalized in an earlier epoch, whose certificate is
/// closed ([R-CKPT-8] check 9; a rule that reopened it would break INV-1);
/// the seeded bugs `CountDuplicateVote` and `CountNonMemberVote` count
/// them. A vote for a checkpoint finalized in the current epoch is a late
/// vote, which joins its certificate. Two of its votes at one height are
/// an equivocation ([R-CKPT-10]).
fn push_byzantine_votes(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for &validator in &cfg.byzantine {
        for shard in &view.shards {
            let checkpoints = shard
                .pending
                .iter()
                .map(|p| p.checkpoint)
                .chain(shard.finalized.iter().map(|f| f.checkpoint));
            for checkpoint in checkpoints {
                actions.push(Action::CastVote(Vote {
                    validator,
                    shard: checkpoint.shard,
                    epoch: view.epoch,
                    generation: shard.generation,
                    checkpoint,
                    signature: Signature::Valid,
                }));
            }
        }
    }
}

/// The bad signature an honest validator's forged statement of `kind`
/// carries: `Corrupt` for some kinds, `OtherKey` for the others, so that
/// both ways of failing [R-FAULT-3] check 10 are explored.
fn compute_bad_signature(kind: FaultKind) -> Signature {
    match kind {
        FaultKind::ValidatorEquivocation | FaultKind::ExecutionFailure => Signature::OtherKey,
        FaultKind::StateRootMismatch
        | FaultKind::InvalidCrossShardReceipt
        | FaultKind::LivenessFailure
        | FaultKind::CheckpointStateMismatch
        | FaultKind::TransactionOrderingViolation => Signature::Corrupt,
    }
}

/// What a signed statement says: what an honest validator would sign, or
/// the one forged variant of its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Content {
    Honest,
    Forged,
}

/// The forged root of the model: one per height ([R-FAULT-MODEL-1]).
fn forged_root(height: Height) -> StateRoot {
    StateRoot::Forged { height, nonce: 0 }
}

/// The honest checkpoint `shard` would propose next in the current epoch,
/// if its head has reached the next checkpoint height ([R-CKPT-1],
/// [R-CKPT-4]).
fn compute_next_checkpoint(
    view: &View,
    cfg: &ModelConfig,
    shard: &ShardView,
) -> Option<Checkpoint> {
    let height = compute_next_checkpoint_height(&cfg.params, shard)?;
    if height > shard.height {
        return None;
    }
    Some(Checkpoint {
        shard: shard.shard,
        epoch: view.epoch,
        height,
        root: compute_chain_root(view, shard, height),
        parent: compute_expected_parent(shard),
    })
}

/// `checkpoint` with the forged root of its height.
fn forge(checkpoint: Checkpoint) -> Checkpoint {
    Checkpoint {
        root: forged_root(checkpoint.height),
        ..checkpoint
    }
}

/// The evidence of `kind` that `signer`, a member of `shard`'s committee,
/// could have signed with `content` and `signature`, at the heights that
/// matter ([R-FAULT-2]): state-root mismatches at the retained finalized
/// heights and, like equivocations and checkpoint state mismatches, at the
/// next checkpoint height once the head reached it; receipts at the head;
/// block claims at the head plus one (the block that would come next).
/// Every statement is of the current epoch and the shard's generation.
fn compute_signed_evidence(
    cfg: &ModelConfig,
    view: &View,
    shard: &ShardView,
    kind: FaultKind,
    signer: ValidatorId,
    content: Content,
    signature: Signature,
) -> Vec<Evidence> {
    let vote = |checkpoint: Checkpoint, signature: Signature| Vote {
        validator: signer,
        shard: shard.shard,
        epoch: view.epoch,
        generation: shard.generation,
        checkpoint,
        signature,
    };
    let claim = |height: Height, content: ClaimContent| BlockClaim {
        producer: signer,
        shard: shard.shard,
        epoch: view.epoch,
        generation: shard.generation,
        height,
        content,
        signature,
    };
    let is_forged = content == Content::Forged;
    match kind {
        // Kind 1 is judged against the chain, so a vote for the checkpoint
        // still to finalize is evidence too, before the quorum's votes
        // arrive ([R-FAULT-2], [R-DET-2]).
        FaultKind::StateRootMismatch => shard
            .finalized
            .iter()
            .map(|f| f.checkpoint)
            .chain(compute_next_checkpoint(view, cfg, shard))
            .map(|c| {
                let checkpoint = if is_forged { forge(c) } else { c };
                Evidence::StateRootMismatch {
                    vote: vote(checkpoint, signature),
                }
            })
            .collect(),
        // The first vote is always validly signed; the second carries the
        // signature under test. Honest content is one vote, twice.
        FaultKind::ValidatorEquivocation => compute_next_checkpoint(view, cfg, shard)
            .map(|c| {
                let second = if is_forged { forge(c) } else { c };
                Evidence::Equivocation {
                    first: vote(c, Signature::Valid),
                    second: vote(second, signature),
                }
            })
            .into_iter()
            .collect(),
        FaultKind::InvalidCrossShardReceipt => {
            let shards = view.shards.len();
            if shard.height.0 == 0 || shards < 2 {
                return vec![];
            }
            let destination = view.shards[(usize::from(shard.shard.0) + 1) % shards].shard;
            let root = if is_forged {
                forged_root(shard.height)
            } else {
                compute_chain_root(view, shard, shard.height)
            };
            vec![Evidence::InvalidReceipt {
                receipt: Receipt {
                    signer,
                    source: shard.shard,
                    destination,
                    epoch: view.epoch,
                    generation: shard.generation,
                    height: shard.height,
                    root,
                    signature,
                },
            }]
        }
        FaultKind::ExecutionFailure => shard
            .height
            .next()
            .map(|height| Evidence::ExecutionFailure {
                claim: claim(
                    height,
                    if is_forged {
                        ClaimContent::WrongRoot
                    } else {
                        ClaimContent::Honest
                    },
                ),
            })
            .into_iter()
            .collect(),
        // Liveness evidence names no signer.
        FaultKind::LivenessFailure => vec![],
        FaultKind::CheckpointStateMismatch => compute_next_checkpoint(view, cfg, shard)
            .map(|c| Evidence::CheckpointStateMismatch {
                proposal: Proposal {
                    proposer: signer,
                    generation: shard.generation,
                    checkpoint: if is_forged { forge(c) } else { c },
                    signature,
                },
            })
            .into_iter()
            .collect(),
        FaultKind::TransactionOrderingViolation => shard
            .height
            .next()
            .map(|height| Evidence::OrderingViolation {
                claim: claim(
                    height,
                    if is_forged {
                        ClaimContent::Unordered
                    } else {
                        ClaimContent::Honest
                    },
                ),
            })
            .into_iter()
            .collect(),
    }
}

/// [R-ACT-1] Evidence, submitted by anyone, against every shard holding
/// fewer than `max_open_faults` open faults, of every kind the
/// configuration submits, signed by every member of the shard's committee:
///
/// - [R-FAULT-MODEL-1] a Byzantine member signs the forged variant of each
///   kind with a valid signature: valid evidence, which names it;
/// - [R-FAULT-MODEL-2] an honest member's statements are honest, so
///   evidence naming it is either its honest statement, validly signed
///   (refused: `NotAFault`), or a forged statement whose signature does
///   not verify (refused: `BadSignature`; the seeded bug
///   `AcceptUnsignedEvidence` accepts it, and INV-6 (d) catches that);
/// - liveness evidence names the shard only, and is valid once the shard
///   stalled for more than `L` epochs ([R-FAULT-2] kind 5).
///
/// Every honest member, not just one, signs, so that the actions of a view
/// and of a renaming of its honest members are renamings of each other
/// ([`crate::symmetry`]).
fn push_evidence(cfg: &ModelConfig, view: &View, actions: &mut Vec<Action>) {
    for shard in &view.shards {
        if shard.faults.len() >= cfg.max_open_faults(shard.shard) {
            continue;
        }
        for &kind in &cfg.evidence {
            if kind == FaultKind::LivenessFailure {
                actions.push(Action::SubmitEvidence(Evidence::Liveness {
                    shard: shard.shard,
                }));
                continue;
            }
            for &signer in &shard.committee {
                let variants: &[(Content, Signature)] = if cfg.is_byzantine(signer) {
                    &[(Content::Forged, Signature::Valid)]
                } else {
                    &[
                        (Content::Honest, Signature::Valid),
                        (Content::Forged, compute_bad_signature(kind)),
                    ]
                };
                for &(content, signature) in variants {
                    actions.extend(
                        compute_signed_evidence(cfg, view, shard, kind, signer, content, signature)
                            .into_iter()
                            .map(Action::SubmitEvidence),
                    );
                }
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

/// The condition of the `I`-th `always` property of [`AlwaysProperty::ALL`]
/// (Stateright takes plain function pointers, so each property gets its
/// own instance).
fn holds_always<M: Configured, const I: usize>(model: &M, state: &ModelState) -> bool {
    AlwaysProperty::ALL[I].holds(model.config(), state)
}

/// The condition of the `I`-th example of [`Example::ALL`].
fn is_example_seen<M: Configured, const I: usize>(model: &M, state: &ModelState) -> bool {
    Example::ALL[I].is_seen(model.config(), &state.view)
}

/// The properties of [`compute_properties`] with their conditions, for
/// either model.
fn model_properties<M: Model<State = ModelState> + Configured>(
    cfg: &ModelConfig,
) -> Vec<Property<M>> {
    let always: [fn(&M, &ModelState) -> bool; 10] = [
        holds_always::<M, 0>,
        holds_always::<M, 1>,
        holds_always::<M, 2>,
        holds_always::<M, 3>,
        holds_always::<M, 4>,
        holds_always::<M, 5>,
        holds_always::<M, 6>,
        holds_always::<M, 7>,
        holds_always::<M, 8>,
        holds_always::<M, 9>,
    ];
    let examples: [fn(&M, &ModelState) -> bool; 36] = [
        is_example_seen::<M, 0>,
        is_example_seen::<M, 1>,
        is_example_seen::<M, 2>,
        is_example_seen::<M, 3>,
        is_example_seen::<M, 4>,
        is_example_seen::<M, 5>,
        is_example_seen::<M, 6>,
        is_example_seen::<M, 7>,
        is_example_seen::<M, 8>,
        is_example_seen::<M, 9>,
        is_example_seen::<M, 10>,
        is_example_seen::<M, 11>,
        is_example_seen::<M, 12>,
        is_example_seen::<M, 13>,
        is_example_seen::<M, 14>,
        is_example_seen::<M, 15>,
        is_example_seen::<M, 16>,
        is_example_seen::<M, 17>,
        is_example_seen::<M, 18>,
        is_example_seen::<M, 19>,
        is_example_seen::<M, 20>,
        is_example_seen::<M, 21>,
        is_example_seen::<M, 22>,
        is_example_seen::<M, 23>,
        is_example_seen::<M, 24>,
        is_example_seen::<M, 25>,
        is_example_seen::<M, 26>,
        is_example_seen::<M, 27>,
        is_example_seen::<M, 28>,
        is_example_seen::<M, 29>,
        is_example_seen::<M, 30>,
        is_example_seen::<M, 31>,
        is_example_seen::<M, 32>,
        is_example_seen::<M, 33>,
        is_example_seen::<M, 34>,
        is_example_seen::<M, 35>,
    ];
    let mut properties: Vec<Property<M>> = AlwaysProperty::ALL
        .iter()
        .zip(always)
        .map(|(p, condition)| Property::always(p.name(), condition))
        .collect();
    for example in &cfg.examples {
        if let Some(i) = Example::ALL.iter().position(|e| e == example) {
            properties.push(Property::sometimes(example.name(), examples[i]));
        }
    }
    properties
}

/// Applies an action under a configuration, as a transition: `None` when
/// the rules reject it. The next state carries the first transition
/// violation of its path: the one it inherits, or the one of this step.
pub fn compute_next_state(
    cfg: &ModelConfig,
    state: &ModelState,
    action: &Action,
) -> Option<ModelState> {
    let (view, _) = step(&cfg.params, cfg.bug, &state.view, action).ok()?;
    let broken = match &state.broken {
        Some(broken) => Some(broken.clone()),
        None => compute_broken_transition(&cfg.params, &cfg.byzantine, &state.view, &view),
    };
    Some(ModelState { view, broken })
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
    type State = ModelState;
    type Action = Action;

    fn init_states(&self) -> Vec<ModelState> {
        vec![ModelState::init(&self.cfg)]
    }

    fn actions(&self, state: &ModelState, actions: &mut Vec<Action>) {
        actions.extend(enabled_actions(&self.cfg, &state.view));
    }

    fn next_state(&self, last_state: &ModelState, action: Action) -> Option<ModelState> {
        compute_next_state(&self.cfg, last_state, &action)
    }

    fn format_action(&self, action: &Action) -> String {
        action.to_string()
    }

    fn format_step(&self, last_state: &ModelState, action: Action) -> Option<String> {
        let (outcome, next) = apply(&self.cfg.params, self.cfg.bug, &last_state.view, &action);
        Some(format!("{outcome}\n\n{next}"))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        model_properties(&self.cfg)
    }

    fn within_boundary(&self, state: &ModelState) -> bool {
        is_within_bounds(&self.cfg, &state.view)
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
    type State = ModelState;
    type Action = Action;

    fn init_states(&self) -> Vec<ModelState> {
        vec![ModelState::init(&self.cfg)]
    }

    fn actions(&self, state: &ModelState, actions: &mut Vec<Action>) {
        actions.extend(
            enabled_actions(&self.cfg, &state.view)
                .into_iter()
                .filter(|a| step(&self.cfg.params, self.cfg.bug, &state.view, a).is_ok()),
        );
    }

    fn next_state(&self, last_state: &ModelState, action: Action) -> Option<ModelState> {
        compute_next_state(&self.cfg, last_state, &action)
    }

    fn format_action(&self, action: &Action) -> String {
        action.to_string()
    }

    fn properties(&self) -> Vec<Property<Self>> {
        model_properties(&self.cfg)
    }

    fn within_boundary(&self, state: &ModelState) -> bool {
        is_within_bounds(&self.cfg, &state.view)
    }
}
