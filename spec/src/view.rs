//! The abstract view: everything a step can change, in a form both renderings
//! project to ([R-VIEW-1]).
//!
//! Model and engine must produce equal views after every step. The view is
//! rich enough that a wrong rule in either changes it: heights, roots,
//! committees, pending votes, finalized certificates and equivocation
//! evidence are all in it. Every list is in a canonical order, stated on its
//! field, so that equality is structural.

use crate::action::{Checkpoint, StateRoot};
use crate::audit::AuditRecord;
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId, XtxId};
use crate::protocol::{
    Fault, HealingFailure, HealingStage, PipelineStage, RollbackFailure, RollbackPhase,
    ShardStatus, XtxBallot, XtxState,
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A checkpoint that has been proposed and not yet finalized, dropped or
/// expired, with the votes counted for it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PendingCheckpoint {
    pub checkpoint: Checkpoint,
    /// Voters, ascending. A correct rendering holds each voter once.
    pub votes: Vec<ValidatorId>,
}

/// A finalized checkpoint with the certificate that finalized it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FinalizedCheckpoint {
    pub checkpoint: Checkpoint,
    /// The voters counted when it finalized, ascending.
    pub signers: Vec<ValidatorId>,
}

/// Equivocation evidence: one validator signed votes for two different
/// checkpoints of the same shard at the same epoch and height ([R-CKPT-10]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Equivocation {
    pub validator: ValidatorId,
    /// The smaller of the two checkpoints in the abstract order.
    pub first: Checkpoint,
    /// The larger of the two.
    pub second: Checkpoint,
}

/// One entry of a shard's lock table: `key` is held by `xtx` ([R-XTX-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Lock {
    pub key: u32,
    pub xtx: XtxId,
}

/// One participant's side of a cross-shard transaction ([R-XTX-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XtxSide {
    /// The shard's head height when the transaction was prepared.
    pub height: Height,
    /// The shard's rollback generation when it was prepared.
    pub generation: Generation,
    pub vote: XtxBallot,
    pub state: XtxState,
}

/// A cross-shard transaction with its two sides ([R-XTX-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XtxView {
    pub id: XtxId,
    pub source: ShardId,
    pub destination: ShardId,
    pub key: u32,
    pub source_side: XtxSide,
    pub destination_side: XtxSide,
}

impl XtxView {
    /// In flight: both sides still `Prepared` ([R-XTX-1]).
    pub fn is_in_flight(&self) -> bool {
        self.source_side.state == XtxState::Prepared
            && self.destination_side.state == XtxState::Prepared
    }

    /// Whether `shard` is one of the two participants.
    pub fn involves(&self, shard: ShardId) -> bool {
        self.source == shard || self.destination == shard
    }

    /// The side on `shard`, if it takes part.
    pub fn side(&self, shard: ShardId) -> Option<&XtxSide> {
        if self.source == shard {
            Some(&self.source_side)
        } else if self.destination == shard {
            Some(&self.destination_side)
        } else {
            None
        }
    }
}

/// A shard's rollback, in progress, completed or failed ([R-RB-1],
/// [R-RB-2], [R-RB-6]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct RollbackView {
    pub phase: RollbackPhase,
    /// The fault that isolated the shard.
    pub cause: Fault,
    /// The latest retained finalized checkpoint when the rollback started,
    /// if any.
    #[serde(with = "crate::protocol::quint_option")]
    pub target: Option<Checkpoint>,
    /// The head height when the rollback started.
    pub from_height: Height,
    /// The head root when the rollback started.
    pub from_root: StateRoot,
    /// The cross-shard transactions this rollback aborted, ascending.
    pub aborted: Vec<XtxId>,
    /// Why it failed, if it did; the shard is then frozen for an operator
    /// ([R-RB-6]).
    #[serde(with = "crate::protocol::quint_option")]
    pub failure: Option<RollbackFailure>,
}

/// A shard's healing, in progress, reintegrated or failed ([R-HEAL-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct HealingView {
    pub stage: HealingStage,
    /// The fault that started the recovery (the rollback's cause).
    pub cause: Fault,
    /// The finalized checkpoint the rollback returned to.
    pub base: Checkpoint,
    /// Why it failed, if it did; the shard is then frozen for an operator
    /// ([R-HEAL-5]).
    #[serde(with = "crate::protocol::quint_option")]
    pub failure: Option<HealingFailure>,
}

/// One validator's record ([R-SLASH-1]). Its committee, if any, is read
/// from the shards' committees.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ValidatorView {
    pub validator: ValidatorId,
    pub stake: u64,
    /// Barred for ever ([R-SLASH-2]).
    pub tombstoned: bool,
    /// The offence windows it was slashed in, ascending ([R-SLASH-3]).
    pub slashed_windows: Vec<Epoch>,
}

