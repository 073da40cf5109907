//! The protocol's named states, written once for every part of the protocol.
//!
//! Checkpoint finality ([R-CKPT-*]) is the first part implemented; the other
//! enums below name the states of the parts that follow (fault detection,
//! isolation, rollback, slashing, healing, the recovery pipeline) so that the
//! view and the trace format are designed against the whole protocol now.

use crate::ids::{Epoch, Generation, Height, ValidatorId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A shard's status ([R-ISO-1]). Detection raises it among the first four
/// levels at epoch boundaries ([R-ISO-3]); the allowed changes form the
/// graph of [R-ISO-2].
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum ShardStatus {
    /// Running normally.
    #[default]
    Normal,
    /// Evidence against the shard is being checked.
    Investigating,
    /// No new transactions.
    Frozen,
    /// No cross-shard participation.
    Isolated,
    /// Rolling back to its latest finalized checkpoint.
    Recovering,
    /// Rebuilding and re-verifying its state.
    Healing,
}

/// The seven fault kinds, in the order of [R-FAULT-2]'s table (their
/// index, counted from 0, is the `kind` of a fault id, [R-FAULT-4]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum FaultKind {
    StateRootMismatch,
    ValidatorEquivocation,
    InvalidCrossShardReceipt,
    ExecutionFailure,
    LivenessFailure,
    CheckpointStateMismatch,
    TransactionOrderingViolation,
}

impl FaultKind {
    /// All seven, in table order.
    pub const ALL: [FaultKind; 7] = [
        FaultKind::StateRootMismatch,
        FaultKind::ValidatorEquivocation,
        FaultKind::InvalidCrossShardReceipt,
        FaultKind::ExecutionFailure,
        FaultKind::LivenessFailure,
        FaultKind::CheckpointStateMismatch,
        FaultKind::TransactionOrderingViolation,
    ];
}

/// A detected fault on one shard ([R-FAULT-4]): what the evidence proved,
/// without the messages. The shard is the one whose view holds it. Ordered
/// by `(kind, accused, generation, epoch, height)`, the order [R-ISO-3]
/// picks a cause in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fault {
    pub kind: FaultKind,
    /// The validator the evidence names; `None` for liveness. Written in
    /// traces as Quint writes an option, `{"tag": "None"}` or
    /// `{"tag": "Some", "value": 3}`: ITF has no `null`.
    #[serde(with = "quint_option")]
    pub accused: Option<ValidatorId>,
    pub generation: Generation,
    pub epoch: Epoch,
    pub height: Height,
}

/// Writes an `Option` as Quint writes one in ITF, `{"tag": "None"}` or
/// `{"tag": "Some", "value": ...}`: ITF has no `null`.
pub mod quint_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize)]
    #[serde(tag = "tag", content = "value")]
    enum QuintOptionRef<'a, T> {
        None,
        Some(&'a T),
    }

    #[derive(Deserialize)]
    #[serde(tag = "tag", content = "value")]
    enum QuintOption<T> {
        None,
        Some(T),
    }

    pub fn serialize<T: Serialize, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            None => QuintOptionRef::<T>::None,
            Some(x) => QuintOptionRef::Some(x),
        }
        .serialize(s)
    }

    /// The same option as an externally tagged enum. A compact binary
    /// format (bincode) writes the adjacently tagged form above as the tag's
    /// variant index then the value, which is exactly this enum's encoding;
    /// and it cannot read the adjacently tagged form back, which needs a
    /// self-describing format. Reading through this enum keeps the bytes
    /// (and so every hash over them, [R-AUDIT-2]) unchanged while letting a
    /// snapshot of the engine decode ([R-JOURNAL-7]).
    #[derive(Deserialize)]
    enum BinaryOption<T> {
        None,
        Some(T),
    }

    pub fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<T>, D::Error> {
        if !d.is_human_readable() {
            return Ok(match BinaryOption::deserialize(d)? {
                BinaryOption::None => None,
                BinaryOption::Some(x) => Some(x),
            });
        }
        Ok(match QuintOption::deserialize(d)? {
            QuintOption::None => None,
            QuintOption::Some(x) => Some(x),
        })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.kind)?;
        if let Some(v) = self.accused {
            write!(f, " by {v}")?;
        }
        write!(f, " at {} {} {}", self.height, self.epoch, self.generation)
    }
}

/// A fault's severity, which fixes the response ([R-FAULT-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
}

/// The phases of one rollback, in order ([R-RB-*]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RollbackPhase {
    Initiated,
    AbortingTransactions,
    ReleasingLocks,
    RestoringState,
    VerifyingState,
    Completed,
}

/// Why a rollback failed and froze its shard for an operator ([R-RB-3],
/// [R-RB-5], [R-RB-6]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RollbackFailure {
    /// The shard retains no finalized checkpoint to return to.
    NoCheckpoint,
    /// The target lies more than `W` blocks below the head.
    TargetBeyondWindow,
    /// The fault that caused the rollback lies more than `W` blocks below
    /// the head.
    FaultBeyondWindow,
    /// The restored root differs from the target checkpoint's root.
    RootMismatch,
}

