//! Tests of the whole model: the pinned state count of the default
//! configuration, with and without symmetry reduction, every seeded bug
//! caught with a short counterexample whose trace replays, shrinking,
//! simulation, and the behaviour the checker explores.

use crate::behaviour::{enabled_actions, CheckpointModel, PropertyKind};
use crate::counterexample::{build_trace, replay_trace, shrink, ReplayMismatch};
use crate::rules::{apply, init_view, ModelConfig};
use crate::run::{check, check_symmetric, simulate, CheckReport, Verdict};
use mend_spec::trace::Trace;
use mend_spec::{
    Action, BlockFault, Epoch, Event, InvariantId, Outcome, SeededBug, ShardId, Signature,
    ValidatorId, View,
};
use stateright::{Checker, HasDiscoveries, Model};

/// Unique states of the default configuration, breadth first on one thread.
const DEFAULT_UNIQUE_STATES: usize = 1_573_900;

/// Unique states of the default configuration up to renaming the honest
/// members of each committee: depth first with symmetry reduction on one
/// thread. The representative is canonical, so this is the number of
/// classes of the 1,573,900 reachable views (a separate enumeration of
/// them, minimising over all 36 renamings, counted the same).
const DEFAULT_UNIQUE_STATES_UP_TO_SYMMETRY: usize = 188_380;

/// Applies actions that must all be accepted.
fn run(cfg: &ModelConfig, actions: &[Action]) -> View {
    let mut view = init_view(&cfg.params);
    for action in actions {
        let (outcome, next) = apply(&cfg.params, cfg.bug, &view, action);
        assert!(outcome.is_accepted(), "{action} rejected: {outcome}");
        view = next;
    }
    view
}

/// The first enabled action that `pick` accepts.
fn pick(cfg: &ModelConfig, view: &View, pick: impl Fn(&Action) -> bool) -> Action {
    enabled_actions(cfg, view)
        .into_iter()
        .find(|a| pick(a))
        .expect("no such enabled action")
}

fn is_vote_by(action: &Action, validator: u16) -> bool {
    matches!(action, Action::CastVote(v) if v.validator == ValidatorId(validator))
}

/// Asserts that every `always` property held and every `sometimes`
/// property had an example.
fn assert_every_property_passes(report: &CheckReport) {
    for p in &report.properties {
        let wanted = match p.kind {
            PropertyKind::Always => Verdict::Holds,
            PropertyKind::Sometimes => Verdict::ExampleFound,
        };
        assert_eq!(p.verdict, wanted, "{}", p.name);
    }
    assert!(report.passed());
    assert_eq!(report.counterexample, None);
}

#[test]
fn the_default_configuration_is_pinned_and_every_property_passes() {
    let report = check(&ModelConfig::default_config(), 1);
    assert_eq!(report.unique_states, DEFAULT_UNIQUE_STATES);
    assert_every_property_passes(&report);
}

#[test]
fn the_default_configuration_up_to_symmetry_is_pinned_smaller_and_every_property_passes() {
    let report = check_symmetric(&ModelConfig::default_config(), 1)
        .expect("the default Byzantine members are the highest of each committee");
    assert_eq!(report.unique_states, DEFAULT_UNIQUE_STATES_UP_TO_SYMMETRY);
    assert!(report.unique_states < DEFAULT_UNIQUE_STATES);
    assert_every_property_passes(&report);
}

/// Checks the default configuration with `bug` and asserts the shrunk
/// counterexample breaks the bug's invariant in `steps` steps, that its
/// trace replays to the same violation, and that the trace's JSON round
/// trips.
fn assert_caught(bug: SeededBug, steps: usize) -> CheckReport {
    let cfg = ModelConfig::default_config().with_bug(Some(bug));
    let report = check(&cfg, 1);
    assert_caught_in(&cfg, bug, steps, &report);
    report
}

/// The assertions of [`assert_caught`] on the report of any exhaustive
/// check of `cfg`, which runs with `bug`.
fn assert_caught_in(cfg: &ModelConfig, bug: SeededBug, steps: usize, report: &CheckReport) {
    assert!(!report.passed(), "{}: no failure", bug.name());
    let found = report
        .counterexample
        .clone()
        .unwrap_or_else(|| panic!("{}: no counterexample", bug.name()));
    assert_eq!(
        found.violation.invariant(),
        bug.caught_by(),
        "{}",
        bug.name()
    );
    assert_eq!(
        found.actions.len(),
        steps,
        "{}: {:?}",
        bug.name(),
        found.actions
    );
    assert!(found.discovered_steps >= steps);

    let trace = build_trace(cfg, &found.actions, "test", bug.description());
    assert_eq!(trace.states.len(), steps + 1);
    assert_eq!(trace.meta.violation, found.violation.to_string());
    assert_eq!(trace.meta.parse_seeded_bug(), Ok(Some(bug)));
    assert_eq!(replay_trace(&trace), Ok(Some(found.violation.clone())));

    let json = serde_json::to_string_pretty(&trace).expect("a trace encodes");
    let back: Trace = serde_json::from_str(&json).expect("a trace decodes");
    assert_eq!(back, trace);

    // Without the bug the same actions do not break the invariant.
    let correct = build_trace(&ModelConfig::default_config(), &found.actions, "test", "");
    assert_eq!(correct.meta.violation, "none", "{}", bug.name());
}

