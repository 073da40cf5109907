//! Outcomes: what a step did ([R-OUT-1]).
//!
//! Every action is either accepted, with the list of events it caused in the
//! order the spec fixes, or rejected with exactly one typed rejection, in
//! which case the state is left exactly as it was ([R-OUT-2]).

use crate::action::{Checkpoint, StateRoot};
use crate::ids::{Epoch, Height, ShardId, ValidatorId};
use crate::protocol::{Fault, ShardStatus};
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

/// A typed rejection: one enum per operation ([R-OUT-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Rejection {
    Block(BlockRejection),
    Proposal(ProposalRejection),
    Vote(VoteRejection),
    Evidence(EvidenceRejection),
    Epoch(EpochRejection),
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
