//! Tests of the whole model: the pinned state count of every configuration
//! of the default suite, with and without symmetry reduction; every seeded
//! bug caught by its invariant with a short counterexample whose trace
//! replays; shrinking; simulation; the behaviour the checker explores; and
//! the rules of fault detection, isolation and the audit log (`spec/SPEC.md`
//! §5), one test per fault kind and per evidence rejection. The rules of §6
//! have their own modules: [`xtx`] for cross-shard transactions and
//! [`rollback`] for rollback; §7 has [`recovery`] for slashing,
//! reassignment, healing and the pipeline; [`finality`] holds the
//! checkpoint rules that make a segment of votes and evidence order-free
//! (§11, [R-DET-2]) as one replica sees them.

use crate::behaviour::{
    compute_next_state, enabled_actions, AlwaysProperty, CheckpointModel, Example, ModelState,
    PropertyKind,
};
use crate::counterexample::{build_trace, replay_trace, shrink, ReplayMismatch};
use crate::rules::detect::compute_signed_parts;
use crate::rules::{apply, compute_honest_root, init_view, ModelConfig};
use crate::run::{check, check_symmetric, simulate, CheckReport, Verdict};
use mend_spec::audit::compute_next_record;
use mend_spec::trace::Trace;
use mend_spec::{
    check_step, Action, AuditEntry, BlockClaim, BlockFault, BlockRejection, Checkpoint,
    ClaimContent, Epoch, Event, Evidence, EvidenceRejection, Fault, FaultKind, Generation, Height,
    InvariantId, Outcome, ParentLink, Proposal, Receipt, Rejection, SeededBug, ShardId,
    ShardStatus, Signature, StateRoot, ValidatorId, View, Vote, XtxDecision, XtxId, XtxPrepare,
    XtxVote,
};
use stateright::{Checker, HasDiscoveries, Model};

mod determinism;
mod finality;
mod recovery;
mod rollback;
mod xtx;

/// Unique states of each configuration of the default suite, breadth first
/// on one thread.
///
/// 384,000 before the order-free checkpoint rules ([R-DET-2]). A forged
/// sibling that stays pending after the honest checkpoint finalizes,
/// counting votes, made 630,710; a vote that arrives after the quorum's,
/// which an honest member that has not voted now casts and which joins the
/// certificate, 881,050.
const FINALITY_UNIQUE_STATES: usize = 881_050;
/// 30,927 before the order-free checkpoint rules; 70,267 with stale
/// siblings and `K + 1` checkpoints retained until the boundary; 113,603
/// with late votes.
const RETENTION_UNIQUE_STATES: usize = 113_603;
/// 312,376 before slashing: the boundary that detection raises a status
/// at now also slashes the accused Byzantine member, which leaves the
/// committee and neither proposes nor votes again. That made 208,404; the
/// order-free checkpoint rules made 291,870, and state-root mismatch judged
/// against the chain ([R-FAULT-2] kind 1), so that a forged vote at the
/// next checkpoint height is evidence before any quorum, 314,568.
const FAULTS_UNIQUE_STATES: usize = 314_568;
/// 524,648 before rollback: a shard isolated at one boundary now starts
/// its rollback at the next, which fails with no checkpoint to return to,
/// and its fault may isolate it again (1,359,962). Slashing then took it
/// to 136,212: the first boundary after a receipt or an execution failure
/// disables the accused Byzantine member, which can then be accused of
/// nothing more on its shard ([R-FAULT-3] check 4).
const LIVENESS_UNIQUE_STATES: usize = 48_489;
/// 321,549 before slashing: the forged proposal's signer is tombstoned
/// and leaves its committee at the boundary that isolates its shard.
const ROLLBACK_UNIQUE_STATES: usize = 301_835;
/// 10,340 before late votes: the committee that verifies the healing has
/// four honest members, the drawn reserve validator among them, so a
/// fourth vote can arrive after the quorum's.
const RECOVERY_UNIQUE_STATES: usize = 12_731;
/// 11,081 while state-root mismatch needed a finalized checkpoint: a forged
/// vote at height 1 is now evidence as soon as the head reaches it, so
/// either shard can be isolated before it finalizes (its rollback then
/// fails for want of a checkpoint, [R-RB-3]), beside every interleaving of
/// the runs that finalize first.
const CONCURRENT_UNIQUE_STATES: usize = 126_181;

/// Unique states of each configuration up to renaming the honest members
/// of each committee: depth first with symmetry reduction on one thread.
/// The representative is canonical, so these are the numbers of classes of
/// the reachable views (`symmetry.rs` checks that by brute force on smaller
/// bounds). `liveness`, `recovery` and `concurrent` are refused: their
/// committees take in validators the representative cannot tell from
/// honest members ([`crate::symmetry`], "Committees that change").
/// Before slashing `faults` had 76,176 classes and `rollback` 202,173;
/// before the order-free checkpoint rules ([R-DET-2]) `finality` had
/// 61,272, `retention` 7,479 and `faults` 51,888.
const FINALITY_UNIQUE_STATES_UP_TO_SYMMETRY: usize = 179_426;
const RETENTION_UNIQUE_STATES_UP_TO_SYMMETRY: usize = 32_481;
const FAULTS_UNIQUE_STATES_UP_TO_SYMMETRY: usize = 91_804;
const ROLLBACK_UNIQUE_STATES_UP_TO_SYMMETRY: usize = 190_987;

/// Applies actions that must all be accepted.
fn run(cfg: &ModelConfig, actions: &[Action]) -> View {
    run_from(cfg, &init_view(&cfg.params), actions)
}

/// Applies actions that must all be accepted, from `view`.
fn run_from(cfg: &ModelConfig, view: &View, actions: &[Action]) -> View {
    let mut view = view.clone();
    for action in actions {
        let (outcome, next) = apply(&cfg.params, cfg.bug, &view, action);
        assert!(outcome.is_accepted(), "{action} rejected: {outcome}");
        view = next;
    }
    view
}

/// Applies one action that must be accepted; returns its events and the
/// view after it.
fn accept(cfg: &ModelConfig, view: &View, action: Action) -> (Vec<Event>, View) {
    let (outcome, next) = apply(&cfg.params, cfg.bug, view, &action);
    match outcome {
        Outcome::Accepted { events } => (events, next),
        Outcome::Rejected { rejection } => panic!("{action} rejected: {rejection:?}"),
    }
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
        assert_eq!(p.verdict, wanted, "{}: {}", report.cfg.name, p.name);
    }
    assert!(report.passed());
    assert_eq!(report.counterexample, None);
}

/// Checks `cfg` breadth first on one thread and asserts the pinned count
/// and every property.
fn assert_pinned(cfg: &ModelConfig, unique_states: usize) {
    let report = check(cfg, 1);
    assert_eq!(report.unique_states, unique_states, "{}", cfg.name);
    assert_every_property_passes(&report);
}

#[test]
fn the_finality_configuration_is_pinned_and_every_property_passes() {
    let cfg = ModelConfig::finality();
    assert_pinned(&cfg, FINALITY_UNIQUE_STATES);
}

#[test]
fn the_retention_configuration_is_pinned_and_every_property_passes() {
    let cfg = ModelConfig::retention();
    assert_pinned(&cfg, RETENTION_UNIQUE_STATES);
}

#[test]
fn the_faults_configuration_is_pinned_and_every_property_passes() {
    let cfg = ModelConfig::faults();
    assert_pinned(&cfg, FAULTS_UNIQUE_STATES);
}

#[test]
fn the_liveness_configuration_is_pinned_and_every_property_passes() {
    assert_pinned(&ModelConfig::liveness(), LIVENESS_UNIQUE_STATES);
}

#[test]
fn the_rollback_configuration_is_pinned_and_every_property_passes() {
    assert_pinned(&ModelConfig::rollback(), ROLLBACK_UNIQUE_STATES);
}

#[test]
fn every_configuration_up_to_symmetry_is_pinned_no_larger_and_every_property_passes() {
    let pins = [
        (
            ModelConfig::finality(),
            FINALITY_UNIQUE_STATES_UP_TO_SYMMETRY,
            FINALITY_UNIQUE_STATES,
        ),
        (
            ModelConfig::retention(),
            RETENTION_UNIQUE_STATES_UP_TO_SYMMETRY,
            RETENTION_UNIQUE_STATES,
        ),
        (
            ModelConfig::faults(),
            FAULTS_UNIQUE_STATES_UP_TO_SYMMETRY,
            FAULTS_UNIQUE_STATES,
        ),
        (
            ModelConfig::rollback(),
            ROLLBACK_UNIQUE_STATES_UP_TO_SYMMETRY,
            ROLLBACK_UNIQUE_STATES,
        ),
    ];
    for (cfg, reduced, plain) in pins {
        let report = check_symmetric(&cfg, 1)
            .expect("the default Byzantine members are the highest of each committee");
        assert_eq!(report.unique_states, reduced, "{}", cfg.name);
        assert!(report.unique_states <= plain, "{}", cfg.name);
        assert_every_property_passes(&report);
    }
    for cfg in [
        ModelConfig::liveness(),
        ModelConfig::recovery(),
        ModelConfig::concurrent(),
    ] {
        assert!(
            matches!(
                check_symmetric(&cfg, 1),
                Err(crate::symmetry::SymmetryError::CommitteesChange { .. })
            ),
            "{}",
            cfg.name
        );
    }
}

