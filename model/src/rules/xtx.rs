//! Cross-shard transactions ([R-XTX-1] .. [R-XTX-6]).
//!
//! An xtx debits a key on its source and credits it on its destination in
//! two phases: a prepare records it with both sides `Prepared` and locks
//! its key on both shards ([R-XTX-2]); each participant then casts one
//! signed vote ([R-XTX-3]). Two `Commit` votes commit both sides, one
//! `Abort` vote aborts both, and either way both locks are released in
//! ascending `(shard, key)` order ([R-XTX-5]). A commit vote is refused
//! until both sides are mature, that is covered by a finalized checkpoint
//! of their shard ([R-XTX-4]), so that a rollback, which returns to the
//! latest finalized checkpoint, never undoes a committed effect.
//!
//! The view keeps every xtx ever prepared, ascending by id, so "an xtx with
//! this id was ever prepared" is a lookup in it; each shard's lock table is
//! ascending by key. The helpers [`abort_in_flight`] and [`release_locks`]
//! are shared with [`super::rollback`], which aborts a rolled-back shard's
//! xtxs ([R-RB-2], [R-RB-6]).

use super::{find_shard, is_registered, is_signature_valid, is_taking_transactions};
use mend_spec::{
    Event, Height, Lock, Params, PrepareRejection, SeededBug, ShardId, ShardStatus, ShardView,
    View, XtxBallot, XtxDecision, XtxId, XtxPrepare, XtxSide, XtxState, XtxView, XtxVote,
    XtxVoteRejection,
};

/// [R-XTX-6] Whether a shard of this status takes part in cross-shard
/// transactions at all: an `Isolated`, `Recovering` or `Healing` shard
/// does not (a `Frozen` one takes no new xtx, [R-XTX-2] check 4, but may
/// finish those in flight).
pub fn is_participating(status: ShardStatus) -> bool {
    match status {
        ShardStatus::Normal | ShardStatus::Investigating | ShardStatus::Frozen => true,
        ShardStatus::Isolated | ShardStatus::Recovering | ShardStatus::Healing => false,
    }
}

/// [R-XTX-4] Whether a side at `height` on `shard` is mature: `height` is
/// 0, or the shard retains a finalized checkpoint at `height` or above.
pub fn is_mature(shard: &ShardView, height: Height) -> bool {
    height.0 == 0
        || shard
            .finalized
            .iter()
            .any(|f| f.checkpoint.height >= height)
}

/// [R-XTX-1] Whether `key` is locked on `shard`, by any xtx.
fn is_locked(shard: &ShardView, key: u32) -> bool {
    shard.locks.iter().any(|lock| lock.key == key)
}

/// [R-XTX-1] Locks `key` on `shard` for `xtx`, keeping the lock table
/// ascending by key.
fn lock(shard: &mut ShardView, key: u32, xtx: XtxId) {
    let position = shard.locks.partition_point(|l| l.key < key);
    shard.locks.insert(position, Lock { key, xtx });
}

/// The side of `x` on `shard`, to change it.
fn side_mut(x: &mut XtxView, shard: ShardId) -> Option<&mut XtxSide> {
    if x.source == shard {
        Some(&mut x.source_side)
    } else if x.destination == shard {
        Some(&mut x.destination_side)
    } else {
        None
    }
}

