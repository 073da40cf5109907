//! Checkpoint votes: the eleven checks of [R-CKPT-8] in the spec's order,
//! counting (late votes included), equivocation evidence ([R-CKPT-10]) and
//! the step into finality.
//!
//! The signature (check 8) is the expensive step and runs before the checks
//! against the shard's checkpoint state, as the spec orders them. Everything
//! else a vote touches is one shard's: a lookup in its pending set (by height
//! and id), a walk of its retained finalized list (at most `K` plus those
//! finalized in the epoch), and the checkpoints at the vote's height. So a
//! vote costs one SHA3 of the checkpoint, one `verify_strict`, and a few
//! comparisons, whatever the number of shards.
//!
//! Nothing here reads arrival order ([R-DET-2]): a vote for a checkpoint
//! that finalized earlier in the same epoch is counted into its certificate,
//! a vote for a stale sibling is counted like any other, and a conflict is
//! found whichever of the two votes came first.

use super::finality::finalize;
use super::{
    find_vote, insert_vote, CountedVote, EquivocationEvidence, EvidenceKey, ShardCheckpoints,
    VoteTarget,
};
use crate::crypto::{compute_checkpoint_id, is_valid_signature, vote_signing_bytes};
use crate::heal::is_checkpointing_refused;
use crate::outcome::{EngineEvent, VoteError};
use crate::state::{KnownShard, State};
use crate::wire::{Hash32, SignedVote};
use mend_spec::ShardId;

/// A vote that passed every check of [R-CKPT-8].
#[derive(Debug)]
pub(crate) struct ValidatedVote {
    shard: KnownShard,
    target: VoteTarget,
    id: Hash32,
    vote: CountedVote,
}

/// [R-CKPT-8] Checks a vote; the first failing check is the rejection.
pub(crate) fn validate_vote(state: &State, vote: &SignedVote) -> Result<ValidatedVote, VoteError> {
    // [R-CKPT-8] check 1: the shard of the signing domain exists.
    let known = state
        .find_shard(vote.shard)
        .ok_or(VoteError::UnknownShard { shard: vote.shard })?;
    let shard = state.shard(known);
    // [R-CKPT-8] check 2: nothing finalizes during a rollback ([R-RB-3]),
    // and a healing shard checkpoints only in `VerifyingState` ([R-HEAL-4]).
    if is_checkpointing_refused(shard) {
        return Err(VoteError::ShardRecovering {
            shard: vote.shard,
            status: shard.status,
        });
    }
    // [R-CKPT-8] check 3: the validator is registered.
    let key = state
        .key(vote.validator)
        .ok_or(VoteError::UnknownValidator {
            validator: vote.validator,
        })?;
    // [R-CKPT-8] check 4: the checkpoint is of the shard the vote is cast on.
    if vote.checkpoint.shard != vote.shard {
        return Err(VoteError::WrongShard {
            shard: vote.shard,
            checkpoint_shard: vote.checkpoint.shard,
        });
    }
    // [R-CKPT-8] check 5: the validator sits on the shard's committee.
    if state.rules.is_non_member_vote_refused() && !shard.committee.is_member(vote.validator) {
        return Err(VoteError::NotMember {
            validator: vote.validator,
            shard: vote.shard,
        });
    }
    // [R-CKPT-8] check 6: the vote is signed in the current epoch.
    if vote.epoch != state.epoch {
        return Err(VoteError::WrongEpoch {
            expected: state.epoch,
            got: vote.epoch,
        });
    }
    // [R-CKPT-8] check 7: the vote is in the shard's rollback generation.
    if vote.generation != shard.generation {
        return Err(VoteError::WrongGeneration {
            shard: vote.shard,
            expected: shard.generation,
            got: vote.generation,
        });
    }
    // [R-CKPT-8] check 8: the signature verifies over the vote domain
    // ([R-CKPT-5]).
    let id = compute_checkpoint_id(&vote.checkpoint);
    let signed = vote_signing_bytes(vote.shard, vote.epoch, vote.generation, &id);
    if !is_valid_signature(key, &signed, &vote.signature) {
        return Err(VoteError::BadSignature {
            validator: vote.validator,
        });
    }
    let target = check_against_shard(state, &shard.checkpoints, vote, &id)?;
    Ok(ValidatedVote {
        shard: known,
        target,
        id,
        vote: CountedVote {
            validator: vote.validator,
            epoch: vote.epoch,
            generation: vote.generation,
            signature: vote.signature,
        },
    })
}

