//! Exhaustive path replay: every path of each configuration of the model's
//! default suite up to a stated depth is replayed on the engine, outcome and
//! view compared at every step; at every node one invalid action (in
//! rotation) is probed too, and at shallow nodes all of them.
//!
//! Depths: [`DEPTHS`], or `MEND_REPLAY_DEPTH` for every configuration. The
//! number of paths of each is printed and must not be zero; together they
//! must compare every rejection code of the spec.

use mend_conformance::generate::{behaviour_actions, invalid_actions};
use mend_conformance::lockstep::report_failure;
use mend_conformance::{Lockstep, RunConfig};
use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{
    BlockRejection, EpochRejection, EvidenceRejection, Outcome, ProposalRejection, Rejection,
    VoteRejection,
};
use std::collections::BTreeSet;

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
    all
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
    let missed: Vec<_> = every_rejection()
        .into_iter()
        .filter(|r| !compared.contains(r))
        .collect();
    assert!(
        missed.is_empty(),
        "rejection codes never compared: {missed:?}"
    );
}
