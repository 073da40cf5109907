//! The two-replica model ([`crate::determinism`], [R-DET-5]): its state
//! count is pinned, every property passes on the correct rules, the order
//! bug is caught with a short counterexample whose two input lists are one
//! multiset in two orders, and a sequenced input waits for the second
//! replica to catch up.

use crate::config::{ModelConfig, DETERMINISM_GOSSIP_PER_SEGMENT};
use crate::determinism::{check_pair, is_gossiped, ReplicaAction, ReplicasModel};
use crate::run::Verdict;
use mend_spec::{Action, SeededBug, ViewPart, Violation};
use stateright::Model;

/// Unique states of the `determinism` configuration, breadth first on one
/// thread.
const DETERMINISM_UNIQUE_STATES: usize = 1_877_293;

#[test]
fn the_determinism_configuration_is_pinned_and_every_property_passes() {
    let (report, counterexample) = check_pair(&ModelConfig::determinism(), 1, |_| {});
    assert_eq!(report.unique_states, DETERMINISM_UNIQUE_STATES);
    for property in &report.properties {
        assert!(
            matches!(property.verdict, Verdict::Holds | Verdict::ExampleFound),
            "{}: {:?}",
            property.name,
            property.verdict
        );
    }
    assert!(report.passed());
    assert_eq!(counterexample, None);
}

#[test]
fn first_quorum_certificate_is_caught_by_inv5_in_eleven_steps() {
    let cfg = ModelConfig::for_bug(SeededBug::FirstQuorumCertificate);
    assert!(cfg.is_replica_pair());
    let (report, counterexample) = check_pair(&cfg, 1, |_| {});
    assert!(!report.passed());
    let found = counterexample.expect("a counterexample");
    assert_eq!(found.steps.len(), 11);
    assert_eq!(
        found.violation,
        Violation::ReplicasDiverged {
            part: ViewPart::Finalized,
            shard: Some(mend_spec::ShardId(0)),
        }
    );
    // The two replicas received one multiset of inputs, in two orders, and
    // the same sequenced inputs at the same places.
    let (first, second) = (found.first_inputs(), found.second_inputs());
    assert_ne!(first, second);
    let (mut a, mut b) = (first.clone(), second.clone());
    a.sort();
    b.sort();
    assert_eq!(a, b);
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(is_gossiped(x), is_gossiped(y));
        if !is_gossiped(x) {
            assert_eq!(x, y);
        }
    }
}

#[test]
fn a_sequenced_input_waits_until_the_second_replica_has_caught_up() {
    let model = ReplicasModel {
        cfg: ModelConfig::determinism(),
        gossip_per_segment: DETERMINISM_GOSSIP_PER_SEGMENT,
    };
    let mut state = model.init_states().remove(0);
    // Two blocks and the honest proposal, then one honest vote gossiped.
    let mut enabled = Vec::new();
    for _ in 0..2 {
        enabled.clear();
        model.actions(&state, &mut enabled);
        let block = enabled
            .iter()
            .find(|a| matches!(a, ReplicaAction::Sequenced(Action::ProduceBlock { fault, .. }) if *fault == mend_spec::BlockFault::None))
            .copied()
            .expect("a block is offered");
        state = model.next_state(&state, block).expect("the block applies");
    }
    enabled.clear();
    model.actions(&state, &mut enabled);
    let vote = enabled
        .iter()
        .find(|a| matches!(a, ReplicaAction::Gossip(Action::CastVote(_))))
        .copied();
    assert_eq!(
        vote, None,
        "no checkpoint is pending, so no vote is offered"
    );
    let propose = enabled
        .iter()
        .find(|a| matches!(a, ReplicaAction::Sequenced(Action::ProposeCheckpoint(p)) if p.proposer.0 == 0))
        .copied()
        .expect("the honest proposal is offered");
    state = model
        .next_state(&state, propose)
        .expect("the proposal applies");
    enabled.clear();
    model.actions(&state, &mut enabled);
    let vote = enabled
        .iter()
        .find(|a| matches!(a, ReplicaAction::Gossip(Action::CastVote(_))))
        .copied()
        .expect("a vote is offered");
    state = model
        .next_state(&state, vote)
        .expect("the vote is gossiped");
    assert_eq!(state.in_flight.len(), 1);
    assert_ne!(state.first, state.second);
    enabled.clear();
    model.actions(&state, &mut enabled);
    assert!(
        enabled
            .iter()
            .all(|a| !matches!(a, ReplicaAction::Sequenced(_))),
        "a sequenced input was offered while a vote was in flight"
    );
    let ReplicaAction::Gossip(gossiped) = vote else {
        unreachable!()
    };
    assert!(enabled.contains(&ReplicaAction::Deliver(gossiped)));
    state = model
        .next_state(&state, ReplicaAction::Deliver(gossiped))
        .expect("the delivery applies");
    assert!(state.in_flight.is_empty());
    assert_eq!(state.first, state.second);
}
