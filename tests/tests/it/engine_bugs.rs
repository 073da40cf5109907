//! Conformance can fail: for each seeded bug switched on in the engine only,
//! lockstep replay against the correct model finds a divergence. The
//! finality and detection bugs are found by a breadth-first search over the
//! model's behaviours; the cross-shard and rollback bugs lie too deep for
//! that (a finalized checkpoint, evidence, two boundaries and the rollback's
//! ticks), and so do the slashing, reassignment and healing bugs, so the
//! engine replays the model's own counterexample of the bug,
//! `tests/traces/<bug>.itf.json`, beside the correct model. The order bug
//! `first-quorum-certificate` has a two-replica counterexample, one trace
//! per replica (`<bug>.first.itf.json`, `<bug>.second.itf.json`); the
//! engine replays both, and one of them holds the late vote it refuses.

use mend_conformance::generate::behaviour_actions;
use mend_conformance::lockstep::Divergence;
use mend_conformance::trace_io::read_trace;
use mend_conformance::{Lockstep, RunConfig};
use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{Action, SeededBug};
use std::path::Path;

/// Replays the model's committed counterexample of `bug` with the bug in
/// the engine only; returns the first divergence.
fn trace_divergence(bug: SeededBug) -> Option<(usize, Divergence)> {
    file_divergence(bug, &format!("{}.itf.json", bug.name()))
}

/// [`trace_divergence`] for a two-replica counterexample: the first
/// divergence of either replica's trace.
fn replica_traces_divergence(bug: SeededBug) -> Option<(usize, Divergence)> {
    ["first", "second"]
        .into_iter()
        .find_map(|replica| file_divergence(bug, &format!("{}.{replica}.itf.json", bug.name())))
}

/// Replays `tests/traces/<file>` with `bug` in the engine only, beside the
/// correct model; returns the first divergence.
fn file_divergence(bug: SeededBug, file: &str) -> Option<(usize, Divergence)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(file);
    let trace = read_trace(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let cfg = ModelConfig::for_bug(bug);
    let config = RunConfig {
        engine_bug: Some(bug),
        ..RunConfig::correct(cfg.params, cfg.byzantine.clone())
    };
    let mut run = Lockstep::new(config).ok()?;
    run.check_invariants = false;
    trace
        .actions()
        .iter()
        .find_map(|action| run.step(action).err())
        .map(|failure| (failure.index(), failure.kind.clone()))
}

/// Breadth-first over model behaviours until the engine diverges; returns
/// the divergence's step index.
fn first_divergence(bug: SeededBug, max_depth: usize) -> Option<(usize, Divergence)> {
    // The configuration the model checker catches the bug in: the same
    // behaviours reach it in the engine.
    let cfg = ModelConfig::for_bug(bug);
    let model = CheckpointModel { cfg: cfg.clone() };
    let config = RunConfig {
        engine_bug: Some(bug),
        ..RunConfig::correct(cfg.params, cfg.byzantine.clone())
    };
    let mut frontier = vec![Lockstep::new(config).ok()?];
    for _ in 0..max_depth {
        let mut next = Vec::new();
        for node in &frontier {
            // Shard 0, evidence and the epoch clock suffice to reach every
            // bug; leaving shard 1's chain idle keeps the search small.
            for action in behaviour_actions(&model, &node.model_view)
                .into_iter()
                .filter(touches_shard_0)
            {
                let mut child = node.clone();
                child.check_invariants = false;
                match child.step(&action) {
                    Ok(outcome) if outcome.is_accepted() => next.push(child),
                    Ok(_) => {}
                    Err(failure) => return Some((failure.index(), failure.kind.clone())),
                }
            }
        }
        // Keep the search small: states are deduplicated by model view.
        next.sort_by(|a, b| a.model_view.cmp(&b.model_view));
        next.dedup_by(|a, b| a.model_view == b.model_view);
        frontier = next;
    }
    None
}

fn touches_shard_0(action: &Action) -> bool {
    match action {
        Action::ProduceBlock { shard, .. } => shard.0 == 0,
        Action::ProposeCheckpoint(p) => p.checkpoint.shard.0 == 0,
        Action::CastVote(v) => v.shard.0 == 0,
        Action::SubmitEvidence(_) | Action::AdvanceEpoch { .. } | Action::PrepareXtx(_) => true,
        Action::CastXtxVote(v) => v.shard.0 == 0,
        Action::AdvanceRollback { shard } | Action::AdvanceHealing { shard } => shard.0 == 0,
    }
}

#[test]
fn conformance_catches_every_seeded_bug_in_the_engine() {
    for bug in SeededBug::ALL {
        let found = match bug {
            SeededBug::ReceiptBeforeFinal
            | SeededBug::RollbackBeyondWindow
            | SeededBug::AbortOneSide
            | SeededBug::RollbackHealthyShard
            | SeededBug::SlashWithoutEvidence
            | SeededBug::ReintegrateWithoutQuorum
            | SeededBug::SkipSyncingBlocks
            | SeededBug::ReassignBelowQuorum => trace_divergence(bug),
            SeededBug::FirstQuorumCertificate => replica_traces_divergence(bug),
            _ => first_divergence(bug, 12),
        };
        let Some((index, kind)) = found else {
            panic!("engine bug {} was not caught by conformance", bug.name());
        };
        assert!(
            matches!(kind, Divergence::Differ { .. }),
            "{}: {kind:?}",
            bug.name()
        );
        mend_conformance::announce(&format!(
            "engine bug {}: caught by conformance at step {index}",
            bug.name()
        ));
    }
}
