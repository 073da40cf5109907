//! Healing: every tick, every rejection (state unchanged), both mismatches
//! on hand-built states, the boundary's verification, reintegration, and a
//! whole recovery's events.

use super::*;
use crate::crypto::compute_fault_id;
use crate::outcome::EngineEvent as E;
use crate::testkit::{forged_root, Harness};
use crate::wire::Message;
use mend_spec::outcome::HealingRejection as R;
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::protocol::SlashReason;
use mend_spec::{
    Epoch, Fault, FaultKind, Generation, Params, Rejection, RollbackPhase, ValidatorId,
};

const S0: ShardId = ShardId(0);
const S1: ShardId = ShardId(1);

/// Default parameters (2 shards, n = 4, N = 2) with a reserve of 2.
fn params() -> Params {
    Params::default_config()
        .with_recovery(2, ReassignmentStrategy::PrioritizeSlashed)
        .unwrap()
}

fn tick(shard: ShardId) -> Message {
    Message::AdvanceHealing { shard }
}

fn healing(h: &Harness, shard: ShardId) -> Option<crate::view::HealingSnapshot> {
    h.engine.snapshot().shards[usize::from(shard.0)].healing
}

fn pipeline(h: &Harness, shard: ShardId) -> Option<PipelineStage> {
    h.engine.snapshot().shards[usize::from(shard.0)].pipeline
}

/// Shard 0 finalized at 2, head at 3, a Critical fault by v3 at 3, taken to
/// a completed rollback (pipeline `ValidatorAdjustment`).
fn rolled_back(params: Params) -> Harness {
    let mut h = Harness::new(params);
    h.finalize_next(S0);
    h.produce_blocks(S0, 1);
    h.open_critical_fault(S0, Height(3));
    h.advance_epoch();
    h.advance_epoch();
    for _ in 0..5 {
        h.advance_rollback(S0);
    }
    assert_eq!(pipeline(&h, S0), Some(PipelineStage::ValidatorAdjustment));
    h
}

/// As [`rolled_back`], then the boundary that starts the healing.
fn initializing() -> Harness {
    let mut h = rolled_back(params());
    h.advance_epoch();
    assert_eq!(
        healing(&h, S0).map(|x| x.stage),
        Some(HealingStage::Initializing)
    );
    h
}

fn cause() -> Fault {
    Fault {
        kind: FaultKind::CheckpointStateMismatch,
        accused: Some(ValidatorId(3)),
        generation: Generation(0),
        epoch: Epoch(0),
        height: Height(3),
    }
}

