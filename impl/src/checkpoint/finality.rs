//! Finalization, dropping the other pending checkpoints, and retention
//! ([R-CKPT-8], [R-CKPT-9]).
//!
//! When a checkpoint reaches its threshold it leaves the pending set and is
//! appended to the finalized list with its certificate. Every other pending
//! checkpoint of the shard is dropped at once: each names the previous
//! finalized checkpoint as parent ([R-CKPT-7] check 10), which is no longer the
//! latest, so none of them could ever be a valid successor. Then the oldest
//! retained checkpoint is pruned if there are now `K + 1`.

use super::{count_u32, FinalizedCheckpoint, PendingSlot, ShardCheckpoints};
use crate::outcome::EngineEvent;
use mend_spec::ShardId;

/// [R-CKPT-8], [R-CKPT-9] Finalizes the pending checkpoint in `slot` and
/// appends the events in the spec's order: `CheckpointFinalized`, then
/// `PendingDropped` if any were dropped, then `CheckpointPruned` if retention
/// pruned one.
pub(super) fn finalize(
    checkpoints: &mut ShardCheckpoints,
    slot: PendingSlot,
    shard: ShardId,
    retention_checkpoints: u32,
    events: &mut Vec<EngineEvent>,
) {
    // In bounds: `slot` was found by the validation that immediately
    // preceded this step on the same state.
    let finalized = checkpoints.pending.remove(slot.0);
    events.push(EngineEvent::CheckpointFinalized { id: finalized.id });
    checkpoints.finalized.push_back(FinalizedCheckpoint {
        id: finalized.id,
        body: finalized.body,
        certificate: finalized.votes,
    });

    let dropped = checkpoints.pending.len();
    checkpoints.pending.clear();
    if dropped > 0 {
        events.push(EngineEvent::PendingDropped {
            shard,
            count: count_u32(dropped),
        });
    }

    // [R-CKPT-9] One finalization adds one checkpoint, so at most one is
    // pruned.
    let retention = retention_checkpoints as usize;
    if checkpoints.finalized.len() > retention {
        if let Some(oldest) = checkpoints.finalized.pop_front() {
            events.push(EngineEvent::CheckpointPruned { id: oldest.id });
        }
    }
    assert!(
        checkpoints.finalized.len() <= retention,
        "a shard retains at most K finalized checkpoints"
    );
}

#[cfg(test)]
mod tests {
    use crate::crypto::compute_checkpoint_id;
    use crate::outcome::EngineEvent;
    use crate::testkit::Harness;
    use crate::wire::CheckpointBody;
    use mend_spec::{Params, Rejection, ShardId, ValidatorId, VoteRejection};

    #[test]
    fn a_checkpoint_finalizes_at_the_quorum_and_not_one_vote_before() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        let id = compute_checkpoint_id(&body);
        h.propose(body);
        assert_eq!(h.quorum(), 3);
        for v in [0, 1] {
            let events = h.cast(ValidatorId(v), body);
            assert_eq!(
                events,
                vec![EngineEvent::VoteCounted {
                    validator: ValidatorId(v),
                    id
                }]
            );
        }
        let view = h.engine.snapshot();
        assert!(view.shards[0].finalized.is_empty());
        assert_eq!(
            view.shards[0].pending,
            vec![(body, vec![ValidatorId(0), ValidatorId(1)])]
        );

