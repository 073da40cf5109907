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
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId};
use crate::protocol::{Fault, ShardStatus};
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