#[test]
fn the_recovery_configuration_is_pinned_and_every_property_passes() {
    assert_pinned(&ModelConfig::recovery(), RECOVERY_UNIQUE_STATES);
}

#[test]
fn the_concurrent_configuration_is_pinned_and_every_property_passes() {
    assert_pinned(&ModelConfig::concurrent(), CONCURRENT_UNIQUE_STATES);
}

#[test]
fn the_tight_configuration_finds_two_byzantine_and_one_honest_signer_in_five_steps() {
    let cfg = ModelConfig::tight();
    assert!(cfg.expects_violation());
    assert!(!crate::config::DEFAULT_SUITE.contains(&cfg.name));
    let report = check(&cfg, 1);
    assert!(!report.passed());
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv6Quorum.name());
    assert_eq!(found.actions.len(), 5, "{:?}", found.actions);
    let mend_spec::Violation::FinalizedWithoutHonestQuorum { honest, needed, .. } = found.violation
    else {
        panic!("not an honest-quorum violation: {}", found.violation);
    };
    assert_eq!((honest, needed), (1, 2));
    // Its trace replays to the same violation.
    let trace = build_trace(&cfg, &found.actions, "test", "the bound is tight");
    assert_eq!(replay_trace(&trace), Ok(Some(found.violation.clone())));
    // With one Byzantine member of the same committee it holds.
    let one = ModelConfig {
        byzantine: vec![ValidatorId(3)],
        ..ModelConfig::tight()
    };
    assert!(check(&one, 1).passed());
}

#[test]
fn the_default_suite_is_every_named_configuration_but_the_wide_one_in_order() {
    let names: Vec<&str> = ModelConfig::default_suite()
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, crate::config::DEFAULT_SUITE.to_vec());
    for name in crate::config::NAMED_CONFIGS {
        let cfg = ModelConfig::by_name(name).expect("a named configuration");
        assert_eq!(cfg.name, name);
        assert_eq!(cfg.bug, None);
        assert!(cfg.examples.is_sorted(), "{name}");
        assert!(cfg.evidence.is_sorted(), "{name}");
    }
    assert_eq!(ModelConfig::by_name("no-such-configuration"), None);
    assert_eq!(ModelConfig::default_config(), ModelConfig::finality());
    // The wide configuration is both narrow ones at once.
    let wide = ModelConfig::finality_wide();
    assert_eq!(wide.max_heights, vec![6, 2]);
    for example in ModelConfig::finality()
        .examples
        .iter()
        .chain(&ModelConfig::retention().examples)
    {
        assert!(wide.examples.contains(example), "{example:?}");
    }
}

/// Checks the configuration where `bug` is caught and asserts the shrunk
/// counterexample breaks the bug's invariant in `steps` steps, that its
/// trace replays to the same violation, and that the trace's JSON round
/// trips.
fn assert_caught(bug: SeededBug, steps: usize) -> CheckReport {
    let cfg = ModelConfig::for_bug(bug);
    assert_eq!(cfg.bug, Some(bug));
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

    // Without the bug the same actions do not break any invariant.
    let correct = build_trace(&cfg.clone().with_bug(None), &found.actions, "test", "");
    assert_eq!(correct.meta.violation, "none", "{}", bug.name());
}

#[test]
fn slash_without_evidence_is_caught_in_four_steps_by_inv3_and_breaks_inv6() {
    // Liveness evidence names no validator, so a slash record naming one
    // describes no slash [R-SLASH-3] allows: INV-3 reports the step, which
    // comes first in the order of `check_step`; the same step slashes an
    // honest validator, which INV-6 (b) forbids.
    let bug = SeededBug::SlashWithoutEvidence;
    let cfg = ModelConfig::for_bug(bug);
    assert_eq!(cfg.name, "liveness");
    let report = check(&cfg, 1);
    let found = report.counterexample.clone().expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv3NoSilentRecovery.name());
    assert_eq!(found.actions.len(), 4, "{:?}", found.actions);
    assert!(matches!(
        found.actions[2],
        Action::SubmitEvidence(Evidence::Liveness { .. })
    ));
    let last = run(&cfg, &found.actions);
    assert!(matches!(
        mend_spec::invariants::check_inv6_committees(&last, &cfg.params, &cfg.byzantine),
        Err(mend_spec::Violation::HonestValidatorSlashed { .. })
    ));
    let trace = build_trace(&cfg, &found.actions, "test", bug.description());
    assert_eq!(replay_trace(&trace), Ok(Some(found.violation.clone())));
    let correct = build_trace(&cfg.clone().with_bug(None), &found.actions, "test", "");
    assert_eq!(correct.meta.violation, "none");
}

#[test]
fn reintegrate_without_quorum_is_caught_by_inv4_in_twenty_steps() {
    let report = assert_caught(SeededBug::ReintegrateWithoutQuorum, 20);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(
        found.property,
        AlwaysProperty::Inv4NoUnverifiedReintegration.name()
    );
}

#[test]
fn skip_syncing_blocks_is_caught_by_inv4_in_sixteen_steps() {
    let report = assert_caught(SeededBug::SkipSyncingBlocks, 16);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(
        found.actions.last(),
        Some(&Action::AdvanceHealing { shard: ShardId(0) })
    );
}

#[test]
fn reassign_below_quorum_is_caught_by_inv6_on_a_normal_shard_in_two_steps() {
    let report = assert_caught(SeededBug::ReassignBelowQuorum, 2);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv6Committees.name());
    assert!(matches!(
        found.violation,
        mend_spec::Violation::NormalCommitteeBelowQuorum { .. }
    ));
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
fn silent_status_change_is_caught_by_inv3_in_two_steps() {
    let report = assert_caught(SeededBug::SilentStatusChange, 2);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv3NoSilentRecovery.name());
}

#[test]
fn accept_unsigned_evidence_is_caught_by_inv6_in_two_steps() {
    // One step suffices (a claim about the first block, signed with the
    // wrong key), but Stateright keeps the last failing state of the block
    // of states it was checking when it stopped, and no action can be
    // deleted from that path: its claim is about the block that comes
    // after the first.
    let report = assert_caught(SeededBug::AcceptUnsignedEvidence, 2);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv6NoHonestAccused.name());
    // The last step is evidence naming an honest validator whose signature
    // does not verify.
    let Some(Action::SubmitEvidence(evidence)) = found.actions.last() else {
        panic!("not evidence: {:?}", found.actions.last());
    };
    assert!(!matches!(evidence, Evidence::Liveness { .. }));
    assert!(
        !ModelConfig::for_bug(SeededBug::AcceptUnsignedEvidence).is_byzantine(
            compute_signed_parts(evidence)
                .expect("signed evidence")
                .accused
        )
    );
}

#[test]
fn isolate_wrong_shard_is_caught_by_inv1_in_two_steps() {
    let report = assert_caught(SeededBug::IsolateWrongShard, 2);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv1NoGlobalRollback.name());
}

#[test]
fn receipt_before_final_is_caught_by_inv2_in_four_steps() {
    let report = assert_caught(SeededBug::ReceiptBeforeFinal, 4);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(
        found.property,
        AlwaysProperty::Inv2NoCrossShardCorruption.name()
    );
    assert!(matches!(
        found.violation,
        mend_spec::Violation::CommittedBeforeFinal { .. }
    ));
}

#[test]
fn rollback_beyond_window_is_caught_by_inv7_in_twelve_steps() {
    let report = assert_caught(SeededBug::RollbackBeyondWindow, 12);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv7RollbackTarget.name());
    assert!(matches!(
        found.violation,
        mend_spec::Violation::RollbackBeyondWindow { .. }
    ));
}

#[test]
fn abort_one_side_is_caught_by_inv2_in_seven_steps() {
    let report = assert_caught(SeededBug::AbortOneSide, 7);
    let found = report.counterexample.expect("a counterexample");
    assert!(matches!(
        found.violation,
        mend_spec::Violation::XtxSidesDisagree { .. }
    ));
    // The last step is the rollback tick that aborts one side.
    assert_eq!(
        found.actions.last(),
        Some(&Action::AdvanceRollback { shard: ShardId(0) })
    );
}

#[test]
fn rollback_healthy_shard_is_caught_by_inv1_in_thirteen_steps() {
    let report = assert_caught(SeededBug::RollbackHealthyShard, 13);
    let found = report.counterexample.expect("a counterexample");
    assert_eq!(found.property, AlwaysProperty::Inv1NoGlobalRollback.name());
    assert_eq!(
        found.violation,
        mend_spec::Violation::HeightLoweredOutsideRollback {
            shard: ShardId(1),
            before: Height(1),
            after: Height(0),
        }
    );
}