        let events = h.cast(ValidatorId(3), body);
        assert_eq!(
            events,
            vec![
                EngineEvent::VoteCounted {
                    validator: ValidatorId(3),
                    id
                },
                EngineEvent::CheckpointFinalized { id },
            ]
        );
        let view = h.engine.snapshot();
        assert!(view.shards[0].pending.is_empty());
        assert_eq!(
            view.shards[0].finalized,
            vec![(body, vec![ValidatorId(0), ValidatorId(1), ValidatorId(3)])]
        );
    }

    #[test]
    fn a_vote_after_finalization_is_refused_as_already_finalized() {
        let mut h = Harness::default_config();
        let body = h.finalize_next(ShardId(0));
        let message = h.vote(ValidatorId(3), body);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::AlreadyFinalized));
    }

    #[test]
    fn finalization_drops_every_other_pending_checkpoint_of_the_shard_only() {
        let mut h = Harness::default_config();
        let honest = h.next_body(ShardId(0));
        let forged = CheckpointBody {
            state_root: [0xf0; 32],
            ..honest
        };
        h.propose(honest);
        h.propose(forged);
        let other_shard = h.next_body(ShardId(1));
        h.propose(other_shard);
        h.cast(ValidatorId(3), forged);
        h.cast(ValidatorId(0), honest);
        h.cast(ValidatorId(1), honest);
        let events = h.cast(ValidatorId(2), honest);
        assert_eq!(
            events,
            vec![
                EngineEvent::VoteCounted {
                    validator: ValidatorId(2),
                    id: compute_checkpoint_id(&honest)
                },
                EngineEvent::CheckpointFinalized {
                    id: compute_checkpoint_id(&honest)
                },
                EngineEvent::PendingDropped {
                    shard: ShardId(0),
                    count: 1
                },
            ]
        );
        let view = h.engine.snapshot();
        assert!(view.shards[0].pending.is_empty());
        assert_eq!(view.shards[1].pending, vec![(other_shard, vec![])]);
        // The dropped checkpoint is unknown now.
        let message = h.vote(ValidatorId(0), forged);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::UnknownCheckpoint));
    }

    #[test]
    fn finalized_checkpoints_form_a_parent_linked_chain() {
        let mut h = Harness::default_config();
        let a = h.finalize_next(ShardId(0));
        let b = h.finalize_next(ShardId(0));
        assert_eq!(a.parent, None);
        assert_eq!(b.parent, Some(compute_checkpoint_id(&a)));
        assert_eq!(b.height.0, a.height.0 + 2);
    }

    #[test]
    fn retention_prunes_the_oldest_when_the_k_plus_first_finalizes() {
        let mut h = Harness::default_config();
        let a = h.finalize_next(ShardId(0));
        let b = h.finalize_next(ShardId(0));
        let c = h.next_body(ShardId(0));
        h.propose(c);
        h.cast(ValidatorId(0), c);
        h.cast(ValidatorId(1), c);
        let events = h.cast(ValidatorId(2), c);
        assert_eq!(
            events.last(),
            Some(&EngineEvent::CheckpointPruned {
                id: compute_checkpoint_id(&a)
            })
        );
        assert_eq!(events.len(), 3, "{events:?}");
        let finalized: Vec<_> = h.engine.snapshot().shards[0]
            .finalized
            .iter()
            .map(|(body, _)| *body)
            .collect();
        assert_eq!(finalized, vec![b, c]);
        // [R-CKPT-9] A vote naming the pruned checkpoint is a vote for an
        // unknown checkpoint; one naming a retained one is already final.
        let message = h.vote(ValidatorId(3), a);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::UnknownCheckpoint));
        let message = h.vote(ValidatorId(3), b);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::AlreadyFinalized));
    }

    #[test]
    fn retention_of_one_keeps_only_the_latest() {
        let params = Params::new(1, 4, 1, 1, 1).unwrap();
        let mut h = Harness::new(params);
        let mut last = None;
        for _ in 0..5 {
            last = Some(h.finalize_next(ShardId(0)));
        }
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].finalized.len(), 1);
        assert_eq!(view.shards[0].finalized[0].0, last.unwrap());
    }

    #[test]
    fn a_committee_of_sixty_four_needs_forty_three_votes() {
        let params = Params::new(2, 64, 2, 2, 2).unwrap();
        let mut h = Harness::new(params);
        assert_eq!(h.quorum(), 43);
        let shard = ShardId(1);
        let body = h.next_body(shard);
        h.propose(body);
        let committee = h.committee(shard);
        for v in &committee[..42] {
            h.cast(*v, body);
        }
        assert!(h.engine.snapshot().shards[1].finalized.is_empty());
        let events = h.cast(committee[42], body);
        assert_eq!(
            events.last(),
            Some(&EngineEvent::CheckpointFinalized {
                id: compute_checkpoint_id(&body)
            })
        );
        assert_eq!(h.engine.snapshot().shards[1].finalized[0].1.len(), 43);
    }
}
