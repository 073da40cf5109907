//! Exhaustive path replay: every path of each configuration of the model's
//! default suite up to a stated depth is replayed on the engine, outcome and
//! view compared at every step; at every node one invalid action (in
//! rotation) is probed too, and at shallow nodes all of them.
//!
//! Depths: [`DEPTHS`], or `MEND_REPLAY_DEPTH` for every configuration. The
//! `rollback` and `recovery` configurations are replayed from points of
//! their worked examples ([`FROM_PREFIX`]): every path from genesis to a
//! rollback or a healing is too long to enumerate, so every path from where
//! the fault opens, the rollback starts, it restores, the pipeline adjusts
//! the committee, the healing syncs, verifies and is ready is replayed
//! instead. The number of paths of each
//! is printed and must not be zero; together they must compare every
//! rejection code of the spec.

use mend_conformance::examples::{RECOVERY_EXAMPLE_FILE, ROLLBACK_EXAMPLE_FILE};
use mend_conformance::generate::{behaviour_actions, invalid_actions};
use mend_conformance::lockstep::report_failure;
use mend_conformance::trace_io::read_trace;
use mend_conformance::{Lockstep, RunConfig};
use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{
    Action, BlockRejection, EpochRejection, EvidenceRejection, HealingRejection, HealingStage,
    Outcome, Params, PipelineStage, PrepareRejection, ProposalRejection, Rejection, RollbackPhase,
    RollbackRejection, ShardId, ShardStatus, Signature, ValidatorId, View, VoteRejection,
    XtxDecision, XtxId, XtxPrepare, XtxVote, XtxVoteRejection,
};
use std::collections::BTreeSet;
use std::path::Path;

/// The replay depth of each configuration of the default suite: deep enough
/// that each reaches what it is for (a finalization and an expiry; a
/// pruning and stale heights; a status change and its record; stale epochs
/// and liveness), shallow enough for 2 cores.
pub const DEPTHS: [(&str, usize); 4] = [
    ("finality", 8),
    ("retention", 8),
    ("faults", 6),
    ("liveness", 6),
];
/// Where a prefix of a worked example stops.
#[derive(Clone, Copy, Debug)]
enum Cut {
    /// At the step that opens the fault that will isolate the shard.
    FaultDetected,
    /// At the step that starts the rollback (phase `Initiated`).
    RollbackStarted,
    /// At the step that restores the shard (phase `RestoringState`).
    Restored,
    /// At the step that completes the rollback: the pipeline waits for
    /// validator adjustment ([R-PIPE-2]).
    Adjusting,
    /// At the step that opens `SyncingBlocks` ([R-HEAL-3]).
    Syncing,
    /// At the step that enters `VerifyingState` ([R-HEAL-4]).
    Verifying,
    /// At the step that makes the healing ready for reintegration.
    Ready,
}

impl Cut {
    fn reached(self, view: &View) -> bool {
        let healing = |stage| {
            view.shards.iter().any(|s| {
                s.healing
                    .is_some_and(|h| h.stage == stage && h.failure.is_none())
            })
        };
        match self {
            Cut::FaultDetected => view.shards.iter().any(|s| !s.faults.is_empty()),
            Cut::RollbackStarted | Cut::Restored => view.shards.iter().any(|s| {
                s.status == ShardStatus::Recovering
                    && s.rollback.as_ref().is_some_and(|r| match self {
                        Cut::RollbackStarted => r.phase == RollbackPhase::Initiated,
                        _ => r.phase == RollbackPhase::RestoringState,
                    })
            }),
            Cut::Adjusting => view
                .shards
                .iter()
                .any(|s| s.pipeline == Some(PipelineStage::ValidatorAdjustment)),
            Cut::Syncing => healing(HealingStage::SyncingBlocks),
            Cut::Verifying => healing(HealingStage::VerifyingState),
            Cut::Ready => healing(HealingStage::ReadyForReintegration),
        }
    }
}

/// Configurations replayed from a prefix of a committed worked example
/// (`tests/traces/rollback-aborts-in-flight.itf.json`,
/// `tests/traces/recovery-fault-to-reintegration.itf.json`), with the depth
/// of every path replayed from its end.
const FROM_PREFIX: [(&str, &str, Cut, usize); 7] = [
    ("rollback", ROLLBACK_EXAMPLE_FILE, Cut::FaultDetected, 9),
    ("rollback", ROLLBACK_EXAMPLE_FILE, Cut::RollbackStarted, 8),
    ("rollback", ROLLBACK_EXAMPLE_FILE, Cut::Restored, 8),
    ("recovery", RECOVERY_EXAMPLE_FILE, Cut::Adjusting, 7),
    ("recovery", RECOVERY_EXAMPLE_FILE, Cut::Syncing, 7),
    ("recovery", RECOVERY_EXAMPLE_FILE, Cut::Verifying, 7),
    ("recovery", RECOVERY_EXAMPLE_FILE, Cut::Ready, 6),
];