#[test]
fn a_whole_recovery_emits_its_events_in_the_contracts_order() {
    let mut h = Harness::new(params());
    let events = h.drive_to_reintegration(S0);
    let fault = Fault {
        height: Height(3),
        ..cause()
    };
    let id = compute_fault_id(S0, &fault);
    let kept: Vec<E> = events
        .into_iter()
        .filter(|e| {
            !matches!(
                e,
                E::RollbackAdvanced { .. }
                    | E::StateRestored { .. }
                    | E::EpochAdvanced { .. }
                    | E::BlockAppended { .. }
                    | E::CheckpointProposed { .. }
                    | E::VoteCounted { .. }
            )
        })
        .collect();
    let p = |stage| E::PipelineAdvanced { shard: S0, stage };
    let hs = |stage| E::HealingAdvanced { shard: S0, stage };
    let sc = |from, to| E::StatusChanged {
        shard: S0,
        from,
        to,
        cause: fault,
        cause_id: id,
    };
    let base_id = h.engine.snapshot().shards[0].finalized[0].0;
    let finalized_id =
        crate::crypto::compute_checkpoint_id(&h.engine.snapshot().shards[0].finalized[1].0);
    let _ = base_id;
    assert_eq!(
        kept,
        vec![
            // Boundary 1: slash, refill from the reserve, isolate.
            E::ValidatorSlashed {
                validator: ValidatorId(3),
                shard: S0,
                reason: SlashReason::FalseStateRoot,
                window: Epoch(0),
                penalty: mend_spec::params::STAKE_GENESIS,
                tombstoned: true,
            },
            E::CommitteeReassigned {
                shard: S0,
                committee: vec![
                    ValidatorId(0),
                    ValidatorId(1),
                    ValidatorId(2),
                    ValidatorId(8)
                ],
            },
            sc(ShardStatus::Normal, ShardStatus::Isolated),
            p(PipelineStage::Isolated),
            // Boundary 2: the rollback starts; five ticks complete it.
            sc(ShardStatus::Isolated, ShardStatus::Recovering),
            p(PipelineStage::RollingBack),
            sc(ShardStatus::Recovering, ShardStatus::Healing),
            p(PipelineStage::ValidatorAdjustment),
            // Boundary 3: the committee is full; healing starts; the fault
            // expires.
            hs(HealingStage::Initializing),
            p(PipelineStage::Healing),
            E::FaultsExpired {
                shard: S0,
                count: 1
            },
            hs(HealingStage::Rebuilding),
            hs(HealingStage::SyncingBlocks),
            hs(HealingStage::VerifyingState),
            E::CheckpointFinalized { id: finalized_id },
            // Boundary 4: verified.
            hs(HealingStage::ReadyForReintegration),
            p(PipelineStage::RecoveryComplete),
            hs(HealingStage::Reintegrated),
            sc(ShardStatus::Healing, ShardStatus::Normal),
            p(PipelineStage::Reintegrated),
        ]
    );
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].status, ShardStatus::Normal);
    assert_eq!(view.shards[0].rollback, None);
    let healed = view.shards[0].healing.unwrap();
    assert_eq!(healed.stage, HealingStage::Reintegrated);
    assert_eq!(healed.failure, None);
    assert_eq!(healed.cause, fault);
    assert_eq!(healed.base.height, Height(2));
    assert_eq!(view.shards[0].height, Height(4));
    assert_eq!(h.engine.verify_audit_chain(), Ok(()));
    // The shard takes blocks and checkpoints again; a tick is refused.
    h.produce_blocks(S0, 1);
    h.assert_rejected(&tick(S0), Rejection::Healing(R::NotHealing));
    // The other shard never moved.
    assert_eq!(view.shards[1].pipeline, None);
}

#[test]
fn a_tick_is_refused_for_an_unknown_or_non_healing_shard_and_changes_nothing() {
    let mut h = rolled_back(params());
    h.assert_rejected(&tick(ShardId(9)), Rejection::Healing(R::UnknownShard));
    // Normal, no pipeline.
    h.assert_rejected(&tick(S1), Rejection::Healing(R::NotHealing));
    // Healing, but the pipeline is at ValidatorAdjustment: no healing yet.
    let r = h.assert_rejected(&tick(S0), Rejection::Healing(R::NotHealing));
    assert_eq!(
        r,
        crate::outcome::EngineRejection::Healing(HealingError::NotHealing {
            shard: S0,
            status: ShardStatus::Healing,
            pipeline: Some(PipelineStage::ValidatorAdjustment),
        })
    );
}

