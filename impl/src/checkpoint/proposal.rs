//! Checkpoint proposals: the twelve checks of [R-CKPT-7], in the spec's
//! order, and the pending set they add to.
//!
//! The checks that need no hashing (ids, membership, epoch, generation) run
//! before the signature, as the spec orders them; the checks against the
//! shard's checkpoint state run after it, so an unsigned message cannot probe
//! that state.

use super::{PendingCheckpoint, ShardCheckpoints};
use crate::bugs::HeightVerdict;
use crate::crypto::{compute_checkpoint_id, is_valid_signature, proposal_signing_bytes};
use crate::heal::is_checkpointing_refused;
use crate::outcome::{EngineEvent, ProposalError};
use crate::state::{KnownShard, State};
use crate::wire::{CheckpointBody, Hash32, SignedProposal};

/// A proposal that passed every check of [R-CKPT-7].
#[derive(Debug)]
pub(crate) struct ValidatedProposal {
    shard: KnownShard,
    id: Hash32,
    body: CheckpointBody,
}

/// [R-CKPT-7] Checks a proposal; the first failing check is the rejection.
pub(crate) fn validate_proposal(
    state: &State,
    proposal: &SignedProposal,
) -> Result<ValidatedProposal, ProposalError> {
    let body = &proposal.checkpoint;
    let shard_id = body.shard;
    // [R-CKPT-7] check 1: `checkpoint.shard` is a shard.
    let known = state
        .find_shard(shard_id)
        .ok_or(ProposalError::UnknownShard { shard: shard_id })?;
    let shard = state.shard(known);
    // [R-CKPT-7] check 2: nothing finalizes during a rollback ([R-RB-3]),
    // and a healing shard checkpoints only in `VerifyingState` ([R-HEAL-4]).
    if is_checkpointing_refused(shard) {
        return Err(ProposalError::ShardRecovering {
            shard: shard_id,
            status: shard.status,
        });
    }
    // [R-CKPT-7] check 3: the proposer is registered.
    let key = state
        .key(proposal.proposer)
        .ok_or(ProposalError::UnknownValidator {
            validator: proposal.proposer,
        })?;
    // [R-CKPT-7] check 4: the proposer sits on the shard's committee.
    if !shard.committee.is_member(proposal.proposer) {
        return Err(ProposalError::NotMember {
            validator: proposal.proposer,
            shard: shard_id,
        });
    }
    // [R-CKPT-7] check 5: the checkpoint is of the current epoch.
    if body.epoch != state.epoch {
        return Err(ProposalError::WrongEpoch {
            expected: state.epoch,
            got: body.epoch,
        });
    }
    // [R-CKPT-7] check 6: the proposal is in the shard's rollback generation.
    if proposal.generation != shard.generation {
        return Err(ProposalError::WrongGeneration {
            shard: shard_id,
            expected: shard.generation,
            got: proposal.generation,
        });
    }
    // [R-CKPT-7] check 7: the signature verifies over the proposal domain
    // ([R-CKPT-5]).
    let id = compute_checkpoint_id(body);
    let signed = proposal_signing_bytes(shard_id, body.epoch, proposal.generation, &id);
    if !is_valid_signature(key, &signed, &proposal.signature) {
        return Err(ProposalError::BadSignature {
            validator: proposal.proposer,
        });
    }
    check_against_shard(state, known, &shard.checkpoints, body, &id)?;
    Ok(ValidatedProposal {
        shard: known,
        id,
        body: *body,
    })
}

/// [R-CKPT-7] checks 8 to 12: the proposal against the shard's chain and
/// checkpoint state.
fn check_against_shard(
    state: &State,
    known: KnownShard,
    checkpoints: &ShardCheckpoints,
    body: &CheckpointBody,
    id: &Hash32,
) -> Result<(), ProposalError> {
    let shard = state.shard(known);
    // [R-CKPT-7] check 8: the height is the next checkpoint height
    // ([R-CKPT-1]).
    let interval = state.params.checkpoint_interval_blocks;
    let next = checkpoints.next_checkpoint_height(interval);
    if let HeightVerdict::Refused { expected } =
        state
            .rules
            .check_checkpoint_height(body.height, next, interval)
    {
        return Err(ProposalError::WrongHeight {
            shard: body.shard,
            expected,
            got: body.height,
        });
    }
    // [R-CKPT-7] check 9: the shard's chain has reached that height.
    if body.height > shard.chain.height {
        return Err(ProposalError::BeyondHead {
            shard: body.shard,
            height: body.height,
            head: shard.chain.height,
        });
    }
    // [R-CKPT-7] check 10: the parent is the latest finalized checkpoint
    // ([R-CKPT-4]).
    let expected_parent = checkpoints.latest_finalized_id();
    if body.parent != expected_parent {
        return Err(ProposalError::WrongParent {
            shard: body.shard,
            expected: expected_parent,
            got: body.parent,
        });
    }
    // [R-CKPT-7] check 11: not already pending.
    if checkpoints.find_pending(body, id).is_some() {
        return Err(ProposalError::Duplicate {
            shard: body.shard,
            id: *id,
        });
    }
    // [R-CKPT-7] check 12: room for one more live pending checkpoint.
    // Stale siblings take no slot: they can never finalize, and forged
    // siblings left behind by a finalization would otherwise keep the next
    // height's honest proposal out until the boundary.
    let max = state.params.pending_checkpoints_max;
    if checkpoints.live_pending_count() >= max as usize {
        return Err(ProposalError::TooManyPending {
            shard: body.shard,
            max,
        });
    }
    Ok(())
}

