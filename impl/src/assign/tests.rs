//! Reassignment: the three strategies, eligibility, a known-answer vector
//! for the reshuffle, and independence from arrival order.

use super::*;
use crate::crypto::compute_fault_id;
use crate::testkit::Harness;
use mend_spec::{Fault, FaultKind, Generation, Height, Params, ShardId};

fn params(reserve: u16, strategy: ReassignmentStrategy) -> Params {
    Params::default_config()
        .with_recovery(reserve, strategy)
        .unwrap()
}

fn fault(kind: FaultKind, accused: u16, shard: u16) -> (ShardId, Fault) {
    (
        ShardId(shard),
        Fault {
            kind,
            accused: Some(ValidatorId(accused)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(1),
        },
    )
}

fn open(h: &mut Harness, faults: &[(ShardId, Fault)]) {
    let state = h.engine.state_mut();
    for (s, f) in faults {
        state.shards[usize::from(s.0)]
            .faults
            .insert_for_test(*f, compute_fault_id(*s, f));
        state.validators.open_fault(f);
    }
}

fn ids(v: &[u16]) -> Vec<ValidatorId> {
    v.iter().map(|v| ValidatorId(*v)).collect()
}

#[test]
fn prioritize_slashed_fills_the_seat_with_the_lowest_eligible_id() {
    let mut h = Harness::new(params(3, ReassignmentStrategy::PrioritizeSlashed));
    // v8, the lowest reserve id, is named by an open fault on shard 1, so it
    // is not eligible: v9 is drawn.
    open(
        &mut h,
        &[
            fault(FaultKind::StateRootMismatch, 1, 0),
            fault(FaultKind::ExecutionFailure, 8, 1),
        ],
    );
    let events = h.advance_epoch();
    assert!(events.contains(&EngineEvent::CommitteeReassigned {
        shard: ShardId(0),
        committee: ids(&[0, 2, 3, 9]),
    }));
    let last = h
        .engine
        .audit_log()
        .iter()
        .find(|r| matches!(r.entry, AuditEntry::Reassignment { .. }));
    assert_eq!(
        last.map(|r| r.entry.clone()),
        Some(AuditEntry::Reassignment {
            shard: ShardId(0),
            strategy: ReassignmentStrategy::PrioritizeSlashed,
            before: ids(&[0, 2, 3]),
            after: ids(&[0, 2, 3, 9]),
        })
    );
}

#[test]
fn stake_balance_draws_the_highest_stake_first_then_the_lowest_id() {
    let mut h = Harness::new(params(3, ReassignmentStrategy::StakeBalance));
    // Lower v8's stake by hand (a slash long ago), keeping the indices.
    {
        let table = &mut h.engine.state_mut().validators;
        table.seat(ValidatorId(8), ShardId(1));
        table.records[8].stake = 10;
        table.unseat(ValidatorId(8));
    }
    open(&mut h, &[fault(FaultKind::StateRootMismatch, 1, 0)]);
    h.advance_epoch();
    assert_eq!(h.committee(ShardId(0)), ids(&[0, 2, 3, 9]));
}

#[test]
fn the_reshuffle_ranks_by_the_digest_of_epoch_seed_and_id_known_answer() {
    let seed = [7u8; 32];
    let drawn = compute_reshuffle(Epoch(3), &seed, (0..12).map(ValidatorId), 4);
    assert_eq!(drawn, ids(&RESHUFFLE_KAT));
    // The order and repeats of the candidates do not matter.
    let shuffled = [11, 3, 5, 0, 7, 1, 9, 2, 4, 6, 8, 10, 3, 3].map(ValidatorId);
    assert_eq!(compute_reshuffle(Epoch(3), &seed, shuffled, 4), drawn);
    // Fewer candidates than n: all of them.
    assert_eq!(
        compute_reshuffle(Epoch(3), &seed, ids(&[5, 2]), 4),
        ids(&[2, 5])
    );
}

/// `compute_reshuffle(Epoch(3), &[7; 32], 0..12, 4)`, committed and checked
/// against an independent SHA3-256 (Python hashlib).
const RESHUFFLE_KAT: [u16; 4] = [6, 7, 10, 11];

#[test]
fn a_reshuffle_redraws_the_committee_from_its_members_and_the_reserve() {
    let mut h = Harness::new(params(4, ReassignmentStrategy::DeterministicReshuffle));
    open(&mut h, &[fault(FaultKind::StateRootMismatch, 1, 0)]);
    h.advance_epoch();
    let seed = crate::crypto::compute_genesis_root(ShardId(0));
    let expected = compute_reshuffle(Epoch(1), &seed, ids(&[0, 2, 3, 8, 9, 10, 11]), 4);
    assert_eq!(h.committee(ShardId(0)), expected);
    // Every seat holder's record knows its seat; the others are reserve.
    let state = h.engine.state_mut();
    for v in 0..12u16 {
        let seated = expected.contains(&ValidatorId(v)) || (4..8).contains(&v);
        assert_eq!(
            state.validators.get(ValidatorId(v)).unwrap().seat.is_some(),
            seated,
            "v{v}"
        );
    }
}

#[test]
fn the_draw_does_not_depend_on_the_order_the_faults_arrived_in() {
    let faults = [
        fault(FaultKind::ExecutionFailure, 1, 0),
        fault(FaultKind::StateRootMismatch, 5, 1),
        fault(FaultKind::ValidatorEquivocation, 2, 0),
        fault(FaultKind::ExecutionFailure, 10, 1),
    ];
    for strategy in ReassignmentStrategy::ALL {
        let mut engines = Vec::new();
        for order in [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]] {
            let mut h = Harness::new(params(4, strategy));
            for i in order {
                open(&mut h, &[faults[i]]);
            }
            h.advance_epoch();
            h.advance_epoch();
            engines.push(h.engine);
        }
        assert!(engines.windows(2).all(|w| w[0] == w[1]), "{strategy:?}");
        // The accused reserve member v10 was never drawn.
        let view = engines[0].snapshot();
        assert!(view
            .shards
            .iter()
            .all(|s| !s.committee.contains(&ValidatorId(10))));
    }
}

