//! Finalization ([R-CKPT-8]) and retention ([R-CKPT-9]).
//!
//! When a live pending checkpoint reaches its threshold it leaves the pending
//! set and is appended to the finalized list with its votes as its
//! certificate. Nothing else happens in that step: the other pending
//! checkpoints stay, now stale siblings whose parent is no longer the latest
//! finalized checkpoint, and nothing is pruned. Both waits are what make a
//! segment of votes order-free ([R-DET-2]): a vote that arrives after the
//! quorum still finds its sibling to conflict with, and its checkpoint
//! unpruned.
//!
//! Retention prunes at the epoch boundary, right after the pending
//! checkpoints expired ([R-EPOCH-2]): the oldest go first until `K` remain.

use super::{FinalizedCheckpoint, PendingKey, ShardCheckpoints};
use crate::outcome::EngineEvent;

/// [R-CKPT-8] Finalizes the live pending checkpoint under `key` and emits
/// `CheckpointFinalized`. The caller checked that it is live and reached
/// its threshold.
pub(super) fn finalize(
    checkpoints: &mut ShardCheckpoints,
    key: &PendingKey,
    events: &mut Vec<EngineEvent>,
) {
    let Some(finalized) = checkpoints.pending.remove(key) else {
        panic!("bug: a validated pending key names no pending checkpoint");
    };
    // Checkpoints finalize in their own epoch (pending ones expire at each
    // boundary), so the finalization order is also epoch order; conflicts
    // and the memory bound read the current epoch's from the back.
    assert!(
        checkpoints
            .finalized
            .back()
            .is_none_or(|latest| latest.body.epoch <= finalized.body.epoch),
        "finalized checkpoints are in epoch order"
    );
    events.push(EngineEvent::CheckpointFinalized { id: finalized.id });
    checkpoints.finalized.push_back(FinalizedCheckpoint {
        id: finalized.id,
        body: finalized.body,
        certificate: finalized.votes,
    });
}

