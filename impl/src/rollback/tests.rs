//! The rollback state machine through the whole engine, with real signed
//! evidence, xtx votes and checkpoints ([R-RB-1] .. [R-RB-6], [R-EPOCH-2],
//! [R-CKPT-7] and [R-CKPT-8] check 2).

use crate::audit::AuditEntry;
use crate::crypto::{compute_checkpoint_id, compute_fault_id};
use crate::outcome::{EngineEvent, EngineRejection, RollbackError};
use crate::testkit::{sign_proposal, sign_vote, Harness};
use crate::wire::{CheckpointBody, Message};
use mend_spec::protocol::PipelineStage;
use mend_spec::{
    Epoch, Fault, FaultKind, Generation, Height, Lock, Params, PrepareRejection, ProposalRejection,
    Rejection, RollbackFailure, RollbackPhase, RollbackRejection, ShardId, ShardStatus,
    ValidatorId, VoteRejection, XtxDecision, XtxId, XtxState, XtxVoteRejection,
};

const S0: ShardId = ShardId(0);
const S1: ShardId = ShardId(1);
const S2: ShardId = ShardId(2);

/// The fault `drive_to_recovering` opens on `shard` at `height` in epoch 0
/// and generation 0.
fn critical(h: &Harness, shard: ShardId, height: u64) -> Fault {
    Fault {
        kind: FaultKind::CheckpointStateMismatch,
        accused: mend_spec::compute_genesis_committee(&h.params, shard)
            .last()
            .copied(),
        generation: Generation(0),
        epoch: Epoch(0),
        height: Height(height),
    }
}

/// Two shards: shard 0 finalized at height 2 with its head at 3, x1 from
/// shard 0 to shard 1 on key 5 and x2 from shard 1 to shard 0 on key 6 in
/// flight, then driven to `Recovering` (fault at height 3, epoch 0).
fn recovering_with_xtxs() -> Harness {
    let mut h = Harness::default_config();
    h.finalize_next(S0);
    h.produce_blocks(S0, 1);
    h.prepare(1, S0, S1, 5);
    h.prepare(2, S1, S0, 6);
    h.drive_to_recovering(S0);
    h
}

fn tick(shard: ShardId) -> Message {
    Message::AdvanceRollback { shard }
}

fn phase(h: &Harness, shard: ShardId) -> Option<RollbackPhase> {
    h.engine.snapshot().shards[usize::from(shard.0)]
        .rollback
        .as_ref()
        .map(|r| r.phase)
}

#[test]
fn an_isolated_shard_starts_its_rollback_at_the_next_boundary_with_one_record() {
    let mut h = Harness::default_config();
    let target = h.finalize_next(S0);
    h.produce_blocks(S0, 1);
    h.open_critical_fault(S0, Height(3));
    h.advance_epoch();
    assert_eq!(h.status(S0), ShardStatus::Isolated);
    let (_, _, root) = h.engine.head(S0).unwrap();
    let fault = critical(&h, S0, 3);
    let cause_id = compute_fault_id(S0, &fault);
    let events = h.advance_epoch();
    assert_eq!(
        events,
        vec![
            EngineEvent::EpochAdvanced { epoch: Epoch(2) },
            EngineEvent::StatusChanged {
                shard: S0,
                from: ShardStatus::Isolated,
                to: ShardStatus::Recovering,
                cause: fault,
                cause_id,
            },
            EngineEvent::PipelineAdvanced {
                shard: S0,
                stage: PipelineStage::RollingBack,
            },
        ]
    );
    let view = h.engine.snapshot();
    let rollback = view.shards[0].rollback.clone().unwrap();
    assert_eq!(rollback.phase, RollbackPhase::Initiated);
    assert_eq!(rollback.cause, fault);
    assert_eq!(rollback.target, Some(target));
    assert_eq!(rollback.from_height, Height(3));
    assert_eq!(rollback.from_root, root);
    assert!(rollback.aborted.is_empty());
    assert_eq!(view.shards[1].rollback, None);
    // The accused's slash, `Normal -> Isolated`, `Isolated -> Recovering`.
    assert_eq!(view.audit.len(), 3);
    assert_eq!(
        view.audit[2].record.entry,
        AuditEntry::StatusChange {
            shard: S0,
            from: ShardStatus::Isolated,
            to: ShardStatus::Recovering,
            cause: cause_id,
            root_before: root,
            root_after: root,
        }
    );
    assert_eq!(view.audit[2].record.epoch, Epoch(2));
    assert_eq!(view.audit[2].target, None);
}