/// [R-CKPT-8] checks 9 to 11: the vote against the shard's checkpoints.
fn check_against_shard(
    state: &State,
    checkpoints: &ShardCheckpoints,
    vote: &SignedVote,
    id: &Hash32,
) -> Result<VoteTarget, VoteError> {
    let finalized = checkpoints.find_finalized(id);
    // [R-CKPT-8] check 9: a certificate closes with its epoch; under the
    // rules a retained finalized checkpoint of the current epoch still
    // takes late votes ([R-DET-2]).
    if let Some(slot) = finalized {
        let checkpoint_epoch = checkpoints.finalized_at(slot).body.epoch;
        if state
            .rules
            .is_vote_for_finalized_refused(checkpoint_epoch, state.epoch)
        {
            return Err(VoteError::AlreadyFinalized {
                shard: vote.shard,
                id: *id,
            });
        }
    }
    // [R-CKPT-8] check 10: pending on the shard (live or a stale sibling),
    // or finalized in the current epoch by check 9. A pruned checkpoint
    // lands here too ([R-CKPT-9]).
    let target = match (checkpoints.find_pending(&vote.checkpoint, id), finalized) {
        (Some(key), _) => VoteTarget::Pending(key),
        (None, Some(slot)) => VoteTarget::Finalized(slot),
        (None, None) => {
            return Err(VoteError::UnknownCheckpoint {
                shard: vote.shard,
                id: *id,
            })
        }
    };
    // [R-CKPT-8] check 11: this validator's vote is not counted yet, in the
    // votes of a pending checkpoint or the certificate of a finalized one.
    let (_, _, counted) = checkpoints.target(target);
    if state.rules.is_duplicate_vote_refused() && find_vote(counted, vote.validator).is_some() {
        return Err(VoteError::Duplicate {
            validator: vote.validator,
            id: *id,
        });
    }
    Ok(target)
}

/// [R-CKPT-8] Counts a validated vote and emits, in order: `VoteCounted`;
/// `EquivocationRecorded` if it conflicts ([R-CKPT-10]); then
/// `CheckpointFinalized` if the checkpoint is pending, live, and reached its
/// threshold. A late vote joins the certificate and finalizes nothing.
pub(crate) fn apply_vote(state: &mut State, vote: ValidatedVote) -> Vec<EngineEvent> {
    let rules = state.rules;
    // [R-SLASH-5] The quorum of the configured `n`, never of the
    // committee's current size: a vacancy never lowers the bar.
    let threshold = rules.finalization_threshold(usize::from(state.params.committee_size));
    let shard = state.shard_mut(vote.shard);
    let shard_id = shard.id;
    let checkpoints = &mut shard.checkpoints;

    let mut events = vec![EngineEvent::VoteCounted {
        validator: vote.vote.validator,
        id: vote.id,
    }];
    let counted = count(checkpoints, vote.target, vote.vote);
    if record_equivocations(checkpoints, vote.target, shard_id, vote.vote) > 0 {
        events.push(EngineEvent::EquivocationRecorded {
            validator: vote.vote.validator,
            id: vote.id,
        });
    }
    if let VoteTarget::Pending(key) = vote.target {
        // [R-CKPT-8] Only a live checkpoint finalizes: a stale sibling's
        // parent is no longer the latest finalized checkpoint, so it could
        // never be a valid successor ([R-CKPT-4]).
        if counted >= threshold && checkpoints.is_live(checkpoints.pending_at(&key)) {
            finalize(checkpoints, &key, &mut events);
        }
    }
    events
}

/// Adds `vote` to the votes of the pending checkpoint, or to the certificate
/// of the finalized one (a late vote), ascending by validator ([R-DET-0]);
/// returns how many it now holds.
fn count(checkpoints: &mut ShardCheckpoints, target: VoteTarget, vote: CountedVote) -> usize {
    match target {
        VoteTarget::Pending(key) => match checkpoints.pending.get_mut(&key) {
            Some(pending) => insert_vote(&mut pending.votes, vote),
            None => panic!("bug: a validated pending key names no pending checkpoint"),
        },
        VoteTarget::Finalized(slot) => match checkpoints.finalized.get_mut(slot.0) {
            Some(finalized) => insert_vote(&mut finalized.certificate, vote),
            None => panic!("bug: a validated finalized slot is out of bounds"),
        },
    }
}

