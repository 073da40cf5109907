//! The seven invariants of `spec/SPEC.md`, written once ([INV-1] .. [INV-7]).
//!
//! Each checked invariant is a function over the abstract [`View`] returning
//! `Result<(), Violation>`; a violation carries its evidence. The model's
//! `always` properties, the conformance tests and the fuzzers all call these
//! same functions. Invariants whose protocol part is not built yet are listed
//! in [`InvariantId`] with [`InvariantId::is_checked`] false.

mod inv1_no_global_rollback;
mod inv2_no_cross_shard_corruption;
mod inv3_no_silent_recovery;
mod inv4_no_unverified_reintegration;
mod inv5_determinism;
mod inv6_byzantine_tolerance;
mod inv7_no_forks;

pub use inv1_no_global_rollback::{check_inv1_no_global_rollback, check_inv1_retention};
pub use inv2_no_cross_shard_corruption::{
    check_inv2_no_cross_shard_corruption, check_inv2_prepared_sides,
};
pub use inv3_no_silent_recovery::{
    check_inv3_no_silent_recovery, check_status_graph, is_allowed_transition,
};
pub use inv4_no_unverified_reintegration::check_inv4_no_unverified_reintegration;
pub use inv5_determinism::{check_inv5_determinism, ViewPart};
pub use inv6_byzantine_tolerance::{
    check_inv6_committees, check_inv6_no_honest_accused, check_inv6_quorum,
};
pub use inv7_no_forks::{check_inv7_no_forks, check_inv7_rollback_target};

use crate::action::{Checkpoint, ParentLink};
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId, XtxId};
use crate::params::Params;
use crate::protocol::{Fault, FaultKind, HealingStage, ShardStatus, XtxState};
use crate::view::View;