#[test]
fn a_full_committee_or_an_empty_reserve_draws_nothing() {
    let mut h = Harness::new(params(0, ReassignmentStrategy::PrioritizeSlashed));
    open(&mut h, &[fault(FaultKind::StateRootMismatch, 1, 0)]);
    let events = h.advance_epoch();
    assert!(!events
        .iter()
        .any(|e| matches!(e, EngineEvent::CommitteeReassigned { .. })));
    assert_eq!(h.committee(ShardId(0)), ids(&[0, 2, 3]));
}

#[cfg(feature = "seeded-bugs")]
#[test]
fn reassign_below_quorum_keeps_only_the_drawn_validators() {
    let mut h = Harness::with_bug(
        params(2, ReassignmentStrategy::PrioritizeSlashed),
        mend_spec::SeededBug::ReassignBelowQuorum,
    );
    open(&mut h, &[fault(FaultKind::StateRootMismatch, 1, 0)]);
    h.advance_epoch();
    assert_eq!(h.committee(ShardId(0)), ids(&[8]));
}

#[cfg(feature = "seeded-bugs")]
#[test]
fn slash_without_evidence_slashes_the_lowest_member_on_liveness() {
    let mut h = Harness::with_bug(
        params(0, ReassignmentStrategy::PrioritizeSlashed),
        mend_spec::SeededBug::SlashWithoutEvidence,
    );
    let mut liveness = fault(FaultKind::LivenessFailure, 0, 0);
    liveness.1.accused = None;
    open(&mut h, &[liveness]);
    let events = h.advance_epoch();
    assert!(events.iter().any(|e| matches!(
        e,
        EngineEvent::ValidatorSlashed {
            validator: ValidatorId(0),
            ..
        }
    )));
}
