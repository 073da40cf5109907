//! Cross-shard transactions: the transaction table, each shard's lock table,
//! and prepare, vote, commit and abort ([R-XTX-1] .. [R-XTX-6]).
//!
//! An xtx debits a key on its source and credits it on its destination. It
//! is prepared on both shards at once, holding the key's lock on both
//! ([R-XTX-2]); each participant then casts one signed vote, bound to the
//! transaction, the shard and the shard's rollback generation ([R-XTX-3]);
//! two commit votes commit both sides, one abort vote aborts both, and
//! either way both locks are released in ascending `(shard, key)` order
//! ([R-XTX-5]). A commit vote is refused until both sides are mature: each
//! side's height is covered by a finalized checkpoint of its shard
//! ([R-XTX-4]), so a rollback, which only ever returns to the latest
//! finalized checkpoint, can never undo a committed effect.
//!
//! Data layout, chosen so that a rollback's cost depends on the xtxs it
//! undoes and never on the number of shards ([R-RB-2]):
//!
//! - one global table of every xtx ever prepared, by id (ids are never
//!   reused, so a duplicate prepare must be found even after the first one
//!   finished);
//! - per shard, its lock table (`key -> xtx`) and the index of the xtxs in
//!   flight in which it takes part, both `BTreeMap`/`BTreeSet`, so that
//!   every walk is in ascending order ([R-DET-0]) and a rollback visits its
//!   own shard's xtxs only.
//!
//! Each entry of the in-flight index matches one held lock: an xtx is in
//! the index of both its shards exactly while both its sides are
//! `Prepared`.

use crate::bugs::AbortScope;
use crate::crypto::{is_valid_signature, xtx_vote_signing_bytes};
use crate::isolate::{is_taking_part_in_xtx, is_taking_transactions};
use crate::outcome::{EngineEvent, PrepareError, XtxVoteError};
use crate::state::{KnownShard, ShardState, State};
use crate::wire::{SignedXtxVote, XtxPrepare};
use mend_spec::{
    Generation, Height, ShardId, XtxBallot, XtxDecision, XtxId, XtxSide, XtxState, XtxView,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// [R-XTX-1] One participant's side of an xtx.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Side {
    /// The shard's head height when the xtx was prepared.
    pub(crate) height: Height,
    /// The shard's rollback generation when the xtx was prepared.
    pub(crate) generation: Generation,
    pub(crate) vote: XtxBallot,
    pub(crate) state: XtxState,
}

/// [R-XTX-1] A cross-shard transaction and its two sides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Xtx {
    pub(crate) id: XtxId,
    pub(crate) source: ShardId,
    pub(crate) destination: ShardId,
    pub(crate) key: u32,
    pub(crate) source_side: Side,
    pub(crate) destination_side: Side,
}

impl Xtx {
    /// The side on `shard`, if it takes part.
    fn side(&self, shard: ShardId) -> Option<&Side> {
        if shard == self.source {
            Some(&self.source_side)
        } else if shard == self.destination {
            Some(&self.destination_side)
        } else {
            None
        }
    }

    /// The side on `shard`, for the apply step.
    fn side_mut(&mut self, shard: ShardId) -> Option<&mut Side> {
        if shard == self.source {
            Some(&mut self.source_side)
        } else if shard == self.destination {
            Some(&mut self.destination_side)
        } else {
            None
        }
    }

    /// [R-XTX-1] In flight: both sides still `Prepared`.
    pub(crate) fn is_in_flight(&self) -> bool {
        self.source_side.state == XtxState::Prepared
            && self.destination_side.state == XtxState::Prepared
    }

    /// The two locks the xtx holds while in flight, as `(shard, key)`,
    /// ascending ([R-XTX-5]).
    fn lock_places(&self) -> [(ShardId, u32); 2] {
        let (low, high) = if self.source < self.destination {
            (self.source, self.destination)
        } else {
            (self.destination, self.source)
        };
        [(low, self.key), (high, self.key)]
    }

    /// [R-VIEW-1] The xtx as the abstract view shows it.
    pub(crate) fn to_view(&self) -> XtxView {
        let side = |s: &Side| XtxSide {
            height: s.height,
            generation: s.generation,
            vote: s.vote,
            state: s.state,
        };
        XtxView {
            id: self.id,
            source: self.source,
            destination: self.destination,
            key: self.key,
            source_side: side(&self.source_side),
            destination_side: side(&self.destination_side),
        }
    }
}

/// [R-XTX-1] Every xtx ever prepared, by id. Finished ones stay: ids are
/// never reused, so a second prepare of an id must be found whenever it
/// comes ([R-XTX-2] check 3).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct XtxTable {
    by_id: BTreeMap<XtxId, Xtx>,
}