#[test]
fn at_the_boundary_pending_expiry_comes_before_the_rollback_start_and_fault_expiry_after_it() {
    // A_e = 1: the fault of epoch 0 expires at the boundary into epoch 2,
    // the one that starts the rollback.
    let params = Params::default_config().with_detection(1, 1, 4).unwrap();
    let mut h = Harness::new(params);
    h.produce_blocks(S0, 2);
    h.open_critical_fault(S0, Height(2));
    h.advance_epoch();
    // An isolated shard may still propose a checkpoint of its chain.
    let body = h.next_body(S0);
    h.propose(body);
    let events = h.advance_epoch();
    let kinds: Vec<_> = events
        .iter()
        .map(|e| match e {
            EngineEvent::EpochAdvanced { .. } => "epoch",
            EngineEvent::PendingExpired {
                shard: S0,
                count: 1,
            } => "pending",
            EngineEvent::StatusChanged {
                to: ShardStatus::Recovering,
                ..
            } => "rollback",
            EngineEvent::FaultsExpired {
                shard: S0,
                count: 1,
            } => "faults",
            EngineEvent::PipelineAdvanced {
                stage: PipelineStage::RollingBack,
                ..
            } => "pipeline",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        vec!["epoch", "pending", "rollback", "pipeline", "faults"]
    );
    // The rollback keeps its cause although the fault has expired.
    let view = h.engine.snapshot();
    assert!(view.shards[0].faults.is_empty());
    assert_eq!(
        view.shards[0].rollback.as_ref().map(|r| r.cause),
        Some(critical(&h, S0, 2))
    );
}

#[test]
fn the_rollback_runs_its_five_phases_one_tick_each_and_ends_healing() {
    let mut h = recovering_with_xtxs();
    let fault = critical(&h, S0, 3);
    let cause_id = compute_fault_id(S0, &fault);
    let root_at_two = h.root_at(S0, Height(2));
    let advanced = |phase| EngineEvent::RollbackAdvanced { shard: S0, phase };
    let released = |shard, key, xtx| EngineEvent::LockReleased {
        shard,
        key,
        xtx: XtxId(xtx),
    };

    assert_eq!(
        h.advance_rollback(S0),
        vec![
            advanced(RollbackPhase::AbortingTransactions),
            EngineEvent::XtxAborted { id: XtxId(1) },
            EngineEvent::XtxAborted { id: XtxId(2) },
        ]
    );
    assert_eq!(
        h.advance_rollback(S0),
        vec![
            advanced(RollbackPhase::ReleasingLocks),
            released(S0, 5, 1),
            released(S0, 6, 2),
            released(S1, 5, 1),
            released(S1, 6, 2),
        ]
    );
    assert_eq!(
        h.advance_rollback(S0),
        vec![
            advanced(RollbackPhase::RestoringState),
            EngineEvent::StateRestored {
                shard: S0,
                height: Height(2),
                root: root_at_two,
                generation: Generation(1),
            },
        ]
    );
    assert_eq!(
        h.advance_rollback(S0),
        vec![advanced(RollbackPhase::VerifyingState)]
    );
    assert_eq!(
        h.advance_rollback(S0),
        vec![
            advanced(RollbackPhase::Completed),
            EngineEvent::StatusChanged {
                shard: S0,
                from: ShardStatus::Recovering,
                to: ShardStatus::Healing,
                cause: fault,
                cause_id,
            },
            EngineEvent::PipelineAdvanced {
                shard: S0,
                stage: PipelineStage::ValidatorAdjustment,
            },
        ]
    );
    // The completed rollback stays in the view until its healing starts.
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].status, ShardStatus::Healing);
    let rollback = view.shards[0].rollback.clone().unwrap();
    assert_eq!(rollback.phase, RollbackPhase::Completed);
    assert_eq!(rollback.aborted, vec![XtxId(1), XtxId(2)]);
    // A sixth tick has nothing to move.
    let r = h.assert_rejected(
        &tick(S0),
        Rejection::Rollback(RollbackRejection::NotRecovering),
    );
    assert_eq!(
        r,
        EngineRejection::Rollback(RollbackError::NotRecovering {
            shard: S0,
            status: ShardStatus::Healing
        })
    );
}