#[test]
fn each_tick_moves_one_stage_and_syncing_needs_the_head_at_base_plus_n() {
    let mut h = initializing();
    assert_eq!(
        h.advance_healing(S0),
        vec![E::HealingAdvanced {
            shard: S0,
            stage: HealingStage::Rebuilding
        }]
    );
    // Not yet taking blocks nor checkpoints in Rebuilding.
    let block = h.next_block_message(S0);
    h.assert_rejected(
        &block,
        Rejection::Block(mend_spec::BlockRejection::ShardFrozen),
    );
    assert_eq!(
        h.advance_healing(S0),
        vec![E::HealingAdvanced {
            shard: S0,
            stage: HealingStage::SyncingBlocks
        }]
    );
    let r = h.assert_rejected(&tick(S0), Rejection::Healing(R::NotSynced));
    assert_eq!(
        r,
        crate::outcome::EngineRejection::Healing(HealingError::NotSynced {
            shard: S0,
            head: Height(2),
            target: Some(Height(4)),
        })
    );
    // [R-HEAL-3] A block whose root is not its execution is refused.
    let Message::Block(mut wrong) = h.next_block_message(S0) else {
        unreachable!()
    };
    wrong.state_root = forged_root(9);
    h.assert_rejected(
        &Message::Block(wrong),
        Rejection::Block(mend_spec::BlockRejection::StateRootMismatch),
    );
    // Checkpoints are refused while syncing.
    let body = h.next_body(S0);
    let proposal = Message::Proposal(crate::testkit::sign_proposal(
        ValidatorId(0),
        Generation(1),
        body,
    ));
    h.assert_rejected(
        &proposal,
        Rejection::Proposal(mend_spec::ProposalRejection::ShardRecovering),
    );
    // `next_body` produced the N blocks; a block beyond base + N is refused.
    assert_eq!(h.engine.head(S0).unwrap().0, Height(4));
    let beyond = h.next_block_message(S0);
    h.assert_rejected(
        &beyond,
        Rejection::Block(mend_spec::BlockRejection::ShardFrozen),
    );
    assert_eq!(
        h.advance_healing(S0),
        vec![E::HealingAdvanced {
            shard: S0,
            stage: HealingStage::VerifyingState
        }]
    );
    h.assert_rejected(&tick(S0), Rejection::Healing(R::AwaitingEpoch));
    // Nothing finalized at the head: the boundary leaves the stage.
    h.advance_epoch();
    assert_eq!(
        healing(&h, S0).map(|x| x.stage),
        Some(HealingStage::VerifyingState)
    );
    // [R-SLASH-5] The quorum is q of the configured n, in the new epoch.
    let (_, events) = h.finalize_at_head(S0);
    assert!(events
        .iter()
        .any(|e| matches!(e, E::CheckpointFinalized { .. })));
    let events = h.advance_epoch();
    assert!(events.contains(&E::PipelineAdvanced {
        shard: S0,
        stage: PipelineStage::RecoveryComplete
    }));
    assert_eq!(
        healing(&h, S0).map(|x| x.stage),
        Some(HealingStage::ReadyForReintegration)
    );
}

#[test]
fn reintegration_waits_for_every_open_fault_to_expire() {
    let mut h = initializing();
    h.advance_healing(S0);
    h.advance_healing(S0);
    h.produce_blocks(S0, 2);
    h.advance_healing(S0);
    h.finalize_at_head(S0);
    // Evidence against a member at the new generation: a Low fault.
    let (head, _, _) = h.engine.head(S0).unwrap();
    let mut claim = h.honest_claim(ValidatorId(1), S0, Height(head.0 + 1));
    claim.generation = Generation(1);
    claim.parent_root = h.engine.head(S0).unwrap().2;
    claim.transactions = vec![
        crate::wire::Transaction { key: 2, value: 1 },
        crate::wire::Transaction { key: 1, value: 1 },
    ];
    claim.post_root = crate::crypto::compute_state_root(&claim.parent_root, &claim.transactions);
    let evidence =
        crate::wire::Evidence::OrderingViolation(crate::testkit::sign_block_claim(claim));
    let accepted = h.engine.apply(&Message::Evidence(evidence)).unwrap();
    // Not Isolated-response: the pipeline does not restart.
    assert_eq!(accepted.len(), 1);
    h.advance_epoch();
    assert_eq!(pipeline(&h, S0), Some(PipelineStage::RecoveryComplete));
    let r = h.assert_rejected(&tick(S0), Rejection::Healing(R::FaultOpen));
    let crate::outcome::EngineRejection::Healing(HealingError::FaultOpen { fault, .. }) = r else {
        panic!("{r:?}");
    };
    assert_eq!(fault.kind, FaultKind::TransactionOrderingViolation);
    while !h.engine.open_faults(S0).is_empty() {
        h.advance_epoch();
    }
    h.advance_healing(S0);
    assert_eq!(h.status(S0), ShardStatus::Normal);
}