#[test]
fn every_seeded_bug_is_caught_up_to_symmetry_by_the_same_invariant() {
    for bug in SeededBug::ALL {
        // The shrunk lengths. Depth first search finds RefinalizeHeight's
        // violation after a longer detour than breadth first search, which
        // shrinking deletes actions from but cannot re-route, so its
        // counterexample is longer than the breadth-first one (11 steps).
        let steps = match bug {
            SeededBug::QuorumOfTwoF => 5,
            SeededBug::CountNonMemberVote | SeededBug::CountDuplicateVote => 6,
            SeededBug::RefinalizeHeight => 12,
            SeededBug::SilentStatusChange | SeededBug::IsolateWrongShard => 2,
            SeededBug::AcceptUnsignedEvidence => 1,
            SeededBug::ReceiptBeforeFinal => 4,
            SeededBug::RollbackBeyondWindow => 12,
            SeededBug::AbortOneSide => 7,
            SeededBug::RollbackHealthyShard => 13,
            // One replica cannot see it: the first-come certificate is
            // wrong only because another replica, receiving the same votes
            // in another order, keeps other signers ([R-DET-2]). A single
            // view is a valid run of the correct rules with those late
            // votes never delivered, so it breaks no invariant here; the
            // two-replica `determinism` model checks it (INV-5).
            SeededBug::FirstQuorumCertificate => continue,
            // Their configurations (`liveness`, `recovery`) draw outside
            // validators into committees, which symmetry reduction refuses.
            SeededBug::SlashWithoutEvidence
            | SeededBug::ReintegrateWithoutQuorum
            | SeededBug::SkipSyncingBlocks
            | SeededBug::ReassignBelowQuorum => {
                let cfg = ModelConfig::for_bug(bug);
                assert!(
                    matches!(
                        check_symmetric(&cfg, 1),
                        Err(crate::symmetry::SymmetryError::CommitteesChange { .. })
                    ),
                    "{}",
                    bug.name()
                );
                continue;
            }
        };
        let cfg = ModelConfig::for_bug(bug);
        let report = check_symmetric(&cfg, 1).expect("the Byzantine members are the highest");
        assert_caught_in(&cfg, bug, steps, &report);
    }
}

#[test]
fn a_path_found_under_symmetry_is_a_run_of_the_model_from_the_initial_view() {
    let cfg = ModelConfig::default_config().with_bug(Some(SeededBug::QuorumOfTwoF));
    let checker = CheckpointModel::new(cfg.clone())
        .checker()
        .symmetry_fn(crate::symmetry::compute_state_representative)
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_dfs()
        .join();
    let path = checker.discovery("INV-6 quorum").expect("the bug is found");
    let model_states: Vec<ModelState> = path.clone().into_states();
    let states: Vec<View> = model_states.iter().map(|s| s.view.clone()).collect();
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
    // INV-6 (a) is over a step: some step of the path breaks it, and the
    // state the path ends in carries the violation of the first such step.
    // (Stateright's depth-first search keeps checking the states after a
    // violation until it stops, and each inherits it, so the path may run
    // on past the step that broke the property.)
    let broken: Vec<_> = states
        .windows(2)
        .filter_map(|pair| {
            AlwaysProperty::Inv6Quorum
                .check(&cfg.params, &cfg.byzantine, &pair[0], &pair[1])
                .err()
        })
        .collect();
    let first = broken.first().expect("a step breaks INV-6 (a)");
    assert_eq!(first.invariant(), InvariantId::Inv6ByzantineTolerance);
    let carried = model_states
        .last()
        .and_then(|s| s.broken.clone())
        .expect("the last state carries the violation");
    assert_eq!(carried.property, AlwaysProperty::Inv6Quorum);
    assert_eq!(&carried.violation, first);
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
        shrink(&cfg, AlwaysProperty::Inv6Quorum, &padded).expect("it is a violation");
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
    let (short, _) = shrink(&cfg, AlwaysProperty::Inv6Quorum, &actions).unwrap();
    assert_eq!(short.len(), 5, "{short:?}");
    assert!(short
        .iter()
        .all(|a| !matches!(a, Action::AdvanceEpoch { .. })));
}

#[test]
fn shrinking_drops_the_steps_that_only_made_sense_after_a_deleted_one() {
    // A QuorumOfTwoF run that detours through a failed rollback, as a
    // simulation of `large` found it: the rollback tick needs both epoch
    // ticks and the evidence, so no single deletion or contiguous chunk
    // leaves a run; deleting the evidence and dropping the tick that no
    // longer applies does.
    let cfg = ModelConfig::large(2, 4).with_bug(Some(SeededBug::QuorumOfTwoF));
    let c = honest_checkpoint(0, 2, 2, ParentLink::Genesis);
    let detour = vec![
        block(0),
        block(0),
        submit(Evidence::InvalidReceipt {
            receipt: receipt(3, 0, 2, forged(c, 0).root),
        }),
        tick(1),
        tick(2),
        Action::AdvanceRollback { shard: ShardId(0) },
        // v3 was slashed at the first boundary: honest members finalize
        // with two votes, below the quorum.
        Action::ProposeCheckpoint(proposal(0, c)),
        Action::CastVote(vote(1, c)),
        Action::CastVote(vote(2, c)),
    ];
    let property = AlwaysProperty::Inv6Quorum;
    let (cut, _) = crate::counterexample::cut(&cfg, property, &detour).expect("a violation");
    assert_eq!(cut, detour);
    let (short, violation) = shrink(&cfg, property, &detour).expect("a violation");
    assert_eq!(violation.invariant(), InvariantId::Inv6ByzantineTolerance);
    let c0 = Checkpoint {
        epoch: Epoch(0),
        ..c
    };
    assert_eq!(
        short,
        vec![
            block(0),
            block(0),
            Action::ProposeCheckpoint(proposal(0, c0)),
            Action::CastVote(vote(1, c0)),
            Action::CastVote(vote(2, c0)),
        ]
    );
}