#[test]
fn quorum_of_two_f_is_caught_by_inv6_in_five_steps() {
    assert_caught(SeededBug::QuorumOfTwoF, 5);
}

#[test]
fn count_non_member_vote_is_caught_by_inv6_in_six_steps() {
    assert_caught(SeededBug::CountNonMemberVote, 6);
}

#[test]
fn count_duplicate_vote_is_caught_by_inv6_in_six_steps() {
    assert_caught(SeededBug::CountDuplicateVote, 6);
}

#[test]
fn refinalize_height_is_caught_by_inv7_in_eleven_steps() {
    let report = assert_caught(SeededBug::RefinalizeHeight, 11);
    // The search stops at the first violation, so an example may be
    // missing; the report says so rather than "no example".
    assert!(report
        .properties
        .iter()
        .all(|p| p.verdict != Verdict::NoExample));
}

#[test]
fn every_seeded_bug_is_caught_up_to_symmetry_by_the_same_invariant() {
    for bug in SeededBug::ALL {
        // The shrunk lengths. Depth first search finds RefinalizeHeight's
        // violation after three honest finalizations, re-finalizing height
        // 2 on top of height 6; shrinking deletes actions but cannot
        // re-route that chain through fewer finalizations, so its
        // counterexample is longer than the breadth-first one (11 steps).
        let steps = match bug {
            SeededBug::QuorumOfTwoF => 5,
            SeededBug::CountNonMemberVote | SeededBug::CountDuplicateVote => 6,
            SeededBug::RefinalizeHeight => 22,
        };
        let cfg = ModelConfig::default_config().with_bug(Some(bug));
        let report = check_symmetric(&cfg, 1).expect("the Byzantine members are the highest");
        assert_caught_in(&cfg, bug, steps, &report);
    }
}

#[test]
fn a_path_found_under_symmetry_is_a_run_of_the_model_from_the_initial_view() {
    let cfg = ModelConfig::default_config().with_bug(Some(SeededBug::QuorumOfTwoF));
    let checker = CheckpointModel::new(cfg.clone())
        .checker()
        .symmetry_fn(crate::symmetry::compute_representative)
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_dfs()
        .join();
    let path = checker.discovery("INV-6 quorum").expect("the bug is found");
    let states = path.clone().into_states();
    let actions = path.into_actions();
    assert_eq!(states.len(), actions.len() + 1);
    assert_eq!(states[0], init_view(&cfg.params));
    // The path passes through views that are not their own
    // representative: the checker continued from the views the actions
    // produced, not from their representatives.
    assert!(states
        .iter()
        .any(|s| crate::symmetry::compute_representative(s) != *s));
    // Every step is an enabled action the rules accept, and it leads to
    // the very state the checker recorded, not to a representative.
    for (i, action) in actions.iter().enumerate() {
        assert!(
            enabled_actions(&cfg, &states[i]).contains(action),
            "step {i}"
        );
        let (outcome, next) = apply(&cfg.params, cfg.bug, &states[i], action);
        assert!(outcome.is_accepted(), "step {i}: {outcome}");
        assert_eq!(next, states[i + 1], "step {i}");
    }
    let last = states.last().expect("a state");
    assert_eq!(
        crate::behaviour::check_invariant(InvariantId::Inv6ByzantineTolerance, last)
            .map_err(|v| v.invariant()),
        Err(InvariantId::Inv6ByzantineTolerance)
    );
}

/// The shortest QuorumOfTwoF counterexample, padded with steps that do not
/// matter.
fn padded_quorum_counterexample(cfg: &ModelConfig) -> Vec<Action> {
    let block = |shard| Action::ProduceBlock {
        shard: ShardId(shard),
        fault: BlockFault::None,
    };
    let mut actions = vec![block(1), block(0), block(1), block(0)];
    let view = run(cfg, &actions);
    actions.push(pick(
        cfg,
        &view,
        |a| matches!(a, Action::ProposeCheckpoint(p) if p.checkpoint.shard == ShardId(0)),
    ));
    let view = run(cfg, &actions);
    actions.push(pick(cfg, &view, |a| is_vote_by(a, 0)));
    actions.push(block(0));
    let view = run(cfg, &actions);
    actions.push(pick(cfg, &view, |a| is_vote_by(a, 1)));
    actions.push(block(0));
    actions
}