#[test]
fn a_head_other_than_the_base_fails_the_rebuild_and_freezes_the_shard() {
    let mut h = initializing();
    // Hand-built: the head moved off the base.
    h.engine.state_mut().shards[0].chain.root = forged_root(1);
    let events = h.advance_healing(S0);
    let id = compute_fault_id(S0, &cause());
    assert_eq!(
        events,
        vec![
            E::HealingFailed {
                shard: S0,
                reason: HealingFailure::RebuildMismatch
            },
            E::StatusChanged {
                shard: S0,
                from: ShardStatus::Healing,
                to: ShardStatus::Frozen,
                cause: cause(),
                cause_id: id,
            },
            E::PipelineAdvanced {
                shard: S0,
                stage: PipelineStage::Failed
            },
        ]
    );
    let x = healing(&h, S0).unwrap();
    assert_eq!(x.stage, HealingStage::Initializing);
    assert_eq!(x.failure, Some(HealingFailure::RebuildMismatch));
    h.assert_rejected(&tick(S0), Rejection::Healing(R::NotHealing));
    // Frozen for an operator: detection and boundaries leave it.
    h.advance_epoch();
    assert_eq!(h.status(S0), ShardStatus::Frozen);
    let last = h.engine.audit_log().last().unwrap().entry.clone();
    assert!(matches!(
        last,
        crate::audit::AuditEntry::StatusChange {
            from: ShardStatus::Healing,
            to: ShardStatus::Frozen,
            ..
        }
    ));
}

#[test]
fn a_checkpoint_at_the_head_with_another_root_fails_the_verification() {
    let mut h = initializing();
    h.advance_healing(S0);
    h.advance_healing(S0);
    h.produce_blocks(S0, 2);
    h.advance_healing(S0);
    h.finalize_at_head(S0);
    // Hand-built: the head's root differs from the finalized checkpoint's.
    h.engine.state_mut().shards[0].chain.root = forged_root(2);
    let events = h.advance_epoch();
    assert!(events.contains(&E::HealingFailed {
        shard: S0,
        reason: HealingFailure::VerificationMismatch
    }));
    assert_eq!(h.status(S0), ShardStatus::Frozen);
    assert_eq!(pipeline(&h, S0), Some(PipelineStage::Failed));
    assert_eq!(
        healing(&h, S0).map(|x| (x.stage, x.failure)),
        Some((
            HealingStage::VerifyingState,
            Some(HealingFailure::VerificationMismatch)
        ))
    );
}

#[test]
fn without_a_reserve_the_committee_cannot_be_restored_and_the_healing_fails() {
    let mut h = rolled_back(Params::default_config());
    assert_eq!(h.committee(S0).len(), 3);
    let events = h.advance_epoch();
    let id = compute_fault_id(S0, &cause());
    let mine: Vec<_> = events
        .into_iter()
        .filter(|e| !matches!(e, E::EpochAdvanced { .. } | E::FaultsExpired { .. }))
        .collect();
    assert_eq!(
        mine,
        vec![
            E::HealingFailed {
                shard: S0,
                reason: HealingFailure::CommitteeUnrestorable
            },
            E::StatusChanged {
                shard: S0,
                from: ShardStatus::Healing,
                to: ShardStatus::Frozen,
                cause: cause(),
                cause_id: id,
            },
            E::PipelineAdvanced {
                shard: S0,
                stage: PipelineStage::Failed
            },
        ]
    );
    let view = h.engine.snapshot();
    assert_eq!(view.shards[0].rollback, None);
    let x = view.shards[0].healing.unwrap();
    assert_eq!(x.stage, HealingStage::Initializing);
    assert_eq!(x.failure, Some(HealingFailure::CommitteeUnrestorable));
    assert_eq!(x.base.height, Height(2));
}

