//! Detection end to end: real signed evidence of each kind accepted with its
//! fault recorded, then the response at the next boundary with its audit
//! record; every rejection of [R-FAULT-3] with the state unchanged.

use crate::audit::AuditEntry;
use crate::crypto::{compute_fault_id, compute_state_root};
use crate::outcome::{EngineEvent, EngineRejection, EvidenceError, Mismatch};
use crate::testkit::{
    forged_root, sign_block_claim, sign_block_claim_as, sign_proposal, sign_receipt,
    sign_receipt_as, sign_vote, Harness,
};
use crate::wire::{Evidence, Message, Receipt, SignedVote, Transaction};
use mend_spec::{
    Epoch, EvidenceRejection, Fault, FaultKind, Generation, Height, Params, Rejection, ShardId,
    ShardStatus, ValidatorId,
};
use std::collections::BTreeSet;

const S0: ShardId = ShardId(0);
/// The Byzantine member of shard 0's committee (validators 0 to 3).
const BYZANTINE: ValidatorId = ValidatorId(3);

fn code(r: EvidenceRejection) -> Rejection {
    Rejection::Evidence(r)
}

fn submit(h: &mut Harness, evidence: &Evidence) -> Result<Vec<EngineEvent>, EngineRejection> {
    h.engine.apply(&Message::Evidence(evidence.clone()))
}

fn reject(h: &mut Harness, evidence: Evidence, expected: EvidenceRejection) -> EvidenceError {
    match h.assert_rejected(&Message::Evidence(evidence), code(expected)) {
        EngineRejection::Evidence(e) => e,
        other => panic!("not an evidence rejection: {other:?}"),
    }
}

/// The fault evidence of `kind` against `accused` proves, per the table of
/// [R-FAULT-2], in generation 0.
fn fault(kind: FaultKind, accused: ValidatorId, epoch: u64, height: u64) -> Fault {
    Fault {
        kind,
        accused: (kind != FaultKind::LivenessFailure).then_some(accused),
        generation: Generation(0),
        epoch: Epoch(epoch),
        height: Height(height),
    }
}

/// Shard 0 with blocks up to height 2, and the checkpoint at 2 finalized.
fn chain_at_two() -> Harness {
    let mut h = Harness::default_config();
    h.finalize_next(S0);
    h
}

/// Submits `evidence` (which proves `expected` on shard 0), checks that
/// exactly the fault is recorded and nothing else moves, then advances one
/// epoch and checks the status change and its audit record, or that there
/// is none for a Low fault.
fn detect_then_respond(
    h: &mut Harness,
    evidence: Evidence,
    expected: Fault,
    response: Option<ShardStatus>,
) {
    let before = h.engine.snapshot();
    let id = compute_fault_id(S0, &expected);
    let mut detected = vec![EngineEvent::FaultDetected {
        shard: S0,
        fault: expected,
        id,
    }];
    // [R-FAULT-5] A fault whose response is Isolated starts the pipeline.
    let isolating = response == Some(ShardStatus::Isolated);
    if isolating {
        detected.push(EngineEvent::PipelineAdvanced {
            shard: S0,
            stage: mend_spec::protocol::PipelineStage::FaultDetected,
        });
    }
    assert_eq!(submit(h, &evidence), Ok(detected));
    let after = h.engine.snapshot();
    assert_eq!(after.shards[0].faults, vec![expected]);
    assert_eq!(h.engine.open_faults(S0), vec![(expected, id)]);
    // Nothing else changed: not the status, not the other shard, not the log.
    let mut unchanged = after.clone();
    unchanged.shards[0].faults.clear();
    unchanged.shards[0].pipeline = None;
    assert_eq!(unchanged, before);

    let head_root = after.shards[0].head_root;
    let epoch = Epoch(h.epoch().0 + 1);
    let events = h.advance_epoch();
    let changes: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, EngineEvent::StatusChanged { .. }))
        .cloned()
        .collect();
    let view = h.engine.snapshot();
    assert_eq!(view.shards[1], before.shards[1], "the other shard moved");
    // [R-SLASH-3] The accused is slashed first, in the shard's turn: one
    // `Slash` record before the status change's.
    let slashed = usize::from(expected.accused.is_some());
    let Some(to) = response else {
        assert!(changes.is_empty(), "{changes:?}");
        assert_eq!(view.shards[0].status, ShardStatus::Normal);
        assert_eq!(view.audit.len(), slashed);
        assert_eq!(view.shards[0].faults, vec![expected], "a Low fault is kept");
        return;
    };
    assert_eq!(
        changes,
        vec![EngineEvent::StatusChanged {
            shard: S0,
            from: ShardStatus::Normal,
            to,
            cause: expected,
            cause_id: id,
        }]
    );
    assert_eq!(view.shards[0].status, to);
    assert_eq!(view.audit.len(), 1 + slashed);
    if slashed == 1 {
        assert!(matches!(
            view.audit[0].record.entry,
            AuditEntry::Slash { fault, .. } if fault == id
        ));
    }
    let logged = &view.audit[slashed];
    assert_eq!(logged.cause, Some(expected));
    assert_eq!(logged.record.index, slashed as u64);
    assert_eq!(logged.record.epoch, epoch);
    assert_eq!(
        logged.record.entry,
        AuditEntry::StatusChange {
            shard: S0,
            from: ShardStatus::Normal,
            to,
            cause: id,
            root_before: head_root,
            root_after: head_root,
        }
    );
    assert_eq!(h.engine.audit_log()[slashed], logged.record);
    assert_eq!(h.engine.verify_audit_chain(), Ok(()));
}

