//! Checkpoints and their finality ([R-CKPT-1] .. [R-CKPT-10]).
//!
//! Per shard the engine holds at most `P` pending checkpoints, each with the
//! signed votes counted for it; the `K` most recently finalized checkpoints,
//! each with its certificate (the signed votes that finalized it); and the
//! equivocation evidence seen so far. Finality rests on signatures alone: a
//! checkpoint whose root differs from the chain is still finalized if a quorum
//! signs it, and that difference is a fault for detection ([R-FAULT-*]) to
//! find, not a reason for this module to refuse ([R-CKPT-7]).
//!
//! - `proposal`: the twelve proposal checks and the pending set.
//! - `vote`: the eleven vote checks, counting, and equivocation evidence.
//! - `finality`: finalization, dropping the other pending checkpoints, and
//!   retention.
//!
//! Every lookup here is over one shard's bounded lists (`P <= 16` pending,
//! `K <= 64` finalized, `n <= 64` votes per checkpoint) or a `BTreeMap`, so a
//! vote's cost does not grow with the number of shards or with history.

mod finality;
mod proposal;
mod vote;

pub(crate) use proposal::{apply_proposal, validate_proposal};
pub(crate) use vote::{apply_vote, validate_vote};

use crate::wire::{CheckpointBody, Hash32, SignatureBytes, SignedVote};
use mend_spec::{Epoch, Generation, Height, ShardId, ValidatorId};
use std::collections::{BTreeMap, VecDeque};

/// A vote that was counted: who signed, in which domain, and the signature,
/// so that a certificate or a piece of evidence can be re-verified by anyone
/// ([R-CKPT-5]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CountedVote {
    pub(crate) validator: ValidatorId,
    pub(crate) epoch: Epoch,
    pub(crate) generation: Generation,
    pub(crate) signature: SignatureBytes,
}

impl CountedVote {
    /// The signed vote this was counted from, for the checkpoint `body` of
    /// `shard`.
    pub(crate) fn to_signed_vote(self, shard: ShardId, body: &CheckpointBody) -> SignedVote {
        SignedVote {
            validator: self.validator,
            shard,
            epoch: self.epoch,
            generation: self.generation,
            checkpoint: *body,
            signature: self.signature,
        }
    }
}

/// A proposed checkpoint that has not been finalized, dropped or expired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PendingCheckpoint {
    pub(crate) id: Hash32,
    pub(crate) body: CheckpointBody,
    /// Counted votes, ascending by validator ([R-DET-0]). Each validator at
    /// most once, except under the `CountDuplicateVote` seeded bug.
    pub(crate) votes: Vec<CountedVote>,
}

impl PendingCheckpoint {
    /// A vote of `validator` counted for this checkpoint, if any.
    fn vote_of(&self, validator: ValidatorId) -> Option<&CountedVote> {
        self.votes
            .binary_search_by_key(&validator, |v| v.validator)
            .ok()
            .and_then(|index| self.votes.get(index))
    }
}

/// A finalized checkpoint with its certificate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FinalizedCheckpoint {
    pub(crate) id: Hash32,
    pub(crate) body: CheckpointBody,
    /// The votes counted when it finalized, ascending by validator.
    pub(crate) certificate: Vec<CountedVote>,
}

/// [R-CKPT-10] Equivocation evidence: two signed votes of one validator for
/// two different checkpoints of one shard at the same epoch and height. Both
/// signatures verify under the validator's key ([R-CKPT-8] check 8 passed for
/// each), so anyone holding the genesis keys can check the evidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EquivocationEvidence {
    pub validator: ValidatorId,
    /// The vote counted first.
    pub first: SignedVote,
    /// The vote whose counting revealed the conflict.
    pub second: SignedVote,
}

/// Where a pending checkpoint sits in its shard's pending list. Produced by a
/// lookup during validation and consumed by the apply step that immediately
/// follows it on the same state, so it is in bounds when used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PendingSlot(usize);

/// Key of one piece of evidence: the validator and the two checkpoint ids,
/// smaller first, so that a pair is kept once whichever vote came first.
type EvidenceKey = (ValidatorId, Hash32, Hash32);

/// The checkpoint state of one shard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ShardCheckpoints {
    /// In proposal order; at most `P` ([R-CKPT-7] check 12).
    pending: Vec<PendingCheckpoint>,
    /// Oldest first; at most `K` ([R-CKPT-9]).
    finalized: VecDeque<FinalizedCheckpoint>,
    /// [R-CKPT-10] Every piece of evidence recorded, by key.
    equivocations: BTreeMap<EvidenceKey, EquivocationEvidence>,
}

impl ShardCheckpoints {
    /// [R-CKPT-4] The id a new checkpoint must name as parent: the latest
    /// finalized checkpoint's, or `None` (genesis) if there is none.
    pub(crate) fn latest_finalized_id(&self) -> Option<Hash32> {
        self.finalized.back().map(|f| f.id)
    }

    /// [R-CKPT-1] The next checkpoint height: `N` if nothing was finalized,
    /// else the latest finalized height plus `N`.
    ///
    /// Saturating is exact in every reachable state: a finalized height is at
    /// most its shard's head height, which grows by one per accepted block,
    /// so it stays far below `u64::MAX - N`.
    pub(crate) fn next_checkpoint_height(&self, interval_blocks: u64) -> Option<Height> {
        let base = self.finalized.back().map_or(0, |f| f.body.height.0);
        // `None` once heights are exhausted: no proposal can then pass
        // check 8 of [R-CKPT-7].
        base.checked_add(interval_blocks).map(Height)
    }

    /// The slot of the pending checkpoint with id `id`.
    pub(crate) fn find_pending(&self, id: &Hash32) -> Option<PendingSlot> {
        self.pending
            .iter()
            .position(|p| &p.id == id)
            .map(PendingSlot)
    }

    /// Whether `id` is one of the retained finalized checkpoints. A pruned one
    /// is not ([R-CKPT-9]).
    pub(crate) fn is_retained_finalized(&self, id: &Hash32) -> bool {
        self.finalized.iter().any(|f| &f.id == id)
    }

    /// The pending checkpoint in `slot`.
    fn pending_at(&self, slot: PendingSlot) -> &PendingCheckpoint {
        &self.pending[slot.0]
    }

    /// The pending checkpoints, in proposal order.
    pub(crate) fn pending(&self) -> &[PendingCheckpoint] {
        &self.pending
    }

    /// [R-RB-1] The latest retained finalized checkpoint: a rollback's
    /// target.
    pub(crate) fn latest_finalized(&self) -> Option<&FinalizedCheckpoint> {
        self.finalized.back()
    }

    /// The retained finalized checkpoints, oldest first.
    pub(crate) fn finalized(&self) -> impl Iterator<Item = &FinalizedCheckpoint> {
        self.finalized.iter()
    }

    /// The equivocation evidence, in key order.
    pub(crate) fn equivocations(&self) -> impl Iterator<Item = &EquivocationEvidence> {
        self.equivocations.values()
    }

    /// [R-EPOCH-2] Drops every pending checkpoint (their votes were signed in
    /// the old epoch's domain) and returns how many there were. Finalized
    /// checkpoints and evidence are kept.
    pub(crate) fn expire_pending(&mut self) -> usize {
        let count = self.pending.len();
        self.pending.clear();
        count
    }
}

/// A count of checkpoints as the `u32` an event carries. Every count here is
/// at most `P <= 16`; saturating keeps the conversion total anyway.
pub(crate) fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