/// Nodes up to this depth are probed with every invalid action.
const PROBE_ALL_DEPTH: usize = 3;

#[derive(Default)]
struct Counts {
    paths: u64,
    steps: u64,
    probes: u64,
    nodes: u64,
    /// Every rejection code both renderings agreed on.
    rejections: BTreeSet<Rejection>,
}

/// Every rejection code of the spec, so the replay can show it compared
/// each one at least once.
fn every_rejection() -> Vec<Rejection> {
    use BlockRejection as B;
    use ProposalRejection as P;
    use VoteRejection as V;
    let mut all: Vec<Rejection> = [
        B::UnknownShard,
        B::ShardFrozen,
        B::TooManyTransactions,
        B::UnorderedTransactions,
        B::WrongHeight,
        B::WrongParent,
        B::StateRootMismatch,
    ]
    .into_iter()
    .map(Rejection::Block)
    .collect();
    all.extend(
        [
            P::UnknownShard,
            P::UnknownValidator,
            P::NotMember,
            P::WrongEpoch,
            P::WrongGeneration,
            P::BadSignature,
            P::WrongHeight,
            P::BeyondHead,
            P::WrongParent,
            P::Duplicate,
            P::TooManyPending,
        ]
        .into_iter()
        .map(Rejection::Proposal),
    );
    all.extend(
        [
            V::UnknownShard,
            V::UnknownValidator,
            V::WrongShard,
            V::NotMember,
            V::WrongEpoch,
            V::WrongGeneration,
            V::BadSignature,
            V::AlreadyFinalized,
            V::UnknownCheckpoint,
            V::Duplicate,
        ]
        .into_iter()
        .map(Rejection::Vote),
    );
    {
        use EvidenceRejection as E;
        all.extend(
            [
                E::UnknownShard,
                E::Mismatched,
                E::UnknownValidator,
                E::NotMember,
                E::FutureEpoch,
                E::StaleEpoch,
                E::WrongGeneration,
                E::HeightOutOfRange,
                E::StaleHeight,
                E::BadSignature,
                E::NotAFault,
                E::Duplicate,
            ]
            .into_iter()
            .map(Rejection::Evidence),
        );
    }
    all.push(Rejection::Epoch(EpochRejection::NotNextEpoch));
    all.push(Rejection::Proposal(P::ShardRecovering));
    all.push(Rejection::Vote(V::ShardRecovering));
    {
        use PrepareRejection as X;
        all.extend(
            [
                X::UnknownShard,
                X::SameShard,
                X::Duplicate,
                X::ShardUnavailable,
                X::KeyLocked,
            ]
            .into_iter()
            .map(Rejection::Prepare),
        );
    }
    {
        use XtxVoteRejection as X;
        all.extend(
            [
                X::UnknownShard,
                X::UnknownXtx,
                X::NotParticipant,
                X::UnknownValidator,
                X::NotMember,
                X::WrongGeneration,
                X::BadSignature,
                X::Finished,
                X::Duplicate,
                X::ShardUnavailable,
                X::Immature,
            ]
            .into_iter()
            .map(Rejection::XtxVote),
        );
    }
    all.push(Rejection::Rollback(RollbackRejection::UnknownShard));
    all.push(Rejection::Rollback(RollbackRejection::NotRecovering));
    all.extend(
        [
            HealingRejection::UnknownShard,
            HealingRejection::NotHealing,
            HealingRejection::NotSynced,
            HealingRejection::AwaitingEpoch,
            HealingRejection::FaultOpen,
        ]
        .into_iter()
        .map(Rejection::Healing),
    );
    all
}

/// The actions of the committed worked example `file` up to the first step
/// after which `cut` holds.
fn prefix(file: &str, cut: Cut) -> Vec<Action> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(file);
    let trace = read_trace(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let end = trace
        .states
        .iter()
        .position(|s| cut.reached(&s.view))
        .unwrap_or_else(|| panic!("{}: never reaches {cut:?}", path.display()));
    trace.actions().into_iter().take(end).collect()
}

