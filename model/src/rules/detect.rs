//! Fault detection from verifiable evidence ([R-FAULT-1] .. [R-FAULT-8]).
//!
//! Evidence is self-authenticating: anyone may submit it ([R-ACT-1]). It is
//! checked in the twelve steps of [R-FAULT-3], in the spec's order; if it
//! passes, its fault ([R-FAULT-4]) is recorded as open on the evidence
//! shard and `FaultDetected` is emitted ([R-FAULT-5]). Nothing else changes
//! in that step: the response waits for the epoch boundary
//! ([`super::isolate`]).
//!
//! Abstractly, a signature verifies exactly when it is `Valid`, and "the
//! root of `s` at `h`" is the honest root of that height in the generation
//! of the branch that produced it ([`super::compute_chain_root`]): every
//! accepted block is honest, a rollback keeps the blocks it returns to, and
//! a healing re-produces the ones above them in the new generation.
//!
//! Evidence of a fault whose response is `Isolated` also starts the
//! shard's recovery pipeline at `FaultDetected`, unless one is active
//! ([R-FAULT-5], [R-PIPE-1]).

use super::isolate::{compute_response, compute_severity};
use super::{compute_chain_root, find_shard, is_registered, is_signature_valid};
use mend_spec::protocol::PipelineStage;
use mend_spec::{
    BlockClaim, ClaimContent, Epoch, Event, Evidence, EvidenceRejection, Fault, FaultKind,
    Generation, Height, Params, SeededBug, ShardId, ShardStatus, ShardView, ValidatorId, View,
    Vote,
};

/// [R-FAULT-2] The kind of fault a form of evidence proves, by the table's
/// row.
pub fn compute_fault_kind(evidence: &Evidence) -> FaultKind {
    match evidence {
        Evidence::StateRootMismatch { .. } => FaultKind::StateRootMismatch,
        Evidence::Equivocation { .. } => FaultKind::ValidatorEquivocation,
        Evidence::InvalidReceipt { .. } => FaultKind::InvalidCrossShardReceipt,
        Evidence::ExecutionFailure { .. } => FaultKind::ExecutionFailure,
        Evidence::Liveness { .. } => FaultKind::LivenessFailure,
        Evidence::CheckpointStateMismatch { .. } => FaultKind::CheckpointStateMismatch,
        Evidence::OrderingViolation { .. } => FaultKind::TransactionOrderingViolation,
    }
}

/// [R-FAULT-2] The evidence shard `s`: the vote's shard, the first vote's
/// shard for an equivocation, the receipt's source, the claim's shard, the
/// named shard for liveness, the proposed checkpoint's shard.
pub fn compute_evidence_shard(evidence: &Evidence) -> ShardId {
    match evidence {
        Evidence::StateRootMismatch { vote } => vote.shard,
        Evidence::Equivocation { first, .. } => first.shard,
        Evidence::InvalidReceipt { receipt } => receipt.source,
        Evidence::ExecutionFailure { claim } | Evidence::OrderingViolation { claim } => claim.shard,
        Evidence::Liveness { shard } => *shard,
        Evidence::CheckpointStateMismatch { proposal } => proposal.checkpoint.shard,
    }
}

/// What signed evidence names ([R-FAULT-2]'s second column): the accused
/// validator, the epoch `e`, the generation `g` and the height `h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignedParts {
    pub accused: ValidatorId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub height: Height,
}

fn vote_parts(vote: &Vote) -> SignedParts {
    SignedParts {
        accused: vote.validator,
        epoch: vote.epoch,
        generation: vote.generation,
        height: vote.checkpoint.height,
    }
}

fn claim_parts(claim: &BlockClaim) -> SignedParts {
    SignedParts {
        accused: claim.producer,
        epoch: claim.epoch,
        generation: claim.generation,
        height: claim.height,
    }
}