/// [R-CKPT-9], [R-EPOCH-2] At the boundary, in the shard's turn: while the
/// shard retains more than `K` finalized checkpoints, prunes the oldest and
/// emits `CheckpointPruned` for it, oldest first ([R-DET-3]). `K >= 1`, so
/// the latest, which new checkpoints name as parent and a rollback targets,
/// is never pruned.
pub(crate) fn prune_to_retention(
    checkpoints: &mut ShardCheckpoints,
    retention_checkpoints: u32,
    events: &mut Vec<EngineEvent>,
) {
    let retention = retention_checkpoints as usize;
    while checkpoints.finalized.len() > retention {
        let Some(oldest) = checkpoints.finalized.pop_front() else {
            break;
        };
        events.push(EngineEvent::CheckpointPruned { id: oldest.id });
    }
    assert!(
        checkpoints.finalized.len() <= retention,
        "a shard retains at most K finalized checkpoints after a boundary"
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
    fn a_late_vote_in_the_checkpoints_epoch_joins_its_certificate_and_finalizes_nothing() {
        let mut h = Harness::default_config();
        let body = h.finalize_next(ShardId(0));
        let id = compute_checkpoint_id(&body);
        let events = h.cast(ValidatorId(3), body);
        assert_eq!(
            events,
            vec![EngineEvent::VoteCounted {
                validator: ValidatorId(3),
                id
            }]
        );
        let view = h.engine.snapshot();
        assert_eq!(
            view.shards[0].finalized,
            vec![(
                body,
                vec![
                    ValidatorId(0),
                    ValidatorId(1),
                    ValidatorId(2),
                    ValidatorId(3)
                ]
            )]
        );
        // [R-CKPT-8] check 11 reads the certificate: a second copy is a
        // duplicate, not a second late vote.
        let message = h.vote(ValidatorId(3), body);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::Duplicate));
        let message = h.vote(ValidatorId(0), body);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::Duplicate));
    }

    #[test]
    fn a_vote_for_a_checkpoint_finalized_in_an_earlier_epoch_is_refused_as_already_finalized() {
        let mut h = Harness::default_config();
        let body = h.finalize_next(ShardId(0));
        h.advance_epoch();
        // Signed in the new epoch, so checks 6 and 8 pass; the certificate
        // closed with epoch 0.
        let message = h.vote(ValidatorId(3), body);
        let rejection =
            h.assert_rejected(&message, Rejection::Vote(VoteRejection::AlreadyFinalized));
        assert_eq!(
            rejection,
            crate::EngineRejection::Vote(crate::outcome::VoteError::AlreadyFinalized {
                shard: ShardId(0),
                id: compute_checkpoint_id(&body)
            })
        );
        assert_eq!(h.engine.snapshot().shards[0].finalized[0].1.len(), 3);
    }

    #[test]
    fn finalization_keeps_the_other_pending_checkpoints_as_stale_siblings() {
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
        // [R-CKPT-8] Nothing but the finalization: no `PendingDropped`, no
        // pruning.
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
            ]
        );
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].pending, vec![(forged, vec![ValidatorId(3)])]);
        assert_eq!(view.shards[1].pending, vec![(other_shard, vec![])]);
    }

    #[test]
    fn a_stale_sibling_counts_votes_records_equivocation_against_the_finalized_and_never_finalizes()
    {
        let mut h = Harness::default_config();
        let honest = h.next_body(ShardId(0));
        let forged = CheckpointBody {
            state_root: [0xf0; 32],
            ..honest
        };
        h.propose(honest);
        h.propose(forged);
        for v in [0, 1, 2] {
            h.cast(ValidatorId(v), honest);
        }
        let forged_id = compute_checkpoint_id(&forged);
        // v3 votes only for the stale sibling: counted, no conflict.
        assert_eq!(
            h.cast(ValidatorId(3), forged),
            vec![EngineEvent::VoteCounted {
                validator: ValidatorId(3),
                id: forged_id
            }]
        );
        // v0 is in the certificate at the same epoch and height: evidence.
        assert_eq!(
            h.cast(ValidatorId(0), forged),
            vec![
                EngineEvent::VoteCounted {
                    validator: ValidatorId(0),
                    id: forged_id
                },
                EngineEvent::EquivocationRecorded {
                    validator: ValidatorId(0),
                    id: forged_id
                },
            ]
        );
        // A quorum of votes, and still pending: its parent (genesis) is no
        // longer the latest finalized checkpoint.
        let events = h.cast(ValidatorId(1), forged);
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, EngineEvent::CheckpointFinalized { .. })),
            "{events:?}"
        );
        let view = h.engine.snapshot();
        assert_eq!(
            view.shards[0].pending,
            vec![(forged, vec![ValidatorId(0), ValidatorId(1), ValidatorId(3)])]
        );
        assert_eq!(view.shards[0].finalized.len(), 1);
        let (lo, hi) = (honest.min(forged), honest.max(forged));
        assert_eq!(
            view.shards[0].equivocations,
            vec![(ValidatorId(0), lo, hi), (ValidatorId(1), lo, hi)]
        );
        // It expires with the rest at the boundary.
        let events = h.advance_epoch();
        assert_eq!(
            events[1],
            EngineEvent::PendingExpired {
                shard: ShardId(0),
                count: 1
            }
        );
        assert!(h.engine.snapshot().shards[0].pending.is_empty());
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
    fn retention_prunes_at_the_boundary_and_not_when_the_k_plus_first_finalizes() {
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
            Some(&EngineEvent::CheckpointFinalized {
                id: compute_checkpoint_id(&c)
            })
        );
        assert_eq!(events.len(), 2, "{events:?}");
        let finalized = |h: &Harness| -> Vec<CheckpointBody> {
            h.engine.snapshot().shards[0]
                .finalized
                .iter()
                .map(|(body, _)| *body)
                .collect()
        };
        assert_eq!(finalized(&h), vec![a, b, c]);
        // [R-DET-2] rule 3: within the epoch the K+1-th oldest still takes
        // its late vote.
        h.cast(ValidatorId(3), a);

        let events = h.advance_epoch();
        assert_eq!(
            events,
            vec![
                EngineEvent::EpochAdvanced {
                    epoch: mend_spec::Epoch(1)
                },
                EngineEvent::CheckpointPruned {
                    id: compute_checkpoint_id(&a)
                },
            ]
        );
        assert_eq!(finalized(&h), vec![b, c]);
        // [R-CKPT-9] A vote naming the pruned checkpoint is a vote for an
        // unknown checkpoint; one naming a retained one of a closed epoch is
        // already final.
        let message = h.vote(ValidatorId(3), a);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::UnknownCheckpoint));
        let message = h.vote(ValidatorId(3), b);
        h.assert_rejected(&message, Rejection::Vote(VoteRejection::AlreadyFinalized));
    }

    #[test]
    fn retention_of_one_prunes_every_older_checkpoint_oldest_first_at_the_boundary() {
        let params = Params::new(1, 4, 1, 1, 1).unwrap();
        let mut h = Harness::new(params);
        let mut bodies = Vec::new();
        for _ in 0..5 {
            bodies.push(h.finalize_next(ShardId(0)));
        }
        assert_eq!(h.engine.snapshot().shards[0].finalized.len(), 5);
        let events = h.advance_epoch();
        let pruned: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                EngineEvent::CheckpointPruned { id } => Some(*id),
                _ => None,
            })
            .collect();
        let expected: Vec<_> = bodies[..4].iter().map(compute_checkpoint_id).collect();
        assert_eq!(pruned, expected);
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].finalized.len(), 1);
        assert_eq!(view.shards[0].finalized[0].0, bodies[4]);
        // The next checkpoint still chains to the one kept.
        let next = h.finalize_next(ShardId(0));
        assert_eq!(next.parent, Some(compute_checkpoint_id(&bodies[4])));
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