/// Cross-shard rejections that the `rollback` configuration's one
/// transaction cannot show from where its replay starts, compared on one
/// scripted run of 3 shards: a vote by a shard that is no participant
/// (`NotParticipant`, which needs a third shard), a second vote of a side
/// (`Duplicate`, which needs a counted commit: both sides mature), a
/// prepare on a locked key (`KeyLocked`) and a commit vote before the
/// source's height is finalized (`Immature`).
fn scripted_xtx_rejections_are_compared(compared: &mut BTreeSet<Rejection>) {
    let params = Params::new(3, 4, 2, 2, 2).expect("in bounds");
    let byzantine = vec![ValidatorId(3), ValidatorId(7), ValidatorId(11)];
    let prepare = |id, key| {
        Action::PrepareXtx(XtxPrepare {
            id: XtxId(id),
            source: ShardId(0),
            destination: ShardId(1),
            key,
        })
    };
    let commit = |voter, id, shard| {
        Action::CastXtxVote(XtxVote {
            voter: ValidatorId(voter),
            id: XtxId(id),
            shard: ShardId(shard),
            generation: mend_spec::Generation(0),
            decision: XtxDecision::Commit,
            signature: Signature::Valid,
        })
    };
    let actions = [
        prepare(0, 1),
        commit(8, 0, 2),
        commit(0, 0, 0),
        commit(1, 0, 0),
        prepare(1, 1),
        Action::ProduceBlock {
            shard: ShardId(0),
            fault: mend_spec::BlockFault::None,
        },
        prepare(2, 2),
        commit(4, 2, 1),
    ];
    let run = match Lockstep::run(RunConfig::correct(params, byzantine), &actions) {
        Ok(run) => run,
        Err(failure) => panic!("{}", report_failure(&failure, "exhaustive-scripted")),
    };
    for step in &run.model_steps {
        if let Outcome::Rejected { rejection } = step.outcome {
            compared.insert(rejection);
        }
    }
}

/// `FaultOpen` ([R-HEAL-2]) needs a fault opened against a shard that is
/// ready for reintegration, so a Byzantine member must still sit in its
/// healed committee: one shard of 7 (`f = 2`) with members 5 and 6
/// Byzantine, driven by the recovery driver from a fault by 6 to the
/// ready stage; then 5's signed evidence opens a fault, and the tick that
/// would reintegrate is refused on both renderings.
fn scripted_fault_open_is_compared(compared: &mut BTreeSet<Rejection>) {
    use mend_conformance::recovery::{large_recovery_config, progress_action};
    let mut cfg = large_recovery_config(1, 7, mend_spec::ReassignmentStrategy::PrioritizeSlashed);
    cfg.byzantine = vec![ValidatorId(5), ValidatorId(6)];
    let model = CheckpointModel { cfg: cfg.clone() };
    let mut run = match Lockstep::new(RunConfig::correct(cfg.params, cfg.byzantine.clone())) {
        Ok(run) => run,
        Err(failure) => panic!("{}", report_failure(&failure, "exhaustive-scripted")),
    };
    let ready = |view: &View| {
        view.shards[0]
            .healing
            .is_some_and(|h| h.stage == HealingStage::ReadyForReintegration)
    };
    let step = |run: &mut Lockstep, action: &Action| {
        if let Err(failure) = run.step(action) {
            panic!("{}", report_failure(&failure, "exhaustive-scripted"));
        }
    };
    for _ in 0..200 {
        if ready(&run.model_view) {
            break;
        }
        let action = progress_action(&cfg, &run.model_view, ShardId(0))
            .expect("the driver always has a next step before reintegration");
        step(&mut run, &action);
    }
    assert!(ready(&run.model_view), "the shard never became ready");
    let evidence = behaviour_actions(&model, &run.model_view)
        .into_iter()
        .find(|a| {
            matches!(a, Action::SubmitEvidence(_))
                && mend_model::apply(&cfg.params, None, &run.model_view, a)
                    .0
                    .is_accepted()
        })
        .expect("the seated Byzantine member can sign evidence");
    step(&mut run, &evidence);
    let tick = Action::AdvanceHealing { shard: ShardId(0) };
    match run.step(&tick) {
        Ok(Outcome::Rejected { rejection }) => {
            assert_eq!(rejection, Rejection::Healing(HealingRejection::FaultOpen));
            compared.insert(rejection);
        }
        Ok(outcome) => panic!("the tick with a fault open was not refused: {outcome}"),
        Err(failure) => panic!("{}", report_failure(&failure, "exhaustive-scripted")),
    }
}