/// [R-CKPT-7] Makes a validated proposal pending with no votes and emits
/// `CheckpointProposed`.
pub(crate) fn apply_proposal(state: &mut State, proposal: ValidatedProposal) -> Vec<EngineEvent> {
    let max = state.params.pending_checkpoints_max as usize;
    let epoch = state.epoch;
    let checkpoints = &mut state.shard_mut(proposal.shard).checkpoints;
    let previous = checkpoints.pending.insert(
        (proposal.body.height, proposal.id),
        PendingCheckpoint {
            id: proposal.id,
            body: proposal.body,
            votes: Vec::new(),
        },
    );
    assert!(previous.is_none(), "check 11 refused a pending checkpoint");
    assert!(
        checkpoints.live_pending_count() <= max,
        "check 12 keeps the live pending checkpoints within P"
    );
    // [R-FAULT-7] Each finalization of the epoch turns at most `P` live
    // checkpoints into stale siblings and opens room for `P` more, so the
    // shard holds at most `P·c` pending ones, `c` being one plus the
    // checkpoints it finalized in the epoch.
    let sets = 1 + checkpoints.finalized_in_epoch(epoch);
    assert!(
        checkpoints.pending.len() <= max.saturating_mul(sets),
        "a shard holds at most P pending checkpoints per finalization of the epoch, plus P"
    );
    vec![EngineEvent::CheckpointProposed {
        id: proposal.id,
        body: proposal.body,
    }]
}

#[cfg(test)]
mod tests {
    use crate::crypto::compute_checkpoint_id;
    use crate::outcome::{EngineEvent, ProposalError};
    use crate::testkit::{sign_proposal, Harness};
    use crate::wire::Message;
    use mend_spec::{
        Epoch, Generation, Height, Params, ProposalRejection, Rejection, ShardId, ValidatorId,
    };

    fn code(r: ProposalRejection) -> Rejection {
        Rejection::Proposal(r)
    }