/// [R-FAULT-2] The status a fault kind's severity forces, as the spec's
/// table states it (`None` for Low). The invariants state what a recorded
/// cause must justify; they do not decide anything.
fn response_of(kind: FaultKind) -> Option<ShardStatus> {
    match kind {
        FaultKind::StateRootMismatch
        | FaultKind::InvalidCrossShardReceipt
        | FaultKind::CheckpointStateMismatch => Some(ShardStatus::Isolated),
        FaultKind::ValidatorEquivocation | FaultKind::ExecutionFailure => Some(ShardStatus::Frozen),
        FaultKind::LivenessFailure => Some(ShardStatus::Investigating),
        FaultKind::TransactionOrderingViolation => None,
    }
}
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
                | InvariantId::Inv2NoCrossShardCorruption
                | InvariantId::Inv3NoSilentRecovery
                | InvariantId::Inv4NoUnverifiedReintegration
                | InvariantId::Inv5Determinism
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
    /// [INV-1 NoGlobalRollback]: a shard's head height fell other than in
    /// the step that restores its own rollback to its target ([R-RB-4]).
    HeightLoweredOutsideRollback {
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
    /// [INV-1 NoGlobalRollback]: a retained finalized checkpoint's
    /// certificate lost a signer, or changed after its epoch ended
    /// ([R-CKPT-8]: late votes join a certificate only in its epoch).
    CertificateChanged {
        shard: ShardId,
        checkpoint: Checkpoint,
    },
    /// [INV-1 NoGlobalRollback]: retention pruned a shard below `retention`
    /// (`K`) finalized checkpoints, or below what it held if it held fewer
    /// ([R-CKPT-9]).
    OverPruned {
        shard: ShardId,
        kept: u32,
        retention: u32,
    },
    /// [INV-6 ByzantineTolerance] (a): a vote joined a retained certificate
    /// late ([R-CKPT-8]) from a validator outside the committee, or one
    /// already in it.
    LateSignerRefusable {
        shard: ShardId,
        checkpoint: Checkpoint,
        signer: ValidatorId,
    },
    /// [INV-5 Determinism]: two replicas that received the same inputs
    /// ([R-DET-1]) hold views that differ, first in `part` (of `shard`, for
    /// a per-shard part).
    ReplicasDiverged {
        part: ViewPart,
        shard: Option<ShardId>,
    },
    /// [INV-1 NoGlobalRollback]: a shard's status changed with no fault open
    /// against it (a fault elsewhere reached it, [R-ISO-3]), or into or out
    /// of `Recovering` without its own rollback.
    StatusChangedWithoutCause {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
    },
    /// [INV-1 NoGlobalRollback]: a shard's rollback generation changed other
    /// than by one in the step that restores its rollback ([R-RB-4]).
    GenerationChangedOutsideRollback {
        shard: ShardId,
        before: Generation,
        after: Generation,
    },
    /// [INV-1 NoGlobalRollback]: `other` changed in the step that restored
    /// `shard`'s rollback ([R-RB-4]).
    OtherShardChangedInRollback { shard: ShardId, other: ShardId },
    /// [INV-1 NoGlobalRollback]: a cross-shard transaction changed in the
    /// step that restored `shard`'s rollback ([R-RB-4]).
    XtxChangedInRollback { shard: ShardId },
    /// [INV-2 NoCrossShardCorruption] (a): the two sides of a transaction
    /// are in different states.
    XtxSidesDisagree {
        xtx: XtxId,
        source: XtxState,
        destination: XtxState,
    },
    /// [INV-2 NoCrossShardCorruption] (b): a committed transaction's side on
    /// `shard` at `height` is above the shard's latest finalized checkpoint
    /// (at `finalized`, 0 if none) ([R-XTX-4]).
    CommittedBeforeFinal {
        xtx: XtxId,
        shard: ShardId,
        height: Height,
        finalized: Height,
    },
    /// [INV-2 NoCrossShardCorruption] (c): a transaction touching heights
    /// `shard` rolled back is not aborted on both sides.
    RolledBackXtxNotAborted { xtx: XtxId, shard: ShardId },
    /// [INV-2 NoCrossShardCorruption] (c): a transaction touching rolled-back
    /// heights still holds a lock on `shard`.
    RolledBackXtxHoldsLock { xtx: XtxId, shard: ShardId },
    /// [INV-2 NoCrossShardCorruption] (d): a lock is held by no transaction
    /// in flight with that key on that shard, nor by one a rollback is about
    /// to release.
    LockWithoutXtx {
        shard: ShardId,
        key: u32,
        xtx: XtxId,
    },
    /// [INV-2 NoCrossShardCorruption] (e): a transaction in flight does not
    /// hold its key's lock on `shard`.
    XtxWithoutLock { xtx: XtxId, shard: ShardId },
    /// [INV-2 NoCrossShardCorruption] (f): `shard`'s lock table holds `key`
    /// twice.
    KeyLockedTwice { shard: ShardId, key: u32 },
    /// [INV-2 NoCrossShardCorruption] (h): a transaction's side on `shard`
    /// does not record the shard's head height and generation at prepare,
    /// or changed them later.
    XtxSideMisrecorded { xtx: XtxId, shard: ShardId },
    /// [INV-2 NoCrossShardCorruption] (g): a transaction is still in flight
    /// with `shard`, whose rollback has passed `Initiated` or failed.
    XtxInFlightAfterRollback { xtx: XtxId, shard: ShardId },
    /// [INV-3 NoSilentRecovery]: a rollback's restoration has no new record
    /// that describes it.
    RollbackUnrecorded {
        shard: ShardId,
        height_before: Height,
        height_after: Height,
    },
    /// [INV-7 NoForks]: a rollback passed `Initiated` with no target.
    RollbackWithoutTarget { shard: ShardId },
    /// [INV-7 NoForks]: a rollback's target is not the shard's latest
    /// retained finalized checkpoint ([R-RB-3]).
    RollbackTargetNotLatestFinalized { shard: ShardId, target: Checkpoint },
    /// [INV-7 NoForks]: a rollback's target lies more than `window` blocks
    /// below the height it started from ([R-RB-3]).
    RollbackBeyondWindow {
        shard: ShardId,
        from_height: Height,
        target: Checkpoint,
        window: u64,
    },
    /// [INV-7 NoForks]: a restored shard's head is not at its target's height
    /// ([R-RB-4]).
    RollbackNotAtTarget {
        shard: ShardId,
        height: Height,
        target: Checkpoint,
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
    /// [INV-6 ByzantineTolerance] (a): a checkpoint finalized with only
    /// `honest` honest members in its certificate, fewer than `q - f`.
    FinalizedWithoutHonestQuorum {
        shard: ShardId,
        checkpoint: Checkpoint,
        honest: u32,
        needed: u32,
    },
    /// [INV-6 ByzantineTolerance] (b): a validator the configuration holds
    /// honest was slashed.
    HonestValidatorSlashed { validator: ValidatorId },
    /// [INV-6 ByzantineTolerance] (c): a `Normal` shard's committee holds
    /// only `active` members that are not tombstoned, fewer than `quorum`.
    NormalCommitteeBelowQuorum {
        shard: ShardId,
        active: u32,
        quorum: u32,
    },
    /// [INV-6 ByzantineTolerance] (c): a tombstoned validator sits in a
    /// committee ([R-SLASH-2]: barred for ever).
    TombstonedInCommittee {
        shard: ShardId,
        validator: ValidatorId,
    },
    /// [INV-6 ByzantineTolerance] (e): two slash records for one validator
    /// and one offence window ([R-SLASH-3]).
    SlashedTwice {
        validator: ValidatorId,
        window: Epoch,
    },
    /// [INV-6 ByzantineTolerance] (f): a committee with more than `f`
    /// vacancies ([R-SLASH-4]).
    TooManyDisabled { shard: ShardId, active: u32 },
    /// [INV-4 NoUnverifiedReintegration] (a): a shard became `Normal`
    /// without the verification `reason` names.
    ReintegratedUnverified { shard: ShardId, reason: String },
    /// [INV-4 NoUnverifiedReintegration] (b): a healing moved from stage
    /// `from` to `to` other than to the next stage (`None`: no healing).
    HealingStageSkipped {
        shard: ShardId,
        from: Option<HealingStage>,
        to: Option<HealingStage>,
    },
    /// [INV-4 NoUnverifiedReintegration] (c): a healing entered `stage`
    /// without its entry condition ([R-HEAL-2]).
    HealingEntryUnmet { shard: ShardId, stage: HealingStage },
    /// [INV-3 NoSilentRecovery]: `shard`'s committee changed other than by
    /// its slashes, with no reassignment record describing the change.
    ReassignmentUnrecorded { shard: ShardId },
    /// [INV-3 NoSilentRecovery]: `validator`'s stake, tombstone or offence
    /// windows changed other than as the step's slash records say.
    SlashUnrecorded { validator: ValidatorId },
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
            Violation::FinalizedWithoutQuorum { .. }
            | Violation::HonestValidatorAccused { .. }
            | Violation::FinalizedWithoutHonestQuorum { .. }
            | Violation::LateSignerRefusable { .. }
            | Violation::HonestValidatorSlashed { .. }
            | Violation::NormalCommitteeBelowQuorum { .. }
            | Violation::SlashedTwice { .. }
            | Violation::TombstonedInCommittee { .. }
            | Violation::TooManyDisabled { .. } => InvariantId::Inv6ByzantineTolerance,
            Violation::ReintegratedUnverified { .. }
            | Violation::HealingStageSkipped { .. }
            | Violation::HealingEntryUnmet { .. } => InvariantId::Inv4NoUnverifiedReintegration,
            Violation::ReplicasDiverged { .. } => InvariantId::Inv5Determinism,
            Violation::TwoFinalizedAtOneHeight { .. }
            | Violation::BrokenChain { .. }
            | Violation::RollbackWithoutTarget { .. }
            | Violation::RollbackTargetNotLatestFinalized { .. }
            | Violation::RollbackBeyondWindow { .. }
            | Violation::RollbackNotAtTarget { .. } => InvariantId::Inv7NoForks,
            Violation::EpochDecreased { .. }
            | Violation::ShardsChanged { .. }
            | Violation::HeightLoweredOutsideRollback { .. }
            | Violation::SeveralShardsLowered { .. }
            | Violation::FinalizedCheckpointLost { .. }
            | Violation::CertificateChanged { .. }
            | Violation::OverPruned { .. }
            | Violation::StatusChangedWithoutCause { .. }
            | Violation::OtherShardChangedInRollback { .. }
            | Violation::XtxChangedInRollback { .. }
            | Violation::GenerationChangedOutsideRollback { .. } => {
                InvariantId::Inv1NoGlobalRollback
            }
            Violation::XtxSidesDisagree { .. }
            | Violation::CommittedBeforeFinal { .. }
            | Violation::RolledBackXtxNotAborted { .. }
            | Violation::RolledBackXtxHoldsLock { .. }
            | Violation::LockWithoutXtx { .. }
            | Violation::XtxWithoutLock { .. }
            | Violation::KeyLockedTwice { .. }
            | Violation::XtxSideMisrecorded { .. }
            | Violation::XtxInFlightAfterRollback { .. } => InvariantId::Inv2NoCrossShardCorruption,
            Violation::AuditLogRewritten { .. }
            | Violation::RollbackUnrecorded { .. }
            | Violation::AuditChainBroken { .. }
            | Violation::StatusChangeUnrecorded { .. }
            | Violation::AuditRecordUnmatched { .. }
            | Violation::ReassignmentUnrecorded { .. }
            | Violation::SlashUnrecorded { .. }
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
            Violation::HeightLoweredOutsideRollback {
                shard,
                before,
                after,
            } => write!(
                f,
                "{shard}: head fell from {before} to {after} outside the restoring step of its \
                 own rollback"
            ),
            Violation::SeveralShardsLowered { shards } => {
                write!(f, "heads of several shards fell in one step: {shards:?}")
            }
            Violation::FinalizedCheckpointLost { shard, checkpoint } => write!(
                f,
                "{shard}: finalized {checkpoint} disappeared other than by retention"
            ),
            Violation::CertificateChanged { shard, checkpoint } => write!(
                f,
                "{shard}: the certificate of finalized {checkpoint} lost a signer or changed \
                 after its epoch"
            ),
            Violation::OverPruned {
                shard,
                kept,
                retention,
            } => write!(
                f,
                "{shard}: retention left {kept} finalized checkpoint(s), fewer than K = {retention} \
                 and fewer than it held"
            ),
            Violation::LateSignerRefusable {
                shard,
                checkpoint,
                signer,
            } => write!(
                f,
                "{shard}: {signer} joined the certificate of finalized {checkpoint} late without \
                 being a new member of the committee"
            ),
            Violation::ReplicasDiverged { part, shard: Some(shard) } => write!(
                f,
                "two replicas that received the same inputs differ in {part} of {shard}"
            ),
            Violation::ReplicasDiverged { part, shard: None } => write!(
                f,
                "two replicas that received the same inputs differ in {part}"
            ),
            Violation::StatusChangedWithoutCause { shard, from, to } => write!(
                f,
                "{shard}: status went {from:?} -> {to:?} with no fault open against it and no \
                 rollback of its own"
            ),
            Violation::OtherShardChangedInRollback { shard, other } => write!(
                f,
                "{other} changed in the step that restored {shard}'s rollback"
            ),
            Violation::XtxChangedInRollback { shard } => write!(
                f,
                "a cross-shard transaction changed in the step that restored {shard}'s rollback"
            ),
            Violation::XtxSidesDisagree {
                xtx,
                source,
                destination,
            } => write!(
                f,
                "{xtx} is {source:?} on its source and {destination:?} on its destination"
            ),
            Violation::CommittedBeforeFinal {
                xtx,
                shard,
                height,
                finalized,
            } => write!(
                f,
                "{xtx} committed with its side on {shard} at {height}, above the latest \
                 finalized checkpoint at {finalized}"
            ),
            Violation::RolledBackXtxNotAborted { xtx, shard } => write!(
                f,
                "{xtx} touches heights {shard} rolled back but is not aborted on both sides"
            ),
            Violation::RolledBackXtxHoldsLock { xtx, shard } => write!(
                f,
                "{xtx} touches rolled-back heights but still holds a lock on {shard}"
            ),
            Violation::LockWithoutXtx { shard, key, xtx } => write!(
                f,
                "{shard}: key {key} is locked by {xtx}, which is not in flight with that key here"
            ),
            Violation::XtxWithoutLock { xtx, shard } => {
                write!(f, "{xtx} is in flight but holds no lock on {shard}")
            }
            Violation::XtxSideMisrecorded { xtx, shard } => write!(
                f,
                "{xtx}'s side on {shard} does not record that shard's head height and generation \
                 at prepare"
            ),
            Violation::KeyLockedTwice { shard, key } => {
                write!(f, "{shard}: key {key} is locked twice")
            }
            Violation::XtxInFlightAfterRollback { xtx, shard } => write!(
                f,
                "{xtx} is still in flight with {shard}, whose rollback has aborted its transactions"
            ),
            Violation::GenerationChangedOutsideRollback {
                shard,
                before,
                after,
            } => write!(
                f,
                "{shard}: generation went from {before} to {after} outside the restoring step of \
                 its own rollback, or not by one"
            ),
            Violation::RollbackUnrecorded {
                shard,
                height_before,
                height_after,
            } => write!(
                f,
                "{shard}: rolled back from {height_before} to {height_after} without an audit \
                 record describing it"
            ),
            Violation::RollbackWithoutTarget { shard } => {
                write!(f, "{shard}: the rollback went on with no target")
            }
            Violation::RollbackTargetNotLatestFinalized { shard, target } => write!(
                f,
                "{shard}: the rollback targets {target}, not the latest finalized checkpoint"
            ),
            Violation::RollbackBeyondWindow {
                shard,
                from_height,
                target,
                window,
            } => write!(
                f,
                "{shard}: the rollback from {from_height} targets {target}, more than {window} \
                 blocks back"
            ),
            Violation::RollbackNotAtTarget {
                shard,
                height,
                target,
            } => write!(
                f,
                "{shard}: restored to {height}, not to its target {target}"
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
            Violation::FinalizedWithoutHonestQuorum {
                shard,
                checkpoint,
                honest,
                needed,
            } => write!(
                f,
                "{shard}: {checkpoint} finalized with {honest} honest signer(s), fewer than \
                 q - f = {needed}: two such certificates need share no honest member"
            ),
            Violation::HonestValidatorSlashed { validator } => {
                write!(f, "honest validator {validator} was slashed")
            }
            Violation::NormalCommitteeBelowQuorum {
                shard,
                active,
                quorum,
            } => write!(
                f,
                "{shard} is Normal with {active} active committee member(s), quorum is {quorum}"
            ),
            Violation::TombstonedInCommittee { shard, validator } => {
                write!(f, "tombstoned {validator} sits in {shard}'s committee")
            }
            Violation::SlashedTwice { validator, window } => {
                write!(
                    f,
                    "{validator} was slashed twice in offence window {window}"
                )
            }
            Violation::TooManyDisabled { shard, active } => write!(
                f,
                "{shard}'s committee has {active} active member(s): more than f disabled at once"
            ),
            Violation::ReintegratedUnverified { shard, reason } => {
                write!(f, "{shard} became Normal unverified: {reason}")
            }
            Violation::HealingStageSkipped { shard, from, to } => write!(
                f,
                "{shard}: healing went from {from:?} to {to:?}, not to the next stage"
            ),
            Violation::HealingEntryUnmet { shard, stage } => write!(
                f,
                "{shard}: healing entered {stage:?} without its entry condition"
            ),
            Violation::ReassignmentUnrecorded { shard } => write!(
                f,
                "{shard}'s committee changed without a reassignment record describing it"
            ),
            Violation::SlashUnrecorded { validator } => write!(
                f,
                "{validator}'s stake, tombstone or offence windows changed without a slash \
                 record describing it"
            ),
            Violation::ForbiddenStatusChange { shard, from, to } => write!(
                f,
                "{shard}: {from:?} -> {to:?} is not an edge of the status graph [R-ISO-2]"
            ),
        }
    }
}