/// [R-FAULT-2] The accused, `e`, `g` and `h` of signed evidence; `None` for
/// liveness evidence, which names only a shard.
pub fn compute_signed_parts(evidence: &Evidence) -> Option<SignedParts> {
    match evidence {
        Evidence::StateRootMismatch { vote } => Some(vote_parts(vote)),
        Evidence::Equivocation { first, .. } => Some(vote_parts(first)),
        Evidence::InvalidReceipt { receipt } => Some(SignedParts {
            accused: receipt.signer,
            epoch: receipt.epoch,
            generation: receipt.generation,
            height: receipt.height,
        }),
        Evidence::ExecutionFailure { claim } | Evidence::OrderingViolation { claim } => {
            Some(claim_parts(claim))
        }
        Evidence::Liveness { .. } => None,
        Evidence::CheckpointStateMismatch { proposal } => Some(SignedParts {
            accused: proposal.proposer,
            epoch: proposal.checkpoint.epoch,
            generation: proposal.generation,
            height: proposal.checkpoint.height,
        }),
    }
}

/// [R-FAULT-3] check 2: the parts of the evidence agree. The two votes of
/// an equivocation have the same signer, shard, epoch, generation and
/// checkpoint height; every vote's checkpoint is of the vote's shard; a
/// receipt's destination is not its source.
fn is_consistent(evidence: &Evidence) -> bool {
    let is_own_shard = |vote: &Vote| vote.checkpoint.shard == vote.shard;
    match evidence {
        Evidence::StateRootMismatch { vote } => is_own_shard(vote),
        Evidence::Equivocation { first, second } => {
            first.validator == second.validator
                && first.shard == second.shard
                && first.epoch == second.epoch
                && first.generation == second.generation
                && first.checkpoint.height == second.checkpoint.height
                && is_own_shard(first)
                && is_own_shard(second)
        }
        Evidence::InvalidReceipt { receipt } => receipt.destination != receipt.source,
        Evidence::ExecutionFailure { .. }
        | Evidence::Liveness { .. }
        | Evidence::CheckpointStateMismatch { .. }
        | Evidence::OrderingViolation { .. } => true,
    }
}

/// [R-FAULT-3] check 8: whether `h` is a height the evidence may name:
/// `1 <= h <= head`, or `head + 1` for a block claim, the block that would
/// come next.
fn is_height_in_range(evidence: &Evidence, height: Height, head: Height) -> bool {
    let is_claim = matches!(
        evidence,
        Evidence::ExecutionFailure { .. } | Evidence::OrderingViolation { .. }
    );
    height.0 >= 1 && (height <= head || (is_claim && height.0 - 1 == head.0))
}

/// [R-FAULT-3] check 10: every signature verifies under the accused's key.
/// Abstractly only `Valid` does; an equivocation needs both of its votes
/// signed.
fn is_signed(evidence: &Evidence) -> bool {
    match evidence {
        Evidence::StateRootMismatch { vote } => is_signature_valid(vote.signature),
        Evidence::Equivocation { first, second } => {
            is_signature_valid(first.signature) && is_signature_valid(second.signature)
        }
        Evidence::InvalidReceipt { receipt } => is_signature_valid(receipt.signature),
        Evidence::ExecutionFailure { claim } | Evidence::OrderingViolation { claim } => {
            is_signature_valid(claim.signature)
        }
        // Liveness evidence carries no signature and skips this check.
        Evidence::Liveness { .. } => true,
        Evidence::CheckpointStateMismatch { proposal } => is_signature_valid(proposal.signature),
    }
}

/// [R-FAULT-3] check 6, and [R-FAULT-6]: whether evidence from epoch `e`
/// is too old in epoch `current`: `e + A_e` below `current`. (Saturating
/// keeps it a comparison of the true sum with `current`: a sum past
/// `u64::MAX` is above every epoch.)
pub fn is_epoch_stale(params: &Params, epoch: Epoch, current: Epoch) -> bool {
    epoch.0.saturating_add(params.evidence_age_epochs) < current.0
}