#[test]
fn a_vote_contradicting_a_finalized_root_isolates_its_shard() {
    let mut h = chain_at_two();
    let evidence = h.evidence(FaultKind::StateRootMismatch, S0, BYZANTINE, Height(2));
    let expected = fault(FaultKind::StateRootMismatch, BYZANTINE, 0, 2);
    detect_then_respond(&mut h, evidence, expected, Some(ShardStatus::Isolated));
}

#[test]
fn two_votes_for_different_checkpoints_at_one_height_freeze_the_shard() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let evidence = h.evidence(FaultKind::ValidatorEquivocation, S0, BYZANTINE, Height(2));
    let expected = fault(FaultKind::ValidatorEquivocation, BYZANTINE, 0, 2);
    detect_then_respond(&mut h, evidence, expected, Some(ShardStatus::Frozen));
}

#[test]
fn a_receipt_with_a_false_root_isolates_the_source_shard() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let evidence = h.evidence(
        FaultKind::InvalidCrossShardReceipt,
        S0,
        BYZANTINE,
        Height(1),
    );
    let expected = fault(FaultKind::InvalidCrossShardReceipt, BYZANTINE, 0, 1);
    detect_then_respond(&mut h, evidence, expected, Some(ShardStatus::Isolated));
}

#[test]
fn a_claim_whose_root_is_not_its_execution_freezes_the_shard() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    // About the block that would come next: head + 1.
    let evidence = h.evidence(FaultKind::ExecutionFailure, S0, BYZANTINE, Height(3));
    let expected = fault(FaultKind::ExecutionFailure, BYZANTINE, 0, 3);
    detect_then_respond(&mut h, evidence, expected, Some(ShardStatus::Frozen));
}

#[test]
fn a_shard_without_a_block_for_more_than_l_epochs_is_investigated() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 1);
    h.advance_epoch();
    // L = 1: one whole epoch without a block is not yet a failure.
    reject(
        &mut h,
        Evidence::Liveness { shard: S0 },
        EvidenceRejection::NotAFault,
    );
    h.advance_epoch();
    // Liveness takes checks 1, 11 and 12 only: its height is the head.
    let expected = fault(FaultKind::LivenessFailure, BYZANTINE, 2, 1);
    detect_then_respond(
        &mut h,
        Evidence::Liveness { shard: S0 },
        expected,
        Some(ShardStatus::Investigating),
    );
}

#[test]
fn a_proposal_with_a_root_that_is_not_the_chains_isolates_its_shard() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 3);
    let evidence = h.evidence(FaultKind::CheckpointStateMismatch, S0, BYZANTINE, Height(2));
    let expected = fault(FaultKind::CheckpointStateMismatch, BYZANTINE, 0, 2);
    detect_then_respond(&mut h, evidence, expected, Some(ShardStatus::Isolated));
}

#[test]
fn a_claim_out_of_canonical_order_is_kept_and_changes_no_status() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let evidence = h.evidence(
        FaultKind::TransactionOrderingViolation,
        S0,
        BYZANTINE,
        Height(2),
    );
    let expected = fault(FaultKind::TransactionOrderingViolation, BYZANTINE, 0, 2);
    detect_then_respond(&mut h, evidence, expected, None);
}

#[test]
fn liveness_evidence_is_accepted_at_genesis_height_where_other_evidence_is_out_of_range() {
    let mut h = Harness::default_config();
    h.advance_epoch();
    h.advance_epoch();
    assert!(submit(&mut h, &Evidence::Liveness { shard: S0 }).is_ok());
    // The same shard id again in the same epoch proves the same fault.
    reject(
        &mut h,
        Evidence::Liveness { shard: S0 },
        EvidenceRejection::Duplicate,
    );
    reject(
        &mut h,
        Evidence::Liveness { shard: ShardId(2) },
        EvidenceRejection::UnknownShard,
    );
}

#[test]
fn evidence_naming_an_unknown_shard_or_destination_is_refused() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let Evidence::InvalidReceipt(mut signed) = h.evidence(
        FaultKind::InvalidCrossShardReceipt,
        S0,
        BYZANTINE,
        Height(1),
    ) else {
        unreachable!()
    };
    signed.receipt.destination = ShardId(7);
    let error = reject(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(signed.receipt)),
        EvidenceRejection::UnknownShard,
    );
    assert_eq!(error, EvidenceError::UnknownShard { shard: ShardId(7) });
    let mut claim = h.honest_claim(BYZANTINE, S0, Height(1));
    claim.shard = ShardId(2);
    reject(
        &mut h,
        Evidence::ExecutionFailure(sign_block_claim(claim)),
        EvidenceRejection::UnknownShard,
    );
}

