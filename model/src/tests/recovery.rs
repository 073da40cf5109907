//! The rules of §7: slashing ([R-SLASH-1] .. [R-SLASH-6]), reassignment
//! ([R-ASSIGN-1] .. [R-ASSIGN-4]), healing ([R-HEAL-1] .. [R-HEAL-6]) and
//! the recovery pipeline ([R-PIPE-1] .. [R-PIPE-4]): each skip rule of a
//! slash, each strategy's draw, validator adjustment, every healing tick
//! and rejection, verification, reintegration, and the events and audit
//! records of the boundary in the contract's order.

use super::*;
use crate::rules::assign::{compute_draw, compute_eligible};
use crate::rules::slash::compute_penalty;
use mend_spec::audit::compute_reshuffle_rank;
use mend_spec::outcome::HealingRejection;
use mend_spec::protocol::{
    HealingFailure, HealingStage, PipelineStage, ReassignmentStrategy, SlashReason,
};
use mend_spec::{Params, ProposalRejection};

fn heal(shard: u16) -> Action {
    Action::AdvanceHealing {
        shard: ShardId(shard),
    }
}

fn healing_refused(cfg: &ModelConfig, view: &View, shard: u16, code: HealingRejection) {
    assert_rejected(cfg, view, heal(shard), Rejection::Healing(code));
}

fn ids(ids: &[u16]) -> Vec<ValidatorId> {
    ids.iter().copied().map(ValidatorId).collect()
}

/// The root of the block at `height` in `generation`.
fn root_in(height: u64, generation: u64) -> StateRoot {
    compute_honest_root(Height(height), Generation(generation))
}

/// `validator`'s vote for `c` signed in generation `g`.
fn vote_in(validator: u16, c: Checkpoint, g: u64) -> Action {
    Action::CastVote(Vote {
        generation: Generation(g),
        ..vote(validator, c)
    })
}

/// The `recovery` configuration with its checkpoint at height 1 finalized
/// in epoch 0 and its head at 2; returns the view and the checkpoint.
fn based(cfg: &ModelConfig) -> (View, Checkpoint) {
    let c = honest_checkpoint(0, 0, 1, ParentLink::Genesis);
    let view = run(
        cfg,
        &[
            block(0),
            Action::ProposeCheckpoint(proposal(0, c)),
            Action::CastVote(vote(0, c)),
            Action::CastVote(vote(1, c)),
            Action::CastVote(vote(2, c)),
            block(0),
        ],
    );
    (view, c)
}

/// v3's validly signed proposal of a forged checkpoint at height 2 on top
/// of `c`: Critical, tombstoning evidence against shard 0 ([R-FAULT-2]
/// kind 6).
fn forged_proposal(c: Checkpoint) -> Action {
    let at_two = Checkpoint {
        height: Height(2),
        parent: c.link(),
        ..c
    };
    submit(Evidence::CheckpointStateMismatch {
        proposal: proposal(3, forged(at_two, 0)),
    })
}

/// The `recovery` run up to the boundary into epoch 3: its healing just
/// started in `Initializing`. Returns the view and the base.
fn adjusted(cfg: &ModelConfig) -> (View, Checkpoint) {
    let (view, c) = based(cfg);
    let mut actions = vec![forged_proposal(c), tick(1), tick(2)];
    actions.extend([advance(0); 5]);
    actions.push(tick(3));
    (run_from(cfg, &view, &actions), c)
}

#[test]
fn the_genesis_view_has_one_record_per_registered_validator_the_reserve_included() {
    let cfg = ModelConfig::recovery();
    let view = init_view(&cfg.params);
    assert_eq!(view.validators.len(), 5);
    for (i, v) in view.validators.iter().enumerate() {
        assert_eq!(v.validator, ValidatorId(i as u16));
        assert_eq!(v.stake, mend_spec::params::STAKE_GENESIS);
        assert!(!v.tombstoned && v.slashed_windows.is_empty());
    }
    assert_eq!(view.shards[0].committee, ids(&[0, 1, 2, 3]));
    assert_eq!(view.shards[0].healing, None);
    assert_eq!(view.shards[0].pipeline, None);
}