#[test]
fn shrinking_refuses_a_run_without_a_violation() {
    let cfg = ModelConfig::default_config();
    let padded = padded_quorum_counterexample(&cfg.clone().with_bug(Some(SeededBug::QuorumOfTwoF)));
    // Under the correct rules the same run finalizes nothing.
    assert_eq!(shrink(&cfg, AlwaysProperty::Inv6Quorum, &padded), None);
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
    let state = ModelState {
        view: run(&cfg, &padded[..6]),
        broken: None,
    };
    let mut first = Vec::new();
    let mut second = Vec::new();
    model.actions(&state, &mut first);
    model.actions(&state, &mut second);
    assert_eq!(first, second);
    assert_eq!(first, enabled_actions(&cfg, &state.view));
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

// Fault detection, isolation and the audit log (`spec/SPEC.md` §5).

fn block(shard: u16) -> Action {
    Action::ProduceBlock {
        shard: ShardId(shard),
        fault: BlockFault::None,
    }
}

fn tick(epoch: u64) -> Action {
    Action::AdvanceEpoch {
        epoch: Epoch(epoch),
    }
}

/// The honest checkpoint of `shard` at `height` in `epoch`.
fn honest_checkpoint(shard: u16, epoch: u64, height: u64, parent: ParentLink) -> Checkpoint {
    Checkpoint {
        shard: ShardId(shard),
        epoch: Epoch(epoch),
        height: Height(height),
        root: compute_honest_root(Height(height), Generation(0)),
        parent,
    }
}

/// `c` with a forged root.
fn forged(c: Checkpoint, nonce: u8) -> Checkpoint {
    Checkpoint {
        root: StateRoot::Forged {
            height: c.height,
            nonce,
        },
        ..c
    }
}

/// `validator`'s validly signed vote for `c`, in `c`'s epoch and shard.
fn vote(validator: u16, c: Checkpoint) -> Vote {
    Vote {
        validator: ValidatorId(validator),
        shard: c.shard,
        epoch: c.epoch,
        generation: Generation(0),
        checkpoint: c,
        signature: Signature::Valid,
    }
}

fn proposal(proposer: u16, c: Checkpoint) -> Proposal {
    Proposal {
        proposer: ValidatorId(proposer),
        generation: Generation(0),
        checkpoint: c,
        signature: Signature::Valid,
    }
}

/// `producer`'s validly signed claim of the block of `shard` at `height`
/// in `epoch`.
fn claim(producer: u16, shard: u16, epoch: u64, height: u64, content: ClaimContent) -> BlockClaim {
    BlockClaim {
        producer: ValidatorId(producer),
        shard: ShardId(shard),
        epoch: Epoch(epoch),
        generation: Generation(0),
        height: Height(height),
        content,
        signature: Signature::Valid,
    }
}

/// `signer`'s validly signed receipt of `source`'s root at `height`, in
/// epoch 0, to the other shard.
fn receipt(signer: u16, source: u16, height: u64, root: StateRoot) -> Receipt {
    Receipt {
        signer: ValidatorId(signer),
        source: ShardId(source),
        destination: ShardId(1 - source),
        epoch: Epoch(0),
        generation: Generation(0),
        height: Height(height),
        root,
        signature: Signature::Valid,
    }
}

fn fault(kind: FaultKind, accused: Option<u16>, epoch: u64, height: u64) -> Fault {
    Fault {
        kind,
        accused: accused.map(ValidatorId),
        generation: Generation(0),
        epoch: Epoch(epoch),
        height: Height(height),
    }
}

fn submit(evidence: Evidence) -> Action {
    Action::SubmitEvidence(evidence)
}

/// Both heads at height 2 in epoch 0; shard 0's honest checkpoint at
/// height 2 is finalized by v0, v1 and v2.
fn finalized_view(cfg: &ModelConfig) -> (View, Checkpoint) {
    let c = honest_checkpoint(0, 0, 2, ParentLink::Genesis);
    let view = run(
        cfg,
        &[
            block(0),
            block(0),
            block(1),
            block(1),
            Action::ProposeCheckpoint(proposal(0, c)),
            Action::CastVote(vote(0, c)),
            Action::CastVote(vote(1, c)),
            Action::CastVote(vote(2, c)),
        ],
    );
    assert_eq!(view.shards[0].finalized.len(), 1);
    (view, c)
}

/// Asserts that `evidence` is accepted on `view`, emits exactly one
/// `FaultDetected` for `shard` and changes nothing but that shard's open
/// faults, where the fault joins in order, and, for a fault whose response
/// is `Isolated` on a shard with no active pipeline, its pipeline, which
/// starts at `FaultDetected` ([R-FAULT-5], [R-PIPE-1]). Returns the fault
/// and the view after it.
fn assert_detected(
    cfg: &ModelConfig,
    view: &View,
    evidence: Evidence,
    shard: u16,
) -> (Fault, View) {
    use mend_spec::protocol::PipelineStage;
    let (events, next) = accept(cfg, view, submit(evidence));
    let (Event::FaultDetected { shard: at, fault }, rest) = (events[0].clone(), &events[1..])
    else {
        panic!("not FaultDetected first: {events:?}");
    };
    assert_eq!(at, ShardId(shard));
    let mut expected = view.clone();
    let target = &mut expected.shards[usize::from(shard)];
    target.faults.push(fault);
    target.faults.sort();
    let isolates = crate::rules::isolate::compute_response(
        crate::rules::isolate::compute_severity(fault.kind),
    ) == Some(ShardStatus::Isolated);
    if isolates && matches!(target.pipeline, None | Some(PipelineStage::Reintegrated)) {
        target.pipeline = Some(PipelineStage::FaultDetected);
        assert_eq!(
            rest,
            [Event::PipelineAdvanced {
                shard: at,
                stage: PipelineStage::FaultDetected
            }]
        );
    } else {
        assert!(rest.is_empty(), "{events:?}");
    }
    assert_eq!(next, expected);
    assert_eq!(check_step(view, &next, &cfg.params, &cfg.byzantine), Ok(()));
    (fault, next)
}

/// Asserts that `evidence` is refused with `code` and leaves `view` as it
/// was ([R-OUT-2]).
fn assert_refused(cfg: &ModelConfig, view: &View, evidence: Evidence, code: EvidenceRejection) {
    let (outcome, next) = apply(&cfg.params, cfg.bug, view, &submit(evidence));
    assert_eq!(
        outcome,
        Outcome::Rejected {
            rejection: Rejection::Evidence(code)
        },
        "{evidence}"
    );
    assert_eq!(&next, view, "a rejection changed the view: {evidence}");
}

#[test]
fn a_signed_vote_against_a_finalized_root_is_a_state_root_mismatch() {
    let cfg = ModelConfig::faults();
    let (view, c) = finalized_view(&cfg);
    let evidence = Evidence::StateRootMismatch {
        vote: vote(3, forged(c, 0)),
    };
    let (found, _) = assert_detected(&cfg, &view, evidence, 0);
    assert_eq!(found, fault(FaultKind::StateRootMismatch, Some(3), 0, 2));
}

#[test]
fn two_signed_votes_for_different_checkpoints_at_one_height_are_an_equivocation() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0), block(0)]);
    let c = honest_checkpoint(0, 0, 2, ParentLink::Genesis);
    let evidence = Evidence::Equivocation {
        first: vote(3, c),
        second: vote(3, forged(c, 0)),
    };
    let (found, _) = assert_detected(&cfg, &view, evidence, 0);
    assert_eq!(
        found,
        fault(FaultKind::ValidatorEquivocation, Some(3), 0, 2)
    );
}

#[test]
fn a_signed_receipt_with_a_root_the_source_never_had_is_an_invalid_receipt() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0), block(0)]);
    let forged_root = StateRoot::Forged {
        height: Height(1),
        nonce: 0,
    };
    let evidence = Evidence::InvalidReceipt {
        receipt: receipt(3, 0, 1, forged_root),
    };
    let (found, _) = assert_detected(&cfg, &view, evidence, 0);
    assert_eq!(
        found,
        fault(FaultKind::InvalidCrossShardReceipt, Some(3), 0, 1)
    );
}

#[test]
fn a_signed_claim_with_a_root_no_execution_gives_is_an_execution_failure() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(1)]);
    // The claim is about shard 1's next block, at its head plus one.
    let evidence = Evidence::ExecutionFailure {
        claim: claim(7, 1, 0, 2, ClaimContent::WrongRoot),
    };
    let (found, _) = assert_detected(&cfg, &view, evidence, 1);
    assert_eq!(found, fault(FaultKind::ExecutionFailure, Some(7), 0, 2));
}

#[test]
fn a_shard_without_a_block_for_more_than_l_epochs_has_a_liveness_failure() {
    let cfg = ModelConfig::faults();
    // Shard 0 appends a block in epoch 1; shard 1 never does.
    let view = run(&cfg, &[tick(1), block(0), tick(2)]);
    assert_eq!(view.shards[0].last_block_epoch, Epoch(1));
    assert_eq!(view.shards[1].last_block_epoch, Epoch(0));
    // Shard 0: one epoch without a block is `L`, not more.
    assert_refused(
        &cfg,
        &view,
        Evidence::Liveness { shard: ShardId(0) },
        EvidenceRejection::NotAFault,
    );
    let evidence = Evidence::Liveness { shard: ShardId(1) };
    let (found, next) = assert_detected(&cfg, &view, evidence, 1);
    // No accused; the current epoch, the shard's generation and head.
    assert_eq!(found, fault(FaultKind::LivenessFailure, None, 2, 0));
    // The same epoch proves the same fault again.
    assert_refused(&cfg, &next, evidence, EvidenceRejection::Duplicate);
}

#[test]
fn a_signed_proposal_with_a_root_the_chain_never_had_is_a_checkpoint_state_mismatch() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0), block(0)]);
    // Never pending: the signed proposal alone is the evidence.
    let c = forged(honest_checkpoint(0, 0, 2, ParentLink::Genesis), 0);
    let evidence = Evidence::CheckpointStateMismatch {
        proposal: proposal(3, c),
    };
    let (found, _) = assert_detected(&cfg, &view, evidence, 0);
    assert_eq!(
        found,
        fault(FaultKind::CheckpointStateMismatch, Some(3), 0, 2)
    );
}

#[test]
fn a_signed_claim_with_transactions_out_of_order_is_an_ordering_violation() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0), block(0)]);
    // A claim about a block already on the chain counts too.
    let evidence = Evidence::OrderingViolation {
        claim: claim(3, 0, 0, 2, ClaimContent::Unordered),
    };
    let (found, _) = assert_detected(&cfg, &view, evidence, 0);
    assert_eq!(
        found,
        fault(FaultKind::TransactionOrderingViolation, Some(3), 0, 2)
    );
}

#[test]
fn an_unordered_claim_is_no_execution_failure_and_a_wrong_root_no_ordering_violation() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0)]);
    assert_refused(
        &cfg,
        &view,
        Evidence::ExecutionFailure {
            claim: claim(3, 0, 0, 1, ClaimContent::Unordered),
        },
        EvidenceRejection::NotAFault,
    );
    assert_refused(
        &cfg,
        &view,
        Evidence::OrderingViolation {
            claim: claim(3, 0, 0, 1, ClaimContent::WrongRoot),
        },
        EvidenceRejection::NotAFault,
    );
}

#[test]
fn evidence_naming_an_unknown_shard_is_refused_as_unknown_shard() {
    let cfg = ModelConfig::faults();
    let (view, c) = finalized_view(&cfg);
    let mut elsewhere = vote(3, forged(c, 0));
    elsewhere.shard = ShardId(2);
    elsewhere.checkpoint.shard = ShardId(2);
    let code = EvidenceRejection::UnknownShard;
    assert_refused(
        &cfg,
        &view,
        Evidence::StateRootMismatch { vote: elsewhere },
        code,
    );
    assert_refused(&cfg, &view, Evidence::Liveness { shard: ShardId(2) }, code);
    // A receipt's destination must be a shard too.
    let mut lost = receipt(3, 0, 1, c.root);
    lost.destination = ShardId(5);
    assert_refused(
        &cfg,
        &view,
        Evidence::InvalidReceipt { receipt: lost },
        code,
    );
}