#[test]
fn evidence_whose_parts_disagree_is_mismatched_with_the_parts_named() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let Evidence::Equivocation(first, second) =
        h.evidence(FaultKind::ValidatorEquivocation, S0, BYZANTINE, Height(2))
    else {
        unreachable!()
    };
    let resign = |vote: &SignedVote, change: &dyn Fn(&mut SignedVote)| {
        let mut v = vote.clone();
        change(&mut v);
        sign_vote(v.validator, v.shard, v.epoch, v.generation, v.checkpoint)
    };
    let cases: Vec<(SignedVote, Mismatch)> = vec![
        (
            resign(&second, &|v| v.validator = ValidatorId(2)),
            Mismatch::Signers {
                first: BYZANTINE,
                second: ValidatorId(2),
            },
        ),
        (
            resign(&second, &|v| {
                v.shard = ShardId(1);
                v.checkpoint.shard = ShardId(1);
            }),
            Mismatch::Shards {
                first: S0,
                second: ShardId(1),
            },
        ),
        (
            resign(&second, &|v| v.epoch = Epoch(1)),
            Mismatch::Epochs {
                first: Epoch(0),
                second: Epoch(1),
            },
        ),
        (
            resign(&second, &|v| v.generation = Generation(1)),
            Mismatch::Generations {
                first: Generation(0),
                second: Generation(1),
            },
        ),
        (
            resign(&second, &|v| v.checkpoint.height = Height(4)),
            Mismatch::Heights {
                first: Height(2),
                second: Height(4),
            },
        ),
        (
            resign(&second, &|v| v.checkpoint.shard = ShardId(1)),
            Mismatch::CheckpointShard {
                vote_shard: S0,
                checkpoint_shard: ShardId(1),
            },
        ),
    ];
    for (other, mismatch) in cases {
        let error = reject(
            &mut h,
            Evidence::Equivocation(first.clone(), other),
            EvidenceRejection::Mismatched,
        );
        assert_eq!(
            error,
            EvidenceError::Mismatched {
                shard: S0,
                mismatch
            }
        );
    }
    // A single vote cast on one shard for another shard's checkpoint.
    let cross = resign(&first, &|v| v.checkpoint.shard = ShardId(1));
    reject(
        &mut h,
        Evidence::StateRootMismatch(cross),
        EvidenceRejection::Mismatched,
    );
    // A receipt from a shard to itself.
    let Evidence::InvalidReceipt(signed) = h.evidence(
        FaultKind::InvalidCrossShardReceipt,
        S0,
        BYZANTINE,
        Height(1),
    ) else {
        unreachable!()
    };
    let to_itself = Receipt {
        destination: S0,
        ..signed.receipt
    };
    let error = reject(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(to_itself)),
        EvidenceRejection::Mismatched,
    );
    assert_eq!(
        error,
        EvidenceError::Mismatched {
            shard: S0,
            mismatch: Mismatch::ReceiptToItself { shard: S0 }
        }
    );
}

#[test]
fn evidence_against_an_unregistered_validator_or_a_non_member_is_refused() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let mut claim = h.honest_claim(ValidatorId(8), S0, Height(1));
    claim.post_root = forged_root(0);
    reject(
        &mut h,
        Evidence::ExecutionFailure(sign_block_claim_as(BYZANTINE, claim)),
        EvidenceRejection::UnknownValidator,
    );
    // Validator 4 sits on shard 1's committee, validly signing about shard 0.
    let evidence = h.evidence(
        FaultKind::CheckpointStateMismatch,
        S0,
        ValidatorId(4),
        Height(2),
    );
    let error = reject(&mut h, evidence, EvidenceRejection::NotMember);
    assert_eq!(
        error,
        EvidenceError::NotMember {
            validator: ValidatorId(4),
            shard: S0
        }
    );
}

#[test]
fn evidence_from_a_future_epoch_is_refused() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let mut claim = h.honest_claim(BYZANTINE, S0, Height(2));
    claim.epoch = Epoch(1);
    claim.post_root = forged_root(0);
    let error = reject(
        &mut h,
        Evidence::ExecutionFailure(sign_block_claim(claim.clone())),
        EvidenceRejection::FutureEpoch,
    );
    assert_eq!(
        error,
        EvidenceError::FutureEpoch {
            shard: S0,
            epoch: Epoch(1),
            current: Epoch(0)
        }
    );
    // One epoch later the same claim is valid.
    h.advance_epoch();
    assert!(submit(&mut h, &Evidence::ExecutionFailure(sign_block_claim(claim))).is_ok());
}

#[test]
fn evidence_older_than_a_e_epochs_is_stale_and_at_a_e_it_is_not() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let evidence = h.evidence(FaultKind::ValidatorEquivocation, S0, BYZANTINE, Height(2));
    // A_e = 2: from epoch 0, valid through epoch 2.
    h.advance_epoch();
    h.advance_epoch();
    let mut at_limit = h.engine.clone();
    assert!(at_limit.apply(&Message::Evidence(evidence.clone())).is_ok());
    h.advance_epoch();
    let error = reject(&mut h, evidence, EvidenceRejection::StaleEpoch);
    assert_eq!(
        error,
        EvidenceError::StaleEpoch {
            shard: S0,
            epoch: Epoch(0),
            current: Epoch(3),
            max_age_epochs: 2
        }
    );
}