#[test]
fn a_reserve_validator_is_registered_and_may_not_vote_until_drawn() {
    let cfg = ModelConfig::recovery();
    let (view, _) = based(&cfg);
    let c = Checkpoint {
        height: Height(2),
        parent: honest_checkpoint(0, 0, 1, ParentLink::Genesis).link(),
        ..honest_checkpoint(0, 0, 2, ParentLink::Genesis)
    };
    let view = run_from(&cfg, &view, &[Action::ProposeCheckpoint(proposal(0, c))]);
    assert_rejected(
        &cfg,
        &view,
        Action::CastVote(vote(4, c)),
        Rejection::Vote(mend_spec::VoteRejection::NotMember),
    );
    assert_rejected(
        &cfg,
        &view,
        Action::CastVote(vote(5, c)),
        Rejection::Vote(mend_spec::VoteRejection::UnknownValidator),
    );
}

#[test]
fn the_whole_pipeline_runs_event_by_event_from_fault_to_reintegration() {
    let cfg = ModelConfig::recovery();
    let s0 = ShardId(0);
    let (view, base) = based(&cfg);
    // [R-FAULT-5] The evidence opens the fault and starts the pipeline.
    let (events, view) = accept_checked(&cfg, &view, forged_proposal(base));
    let cause = fault(FaultKind::CheckpointStateMismatch, Some(3), 0, 2);
    assert_eq!(
        events,
        vec![
            Event::FaultDetected {
                shard: s0,
                fault: cause
            },
            Event::PipelineAdvanced {
                shard: s0,
                stage: PipelineStage::FaultDetected
            },
        ]
    );
    // [R-EPOCH-2] Boundary 1: slash, reassignment, isolation, in order.
    let (events, view) = accept_checked(&cfg, &view, tick(1));
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(1) },
            Event::ValidatorSlashed {
                validator: ValidatorId(3),
                shard: s0,
                reason: SlashReason::FalseStateRoot,
                window: Epoch(0),
                penalty: 1_000_000,
                tombstoned: true,
            },
            Event::CommitteeReassigned {
                shard: s0,
                committee: ids(&[0, 1, 2, 4]),
            },
            Event::StatusChanged {
                shard: s0,
                from: ShardStatus::Normal,
                to: ShardStatus::Isolated,
                cause,
            },
            Event::PipelineAdvanced {
                shard: s0,
                stage: PipelineStage::Isolated
            },
        ]
    );
    let entries: Vec<AuditEntry> = view.audit.iter().map(|r| r.entry.clone()).collect();
    assert_eq!(
        entries[..2],
        [
            AuditEntry::Slash {
                validator: ValidatorId(3),
                shard: s0,
                reason: SlashReason::FalseStateRoot,
                fault: cause,
                window: Epoch(0),
                stake_before: 1_000_000,
                stake_after: 0,
                tombstoned: true,
            },
            AuditEntry::Reassignment {
                shard: s0,
                strategy: ReassignmentStrategy::PrioritizeSlashed,
                before: ids(&[0, 1, 2]),
                after: ids(&[0, 1, 2, 4]),
            },
        ]
    );
    assert_eq!(view.validators[3].slashed_windows, vec![Epoch(0)]);
    // Boundary 2 starts the rollback; the pipeline is rolling back.
    let (events, view) = accept_checked(&cfg, &view, tick(2));
    assert_eq!(
        events.last(),
        Some(&Event::PipelineAdvanced {
            shard: s0,
            stage: PipelineStage::RollingBack
        })
    );
    // A healing tick before the healing starts is refused.
    healing_refused(&cfg, &view, 0, HealingRejection::NotHealing);
    let mut view = view;
    let mut events = vec![];
    for _ in 0..5 {
        (events, view) = accept_checked(&cfg, &view, advance(0));
    }
    assert_eq!(
        events[1..],
        [
            Event::StatusChanged {
                shard: s0,
                from: ShardStatus::Recovering,
                to: ShardStatus::Healing,
                cause,
            },
            Event::PipelineAdvanced {
                shard: s0,
                stage: PipelineStage::ValidatorAdjustment
            },
        ]
    );
    healing_refused(&cfg, &view, 0, HealingRejection::NotHealing);
    // [R-PIPE-2] Boundary 3: a full committee starts the healing; the
    // completed rollback leaves the view; the old fault expires.
    let (events, view) = accept_checked(&cfg, &view, tick(3));
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(3) },
            Event::HealingAdvanced {
                shard: s0,
                stage: HealingStage::Initializing
            },
            Event::PipelineAdvanced {
                shard: s0,
                stage: PipelineStage::Healing
            },
            Event::FaultsExpired {
                shard: s0,
                count: 1
            },
        ]
    );
    assert_eq!(view.shards[0].rollback, None);
    let healing = view.shards[0].healing.expect("a healing");
    assert_eq!((healing.cause, healing.base), (cause, base));
    // [R-HEAL-2] Each tick one stage; blocks only while syncing.
    assert_rejected(
        &cfg,
        &view,
        block(0),
        Rejection::Block(BlockRejection::ShardFrozen),
    );
    let (events, view) = accept_checked(&cfg, &view, heal(0));
    assert_eq!(
        events,
        vec![Event::HealingAdvanced {
            shard: s0,
            stage: HealingStage::Rebuilding
        }]
    );
    assert_rejected(
        &cfg,
        &view,
        block(0),
        Rejection::Block(BlockRejection::ShardFrozen),
    );
    let (_, view) = accept_checked(&cfg, &view, heal(0));
    assert_eq!(
        view.shards[0].healing.map(|h| h.stage),
        Some(HealingStage::SyncingBlocks)
    );
    healing_refused(&cfg, &view, 0, HealingRejection::NotSynced);
    let c2 = Checkpoint {
        shard: s0,
        epoch: Epoch(3),
        height: Height(2),
        root: root_in(2, 1),
        parent: base.link(),
    };
    let propose = Action::ProposeCheckpoint(Proposal {
        generation: Generation(1),
        ..proposal(0, c2)
    });
    assert_rejected(
        &cfg,
        &view,
        propose,
        Rejection::Proposal(ProposalRejection::ShardRecovering),
    );
    // [R-HEAL-3] The re-synced block is of the new generation.
    let (events, view) = accept_checked(&cfg, &view, block(0));
    assert_eq!(
        events,
        vec![Event::BlockAppended {
            shard: s0,
            height: Height(2),
            root: root_in(2, 1)
        }]
    );
    assert_rejected(
        &cfg,
        &view,
        block(0),
        Rejection::Block(BlockRejection::ShardFrozen),
    );
    let (_, view) = accept_checked(&cfg, &view, heal(0));
    healing_refused(&cfg, &view, 0, HealingRejection::AwaitingEpoch);
    // [R-HEAL-4] The new committee, the drawn reserve validator included,
    // finalizes the checkpoint at the head.
    let view = run_from(
        &cfg,
        &view,
        &[
            propose,
            vote_in(0, c2, 1),
            vote_in(1, c2, 1),
            vote_in(4, c2, 1),
        ],
    );
    assert_eq!(
        view.shards[0].latest_finalized().map(|f| f.checkpoint),
        Some(c2)
    );
    let (events, view) = accept_checked(&cfg, &view, tick(4));
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(4) },
            Event::HealingAdvanced {
                shard: s0,
                stage: HealingStage::ReadyForReintegration
            },
            Event::PipelineAdvanced {
                shard: s0,
                stage: PipelineStage::RecoveryComplete
            },
        ]
    );
    // [R-HEAL-6] Reintegration.
    let (events, view) = accept_checked(&cfg, &view, heal(0));
    assert_eq!(
        events,
        vec![
            Event::HealingAdvanced {
                shard: s0,
                stage: HealingStage::Reintegrated
            },
            Event::StatusChanged {
                shard: s0,
                from: ShardStatus::Healing,
                to: ShardStatus::Normal,
                cause,
            },
            Event::PipelineAdvanced {
                shard: s0,
                stage: PipelineStage::Reintegrated
            },
        ]
    );
    assert!(Example::Reintegrated.is_seen(&cfg, &view));
    healing_refused(&cfg, &view, 0, HealingRejection::NotHealing);
    healing_refused(&cfg, &view, 1, HealingRejection::UnknownShard);
}