/// [R-CKPT-10] Records one piece of evidence for each other checkpoint of
/// the shard at the voted checkpoint's epoch and height, pending (live or
/// stale) or retained finalized, that counts a vote of the same validator;
/// returns how many conflicts there are, new or already kept.
///
/// Both votes stay counted: quorum intersection ([R-PARAM-2]), not excluding
/// equivocators, is what keeps finality safe. A pair already recorded is kept
/// once (the map is keyed by the validator and both ids), and its two votes
/// are in id order, so the evidence kept does not depend on which vote came
/// first ([R-DET-2]).
fn record_equivocations(
    checkpoints: &mut ShardCheckpoints,
    target: VoteTarget,
    shard: ShardId,
    vote: CountedVote,
) -> usize {
    let (body, id) = {
        let (body, id, _) = checkpoints.target(target);
        (*body, *id)
    };
    // Every pending checkpoint is of the current epoch, the voted one's, so
    // the pending ones at its height are those to compare. The finalized
    // ones of its epoch are at the back of the finalization order.
    let pending = checkpoints
        .pending
        .range((body.height, [0; 32])..=(body.height, [u8::MAX; 32]))
        .map(|(_, p)| (&p.id, &p.body, p.votes.as_slice()));
    let finalized = checkpoints
        .finalized
        .iter()
        .rev()
        .take_while(|f| f.body.epoch >= body.epoch)
        .map(|f| (&f.id, &f.body, f.certificate.as_slice()));
    let mut found: Vec<(EvidenceKey, EquivocationEvidence)> = Vec::new();
    for (other_id, other_body, other_votes) in pending.chain(finalized) {
        if *other_id == id || other_body.epoch != body.epoch || other_body.height != body.height {
            continue;
        }
        let Some(earlier) = find_vote(other_votes, vote.validator) else {
            continue;
        };
        let this = vote.to_signed_vote(shard, &body);
        let other = earlier.to_signed_vote(shard, other_body);
        let (first, second) = if id < *other_id {
            (this, other)
        } else {
            (other, this)
        };
        found.push((
            (vote.validator, id.min(*other_id), id.max(*other_id)),
            EquivocationEvidence {
                validator: vote.validator,
                first,
                second,
            },
        ));
    }
    let conflicts = found.len();
    for (key, evidence) in found {
        checkpoints.equivocations.entry(key).or_insert(evidence);
    }
    conflicts
}

#[cfg(test)]
mod tests {
    use crate::crypto::{compute_checkpoint_id, vote_signing_bytes};
    use crate::outcome::{EngineEvent, VoteError};
    use crate::testkit::{sign_vote, Harness};
    use crate::wire::{CheckpointBody, Message};
    use crate::EngineRejection;
    use ed25519_dalek::Signature;
    use mend_spec::{Epoch, Generation, Height, Rejection, ShardId, ValidatorId, VoteRejection};

    fn code(r: VoteRejection) -> Rejection {
        Rejection::Vote(r)
    }

    /// A harness with shard 0's honest next checkpoint pending.
    fn with_pending() -> (Harness, CheckpointBody) {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        h.propose(body);
        (h, body)
    }

    #[test]
    fn a_vote_for_an_unknown_shard_is_refused() {
        let (mut h, body) = with_pending();
        let message = Message::Vote(sign_vote(
            ValidatorId(0),
            ShardId(2),
            Epoch(0),
            Generation(0),
            body,
        ));
        h.assert_rejected(&message, code(VoteRejection::UnknownShard));
    }

    #[test]
    fn a_vote_by_an_unregistered_validator_is_refused() {
        let (mut h, body) = with_pending();
        let mut vote = sign_vote(ValidatorId(0), ShardId(0), Epoch(0), Generation(0), body);
        vote.validator = ValidatorId(u16::MAX);
        h.assert_rejected(&Message::Vote(vote), code(VoteRejection::UnknownValidator));
    }

