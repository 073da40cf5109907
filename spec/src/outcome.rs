//! Outcomes: what a step did ([R-OUT-1]).
//!
//! Every action is either accepted, with the list of events it caused in the
//! order the spec fixes, or rejected with exactly one typed rejection, in
//! which case the state is left exactly as it was ([R-OUT-2]).

use crate::action::{Checkpoint, StateRoot};
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId, XtxId};
use crate::protocol::{
    Fault, HealingFailure, HealingStage, PipelineStage, RollbackFailure, RollbackPhase,
    ShardStatus, SlashReason, XtxDecision,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Something an accepted action did ([R-OUT-1]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Event {
    /// A block was appended to `shard` ([R-BLK-1]).
    BlockAppended {
        shard: ShardId,
        height: Height,
        root: StateRoot,
    },
    /// A checkpoint became pending ([R-CKPT-7]).
    CheckpointProposed { checkpoint: Checkpoint },
    /// A vote was counted for a pending checkpoint ([R-CKPT-8]).
    VoteCounted {
        validator: ValidatorId,
        checkpoint: Checkpoint,
    },
    /// The vote just counted conflicts with another vote of the same
    /// validator at the same shard, epoch and height; the pair is kept as
    /// equivocation evidence ([R-CKPT-10]).
    EquivocationRecorded {
        validator: ValidatorId,
        checkpoint: Checkpoint,
    },
    /// A checkpoint reached its quorum and is finalized ([R-CKPT-8]).
    CheckpointFinalized { checkpoint: Checkpoint },
    /// The other pending checkpoints of `shard` were dropped because a
    /// checkpoint finalized ([R-CKPT-8]).
    PendingDropped { shard: ShardId, count: u32 },
    /// The oldest retained finalized checkpoint was pruned ([R-CKPT-9]).
    CheckpointPruned { checkpoint: Checkpoint },
    /// The epoch advanced ([R-EPOCH-1]).
    EpochAdvanced { epoch: Epoch },
    /// Pending checkpoints of `shard` expired at the epoch boundary
    /// ([R-EPOCH-2]).
    PendingExpired { shard: ShardId, count: u32 },
    /// Evidence was accepted and its fault is open on `shard`
    /// ([R-FAULT-5]).
    FaultDetected { shard: ShardId, fault: Fault },
    /// At the epoch boundary `shard`'s status rose because of `cause`, and
    /// one audit record was appended ([R-ISO-3], [R-AUDIT-1]).
    StatusChanged {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
        cause: Fault,
    },
    /// Open faults of `shard` too old to be proven again were removed at the
    /// epoch boundary ([R-FAULT-6]).
    FaultsExpired { shard: ShardId, count: u32 },
    /// A cross-shard transaction was prepared and holds its key's lock on
    /// both shards ([R-XTX-2]).
    XtxPrepared { id: XtxId },
    /// A participant's vote was counted ([R-XTX-3]).
    XtxVoteCounted {
        id: XtxId,
        shard: ShardId,
        decision: XtxDecision,
    },
    /// Both sides committed ([R-XTX-5]).
    XtxCommitted { id: XtxId },
    /// Both sides aborted, by a vote ([R-XTX-5]) or by a rollback
    /// ([R-RB-2], [R-RB-6]).
    XtxAborted { id: XtxId },
    /// A lock was released, in ascending `(shard, key)` order ([R-XTX-5],
    /// [R-RB-2]).
    LockReleased {
        shard: ShardId,
        key: u32,
        xtx: XtxId,
    },
    /// A rollback entered `phase` ([R-RB-2]).
    RollbackAdvanced {
        shard: ShardId,
        phase: RollbackPhase,
    },
    /// A shard was restored to its rollback target, in a new generation
    /// ([R-RB-4]).
    StateRestored {
        shard: ShardId,
        height: Height,
        root: StateRoot,
        generation: Generation,
    },
    /// A rollback failed; the shard is frozen for an operator ([R-RB-6]).
    RollbackFailed {
        shard: ShardId,
        reason: RollbackFailure,
    },
    /// A validator named by an open fault of `shard` was slashed for its
    /// offence window ([R-SLASH-3]).
    ValidatorSlashed {
        validator: ValidatorId,
        shard: ShardId,
        reason: SlashReason,
        window: Epoch,
        penalty: u64,
        tombstoned: bool,
    },
    /// A committee with vacancies was refilled; `committee` is the new one,
    /// ascending ([R-ASSIGN-2]).
    CommitteeReassigned {
        shard: ShardId,
        committee: Vec<ValidatorId>,
    },
    /// A healing entered `stage` ([R-HEAL-2], [R-PIPE-2]).
    HealingAdvanced { shard: ShardId, stage: HealingStage },
    /// A healing failed; the shard is frozen for an operator ([R-HEAL-5]).
    HealingFailed {
        shard: ShardId,
        reason: HealingFailure,
    },
    /// A shard's recovery pipeline entered `stage` ([R-PIPE-1]).
    PipelineAdvanced {
        shard: ShardId,
        stage: PipelineStage,
    },
}

/// Why a block was rejected ([R-BLK-1]), in the order the checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BlockRejection {
    UnknownShard,
    ShardFrozen,
    TooManyTransactions,
    UnorderedTransactions,
    WrongHeight,
    WrongParent,
    StateRootMismatch,
}

/// Why a checkpoint proposal was rejected ([R-CKPT-7]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ProposalRejection {
    UnknownShard,
    ShardRecovering,
    UnknownValidator,
    NotMember,
    WrongEpoch,
    WrongGeneration,
    BadSignature,
    WrongHeight,
    BeyondHead,
    WrongParent,
    Duplicate,
    TooManyPending,
}