fn explore(
    model: &CheckpointModel,
    node: &Lockstep,
    depth: usize,
    max: usize,
    counts: &mut Counts,
) {
    counts.nodes += 1;
    let invalid = invalid_actions(&model.cfg, &node.model_view);
    let probes: Vec<_> = if depth <= PROBE_ALL_DEPTH {
        invalid
    } else {
        invalid
            .get(counts.nodes as usize % invalid.len().max(1))
            .copied()
            .into_iter()
            .collect()
    };
    for action in probes {
        let mut probe = node.clone();
        counts.probes += 1;
        match probe.step(&action) {
            Ok(Outcome::Rejected { rejection }) => {
                counts.rejections.insert(rejection);
            }
            Ok(Outcome::Accepted { .. }) => {}
            Err(failure) => panic!("{}", report_failure(&failure, "exhaustive-probe")),
        }
    }
    let children: Vec<_> = if depth < max {
        behaviour_actions(model, &node.model_view)
            .into_iter()
            .filter(|a| {
                mend_model::apply(&model.cfg.params, None, &node.model_view, a)
                    .0
                    .is_accepted()
            })
            .collect()
    } else {
        Vec::new()
    };
    if children.is_empty() {
        counts.paths += 1;
        return;
    }
    for action in children {
        let mut child = node.clone();
        counts.steps += 1;
        if let Err(failure) = child.step(&action) {
            panic!("{}", report_failure(&failure, "exhaustive"));
        }
        explore(model, &child, depth + 1, max, counts);
    }
}

#[test]
fn every_model_path_of_the_default_suite_replays_identically_on_the_engine() {
    let override_depth: Option<usize> = std::env::var("MEND_REPLAY_DEPTH")
        .ok()
        .and_then(|d| d.parse().ok());
    let mut compared = BTreeSet::new();
    for (name, default_depth) in DEPTHS {
        let depth = override_depth.unwrap_or(default_depth);
        let cfg = ModelConfig::by_name(name).expect("a configuration of the default suite");
        let model = CheckpointModel { cfg: cfg.clone() };
        let root = match Lockstep::new(RunConfig::correct(cfg.params, cfg.byzantine.clone())) {
            Ok(root) => root,
            Err(failure) => panic!("{}", report_failure(&failure, "exhaustive")),
        };
        let mut counts = Counts::default();
        explore(&model, &root, 0, depth, &mut counts);
        mend_conformance::announce(&format!(
            "exhaustive replay, configuration {name}, depth {depth}: {} paths, {} steps, \
             {} invalid probes, {} nodes, {} rejection codes",
            counts.paths,
            counts.steps,
            counts.probes,
            counts.nodes,
            counts.rejections.len()
        ));
        assert!(counts.paths > 0, "{name}: no path was replayed");
        assert!(counts.probes > 0, "{name}: no invalid action was probed");
        compared.extend(counts.rejections);
    }
    for (name, file, cut, default_depth) in FROM_PREFIX {
        let depth = override_depth.unwrap_or(default_depth);
        let cfg = ModelConfig::by_name(name).expect("a configuration of the default suite");
        let model = CheckpointModel { cfg: cfg.clone() };
        let actions = prefix(file, cut);
        let root = match Lockstep::run(
            RunConfig::correct(cfg.params, cfg.byzantine.clone()),
            &actions,
        ) {
            Ok(root) => root,
            Err(failure) => panic!("{}", report_failure(&failure, "exhaustive-prefix")),
        };
        let mut counts = Counts::default();
        explore(&model, &root, 0, depth, &mut counts);
        mend_conformance::announce(&format!(
            "exhaustive replay, configuration {name} from {cut:?} ({} steps in), depth {depth}: \
             {} paths, {} steps, {} invalid probes, {} nodes, {} rejection codes",
            actions.len(),
            counts.paths,
            counts.steps,
            counts.probes,
            counts.nodes,
            counts.rejections.len()
        ));
        assert!(counts.paths > 0, "{name}: no path was replayed");
        compared.extend(counts.rejections);
    }
    scripted_xtx_rejections_are_compared(&mut compared);
    scripted_fault_open_is_compared(&mut compared);
    let missed: Vec<_> = every_rejection()
        .into_iter()
        .filter(|r| !compared.contains(r))
        .collect();
    assert!(
        missed.is_empty(),
        "rejection codes never compared: {missed:?}"
    );
}