/// [R-FAULT-6] Whether an open fault of epoch `e` expires at the boundary
/// to `new_epoch`: the same test as check 6, so that an expired fault could
/// not be proven again.
pub fn is_fault_expired(params: &Params, epoch: Epoch, new_epoch: Epoch) -> bool {
    is_epoch_stale(params, epoch, new_epoch)
}

/// [R-FAULT-2] Whether the fault condition of the evidence's row holds,
/// on the evidence shard `shard` of `view`.
fn is_fault(params: &Params, view: &View, shard: &ShardView, evidence: &Evidence) -> bool {
    match evidence {
        // Kind 1: the vote's root is not the chain's root at `h`: the signer
        // voted for a root no honest execution produced. Judged against the
        // chain, not the finalized checkpoints, so that the evidence is a
        // fault whether or not the quorum's votes arrived first ([R-DET-2]);
        // checks 8 and 9 already bound `h` to the heights whose roots are
        // retained ([R-FAULT-7]).
        Evidence::StateRootMismatch { vote } => {
            vote.checkpoint.root != compute_chain_root(view, shard, vote.checkpoint.height)
        }
        // Kind 2: the two checkpoints differ.
        Evidence::Equivocation { first, second } => first.checkpoint != second.checkpoint,
        // Kind 3: the receipt's root is not the source's root at `h`.
        Evidence::InvalidReceipt { receipt } => {
            receipt.root != compute_chain_root(view, shard, receipt.height)
        }
        // Kind 4: the post root is not what executing the transactions on
        // the parent root gives. Abstractly that is the `WrongRoot`
        // content; an unordered claim carries the root its execution gives.
        Evidence::ExecutionFailure { claim } => claim.content == ClaimContent::WrongRoot,
        // Kind 5: more than `L` whole epochs without a block, on a shard
        // whose status lets it take blocks at all.
        Evidence::Liveness { .. } => {
            matches!(
                shard.status,
                ShardStatus::Normal | ShardStatus::Investigating
            ) && view.epoch.0.saturating_sub(shard.last_block_epoch.0) > params.liveness_epochs
        }
        // Kind 6: the checkpoint's root is not the chain's root at `h`.
        Evidence::CheckpointStateMismatch { proposal } => {
            proposal.checkpoint.root != compute_chain_root(view, shard, proposal.checkpoint.height)
        }
        // Kind 7: the transactions are not in canonical order ([R-BLK-3]).
        Evidence::OrderingViolation { claim } => claim.content == ClaimContent::Unordered,
    }
}

