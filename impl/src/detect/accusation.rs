//! What a piece of evidence accuses, and the checks that need no fault
//! condition: [R-FAULT-3] checks 1 to 10.
//!
//! Each signed form of [R-FAULT-2] names a shard `s`, an accused validator,
//! an epoch `e`, a generation `g` and a height `h`, taken from its message
//! as the table states: a vote's shard, signer, epoch, generation and
//! checkpoint height; a receipt's source, signer, epoch, generation and
//! height; a claim's shard, producer, epoch, generation and height; a
//! proposal's checkpoint shard, proposer, checkpoint epoch, generation and
//! checkpoint height. An equivocation takes them from its first vote, and
//! check 2 makes the second agree. Liveness evidence accuses nobody and is
//! checked in the parent module.
//!
//! The cheap checks (ids, membership, epochs, generation, heights) run before
//! the signatures, as the spec orders them, so unsigned evidence cannot make
//! the engine hash or verify anything before it has been placed.

use super::condition;
use crate::crypto::{
    block_claim_signing_bytes, compute_checkpoint_id, is_valid_signature, proposal_signing_bytes,
    receipt_signing_bytes, vote_signing_bytes,
};
use crate::outcome::{EvidenceError, Mismatch};
use crate::state::{KnownShard, State};
use crate::wire::{Evidence, SignedBlockClaim, SignedProposal, SignedReceipt, SignedVote};
use ed25519_dalek::VerifyingKey;
use mend_spec::{Epoch, Fault, FaultKind, Generation, Height, ShardId, ValidatorId};

/// What a piece of evidence is about.
pub(super) enum Subject<'a> {
    /// [R-FAULT-2] kind 5: a shard id only.
    Liveness { shard: ShardId },
    /// Every other kind: a validator's signed statement.
    Accusation(Accusation<'a>),
}