/// Runs every state invariant over one view of a configuration with
/// `params` whose Byzantine validators are `byzantine`, in tag order; the
/// first violation wins.
pub fn check_view(
    view: &View,
    params: &Params,
    byzantine: &[ValidatorId],
) -> Result<(), Violation> {
    check_inv2_no_cross_shard_corruption(view)?;
    check_inv6_committees(view, params, byzantine)?;
    check_inv6_no_honest_accused(view, byzantine)?;
    check_inv7_no_forks(view)?;
    check_inv7_rollback_target(view, params.rollback_window_blocks)?;
    Ok(())
}

/// Runs every invariant checked so far on one step `(before, after)` of a
/// configuration with `params` whose Byzantine validators are `byzantine`,
/// in tag order: INV-1, INV-2, INV-3 and the status graph, INV-4, INV-6,
/// INV-7.
pub fn check_step(
    before: &View,
    after: &View,
    params: &Params,
    byzantine: &[ValidatorId],
) -> Result<(), Violation> {
    check_inv1_no_global_rollback(before, after)?;
    check_inv1_retention(before, after, params)?;
    check_inv2_no_cross_shard_corruption(after)?;
    check_inv2_prepared_sides(before, after)?;
    check_inv3_no_silent_recovery(before, after)?;
    check_status_graph(before, after)?;
    check_inv4_no_unverified_reintegration(before, after, params)?;
    check_inv6_quorum(before, after, params, byzantine)?;
    check_inv6_committees(after, params, byzantine)?;
    check_inv6_no_honest_accused(after, byzantine)?;
    check_inv7_no_forks(after)?;
    check_inv7_rollback_target(after, params.rollback_window_blocks)?;
    Ok(())
}