#[test]
fn evidence_from_another_generation_is_refused() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let mut claim = h.honest_claim(BYZANTINE, S0, Height(2));
    claim.generation = Generation(1);
    claim.post_root = forged_root(0);
    reject(
        &mut h,
        Evidence::OrderingViolation(sign_block_claim(claim)),
        EvidenceRejection::WrongGeneration,
    );
    let body = crate::wire::CheckpointBody {
        shard: S0,
        epoch: Epoch(0),
        height: Height(2),
        state_root: forged_root(0),
        parent: None,
    };
    reject(
        &mut h,
        Evidence::CheckpointStateMismatch(sign_proposal(BYZANTINE, Generation(1), body)),
        EvidenceRejection::WrongGeneration,
    );
}

#[test]
fn evidence_outside_heights_one_to_the_head_is_out_of_range_except_a_claim_of_the_next_block() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    for kind in [
        FaultKind::ValidatorEquivocation,
        FaultKind::InvalidCrossShardReceipt,
        FaultKind::CheckpointStateMismatch,
    ] {
        for height in [0, 3, u64::MAX] {
            let evidence = h.evidence(kind, S0, BYZANTINE, Height(height));
            let error = reject(&mut h, evidence, EvidenceRejection::HeightOutOfRange);
            assert_eq!(
                error,
                EvidenceError::HeightOutOfRange {
                    shard: S0,
                    height: Height(height),
                    highest: Height(2)
                }
            );
        }
    }
    // A claim may be about head + 1, not head + 2.
    let mut claim = h.honest_claim(BYZANTINE, S0, Height(3));
    claim.height = Height(4);
    claim.post_root = forged_root(0);
    let error = reject(
        &mut h,
        Evidence::ExecutionFailure(sign_block_claim(claim.clone())),
        EvidenceRejection::HeightOutOfRange,
    );
    assert_eq!(
        error,
        EvidenceError::HeightOutOfRange {
            shard: S0,
            height: Height(4),
            highest: Height(3)
        }
    );
    claim.height = Height(0);
    reject(
        &mut h,
        Evidence::ExecutionFailure(sign_block_claim(claim)),
        EvidenceRejection::HeightOutOfRange,
    );
}

#[test]
fn evidence_a_b_or_more_blocks_below_the_head_is_stale() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 6);
    // A_b = 4, head 6: heights 3 to 6 are kept, 2 is not.
    let stale = h.evidence(FaultKind::CheckpointStateMismatch, S0, BYZANTINE, Height(2));
    let error = reject(&mut h, stale, EvidenceRejection::StaleHeight);
    assert_eq!(
        error,
        EvidenceError::StaleHeight {
            shard: S0,
            height: Height(2),
            head: Height(6),
            max_age_blocks: 4
        }
    );
    for height in 3..=6 {
        let mut fresh = h.engine.clone();
        let evidence = h.evidence(
            FaultKind::InvalidCrossShardReceipt,
            S0,
            BYZANTINE,
            Height(height),
        );
        assert!(
            fresh.apply(&Message::Evidence(evidence)).is_ok(),
            "h{height}"
        );
    }
}

/// One accepted piece of evidence of every signed kind against shard 0's
/// Byzantine member, each in a state where it is valid.
fn signed_evidence_of_every_kind() -> Vec<(Harness, Evidence)> {
    let kinds = [
        FaultKind::StateRootMismatch,
        FaultKind::ValidatorEquivocation,
        FaultKind::InvalidCrossShardReceipt,
        FaultKind::ExecutionFailure,
        FaultKind::CheckpointStateMismatch,
        FaultKind::TransactionOrderingViolation,
    ];
    kinds
        .into_iter()
        .map(|kind| {
            let h = chain_at_two();
            let evidence = h.evidence(kind, S0, BYZANTINE, Height(2));
            let mut check = h.engine.clone();
            assert!(
                check.apply(&Message::Evidence(evidence.clone())).is_ok(),
                "{kind:?}"
            );
            (h, evidence)
        })
        .collect()
}

/// The same evidence with its (or one of its) signatures changed by `change`.
fn with_signature(evidence: &Evidence, change: impl Fn(&mut [u8; 64])) -> Vec<Evidence> {
    let mut out = Vec::new();
    match evidence.clone() {
        Evidence::StateRootMismatch(mut v) => {
            change(&mut v.signature.0);
            out.push(Evidence::StateRootMismatch(v));
        }
        Evidence::Equivocation(a, b) => {
            let (mut a2, mut b2) = (a.clone(), b.clone());
            change(&mut a2.signature.0);
            change(&mut b2.signature.0);
            out.push(Evidence::Equivocation(a2, b.clone()));
            out.push(Evidence::Equivocation(a, b2));
        }
        Evidence::InvalidReceipt(mut r) => {
            change(&mut r.signature.0);
            out.push(Evidence::InvalidReceipt(r));
        }
        Evidence::ExecutionFailure(mut c) => {
            change(&mut c.signature.0);
            out.push(Evidence::ExecutionFailure(c));
        }
        Evidence::Liveness { .. } => {}
        Evidence::CheckpointStateMismatch(mut p) => {
            change(&mut p.signature.0);
            out.push(Evidence::CheckpointStateMismatch(p));
        }
        Evidence::OrderingViolation(mut c) => {
            change(&mut c.signature.0);
            out.push(Evidence::OrderingViolation(c));
        }
    }
    out
}