#[test]
fn a_tick_of_a_healing_ready_for_reintegration_waits_while_a_fault_is_open() {
    let cfg = ModelConfig::recovery();
    let (view, _) = adjusted(&cfg);
    let mut ready = view.clone();
    if let Some(h) = ready.shards[0].healing.as_mut() {
        h.stage = HealingStage::ReadyForReintegration;
    }
    ready.shards[0].pipeline = Some(PipelineStage::RecoveryComplete);
    ready.shards[0]
        .faults
        .push(fault(FaultKind::LivenessFailure, None, 3, 1));
    healing_refused(&cfg, &ready, 0, HealingRejection::FaultOpen);
}

#[test]
fn a_rebuild_from_a_head_other_than_the_base_fails_and_freezes_the_shard() {
    let cfg = ModelConfig::recovery();
    let (view, _) = adjusted(&cfg);
    let mut moved = view.clone();
    moved.shards[0].head_root = root_in(1, 1);
    let (events, failed) = accept(&cfg, &moved, heal(0));
    let cause = fault(FaultKind::CheckpointStateMismatch, Some(3), 0, 2);
    assert_eq!(
        events,
        vec![
            Event::HealingFailed {
                shard: ShardId(0),
                reason: HealingFailure::RebuildMismatch
            },
            Event::StatusChanged {
                shard: ShardId(0),
                from: ShardStatus::Healing,
                to: ShardStatus::Frozen,
                cause,
            },
            Event::PipelineAdvanced {
                shard: ShardId(0),
                stage: PipelineStage::Failed
            },
        ]
    );
    let healing = failed.shards[0].healing.expect("a healing");
    assert_eq!(healing.stage, HealingStage::Initializing);
    assert_eq!(healing.failure, Some(HealingFailure::RebuildMismatch));
    assert!(matches!(
        failed.audit.last().map(|r| &r.entry),
        Some(AuditEntry::StatusChange {
            from: ShardStatus::Healing,
            to: ShardStatus::Frozen,
            ..
        })
    ));
    // A failed healing takes no tick, and detection leaves it frozen.
    healing_refused(&cfg, &failed, 0, HealingRejection::NotHealing);
}