    #[test]
    fn an_honest_proposal_becomes_pending_with_no_votes() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        assert_eq!(body.height, Height(2));
        assert_eq!(body.parent, None);
        let events = h.propose(body);
        let id = compute_checkpoint_id(&body);
        assert_eq!(events, vec![EngineEvent::CheckpointProposed { id, body }]);
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].pending, vec![(body, vec![])]);
        assert!(view.shards[1].pending.is_empty());
    }

    #[test]
    fn a_proposal_for_an_unknown_shard_is_refused() {
        let mut h = Harness::default_config();
        let mut body = h.next_body(ShardId(0));
        body.shard = ShardId(2);
        let message = h.proposal(ValidatorId(0), body);
        h.assert_rejected(&message, code(ProposalRejection::UnknownShard));
    }

    #[test]
    fn a_proposal_by_an_unregistered_validator_is_refused() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        let message = h.proposal(ValidatorId(8), body);
        h.assert_rejected(&message, code(ProposalRejection::UnknownValidator));
    }

    #[test]
    fn a_proposal_by_another_shards_validator_is_refused() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        let message = h.proposal(ValidatorId(4), body);
        let rejection = h.assert_rejected(&message, code(ProposalRejection::NotMember));
        assert_eq!(
            rejection,
            crate::EngineRejection::Proposal(ProposalError::NotMember {
                validator: ValidatorId(4),
                shard: ShardId(0)
            })
        );
    }

    #[test]
    fn a_proposal_of_another_epoch_is_refused() {
        let mut h = Harness::default_config();
        let mut body = h.next_body(ShardId(0));
        body.epoch = Epoch(1);
        let message = h.proposal(ValidatorId(0), body);
        h.assert_rejected(&message, code(ProposalRejection::WrongEpoch));
    }

    #[test]
    fn a_proposal_in_another_generation_is_refused() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        let message = Message::Proposal(sign_proposal(ValidatorId(0), Generation(1), body));
        h.assert_rejected(&message, code(ProposalRejection::WrongGeneration));
    }

    #[test]
    fn a_proposal_with_a_bad_signature_is_refused() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        let mut proposal = sign_proposal(ValidatorId(0), Generation(0), body);
        proposal.signature.0[0] ^= 0x40;
        h.assert_rejected(
            &Message::Proposal(proposal),
            code(ProposalRejection::BadSignature),
        );
        // Signed by another member's key, claiming to be validator 0.
        let mut proposal = sign_proposal(ValidatorId(1), Generation(0), body);
        proposal.proposer = ValidatorId(0);
        h.assert_rejected(
            &Message::Proposal(proposal),
            code(ProposalRejection::BadSignature),
        );
        // A vote signature is not a proposal signature.
        let Message::Vote(vote) = h.vote(ValidatorId(0), body) else {
            unreachable!()
        };
        let mut proposal = sign_proposal(ValidatorId(0), Generation(0), body);
        proposal.signature = vote.signature;
        h.assert_rejected(
            &Message::Proposal(proposal),
            code(ProposalRejection::BadSignature),
        );
    }

    #[test]
    fn a_proposal_at_other_than_the_next_checkpoint_height_is_refused() {
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 6);
        for height in [0, 1, 3, 4, 6] {
            let mut body = h.next_body(ShardId(0));
            body.height = Height(height);
            body.state_root = h.root_at(ShardId(0), Height(height));
            let message = h.proposal(ValidatorId(0), body);
            h.assert_rejected(&message, code(ProposalRejection::WrongHeight));
        }
    }

    #[test]
    fn after_a_finalization_the_next_checkpoint_height_moves_up_by_n() {
        let mut h = Harness::default_config();
        let first = h.finalize_next(ShardId(0));
        h.produce_blocks(ShardId(0), 4);
        let mut body = h.next_body(ShardId(0));
        assert_eq!(body.height, Height(4));
        body.height = first.height;
        let message = h.proposal(ValidatorId(0), body);
        h.assert_rejected(&message, code(ProposalRejection::WrongHeight));
    }

    #[test]
    fn a_proposal_above_the_head_is_refused() {
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 1);
        let body = crate::wire::CheckpointBody {
            shard: ShardId(0),
            epoch: Epoch(0),
            height: Height(2),
            state_root: [5; 32],
            parent: None,
        };
        let message = h.proposal(ValidatorId(0), body);
        h.assert_rejected(&message, code(ProposalRejection::BeyondHead));
    }

    #[test]
    fn a_proposal_naming_another_parent_is_refused() {
        let mut h = Harness::default_config();
        let mut body = h.next_body(ShardId(0));
        body.parent = Some([1; 32]);
        let message = h.proposal(ValidatorId(0), body);
        h.assert_rejected(&message, code(ProposalRejection::WrongParent));
        // After a finalization, genesis is no longer the parent.
        h.finalize_next(ShardId(0));
        let mut body = h.next_body(ShardId(0));
        body.parent = None;
        let message = h.proposal(ValidatorId(0), body);
        h.assert_rejected(&message, code(ProposalRejection::WrongParent));
    }

    #[test]
    fn a_checkpoint_already_pending_is_refused_even_from_another_proposer() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        h.propose(body);
        let message = h.proposal(ValidatorId(1), body);
        h.assert_rejected(&message, code(ProposalRejection::Duplicate));
    }

    #[test]
    fn a_proposal_beyond_p_pending_checkpoints_is_refused() {
        let mut h = Harness::default_config();
        let honest = h.next_body(ShardId(0));
        h.propose(honest);
        // A Byzantine member proposes a forged root at the same height.
        let forged = crate::wire::CheckpointBody {
            state_root: [0xf0; 32],
            ..honest
        };
        let message = h.proposal(ValidatorId(3), forged);
        assert!(h.engine.apply(&message).is_ok());
        let third = crate::wire::CheckpointBody {
            state_root: [0xf1; 32],
            ..honest
        };
        let message = h.proposal(ValidatorId(3), third);
        let rejection = h.assert_rejected(&message, code(ProposalRejection::TooManyPending));
        assert_eq!(
            rejection,
            crate::EngineRejection::Proposal(ProposalError::TooManyPending {
                shard: ShardId(0),
                max: 2
            })
        );
    }

    #[test]
    fn a_stale_sibling_takes_no_pending_slot() {
        let mut h = Harness::default_config();
        let honest = h.next_body(ShardId(0));
        let forged = crate::wire::CheckpointBody {
            state_root: [0xf0; 32],
            ..honest
        };
        h.propose(honest);
        h.propose(forged);
        for v in [0, 1, 2] {
            h.cast(ValidatorId(v), honest);
        }
        // `forged` is now a stale sibling: P = 2 live ones fit beside it.
        let next = h.next_body(ShardId(0));
        h.propose(next);
        let second = crate::wire::CheckpointBody {
            state_root: [0xf1; 32],
            ..next
        };
        h.propose(second);
        assert_eq!(h.engine.snapshot().shards[0].pending.len(), 3);
        let third = crate::wire::CheckpointBody {
            state_root: [0xf2; 32],
            ..next
        };
        let message = h.proposal(ValidatorId(3), third);
        let rejection = h.assert_rejected(&message, code(ProposalRejection::TooManyPending));
        assert_eq!(
            rejection,
            crate::EngineRejection::Proposal(ProposalError::TooManyPending {
                shard: ShardId(0),
                max: 2
            })
        );
    }

    #[test]
    fn a_forged_root_is_not_a_reason_to_refuse_a_proposal() {
        let mut h = Harness::default_config();
        let mut body = h.next_body(ShardId(0));
        body.state_root = [0xde; 32];
        let message = h.proposal(ValidatorId(3), body);
        assert!(h.engine.apply(&message).is_ok());
    }

    #[test]
    fn the_proposal_checks_run_in_spec_order() {
        let params = Params::default_config();
        let mut h = Harness::new(params);
        h.produce_blocks(ShardId(0), 1);
        // Every field wrong at once; fix them one by one, in check order, and
        // the rejection moves to the next check each time.
        let mut body = crate::wire::CheckpointBody {
            shard: ShardId(7),
            epoch: Epoch(5),
            height: Height(3),
            state_root: [0x55; 32],
            parent: Some([9; 32]),
        };
        let mut proposer = ValidatorId(99);
        let mut generation = Generation(4);
        let mut corrupt = true;
        let attempt = |h: &mut Harness,
                       body: crate::wire::CheckpointBody,
                       proposer: ValidatorId,
                       generation: Generation,
                       corrupt: bool,
                       expected: ProposalRejection| {
            let signer = if proposer.0 < 8 {
                proposer
            } else {
                ValidatorId(0)
            };
            let mut p = sign_proposal(signer, generation, body);
            p.proposer = proposer;
            if corrupt {
                p.signature.0[5] ^= 1;
            }
            h.assert_rejected(&Message::Proposal(p), code(expected));
        };
        use ProposalRejection as R;
        attempt(&mut h, body, proposer, generation, corrupt, R::UnknownShard);
        body.shard = ShardId(0);
        attempt(
            &mut h,
            body,
            proposer,
            generation,
            corrupt,
            R::UnknownValidator,
        );
        proposer = ValidatorId(4);
        attempt(&mut h, body, proposer, generation, corrupt, R::NotMember);
        proposer = ValidatorId(0);
        attempt(&mut h, body, proposer, generation, corrupt, R::WrongEpoch);
        body.epoch = Epoch(0);
        attempt(
            &mut h,
            body,
            proposer,
            generation,
            corrupt,
            R::WrongGeneration,
        );
        generation = Generation(0);
        attempt(&mut h, body, proposer, generation, corrupt, R::BadSignature);
        corrupt = false;
        attempt(&mut h, body, proposer, generation, corrupt, R::WrongHeight);
        body.height = Height(2);
        attempt(&mut h, body, proposer, generation, corrupt, R::BeyondHead);
        h.produce_blocks(ShardId(0), 1);
        attempt(&mut h, body, proposer, generation, corrupt, R::WrongParent);
        body.parent = None;
        h.propose(body);
        let other = crate::wire::CheckpointBody {
            state_root: [0x66; 32],
            ..body
        };
        h.propose(other);
        // Full (P = 2) and a duplicate: check 11 comes before check 12.
        attempt(&mut h, body, proposer, generation, corrupt, R::Duplicate);
        let third = crate::wire::CheckpointBody {
            state_root: [0x77; 32],
            ..body
        };
        attempt(
            &mut h,
            third,
            proposer,
            generation,
            corrupt,
            R::TooManyPending,
        );
    }
}