#[test]
fn evidence_with_a_corrupted_signature_of_any_kind_is_refused() {
    for (mut h, evidence) in signed_evidence_of_every_kind() {
        for byte in [0usize, 31, 63] {
            for corrupt in with_signature(&evidence, |s| s[byte] ^= 0x04) {
                let error = reject(&mut h, corrupt, EvidenceRejection::BadSignature);
                assert!(matches!(
                    error,
                    EvidenceError::BadSignature {
                        validator: BYZANTINE,
                        ..
                    }
                ));
            }
        }
        // A signature of all ones has a non-canonical scalar.
        for corrupt in with_signature(&evidence, |s| *s = [0xff; 64]) {
            reject(&mut h, corrupt, EvidenceRejection::BadSignature);
        }
    }
}

#[test]
fn evidence_forged_with_another_validators_key_is_refused() {
    // An honest member's name on statements signed by the Byzantine one's
    // key: a Byzantine validator cannot frame an honest one.
    let honest = ValidatorId(1);
    let mut h = chain_at_two();
    let finalized = h.engine.snapshot().shards[0].finalized[0].0;
    let forged_vote = |root: u8| {
        let mut v = sign_vote(
            BYZANTINE,
            S0,
            Epoch(0),
            Generation(0),
            crate::wire::CheckpointBody {
                state_root: forged_root(root),
                ..finalized
            },
        );
        v.validator = honest;
        v
    };
    let mut claim = h.honest_claim(honest, S0, Height(2));
    claim.post_root = forged_root(0);
    let mut proposal = sign_proposal(
        BYZANTINE,
        Generation(0),
        crate::wire::CheckpointBody {
            height: Height(2),
            state_root: forged_root(6),
            ..finalized
        },
    );
    proposal.proposer = honest;
    let receipt = Receipt {
        signer: honest,
        source: S0,
        destination: ShardId(1),
        epoch: Epoch(0),
        generation: Generation(0),
        height: Height(2),
        root: forged_root(3),
    };
    let mut unordered = h.honest_claim(honest, S0, Height(2));
    unordered.transactions = vec![
        Transaction { key: 5, value: 0 },
        Transaction { key: 4, value: 0 },
    ];
    unordered.post_root = compute_state_root(&unordered.parent_root, &unordered.transactions);
    let forgeries = [
        Evidence::StateRootMismatch(forged_vote(1)),
        Evidence::Equivocation(forged_vote(1), forged_vote(2)),
        Evidence::InvalidReceipt(sign_receipt_as(BYZANTINE, receipt)),
        Evidence::ExecutionFailure(sign_block_claim_as(BYZANTINE, claim)),
        Evidence::CheckpointStateMismatch(proposal),
        Evidence::OrderingViolation(sign_block_claim_as(BYZANTINE, unordered)),
    ];
    for forgery in forgeries {
        let error = reject(&mut h, forgery, EvidenceRejection::BadSignature);
        assert!(matches!(
            error,
            EvidenceError::BadSignature {
                validator: ValidatorId(1),
                ..
            }
        ));
    }
    assert!(h.engine.snapshot().shards[0].faults.is_empty());
}

#[test]
fn a_proposal_signature_does_not_pass_as_a_vote_or_a_claim_signature() {
    let mut h = chain_at_two();
    let Evidence::StateRootMismatch(mut vote) =
        h.evidence(FaultKind::StateRootMismatch, S0, BYZANTINE, Height(2))
    else {
        unreachable!()
    };
    vote.signature = sign_proposal(BYZANTINE, Generation(0), vote.checkpoint).signature;
    reject(
        &mut h,
        Evidence::StateRootMismatch(vote),
        EvidenceRejection::BadSignature,
    );
    // A claim's signature replayed on a receipt-shaped statement, and back.
    let Evidence::ExecutionFailure(claim) =
        h.evidence(FaultKind::ExecutionFailure, S0, BYZANTINE, Height(2))
    else {
        unreachable!()
    };
    let Evidence::InvalidReceipt(mut receipt) = h.evidence(
        FaultKind::InvalidCrossShardReceipt,
        S0,
        BYZANTINE,
        Height(2),
    ) else {
        unreachable!()
    };
    receipt.signature = claim.signature;
    reject(
        &mut h,
        Evidence::InvalidReceipt(receipt),
        EvidenceRejection::BadSignature,
    );
}