#[test]
fn a_verification_checkpoint_with_another_root_fails_the_healing() {
    let cfg = ModelConfig::recovery();
    let (view, base) = adjusted(&cfg);
    let view = run_from(&cfg, &view, &[heal(0), heal(0), block(0), heal(0)]);
    let mut forged_head = view.clone();
    forged_head.shards[0]
        .finalized
        .push(mend_spec::FinalizedCheckpoint {
            checkpoint: Checkpoint {
                shard: ShardId(0),
                epoch: Epoch(3),
                height: Height(2),
                root: StateRoot::Forged {
                    height: Height(2),
                    nonce: 0,
                },
                parent: base.link(),
            },
            signers: ids(&[0, 1, 4]),
        });
    let (events, failed) = accept(&cfg, &forged_head, tick(4));
    assert_eq!(
        events[1],
        Event::HealingFailed {
            shard: ShardId(0),
            reason: HealingFailure::VerificationMismatch
        }
    );
    assert_eq!(failed.shards[0].status, ShardStatus::Frozen);
    assert_eq!(failed.shards[0].pipeline, Some(PipelineStage::Failed));
    // Without a checkpoint at the head the stage stays.
    let (events, waiting) = accept(&cfg, &view, tick(4));
    assert_eq!(events, vec![Event::EpochAdvanced { epoch: Epoch(4) }]);
    assert_eq!(
        waiting.shards[0].healing.map(|h| h.stage),
        Some(HealingStage::VerifyingState)
    );
}

#[test]
fn a_committee_short_of_n_at_adjustment_fails_the_healing_as_unrestorable() {
    // Two shards isolated at once with a reserve of one: shard 0, first in
    // the order, takes it; shard 1 stays at three members.
    let cfg = ModelConfig::concurrent();
    let c0 = honest_checkpoint(0, 0, 1, ParentLink::Genesis);
    let c1 = honest_checkpoint(1, 0, 1, ParentLink::Genesis);
    let forged_vote = |validator: u16, c: Checkpoint| {
        submit(Evidence::StateRootMismatch {
            vote: vote(validator, forged(c, 0)),
        })
    };
    let mut actions = vec![block(0), block(1)];
    for (c, first) in [(c0, 0), (c1, 4)] {
        actions.push(Action::ProposeCheckpoint(proposal(first, c)));
        for v in first..first + 3 {
            actions.push(Action::CastVote(vote(v, c)));
        }
    }
    actions.extend([forged_vote(3, c0), forged_vote(7, c1), tick(1), tick(2)]);
    actions.extend([advance(0); 5]);
    actions.extend([advance(1); 5]);
    let view = run(&cfg, &actions);
    assert!(Example::TwoShardsRecover.is_seen(&cfg, &view));
    assert_eq!(view.shards[0].committee, ids(&[0, 1, 2, 8]));
    assert_eq!(view.shards[1].committee, ids(&[4, 5, 6]));
    let (events, view) = accept_checked(&cfg, &view, tick(3));
    assert!(events.contains(&Event::PipelineAdvanced {
        shard: ShardId(0),
        stage: PipelineStage::Healing
    }));
    assert!(events.contains(&Event::HealingFailed {
        shard: ShardId(1),
        reason: HealingFailure::CommitteeUnrestorable
    }));
    let failed = &view.shards[1];
    assert_eq!(failed.status, ShardStatus::Frozen);
    assert_eq!(failed.rollback, None);
    assert_eq!(
        failed.healing.map(|h| (h.stage, h.failure)),
        Some((
            HealingStage::Initializing,
            Some(HealingFailure::CommitteeUnrestorable)
        ))
    );
    assert!(Example::HealingFails.is_seen(&cfg, &view));
}