#[test]
fn rollback_aborts_every_cross_shard_tx_of_the_shard_on_both_sides() {
    let mut h = Harness::new(Params::new(3, 4, 2, 2, 2).unwrap());
    h.finalize_next(S0);
    h.finalize_next(S1);
    // x1 commits before the fault: it is mature and stays committed.
    h.prepare(1, S0, S1, 1);
    h.cast_xtx_vote(XtxId(1), S0, XtxDecision::Commit);
    h.cast_xtx_vote(XtxId(1), S1, XtxDecision::Commit);
    // x2's destination already voted commit (both sides are mature at
    // height 2): the rollback aborts it anyway.
    h.prepare(2, S0, S1, 2);
    h.cast_xtx_vote(XtxId(2), S1, XtxDecision::Commit);
    h.produce_blocks(S0, 1);
    h.prepare(4, S2, S0, 4);
    h.prepare(3, S1, S2, 3);
    h.drive_to_recovering(S0);
    // While recovering, shard 0 takes part in nothing.
    h.assert_rejected(
        &h.xtx_vote(
            ValidatorId(8),
            XtxId(4),
            S2,
            Generation(0),
            XtxDecision::Abort,
        ),
        Rejection::XtxVote(XtxVoteRejection::ShardUnavailable),
    );
    h.assert_rejected(
        &Message::PrepareXtx(crate::wire::XtxPrepare {
            id: XtxId(5),
            source: S1,
            destination: S0,
            key: 9,
        }),
        Rejection::Prepare(PrepareRejection::ShardUnavailable),
    );

    let events = h.advance_rollback(S0);
    assert_eq!(
        events[1..],
        [
            EngineEvent::XtxAborted { id: XtxId(2) },
            EngineEvent::XtxAborted { id: XtxId(4) },
        ]
    );
    let view = h.engine.snapshot();
    let state = |id: u32| {
        let x = view.transactions[id as usize - 1];
        assert_eq!(x.id, XtxId(id));
        (x.source_side.state, x.destination_side.state)
    };
    assert_eq!(state(1), (XtxState::Committed, XtxState::Committed));
    assert_eq!(state(2), (XtxState::Aborted, XtxState::Aborted));
    assert_eq!(state(3), (XtxState::Prepared, XtxState::Prepared));
    assert_eq!(state(4), (XtxState::Aborted, XtxState::Aborted));
    assert_eq!(
        view.shards[0].rollback.as_ref().map(|r| r.aborted.clone()),
        Some(vec![XtxId(2), XtxId(4)])
    );
    // Their locks are still held until the next phase.
    assert_eq!(view.shards[0].locks.len(), 2);
    h.advance_rollback(S0);
    let view = h.engine.snapshot();
    assert!(view.shards[0].locks.is_empty());
    assert_eq!(
        view.shards[1].locks,
        vec![Lock {
            key: 3,
            xtx: XtxId(3)
        }]
    );
    assert_eq!(
        view.shards[2].locks,
        vec![Lock {
            key: 3,
            xtx: XtxId(3)
        }]
    );
    // The xtx between the healthy shards finishes normally.
    h.cast_xtx_vote(XtxId(3), S2, XtxDecision::Abort);
}

#[test]
fn rollback_releases_the_aborted_locks_in_ascending_shard_and_key_order() {
    let mut h = Harness::new(Params::new(3, 4, 2, 2, 2).unwrap());
    h.finalize_next(S1);
    // Prepared in an order unlike the release order.
    h.prepare(10, S2, S1, 30);
    h.prepare(11, S1, S2, 7);
    h.prepare(12, S0, S2, 9);
    h.prepare(13, S1, S0, 2);
    h.prepare(14, S1, S2, 1);
    h.drive_to_recovering(S1);
    h.advance_rollback(S1);
    let events = h.advance_rollback(S1);
    let released: Vec<(u16, u32, u32)> = events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::LockReleased { shard, key, xtx } => Some((shard.0, *key, xtx.0)),
            _ => None,
        })
        .collect();
    assert_eq!(
        released,
        vec![
            (0, 2, 13),
            (1, 1, 14),
            (1, 2, 13),
            (1, 7, 11),
            (1, 30, 10),
            (2, 1, 14),
            (2, 7, 11),
            (2, 30, 10),
        ]
    );
    // x12 does not involve shard 1 and keeps its locks.
    let view = h.engine.snapshot();
    assert_eq!(
        view.shards[0].locks,
        vec![Lock {
            key: 9,
            xtx: XtxId(12)
        }]
    );
    assert_eq!(view.shards[2].locks, view.shards[0].locks);
}