#[test]
fn honest_statements_are_not_faults() {
    let mut h = chain_at_two();
    let honest = ValidatorId(1);
    let finalized = h.engine.snapshot().shards[0].finalized[0].0;
    let honest_vote = sign_vote(honest, S0, Epoch(0), Generation(0), finalized);
    let cases = [
        (
            Evidence::StateRootMismatch(honest_vote.clone()),
            FaultKind::StateRootMismatch,
        ),
        (
            Evidence::Equivocation(honest_vote.clone(), honest_vote),
            FaultKind::ValidatorEquivocation,
        ),
        (
            Evidence::InvalidReceipt(sign_receipt(Receipt {
                signer: honest,
                source: S0,
                destination: ShardId(1),
                epoch: Epoch(0),
                generation: Generation(0),
                height: Height(1),
                root: h.root_at(S0, Height(1)),
            })),
            FaultKind::InvalidCrossShardReceipt,
        ),
        (
            Evidence::ExecutionFailure(sign_block_claim(h.honest_claim(honest, S0, Height(3)))),
            FaultKind::ExecutionFailure,
        ),
        (
            Evidence::CheckpointStateMismatch(sign_proposal(honest, Generation(0), finalized)),
            FaultKind::CheckpointStateMismatch,
        ),
        (
            Evidence::OrderingViolation(sign_block_claim(h.honest_claim(honest, S0, Height(2)))),
            FaultKind::TransactionOrderingViolation,
        ),
        (Evidence::Liveness { shard: S0 }, FaultKind::LivenessFailure),
    ];
    for (evidence, kind) in cases {
        let error = reject(&mut h, evidence, EvidenceRejection::NotAFault);
        assert!(
            matches!(error, EvidenceError::NotAFault { kind: k, .. } if k == kind),
            "{error:?}"
        );
    }
}

#[test]
fn a_vote_for_a_forged_root_is_a_fault_before_the_quorums_votes_arrive() {
    // [R-FAULT-2] kind 1 is judged against the chain: nothing needs to be
    // finalized at the height.
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 2);
    let evidence = h.evidence(FaultKind::StateRootMismatch, S0, BYZANTINE, Height(2));
    let expected = fault(FaultKind::StateRootMismatch, BYZANTINE, 0, 2);
    detect_then_respond(&mut h, evidence, expected, Some(ShardStatus::Isolated));
}

#[test]
fn a_state_root_mismatch_is_the_same_fault_whether_the_quorum_finalized_before_or_after_it() {
    // [R-DET-2] rule 4: the same evidence, before and after the honest
    // checkpoint at its height finalized, proves the same fault.
    let mut early = Harness::default_config();
    early.produce_blocks(S0, 2);
    let evidence = early.evidence(FaultKind::StateRootMismatch, S0, BYZANTINE, Height(2));
    assert!(submit(&mut early, &evidence).is_ok());
    early.finalize_next(S0);
    let mut late = chain_at_two();
    assert!(submit(&mut late, &evidence).is_ok());
    let expected = fault(FaultKind::StateRootMismatch, BYZANTINE, 0, 2);
    assert_eq!(
        early.engine.open_faults(S0),
        vec![(expected, compute_fault_id(S0, &expected))]
    );
    assert_eq!(early.engine.snapshot(), late.engine.snapshot());
}

#[test]
fn a_vote_for_the_chains_root_is_not_a_fault_even_where_a_forged_root_finalized() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 3);
    let honest = h.next_body(S0);
    let forged = crate::wire::CheckpointBody {
        state_root: forged_root(1),
        ..honest
    };
    // More than f members sign the forged root (beyond the fault model, so
    // that it finalizes): the chain, not the finalized checkpoint, decides.
    h.propose(forged);
    for v in [0, 1, 3] {
        h.cast(ValidatorId(v), forged);
    }
    assert_eq!(h.engine.snapshot().shards[0].finalized[0].0, forged);
    let honest_vote = sign_vote(ValidatorId(2), S0, Epoch(0), Generation(0), honest);
    reject(
        &mut h,
        Evidence::StateRootMismatch(honest_vote),
        EvidenceRejection::NotAFault,
    );
    let forged_vote = sign_vote(BYZANTINE, S0, Epoch(0), Generation(0), forged);
    assert!(submit(&mut h, &Evidence::StateRootMismatch(forged_vote)).is_ok());
}

