//! The epoch clock and the epoch boundary ([R-EPOCH-1], [R-EPOCH-2]).
//!
//! Time enters the engine only as this message: the engine reads no clock, so
//! replicas fed the same messages agree on every epoch boundary
//! ([INV-5 Determinism]). Every pending checkpoint, live or a stale sibling,
//! expires at a boundary because its votes are signed in the old epoch's
//! domain ([R-CKPT-5]) and no new vote for it could pass [R-CKPT-8] check 6;
//! keeping it would only hold memory. Then retention prunes the shard's
//! oldest finalized checkpoints down to `K` ([R-CKPT-9]): only here, so that
//! no vote of an epoch finds its checkpoint pruned by another vote of the
//! same epoch ([R-DET-2]). Then each shard takes its turn of recovery steps,
//! in `orchestrate`: slashes ([R-SLASH-3]), reassignment ([R-ASSIGN-2]), the
//! first of starting a rollback ([R-RB-1]), adjusting validators
//! ([R-PIPE-2]), checking a healing's verification ([R-HEAL-4]) or the
//! detection status change ([R-ISO-3]), then fault expiry ([R-FAULT-6]).
//! This is the one message that visits every shard.

use crate::checkpoint::{count_u32, prune_to_retention};
use crate::orchestrate::apply_boundary_turn;
use crate::outcome::{EngineEvent, EpochError};
use crate::state::State;
use mend_spec::Epoch;

/// An epoch tick that passed [R-EPOCH-1].
#[derive(Debug)]
pub(crate) struct ValidatedTick {
    epoch: Epoch,
}

/// [R-EPOCH-1] The epoch may only advance by exactly one.
pub(crate) fn validate_advance(state: &State, epoch: Epoch) -> Result<ValidatedTick, EpochError> {
    // `next` is `None` only at u64::MAX, from which no epoch follows.
    if state.epoch.next() != Some(epoch) {
        return Err(EpochError::NotNextEpoch {
            current: state.epoch,
            got: epoch,
        });
    }
    Ok(ValidatedTick { epoch })
}

/// [R-EPOCH-1], [R-EPOCH-2] Advances the epoch and emits `EpochAdvanced`;
/// then, for each shard in ascending order ([R-DET-0]): expires its pending
/// checkpoints (`PendingExpired` if it had any), prunes its finalized
/// checkpoints down to `K`, oldest first (`CheckpointPruned` for each,
/// [R-CKPT-9]), then takes its turn of slashes, reassignment, recovery or
/// detection, and fault expiry ([R-EPOCH-2],
/// `orchestrate::apply_boundary_turn`).
pub(crate) fn apply_advance(state: &mut State, tick: ValidatedTick) -> Vec<EngineEvent> {
    assert!(tick.epoch > state.epoch, "the epoch never decreases");
    state.epoch = tick.epoch;
    let retention = state.params.retention_checkpoints;
    let mut events = vec![EngineEvent::EpochAdvanced { epoch: tick.epoch }];
    // The shard list is indexed by id, so this walk is in ascending order.
    for index in 0..state.shards.len() {
        let shard = &mut state.shards[index];
        let expired = shard.checkpoints.expire_pending();
        if expired > 0 {
            events.push(EngineEvent::PendingExpired {
                shard: shard.id,
                count: count_u32(expired),
            });
        }
        prune_to_retention(&mut shard.checkpoints, retention, &mut events);
        events.extend(apply_boundary_turn(state, index));
    }
    events
}

#[cfg(test)]
mod tests {
    use crate::outcome::EngineEvent;
    use crate::testkit::Harness;
    use crate::wire::{CheckpointBody, Message};
    use mend_spec::{
        Epoch, EpochRejection, Params, Rejection, ShardId, ValidatorId, VoteRejection,
    };

    fn tick(epoch: u64) -> Message {
        Message::AdvanceEpoch {
            epoch: Epoch(epoch),
        }
    }

    #[test]
    fn the_epoch_advances_by_exactly_one() {
        let mut h = Harness::default_config();
        for epoch in [0, 2, u64::MAX] {
            h.assert_rejected(&tick(epoch), Rejection::Epoch(EpochRejection::NotNextEpoch));
        }
        assert_eq!(
            h.engine.apply(&tick(1)),
            Ok(vec![EngineEvent::EpochAdvanced { epoch: Epoch(1) }])
        );
        assert_eq!(h.engine.snapshot().epoch, Epoch(1));
        h.assert_rejected(&tick(1), Rejection::Epoch(EpochRejection::NotNextEpoch));
    }