/// One shard as the view shows it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ShardView {
    pub shard: ShardId,
    pub status: ShardStatus,
    pub generation: Generation,
    /// The height of the head block (0 before any block).
    pub height: Height,
    /// The post-state root of the head block.
    pub head_root: StateRoot,
    /// The active committee, ascending.
    pub committee: Vec<ValidatorId>,
    /// Pending checkpoints, ascending by checkpoint.
    pub pending: Vec<PendingCheckpoint>,
    /// Retained finalized checkpoints, in the order they finalized (oldest
    /// first).
    pub finalized: Vec<FinalizedCheckpoint>,
    /// Equivocation evidence, ascending.
    pub equivocations: Vec<Equivocation>,
    /// The epoch in which the head block was appended; 0 at genesis
    /// ([R-BLK-1]).
    pub last_block_epoch: Epoch,
    /// Open faults, ascending ([R-FAULT-5], [R-FAULT-6]).
    pub faults: Vec<Fault>,
    /// The lock table, ascending by key ([R-XTX-1]).
    pub locks: Vec<Lock>,
    /// The rollback in progress, or the completed one until healing takes
    /// over ([R-RB-2], [R-PIPE-2]), or the failed one.
    #[serde(with = "crate::protocol::quint_option")]
    pub rollback: Option<RollbackView>,
    /// The healing in progress, or the last one ([R-HEAL-1]).
    #[serde(with = "crate::protocol::quint_option")]
    pub healing: Option<HealingView>,
    /// The stage of the shard's recovery pipeline, if one ever started
    /// ([R-PIPE-1]).
    #[serde(with = "crate::protocol::quint_option")]
    pub pipeline: Option<PipelineStage>,
}

/// The whole abstract view ([R-VIEW-1]).
///
/// `Debug` prints the same compact text as `Display`: Stateright's Explorer
/// and failing assertions show views through `Debug`, and one line per
/// checkpoint reads better there than the derived field dump.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct View {
    pub epoch: Epoch,
    /// One entry per shard, ascending by shard id.
    pub shards: Vec<ShardView>,
    /// Every registered validator's record, ascending by id ([R-SLASH-1]).
    pub validators: Vec<ValidatorView>,
    /// Cross-shard transactions, ascending by id ([R-XTX-1]).
    pub transactions: Vec<XtxView>,
    /// The audit log, oldest first ([R-AUDIT-1]).
    pub audit: Vec<AuditRecord>,
}

impl ShardView {
    /// The most recently finalized retained checkpoint, if any.
    pub fn latest_finalized(&self) -> Option<&FinalizedCheckpoint> {
        self.finalized.last()
    }
}

impl fmt::Display for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "epoch {}", self.epoch)?;
        for s in &self.shards {
            writeln!(
                f,
                "  {} {:?} {} head {} ({}, {}) committee {}",
                s.shard,
                s.status,
                s.generation,
                s.height,
                s.head_root,
                s.last_block_epoch,
                list(&s.committee)
            )?;
            for p in &s.pending {
                writeln!(f, "    pending   {} votes {}", p.checkpoint, list(&p.votes))?;
            }
            for c in &s.finalized {
                writeln!(
                    f,
                    "    finalized {} signers {}",
                    c.checkpoint,
                    list(&c.signers)
                )?;
            }
            for e in &s.equivocations {
                writeln!(
                    f,
                    "    equivocation by {}: {} vs {}",
                    e.validator, e.first, e.second
                )?;
            }
            for fault in &s.faults {
                writeln!(f, "    open fault {fault}")?;
            }
            for lock in &s.locks {
                writeln!(f, "    lock key {} held by {}", lock.key, lock.xtx)?;
            }
            if let Some(r) = &s.rollback {
                write!(
                    f,
                    "    rollback {:?} because {} from {} ({}) to ",
                    r.phase, r.cause, r.from_height, r.from_root
                )?;
                match &r.target {
                    Some(c) => write!(f, "{c}")?,
                    None => write!(f, "no checkpoint")?,
                }
                let aborted: Vec<String> = r.aborted.iter().map(|x| x.to_string()).collect();
                write!(f, " aborted {{{}}}", aborted.join(","))?;
                match r.failure {
                    Some(reason) => writeln!(f, " FAILED {reason:?}")?,
                    None => writeln!(f)?,
                }
            }
            if let Some(h) = &s.healing {
                write!(
                    f,
                    "    healing {:?} because {} from {}",
                    h.stage, h.cause, h.base
                )?;
                match h.failure {
                    Some(reason) => writeln!(f, " FAILED {reason:?}")?,
                    None => writeln!(f)?,
                }
            }
            if let Some(stage) = s.pipeline {
                writeln!(f, "    recovery {stage:?}")?;
            }
        }
        for v in &self.validators {
            if v.stake != crate::params::STAKE_GENESIS
                || v.tombstoned
                || !v.slashed_windows.is_empty()
            {
                let windows: Vec<String> =
                    v.slashed_windows.iter().map(|e| e.to_string()).collect();
                writeln!(
                    f,
                    "  {} stake {}{} slashed in {{{}}}",
                    v.validator,
                    v.stake,
                    if v.tombstoned { " TOMBSTONED" } else { "" },
                    windows.join(",")
                )?;
            }
        }
        for x in &self.transactions {
            writeln!(
                f,
                "  {} {} -> {} key {}: {:?}/{:?} at {} {} | {:?}/{:?} at {} {}",
                x.id,
                x.source,
                x.destination,
                x.key,
                x.source_side.state,
                x.source_side.vote,
                x.source_side.height,
                x.source_side.generation,
                x.destination_side.state,
                x.destination_side.vote,
                x.destination_side.height,
                x.destination_side.generation
            )?;
        }
        for r in &self.audit {
            writeln!(f, "  audit {r}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for View {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn list(ids: &[ValidatorId]) -> String {
    let inner: Vec<String> = ids.iter().map(|v| v.to_string()).collect();
    format!("{{{}}}", inner.join(","))
}