/// [R-FAULT-3] Checks evidence in the spec's order and returns the index of
/// the evidence shard and the fault it proves ([R-FAULT-4]); the first
/// failing check is the rejection. Liveness evidence takes checks 1, 11 and
/// 12 only. Under the seeded bug `AcceptUnsignedEvidence` check 10 is
/// skipped.
pub fn validate_evidence(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    evidence: &Evidence,
) -> Result<(usize, Fault), EvidenceRejection> {
    let kind = compute_fault_kind(evidence);
    // Check 1: the evidence shard is a shard, and so is a receipt's
    // destination.
    let Some(index) = find_shard(params, view, compute_evidence_shard(evidence)) else {
        return Err(EvidenceRejection::UnknownShard);
    };
    if let Evidence::InvalidReceipt { receipt } = evidence {
        if find_shard(params, view, receipt.destination).is_none() {
            return Err(EvidenceRejection::UnknownShard);
        }
    }
    let shard = &view.shards[index];
    let fault = match compute_signed_parts(evidence) {
        // [R-FAULT-2] kind 5: `e` is the current epoch, `g` the shard's
        // generation, `h` its head height; no accused.
        None => Fault {
            kind,
            accused: None,
            generation: shard.generation,
            epoch: view.epoch,
            height: shard.height,
        },
        Some(parts) => {
            // Check 2: the parts agree.
            if !is_consistent(evidence) {
                return Err(EvidenceRejection::Mismatched);
            }
            // Check 3: the accused is registered.
            if !is_registered(params, parts.accused) {
                return Err(EvidenceRejection::UnknownValidator);
            }
            // Check 4: the accused is in the shard's current committee: a
            // validator that slashing disabled or reassignment moved can no
            // longer be accused here ([R-SLASH-3], [R-ASSIGN-2]).
            if !shard.committee.contains(&parts.accused) {
                return Err(EvidenceRejection::NotMember);
            }
            // Check 5: `e` is not after the current epoch.
            if parts.epoch > view.epoch {
                return Err(EvidenceRejection::FutureEpoch);
            }
            // Check 6: `e + A_e` is at least the current epoch.
            if is_epoch_stale(params, parts.epoch, view.epoch) {
                return Err(EvidenceRejection::StaleEpoch);
            }
            // Check 7: `g` is the shard's generation.
            if parts.generation != shard.generation {
                return Err(EvidenceRejection::WrongGeneration);
            }
            // Check 8: `1 <= h <= head`, or `head + 1` for a claim.
            if !is_height_in_range(evidence, parts.height, shard.height) {
                return Err(EvidenceRejection::HeightOutOfRange);
            }
            // Check 9: `h + A_b` exceeds the head height ([R-FAULT-7]).
            if parts.height.0.saturating_add(params.evidence_age_blocks) <= shard.height.0 {
                return Err(EvidenceRejection::StaleHeight);
            }
            // Check 10: every signature verifies; skipped under
            // `AcceptUnsignedEvidence`.
            if bug != Some(SeededBug::AcceptUnsignedEvidence) && !is_signed(evidence) {
                return Err(EvidenceRejection::BadSignature);
            }
            Fault {
                kind,
                accused: Some(parts.accused),
                generation: parts.generation,
                epoch: parts.epoch,
                height: parts.height,
            }
        }
    };
    // Check 11: the fault condition holds.
    if !is_fault(params, view, shard, evidence) {
        return Err(EvidenceRejection::NotAFault);
    }
    // Check 12: the fault is not already recorded on the shard
    // ([R-FAULT-4]: deduplication by fault id, and the fault id is a
    // function of the shard and the fault).
    if shard.faults.contains(&fault) {
        return Err(EvidenceRejection::Duplicate);
    }
    Ok((index, fault))
}

/// [R-FAULT-5] Records the fault of valid evidence as open on its shard
/// (open faults ascending) and emits `FaultDetected`; if the fault's
/// response is `Isolated` and the shard has no active pipeline (none, or
/// one that reintegrated), its pipeline starts at `FaultDetected`
/// ([R-PIPE-1]) with `PipelineAdvanced`. Nothing else changes: a `Failed`
/// pipeline starts no new one ([R-PIPE-3]).
pub(super) fn process_evidence(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    evidence: &Evidence,
) -> Result<(View, Vec<Event>), EvidenceRejection> {
    let (index, fault) = validate_evidence(view, params, bug, evidence)?;
    let mut next = view.clone();
    let target = &mut next.shards[index];
    let position = target.faults.partition_point(|f| *f < fault);
    target.faults.insert(position, fault);
    let mut events = vec![Event::FaultDetected {
        shard: target.shard,
        fault,
    }];
    let is_isolating =
        compute_response(compute_severity(fault.kind)) == Some(ShardStatus::Isolated);
    let is_idle = matches!(target.pipeline, None | Some(PipelineStage::Reintegrated));
    if is_isolating && is_idle {
        target.pipeline = Some(PipelineStage::FaultDetected);
        events.push(Event::PipelineAdvanced {
            shard: target.shard,
            stage: PipelineStage::FaultDetected,
        });
    }
    Ok((next, events))
}