/// A one-shard view of `params` with the open faults `faults` on shard 0.
fn with_faults(params: &Params, faults: &[Fault]) -> View {
    let mut view = init_view(params);
    view.shards[0].faults = faults.to_vec();
    view.shards[0].faults.sort();
    view
}

fn one_shard(reserve: u16, strategy: ReassignmentStrategy) -> ModelConfig {
    let params = Params::new(1, 4, 1, 2, 2)
        .and_then(|p| p.with_recovery(reserve, strategy))
        .expect("within bounds");
    ModelConfig {
        params,
        ..ModelConfig::recovery()
    }
}

fn slashes(events: &[Event]) -> Vec<(ValidatorId, Epoch)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::ValidatorSlashed {
                validator, window, ..
            } => Some((*validator, *window)),
            _ => None,
        })
        .collect()
}

#[test]
fn a_slash_that_would_leave_more_than_f_vacancies_is_deferred_while_its_fault_is_open() {
    let cfg = one_shard(0, ReassignmentStrategy::PrioritizeSlashed);
    let view = with_faults(
        &cfg.params,
        &[
            fault(FaultKind::CheckpointStateMismatch, Some(2), 0, 1),
            fault(FaultKind::CheckpointStateMismatch, Some(3), 0, 1),
        ],
    );
    let (events, view) = accept(&cfg, &view, tick(1));
    assert_eq!(slashes(&events), vec![(ValidatorId(2), Epoch(0))]);
    assert_eq!(view.shards[0].committee, ids(&[0, 1, 3]));
    // Still deferred at the next boundary: nothing refills the seat.
    let (events, view) = accept(&cfg, &view, tick(2));
    assert_eq!(slashes(&events), vec![]);
    assert_eq!(view.validators[3].stake, 1_000_000);
}

#[test]
fn a_validator_is_slashed_once_per_window_and_never_once_tombstoned() {
    let cfg = one_shard(0, ReassignmentStrategy::PrioritizeSlashed);
    // Two non-tombstoning faults of one window: one slash.
    let view = with_faults(
        &cfg.params,
        &[
            fault(FaultKind::ExecutionFailure, Some(3), 0, 1),
            fault(FaultKind::TransactionOrderingViolation, Some(3), 0, 2),
        ],
    );
    let (events, view) = accept(&cfg, &view, tick(1));
    assert_eq!(slashes(&events), vec![(ValidatorId(3), Epoch(0))]);
    assert_eq!(view.validators[3].stake, 900_000);
    assert!(!view.validators[3].tombstoned);
    // A tombstoning fault of window 0, then one of window 1: the second
    // finds it tombstoned.
    let view = with_faults(
        &cfg.params,
        &[
            fault(FaultKind::CheckpointStateMismatch, Some(3), 0, 1),
            fault(FaultKind::CheckpointStateMismatch, Some(3), 1, 1),
        ],
    );
    let mut view = view;
    view.epoch = Epoch(1);
    let (events, view) = accept(&cfg, &view, tick(2));
    assert_eq!(slashes(&events), vec![(ValidatorId(3), Epoch(0))]);
    assert!(view.validators[3].tombstoned);
    assert_eq!(view.validators[3].slashed_windows, vec![Epoch(0)]);
}