#[test]
fn evidence_whose_parts_disagree_is_refused_as_mismatched() {
    let cfg = ModelConfig::faults();
    let (view, c) = finalized_view(&cfg);
    let code = EvidenceRejection::Mismatched;
    let first = vote(3, c);
    let second = vote(3, forged(c, 0));
    let pair = |f: &dyn Fn(&mut Vote)| {
        let mut other = second;
        f(&mut other);
        Evidence::Equivocation {
            first,
            second: other,
        }
    };
    assert_refused(&cfg, &view, pair(&|v| v.validator = ValidatorId(2)), code);
    assert_refused(&cfg, &view, pair(&|v| v.epoch = Epoch(1)), code);
    assert_refused(&cfg, &view, pair(&|v| v.generation = Generation(1)), code);
    assert_refused(
        &cfg,
        &view,
        pair(&|v| v.checkpoint.height = Height(1)),
        code,
    );
    // A vote on shard 0 for a checkpoint of shard 1.
    let mut astray = vote(3, forged(c, 0));
    astray.checkpoint.shard = ShardId(1);
    assert_refused(
        &cfg,
        &view,
        Evidence::StateRootMismatch { vote: astray },
        code,
    );
    // A receipt from a shard to itself.
    let mut itself = receipt(3, 0, 1, c.root);
    itself.destination = ShardId(0);
    assert_refused(
        &cfg,
        &view,
        Evidence::InvalidReceipt { receipt: itself },
        code,
    );
}

#[test]
fn evidence_against_an_unregistered_validator_is_refused_as_unknown_validator() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0)]);
    assert_refused(
        &cfg,
        &view,
        Evidence::ExecutionFailure {
            claim: claim(8, 0, 0, 2, ClaimContent::WrongRoot),
        },
        EvidenceRejection::UnknownValidator,
    );
}

#[test]
fn evidence_against_a_validator_outside_the_committee_is_refused_as_not_member() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0)]);
    // v7 is Byzantine, but in shard 1's committee.
    assert_refused(
        &cfg,
        &view,
        Evidence::ExecutionFailure {
            claim: claim(7, 0, 0, 2, ClaimContent::WrongRoot),
        },
        EvidenceRejection::NotMember,
    );
}

#[test]
fn evidence_from_a_later_epoch_is_refused_as_future_epoch() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0)]);
    assert_refused(
        &cfg,
        &view,
        Evidence::ExecutionFailure {
            claim: claim(3, 0, 1, 2, ClaimContent::WrongRoot),
        },
        EvidenceRejection::FutureEpoch,
    );
}

#[test]
fn evidence_older_than_the_evidence_age_is_refused_as_stale_epoch() {
    let cfg = ModelConfig::faults();
    assert_eq!(cfg.params.evidence_age_epochs, 2);
    let view = run(&cfg, &[block(0), tick(1), tick(2), tick(3)]);
    let old = |epoch| Evidence::ExecutionFailure {
        claim: claim(3, 0, epoch, 2, ClaimContent::WrongRoot),
    };
    // 0 + 2 < 3: too old; 1 + 2 >= 3: still valid.
    assert_refused(&cfg, &view, old(0), EvidenceRejection::StaleEpoch);
    assert_detected(&cfg, &view, old(1), 0);
}

#[test]
fn evidence_from_another_rollback_generation_is_refused_as_wrong_generation() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0)]);
    let mut abandoned = claim(3, 0, 0, 2, ClaimContent::WrongRoot);
    abandoned.generation = Generation(1);
    assert_refused(
        &cfg,
        &view,
        Evidence::ExecutionFailure { claim: abandoned },
        EvidenceRejection::WrongGeneration,
    );
}

#[test]
fn evidence_at_a_height_the_chain_does_not_reach_is_refused_as_height_out_of_range() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0), block(0)]);
    let code = EvidenceRejection::HeightOutOfRange;
    let wrong = |height| Evidence::ExecutionFailure {
        claim: claim(3, 0, 0, height, ClaimContent::WrongRoot),
    };
    // A claim may name the next block, not the one after, nor genesis.
    assert_refused(&cfg, &view, wrong(4), code);
    assert_refused(&cfg, &view, wrong(0), code);
    assert_detected(&cfg, &view, wrong(3), 0);
    // A receipt names a block on the chain.
    let ahead = StateRoot::Forged {
        height: Height(3),
        nonce: 0,
    };
    assert_refused(
        &cfg,
        &view,
        Evidence::InvalidReceipt {
            receipt: receipt(3, 0, 3, ahead),
        },
        code,
    );
}

#[test]
fn evidence_about_a_height_whose_root_is_no_longer_kept_is_refused_as_stale_height() {
    let cfg = ModelConfig::faults();
    assert_eq!(cfg.params.evidence_age_blocks, 4);
    let view = run(&cfg, &[block(0); 5]);
    let at = |height| Evidence::ExecutionFailure {
        claim: claim(3, 0, 0, height, ClaimContent::WrongRoot),
    };
    // 1 + 4 <= 5: the root of height 1 is gone; 2 + 4 > 5: still kept.
    assert_refused(&cfg, &view, at(1), EvidenceRejection::StaleHeight);
    assert_detected(&cfg, &view, at(2), 0);
}

#[test]
fn evidence_whose_signature_does_not_verify_is_refused_as_bad_signature() {
    let cfg = ModelConfig::faults();
    let (view, c) = finalized_view(&cfg);
    let code = EvidenceRejection::BadSignature;
    for signature in [Signature::Corrupt, Signature::OtherKey] {
        let mut signed = claim(3, 0, 0, 3, ClaimContent::WrongRoot);
        signed.signature = signature;
        assert_refused(
            &cfg,
            &view,
            Evidence::ExecutionFailure { claim: signed },
            code,
        );
        let mut srm = vote(3, forged(c, 0));
        srm.signature = signature;
        assert_refused(&cfg, &view, Evidence::StateRootMismatch { vote: srm }, code);
        let mut r = receipt(3, 0, 2, forged(c, 0).root);
        r.signature = signature;
        assert_refused(&cfg, &view, Evidence::InvalidReceipt { receipt: r }, code);
        let mut p = proposal(
            3,
            forged(honest_checkpoint(0, 0, 2, ParentLink::Genesis), 0),
        );
        p.signature = signature;
        assert_refused(
            &cfg,
            &view,
            Evidence::CheckpointStateMismatch { proposal: p },
            code,
        );
    }
    // An equivocation needs both votes signed.
    let pending = honest_checkpoint(0, 0, 4, c.link());
    let mut second = vote(3, forged(pending, 0));
    second.signature = Signature::OtherKey;
    let view = run_from(&cfg, &view, &[block(0), block(0)]);
    assert_refused(
        &cfg,
        &view,
        Evidence::Equivocation {
            first: vote(3, pending),
            second,
        },
        code,
    );
}

#[test]
fn honest_statements_are_refused_as_not_a_fault() {
    let cfg = ModelConfig::faults();
    let (view, c) = finalized_view(&cfg);
    let code = EvidenceRejection::NotAFault;
    // v2 is honest: each of its statements below is one it would sign.
    let honest_forms = [
        Evidence::StateRootMismatch { vote: vote(2, c) },
        Evidence::Equivocation {
            first: vote(2, c),
            second: vote(2, c),
        },
        Evidence::InvalidReceipt {
            receipt: receipt(2, 0, 2, c.root),
        },
        Evidence::ExecutionFailure {
            claim: claim(2, 0, 0, 3, ClaimContent::Honest),
        },
        Evidence::CheckpointStateMismatch {
            proposal: proposal(2, c),
        },
        Evidence::OrderingViolation {
            claim: claim(2, 0, 0, 3, ClaimContent::Honest),
        },
        Evidence::Liveness { shard: ShardId(0) },
    ];
    for evidence in honest_forms {
        assert_refused(&cfg, &view, evidence, code);
    }
    // A vote for the chain's root is no fault at a height without a
    // finalized checkpoint either: kind 1 is judged against the chain
    // ([R-FAULT-2]).
    let view = run_from(&cfg, &view, &[block(0)]);
    let unfinalized = honest_checkpoint(0, 0, 3, c.link());
    assert_refused(
        &cfg,
        &view,
        Evidence::StateRootMismatch {
            vote: vote(2, unfinalized),
        },
        code,
    );
}

#[test]
fn a_fault_already_recorded_is_refused_as_duplicate_whatever_message_proves_it() {
    let cfg = ModelConfig::faults();
    let (view, c) = finalized_view(&cfg);
    let evidence = Evidence::StateRootMismatch {
        vote: vote(3, forged(c, 0)),
    };
    let (_, view) = assert_detected(&cfg, &view, evidence, 0);
    assert_refused(&cfg, &view, evidence, EvidenceRejection::Duplicate);
    // Another forgery by the same validator at the same place is the same
    // fault ([R-FAULT-4]).
    let other = Evidence::StateRootMismatch {
        vote: vote(3, forged(c, 1)),
    };
    assert_refused(&cfg, &view, other, EvidenceRejection::Duplicate);
}