#[test]
fn restoring_returns_the_head_to_the_shards_own_block_at_the_target_and_raises_the_generation() {
    let mut h = recovering_with_xtxs();
    let stored = h.engine.state_mut().shards[0]
        .chain
        .history
        .at(Height(2))
        .copied()
        .unwrap();
    let (height_before, _, root_before) = h.engine.head(S0).unwrap();
    let other_before = h.engine.snapshot().shards[1].clone();
    for _ in 0..2 {
        h.advance_rollback(S0);
    }
    let transactions_before = h.engine.snapshot().transactions;
    h.advance_rollback(S0);
    assert_eq!(
        h.engine.head(S0),
        Some((Height(2), stored.block_id, stored.root))
    );
    assert_eq!(stored.root, h.root_at(S0, Height(2)));
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].generation, Generation(1));
    assert_eq!(view.shards[0].height, Height(2));
    // No other shard and no xtx changed in the step (shard 1's locks went
    // in step 2).
    let mut other_expected = other_before;
    other_expected.locks.clear();
    assert_eq!(view.shards[1], other_expected);
    assert_eq!(view.transactions, transactions_before);
    // One record of the restoration.
    let last = view.audit.last().unwrap();
    let target = view.shards[0]
        .rollback
        .as_ref()
        .and_then(|r| r.target)
        .unwrap();
    assert_eq!(
        last.record.entry,
        AuditEntry::Rollback {
            shard: S0,
            cause: compute_fault_id(S0, &critical(&h, S0, 3)),
            target: compute_checkpoint_id(&target),
            height_before,
            root_before,
            root_after: stored.root,
            generation: Generation(1),
        }
    );
    assert_eq!(last.target, Some(target));
    assert_eq!(last.cause, Some(critical(&h, S0, 3)));
}

#[test]
fn restoring_discards_the_history_above_the_target_and_keeps_evidence_checkable_below_it() {
    // Finalized at 2 and 4, head at 7; the target is 4 (3 blocks undone).
    let mut h = Harness::default_config();
    h.finalize_next(S0);
    h.finalize_next(S0);
    h.produce_blocks(S0, 3);
    h.drive_to_recovering(S0);
    for _ in 0..3 {
        h.advance_rollback(S0);
    }
    let chain = h.engine.state_mut().shards[0].chain.clone();
    assert_eq!(chain.height, Height(4));
    for height in 1..=4 {
        assert_eq!(
            chain.root_at(Height(height)).copied(),
            Some(h.root_at(S0, Height(height))),
            "h{height}"
        );
    }
    for height in 5..=7 {
        assert_eq!(chain.root_at(Height(height)), None, "h{height}");
    }
    // Evidence in the new generation about a height A_b - 1 below the
    // restored head is checked against the restored chain.
    h.open_critical_fault(S0, Height(1));
    let faults = h.engine.snapshot().shards[0].faults.clone();
    assert!(faults
        .iter()
        .any(|f| f.height == Height(1) && f.generation == Generation(1)));
    // Evidence above the restored head is out of range.
    // v3, the accused of the isolating fault, was slashed out: use v2.
    let accused = h.committee(S0)[2];
    let forged = CheckpointBody {
        shard: S0,
        epoch: h.epoch(),
        height: Height(5),
        state_root: [0xf0; 32],
        parent: None,
    };
    h.assert_rejected(
        &Message::Evidence(crate::wire::Evidence::CheckpointStateMismatch(
            sign_proposal(accused, Generation(1), forged),
        )),
        Rejection::Evidence(mend_spec::EvidenceRejection::HeightOutOfRange),
    );
}