#[test]
fn shrinking_removes_every_step_that_does_not_matter() {
    let cfg = ModelConfig::default_config().with_bug(Some(SeededBug::QuorumOfTwoF));
    let padded = padded_quorum_counterexample(&cfg);
    assert_eq!(padded.len(), 9);
    let (short, violation) =
        shrink(&cfg, InvariantId::Inv6ByzantineTolerance, &padded).expect("it is a violation");
    assert_eq!(violation.invariant(), InvariantId::Inv6ByzantineTolerance);
    // Cut after the second vote, then the two shard-1 blocks deleted.
    assert_eq!(short.len(), 5, "{short:?}");
    assert!(short.iter().all(|a| !matches!(
        a,
        Action::ProduceBlock {
            shard: ShardId(1),
            ..
        }
    )));
}

#[test]
fn shrinking_lowers_epochs_when_it_removes_an_epoch_tick() {
    let cfg = ModelConfig::default_config().with_bug(Some(SeededBug::QuorumOfTwoF));
    let block = Action::ProduceBlock {
        shard: ShardId(0),
        fault: BlockFault::None,
    };
    let mut actions = vec![block, block, Action::AdvanceEpoch { epoch: Epoch(1) }];
    let view = run(&cfg, &actions);
    actions.push(pick(&cfg, &view, |a| {
        matches!(a, Action::ProposeCheckpoint(_))
    }));
    let view = run(&cfg, &actions);
    actions.push(pick(&cfg, &view, |a| is_vote_by(a, 0)));
    let view = run(&cfg, &actions);
    actions.push(pick(&cfg, &view, |a| is_vote_by(a, 1)));
    let (short, _) = shrink(&cfg, InvariantId::Inv6ByzantineTolerance, &actions).unwrap();
    assert_eq!(short.len(), 5, "{short:?}");
    assert!(short
        .iter()
        .all(|a| !matches!(a, Action::AdvanceEpoch { .. })));
}

#[test]
fn shrinking_refuses_a_run_without_a_violation() {
    let cfg = ModelConfig::default_config();
    let padded = padded_quorum_counterexample(&cfg.clone().with_bug(Some(SeededBug::QuorumOfTwoF)));
    // Under the correct rules the same run finalizes nothing.
    assert_eq!(
        shrink(&cfg, InvariantId::Inv6ByzantineTolerance, &padded),
        None
    );
}

#[test]
fn a_tampered_trace_does_not_replay() {
    let cfg = ModelConfig::default_config().with_bug(Some(SeededBug::QuorumOfTwoF));
    let actions = padded_quorum_counterexample(&cfg);
    let trace = build_trace(&cfg, &actions, "test", "padded");
    assert!(replay_trace(&trace).is_ok());

    let mut outcome = trace.clone();
    outcome.states[3].outcome = Outcome::Accepted { events: vec![] };
    assert!(matches!(
        replay_trace(&outcome),
        Err(ReplayMismatch::Outcome { index: 3, .. })
    ));

    let mut view = trace.clone();
    view.states[2].view.epoch = Epoch(7);
    assert!(matches!(
        replay_trace(&view),
        Err(ReplayMismatch::View { index: 2, .. })
    ));

    let mut violation = trace.clone();
    violation.meta.violation = "none".into();
    assert!(matches!(
        replay_trace(&violation),
        Err(ReplayMismatch::Violation { .. })
    ));

    // Without the bug the model does not finalize with two votes.
    let mut unbugged = trace.clone();
    unbugged.meta.seeded_bug = "none".into();
    assert!(matches!(
        replay_trace(&unbugged),
        Err(ReplayMismatch::Outcome { .. })
    ));

    let mut initial = trace;
    initial.states[0].view.shards.pop();
    assert!(matches!(
        replay_trace(&initial),
        Err(ReplayMismatch::InitialView { .. })
    ));
}

#[test]
fn a_trace_records_rejected_steps_with_the_view_unchanged() {
    let cfg = ModelConfig::default_config();
    let bad = Action::ProduceBlock {
        shard: ShardId(5),
        fault: BlockFault::None,
    };
    let trace = build_trace(&cfg, &[bad], "test", "one rejected step");
    assert_eq!(trace.states.len(), 2);
    assert!(!trace.states[1].outcome.is_accepted());
    assert_eq!(trace.states[1].view, trace.states[0].view);
    assert_eq!(replay_trace(&trace), Ok(None));
    assert_eq!(trace.meta.violation, "none");
}