/// Why a checkpoint vote was rejected ([R-CKPT-8]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VoteRejection {
    UnknownShard,
    ShardRecovering,
    UnknownValidator,
    WrongShard,
    NotMember,
    WrongEpoch,
    WrongGeneration,
    BadSignature,
    AlreadyFinalized,
    UnknownCheckpoint,
    Duplicate,
}

/// Why evidence was rejected ([R-FAULT-3]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EvidenceRejection {
    UnknownShard,
    Mismatched,
    UnknownValidator,
    NotMember,
    FutureEpoch,
    StaleEpoch,
    WrongGeneration,
    HeightOutOfRange,
    StaleHeight,
    BadSignature,
    NotAFault,
    Duplicate,
}

/// Why an epoch tick was rejected ([R-EPOCH-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EpochRejection {
    NotNextEpoch,
}

/// Why a cross-shard prepare was rejected ([R-XTX-2]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PrepareRejection {
    UnknownShard,
    SameShard,
    Duplicate,
    ShardUnavailable,
    KeyLocked,
}

/// Why a cross-shard vote was rejected ([R-XTX-3]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum XtxVoteRejection {
    UnknownShard,
    UnknownXtx,
    NotParticipant,
    UnknownValidator,
    NotMember,
    WrongGeneration,
    BadSignature,
    Finished,
    Duplicate,
    ShardUnavailable,
    Immature,
}

/// Why a rollback tick was rejected ([R-RB-2]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RollbackRejection {
    UnknownShard,
    NotRecovering,
}

/// Why a healing tick was rejected ([R-HEAL-2]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum HealingRejection {
    UnknownShard,
    /// The shard is not `Healing`, or its healing failed.
    NotHealing,
    /// `SyncingBlocks` has not reached the base's height plus `N`.
    NotSynced,
    /// `VerifyingState` ends only at an epoch boundary ([R-HEAL-4]).
    AwaitingEpoch,
    /// A fault against the shard is open; it cannot be reintegrated.
    FaultOpen,
}

/// A typed rejection: one enum per operation ([R-OUT-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Rejection {
    Block(BlockRejection),
    Proposal(ProposalRejection),
    Vote(VoteRejection),
    Evidence(EvidenceRejection),
    Epoch(EpochRejection),
    Prepare(PrepareRejection),
    XtxVote(XtxVoteRejection),
    Rollback(RollbackRejection),
    Healing(HealingRejection),
}