#[test]
fn a_shard_without_a_finalized_checkpoint_fails_its_rollback_and_is_frozen() {
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 1);
    h.prepare(3, S1, S0, 4);
    h.drive_to_recovering(S0);
    let fault = critical(&h, S0, 1);
    let events = h.advance_rollback(S0);
    assert_eq!(
        events,
        vec![
            EngineEvent::XtxAborted { id: XtxId(3) },
            EngineEvent::LockReleased {
                shard: S0,
                key: 4,
                xtx: XtxId(3)
            },
            EngineEvent::LockReleased {
                shard: S1,
                key: 4,
                xtx: XtxId(3)
            },
            EngineEvent::RollbackFailed {
                shard: S0,
                reason: RollbackFailure::NoCheckpoint
            },
            EngineEvent::StatusChanged {
                shard: S0,
                from: ShardStatus::Recovering,
                to: ShardStatus::Frozen,
                cause: fault,
                cause_id: compute_fault_id(S0, &fault),
            },
            EngineEvent::PipelineAdvanced {
                shard: S0,
                stage: PipelineStage::Failed,
            },
        ]
    );
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].status, ShardStatus::Frozen);
    let failed = view.shards[0]
        .rollback
        .as_ref()
        .expect("a failed rollback stays");
    assert_eq!(failed.failure, Some(RollbackFailure::NoCheckpoint));
    assert_eq!(failed.phase, RollbackPhase::Initiated);
    assert_eq!(failed.aborted, vec![XtxId(3)]);
    assert_eq!(view.shards[0].generation, Generation(0));
    assert_eq!(view.shards[0].height, Height(1));
    let x = view.transactions[0];
    assert_eq!(x.source_side.state, XtxState::Aborted);
    assert_eq!(x.destination_side.state, XtxState::Aborted);
    assert!(view.shards.iter().all(|s| s.locks.is_empty()));
    assert!(matches!(
        view.audit.last().map(|r| r.record.entry.clone()),
        Some(AuditEntry::StatusChange {
            from: ShardStatus::Recovering,
            to: ShardStatus::Frozen,
            ..
        })
    ));
    assert_eq!(h.engine.verify_audit_chain(), Ok(()));
    h.assert_rejected(
        &tick(S0),
        Rejection::Rollback(RollbackRejection::NotRecovering),
    );
}

/// The reason of the failure in `events`, if any.
fn failure(events: &[EngineEvent]) -> Option<RollbackFailure> {
    events.iter().find_map(|e| match e {
        EngineEvent::RollbackFailed { reason, .. } => Some(*reason),
        _ => None,
    })
}

#[test]
fn a_target_more_than_w_blocks_below_fails_with_target_beyond_window() {
    // Finalized at 2, head at 7: 5 blocks with W = 4.
    let mut h = Harness::default_config();
    h.finalize_next(S0);
    h.produce_blocks(S0, 5);
    h.drive_to_recovering(S0);
    let events = h.advance_rollback(S0);
    assert_eq!(failure(&events), Some(RollbackFailure::TargetBeyondWindow));
    assert_eq!(h.status(S0), ShardStatus::Frozen);
    assert_eq!(h.engine.head(S0).map(|head| head.0), Some(Height(7)));

    // Exactly W blocks is within the window.
    let mut h = Harness::default_config();
    h.finalize_next(S0);
    h.produce_blocks(S0, 4);
    h.drive_to_recovering(S0);
    let events = h.advance_rollback(S0);
    assert_eq!(failure(&events), None);
    assert_eq!(phase(&h, S0), Some(RollbackPhase::AbortingTransactions));
}

#[test]
fn a_fault_older_than_the_window_fails_with_fault_beyond_window() {
    // A_b = 8 so that evidence at height 1 is still accepted with the head
    // at 6; the target (4) is within W = 4 blocks, the fault (1) is not.
    let params = Params::default_config().with_detection(1, 2, 8).unwrap();
    let mut h = Harness::new(params);
    h.finalize_next(S0);
    h.finalize_next(S0);
    h.produce_blocks(S0, 2);
    h.open_critical_fault(S0, Height(1));
    h.advance_epoch();
    h.advance_epoch();
    assert_eq!(h.status(S0), ShardStatus::Recovering);
    let events = h.advance_rollback(S0);
    assert_eq!(failure(&events), Some(RollbackFailure::FaultBeyondWindow));
    assert_eq!(h.status(S0), ShardStatus::Frozen);

    // A fault exactly W blocks below the head is within.
    let mut h = Harness::new(params);
    h.finalize_next(S0);
    h.finalize_next(S0);
    h.produce_blocks(S0, 2);
    h.open_critical_fault(S0, Height(2));
    h.advance_epoch();
    h.advance_epoch();
    assert_eq!(failure(&h.advance_rollback(S0)), None);
}