#[test]
fn a_cheap_offence_in_the_same_window_never_spares_a_validator_its_tombstone() {
    let cfg = one_shard(0, ReassignmentStrategy::PrioritizeSlashed);
    // An execution failure (kind 3) sorts before the checkpoint state
    // mismatch (kind 5) of the same window; the heavier reason slashes.
    let view = with_faults(
        &cfg.params,
        &[
            fault(FaultKind::ExecutionFailure, Some(3), 0, 1),
            fault(FaultKind::CheckpointStateMismatch, Some(3), 0, 1),
        ],
    );
    let (events, after) = accept(&cfg, &view, tick(1));
    assert_eq!(slashes(&events), vec![(ValidatorId(3), Epoch(0))]);
    assert!(events.iter().any(|e| matches!(
        e,
        Event::ValidatorSlashed {
            reason: SlashReason::FalseStateRoot,
            tombstoned: true,
            ..
        }
    )));
    assert!(after.validators[3].tombstoned);
    assert_eq!(after.validators[3].stake, 0);
    assert_eq!(
        check_step(&view, &after, &cfg.params, &cfg.byzantine),
        Ok(())
    );
}

#[test]
fn penalties_are_the_floor_of_the_stake_in_basis_points() {
    assert_eq!(compute_penalty(1_000_000, 100), 10_000);
    assert_eq!(compute_penalty(999, 100), 9);
    assert_eq!(compute_penalty(999, 5_000), 499);
    assert_eq!(compute_penalty(u64::MAX, 10_000), u64::MAX);
    assert_eq!(compute_penalty(0, 10_000), 0);
}

#[test]
fn a_reserve_validator_named_by_an_open_fault_is_not_eligible() {
    let cfg = one_shard(2, ReassignmentStrategy::PrioritizeSlashed);
    let mut view = init_view(&cfg.params);
    assert_eq!(compute_eligible(&view), ids(&[4, 5]));
    view.shards[0]
        .faults
        .push(fault(FaultKind::ExecutionFailure, Some(4), 0, 1));
    assert_eq!(compute_eligible(&view), ids(&[5]));
    view.validators[5].tombstoned = true;
    assert_eq!(compute_eligible(&view), ids(&[]));
}

#[test]
fn each_strategy_draws_its_own_ranking_of_the_reserve() {
    // PrioritizeSlashed: ascending id, sitting members stay.
    let cfg = one_shard(3, ReassignmentStrategy::PrioritizeSlashed);
    let mut view = init_view(&cfg.params);
    view.validators[4].stake = 500;
    let sitting = ids(&[0, 1, 2]);
    let eligible = ids(&[4, 5, 6]);
    assert_eq!(
        compute_draw(&view, &cfg.params, 0, None, &sitting, &eligible),
        ids(&[0, 1, 2, 4])
    );
    // StakeBalance: highest stake first, ties by id.
    let cfg = one_shard(3, ReassignmentStrategy::StakeBalance);
    assert_eq!(
        compute_draw(&view, &cfg.params, 0, None, &sitting, &eligible),
        ids(&[0, 1, 2, 5])
    );
    // DeterministicReshuffle: the n lowest ranks of members and reserve.
    let cfg = one_shard(3, ReassignmentStrategy::DeterministicReshuffle);
    let drawn = compute_draw(&view, &cfg.params, 0, None, &sitting, &eligible);
    let seed = mend_spec::audit::compute_abstract_root_digest(StateRoot::Genesis);
    let mut ranked = ids(&[0, 1, 2, 4, 5, 6]);
    ranked.sort_by_key(|v| (compute_reshuffle_rank(view.epoch, &seed, *v), *v));
    let mut expected = ranked[..4].to_vec();
    expected.sort();
    assert_eq!(drawn, expected);
    // Under ReassignBelowQuorum the sitting members are dropped.
    let cfg = one_shard(3, ReassignmentStrategy::PrioritizeSlashed);
    assert_eq!(
        compute_draw(
            &view,
            &cfg.params,
            0,
            Some(SeededBug::ReassignBelowQuorum),
            &sitting,
            &eligible
        ),
        ids(&[4])
    );
}

#[test]
fn an_active_pipeline_starts_no_second_one_and_a_low_fault_starts_none() {
    let cfg = ModelConfig::recovery();
    let (view, base) = based(&cfg);
    let low = submit(Evidence::OrderingViolation {
        claim: claim(3, 0, 0, 3, ClaimContent::Unordered),
    });
    let (events, after_low) = accept(&cfg, &view, low);
    assert_eq!(events.len(), 1);
    assert_eq!(after_low.shards[0].pipeline, None);
    let (_, started) = accept(&cfg, &view, forged_proposal(base));
    let again = submit(Evidence::StateRootMismatch {
        vote: vote(3, forged(base, 0)),
    });
    let (events, after) = accept(&cfg, &started, again);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(after.shards[0].pipeline, Some(PipelineStage::FaultDetected));
}