/// The outcome of one step ([R-OUT-1]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Outcome {
    Accepted { events: Vec<Event> },
    Rejected { rejection: Rejection },
}

impl Outcome {
    /// Whether the action was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self, Outcome::Accepted { .. })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::BlockAppended {
                shard,
                height,
                root,
            } => {
                write!(f, "block {height} appended to {shard} ({root})")
            }
            Event::CheckpointProposed { checkpoint } => write!(f, "{checkpoint} pending"),
            Event::VoteCounted {
                validator,
                checkpoint,
            } => {
                write!(f, "vote of {validator} counted for {checkpoint}")
            }
            Event::EquivocationRecorded {
                validator,
                checkpoint,
            } => {
                write!(f, "EQUIVOCATION by {validator} at {checkpoint}")
            }
            Event::CheckpointFinalized { checkpoint } => write!(f, "FINALIZED {checkpoint}"),
            Event::PendingDropped { shard, count } => {
                write!(f, "{count} other pending checkpoint(s) of {shard} dropped")
            }
            Event::CheckpointPruned { checkpoint } => write!(f, "pruned {checkpoint}"),
            Event::EpochAdvanced { epoch } => write!(f, "epoch is now {epoch}"),
            Event::PendingExpired { shard, count } => {
                write!(f, "{count} pending checkpoint(s) of {shard} expired")
            }
            Event::FaultDetected { shard, fault } => {
                write!(f, "FAULT on {shard}: {fault}")
            }
            Event::StatusChanged {
                shard,
                from,
                to,
                cause,
            } => write!(f, "{shard} {from:?} -> {to:?} because {cause}"),
            Event::FaultsExpired { shard, count } => {
                write!(f, "{count} old fault(s) of {shard} expired")
            }
            Event::XtxPrepared { id } => write!(f, "{id} prepared, key locked on both shards"),
            Event::XtxVoteCounted {
                id,
                shard,
                decision,
            } => write!(f, "{shard} votes {decision:?} on {id}"),
            Event::XtxCommitted { id } => write!(f, "{id} COMMITTED on both shards"),
            Event::XtxAborted { id } => write!(f, "{id} ABORTED on both shards"),
            Event::LockReleased { shard, key, xtx } => {
                write!(f, "lock on key {key} of {shard} released by {xtx}")
            }
            Event::RollbackAdvanced { shard, phase } => {
                write!(f, "rollback of {shard} enters {phase:?}")
            }
            Event::StateRestored {
                shard,
                height,
                root,
                generation,
            } => write!(
                f,
                "{shard} RESTORED to {height} ({root}), now in {generation}"
            ),
            Event::RollbackFailed { shard, reason } => {
                write!(f, "ROLLBACK of {shard} FAILED: {reason:?}")
            }
            Event::ValidatorSlashed {
                validator,
                shard,
                reason,
                window,
                penalty,
                tombstoned,
            } => write!(
                f,
                "SLASHED {validator} on {shard} for {reason:?} in window {window}: -{penalty}{}",
                if *tombstoned { ", tombstoned" } else { "" }
            ),
            Event::CommitteeReassigned { shard, committee } => {
                let ids: Vec<String> = committee.iter().map(|v| v.to_string()).collect();
                write!(f, "{shard} committee is now {{{}}}", ids.join(","))
            }
            Event::HealingAdvanced { shard, stage } => {
                write!(f, "healing of {shard} enters {stage:?}")
            }
            Event::HealingFailed { shard, reason } => {
                write!(f, "HEALING of {shard} FAILED: {reason:?}")
            }
            Event::PipelineAdvanced { shard, stage } => {
                write!(f, "recovery of {shard}: {stage:?}")
            }
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Accepted { events } => {
                write!(f, "accepted")?;
                for (i, e) in events.iter().enumerate() {
                    write!(f, "{}{e}", if i == 0 { ": " } else { "; " })?;
                }
                Ok(())
            }
            Outcome::Rejected { rejection } => write!(f, "rejected: {rejection:?}"),
        }
    }
}