impl XtxTable {
    /// The xtx with id `id`, if it was prepared.
    pub(crate) fn get(&self, id: XtxId) -> Option<&Xtx> {
        self.by_id.get(&id)
    }

    /// Every xtx, ascending by id ([R-DET-0]).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Xtx> {
        self.by_id.values()
    }
}

/// [R-XTX-1] One shard's part of the xtx state: its lock table and the
/// index of the xtxs in flight in which it takes part.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShardXtx {
    /// The lock table: each key to the one xtx that holds it.
    locks: BTreeMap<u32, XtxId>,
    /// The xtxs in flight with a side on this shard.
    in_flight: BTreeSet<XtxId>,
}

impl ShardXtx {
    /// The lock table, ascending by key ([R-VIEW-1]).
    pub(crate) fn locks(&self) -> impl Iterator<Item = (u32, XtxId)> + '_ {
        self.locks.iter().map(|(key, xtx)| (*key, *xtx))
    }

    /// The xtxs in flight with a side on this shard, ascending by id.
    pub(crate) fn in_flight(&self) -> impl Iterator<Item = XtxId> + '_ {
        self.in_flight.iter().copied()
    }

    /// The xtx that holds `key`, if any.
    fn holder(&self, key: u32) -> Option<XtxId> {
        self.locks.get(&key).copied()
    }
}

/// [R-XTX-4] Whether a side prepared at `height` on `shard` is mature: `h`
/// is 0, or the shard retains a finalized checkpoint at `h` or above.
fn is_mature(shard: &ShardState, height: Height) -> bool {
    height.0 == 0
        || shard
            .checkpoints
            .finalized()
            .any(|finalized| finalized.body.height >= height)
}

/// The highest retained finalized height of `shard`, for the evidence of
/// an `Immature` rejection.
fn highest_finalized(shard: &ShardState) -> Option<Height> {
    shard.checkpoints.finalized().map(|f| f.body.height).max()
}

/// A prepare that passed every check of [R-XTX-2].
#[derive(Debug)]
pub(crate) struct ValidatedPrepare {
    prepare: XtxPrepare,
    source: KnownShard,
    destination: KnownShard,
}

/// [R-XTX-2] Checks a prepare, in the spec's order; the first failing check
/// is the rejection. Reads the state only.
pub(crate) fn validate_prepare(
    state: &State,
    prepare: &XtxPrepare,
) -> Result<ValidatedPrepare, PrepareError> {
    // [R-XTX-2] check 1: both are shards, the source first.
    let source = state
        .find_shard(prepare.source)
        .ok_or(PrepareError::UnknownShard {
            shard: prepare.source,
        })?;
    let destination = state
        .find_shard(prepare.destination)
        .ok_or(PrepareError::UnknownShard {
            shard: prepare.destination,
        })?;
    // [R-XTX-2] check 2: two different shards.
    if prepare.source == prepare.destination {
        return Err(PrepareError::SameShard {
            shard: prepare.source,
        });
    }
    // [R-XTX-2] check 3: the id was never prepared ([R-XTX-1]).
    if state.transactions.get(prepare.id).is_some() {
        return Err(PrepareError::Duplicate { id: prepare.id });
    }
    // [R-XTX-2] check 4, [R-XTX-6]: both take new xtxs (`Normal` or
    // `Investigating`), the source first.
    for known in [source, destination] {
        let shard = state.shard(known);
        if !is_taking_transactions(shard.status) {
            return Err(PrepareError::ShardUnavailable {
                shard: shard.id,
                status: shard.status,
            });
        }
    }
    // [R-XTX-2] check 5: the key is free on both, the source first.
    for known in [source, destination] {
        let shard = state.shard(known);
        if let Some(holder) = shard.xtx.holder(prepare.key) {
            return Err(PrepareError::KeyLocked {
                shard: shard.id,
                key: prepare.key,
                holder,
            });
        }
    }
    Ok(ValidatedPrepare {
        prepare: *prepare,
        source,
        destination,
    })
}

/// [R-XTX-2] Records a validated prepare with both sides `Prepared` and
/// `Waiting` at each shard's head height and generation, locks the key on
/// both shards, and emits `XtxPrepared`.
pub(crate) fn apply_prepare(state: &mut State, valid: ValidatedPrepare) -> Vec<EngineEvent> {
    let p = valid.prepare;
    let side = |shard: &ShardState| Side {
        height: shard.chain.height,
        generation: shard.generation,
        vote: XtxBallot::Waiting,
        state: XtxState::Prepared,
    };
    let xtx = Xtx {
        id: p.id,
        source: p.source,
        destination: p.destination,
        key: p.key,
        source_side: side(state.shard(valid.source)),
        destination_side: side(state.shard(valid.destination)),
    };
    for known in [valid.source, valid.destination] {
        let shard = state.shard_mut(known);
        let previous = shard.xtx.locks.insert(p.key, p.id);
        assert!(previous.is_none(), "check 5 found the key free");
        let fresh = shard.xtx.in_flight.insert(p.id);
        assert!(fresh, "check 3 found the id new");
    }
    let previous = state.transactions.by_id.insert(p.id, xtx);
    assert!(previous.is_none(), "check 3 found the id new");
    vec![EngineEvent::XtxPrepared { id: p.id }]
}