#[test]
fn a_restored_root_other_than_the_targets_fails_verification_with_root_mismatch() {
    // More than f members sign a forged root at height 2: the bound of
    // [R-FAULT-MODEL-3] is broken, and step 4 is what notices.
    let mut h = Harness::default_config();
    h.produce_blocks(S0, 3);
    let forged = CheckpointBody {
        shard: S0,
        epoch: Epoch(0),
        height: Height(2),
        state_root: [0xf5; 32],
        parent: None,
    };
    h.propose(forged);
    for v in 0..3 {
        h.cast(ValidatorId(v), forged);
    }
    h.drive_to_recovering(S0);
    for _ in 0..3 {
        h.advance_rollback(S0);
    }
    assert_eq!(
        h.engine.head(S0).map(|head| head.2),
        Some(h.root_at(S0, Height(2)))
    );
    let fault = critical(&h, S0, 3);
    let events = h.advance_rollback(S0);
    assert_eq!(
        events,
        vec![
            EngineEvent::RollbackFailed {
                shard: S0,
                reason: RollbackFailure::RootMismatch
            },
            EngineEvent::StatusChanged {
                shard: S0,
                from: ShardStatus::Recovering,
                to: ShardStatus::Frozen,
                cause: fault,
                cause_id: compute_fault_id(S0, &fault),
            },
            EngineEvent::PipelineAdvanced {
                shard: S0,
                stage: PipelineStage::Failed,
            },
        ]
    );
    let view = h.engine.snapshot();
    let failed = view.shards[0]
        .rollback
        .as_ref()
        .expect("a failed rollback stays");
    assert_eq!(failed.failure, Some(RollbackFailure::RootMismatch));
    // The restoration itself happened and is on record.
    assert_eq!(view.shards[0].generation, Generation(1));
    assert!(view
        .audit
        .iter()
        .any(|r| matches!(r.record.entry, AuditEntry::Rollback { .. })));
    assert_eq!(h.engine.verify_audit_chain(), Ok(()));
}

#[test]
fn a_rollback_tick_for_an_unknown_or_non_recovering_shard_is_refused_and_changes_nothing() {
    let mut h = Harness::default_config();
    let r = h.assert_rejected(
        &tick(ShardId(2)),
        Rejection::Rollback(RollbackRejection::UnknownShard),
    );
    assert_eq!(
        r,
        EngineRejection::Rollback(RollbackError::UnknownShard { shard: ShardId(2) })
    );
    let not_recovering = Rejection::Rollback(RollbackRejection::NotRecovering);
    h.assert_rejected(&tick(S0), not_recovering);
    h.produce_blocks(S0, 1);
    h.open_critical_fault(S0, Height(1));
    h.advance_epoch();
    assert_eq!(h.status(S0), ShardStatus::Isolated);
    let r = h.assert_rejected(&tick(S0), not_recovering);
    assert_eq!(
        r,
        EngineRejection::Rollback(RollbackError::NotRecovering {
            shard: S0,
            status: ShardStatus::Isolated
        })
    );
    // The other shard is not the one recovering.
    h.advance_epoch();
    h.assert_rejected(&tick(S1), not_recovering);
}

#[test]
fn the_audit_chain_verifies_after_a_rollback_with_one_record_per_change() {
    let mut h = recovering_with_xtxs();
    for _ in 0..5 {
        h.advance_rollback(S0);
    }
    assert_eq!(h.engine.verify_audit_chain(), Ok(()));
    let view = h.engine.snapshot();
    let described: Vec<String> = view
        .audit
        .iter()
        .map(|r| match &r.record.entry {
            AuditEntry::StatusChange { from, to, .. } => format!("{from:?}->{to:?}"),
            AuditEntry::Rollback { generation, .. } => format!("rollback {generation}"),
            AuditEntry::Slash { validator, .. } => format!("slash {validator}"),
            AuditEntry::Reassignment { .. } => "reassignment".to_string(),
        })
        .collect();
    // The accused is slashed in the shard's turn before its status change
    // ([R-EPOCH-2]).
    assert_eq!(
        described,
        vec![
            "slash v3",
            "Normal->Isolated",
            "Isolated->Recovering",
            "rollback g1",
            "Recovering->Healing"
        ]
    );
    for r in &view.audit {
        let (shard, cause) = match r.record.entry {
            AuditEntry::StatusChange { shard, cause, .. } => (shard, cause),
            AuditEntry::Slash { shard, fault, .. } => (shard, fault),
            AuditEntry::Reassignment { .. } => panic!("no reassignment without a reserve"),
            AuditEntry::Rollback {
                shard,
                cause,
                target,
                ..
            } => {
                assert_eq!(r.target.map(|t| compute_checkpoint_id(&t)), Some(target));
                (shard, cause)
            }
        };
        assert_eq!(r.cause.map(|c| compute_fault_id(shard, &c)), Some(cause));
    }
    // Tampering with the rollback record breaks the chain there.
    let mut records = h.engine.audit_log().to_vec();
    if let AuditEntry::Rollback { height_before, .. } = &mut records[3].entry {
        *height_before = Height(99);
    }
    assert_eq!(
        crate::audit::verify_audit_chain(&records).map_err(|e| e.index),
        Err(3)
    );
}