#[test]
fn the_same_fault_proven_by_a_different_message_is_a_duplicate() {
    let params = Params::new(3, 4, 2, 2, 2).unwrap();
    let mut h = Harness::new(params);
    h.finalize_next(S0);
    let Evidence::Equivocation(a, b) =
        h.evidence(FaultKind::ValidatorEquivocation, S0, BYZANTINE, Height(2))
    else {
        unreachable!()
    };
    assert!(submit(&mut h, &Evidence::Equivocation(a.clone(), b.clone())).is_ok());
    let expected = fault(FaultKind::ValidatorEquivocation, BYZANTINE, 0, 2);
    // The pair the other way round, and a third checkpoint at that height.
    let mut c = b.clone();
    c.checkpoint.state_root = forged_root(9);
    let c = sign_vote(c.validator, c.shard, c.epoch, c.generation, c.checkpoint);
    for evidence in [
        Evidence::Equivocation(b.clone(), a.clone()),
        Evidence::Equivocation(a.clone(), c),
    ] {
        let error = reject(&mut h, evidence, EvidenceRejection::Duplicate);
        assert_eq!(
            error,
            EvidenceError::Duplicate {
                shard: S0,
                fault: expected,
                id: compute_fault_id(S0, &expected)
            }
        );
    }
    // A receipt with another false root, or to another destination.
    let Evidence::InvalidReceipt(first) = h.evidence(
        FaultKind::InvalidCrossShardReceipt,
        S0,
        BYZANTINE,
        Height(2),
    ) else {
        unreachable!()
    };
    assert!(submit(&mut h, &Evidence::InvalidReceipt(first)).is_ok());
    for receipt in [
        Receipt {
            root: forged_root(77),
            ..first.receipt
        },
        Receipt {
            destination: ShardId(2),
            ..first.receipt
        },
    ] {
        reject(
            &mut h,
            Evidence::InvalidReceipt(sign_receipt(receipt)),
            EvidenceRejection::Duplicate,
        );
    }
    // The same vote contradicts the quorum and is half of no equivocation:
    // one kind does not make another kind's fault a duplicate.
    let evidence = h.evidence(FaultKind::StateRootMismatch, S0, BYZANTINE, Height(2));
    assert!(submit(&mut h, &evidence).is_ok());
    assert_eq!(h.engine.snapshot().shards[0].faults.len(), 3);
}

#[test]
fn the_checks_run_in_spec_order() {
    let mut h = chain_at_two();
    let Evidence::Equivocation(a, b) =
        h.evidence(FaultKind::ValidatorEquivocation, S0, BYZANTINE, Height(2))
    else {
        unreachable!()
    };
    // Start from evidence failing checks 1 and up; repair one at a time.
    let mut first = a.clone();
    first.shard = ShardId(9);
    let mut second = b.clone();
    second.validator = ValidatorId(99);
    second.signature.0[0] ^= 1;
    let step = |h: &mut Harness, f: &SignedVote, s: &SignedVote, expected| {
        reject(h, Evidence::Equivocation(f.clone(), s.clone()), expected);
    };
    step(&mut h, &first, &second, EvidenceRejection::UnknownShard);
    first.shard = S0;
    step(&mut h, &first, &second, EvidenceRejection::Mismatched);
    first.validator = ValidatorId(99);
    step(&mut h, &first, &second, EvidenceRejection::UnknownValidator);
    first.validator = ValidatorId(5);
    second.validator = ValidatorId(5);
    step(&mut h, &first, &second, EvidenceRejection::NotMember);
    first.validator = BYZANTINE;
    second.validator = BYZANTINE;
    first.epoch = Epoch(5);
    second.epoch = Epoch(5);
    step(&mut h, &first, &second, EvidenceRejection::FutureEpoch);
    first.epoch = Epoch(0);
    second.epoch = Epoch(0);
    first.generation = Generation(2);
    second.generation = Generation(2);
    step(&mut h, &first, &second, EvidenceRejection::WrongGeneration);
    first.generation = Generation(0);
    second.generation = Generation(0);
    first.checkpoint.height = Height(7);
    second.checkpoint.height = Height(7);
    step(&mut h, &first, &second, EvidenceRejection::HeightOutOfRange);
    first.checkpoint.height = Height(2);
    second.checkpoint.height = Height(2);
    step(&mut h, &first, &second, EvidenceRejection::BadSignature);
    step(&mut h, &a, &a, EvidenceRejection::NotAFault);
    assert!(submit(&mut h, &Evidence::Equivocation(a.clone(), b.clone())).is_ok());
    step(&mut h, &a, &b, EvidenceRejection::Duplicate);
}

#[test]
fn every_evidence_rejection_code_is_reachable_and_leaves_the_state_unchanged() {
    let mut reached = BTreeSet::new();
    let mut h = chain_at_two();
    h.produce_blocks(S0, 4);
    let mut expect = |h: &mut Harness, evidence: Evidence, code: EvidenceRejection| {
        reached.insert(reject(h, evidence, code).code());
    };
    let fresh = |h: &Harness, kind, height| h.evidence(kind, S0, BYZANTINE, Height(height));
    let receipt = |h: &Harness| match fresh(h, FaultKind::InvalidCrossShardReceipt, 5) {
        Evidence::InvalidReceipt(r) => r.receipt,
        _ => unreachable!(),
    };
    expect(
        &mut h,
        Evidence::Liveness { shard: ShardId(2) },
        EvidenceRejection::UnknownShard,
    );
    let r = Receipt {
        destination: S0,
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::Mismatched,
    );
    let r = Receipt {
        signer: ValidatorId(8),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt_as(BYZANTINE, r)),
        EvidenceRejection::UnknownValidator,
    );
    let r = Receipt {
        signer: ValidatorId(7),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::NotMember,
    );
    let r = Receipt {
        epoch: Epoch(1),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::FutureEpoch,
    );
    let r = Receipt {
        generation: Generation(1),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::WrongGeneration,
    );
    let r = Receipt {
        height: Height(7),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::HeightOutOfRange,
    );
    let r = Receipt {
        height: Height(2),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::StaleHeight,
    );
    let forged = sign_receipt_as(ValidatorId(2), receipt(&h));
    expect(
        &mut h,
        Evidence::InvalidReceipt(forged),
        EvidenceRejection::BadSignature,
    );
    let r = Receipt {
        root: h.root_at(S0, Height(5)),
        ..receipt(&h)
    };
    expect(
        &mut h,
        Evidence::InvalidReceipt(sign_receipt(r)),
        EvidenceRejection::NotAFault,
    );
    let evidence = fresh(&h, FaultKind::InvalidCrossShardReceipt, 5);
    let unsubmitted = h.engine.clone();
    assert!(submit(&mut h, &evidence).is_ok());
    expect(&mut h, evidence.clone(), EvidenceRejection::Duplicate);
    // Once open, the fault would slash its signer at the boundary and the
    // evidence be refused as NotMember: age it on a replica that never
    // accepted it.
    h.engine = unsubmitted;
    for _ in 0..3 {
        h.advance_epoch();
    }
    expect(&mut h, evidence, EvidenceRejection::StaleEpoch);
    assert_eq!(reached.len(), 12, "{reached:?}");
}