#[test]
fn evidence_with_several_defects_gets_the_first_code() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0)]);
    // Not a member, from the future, out of range, badly signed, and not a
    // fault: the membership check comes first.
    let mut bad = claim(7, 0, 3, 9, ClaimContent::Honest);
    bad.signature = Signature::Corrupt;
    let evidence = |claim| Evidence::ExecutionFailure { claim };
    assert_refused(&cfg, &view, evidence(bad), EvidenceRejection::NotMember);
    bad.producer = ValidatorId(1);
    assert_refused(&cfg, &view, evidence(bad), EvidenceRejection::FutureEpoch);
    bad.epoch = Epoch(0);
    assert_refused(
        &cfg,
        &view,
        evidence(bad),
        EvidenceRejection::HeightOutOfRange,
    );
    bad.height = Height(2);
    assert_refused(&cfg, &view, evidence(bad), EvidenceRejection::BadSignature);
    bad.signature = Signature::Valid;
    assert_refused(&cfg, &view, evidence(bad), EvidenceRejection::NotAFault);
}

/// Shard 0 with an execution failure (High) and an ordering violation
/// (Low) by v3 open, in epoch 0.
fn with_high_and_low_faults(cfg: &ModelConfig) -> View {
    run(
        cfg,
        &[
            block(0),
            submit(Evidence::OrderingViolation {
                claim: claim(3, 0, 0, 1, ClaimContent::Unordered),
            }),
            submit(Evidence::ExecutionFailure {
                claim: claim(3, 0, 0, 2, ClaimContent::WrongRoot),
            }),
        ],
    )
}

#[test]
fn the_boundary_raises_a_status_to_the_strongest_response_with_one_audit_record() {
    let cfg = ModelConfig::faults();
    let view = with_high_and_low_faults(&cfg);
    let cause = fault(FaultKind::ExecutionFailure, Some(3), 0, 2);
    let (events, next) = accept(&cfg, &view, tick(1));
    // Both faults name v3 in window 0: one slash ([R-SLASH-3]), for the
    // first in fault order; then the status change.
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(1) },
            Event::ValidatorSlashed {
                validator: ValidatorId(3),
                shard: ShardId(0),
                reason: mend_spec::protocol::SlashReason::TransactionMisbehaviour,
                window: Epoch(0),
                penalty: 100_000,
                tombstoned: false,
            },
            Event::StatusChanged {
                shard: ShardId(0),
                from: ShardStatus::Normal,
                to: ShardStatus::Frozen,
                cause,
            },
        ]
    );
    assert_eq!(next.shards[0].status, ShardStatus::Frozen);
    let root = view.shards[0].head_root;
    let entry = AuditEntry::StatusChange {
        shard: ShardId(0),
        from: ShardStatus::Normal,
        to: ShardStatus::Frozen,
        cause,
        root_before: root,
        root_after: root,
    };
    assert_eq!(next.audit.len(), 2);
    assert_eq!(
        next.audit[1],
        compute_next_record(&next.audit[..1], Epoch(1), entry)
    );
    // The faults stay open; the other shard is untouched but for the
    // epoch.
    assert_eq!(next.shards[0].faults, view.shards[0].faults);
    assert_eq!(next.shards[1], view.shards[1]);
    assert_eq!(
        check_step(&view, &next, &cfg.params, &cfg.byzantine),
        Ok(())
    );
    // The next boundary changes nothing: the status is the target already.
    let (events, later) = accept(&cfg, &next, tick(2));
    assert_eq!(events, vec![Event::EpochAdvanced { epoch: Epoch(2) }]);
    assert_eq!(later.audit, next.audit);
}

#[test]
fn the_cause_is_the_smallest_open_fault_whose_response_is_the_target_whatever_the_arrival_order() {
    let cfg = ModelConfig::faults();
    let start = run(&cfg, &[block(0), block(0)]);
    let forged_at = |height| StateRoot::Forged {
        height: Height(height),
        nonce: 0,
    };
    let critical_high = receipt(3, 0, 2, forged_at(2));
    let critical_low = receipt(3, 0, 1, forged_at(1));
    let c = forged(honest_checkpoint(0, 0, 2, ParentLink::Genesis), 0);
    let evidence = [
        submit(Evidence::InvalidReceipt {
            receipt: critical_high,
        }),
        submit(Evidence::CheckpointStateMismatch {
            proposal: proposal(3, c),
        }),
        submit(Evidence::ExecutionFailure {
            claim: claim(3, 0, 0, 1, ClaimContent::WrongRoot),
        }),
        submit(Evidence::InvalidReceipt {
            receipt: critical_low,
        }),
    ];
    let mut reversed = evidence;
    reversed.reverse();
    let in_order = run_from(&cfg, &start, &[&evidence[..], &[tick(1)]].concat());
    let in_reverse = run_from(&cfg, &start, &[&reversed[..], &[tick(1)]].concat());
    assert_eq!(in_order, in_reverse);
    // Three Critical faults force Isolated; of them the receipts come
    // first by kind, and of the receipts the lower height.
    assert_eq!(in_order.shards[0].status, ShardStatus::Isolated);
    let changes = status_records(&in_order);
    let [AuditEntry::StatusChange { cause, to, .. }] = changes[..] else {
        panic!("not one status change: {changes:?}");
    };
    assert_eq!(to, ShardStatus::Isolated);
    assert_eq!(
        cause,
        fault(FaultKind::InvalidCrossShardReceipt, Some(3), 0, 1)
    );
}

#[test]
fn a_status_rises_level_by_level_and_never_falls_and_low_faults_change_none() {
    let cfg = ModelConfig::liveness();
    // Only a Low fault: no status change, no record.
    let view = run(
        &cfg,
        &[
            submit(Evidence::OrderingViolation {
                claim: claim(3, 0, 0, 1, ClaimContent::Unordered),
            }),
            tick(1),
        ],
    );
    assert_eq!(view.shards[0].status, ShardStatus::Normal);
    assert!(status_records(&view).is_empty());
    // Liveness (Medium) at epoch 2: Investigating at epoch 3.
    let view = run_from(
        &cfg,
        &view,
        &[
            tick(2),
            submit(Evidence::Liveness { shard: ShardId(0) }),
            tick(3),
        ],
    );
    assert_eq!(view.shards[0].status, ShardStatus::Investigating);
    // Investigating still takes blocks; an execution failure (High):
    // Frozen at epoch 4.
    let view = run_from(
        &cfg,
        &view,
        &[
            block(0),
            submit(Evidence::ExecutionFailure {
                claim: claim(3, 0, 3, 2, ClaimContent::WrongRoot),
            }),
            submit(Evidence::Liveness { shard: ShardId(1) }),
            tick(4),
        ],
    );
    assert_eq!(view.shards[0].status, ShardStatus::Frozen);
    assert_eq!(view.shards[1].status, ShardStatus::Investigating);
    let changes: Vec<(ShardId, ShardStatus, ShardStatus)> = view
        .audit
        .iter()
        .filter_map(|r| match r.entry {
            AuditEntry::StatusChange {
                shard, from, to, ..
            } => Some((shard, from, to)),
            AuditEntry::Rollback { .. }
            | AuditEntry::Slash { .. }
            | AuditEntry::Reassignment { .. } => None,
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            (ShardId(0), ShardStatus::Normal, ShardStatus::Investigating),
            (ShardId(0), ShardStatus::Investigating, ShardStatus::Frozen),
            (ShardId(1), ShardStatus::Normal, ShardStatus::Investigating),
        ]
    );
    // A Frozen shard takes no blocks, so it cannot be faulted for taking
    // none ([R-FAULT-2] kind 5); its status stays.
    let mut frozen = view.clone();
    frozen.epoch = Epoch(6);
    let (outcome, after) = apply(
        &cfg.params,
        None,
        &frozen,
        &submit(Evidence::Liveness { shard: ShardId(0) }),
    );
    assert_eq!(
        outcome,
        Outcome::Rejected {
            rejection: Rejection::Evidence(EvidenceRejection::NotAFault)
        }
    );
    assert_eq!(after, frozen);
    let again = run_from(&cfg, &frozen, &[tick(7)]);
    assert_eq!(again.shards[0].status, ShardStatus::Frozen);
}

#[test]
fn old_faults_expire_at_the_boundary_after_the_status_change_and_the_status_stays() {
    let cfg = ModelConfig::liveness();
    assert_eq!(cfg.params.evidence_age_epochs, 1);
    let view = run(
        &cfg,
        &[submit(Evidence::ExecutionFailure {
            claim: claim(3, 0, 0, 1, ClaimContent::WrongRoot),
        })],
    );
    // Boundary to 1: the slash and the status change; 0 + 1 is not below
    // 1, so the fault stays.
    let (events, view) = accept(&cfg, &view, tick(1));
    assert_eq!(events.len(), 3);
    assert_eq!(view.shards[0].faults.len(), 1);
    // Boundary to 2: 0 + 1 < 2, the fault expires; Frozen stays.
    let (events, after) = accept(&cfg, &view, tick(2));
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(2) },
            Event::FaultsExpired {
                shard: ShardId(0),
                count: 1
            },
        ]
    );
    assert!(after.shards[0].faults.is_empty());
    assert_eq!(after.shards[0].status, ShardStatus::Frozen);
    assert_eq!(
        check_step(&view, &after, &cfg.params, &cfg.byzantine),
        Ok(())
    );
}

