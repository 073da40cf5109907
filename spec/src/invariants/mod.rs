//! The seven invariants of `spec/SPEC.md`, written once ([INV-1] .. [INV-7]).
//!
//! Each checked invariant is a function over the abstract [`View`] returning
//! `Result<(), Violation>`; a violation carries its evidence. The model's
//! `always` properties, the conformance tests and the fuzzers all call these
//! same functions. Invariants whose protocol part is not built yet are listed
//! in [`InvariantId`] with [`InvariantId::is_checked`] false.

mod inv1_no_global_rollback;
mod inv3_no_silent_recovery;
mod inv6_byzantine_tolerance;
mod inv7_no_forks;

pub use inv1_no_global_rollback::check_inv1_no_global_rollback;
pub use inv3_no_silent_recovery::{
    check_inv3_no_silent_recovery, check_status_graph, is_allowed_transition,
};
pub use inv6_byzantine_tolerance::{check_inv6_no_honest_accused, check_inv6_quorum};
pub use inv7_no_forks::check_inv7_no_forks;

use crate::action::{Checkpoint, ParentLink};
use crate::ids::{Epoch, Height, ShardId, ValidatorId};
use crate::protocol::{Fault, ShardStatus};
use crate::view::View;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The seven invariants, by tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InvariantId {
    Inv1NoGlobalRollback,
    Inv2NoCrossShardCorruption,
    Inv3NoSilentRecovery,
    Inv4NoUnverifiedReintegration,
    Inv5Determinism,
    Inv6ByzantineTolerance,
    Inv7NoForks,
}

impl InvariantId {
    /// All seven, in tag order.
    pub const ALL: [InvariantId; 7] = [
        InvariantId::Inv1NoGlobalRollback,
        InvariantId::Inv2NoCrossShardCorruption,
        InvariantId::Inv3NoSilentRecovery,
        InvariantId::Inv4NoUnverifiedReintegration,
        InvariantId::Inv5Determinism,
        InvariantId::Inv6ByzantineTolerance,
        InvariantId::Inv7NoForks,
    ];

    /// The spec tag, such as `INV-7 NoForks`.
    pub fn tag(self) -> &'static str {
        match self {
            InvariantId::Inv1NoGlobalRollback => "INV-1 NoGlobalRollback",
            InvariantId::Inv2NoCrossShardCorruption => "INV-2 NoCrossShardCorruption",
            InvariantId::Inv3NoSilentRecovery => "INV-3 NoSilentRecovery",
            InvariantId::Inv4NoUnverifiedReintegration => "INV-4 NoUnverifiedReintegration",
            InvariantId::Inv5Determinism => "INV-5 Determinism",
            InvariantId::Inv6ByzantineTolerance => "INV-6 ByzantineTolerance",
            InvariantId::Inv7NoForks => "INV-7 NoForks",
        }
    }

    /// Whether an executable predicate for (part of) this invariant exists yet.
    pub fn is_checked(self) -> bool {
        matches!(
            self,
            InvariantId::Inv1NoGlobalRollback
                | InvariantId::Inv3NoSilentRecovery
                | InvariantId::Inv6ByzantineTolerance
                | InvariantId::Inv7NoForks
        )
    }
}

/// A broken invariant, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Violation {
    /// [INV-6 ByzantineTolerance], quorum part: `checkpoint` is finalized but
    /// its certificate holds only `distinct_members` distinct members of the
    /// committee, fewer than `quorum`. `non_members` and `repeated` list the
    /// signers that were wrongly counted.
    FinalizedWithoutQuorum {
        shard: ShardId,
        checkpoint: Checkpoint,
        distinct_members: u32,
        quorum: u32,
        non_members: Vec<ValidatorId>,
        repeated: Vec<ValidatorId>,
    },
    /// [INV-7 NoForks]: two finalized checkpoints of one shard at one height.
    TwoFinalizedAtOneHeight {
        shard: ShardId,
        height: Height,
        first: Checkpoint,
        second: Checkpoint,
    },
    /// [INV-7 NoForks]: a finalized checkpoint does not link to the one
    /// finalized before it, or its height does not exceed its parent's.
    BrokenChain {
        shard: ShardId,
        checkpoint: Checkpoint,
        expected_parent: ParentLink,
    },
    /// [INV-6 ByzantineTolerance] (d): an open fault names a validator the
    /// configuration holds honest.
    HonestValidatorAccused { shard: ShardId, fault: Fault },
    /// [INV-1 NoGlobalRollback]: the epoch went down.
    EpochDecreased { before: Epoch, after: Epoch },
    /// [INV-1 NoGlobalRollback]: the number of shards changed in a step.
    ShardsChanged { before: u32, after: u32 },
    /// [INV-1 NoGlobalRollback]: a shard's head height fell with no fault
    /// open against it.
    HeightLoweredWithoutFault {
        shard: ShardId,
        before: Height,
        after: Height,
    },
    /// [INV-1 NoGlobalRollback]: more than one shard's head height fell in
    /// one step.
    SeveralShardsLowered { shards: Vec<ShardId> },
    /// [INV-1 NoGlobalRollback]: a finalized checkpoint disappeared other
    /// than by retention pruning.
    FinalizedCheckpointLost {
        shard: ShardId,
        checkpoint: Checkpoint,
    },
    /// [INV-1 NoGlobalRollback]: a shard's status changed with no fault open
    /// against it; a fault elsewhere reached it ([R-ISO-3]).
    StatusChangedWithoutFault {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
    },
    /// [INV-3 NoSilentRecovery]: a record of the previous log changed or
    /// disappeared, first at `index`.
    AuditLogRewritten { index: u64 },
    /// [INV-3 NoSilentRecovery]: the record at `index` has the wrong index or
    /// does not chain to the one before it.
    AuditChainBroken { index: u64 },
    /// [INV-3 NoSilentRecovery]: a status change has no new record that
    /// describes it.
    StatusChangeUnrecorded {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
    },
    /// [INV-3 NoSilentRecovery]: a new record matches no change of the step.
    AuditRecordUnmatched { index: u64 },
    /// [R-ISO-2]: a status change that is not an edge of the status graph.
    /// Reported under INV-3: an audited change must be an allowed one.
    ForbiddenStatusChange {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
    },
}