    #[test]
    fn a_vote_whose_checkpoint_is_of_another_shard_is_refused() {
        let (mut h, body) = with_pending();
        // Cast on shard 1's domain for shard 0's checkpoint.
        let message = Message::Vote(sign_vote(
            ValidatorId(4),
            ShardId(1),
            Epoch(0),
            Generation(0),
            body,
        ));
        let rejection = h.assert_rejected(&message, code(VoteRejection::WrongShard));
        assert_eq!(
            rejection,
            EngineRejection::Vote(VoteError::WrongShard {
                shard: ShardId(1),
                checkpoint_shard: ShardId(0)
            })
        );
    }

    #[test]
    fn a_vote_by_a_validator_outside_the_committee_is_refused() {
        let (mut h, body) = with_pending();
        let message = h.vote(ValidatorId(4), body);
        h.assert_rejected(&message, code(VoteRejection::NotMember));
    }

    #[test]
    fn a_vote_signed_in_another_epoch_is_refused() {
        let (mut h, body) = with_pending();
        for epoch in [1, u64::MAX] {
            let message = Message::Vote(sign_vote(
                ValidatorId(0),
                ShardId(0),
                Epoch(epoch),
                Generation(0),
                body,
            ));
            let rejection = h.assert_rejected(&message, code(VoteRejection::WrongEpoch));
            assert_eq!(
                rejection,
                EngineRejection::Vote(VoteError::WrongEpoch {
                    expected: Epoch(0),
                    got: Epoch(epoch)
                })
            );
        }
    }

    #[test]
    fn a_vote_in_another_generation_is_refused() {
        let (mut h, body) = with_pending();
        let message = Message::Vote(sign_vote(
            ValidatorId(0),
            ShardId(0),
            Epoch(0),
            Generation(1),
            body,
        ));
        h.assert_rejected(&message, code(VoteRejection::WrongGeneration));
    }

    #[test]
    fn a_vote_with_a_bad_signature_is_refused() {
        let (mut h, body) = with_pending();
        let mut vote = sign_vote(ValidatorId(0), ShardId(0), Epoch(0), Generation(0), body);
        vote.signature.0[63] ^= 0x01;
        h.assert_rejected(&Message::Vote(vote), code(VoteRejection::BadSignature));
        // Another member's valid signature under this member's name.
        let mut vote = sign_vote(ValidatorId(1), ShardId(0), Epoch(0), Generation(0), body);
        vote.validator = ValidatorId(0);
        h.assert_rejected(&Message::Vote(vote), code(VoteRejection::BadSignature));
        // The proposal signature replayed as a vote.
        let Message::Proposal(proposal) = h.proposal(ValidatorId(0), body) else {
            unreachable!()
        };
        let mut vote = sign_vote(ValidatorId(0), ShardId(0), Epoch(0), Generation(0), body);
        vote.signature = proposal.signature;
        h.assert_rejected(&Message::Vote(vote), code(VoteRejection::BadSignature));
    }

    #[test]
    fn a_vote_for_a_checkpoint_never_proposed_is_refused() {
        let (mut h, body) = with_pending();
        let other = CheckpointBody {
            state_root: [1; 32],
            ..body
        };
        let message = h.vote(ValidatorId(0), other);
        h.assert_rejected(&message, code(VoteRejection::UnknownCheckpoint));
    }

    #[test]
    fn a_second_vote_of_one_validator_for_one_checkpoint_is_refused() {
        let (mut h, body) = with_pending();
        h.cast(ValidatorId(1), body);
        let message = h.vote(ValidatorId(1), body);
        h.assert_rejected(&message, code(VoteRejection::Duplicate));
        assert_eq!(
            h.engine.snapshot().shards[0].pending,
            vec![(body, vec![ValidatorId(1)])]
        );
    }

    #[test]
    fn votes_are_listed_ascending_whatever_their_arrival_order() {
        let (mut h, body) = with_pending();
        h.cast(ValidatorId(2), body);
        h.cast(ValidatorId(0), body);
        assert_eq!(
            h.engine.snapshot().shards[0].pending[0].1,
            vec![ValidatorId(0), ValidatorId(2)]
        );
    }