/// A vote that passed every check of [R-XTX-3].
#[derive(Debug)]
pub(crate) struct ValidatedXtxVote {
    id: XtxId,
    shard: ShardId,
    decision: XtxDecision,
}

/// [R-XTX-3] Checks a cross-shard vote, in the spec's order; the first
/// failing check is the rejection. The cheap checks run before the
/// signature, the checks against the xtx's progress after it, so an
/// unsigned message cannot probe them.
pub(crate) fn validate_xtx_vote(
    state: &State,
    signed: &SignedXtxVote,
) -> Result<ValidatedXtxVote, XtxVoteError> {
    let vote = &signed.vote;
    // [R-XTX-3] check 1: the shard exists.
    let known = state
        .find_shard(vote.shard)
        .ok_or(XtxVoteError::UnknownShard { shard: vote.shard })?;
    let shard = state.shard(known);
    // [R-XTX-3] check 2: the xtx was prepared.
    let xtx = state
        .transactions
        .get(vote.id)
        .ok_or(XtxVoteError::UnknownXtx { id: vote.id })?;
    // [R-XTX-3] check 3: the shard takes part in it.
    let side = xtx.side(vote.shard).ok_or(XtxVoteError::NotParticipant {
        id: vote.id,
        shard: vote.shard,
    })?;
    // [R-XTX-3] check 4: the voter is registered.
    let key = state
        .key(vote.voter)
        .ok_or(XtxVoteError::UnknownValidator {
            validator: vote.voter,
        })?;
    // [R-XTX-3] check 5: the voter sits on the shard's committee.
    if !shard.committee.is_member(vote.voter) {
        return Err(XtxVoteError::NotMember {
            validator: vote.voter,
            shard: vote.shard,
        });
    }
    // [R-XTX-3] check 6: the shard's generation; a vote signed before a
    // rollback is a replay from an abandoned branch.
    if vote.generation != shard.generation {
        return Err(XtxVoteError::WrongGeneration {
            shard: vote.shard,
            expected: shard.generation,
            got: vote.generation,
        });
    }
    // [R-XTX-3] check 7: the signature verifies strictly over the xtx vote
    // domain.
    if !is_valid_signature(key, &xtx_vote_signing_bytes(vote), &signed.signature) {
        return Err(XtxVoteError::BadSignature {
            validator: vote.voter,
        });
    }
    // [R-XTX-3] check 8: the side is still `Prepared`.
    if side.state != XtxState::Prepared {
        return Err(XtxVoteError::Finished {
            id: vote.id,
            shard: vote.shard,
            state: side.state,
        });
    }
    // [R-XTX-3] check 9: the side has not voted: votes are one-shot.
    if side.vote != XtxBallot::Waiting {
        return Err(XtxVoteError::Duplicate {
            id: vote.id,
            shard: vote.shard,
            ballot: side.vote,
        });
    }
    // [R-XTX-3] check 10, [R-XTX-6]: both participants take part in xtxs,
    // the source first.
    let source = state.shard(state.known_shard(xtx.source));
    let destination = state.shard(state.known_shard(xtx.destination));
    for participant in [source, destination] {
        if !is_taking_part_in_xtx(participant.status) {
            return Err(XtxVoteError::ShardUnavailable {
                shard: participant.id,
                status: participant.status,
            });
        }
    }
    // [R-XTX-3] check 11, [R-XTX-4]: a commit needs both sides mature, the
    // source first.
    if vote.decision == XtxDecision::Commit {
        let sides = [
            (
                source,
                &xtx.source_side,
                state.rules.is_source_maturity_checked(),
            ),
            (destination, &xtx.destination_side, true),
        ];
        for (participant, side, checked) in sides {
            if checked && !is_mature(participant, side.height) {
                return Err(XtxVoteError::Immature {
                    id: vote.id,
                    shard: participant.id,
                    height: side.height,
                    finalized: highest_finalized(participant),
                });
            }
        }
    }
    Ok(ValidatedXtxVote {
        id: vote.id,
        shard: vote.shard,
        decision: vote.decision,
    })
}