#[test]
fn evidence_about_one_shard_changes_no_other_shard() {
    let params = Params::new(4, 4, 2, 2, 2).unwrap();
    let mut h = Harness::new(params);
    let s2 = ShardId(2);
    for s in params.shard_ids() {
        h.produce_blocks(s, 2);
    }
    let before = h.engine.snapshot();
    let evidence = h.evidence(
        FaultKind::CheckpointStateMismatch,
        s2,
        ValidatorId(11),
        Height(2),
    );
    assert!(submit(&mut h, &evidence).is_ok());
    h.advance_epoch();
    let after = h.engine.snapshot();
    for s in [0usize, 1, 3] {
        assert_eq!(after.shards[s], before.shards[s], "shard {s} moved");
    }
    assert_eq!(after.shards[2].status, ShardStatus::Isolated);
}

#[test]
fn replicas_fed_the_same_evidence_in_any_order_within_an_epoch_are_equal_at_the_boundary() {
    let build = || {
        let mut h = chain_at_two();
        h.produce_blocks(ShardId(1), 2);
        h
    };
    let template = build();
    let evidence = [
        template.evidence(FaultKind::StateRootMismatch, S0, BYZANTINE, Height(2)),
        template.evidence(
            FaultKind::CheckpointStateMismatch,
            S0,
            ValidatorId(2),
            Height(2),
        ),
        template.evidence(FaultKind::ExecutionFailure, S0, BYZANTINE, Height(3)),
        template.evidence(
            FaultKind::TransactionOrderingViolation,
            ShardId(1),
            ValidatorId(7),
            Height(1),
        ),
        template.evidence(
            FaultKind::ValidatorEquivocation,
            ShardId(1),
            ValidatorId(7),
            Height(2),
        ),
    ];
    let mut replicas = Vec::new();
    for order in [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 4, 0, 3, 1]] {
        let mut h = build();
        for i in order {
            assert!(submit(&mut h, &evidence[i]).is_ok());
        }
        h.advance_epoch();
        replicas.push(h.engine.clone());
    }
    assert!(replicas.windows(2).all(|w| w[0] == w[1]));
    let view = replicas[0].snapshot();
    // Shard 0 has two Critical faults; the smaller one (kind 1) is the cause.
    // Each shard's turn slashes first: v3 on shard 0 (v2's slash is deferred,
    // the committee having f vacancies), v7 on shard 1.
    let kinds: Vec<_> = view
        .audit
        .iter()
        .map(|r| {
            (
                matches!(r.record.entry, AuditEntry::Slash { .. }),
                r.cause.unwrap().kind,
            )
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            (true, FaultKind::StateRootMismatch),
            (false, FaultKind::StateRootMismatch),
            (true, FaultKind::ValidatorEquivocation),
            (false, FaultKind::ValidatorEquivocation),
        ]
    );
    assert_eq!(
        view.shards[0].committee,
        vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)]
    );
}

#[test]
fn verify_audit_chain_finds_the_index_of_a_tampered_record_in_a_real_log() {
    let params = Params::new(3, 4, 2, 2, 2).unwrap();
    let mut h = Harness::new(params);
    for (s, accused) in [(0u16, 3u16), (1, 7), (2, 11)] {
        h.produce_blocks(ShardId(s), 2);
        let evidence = h.evidence(
            FaultKind::ExecutionFailure,
            ShardId(s),
            ValidatorId(accused),
            Height(2),
        );
        assert!(submit(&mut h, &evidence).is_ok());
    }
    h.advance_epoch();
    let log = h.engine.audit_log().to_vec();
    // Per shard: the accused's slash, then the status change.
    assert_eq!(log.len(), 6);
    assert_eq!(crate::audit::verify_audit_chain(&log), Ok(()));
    for at in [1, 3, 5] {
        let mut tampered = log.clone();
        let AuditEntry::StatusChange { root_after, .. } = &mut tampered[at].entry else {
            panic!("only status changes here");
        };
        root_after[0] ^= 1;
        assert_eq!(
            crate::audit::verify_audit_chain(&tampered).map_err(|e| e.index),
            Err(at as u64)
        );
    }
}