#[test]
fn the_boundary_expires_pending_changes_status_and_expires_faults_shard_by_shard() {
    let cfg = ModelConfig::liveness();
    // The faults that expire are liveness faults of epoch 2, which name
    // nobody: a fault naming v3 or v7 would slash it at its first
    // boundary, and it could be accused no more.
    let liveness = |shard: u16| {
        submit(Evidence::Liveness {
            shard: ShardId(shard),
        })
    };
    let high = |shard: u16, producer| {
        submit(Evidence::ExecutionFailure {
            claim: claim(producer, shard, 3, 3, ClaimContent::WrongRoot),
        })
    };
    let c0 = honest_checkpoint(0, 3, 2, ParentLink::Genesis);
    let c1 = honest_checkpoint(1, 3, 2, ParentLink::Genesis);
    let view = run(
        &cfg,
        &[
            tick(1),
            tick(2),
            liveness(0),
            liveness(1),
            tick(3),
            block(0),
            block(0),
            block(1),
            block(1),
            Action::ProposeCheckpoint(proposal(0, c0)),
            Action::ProposeCheckpoint(proposal(4, c1)),
            high(0, 3),
            high(1, 7),
        ],
    );
    let (events, next) = accept(&cfg, &view, tick(4));
    let changed = |shard: u16, accused: u16| Event::StatusChanged {
        shard: ShardId(shard),
        from: ShardStatus::Investigating,
        to: ShardStatus::Frozen,
        cause: fault(FaultKind::ExecutionFailure, Some(accused), 3, 3),
    };
    let slashed = |shard: u16, validator: u16| Event::ValidatorSlashed {
        validator: ValidatorId(validator),
        shard: ShardId(shard),
        reason: mend_spec::protocol::SlashReason::TransactionMisbehaviour,
        window: Epoch(3),
        penalty: 100_000,
        tombstoned: false,
    };
    let one = |shard: u16| (ShardId(shard), 1);
    let expired = |(shard, count)| Event::FaultsExpired { shard, count };
    let pending = |(shard, count)| Event::PendingExpired { shard, count };
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(4) },
            pending(one(0)),
            slashed(0, 3),
            changed(0, 3),
            expired(one(0)),
            pending(one(1)),
            slashed(1, 7),
            changed(1, 7),
            expired(one(1)),
        ]
    );
    // Two records of epoch 3 (Investigating), four of this boundary.
    assert_eq!(next.audit.len(), 6);
    assert_eq!(
        check_step(&view, &next, &cfg.params, &cfg.byzantine),
        Ok(())
    );
}

#[test]
fn a_frozen_or_isolated_shard_refuses_blocks_while_the_other_keeps_appending() {
    let cfg = ModelConfig::faults();
    let frozen = run_from(&cfg, &with_high_and_low_faults(&cfg), &[tick(1)]);
    let mut isolated = frozen.clone();
    isolated.shards[0].status = ShardStatus::Isolated;
    let mut investigating = frozen.clone();
    investigating.shards[0].status = ShardStatus::Investigating;
    accept(&cfg, &investigating, block(0));
    for view in [frozen, isolated] {
        for fault in [
            BlockFault::None,
            BlockFault::Unordered,
            BlockFault::WrongRoot,
        ] {
            let (outcome, next) = apply(
                &cfg.params,
                None,
                &view,
                &Action::ProduceBlock {
                    shard: ShardId(0),
                    fault,
                },
            );
            assert_eq!(
                outcome,
                Outcome::Rejected {
                    rejection: Rejection::Block(BlockRejection::ShardFrozen)
                }
            );
            assert_eq!(next, view);
        }
        let (_, next) = accept(&cfg, &view, block(1));
        assert_eq!(next.shards[1].last_block_epoch, Epoch(1));
        // Finality goes on on the frozen shard itself ([R-ISO-1]).
        let c = honest_checkpoint(0, 1, 2, ParentLink::Genesis);
        let view = run_from(&cfg, &view, &[block(1)]);
        let mut with_head = view.clone();
        with_head.shards[0].height = Height(2);
        with_head.shards[0].head_root = compute_honest_root(Height(2), Generation(0));
        run_from(
            &cfg,
            &with_head,
            &[
                Action::ProposeCheckpoint(proposal(0, c)),
                Action::CastVote(vote(0, c)),
            ],
        );
    }
}

#[test]
fn an_unordered_block_is_refused_as_unordered_transactions_after_too_many_transactions() {
    let cfg = ModelConfig::faults();
    let view = init_view(&cfg.params);
    for (fault, code) in [
        (
            BlockFault::TooManyTransactions,
            BlockRejection::TooManyTransactions,
        ),
        (BlockFault::Unordered, BlockRejection::UnorderedTransactions),
    ] {
        let (outcome, next) = apply(
            &cfg.params,
            None,
            &view,
            &Action::ProduceBlock {
                shard: ShardId(0),
                fault,
            },
        );
        assert_eq!(
            outcome,
            Outcome::Rejected {
                rejection: Rejection::Block(code)
            }
        );
        assert_eq!(next, view);
    }
}

#[test]
fn a_block_records_the_epoch_it_was_appended_in() {
    let cfg = ModelConfig::faults();
    let view = run(&cfg, &[block(0), tick(1), tick(2)]);
    assert_eq!(view.shards[0].last_block_epoch, Epoch(0));
    let view = run_from(&cfg, &view, &[block(0)]);
    assert_eq!(view.shards[0].last_block_epoch, Epoch(2));
    assert_eq!(view.shards[1].last_block_epoch, Epoch(0));
}

#[test]
fn silent_status_change_changes_the_status_without_a_record() {
    let cfg = ModelConfig::faults().with_bug(Some(SeededBug::SilentStatusChange));
    let view = with_high_and_low_faults(&cfg);
    let (_, next) = accept(&cfg, &view, tick(1));
    assert_eq!(next.shards[0].status, ShardStatus::Frozen);
    assert!(status_records(&next).is_empty());
    let violation = check_step(&view, &next, &cfg.params, &cfg.byzantine).unwrap_err();
    assert_eq!(
        violation.invariant(),
        SeededBug::SilentStatusChange.caught_by()
    );
}

#[test]
fn isolate_wrong_shard_applies_the_change_and_its_record_to_the_next_shard() {
    let cfg = ModelConfig::faults().with_bug(Some(SeededBug::IsolateWrongShard));
    let view = with_high_and_low_faults(&cfg);
    let (events, next) = accept(&cfg, &view, tick(1));
    assert_eq!(next.shards[0].status, ShardStatus::Normal);
    assert_eq!(next.shards[1].status, ShardStatus::Frozen);
    assert!(matches!(events[1], Event::ValidatorSlashed { .. }));
    assert!(matches!(
        events[2],
        Event::StatusChanged {
            shard: ShardId(1),
            ..
        }
    ));
    assert!(matches!(
        status_records(&next)[..],
        [AuditEntry::StatusChange {
            shard: ShardId(1),
            ..
        }]
    ));
    let violation = check_step(&view, &next, &cfg.params, &cfg.byzantine).unwrap_err();
    assert_eq!(
        violation.invariant(),
        SeededBug::IsolateWrongShard.caught_by()
    );
}

#[test]
fn accept_unsigned_evidence_accepts_a_forged_statement_of_an_honest_validator() {
    let cfg = ModelConfig::faults().with_bug(Some(SeededBug::AcceptUnsignedEvidence));
    let view = run(&cfg, &[block(0)]);
    let mut forged_claim = claim(1, 0, 0, 2, ClaimContent::WrongRoot);
    forged_claim.signature = Signature::OtherKey;
    let (_, next) = accept(
        &cfg,
        &view,
        submit(Evidence::ExecutionFailure {
            claim: forged_claim,
        }),
    );
    let violation = check_step(&view, &next, &cfg.params, &cfg.byzantine).unwrap_err();
    assert_eq!(
        violation.invariant(),
        SeededBug::AcceptUnsignedEvidence.caught_by()
    );
    // Honest content is still no fault under the bug.
    let mut honest = claim(1, 0, 0, 2, ClaimContent::Honest);
    honest.signature = Signature::Corrupt;
    assert_refused(
        &cfg,
        &view,
        Evidence::ExecutionFailure { claim: honest },
        EvidenceRejection::NotAFault,
    );
}

/// Views visited by a random walk of accepted enabled actions from the
/// initial view (xorshift from `seed`, restarting when nothing is
/// enabled).
fn random_walk(cfg: &ModelConfig, seed: u64, steps: usize) -> Vec<View> {
    let init = init_view(&cfg.params);
    let mut state = seed.max(1);
    let mut view = init.clone();
    let mut views = vec![view.clone()];
    for _ in 0..steps {
        let successors: Vec<View> = enabled_actions(cfg, &view)
            .iter()
            .filter_map(|a| crate::rules::step(&cfg.params, cfg.bug, &view, a).ok())
            .map(|(next, _)| next)
            .collect();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        view = match u64::try_from(successors.len()) {
            Ok(0) | Err(_) => init.clone(),
            Ok(len) => successors[usize::try_from(state % len).unwrap_or(0)].clone(),
        };
        views.push(view.clone());
    }
    views
}

