//! Checkpoints and their finality ([R-CKPT-1] .. [R-CKPT-10]).
//!
//! Per shard the engine holds its pending checkpoints, each with the signed
//! votes counted for it; its retained finalized checkpoints, each with its
//! certificate (every signed vote counted for it, late votes included); and
//! the equivocation evidence seen so far. Finality rests on signatures
//! alone: a checkpoint whose root differs from the chain is still finalized
//! if a quorum signs it, and that difference is a fault for detection
//! ([R-FAULT-*]) to find, not a reason for this module to refuse
//! ([R-CKPT-7]).
//!
//! No rule here reads the order in which votes arrived ([R-DET-2]): a vote
//! that comes after its checkpoint finalized in the same epoch joins the
//! certificate (a *late vote*); a finalization drops no other pending
//! checkpoint, which stays as a *stale sibling* that keeps counting votes
//! and can never finalize; equivocation is recorded against pending and
//! finalized checkpoints alike; retention prunes only at the epoch boundary
//! ([R-CKPT-9]). So the state after a set of votes is the same whatever
//! their order.
//!
//! - `proposal`: the twelve proposal checks and the pending set.
//! - `vote`: the eleven vote checks, counting (late votes included), and
//!   equivocation evidence.
//! - `finality`: finalization, and retention at the boundary.
//!
//! Memory per shard ([R-FAULT-7]): all pending checkpoints are of the current
//! epoch (they expire at every boundary), and each finalization of the epoch
//! opens a new set of at most `P` live ones, so a shard holds at most `P·c`
//! pending checkpoints, `c` being one plus the number it finalized in the
//! epoch, and at most `K + c - 1` finalized ones; each holds at most one vote
//! per committee member. Pending checkpoints are keyed by height and id, so a
//! vote finds its checkpoint and the others at its height in logarithmic
//! time; the finalized ones are a short list in finalization order. Nothing
//! a vote touches depends on the number of shards.

mod finality;
mod proposal;
mod vote;

pub(crate) use finality::prune_to_retention;
pub(crate) use proposal::{apply_proposal, validate_proposal};
pub(crate) use vote::{apply_vote, validate_vote};

use crate::wire::{CheckpointBody, Hash32, SignatureBytes, SignedVote};
use mend_spec::{Epoch, Generation, Height, ShardId, ValidatorId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, VecDeque};

/// A vote that was counted: who signed, in which domain, and the signature,
/// so that a certificate or a piece of evidence can be re-verified by anyone
/// ([R-CKPT-5]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// The vote of `validator` among `votes` (ascending by validator), if any.
fn find_vote(votes: &[CountedVote], validator: ValidatorId) -> Option<&CountedVote> {
    votes
        .binary_search_by_key(&validator, |v| v.validator)
        .ok()
        .and_then(|index| votes.get(index))
}

/// Inserts `vote` into `votes`, keeping them ascending by validator
/// ([R-DET-0]), and returns how many votes there now are.
fn insert_vote(votes: &mut Vec<CountedVote>, vote: CountedVote) -> usize {
    // After any equal validator: a repeated vote (possible only under the
    // CountDuplicateVote seeded bug) is the same signed message again, so
    // where it lands among its equals changes nothing.
    let at = votes.partition_point(|v| v.validator <= vote.validator);
    votes.insert(at, vote);
    votes.len()
}

/// A proposed checkpoint that has not been finalized, dropped or expired:
/// live if its parent is the shard's latest finalized checkpoint, a stale
/// sibling otherwise ([R-CKPT-8]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct PendingCheckpoint {
    pub(crate) id: Hash32,
    pub(crate) body: CheckpointBody,
    /// Counted votes, ascending by validator ([R-DET-0]). Each validator at
    /// most once, except under the `CountDuplicateVote` seeded bug.
    pub(crate) votes: Vec<CountedVote>,
}

/// A finalized checkpoint with its certificate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FinalizedCheckpoint {
    pub(crate) id: Hash32,
    pub(crate) body: CheckpointBody,
    /// [R-CKPT-8] Every vote counted for it, ascending by validator: the
    /// votes that finalized it and the late votes of its epoch.
    pub(crate) certificate: Vec<CountedVote>,
}

/// [R-CKPT-10] Equivocation evidence: two signed votes of one validator for
/// two different checkpoints of one shard at the same epoch and height. Both
/// signatures verify under the validator's key ([R-CKPT-8] check 8 passed for
/// each), so anyone holding the genesis keys can check the evidence.
///
/// The two votes are in the order of their checkpoints' ids, not of their
/// arrival, so that replicas that counted the same votes in different orders
/// keep the same evidence ([R-DET-2]).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EquivocationEvidence {
    pub validator: ValidatorId,
    /// The vote for the checkpoint with the smaller id ([R-CKPT-3]).
    pub first: SignedVote,
    /// The vote for the checkpoint with the larger id.
    pub second: SignedVote,
}

/// Where a pending checkpoint sits in its shard's pending set: its height
/// and id. Heights first, so that the checkpoints at one height are one
/// range of the set ([R-CKPT-10]).
pub(crate) type PendingKey = (Height, Hash32);