#[test]
fn the_actions_of_a_view_come_out_in_the_same_order_every_time() {
    let cfg = ModelConfig::default_config();
    let model = CheckpointModel::new(cfg.clone());
    let padded = padded_quorum_counterexample(&cfg);
    let view = run(&cfg, &padded[..6]);
    let mut first = Vec::new();
    let mut second = Vec::new();
    model.actions(&view, &mut first);
    model.actions(&view, &mut second);
    assert_eq!(first, second);
    assert_eq!(first, enabled_actions(&cfg, &view));
}

#[test]
fn an_honest_validator_votes_once_per_height_and_a_byzantine_one_tries_again() {
    let cfg = ModelConfig::default_config();
    let padded = padded_quorum_counterexample(&cfg);
    // Shard 0 at height 2 with its checkpoint pending and v0's vote counted.
    let view = run(&cfg, &padded[..6]);
    let actions = enabled_actions(&cfg, &view);
    assert!(!actions.iter().any(|a| is_vote_by(a, 0)));
    assert!(actions.iter().any(|a| is_vote_by(a, 1)));
    // The Byzantine validators vote again and on the other committee's
    // shard, with valid signatures.
    let by_byzantine: Vec<_> = actions
        .iter()
        .filter_map(|a| match a {
            Action::CastVote(v) if cfg.is_byzantine(v.validator) => Some(*v),
            _ => None,
        })
        .collect();
    assert_eq!(by_byzantine.len(), 2);
    assert!(by_byzantine.iter().all(|v| v.signature == Signature::Valid));
    assert!(by_byzantine.iter().any(|v| v.validator == ValidatorId(7)));
    let voted = run(
        &cfg,
        &[
            padded[..6].to_vec(),
            vec![Action::CastVote(by_byzantine[0])],
        ]
        .concat(),
    );
    let again = enabled_actions(&cfg, &voted);
    assert!(
        again.iter().any(|a| is_vote_by(a, 3)),
        "a Byzantine vote repeats"
    );
}

#[test]
fn every_enabled_action_stays_within_the_bounds() {
    let mut cfg = ModelConfig::default_config();
    cfg.max_heights = vec![1, 0];
    cfg.max_epoch = 0;
    let view = init_view(&cfg.params);
    let actions = enabled_actions(&cfg, &view);
    assert_eq!(
        actions,
        vec![Action::ProduceBlock {
            shard: ShardId(0),
            fault: BlockFault::None
        }]
    );
    let top = run(&cfg, &actions);
    assert!(enabled_actions(&cfg, &top).is_empty());
}

#[test]
fn a_simulation_finds_a_seeded_bug_and_its_trace_replays() {
    let cfg = ModelConfig::large(2, 4).with_bug(Some(SeededBug::QuorumOfTwoF));
    let report = simulate(&cfg, 7, 60, 200, 1, |_| {});
    let found = report.counterexample.expect("the bug is found");
    assert_eq!(
        found.violation.invariant(),
        InvariantId::Inv6ByzantineTolerance
    );
    assert_eq!(found.actions.len(), 5);
    let trace = build_trace(&cfg, &found.actions, "test", "simulation");
    assert_eq!(replay_trace(&trace), Ok(Some(found.violation)));
}

#[test]
fn a_simulation_of_the_correct_rules_holds_and_repeats_with_its_seed() {
    let cfg = ModelConfig::large(3, 7);
    let first = simulate(&cfg, 11, 80, 20, 1, |_| {});
    let second = simulate(&cfg, 11, 80, 20, 1, |_| {});
    assert_eq!(first.counterexample, None);
    for p in &first.properties {
        if p.kind == PropertyKind::Always {
            assert_eq!(p.verdict, Verdict::Holds, "{}", p.name);
        }
    }
    assert_eq!(first.states, second.states);
    assert_eq!(first.properties, second.properties);
    assert!(first.states >= 20 * 80);
}

#[test]
fn the_finalizing_step_of_a_counterexample_is_in_its_trace() {
    let cfg = ModelConfig::default_config().with_bug(Some(SeededBug::CountDuplicateVote));
    let report = check(&cfg, 1);
    let found = report.counterexample.expect("the bug is found");
    let steps = found.steps(&cfg);
    let last = steps.last().expect("a step");
    let Outcome::Accepted { events } = &last.outcome else {
        panic!("the last step was rejected");
    };
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::CheckpointFinalized { .. })));
}