/// The signed statements of the six accusing kinds, in [R-FAULT-2]'s order.
#[derive(Clone, Copy)]
pub(super) enum Signed<'a> {
    StateRootMismatch(&'a SignedVote),
    Equivocation(&'a SignedVote, &'a SignedVote),
    InvalidReceipt(&'a SignedReceipt),
    ExecutionFailure(&'a SignedBlockClaim),
    CheckpointStateMismatch(&'a SignedProposal),
    OrderingViolation(&'a SignedBlockClaim),
}

/// [R-FAULT-2] A signed accusation: the statement, and the `(s, accused, e,
/// g, h)` it names.
pub(super) struct Accusation<'a> {
    pub(super) signed: Signed<'a>,
    pub(super) kind: FaultKind,
    pub(super) shard: ShardId,
    pub(super) accused: ValidatorId,
    pub(super) epoch: Epoch,
    pub(super) generation: Generation,
    pub(super) height: Height,
}

impl<'a> Subject<'a> {
    /// Reads what `evidence` names, per the table of [R-FAULT-2].
    pub(super) fn of(evidence: &'a Evidence) -> Subject<'a> {
        let from_vote = |signed: Signed<'a>, kind: FaultKind, vote: &SignedVote| Accusation {
            signed,
            kind,
            shard: vote.shard,
            accused: vote.validator,
            epoch: vote.epoch,
            generation: vote.generation,
            height: vote.checkpoint.height,
        };
        let from_claim = |signed: Signed<'a>, kind: FaultKind, claim: &SignedBlockClaim| {
            let c = &claim.claim;
            Accusation {
                signed,
                kind,
                shard: c.shard,
                accused: c.producer,
                epoch: c.epoch,
                generation: c.generation,
                height: c.height,
            }
        };
        let accusation = match evidence {
            Evidence::Liveness { shard } => return Subject::Liveness { shard: *shard },
            Evidence::StateRootMismatch(vote) => from_vote(
                Signed::StateRootMismatch(vote),
                FaultKind::StateRootMismatch,
                vote,
            ),
            Evidence::Equivocation(first, second) => from_vote(
                Signed::Equivocation(first, second),
                FaultKind::ValidatorEquivocation,
                first,
            ),
            Evidence::InvalidReceipt(signed) => {
                let r = &signed.receipt;
                Accusation {
                    signed: Signed::InvalidReceipt(signed),
                    kind: FaultKind::InvalidCrossShardReceipt,
                    shard: r.source,
                    accused: r.signer,
                    epoch: r.epoch,
                    generation: r.generation,
                    height: r.height,
                }
            }
            Evidence::ExecutionFailure(claim) => from_claim(
                Signed::ExecutionFailure(claim),
                FaultKind::ExecutionFailure,
                claim,
            ),
            Evidence::CheckpointStateMismatch(proposal) => {
                let body = &proposal.checkpoint;
                Accusation {
                    signed: Signed::CheckpointStateMismatch(proposal),
                    kind: FaultKind::CheckpointStateMismatch,
                    shard: body.shard,
                    accused: proposal.proposer,
                    epoch: body.epoch,
                    generation: proposal.generation,
                    height: body.height,
                }
            }
            Evidence::OrderingViolation(claim) => from_claim(
                Signed::OrderingViolation(claim),
                FaultKind::TransactionOrderingViolation,
                claim,
            ),
        };
        Subject::Accusation(accusation)
    }
}

impl Accusation<'_> {
    /// The fault this evidence proves, if it is valid ([R-FAULT-4]).
    fn fault(&self) -> Fault {
        Fault {
            kind: self.kind,
            accused: Some(self.accused),
            generation: self.generation,
            epoch: self.epoch,
            height: self.height,
        }
    }

    /// Whether `h` may be the head plus one: a block claim is about the block
    /// that would come next as well as the ones already appended
    /// ([R-FAULT-3] check 8).
    fn is_claim(&self) -> bool {
        matches!(
            self.signed,
            Signed::ExecutionFailure(_) | Signed::OrderingViolation(_)
        )
    }

    /// [R-FAULT-3] checks 1 to 11, in order; the caller runs check 12.
    pub(super) fn validate(&self, state: &State) -> Result<(KnownShard, Fault), EvidenceError> {
        // [R-FAULT-3] check 1: the evidence shard, and a receipt's
        // destination, are shards.
        let known = state
            .find_shard(self.shard)
            .ok_or(EvidenceError::UnknownShard { shard: self.shard })?;
        if let Signed::InvalidReceipt(signed) = self.signed {
            let destination = signed.receipt.destination;
            state
                .find_shard(destination)
                .ok_or(EvidenceError::UnknownShard { shard: destination })?;
        }
        // [R-FAULT-3] check 2: the parts agree.
        self.check_parts_agree()
            .map_err(|mismatch| EvidenceError::Mismatched {
                shard: self.shard,
                mismatch,
            })?;
        // [R-FAULT-3] check 3: the accused is registered.
        let key = state
            .key(self.accused)
            .ok_or(EvidenceError::UnknownValidator {
                validator: self.accused,
            })?;
        let shard = state.shard(known);
        // [R-FAULT-3] check 4: the accused sits on the shard's committee.
        // Committees are fixed at genesis until reassignment ([R-ASSIGN-*]),
        // so the current committee is the committee at that height.
        if !shard.committee.is_member(self.accused) {
            return Err(EvidenceError::NotMember {
                validator: self.accused,
                shard: self.shard,
            });
        }
        // [R-FAULT-3] check 5: not from a future epoch.
        if self.epoch > state.epoch {
            return Err(EvidenceError::FutureEpoch {
                shard: self.shard,
                epoch: self.epoch,
                current: state.epoch,
            });
        }
        // [R-FAULT-3] check 6: `e + A_e` is at least the current epoch
        // (overflow is above every epoch, hence fresh).
        let max_age_epochs = state.params.evidence_age_epochs;
        if self
            .epoch
            .0
            .checked_add(max_age_epochs)
            .is_some_and(|newest| newest < state.epoch.0)
        {
            return Err(EvidenceError::StaleEpoch {
                shard: self.shard,
                epoch: self.epoch,
                current: state.epoch,
                max_age_epochs,
            });
        }
        // [R-FAULT-3] check 7: the shard's rollback generation; evidence
        // from an abandoned branch is stale.
        if self.generation != shard.generation {
            return Err(EvidenceError::WrongGeneration {
                shard: self.shard,
                expected: shard.generation,
                got: self.generation,
            });
        }
        // [R-FAULT-3] check 8: `1 <= h <= head`, or `head + 1` for a claim.
        let head = shard.chain.height;
        let highest = if self.is_claim() {
            // At u64::MAX no block can follow; the head is then the highest.
            head.next().unwrap_or(head)
        } else {
            head
        };
        if self.height.0 == 0 || self.height > highest {
            return Err(EvidenceError::HeightOutOfRange {
                shard: self.shard,
                height: self.height,
                highest,
            });
        }
        // [R-FAULT-3] check 9: `h + A_b > head`; the engine keeps the roots
        // of the last `A_b` heights only ([R-FAULT-7]).
        let max_age_blocks = state.params.evidence_age_blocks;
        if self
            .height
            .0
            .checked_add(max_age_blocks)
            .is_some_and(|newest| newest <= head.0)
        {
            return Err(EvidenceError::StaleHeight {
                shard: self.shard,
                height: self.height,
                head,
                max_age_blocks,
            });
        }
        // [R-FAULT-3] check 10: every signature verifies under the accused's
        // key over its domain.
        if state.rules.is_evidence_signature_checked() && !self.is_signed_by(key) {
            return Err(EvidenceError::BadSignature {
                validator: self.accused,
                kind: self.kind,
            });
        }
        // [R-FAULT-3] check 11: the fault condition of [R-FAULT-2].
        if !condition::holds(shard, self.signed) {
            return Err(EvidenceError::NotAFault {
                shard: self.shard,
                kind: self.kind,
                height: self.height,
            });
        }
        Ok((known, self.fault()))
    }

    /// [R-FAULT-3] check 2: the two votes of an equivocation have the same
    /// signer, shard, epoch, generation and checkpoint height; every vote's
    /// checkpoint is of the vote's shard; a receipt's destination is not its
    /// source.
    fn check_parts_agree(&self) -> Result<(), Mismatch> {
        match self.signed {
            Signed::StateRootMismatch(vote) => check_vote_shard(vote),
            Signed::Equivocation(first, second) => {
                if first.validator != second.validator {
                    return Err(Mismatch::Signers {
                        first: first.validator,
                        second: second.validator,
                    });
                }
                if first.shard != second.shard {
                    return Err(Mismatch::Shards {
                        first: first.shard,
                        second: second.shard,
                    });
                }
                if first.epoch != second.epoch {
                    return Err(Mismatch::Epochs {
                        first: first.epoch,
                        second: second.epoch,
                    });
                }
                if first.generation != second.generation {
                    return Err(Mismatch::Generations {
                        first: first.generation,
                        second: second.generation,
                    });
                }
                if first.checkpoint.height != second.checkpoint.height {
                    return Err(Mismatch::Heights {
                        first: first.checkpoint.height,
                        second: second.checkpoint.height,
                    });
                }
                check_vote_shard(first)?;
                check_vote_shard(second)
            }
            Signed::InvalidReceipt(signed) => {
                let r = &signed.receipt;
                if r.destination == r.source {
                    return Err(Mismatch::ReceiptToItself { shard: r.source });
                }
                Ok(())
            }
            Signed::ExecutionFailure(_)
            | Signed::CheckpointStateMismatch(_)
            | Signed::OrderingViolation(_) => Ok(()),
        }
    }

    /// [R-FAULT-3] check 10: every signature of the statement verifies
    /// strictly under `key` over its own domain ([R-CKPT-5], [R-FAULT-1]).
    fn is_signed_by(&self, key: &VerifyingKey) -> bool {
        match self.signed {
            Signed::StateRootMismatch(vote) => is_vote_signed_by(key, vote),
            Signed::Equivocation(first, second) => {
                is_vote_signed_by(key, first) && is_vote_signed_by(key, second)
            }
            Signed::InvalidReceipt(signed) => is_valid_signature(
                key,
                &receipt_signing_bytes(&signed.receipt),
                &signed.signature,
            ),
            Signed::ExecutionFailure(signed) | Signed::OrderingViolation(signed) => {
                is_valid_signature(
                    key,
                    &block_claim_signing_bytes(&signed.claim),
                    &signed.signature,
                )
            }
            Signed::CheckpointStateMismatch(proposal) => {
                let body = &proposal.checkpoint;
                let bytes = proposal_signing_bytes(
                    body.shard,
                    body.epoch,
                    proposal.generation,
                    &compute_checkpoint_id(body),
                );
                is_valid_signature(key, &bytes, &proposal.signature)
            }
        }
    }
}

/// A vote's checkpoint must be of the shard the vote is cast on.
fn check_vote_shard(vote: &SignedVote) -> Result<(), Mismatch> {
    if vote.checkpoint.shard != vote.shard {
        return Err(Mismatch::CheckpointShard {
            vote_shard: vote.shard,
            checkpoint_shard: vote.checkpoint.shard,
        });
    }
    Ok(())
}

/// [R-CKPT-5] Whether `vote` is signed by `key` over the vote domain.
fn is_vote_signed_by(key: &VerifyingKey, vote: &SignedVote) -> bool {
    let bytes = vote_signing_bytes(
        vote.shard,
        vote.epoch,
        vote.generation,
        &compute_checkpoint_id(&vote.checkpoint),
    );
    is_valid_signature(key, &bytes, &vote.signature)
}