/// [R-XTX-2] Prepares an xtx after five checks in the spec's order: it is
/// recorded with both sides `Prepared` and `Waiting` at the shards' head
/// heights and generations, its key is locked on both shards, and
/// `XtxPrepared` is emitted.
pub(super) fn process_prepare(
    view: &View,
    params: &Params,
    prepare: &XtxPrepare,
) -> Result<(View, Vec<Event>), PrepareRejection> {
    // [R-XTX-2] check 1: the source and the destination are shards.
    let (Some(source), Some(destination)) = (
        find_shard(params, view, prepare.source),
        find_shard(params, view, prepare.destination),
    ) else {
        return Err(PrepareRejection::UnknownShard);
    };
    // [R-XTX-2] check 2: they differ.
    if source == destination {
        return Err(PrepareRejection::SameShard);
    }
    // [R-XTX-2] check 3: no xtx with this id was ever prepared (the view
    // keeps them all: ids are never reused, [R-XTX-1]).
    if view.transactions.iter().any(|x| x.id == prepare.id) {
        return Err(PrepareRejection::Duplicate);
    }
    // [R-XTX-2] check 4: both shards take new cross-shard transactions,
    // that is both are `Normal` or `Investigating` ([R-XTX-6]).
    if !is_taking_transactions(view.shards[source].status)
        || !is_taking_transactions(view.shards[destination].status)
    {
        return Err(PrepareRejection::ShardUnavailable);
    }
    // [R-XTX-2] check 5: the key is locked on neither shard.
    if is_locked(&view.shards[source], prepare.key)
        || is_locked(&view.shards[destination], prepare.key)
    {
        return Err(PrepareRejection::KeyLocked);
    }
    let side = |shard: &ShardView| XtxSide {
        height: shard.height,
        generation: shard.generation,
        vote: XtxBallot::Waiting,
        state: XtxState::Prepared,
    };
    let x = XtxView {
        id: prepare.id,
        source: prepare.source,
        destination: prepare.destination,
        key: prepare.key,
        source_side: side(&view.shards[source]),
        destination_side: side(&view.shards[destination]),
    };
    let mut next = view.clone();
    let position = next.transactions.partition_point(|t| t.id < x.id);
    next.transactions.insert(position, x);
    lock(&mut next.shards[source], prepare.key, prepare.id);
    lock(&mut next.shards[destination], prepare.key, prepare.id);
    Ok((next, vec![Event::XtxPrepared { id: prepare.id }]))
}

/// [R-XTX-3] Counts a participant's vote after eleven checks in the spec's
/// order and emits `XtxVoteCounted`; then [R-XTX-5] commits or aborts the
/// xtx if the vote decides it.
///
/// Seeded bug: `ReceiptBeforeFinal` skips the source side in check 11.
pub(super) fn process_xtx_vote(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    vote: &XtxVote,
) -> Result<(View, Vec<Event>), XtxVoteRejection> {
    // [R-XTX-3] check 1: the vote's shard is a shard.
    let Some(index) = find_shard(params, view, vote.shard) else {
        return Err(XtxVoteRejection::UnknownShard);
    };
    let shard = &view.shards[index];
    // [R-XTX-3] check 2: an xtx with this id was prepared.
    let Some(slot) = view.transactions.iter().position(|x| x.id == vote.id) else {
        return Err(XtxVoteRejection::UnknownXtx);
    };
    let x = &view.transactions[slot];
    // [R-XTX-3] check 3: the shard is the xtx's source or destination.
    let Some(side) = x.side(vote.shard) else {
        return Err(XtxVoteRejection::NotParticipant);
    };
    // [R-XTX-3] check 4: the voter is registered.
    if !is_registered(params, vote.voter) {
        return Err(XtxVoteRejection::UnknownValidator);
    }
    // [R-XTX-3] check 5: the voter is in the shard's committee.
    if !shard.committee.contains(&vote.voter) {
        return Err(XtxVoteRejection::NotMember);
    }
    // [R-XTX-3] check 6: the signing domain's generation is the shard's:
    // a vote signed before a rollback is a replay from an abandoned branch.
    if vote.generation != shard.generation {
        return Err(XtxVoteRejection::WrongGeneration);
    }
    // [R-XTX-3] check 7: the signature verifies.
    if !is_signature_valid(vote.signature) {
        return Err(XtxVoteRejection::BadSignature);
    }
    // [R-XTX-3] check 8: the xtx is still `Prepared` on this side.
    if side.state != XtxState::Prepared {
        return Err(XtxVoteRejection::Finished);
    }
    // [R-XTX-3] check 9: this side has not voted: votes are one-shot.
    if side.vote != XtxBallot::Waiting {
        return Err(XtxVoteRejection::Duplicate);
    }
    // [R-XTX-3] check 10: both participants take part in cross-shard
    // transactions ([R-XTX-6]). The participants were shards when the xtx
    // was prepared; one that is not (a malformed view) takes part in
    // nothing.
    let (Some(source), Some(destination)) = (
        find_shard(params, view, x.source),
        find_shard(params, view, x.destination),
    ) else {
        return Err(XtxVoteRejection::ShardUnavailable);
    };
    let (source, destination) = (&view.shards[source], &view.shards[destination]);
    if !is_participating(source.status) || !is_participating(destination.status) {
        return Err(XtxVoteRejection::ShardUnavailable);
    }
    // [R-XTX-3] check 11: a commit needs both sides mature ([R-XTX-4]);
    // under `ReceiptBeforeFinal` the source side is not looked at.
    if vote.decision == XtxDecision::Commit {
        let is_source_mature =
            bug == Some(SeededBug::ReceiptBeforeFinal) || is_mature(source, x.source_side.height);
        if !is_source_mature || !is_mature(destination, x.destination_side.height) {
            return Err(XtxVoteRejection::Immature);
        }
    }

    let mut next = view.clone();
    let mut events = Vec::new();
    let x = &mut next.transactions[slot];
    let ballot = match vote.decision {
        XtxDecision::Commit => XtxBallot::Commit,
        XtxDecision::Abort => XtxBallot::Abort,
    };
    if let Some(side) = side_mut(x, vote.shard) {
        side.vote = ballot;
    }
    events.push(Event::XtxVoteCounted {
        id: vote.id,
        shard: vote.shard,
        decision: vote.decision,
    });
    // [R-XTX-5] An abort vote aborts both sides; the second commit vote
    // commits both. Both sides change in this one step.
    let decided = if ballot == XtxBallot::Abort {
        x.source_side.state = XtxState::Aborted;
        x.destination_side.state = XtxState::Aborted;
        events.push(Event::XtxAborted { id: vote.id });
        true
    } else if x.source_side.vote == XtxBallot::Commit
        && x.destination_side.vote == XtxBallot::Commit
    {
        x.source_side.state = XtxState::Committed;
        x.destination_side.state = XtxState::Committed;
        events.push(Event::XtxCommitted { id: vote.id });
        true
    } else {
        false
    };
    // [R-XTX-5] Either way the xtx's two locks are released, in ascending
    // `(shard, key)` order.
    if decided {
        release_locks(&mut next, &[vote.id], None, &mut events);
    }
    Ok((next, events))
}

