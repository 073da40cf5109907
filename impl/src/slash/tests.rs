//! Slashing: the penalty arithmetic, the terms table, and every skip rule
//! (tombstoned, same window, the cap of `f` vacancies and its deferral).

use super::*;
use crate::crypto::compute_fault_id;
use crate::testkit::Harness;
use crate::wire::Message;
use mend_spec::{Generation, Height};

fn fault(kind: FaultKind, accused: u16, epoch: u64, height: u64) -> Fault {
    Fault {
        kind,
        accused: Some(ValidatorId(accused)),
        generation: Generation(0),
        epoch: Epoch(epoch),
        height: Height(height),
    }
}

/// Opens `faults` on shard 0 directly, as accepted evidence would.
fn open(h: &mut Harness, faults: &[Fault]) {
    let state = h.engine.state_mut();
    for f in faults {
        state.shards[0]
            .faults
            .insert_for_test(*f, compute_fault_id(ShardId(0), f));
        state.validators.open_fault(f);
    }
}

fn tick(h: &mut Harness) -> Vec<EngineEvent> {
    let epoch = Epoch(h.epoch().0 + 1);
    h.engine.apply(&Message::AdvanceEpoch { epoch }).unwrap()
}

fn slashed(events: &[EngineEvent]) -> Vec<(u16, u64)> {
    events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::ValidatorSlashed {
                validator, penalty, ..
            } => Some((validator.0, *penalty)),
            _ => None,
        })
        .collect()
}

#[test]
fn the_penalty_is_integer_basis_points_of_the_stake_rounded_down() {
    assert_eq!(compute_penalty(STAKE_GENESIS, 5_000), 500_000);
    assert_eq!(compute_penalty(STAKE_GENESIS, 10_000), STAKE_GENESIS);
    assert_eq!(compute_penalty(STAKE_GENESIS, 100), 10_000);
    assert_eq!(compute_penalty(999, 100), 9);
    assert_eq!(compute_penalty(99, 100), 0);
    assert_eq!(compute_penalty(u64::MAX, 10_000), u64::MAX);
    assert_eq!(compute_penalty(u64::MAX, 5_000), u64::MAX / 2);
    // Never more than the stake, whatever the basis points.
    assert_eq!(compute_penalty(7, u64::MAX), 7);
}

#[test]
fn each_fault_kind_has_the_reason_penalty_and_tombstone_of_the_table() {
    let table = [
        (
            FaultKind::StateRootMismatch,
            SlashReason::FalseStateRoot,
            10_000,
            true,
        ),
        (
            FaultKind::ValidatorEquivocation,
            SlashReason::Equivocation,
            5_000,
            true,
        ),
        (
            FaultKind::InvalidCrossShardReceipt,
            SlashReason::CrossShardViolation,
            5_000,
            true,
        ),
        (
            FaultKind::ExecutionFailure,
            SlashReason::TransactionMisbehaviour,
            1_000,
            false,
        ),
        (
            FaultKind::LivenessFailure,
            SlashReason::MissedProposals,
            100,
            false,
        ),
        (
            FaultKind::CheckpointStateMismatch,
            SlashReason::FalseStateRoot,
            10_000,
            true,
        ),
        (
            FaultKind::TransactionOrderingViolation,
            SlashReason::TransactionMisbehaviour,
            1_000,
            false,
        ),
    ];
    for (kind, reason, basis_points, tombstones) in table {
        assert_eq!(
            compute_slash_terms(kind),
            SlashTerms {
                reason,
                basis_points,
                tombstones
            }
        );
    }
}

#[test]
fn genesis_gives_every_validator_its_stake_and_the_reserve_no_seat() {
    let params = Params::default_config()
        .with_recovery(3, mend_spec::protocol::ReassignmentStrategy::StakeBalance)
        .unwrap();
    let table = ValidatorTable::genesis(&params);
    assert_eq!(table.records().len(), 11);
    assert!(table
        .records()
        .iter()
        .all(|r| r.stake == STAKE_GENESIS && !r.tombstoned));
    assert_eq!(table.get(ValidatorId(5)).unwrap().seat, Some(ShardId(1)));
    assert_eq!(table.get(ValidatorId(8)).unwrap().seat, None);
    assert!(table.is_eligible(ValidatorId(10)));
    assert!(!table.is_eligible(ValidatorId(0)));
    assert_eq!(table.get(ValidatorId(11)), None);
}