/// [R-XTX-3], [R-XTX-5] Records a validated vote on its side and emits
/// `XtxVoteCounted`; then, if the other side also voted commit, commits both
/// sides (`XtxCommitted`), or on an abort vote aborts both (`XtxAborted`),
/// and releases the two locks in ascending `(shard, key)` order
/// (`LockReleased` each).
pub(crate) fn apply_xtx_vote(state: &mut State, vote: ValidatedXtxVote) -> Vec<EngineEvent> {
    let Some(xtx) = state.transactions.by_id.get_mut(&vote.id) else {
        panic!("bug: check 2 found {} prepared", vote.id);
    };
    let Some(side) = xtx.side_mut(vote.shard) else {
        panic!("bug: check 3 found {} in {}", vote.shard, vote.id);
    };
    side.vote = match vote.decision {
        XtxDecision::Commit => XtxBallot::Commit,
        XtxDecision::Abort => XtxBallot::Abort,
    };
    let mut events = vec![EngineEvent::XtxVoteCounted {
        id: vote.id,
        shard: vote.shard,
        decision: vote.decision,
    }];
    let outcome = match vote.decision {
        XtxDecision::Abort => Some(XtxState::Aborted),
        XtxDecision::Commit => (xtx.source_side.vote == XtxBallot::Commit
            && xtx.destination_side.vote == XtxBallot::Commit)
            .then_some(XtxState::Committed),
    };
    if let Some(outcome) = outcome {
        // Both sides change in one step: never committed on one side only.
        xtx.source_side.state = outcome;
        xtx.destination_side.state = outcome;
        let places = xtx.lock_places();
        events.push(match outcome {
            XtxState::Committed => EngineEvent::XtxCommitted { id: vote.id },
            _ => EngineEvent::XtxAborted { id: vote.id },
        });
        let (source, destination) = (xtx.source, xtx.destination);
        leave_in_flight(state, vote.id, [source, destination]);
        let locks = places.map(|(shard, key)| (shard, key, vote.id));
        release_locks(state, locks.to_vec(), &mut events);
    }
    events
}

/// Removes `id` from the in-flight index of each of `shards`.
fn leave_in_flight(state: &mut State, id: XtxId, shards: [ShardId; 2]) {
    for shard in shards {
        let known = state.known_shard(shard);
        state.shard_mut(known).xtx.in_flight.remove(&id);
    }
}

/// [R-XTX-5], [R-RB-2] step 2, [R-RB-6] Releases each lock `(shard, key,
/// xtx)` of `locks` that `xtx` holds, in ascending `(shard, key)` order,
/// emitting `LockReleased` for each. A lock the xtx no longer holds is
/// skipped: that happens only after the `AbortOneSide` seeded bug released
/// one side early.
fn release_locks(
    state: &mut State,
    mut locks: Vec<(ShardId, u32, XtxId)>,
    events: &mut Vec<EngineEvent>,
) {
    locks.sort_unstable();
    locks.dedup();
    for (shard, key, xtx) in locks {
        let known = state.known_shard(shard);
        let table = &mut state.shard_mut(known).xtx.locks;
        if table.get(&key) == Some(&xtx) {
            table.remove(&key);
            events.push(EngineEvent::LockReleased { shard, key, xtx });
        }
    }
}

/// [R-RB-2] step 1, [R-RB-6] Aborts every xtx in flight in which `shard`
/// takes part, in ascending id, emitting `XtxAborted` for each; returns
/// their ids. Their locks stay held: releasing them is a step of its own
/// ([`release_aborted_locks`]). Walks the shard's own in-flight index, so
/// the cost is that of the xtxs undone, whatever the number of shards.
///
/// `scope` is `BothSides` under the rules; under the `AbortOneSide` seeded
/// bug only `shard`'s side becomes `Aborted`, and the other stays
/// `Prepared`.
pub(crate) fn abort_in_flight(
    state: &mut State,
    shard: KnownShard,
    scope: AbortScope,
    events: &mut Vec<EngineEvent>,
) -> Vec<XtxId> {
    let shard_id = state.shard(shard).id;
    let ids: Vec<XtxId> = state.shard(shard).xtx.in_flight().collect();
    for &id in &ids {
        let Some(xtx) = state.transactions.by_id.get_mut(&id) else {
            panic!("bug: the in-flight index of {shard_id} names {id}, which was never prepared");
        };
        assert!(
            xtx.is_in_flight(),
            "the in-flight index holds xtxs in flight"
        );
        match scope {
            AbortScope::BothSides => {
                xtx.source_side.state = XtxState::Aborted;
                xtx.destination_side.state = XtxState::Aborted;
            }
            #[cfg(feature = "seeded-bugs")]
            AbortScope::RolledBackSideOnly => {
                if let Some(side) = xtx.side_mut(shard_id) {
                    side.state = XtxState::Aborted;
                }
            }
        }
        let participants = [xtx.source, xtx.destination];
        // No longer in flight, whichever the scope: one side is aborted.
        leave_in_flight(state, id, participants);
        events.push(EngineEvent::XtxAborted { id });
    }
    ids
}