    #[test]
    fn pending_checkpoints_expire_per_shard_in_ascending_order_at_the_boundary() {
        let params = Params::new(4, 4, 2, 2, 2).unwrap();
        let mut h = Harness::new(params);
        // Shard 3 gets two pending, shard 1 one, shards 0 and 2 none.
        let three = h.next_body(ShardId(3));
        h.propose(three);
        h.propose(CheckpointBody {
            state_root: [9; 32],
            ..three
        });
        let one = h.next_body(ShardId(1));
        h.propose(one);
        h.cast(ValidatorId(4), one);
        let events = h.engine.apply(&tick(1)).unwrap();
        assert_eq!(
            events,
            vec![
                EngineEvent::EpochAdvanced { epoch: Epoch(1) },
                EngineEvent::PendingExpired {
                    shard: ShardId(1),
                    count: 1
                },
                EngineEvent::PendingExpired {
                    shard: ShardId(3),
                    count: 2
                },
            ]
        );
        assert!(h
            .engine
            .snapshot()
            .shards
            .iter()
            .all(|s| s.pending.is_empty()));
        // A vote in the new epoch for the expired checkpoint names nothing
        // pending.
        let message = h.vote(ValidatorId(5), one);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::UnknownCheckpoint));
    }

    #[test]
    fn each_shard_expires_its_pending_then_prunes_its_oldest_in_its_turn_in_ascending_order() {
        let params = Params::new(3, 4, 2, 1, 2).unwrap();
        let mut h = Harness::new(params);
        // Shard 2: four finalized (K = 1), the last beside a sibling now
        // stale; shard 0: two finalized, nothing pending; shard 1: one
        // pending only.
        let s2: Vec<_> = (0..3).map(|_| h.finalize_next(ShardId(2))).collect();
        let stale = CheckpointBody {
            state_root: [9; 32],
            ..h.next_body(ShardId(2))
        };
        h.propose(stale);
        h.finalize_next(ShardId(2));
        let s0: Vec<_> = (0..2).map(|_| h.finalize_next(ShardId(0))).collect();
        let one = h.next_body(ShardId(1));
        h.propose(one);
        let id = crate::crypto::compute_checkpoint_id;
        let events = h.engine.apply(&tick(1)).unwrap();
        assert_eq!(
            events,
            vec![
                EngineEvent::EpochAdvanced { epoch: Epoch(1) },
                EngineEvent::CheckpointPruned { id: id(&s0[0]) },
                EngineEvent::PendingExpired {
                    shard: ShardId(1),
                    count: 1
                },
                EngineEvent::PendingExpired {
                    shard: ShardId(2),
                    count: 1
                },
                EngineEvent::CheckpointPruned { id: id(&s2[0]) },
                EngineEvent::CheckpointPruned { id: id(&s2[1]) },
                EngineEvent::CheckpointPruned { id: id(&s2[2]) },
            ]
        );
        let view = h.engine.snapshot();
        assert!(view.shards.iter().all(|s| s.finalized.len() <= 1));
        assert_eq!(view.shards[0].finalized[0].0, s0[1]);
    }

    #[test]
    fn finalized_checkpoints_survive_the_boundary_and_the_next_one_is_in_the_new_epoch() {
        let mut h = Harness::default_config();
        let first = h.finalize_next(ShardId(0));
        h.engine.apply(&tick(1)).unwrap();
        assert_eq!(h.engine.snapshot().shards[0].finalized[0].0, first);
        let second = h.finalize_next(ShardId(0));
        assert_eq!(second.epoch, Epoch(1));
        assert_eq!(
            second.parent,
            Some(crate::crypto::compute_checkpoint_id(&first))
        );
    }

    #[test]
    fn a_checkpoint_can_be_proposed_again_in_the_new_epoch_after_it_expired() {
        let mut h = Harness::default_config();
        let old = h.next_body(ShardId(0));
        h.propose(old);
        h.engine.apply(&tick(1)).unwrap();
        let renewed = h.next_body(ShardId(0));
        assert_eq!(
            renewed,
            CheckpointBody {
                epoch: Epoch(1),
                ..old
            }
        );
        h.propose(renewed);
        // The old-epoch checkpoint cannot come back.
        let message = h.proposal(ValidatorId(0), old);
        h.assert_rejected(
            &message,
            Rejection::Proposal(mend_spec::ProposalRejection::WrongEpoch),
        );
    }
}