#[test]
fn two_shards_recover_at_once_independently() {
    let mut both = Harness::new(params());
    let mut alone = Harness::new(params());
    for h in [&mut both, &mut alone] {
        h.finalize_next(S0);
        h.produce_blocks(S0, 1);
        h.open_critical_fault(S0, Height(3));
    }
    both.finalize_next(S1);
    both.produce_blocks(S1, 1);
    both.open_critical_fault(S1, Height(3));
    for h in [&mut both, &mut alone] {
        h.advance_epoch();
        h.advance_epoch();
    }
    // Interleaved ticks on both shards.
    for _ in 0..5 {
        both.advance_rollback(S1);
        both.advance_rollback(S0);
        alone.advance_rollback(S0);
    }
    both.advance_epoch();
    alone.advance_epoch();
    // Each drew one reserve validator, in ascending shard order.
    assert_eq!(both.committee(S0)[3], ValidatorId(8));
    assert_eq!(both.committee(S1)[3], ValidatorId(9));
    for shard in [S1, S0] {
        both.advance_healing(shard);
        both.advance_healing(shard);
        both.produce_blocks(shard, 2);
        both.advance_healing(shard);
        both.finalize_at_head(shard);
    }
    alone.advance_healing(S0);
    alone.advance_healing(S0);
    alone.produce_blocks(S0, 2);
    alone.advance_healing(S0);
    alone.finalize_at_head(S0);
    both.advance_epoch();
    alone.advance_epoch();
    both.advance_healing(S0);
    alone.advance_healing(S0);
    // Shard 0's recovery is the same whether shard 1 recovered or not.
    let (a, b) = (both.engine.snapshot(), alone.engine.snapshot());
    assert_eq!(a.shards[0].status, ShardStatus::Normal);
    assert_eq!(a.shards[0].healing, b.shards[0].healing);
    assert_eq!(a.shards[0].head_root, b.shards[0].head_root);
    assert_eq!(a.shards[0].committee, b.shards[0].committee);
    assert_eq!(
        a.shards[1].healing.map(|x| x.stage),
        Some(HealingStage::ReadyForReintegration)
    );
    both.advance_healing(S1);
    assert_eq!(both.status(S1), ShardStatus::Normal);
    assert_eq!(both.engine.verify_audit_chain(), Ok(()));
}

#[test]
fn the_rollback_phase_is_completed_until_the_healing_replaces_it() {
    let h = rolled_back(params());
    let view = h.engine.snapshot();
    assert_eq!(
        view.shards[0].rollback.as_ref().map(|r| r.phase),
        Some(RollbackPhase::Completed)
    );
    assert_eq!(view.shards[0].healing, None);
}

#[cfg(feature = "seeded-bugs")]
mod seeded {
    use super::*;
    use mend_spec::SeededBug;

    fn initializing_with(bug: SeededBug) -> Harness {
        let mut h = Harness::with_bug(params(), bug);
        h.finalize_next(S0);
        h.produce_blocks(S0, 1);
        h.open_critical_fault(S0, Height(3));
        h.advance_epoch();
        h.advance_epoch();
        for _ in 0..5 {
            h.advance_rollback(S0);
        }
        h.advance_epoch();
        h
    }

    #[test]
    fn skip_syncing_blocks_goes_from_rebuilding_to_verifying_state() {
        let mut h = initializing_with(SeededBug::SkipSyncingBlocks);
        h.advance_healing(S0);
        assert_eq!(
            h.advance_healing(S0),
            vec![E::HealingAdvanced {
                shard: S0,
                stage: HealingStage::VerifyingState
            }]
        );
    }

    #[test]
    fn reintegrate_without_quorum_moves_on_with_no_checkpoint_at_the_head() {
        let mut h = initializing_with(SeededBug::ReintegrateWithoutQuorum);
        h.advance_healing(S0);
        h.advance_healing(S0);
        h.produce_blocks(S0, 2);
        h.advance_healing(S0);
        h.advance_epoch();
        assert_eq!(
            healing(&h, S0).map(|x| x.stage),
            Some(HealingStage::ReadyForReintegration)
        );
    }
}