/// [R-RB-2] step 1, [R-RB-6] The xtxs already aborted on `shard`'s side
/// that still hold a lock on `shard`, ascending: the other participant's
/// rollback aborted them and has not released their locks yet, so this
/// rollback takes them onto its aborted list too. Read from the shard's own
/// lock table: the cost is its locks, not the number of shards.
pub(crate) fn aborted_holding_locks(state: &State, shard: KnownShard) -> Vec<XtxId> {
    let shard_id = state.shard(shard).id;
    let mut out: Vec<XtxId> = state
        .shard(shard)
        .xtx
        .locks()
        .filter_map(|(_, id)| {
            let xtx = state.transactions.by_id.get(&id)?;
            let side = xtx.side(shard_id)?;
            (side.state == XtxState::Aborted).then_some(id)
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// [R-RB-2] step 2, [R-RB-6] Releases every lock held by an xtx of
/// `aborted` on every shard, in ascending `(shard, key)` order. An xtx
/// holds at most its key on its two shards, so the candidate locks are read
/// from the xtxs themselves, not searched for across shards. Under the
/// `AbortOneSide` seeded bug (`scope`) only the locks on `shard` are
/// released.
pub(crate) fn release_aborted_locks(
    state: &mut State,
    aborted: &[XtxId],
    shard: ShardId,
    scope: AbortScope,
    events: &mut Vec<EngineEvent>,
) {
    let mut locks = Vec::with_capacity(2 * aborted.len());
    for &id in aborted {
        let Some(xtx) = state.transactions.get(id) else {
            panic!("bug: a rollback aborted {id}, which was never prepared");
        };
        for (place, key) in xtx.lock_places() {
            if scope == AbortScope::BothSides || place == shard {
                locks.push((place, key, id));
            }
        }
    }
    release_locks(state, locks, events);
}

#[cfg(test)]
mod tests {
    use crate::outcome::{EngineEvent, EngineRejection, PrepareError, XtxVoteError};
    use crate::testkit::{sign_xtx_vote, Harness};
    use crate::wire::{Message, XtxPrepare};
    use mend_spec::{
        FaultKind, Generation, Height, Lock, Params, PrepareRejection, Rejection, ShardId,
        ShardStatus, ValidatorId, XtxBallot, XtxDecision, XtxId, XtxState, XtxVoteRejection,
    };
    use std::collections::BTreeSet;

    const S0: ShardId = ShardId(0);
    const S1: ShardId = ShardId(1);
    const S2: ShardId = ShardId(2);

    fn prepare(id: u32, source: ShardId, destination: ShardId, key: u32) -> Message {
        Message::PrepareXtx(XtxPrepare {
            id: XtxId(id),
            source,
            destination,
            key,
        })
    }

    fn vote(voter: u16, id: u32, shard: ShardId, g: u64, decision: XtxDecision) -> Message {
        Message::XtxVote(sign_xtx_vote(
            ValidatorId(voter),
            XtxId(id),
            shard,
            Generation(g),
            decision,
        ))
    }

    fn three_shards() -> Harness {
        Harness::new(Params::new(3, 4, 2, 2, 2).unwrap())
    }

    /// Both shards of the default configuration finalized at height 2, so
    /// that an xtx prepared at height 2 on each is mature.
    fn mature_pair() -> Harness {
        let mut h = Harness::default_config();
        h.finalize_next(S0);
        h.finalize_next(S1);
        h
    }

    #[test]
    fn a_prepare_locks_the_key_on_both_shards_and_records_both_sides_prepared_and_waiting() {
        let mut h = Harness::default_config();
        h.produce_blocks(S0, 3);
        h.produce_blocks(S1, 1);
        let events = h.engine.apply(&prepare(7, S0, S1, 42)).unwrap();
        assert_eq!(events, vec![EngineEvent::XtxPrepared { id: XtxId(7) }]);
        let view = h.engine.snapshot();
        let lock = Lock {
            key: 42,
            xtx: XtxId(7),
        };
        assert_eq!(view.shards[0].locks, vec![lock]);
        assert_eq!(view.shards[1].locks, vec![lock]);
        let x = view.transactions[0];
        assert_eq!(
            (x.id, x.source, x.destination, x.key),
            (XtxId(7), S0, S1, 42)
        );
        assert_eq!(x.source_side.height, Height(3));
        assert_eq!(x.destination_side.height, Height(1));
        for side in [x.source_side, x.destination_side] {
            assert_eq!(side.generation, Generation(0));
            assert_eq!(side.vote, XtxBallot::Waiting);
            assert_eq!(side.state, XtxState::Prepared);
        }
        let state = h.engine.state_mut();
        for shard in &state.shards {
            assert_eq!(shard.xtx.in_flight().collect::<Vec<_>>(), vec![XtxId(7)]);
        }
    }

    #[test]
    fn every_prepare_rejection_is_reached_in_check_order_and_changes_nothing() {
        let mut h = three_shards();
        let code = Rejection::Prepare;
        // Check 1, the source before the destination.
        let r = h.assert_rejected(
            &prepare(1, ShardId(3), ShardId(4), 0),
            code(PrepareRejection::UnknownShard),
        );
        assert_eq!(
            r,
            EngineRejection::Prepare(PrepareError::UnknownShard { shard: ShardId(3) })
        );
        h.assert_rejected(
            &prepare(1, S0, ShardId(4), 0),
            code(PrepareRejection::UnknownShard),
        );
        // Check 2.
        h.assert_rejected(&prepare(1, S1, S1, 0), code(PrepareRejection::SameShard));
        // Check 3, even after the first one finished.
        h.engine.apply(&prepare(1, S0, S1, 5)).unwrap();
        h.assert_rejected(&prepare(1, S0, S2, 6), code(PrepareRejection::Duplicate));
        h.engine
            .apply(&vote(0, 1, S0, 0, XtxDecision::Abort))
            .unwrap();
        h.assert_rejected(&prepare(1, S0, S2, 6), code(PrepareRejection::Duplicate));
        // Check 5, the source first: x2 holds key 9 on s1 and s2.
        h.engine.apply(&prepare(2, S1, S2, 9)).unwrap();
        let r = h.assert_rejected(&prepare(3, S2, S0, 9), code(PrepareRejection::KeyLocked));
        assert_eq!(
            r,
            EngineRejection::Prepare(PrepareError::KeyLocked {
                shard: S2,
                key: 9,
                holder: XtxId(2)
            })
        );
        let r = h.assert_rejected(&prepare(3, S0, S1, 9), code(PrepareRejection::KeyLocked));
        assert_eq!(
            r,
            EngineRejection::Prepare(PrepareError::KeyLocked {
                shard: S1,
                key: 9,
                holder: XtxId(2)
            })
        );
        // Check 4 before check 5: shard 2 frozen by an execution failure.
        h.produce_blocks(S2, 1);
        let evidence = h.evidence(FaultKind::ExecutionFailure, S2, ValidatorId(11), Height(1));
        h.engine.apply(&Message::Evidence(evidence)).unwrap();
        h.advance_epoch();
        let r = h.assert_rejected(
            &prepare(3, S0, S2, 9),
            code(PrepareRejection::ShardUnavailable),
        );
        assert_eq!(
            r,
            EngineRejection::Prepare(PrepareError::ShardUnavailable {
                shard: S2,
                status: ShardStatus::Frozen
            })
        );
        // Another key on the healthy pair is still taken.
        h.engine.apply(&prepare(3, S0, S1, 10)).unwrap();
    }

    #[test]
    fn two_commit_votes_commit_both_sides_and_release_both_locks_in_ascending_shard_order() {
        let mut h = mature_pair();
        // Source 1, destination 0: the locks are still released s0 first.
        h.engine.apply(&prepare(4, S1, S0, 3)).unwrap();
        let events = h
            .engine
            .apply(&vote(5, 4, S1, 0, XtxDecision::Commit))
            .unwrap();
        assert_eq!(
            events,
            vec![EngineEvent::XtxVoteCounted {
                id: XtxId(4),
                shard: S1,
                decision: XtxDecision::Commit
            }]
        );
        let events = h
            .engine
            .apply(&vote(2, 4, S0, 0, XtxDecision::Commit))
            .unwrap();
        assert_eq!(
            events,
            vec![
                EngineEvent::XtxVoteCounted {
                    id: XtxId(4),
                    shard: S0,
                    decision: XtxDecision::Commit
                },
                EngineEvent::XtxCommitted { id: XtxId(4) },
                EngineEvent::LockReleased {
                    shard: S0,
                    key: 3,
                    xtx: XtxId(4)
                },
                EngineEvent::LockReleased {
                    shard: S1,
                    key: 3,
                    xtx: XtxId(4)
                },
            ]
        );
        let view = h.engine.snapshot();
        let x = view.transactions[0];
        assert_eq!(x.source_side.state, XtxState::Committed);
        assert_eq!(x.destination_side.state, XtxState::Committed);
        assert!(view.shards.iter().all(|s| s.locks.is_empty()));
        let state = h.engine.state_mut();
        assert!(state.shards.iter().all(|s| s.xtx.in_flight().count() == 0));
        // The key is free for a new xtx.
        h.engine.apply(&prepare(5, S0, S1, 3)).unwrap();
    }

    #[test]
    fn one_abort_vote_aborts_both_sides_at_once_and_releases_the_locks() {
        let mut h = Harness::default_config();
        h.engine.apply(&prepare(1, S0, S1, 8)).unwrap();
        let events = h
            .engine
            .apply(&vote(6, 1, S1, 0, XtxDecision::Abort))
            .unwrap();
        assert_eq!(
            events,
            vec![
                EngineEvent::XtxVoteCounted {
                    id: XtxId(1),
                    shard: S1,
                    decision: XtxDecision::Abort
                },
                EngineEvent::XtxAborted { id: XtxId(1) },
                EngineEvent::LockReleased {
                    shard: S0,
                    key: 8,
                    xtx: XtxId(1)
                },
                EngineEvent::LockReleased {
                    shard: S1,
                    key: 8,
                    xtx: XtxId(1)
                },
            ]
        );
        let x = h.engine.snapshot().transactions[0];
        assert_eq!(x.source_side.state, XtxState::Aborted);
        assert_eq!(x.destination_side.state, XtxState::Aborted);
        assert_eq!(x.source_side.vote, XtxBallot::Waiting);
        assert_eq!(x.destination_side.vote, XtxBallot::Abort);
    }

    #[test]
    fn a_commit_vote_waits_for_both_sides_to_be_mature() {
        // Prepared at heights 3 (source) and 1 (destination); shard 0
        // finalized at 2 only.
        let mut h = Harness::default_config();
        h.finalize_next(S0);
        h.produce_blocks(S0, 1);
        h.produce_blocks(S1, 1);
        h.engine.apply(&prepare(1, S0, S1, 8)).unwrap();
        let code = Rejection::XtxVote(XtxVoteRejection::Immature);
        let r = h.assert_rejected(&vote(5, 1, S1, 0, XtxDecision::Commit), code);
        assert_eq!(
            r,
            EngineRejection::XtxVote(XtxVoteError::Immature {
                id: XtxId(1),
                shard: S0,
                height: Height(3),
                finalized: Some(Height(2))
            })
        );
        // The source becomes mature; the destination, at height 1, is not.
        h.finalize_next(S0);
        let r = h.assert_rejected(&vote(5, 1, S1, 0, XtxDecision::Commit), code);
        assert_eq!(
            r,
            EngineRejection::XtxVote(XtxVoteError::Immature {
                id: XtxId(1),
                shard: S1,
                height: Height(1),
                finalized: None
            })
        );
        // An abort vote needs no maturity; here, both mature, a commit is
        // counted.
        h.finalize_next(S1);
        h.engine
            .apply(&vote(5, 1, S1, 0, XtxDecision::Commit))
            .unwrap();
    }

    #[test]
    fn a_side_prepared_at_genesis_height_is_mature() {
        let mut h = Harness::default_config();
        h.engine.apply(&prepare(1, S0, S1, 8)).unwrap();
        h.engine
            .apply(&vote(0, 1, S0, 0, XtxDecision::Commit))
            .unwrap();
        let events = h
            .engine
            .apply(&vote(4, 1, S1, 0, XtxDecision::Commit))
            .unwrap();
        assert!(events.contains(&EngineEvent::XtxCommitted { id: XtxId(1) }));
    }

    #[test]
    fn every_xtx_vote_rejection_is_reached_in_check_order_and_changes_nothing() {
        let mut h = three_shards();
        let code = |r| Rejection::XtxVote(r);
        h.engine.apply(&prepare(1, S0, S1, 8)).unwrap();
        h.assert_rejected(
            &vote(0, 1, ShardId(3), 0, XtxDecision::Commit),
            code(XtxVoteRejection::UnknownShard),
        );
        h.assert_rejected(
            &vote(0, 2, S0, 0, XtxDecision::Commit),
            code(XtxVoteRejection::UnknownXtx),
        );
        h.assert_rejected(
            &vote(8, 1, S2, 0, XtxDecision::Commit),
            code(XtxVoteRejection::NotParticipant),
        );
        let mut unknown = sign_xtx_vote(
            ValidatorId(0),
            XtxId(1),
            S0,
            Generation(0),
            XtxDecision::Abort,
        );
        unknown.vote.voter = ValidatorId(12);
        h.assert_rejected(
            &Message::XtxVote(unknown),
            code(XtxVoteRejection::UnknownValidator),
        );
        h.assert_rejected(
            &vote(4, 1, S0, 0, XtxDecision::Abort),
            code(XtxVoteRejection::NotMember),
        );
        h.assert_rejected(
            &vote(0, 1, S0, 1, XtxDecision::Abort),
            code(XtxVoteRejection::WrongGeneration),
        );
        let mut corrupt = sign_xtx_vote(
            ValidatorId(0),
            XtxId(1),
            S0,
            Generation(0),
            XtxDecision::Abort,
        );
        corrupt.signature.0[5] ^= 1;
        h.assert_rejected(
            &Message::XtxVote(corrupt),
            code(XtxVoteRejection::BadSignature),
        );
        // Signed by another member of the committee than it names.
        let mut other_key = sign_xtx_vote(
            ValidatorId(1),
            XtxId(1),
            S0,
            Generation(0),
            XtxDecision::Abort,
        );
        other_key.vote.voter = ValidatorId(0);
        h.assert_rejected(
            &Message::XtxVote(other_key),
            code(XtxVoteRejection::BadSignature),
        );
        // Immature: x1's sides are at height 0, mature by definition, so
        // x2's source is put above genesis, where nothing is finalized.
        h.produce_blocks(S2, 1);
        h.engine.apply(&prepare(2, S2, S0, 9)).unwrap();
        h.assert_rejected(
            &vote(8, 2, S2, 0, XtxDecision::Commit),
            code(XtxVoteRejection::Immature),
        );
        // Duplicate: one-shot, even with the other decision.
        h.engine
            .apply(&vote(0, 1, S0, 0, XtxDecision::Commit))
            .unwrap();
        let r = h.assert_rejected(
            &vote(1, 1, S0, 0, XtxDecision::Abort),
            code(XtxVoteRejection::Duplicate),
        );
        assert_eq!(
            r,
            EngineRejection::XtxVote(XtxVoteError::Duplicate {
                id: XtxId(1),
                shard: S0,
                ballot: XtxBallot::Commit
            })
        );
        // Finished: both sides committed.
        h.engine
            .apply(&vote(4, 1, S1, 0, XtxDecision::Commit))
            .unwrap();
        h.assert_rejected(
            &vote(5, 1, S1, 0, XtxDecision::Abort),
            code(XtxVoteRejection::Finished),
        );
        // ShardUnavailable: shard 2 isolated; a vote on x2 by either side.
        let evidence = h.evidence(
            FaultKind::CheckpointStateMismatch,
            S2,
            ValidatorId(11),
            Height(1),
        );
        h.engine.apply(&Message::Evidence(evidence)).unwrap();
        h.advance_epoch();
        assert_eq!(h.engine.snapshot().shards[2].status, ShardStatus::Isolated);
        let r = h.assert_rejected(
            &vote(1, 2, S0, 0, XtxDecision::Abort),
            code(XtxVoteRejection::ShardUnavailable),
        );
        assert_eq!(
            r,
            EngineRejection::XtxVote(XtxVoteError::ShardUnavailable {
                shard: S2,
                status: ShardStatus::Isolated
            })
        );
    }

    #[test]
    fn a_frozen_shard_finishes_its_xtxs_in_flight_but_takes_no_new_one() {
        let mut h = Harness::default_config();
        h.engine.apply(&prepare(1, S0, S1, 8)).unwrap();
        h.produce_blocks(S0, 1);
        let evidence = h.evidence(FaultKind::ExecutionFailure, S0, ValidatorId(3), Height(1));
        h.engine.apply(&Message::Evidence(evidence)).unwrap();
        h.advance_epoch();
        assert_eq!(h.engine.snapshot().shards[0].status, ShardStatus::Frozen);
        h.assert_rejected(
            &prepare(2, S1, S0, 9),
            Rejection::Prepare(PrepareRejection::ShardUnavailable),
        );
        h.engine
            .apply(&vote(0, 1, S0, 0, XtxDecision::Commit))
            .unwrap();
        let events = h
            .engine
            .apply(&vote(4, 1, S1, 0, XtxDecision::Commit))
            .unwrap();
        assert!(events.contains(&EngineEvent::XtxCommitted { id: XtxId(1) }));
    }

    #[test]
    fn the_in_flight_index_of_a_shard_holds_exactly_its_xtxs_in_flight() {
        let mut h = three_shards();
        h.engine.apply(&prepare(1, S0, S1, 1)).unwrap();
        h.engine.apply(&prepare(2, S1, S2, 2)).unwrap();
        h.engine.apply(&prepare(3, S2, S0, 3)).unwrap();
        h.engine
            .apply(&vote(4, 2, S1, 0, XtxDecision::Abort))
            .unwrap();
        let view = h.engine.snapshot();
        let state = h.engine.state_mut();
        for shard in &state.shards {
            let index: BTreeSet<XtxId> = shard.xtx.in_flight().collect();
            let expected: BTreeSet<XtxId> = view
                .transactions
                .iter()
                .filter(|x| x.is_in_flight() && x.involves(shard.id))
                .map(|x| x.id)
                .collect();
            assert_eq!(index, expected, "{}", shard.id);
            assert_eq!(shard.xtx.locks().count(), index.len());
        }
    }
}