    #[test]
    fn the_vote_checks_run_in_spec_order() {
        let (mut h, body) = with_pending();
        h.cast(ValidatorId(1), body);
        use VoteRejection as R;
        let attempt = |h: &mut Harness,
                       validator: u16,
                       shard: u16,
                       checkpoint: CheckpointBody,
                       epoch: u64,
                       generation: u64,
                       corrupt: bool,
                       expected: R| {
            let signer = ValidatorId(validator.min(7));
            let mut vote = sign_vote(
                signer,
                ShardId(shard),
                Epoch(epoch),
                Generation(generation),
                checkpoint,
            );
            vote.validator = ValidatorId(validator);
            if corrupt {
                vote.signature.0[1] ^= 1;
            }
            h.assert_rejected(&Message::Vote(vote), code(expected));
        };
        let wrong_shard = CheckpointBody {
            shard: ShardId(1),
            ..body
        };
        attempt(&mut h, 99, 9, wrong_shard, 3, 3, true, R::UnknownShard);
        attempt(&mut h, 99, 0, wrong_shard, 3, 3, true, R::UnknownValidator);
        attempt(&mut h, 4, 0, wrong_shard, 3, 3, true, R::WrongShard);
        attempt(&mut h, 4, 0, body, 3, 3, true, R::NotMember);
        attempt(&mut h, 1, 0, body, 3, 3, true, R::WrongEpoch);
        attempt(&mut h, 1, 0, body, 0, 3, true, R::WrongGeneration);
        attempt(&mut h, 1, 0, body, 0, 0, true, R::BadSignature);
        let unknown = CheckpointBody {
            state_root: [3; 32],
            ..body
        };
        attempt(&mut h, 1, 0, unknown, 0, 0, false, R::UnknownCheckpoint);
        attempt(&mut h, 1, 0, body, 0, 0, false, R::Duplicate);
        // Finalize it: in its epoch check 11 reads the certificate.
        h.cast(ValidatorId(0), body);
        h.cast(ValidatorId(2), body);
        attempt(&mut h, 1, 0, body, 0, 0, false, R::Duplicate);
        // In the next epoch check 9 comes before 10 and 11: v1 is also in
        // the certificate, and the checkpoint pending nowhere.
        h.advance_epoch();
        attempt(&mut h, 1, 0, body, 1, 0, false, R::AlreadyFinalized);
        attempt(&mut h, 1, 0, unknown, 1, 0, false, R::UnknownCheckpoint);
    }

    #[test]
    fn a_vote_for_two_checkpoints_at_one_height_is_kept_as_evidence_with_both_signatures() {
        let (mut h, honest) = with_pending();
        let forged = CheckpointBody {
            state_root: [0xf0; 32],
            ..honest
        };
        h.propose(forged);
        let byzantine = ValidatorId(3);
        h.cast(byzantine, honest);
        let events = h.cast(byzantine, forged);
        let forged_id = compute_checkpoint_id(&forged);
        assert_eq!(
            events,
            vec![
                EngineEvent::VoteCounted {
                    validator: byzantine,
                    id: forged_id
                },
                EngineEvent::EquivocationRecorded {
                    validator: byzantine,
                    id: forged_id
                },
            ]
        );
        // Both votes stay counted.
        let view = h.engine.snapshot();
        for (_, votes) in &view.shards[0].pending {
            assert_eq!(votes, &vec![byzantine]);
        }
        let (lo, hi) = if honest < forged {
            (honest, forged)
        } else {
            (forged, honest)
        };
        assert_eq!(view.shards[0].equivocations, vec![(byzantine, lo, hi)]);

        let evidence = h.engine.equivocation_evidence(ShardId(0));
        assert_eq!(evidence.len(), 1);
        let pair = &evidence[0];
        // In id order, not arrival order ([R-DET-2]).
        let (low, high) = if compute_checkpoint_id(&honest) < forged_id {
            (honest, forged)
        } else {
            (forged, honest)
        };
        assert_eq!(pair.first.checkpoint, low);
        assert_eq!(pair.second.checkpoint, high);
        let key = crate::testkit::test_signing_key(byzantine).verifying_key();
        for vote in [&pair.first, &pair.second] {
            let bytes = vote_signing_bytes(
                vote.shard,
                vote.epoch,
                vote.generation,
                &compute_checkpoint_id(&vote.checkpoint),
            );
            let signature = Signature::from_bytes(&vote.signature.0);
            assert!(key.verify_strict(&bytes, &signature).is_ok());
        }
    }