#[test]
fn a_vote_replayed_from_before_the_rollback_is_refused_as_wrong_generation() {
    let mut h = recovering_with_xtxs();
    // Signed by shard 0's member in generation 0, before the rollback.
    let replay = h.xtx_vote(
        ValidatorId(1),
        XtxId(1),
        S0,
        Generation(0),
        XtxDecision::Commit,
    );
    for _ in 0..3 {
        h.advance_rollback(S0);
    }
    h.assert_rejected(
        &replay,
        Rejection::XtxVote(XtxVoteRejection::WrongGeneration),
    );
    // Signed in the new generation it gets further, and finds x1 aborted.
    let fresh = h.xtx_vote(
        ValidatorId(1),
        XtxId(1),
        S0,
        Generation(1),
        XtxDecision::Commit,
    );
    h.assert_rejected(&fresh, Rejection::XtxVote(XtxVoteRejection::Finished));
    // A checkpoint vote or proposal of the old generation is refused before
    // it could be counted: nothing finalizes on a recovering shard.
    let body = CheckpointBody {
        shard: S0,
        epoch: h.epoch(),
        height: Height(4),
        state_root: h.root_at(S0, Height(2)),
        parent: None,
    };
    h.assert_rejected(
        &Message::Vote(sign_vote(
            ValidatorId(0),
            S0,
            h.epoch(),
            Generation(0),
            body,
        )),
        Rejection::Vote(VoteRejection::ShardRecovering),
    );
}

#[test]
fn nothing_finalizes_on_a_recovering_or_healing_shard() {
    let mut h = recovering_with_xtxs();
    let body = CheckpointBody {
        shard: S0,
        epoch: h.epoch(),
        height: Height(4),
        state_root: [1; 32],
        parent: h.latest_finalized_id(S0),
    };
    for _ in 0..6 {
        let generation = h.generation(S0);
        // Check 2 comes before every check but the shard's: even a
        // non-member's unsigned proposal is refused as ShardRecovering.
        let mut proposal = sign_proposal(ValidatorId(5), generation, body);
        proposal.signature.0[0] ^= 1;
        h.assert_rejected(
            &Message::Proposal(proposal),
            Rejection::Proposal(ProposalRejection::ShardRecovering),
        );
        let vote = sign_vote(ValidatorId(9), S0, Epoch(7), generation, body);
        let r = h.assert_rejected(
            &Message::Vote(vote),
            Rejection::Vote(VoteRejection::ShardRecovering),
        );
        assert!(r.to_string().contains("rollback"), "{r}");
        if h.status(S0) == ShardStatus::Healing {
            break;
        }
        h.advance_rollback(S0);
    }
    assert_eq!(h.status(S0), ShardStatus::Healing);
    // A shard that is not recovering passes check 2.
    let other = h.next_body(S1);
    h.propose(other);
}

#[test]
fn other_shards_keep_running_between_the_phases() {
    let mut h = Harness::new(Params::new(3, 4, 2, 2, 2).unwrap());
    h.finalize_next(S0);
    h.produce_blocks(S0, 1);
    h.drive_to_recovering(S0);
    for round in 0..5u32 {
        h.advance_rollback(S0);
        h.produce_blocks(S1, 1);
        h.prepare(100 + round, S1, S2, round);
        h.cast_xtx_vote(XtxId(100 + round), S2, XtxDecision::Abort);
        if round == 1 {
            h.finalize_next(S2);
        }
    }
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].status, ShardStatus::Healing);
    assert_eq!(view.shards[1].status, ShardStatus::Normal);
    assert_eq!(view.shards[1].height, Height(5));
    assert_eq!(view.shards[2].finalized.len(), 1);
    assert!(view.transactions.iter().all(|x| !x.is_in_flight()));
}