#[test]
fn a_non_tombstoning_slash_leaves_the_validator_in_the_reserve_with_less_stake() {
    let mut h = Harness::default_config();
    open(&mut h, &[fault(FaultKind::ExecutionFailure, 2, 0, 1)]);
    let events = tick(&mut h);
    assert_eq!(slashed(&events), vec![(2, 100_000)]);
    let v = h.engine.validator(ValidatorId(2)).unwrap();
    assert_eq!((v.stake, v.tombstoned), (900_000, false));
    assert_eq!(v.slashed_windows, vec![Epoch(0)]);
    assert!(!h.committee(ShardId(0)).contains(&ValidatorId(2)));
    // Still accused: not eligible, so not drawn back while the fault is open.
    assert!(!h.engine.state_mut().validators.is_eligible(ValidatorId(2)));
    let record = &h.engine.audit_log()[0];
    assert_eq!(
        record.entry,
        crate::audit::AuditEntry::Slash {
            validator: ValidatorId(2),
            shard: ShardId(0),
            reason: SlashReason::TransactionMisbehaviour,
            fault: compute_fault_id(ShardId(0), &fault(FaultKind::ExecutionFailure, 2, 0, 1)),
            window: Epoch(0),
            stake_before: STAKE_GENESIS,
            stake_after: 900_000,
            tombstoned: false,
        }
    );
}

#[test]
fn never_twice_in_one_window_never_a_tombstoned_validator() {
    let mut h = Harness::default_config();
    // Two faults of v1 in window 0, one in window 1: the first and the
    // third slash. v2 is tombstoned first, then named again.
    open(
        &mut h,
        &[
            fault(FaultKind::ExecutionFailure, 1, 0, 1),
            fault(FaultKind::TransactionOrderingViolation, 1, 0, 2),
            fault(FaultKind::ExecutionFailure, 1, 1, 3),
        ],
    );
    let events = tick(&mut h);
    assert_eq!(slashed(&events), vec![(1, 100_000), (1, 90_000)]);
    assert_eq!(
        h.engine.validator(ValidatorId(1)).unwrap().slashed_windows,
        vec![Epoch(0), Epoch(1)]
    );
    let mut h = Harness::default_config();
    open(
        &mut h,
        &[
            fault(FaultKind::StateRootMismatch, 2, 0, 1),
            fault(FaultKind::ExecutionFailure, 2, 1, 1),
        ],
    );
    let events = tick(&mut h);
    assert_eq!(slashed(&events), vec![(2, STAKE_GENESIS)]);
    assert!(h.engine.validator(ValidatorId(2)).unwrap().tombstoned);
}

#[test]
fn a_slash_that_would_exceed_f_vacancies_is_deferred_until_there_is_room() {
    // n = 4, f = 1: the second member's slash waits.
    let params = Params::default_config()
        .with_recovery(
            1,
            mend_spec::protocol::ReassignmentStrategy::PrioritizeSlashed,
        )
        .unwrap();
    let mut h = Harness::new(params);
    open(
        &mut h,
        &[
            fault(FaultKind::ExecutionFailure, 1, 0, 1),
            fault(FaultKind::ExecutionFailure, 2, 0, 1),
        ],
    );
    let events = tick(&mut h);
    assert_eq!(slashed(&events), vec![(1, 100_000)]);
    // The reserve's v8 refilled the seat at once.
    assert_eq!(
        h.committee(ShardId(0)),
        vec![
            ValidatorId(0),
            ValidatorId(2),
            ValidatorId(3),
            ValidatorId(8)
        ]
    );
    // The fault is still open: taken again at the next boundary.
    let events = tick(&mut h);
    assert_eq!(slashed(&events), vec![(2, 100_000)]);
    // No reserve left (v1 is still accused): the committee stays short.
    assert_eq!(h.committee(ShardId(0)).len(), 3);
}

/// [R-SLASH-3] Of one validator's open faults in one window, the heaviest
/// reason slashes, whatever order the faults sort in: an execution failure
/// (kind 3, not tombstoning) sorts before a checkpoint state mismatch (kind
/// 5, tombstoning) of the same window, and must not spare the tombstone.
#[test]
fn a_cheap_offence_in_the_same_window_never_spares_a_validator_its_tombstone() {
    let mut h = Harness::default_config();
    open(
        &mut h,
        &[
            fault(FaultKind::ExecutionFailure, 3, 0, 1),
            fault(FaultKind::CheckpointStateMismatch, 3, 0, 1),
        ],
    );
    let events = tick(&mut h);
    assert_eq!(slashed(&events), vec![(3, STAKE_GENESIS)]);
    assert!(events.iter().any(|e| matches!(
        e,
        EngineEvent::ValidatorSlashed {
            reason: SlashReason::FalseStateRoot,
            tombstoned: true,
            ..
        }
    )));
    let record = h.engine.validator(ValidatorId(3)).expect("registered");
    assert!(record.tombstoned);
    assert_eq!(record.stake, 0);
}