/// The validator a piece of evidence accuses, if any.
fn accused_by(evidence: &Evidence) -> Option<ValidatorId> {
    crate::rules::detect::compute_signed_parts(evidence).map(|p| p.accused)
}

#[test]
fn evidence_naming_an_honest_validator_is_always_refused_as_not_a_fault_or_for_its_signature() {
    let cfg = ModelConfig::faults();
    let mut codes = std::collections::BTreeSet::new();
    let mut accepted_kinds = std::collections::BTreeSet::new();
    for seed in 1..=4 {
        for view in random_walk(&cfg, seed, 200) {
            for action in enabled_actions(&cfg, &view) {
                let Action::SubmitEvidence(evidence) = action else {
                    continue;
                };
                let (outcome, _) = apply(&cfg.params, None, &view, &action);
                match (accused_by(&evidence), outcome) {
                    (Some(v), Outcome::Rejected { rejection }) if !cfg.is_byzantine(v) => {
                        codes.insert(rejection);
                    }
                    (Some(v), outcome) if !cfg.is_byzantine(v) => {
                        panic!("{evidence} against honest {v}: {outcome}")
                    }
                    (_, Outcome::Accepted { events }) => {
                        for event in events {
                            if let Event::FaultDetected { fault, .. } = event {
                                accepted_kinds.insert(fault.kind);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        vec![
            Rejection::Evidence(EvidenceRejection::BadSignature),
            Rejection::Evidence(EvidenceRejection::NotAFault),
        ]
    );
    // The Byzantine members' evidence is accepted, of several kinds.
    assert!(accepted_kinds.len() >= 4, "{accepted_kinds:?}");
}

#[test]
fn the_evidence_of_a_view_names_every_committee_member_and_respects_the_open_fault_bound() {
    let cfg = ModelConfig::faults();
    let (view, _) = finalized_view(&cfg);
    let evidence: Vec<Evidence> = enabled_actions(&cfg, &view)
        .into_iter()
        .filter_map(|a| match a {
            Action::SubmitEvidence(e) => Some(e),
            _ => None,
        })
        .collect();
    // Only shard 0 is accused in `faults`; each member of its committee
    // is, and liveness names shard 0.
    assert!(evidence
        .iter()
        .all(|e| crate::rules::detect::compute_evidence_shard(e) == ShardId(0)));
    for member in 0..4 {
        assert!(
            evidence
                .iter()
                .any(|e| accused_by(e) == Some(ValidatorId(member))),
            "v{member}"
        );
    }
    assert!(evidence.contains(&Evidence::Liveness { shard: ShardId(0) }));
    // Once shard 0 holds its one open fault, nothing more is submitted.
    let byzantine = evidence
        .iter()
        .find(|e| accused_by(e) == Some(ValidatorId(3)))
        .copied()
        .expect("Byzantine evidence");
    let (_, accused) = accept(&cfg, &view, submit(byzantine));
    assert!(!enabled_actions(&cfg, &accused)
        .iter()
        .any(|a| matches!(a, Action::SubmitEvidence(_))));
}

#[test]
fn a_transition_violation_is_carried_by_every_later_state() {
    let cfg = ModelConfig::faults().with_bug(Some(SeededBug::IsolateWrongShard));
    let init = ModelState::init(&cfg);
    let evidence = submit(Evidence::ExecutionFailure {
        claim: claim(3, 0, 0, 1, ClaimContent::WrongRoot),
    });
    let accused = compute_next_state(&cfg, &init, &evidence).expect("accepted");
    assert_eq!(accused.broken, None);
    let wrong = compute_next_state(&cfg, &accused, &tick(1)).expect("accepted");
    let broken = wrong.broken.clone().expect("INV-1 is broken");
    assert_eq!(broken.property, AlwaysProperty::Inv1NoGlobalRollback);
    let later = compute_next_state(&cfg, &wrong, &block(0)).expect("accepted");
    assert_eq!(later.broken, Some(broken));
    // A rejected action is no transition.
    assert_eq!(compute_next_state(&cfg, &wrong, &block(1)), None);
    // Without the bug the same steps break nothing.
    let correct = cfg.clone().with_bug(None);
    let accused = compute_next_state(&correct, &init, &evidence).expect("accepted");
    let fine = compute_next_state(&correct, &accused, &tick(1)).expect("accepted");
    assert_eq!(fine.broken, None);
}

#[test]
fn a_transition_counterexample_is_cut_after_the_bad_step_and_shrunk() {
    let cfg = ModelConfig::faults().with_bug(Some(SeededBug::IsolateWrongShard));
    let padded = vec![
        block(1),
        submit(Evidence::ExecutionFailure {
            claim: claim(3, 0, 0, 1, ClaimContent::WrongRoot),
        }),
        block(0),
        block(0),
        tick(1),
        Action::ProposeCheckpoint(proposal(0, honest_checkpoint(0, 1, 2, ParentLink::Genesis))),
    ];
    let property = AlwaysProperty::Inv1NoGlobalRollback;
    let (cut, violation) =
        crate::counterexample::cut(&cfg, property, &padded).expect("a violation");
    assert_eq!(cut, padded[..5].to_vec());
    assert_eq!(violation.invariant(), InvariantId::Inv1NoGlobalRollback);
    let (short, _) = shrink(&cfg, property, &padded).expect("a violation");
    assert_eq!(short.len(), 2, "{short:?}");
    // The trace of the padded run names the violation of its bad step.
    let trace = build_trace(&cfg, &padded, "test", "padded");
    assert_eq!(trace.meta.violation, violation.to_string());
    assert_eq!(replay_trace(&trace), Ok(Some(violation)));
}

#[test]
fn a_simulation_of_a_large_configuration_detects_faults_and_changes_statuses() {
    let cfg = ModelConfig::large(3, 4);
    let report = simulate(&cfg, 3, 60, 300, 1, |_| {});
    assert_eq!(report.counterexample, None);
    let found = |example: Example| {
        report
            .properties
            .iter()
            .any(|p| p.name == example.name() && p.verdict == Verdict::ExampleFound)
    };
    let detected = FaultKind::ALL
        .into_iter()
        .filter(|k| found(Example::Detects(*k)))
        .count();
    assert!(detected >= 5, "{:?}", report.properties);
    assert!(found(Example::Frozen), "{:?}", report.properties);
    for p in &report.properties {
        if p.kind == PropertyKind::Always {
            assert_eq!(p.verdict, Verdict::Holds, "{}", p.name);
        }
    }
}

// Cross-shard transactions and rollback (`spec/SPEC.md` §6): helpers shared
// by the `xtx` and `rollback` test modules.

/// The prepare of xtx `id` from `source` to `destination` on `key`.
fn prepare(id: u32, source: u16, destination: u16, key: u32) -> Action {
    Action::PrepareXtx(XtxPrepare {
        id: XtxId(id),
        source: ShardId(source),
        destination: ShardId(destination),
        key,
    })
}

/// `voter`'s validly signed vote on xtx `id` for `shard` in `generation`.
fn xtx_vote(voter: u16, id: u32, shard: u16, generation: u64, decision: XtxDecision) -> XtxVote {
    XtxVote {
        voter: ValidatorId(voter),
        id: XtxId(id),
        shard: ShardId(shard),
        generation: Generation(generation),
        decision,
        signature: Signature::Valid,
    }
}

/// A tick of `shard`'s rollback.
fn advance(shard: u16) -> Action {
    Action::AdvanceRollback {
        shard: ShardId(shard),
    }
}

/// Asserts that `action` is rejected with `rejection` and leaves `view` as
/// it was ([R-OUT-2]).
fn assert_rejected(cfg: &ModelConfig, view: &View, action: Action, rejection: Rejection) {
    let (outcome, next) = apply(&cfg.params, cfg.bug, view, &action);
    assert_eq!(outcome, Outcome::Rejected { rejection }, "{action}");
    assert_eq!(&next, view, "a rejection changed the view: {action}");
}

/// The entries of the status-change records of a view's audit log, in
/// order.
fn status_records(view: &View) -> Vec<AuditEntry> {
    view.audit
        .iter()
        .map(|r| r.entry.clone())
        .filter(|e| matches!(e, AuditEntry::StatusChange { .. }))
        .collect()
}

/// Applies one action that must be accepted and must break no invariant
/// ([`mend_spec::check_step`]); returns its events and the view after it.
fn accept_checked(cfg: &ModelConfig, view: &View, action: Action) -> (Vec<Event>, View) {
    let (events, next) = accept(cfg, view, action);
    assert_eq!(
        check_step(view, &next, &cfg.params, &cfg.byzantine),
        Ok(()),
        "{action}"
    );
    (events, next)
}