impl Violation {
    /// The invariant this violation breaks.
    pub fn invariant(&self) -> InvariantId {
        match self {
            Violation::FinalizedWithoutQuorum { .. } | Violation::HonestValidatorAccused { .. } => {
                InvariantId::Inv6ByzantineTolerance
            }
            Violation::TwoFinalizedAtOneHeight { .. } | Violation::BrokenChain { .. } => {
                InvariantId::Inv7NoForks
            }
            Violation::EpochDecreased { .. }
            | Violation::ShardsChanged { .. }
            | Violation::HeightLoweredWithoutFault { .. }
            | Violation::SeveralShardsLowered { .. }
            | Violation::FinalizedCheckpointLost { .. }
            | Violation::StatusChangedWithoutFault { .. } => InvariantId::Inv1NoGlobalRollback,
            Violation::AuditLogRewritten { .. }
            | Violation::AuditChainBroken { .. }
            | Violation::StatusChangeUnrecorded { .. }
            | Violation::AuditRecordUnmatched { .. }
            | Violation::ForbiddenStatusChange { .. } => InvariantId::Inv3NoSilentRecovery,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.invariant().tag())?;
        match self {
            Violation::FinalizedWithoutQuorum {
                shard,
                checkpoint,
                distinct_members,
                quorum,
                non_members,
                repeated,
            } => write!(
                f,
                "{shard}: {checkpoint} finalized with {distinct_members} distinct committee \
                 member(s), quorum is {quorum} (non-members counted: {non_members:?}; counted \
                 twice: {repeated:?})"
            ),
            Violation::TwoFinalizedAtOneHeight {
                shard,
                height,
                first,
                second,
            } => {
                write!(
                    f,
                    "{shard}: two finalized checkpoints at {height}: {first} and {second}"
                )
            }
            Violation::BrokenChain {
                shard,
                checkpoint,
                expected_parent,
            } => write!(
                f,
                "{shard}: {checkpoint} does not extend the previous finalized checkpoint \
                 {expected_parent}"
            ),
            Violation::HonestValidatorAccused { shard, fault } => {
                write!(f, "{shard}: an open fault names honest validator: {fault}")
            }
            Violation::EpochDecreased { before, after } => {
                write!(f, "the epoch went from {before} down to {after}")
            }
            Violation::ShardsChanged { before, after } => {
                write!(
                    f,
                    "the step changed the number of shards from {before} to {after}"
                )
            }
            Violation::HeightLoweredWithoutFault {
                shard,
                before,
                after,
            } => write!(
                f,
                "{shard}: head fell from {before} to {after} with no fault open against it"
            ),
            Violation::SeveralShardsLowered { shards } => {
                write!(f, "heads of several shards fell in one step: {shards:?}")
            }
            Violation::FinalizedCheckpointLost { shard, checkpoint } => write!(
                f,
                "{shard}: finalized {checkpoint} disappeared other than by retention"
            ),
            Violation::StatusChangedWithoutFault { shard, from, to } => write!(
                f,
                "{shard}: status went {from:?} -> {to:?} with no fault open against it"
            ),
            Violation::AuditLogRewritten { index } => {
                write!(
                    f,
                    "audit record #{index} of the previous log changed or vanished"
                )
            }
            Violation::AuditChainBroken { index } => {
                write!(
                    f,
                    "audit record #{index} does not chain to the one before it"
                )
            }
            Violation::StatusChangeUnrecorded { shard, from, to } => write!(
                f,
                "{shard}: status went {from:?} -> {to:?} without an audit record describing it"
            ),
            Violation::AuditRecordUnmatched { index } => {
                write!(f, "audit record #{index} describes no change of this step")
            }
            Violation::ForbiddenStatusChange { shard, from, to } => write!(
                f,
                "{shard}: {from:?} -> {to:?} is not an edge of the status graph [R-ISO-2]"
            ),
        }
    }
}

/// Runs every state invariant checked so far that needs nothing but the
/// view, in tag order; the first violation wins.
pub fn check_view(view: &View) -> Result<(), Violation> {
    check_inv6_quorum(view)?;
    check_inv7_no_forks(view)?;
    Ok(())
}

/// Runs every invariant checked so far on one step `(before, after)` of a
/// configuration whose Byzantine validators are `byzantine`: the state
/// invariants on `after`, then the transition invariants, in tag order.
pub fn check_step(before: &View, after: &View, byzantine: &[ValidatorId]) -> Result<(), Violation> {
    check_inv1_no_global_rollback(before, after)?;
    check_inv3_no_silent_recovery(before, after)?;
    check_status_graph(before, after)?;
    check_inv6_quorum(after)?;
    check_inv6_no_honest_accused(after, byzantine)?;
    check_inv7_no_forks(after)?;
    Ok(())
}