/// A participant shard's decision on a cross-shard transaction
/// ([R-XTX-3]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum XtxDecision {
    Commit,
    Abort,
}

/// What one side of a cross-shard transaction has voted ([R-XTX-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum XtxBallot {
    /// No vote counted yet.
    Waiting,
    Commit,
    Abort,
}

/// The state of one side of a cross-shard transaction ([R-XTX-1]). A
/// correct rendering keeps both sides equal ([INV-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum XtxState {
    Prepared,
    Committed,
    Aborted,
}

/// The stages of healing, in order; none may be skipped ([R-HEAL-*]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HealingStage {
    Initializing,
    Rebuilding,
    SyncingBlocks,
    VerifyingState,
    ReadyForReintegration,
    Reintegrated,
}

/// The stages of a shard's recovery pipeline ([R-PIPE-*]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PipelineStage {
    FaultDetected,
    Isolated,
    RollingBack,
    ValidatorAdjustment,
    Healing,
    RecoveryComplete,
    Reintegrated,
    Failed,
}

/// Why a validator is slashed ([R-SLASH-*]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SlashReason {
    Equivocation,
    FalseStateRoot,
    CrossShardViolation,
    MissedProposals,
    TransactionMisbehaviour,
}

impl SlashReason {
    /// All five, in the order of [R-SLASH-2]'s table (their index is the
    /// `reason` of a slash record's canonical encoding, [R-AUDIT-1]).
    pub const ALL: [SlashReason; 5] = [
        SlashReason::Equivocation,
        SlashReason::FalseStateRoot,
        SlashReason::CrossShardViolation,
        SlashReason::MissedProposals,
        SlashReason::TransactionMisbehaviour,
    ];
}

/// How a committee with vacancies is refilled ([R-ASSIGN-1]).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum ReassignmentStrategy {
    /// Redraw the whole committee from its members and the reserve, ranked
    /// by a SHA3-256 digest seeded by the epoch and a finalized root.
    DeterministicReshuffle,
    /// Fill only the emptied seats, from the reserve in ascending id.
    #[default]
    PrioritizeSlashed,
    /// Fill only the emptied seats, from the reserve by stake, highest first.
    StakeBalance,
}

impl ReassignmentStrategy {
    /// All three, in the order of [R-ASSIGN-1] (their index is the
    /// `strategy` of a reassignment record's canonical encoding).
    pub const ALL: [ReassignmentStrategy; 3] = [
        ReassignmentStrategy::DeterministicReshuffle,
        ReassignmentStrategy::PrioritizeSlashed,
        ReassignmentStrategy::StakeBalance,
    ];

    /// The name used on the command line and in trace metadata.
    pub fn name(self) -> &'static str {
        match self {
            ReassignmentStrategy::DeterministicReshuffle => "reshuffle",
            ReassignmentStrategy::PrioritizeSlashed => "prioritize-slashed",
            ReassignmentStrategy::StakeBalance => "stake-balance",
        }
    }

    /// Looks a strategy up by its name.
    pub fn from_name(name: &str) -> Option<ReassignmentStrategy> {
        ReassignmentStrategy::ALL
            .into_iter()
            .find(|s| s.name() == name)
    }
}

/// Why a healing failed and froze its shard for an operator ([R-HEAL-5]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HealingFailure {
    /// Validator adjustment could not bring the committee back to `n`
    /// members ([R-PIPE-2], [R-ASSIGN-3]).
    CommitteeUnrestorable,
    /// The head was not at the base's height and root ([R-HEAL-2]).
    RebuildMismatch,
    /// The checkpoint finalized at the head has a root other than the head
    /// root ([R-HEAL-4]).
    VerificationMismatch,
}

impl HealingStage {
    /// The stage after this one, `None` after `Reintegrated` ([R-HEAL-1]).
    pub fn next(self) -> Option<HealingStage> {
        match self {
            HealingStage::Initializing => Some(HealingStage::Rebuilding),
            HealingStage::Rebuilding => Some(HealingStage::SyncingBlocks),
            HealingStage::SyncingBlocks => Some(HealingStage::VerifyingState),
            HealingStage::VerifyingState => Some(HealingStage::ReadyForReintegration),
            HealingStage::ReadyForReintegration => Some(HealingStage::Reintegrated),
            HealingStage::Reintegrated => None,
        }
    }
}

impl PipelineStage {
    /// Whether a pipeline in this stage is active: a shard with an active
    /// pipeline starts no second one ([R-PIPE-1]).
    pub fn is_active(self) -> bool {
        !matches!(self, PipelineStage::Reintegrated | PipelineStage::Failed)
    }
}