/// Aborts every xtx in flight in which `shard` takes part, in ascending id,
/// emitting `XtxAborted` for each, and returns their ids ascending
/// ([R-RB-2] step 1, [R-RB-6]). Their locks stay held.
///
/// Both sides become `Aborted`; under the seeded bug `AbortOneSide` only
/// `shard`'s side does, and the other stays `Prepared`.
pub(super) fn abort_in_flight(
    view: &mut View,
    shard: ShardId,
    bug: Option<SeededBug>,
    events: &mut Vec<Event>,
) -> Vec<XtxId> {
    let mut aborted = Vec::new();
    for x in &mut view.transactions {
        if !x.is_in_flight() || !x.involves(shard) {
            continue;
        }
        if bug == Some(SeededBug::AbortOneSide) {
            if let Some(side) = side_mut(x, shard) {
                side.state = XtxState::Aborted;
            }
        } else {
            x.source_side.state = XtxState::Aborted;
            x.destination_side.state = XtxState::Aborted;
        }
        events.push(Event::XtxAborted { id: x.id });
        aborted.push(x.id);
    }
    aborted
}

/// The xtxs already aborted (on `shard`'s side) that still hold a lock on
/// `shard`, ascending: the other participant's rollback aborted them and has
/// not released their locks yet, so this rollback takes them onto its
/// aborted list too ([R-RB-2] step 1, [R-RB-6]).
pub(super) fn aborted_holding_locks(view: &View, shard: ShardId) -> Vec<XtxId> {
    let Some(s) = view.shards.iter().find(|s| s.shard == shard) else {
        return Vec::new();
    };
    let mut out: Vec<XtxId> = s
        .locks
        .iter()
        .filter(|lock| {
            view.transactions.iter().any(|x| {
                x.id == lock.xtx && x.side(shard).is_some_and(|d| d.state == XtxState::Aborted)
            })
        })
        .map(|lock| lock.xtx)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Releases every lock held by one of `xtxs`, on every shard (or on `only`,
/// if given), in ascending order of `(shard, key)`, emitting
/// `LockReleased` for each ([R-XTX-5], [R-RB-2] step 2, [R-RB-6]). The
/// shards are ascending in the view and each lock table ascending by key,
/// so walking them in order is that order.
pub(super) fn release_locks(
    view: &mut View,
    xtxs: &[XtxId],
    only: Option<ShardId>,
    events: &mut Vec<Event>,
) {
    for shard in &mut view.shards {
        if only.is_some_and(|s| s != shard.shard) {
            continue;
        }
        let shard_id = shard.shard;
        shard.locks.retain(|lock| {
            if xtxs.contains(&lock.xtx) {
                events.push(Event::LockReleased {
                    shard: shard_id,
                    key: lock.key,
                    xtx: lock.xtx,
                });
                false
            } else {
                true
            }
        });
    }
}