    #[test]
    fn one_vote_conflicting_with_two_checkpoints_emits_one_event_and_keeps_two_pairs() {
        let params = mend_spec::Params::new(1, 4, 2, 2, 3).unwrap();
        let mut h = Harness::new(params);
        let a = h.next_body(ShardId(0));
        let b = CheckpointBody {
            state_root: [0xb0; 32],
            ..a
        };
        let c = CheckpointBody {
            state_root: [0xc0; 32],
            ..a
        };
        for body in [a, b, c] {
            h.propose(body);
        }
        let byzantine = ValidatorId(3);
        h.cast(byzantine, a);
        h.cast(byzantine, b);
        let events = h.cast(byzantine, c);
        let recorded = events
            .iter()
            .filter(|e| matches!(e, EngineEvent::EquivocationRecorded { .. }))
            .count();
        assert_eq!(recorded, 1, "{events:?}");
        // (a, b), then (a, c) and (b, c).
        assert_eq!(h.engine.snapshot().shards[0].equivocations.len(), 3);
    }

    #[test]
    fn equivocation_evidence_survives_finalization_and_epoch_change() {
        let (mut h, honest) = with_pending();
        let forged = CheckpointBody {
            state_root: [0xf0; 32],
            ..honest
        };
        h.propose(forged);
        h.cast(ValidatorId(3), forged);
        h.cast(ValidatorId(3), honest);
        h.cast(ValidatorId(0), honest);
        h.cast(ValidatorId(1), honest);
        assert_eq!(h.engine.snapshot().shards[0].equivocations.len(), 1);
        h.engine
            .apply(&Message::AdvanceEpoch { epoch: Epoch(1) })
            .unwrap();
        assert_eq!(h.engine.snapshot().shards[0].equivocations.len(), 1);
    }

    #[test]
    fn a_late_vote_conflicting_with_a_pending_checkpoint_is_kept_as_the_same_evidence_in_either_order(
    ) {
        // v3 votes for the forged sibling and, late, for the honest
        // checkpoint after it finalized; or the other way round.
        let run = |late_vote_last: bool| {
            let (mut h, honest) = with_pending();
            let forged = CheckpointBody {
                state_root: [0xf0; 32],
                ..honest
            };
            h.propose(forged);
            let byzantine = ValidatorId(3);
            let mut last = Vec::new();
            if !late_vote_last {
                h.cast(byzantine, honest);
            }
            h.cast(byzantine, forged);
            for v in [0, 1, 2] {
                h.cast(ValidatorId(v), honest);
            }
            if late_vote_last {
                last = h.cast(byzantine, honest);
            }
            (h, honest, last)
        };
        let (late, honest, events) = run(true);
        let id = compute_checkpoint_id(&honest);
        assert_eq!(
            events,
            vec![
                EngineEvent::VoteCounted {
                    validator: ValidatorId(3),
                    id
                },
                EngineEvent::EquivocationRecorded {
                    validator: ValidatorId(3),
                    id
                },
            ]
        );
        let (early, _, _) = run(false);
        assert_eq!(late.engine.snapshot(), early.engine.snapshot());
        assert_eq!(
            late.engine.equivocation_evidence(ShardId(0)),
            early.engine.equivocation_evidence(ShardId(0))
        );
        assert!(late.engine == early.engine);
        let view = late.engine.snapshot();
        assert_eq!(view.shards[0].equivocations.len(), 1);
        assert_eq!(view.shards[0].finalized[0].1.len(), 4);
    }

    #[test]
    fn votes_at_different_heights_are_not_equivocation() {
        let (mut h, first) = with_pending();
        h.cast(ValidatorId(3), first);
        h.cast(ValidatorId(0), first);
        h.cast(ValidatorId(1), first);
        let second = h.next_body(ShardId(0));
        assert_eq!(second.height, Height(4));
        h.propose(second);
        let events = h.cast(ValidatorId(3), second);
        assert_eq!(events.len(), 1, "{events:?}");
        assert!(h.engine.snapshot().shards[0].equivocations.is_empty());
    }
}