#[test]
fn two_shards_roll_back_at_once_independently() {
    let mut h = Harness::new(Params::new(3, 4, 2, 2, 2).unwrap());
    h.finalize_next(S0);
    h.finalize_next(S2);
    h.produce_blocks(S0, 1);
    h.produce_blocks(S2, 2);
    h.prepare(1, S0, S2, 1);
    h.open_critical_fault(S0, Height(3));
    h.open_critical_fault(S2, Height(4));
    h.advance_epoch();
    h.advance_epoch();
    assert_eq!(h.status(S0), ShardStatus::Recovering);
    assert_eq!(h.status(S2), ShardStatus::Recovering);
    // Shard 2 goes first and aborts the xtx shared with shard 0; shard 0's
    // rollback then finds nothing in flight.
    h.advance_rollback(S2);
    assert_eq!(
        h.advance_rollback(S0),
        vec![EngineEvent::RollbackAdvanced {
            shard: S0,
            phase: RollbackPhase::AbortingTransactions
        }]
    );
    for _ in 0..4 {
        h.advance_rollback(S0);
        h.advance_rollback(S2);
    }
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].height, Height(2));
    assert_eq!(view.shards[2].height, Height(2));
    assert_eq!(view.shards[1].status, ShardStatus::Normal);
    for s in [0, 2] {
        assert_eq!(view.shards[s].status, ShardStatus::Healing);
        assert_eq!(view.shards[s].generation, Generation(1));
    }
    assert!(view.shards.iter().all(|s| s.locks.is_empty()));
    assert_eq!(h.engine.verify_audit_chain(), Ok(()));
}

#[test]
fn a_shard_frozen_by_a_failed_rollback_stays_frozen_while_its_fault_is_open() {
    // [R-RB-6], [R-ISO-3]: the Critical fault is still open at the next
    // boundary, and detection leaves the shard frozen for an operator.
    let mut h = Harness::default_config();
    h.drive_to_recovering(S0);
    h.advance_rollback(S0);
    assert_eq!(h.status(S0), ShardStatus::Frozen);
    assert!(!h.engine.open_faults(S0).is_empty());
    let before = h.engine.snapshot();
    let epoch = h.engine.epoch().next().expect("small epoch");
    let events = h
        .engine
        .apply(&Message::AdvanceEpoch { epoch })
        .expect("the next epoch");
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, EngineEvent::StatusChanged { shard, .. } if *shard == S0)),
        "{events:?}"
    );
    let after = h.engine.snapshot();
    assert_eq!(after.shards[0].status, ShardStatus::Frozen);
    assert_eq!(after.shards[0].rollback, before.shards[0].rollback);
}

#[test]
fn two_shards_of_one_xtx_rolling_back_at_once_free_each_others_locks() {
    // [R-RB-2] step 1: shard 1's rollback takes onto its aborted list the
    // xtx shard 0's rollback aborted and still locks, so that shard 1's step
    // 2 releases both locks before shard 1 restores (INV-2 (c)).
    let mut h = Harness::default_config();
    for shard in [S0, S1] {
        h.produce_blocks(shard, 2);
        h.finalize_next(shard);
        h.produce_blocks(shard, 1);
    }
    h.prepare(0, S0, S1, 1);
    for shard in [S0, S1] {
        let (head, _, _) = h.engine.head(shard).unwrap();
        h.open_critical_fault(shard, head);
    }
    h.advance_epoch();
    h.advance_epoch();
    assert_eq!(h.status(S0), ShardStatus::Recovering);
    assert_eq!(h.status(S1), ShardStatus::Recovering);
    let events = h.advance_rollback(S0);
    assert!(events.contains(&EngineEvent::XtxAborted { id: XtxId(0) }));
    let events = h.advance_rollback(S1);
    // Nothing left in flight to abort; the xtx is adopted, its locks held.
    assert_eq!(
        events,
        vec![EngineEvent::RollbackAdvanced {
            shard: S1,
            phase: RollbackPhase::AbortingTransactions,
        }]
    );
    let view = h.engine.snapshot();
    assert_eq!(
        view.shards[1].rollback.as_ref().map(|r| r.aborted.clone()),
        Some(vec![XtxId(0)])
    );
    assert!(view.shards.iter().all(|s| s.locks.len() == 1));
    let events = h.advance_rollback(S1);
    assert_eq!(
        events,
        vec![
            EngineEvent::RollbackAdvanced {
                shard: S1,
                phase: RollbackPhase::ReleasingLocks,
            },
            EngineEvent::LockReleased {
                shard: S0,
                key: 1,
                xtx: XtxId(0),
            },
            EngineEvent::LockReleased {
                shard: S1,
                key: 1,
                xtx: XtxId(0),
            },
        ]
    );
    h.advance_rollback(S1);
    assert_eq!(h.generation(S1), Generation(1));
    // Shard 0's own step 2 finds nothing left to release.
    let events = h.advance_rollback(S0);
    assert_eq!(
        events,
        vec![EngineEvent::RollbackAdvanced {
            shard: S0,
            phase: RollbackPhase::ReleasingLocks,
        }]
    );
    assert!(h.engine.verify_audit_chain().is_ok());
}
