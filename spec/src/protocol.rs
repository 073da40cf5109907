//! The protocol's named states, written once for every part of the protocol.
//!
//! Checkpoint finality ([R-CKPT-*]) is the first part implemented; the other
//! enums below name the states of the parts that follow (fault detection,
//! isolation, rollback, slashing, healing, the recovery pipeline) so that the
//! view and the trace format are designed against the whole protocol now.

use serde::{Deserialize, Serialize};

/// A shard's isolation level ([R-ISO-*]). Every shard is `Normal` until fault
/// detection is implemented.
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

/// The seven fault kinds ([R-FAULT-*]).
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

/// A fault's severity, which fixes the response ([R-FAULT-*]).
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