/// Where a finalized checkpoint sits in its shard's retained list. Produced
/// by a lookup during validation and consumed by the apply step that
/// immediately follows it on the same state, so it is in bounds when used
/// (the list changes only in apply steps and at boundaries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FinalizedSlot(usize);

/// The checkpoint a validated vote is counted for ([R-CKPT-8] check 10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VoteTarget {
    /// A pending checkpoint, live or a stale sibling.
    Pending(PendingKey),
    /// A retained finalized checkpoint of the current epoch: a late vote.
    Finalized(FinalizedSlot),
}

/// Key of one piece of evidence: the validator and the two checkpoint ids,
/// smaller first, so that a pair is kept once whichever vote came first.
type EvidenceKey = (ValidatorId, Hash32, Hash32);

/// The checkpoint state of one shard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShardCheckpoints {
    /// Live and stale pending checkpoints, by height and id; at most `P`
    /// live ([R-CKPT-7] check 12) and `P·c` in all (module header).
    pending: BTreeMap<PendingKey, PendingCheckpoint>,
    /// Oldest first, in finalization order, so their epochs never decrease;
    /// at most `K` after a boundary ([R-CKPT-9]), plus those finalized in
    /// the current epoch.
    finalized: VecDeque<FinalizedCheckpoint>,
    /// [R-CKPT-10] Every piece of evidence recorded, by key.
    equivocations: BTreeMap<EvidenceKey, EquivocationEvidence>,
}

impl ShardCheckpoints {
    /// [R-CKPT-4] The id a new checkpoint must name as parent: the latest
    /// finalized checkpoint's, or `None` (genesis) if there is none. It is
    /// also the parent that makes a pending checkpoint live ([R-CKPT-8]).
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

    /// The key of the pending checkpoint `body` with id `id`, if it is
    /// pending.
    pub(crate) fn find_pending(&self, body: &CheckpointBody, id: &Hash32) -> Option<PendingKey> {
        let key = (body.height, *id);
        self.pending.contains_key(&key).then_some(key)
    }

    /// The slot of the retained finalized checkpoint with id `id`. A pruned
    /// one is not found ([R-CKPT-9]).
    pub(crate) fn find_finalized(&self, id: &Hash32) -> Option<FinalizedSlot> {
        self.finalized
            .iter()
            .position(|f| &f.id == id)
            .map(FinalizedSlot)
    }

    /// [R-CKPT-8] Whether `pending` is live: its parent is the latest
    /// finalized checkpoint (or genesis if none). A stale sibling never
    /// becomes live again: the latest finalized checkpoint only ever moves
    /// to a new one, and pruning never removes it ([R-CKPT-9], `K >= 1`).
    fn is_live(&self, pending: &PendingCheckpoint) -> bool {
        pending.body.parent == self.latest_finalized_id()
    }

    /// [R-CKPT-7] check 12: how many pending checkpoints are live. Stale
    /// siblings take no slot.
    pub(crate) fn live_pending_count(&self) -> usize {
        self.pending.values().filter(|p| self.is_live(p)).count()
    }

    /// [R-FAULT-7] How many checkpoints the shard finalized in `epoch`, the
    /// current one: those at the back of the finalization order.
    fn finalized_in_epoch(&self, epoch: Epoch) -> usize {
        self.finalized
            .iter()
            .rev()
            .take_while(|f| f.body.epoch == epoch)
            .count()
    }

    /// The pending checkpoint under `key`. The key comes from the validation
    /// that immediately preceded the caller's step on the same state.
    fn pending_at(&self, key: &PendingKey) -> &PendingCheckpoint {
        match self.pending.get(key) {
            Some(pending) => pending,
            None => panic!("bug: a validated pending key names no pending checkpoint"),
        }
    }

    /// The finalized checkpoint in `slot`, found by the validation that
    /// immediately preceded the caller's step on the same state.
    fn finalized_at(&self, slot: FinalizedSlot) -> &FinalizedCheckpoint {
        match self.finalized.get(slot.0) {
            Some(finalized) => finalized,
            None => panic!("bug: a validated finalized slot is out of bounds"),
        }
    }

    /// The body and id of the checkpoint a vote is counted for, and the
    /// votes counted for it so far (its certificate, for a finalized one).
    fn target(&self, target: VoteTarget) -> (&CheckpointBody, &Hash32, &[CountedVote]) {
        match target {
            VoteTarget::Pending(key) => {
                let p = self.pending_at(&key);
                (&p.body, &p.id, &p.votes)
            }
            VoteTarget::Finalized(slot) => {
                let f = self.finalized_at(slot);
                (&f.body, &f.id, &f.certificate)
            }
        }
    }

    /// The pending checkpoints, by height and id.
    pub(crate) fn pending(&self) -> impl Iterator<Item = &PendingCheckpoint> {
        self.pending.values()
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

    /// [R-EPOCH-2] Drops every pending checkpoint, live and stale (their
    /// votes were signed in the old epoch's domain), and returns how many
    /// there were. Finalized checkpoints and evidence are kept.
    pub(crate) fn expire_pending(&mut self) -> usize {
        let count = self.pending.len();
        self.pending.clear();
        count
    }
}

/// A count of checkpoints as the `u32` an event carries. Every count here is
/// at most `P·c` (module header), far below `u32::MAX`; saturating keeps
/// the conversion total anyway.
pub(crate) fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
