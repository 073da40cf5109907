//! Trace files: every ITF trace in `tests/traces/` (and in
//! `$MEND_TRACE_DIR`, if set) parses with the `itf` crate and replays on
//! model and engine in lockstep, each recorded outcome and view matching.

use mend_conformance::trace_io::{read_trace, replay_trace, trace_files};
use mend_spec::check_step;
use std::path::{Path, PathBuf};

/// The committed traces, and `$MEND_TRACE_DIR` if set. A relative
/// `MEND_TRACE_DIR` is taken from the workspace root (cargo runs tests from
/// the crate's folder); if it is set, it must hold at least one trace.
fn trace_dirs() -> Vec<(PathBuf, bool)> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![(crate_dir.join("traces"), false)];
    if let Some(extra) = std::env::var_os("MEND_TRACE_DIR") {
        let extra = PathBuf::from(extra);
        let extra = if extra.is_absolute() {
            extra
        } else {
            crate_dir.join("..").join(extra)
        };
        dirs.push((extra, true));
    }
    dirs
}

#[test]
fn every_trace_file_parses_as_itf_and_replays_on_model_and_engine() {
    let mut replayed = 0;
    for (dir, must_exist) in trace_dirs() {
        let files = match trace_files(&dir) {
            Ok(files) => files,
            Err(e) => panic!("cannot read trace directory {}: {e}", dir.display()),
        };
        assert!(
            !must_exist || !files.is_empty(),
            "MEND_TRACE_DIR {} holds no *.itf.json trace",
            dir.display()
        );
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let generic: itf::Trace<serde_json::Value> = itf::trace_from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not ITF: {e}", path.display()));
            assert!(
                !generic.states.is_empty(),
                "{} has no states",
                path.display()
            );
            let trace = read_trace(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let run = replay_trace(&trace).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // A trace that records a violation must still end in one: the
            // first step that breaks an invariant, state or transition, is
            // the last step of the trace.
            if trace.meta.violation != "none" {
                let byzantine = trace.meta.parse_byzantine().unwrap();
                let params = trace.meta.parse_params().unwrap();
                let mut before = &run.initial;
                let mut first = None;
                for (i, step) in run.model_steps.iter().enumerate() {
                    if let Err(v) = check_step(before, &step.view, &params, &byzantine) {
                        first = Some((i + 1, v));
                        break;
                    }
                    before = &step.view;
                }
                let (index, violation) =
                    first.expect("a counterexample trace must end in a violation");
                assert_eq!(index, run.model_steps.len(), "{}", path.display());
                assert_eq!(
                    violation.to_string(),
                    trace.meta.violation,
                    "{}",
                    path.display()
                );
            }
            replayed += 1;
        }
    }
    mend_conformance::announce(&format!("{replayed} ITF trace files parsed and replayed"));
    assert!(
        replayed >= 4,
        "only {replayed} trace files found: the seeded-bug traces are missing"
    );
}

/// [R-FAULT-2] Every fault kind has a committed conformance trace in which
/// both renderings detect it from its evidence and respond at the next epoch
/// boundary; the trace still matches what model and engine do today.
#[test]
fn every_fault_kind_has_a_conformance_trace_that_detects_it() {
    use mend_conformance::examples::{example_file_name, example_trace};
    use mend_spec::{Event, FaultKind, Outcome};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("traces");
    for kind in FaultKind::ALL {
        let path = dir.join(example_file_name(kind));
        let committed = read_trace(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (rewrite with `cargo run -p mend-conformance --bin make-corpus`)",
                path.display()
            )
        });
        let detected = committed.states.iter().any(|s| {
            matches!(&s.outcome, Outcome::Accepted { events }
                if events.iter().any(|e| matches!(e, Event::FaultDetected { fault, .. } if fault.kind == kind)))
        });
        assert!(detected, "{} does not detect {kind:?}", path.display());
        let fresh = example_trace(kind).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            fresh.states,
            committed.states,
            "{} is stale (rewrite with `cargo run -p mend-conformance --bin make-corpus`)",
            path.display()
        );
    }
}

/// Every event of the accepted steps of `trace`, in order.
fn accepted_events(trace: &mend_spec::trace::Trace) -> Vec<&mend_spec::Event> {
    trace
        .states
        .iter()
        .flat_map(|s| match &s.outcome {
            mend_spec::Outcome::Accepted { events } => events.iter().collect(),
            mend_spec::Outcome::Rejected { .. } => Vec::new(),
        })
        .collect()
}

/// [R-RB-2] The worked example of the docs is committed, still matches what
/// model and engine do today, and shows what it claims: a rollback that
/// aborts a transaction in flight on both shards, releases both locks and
/// restores the shard to its latest finalized checkpoint.
#[test]
fn the_worked_rollback_example_aborts_an_in_flight_transaction_on_both_shards() {
    use mend_conformance::examples::{rollback_example_trace, ROLLBACK_EXAMPLE_FILE};
    use mend_spec::{Event, XtxState};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(ROLLBACK_EXAMPLE_FILE);
    let committed = read_trace(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (rewrite with `cargo run -p mend-conformance --bin make-corpus`)",
            path.display()
        )
    });
    let events = accepted_events(&committed);
    let aborted = events
        .iter()
        .find_map(|e| match e {
            Event::XtxAborted { id } => Some(*id),
            _ => None,
        })
        .expect("the example aborts a transaction");
    let released: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::LockReleased { shard, xtx, .. } if *xtx == aborted => Some(*shard),
            _ => None,
        })
        .collect();
    assert_eq!(released.len(), 2, "both locks of {aborted} are released");
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::StateRestored { .. })));
    let last = &committed.states.last().expect("a trace has states").view;
    let x = last
        .transactions
        .iter()
        .find(|x| x.id == aborted)
        .expect("the aborted transaction is in the view");
    assert_eq!(x.source_side.state, XtxState::Aborted);
    assert_eq!(x.destination_side.state, XtxState::Aborted);
    let fresh = rollback_example_trace().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        fresh.states,
        committed.states,
        "{} is stale (rewrite with `cargo run -p mend-conformance --bin make-corpus`)",
        path.display()
    );
}

/// [R-PIPE-1] The worked recovery example of the docs is committed, still
/// matches what model and engine do today, and shows what it claims: one
/// shard passes every pipeline stage, from the fault to its reintegration,
/// in order, with its healing stages in order, a slash of the accused and a
/// reassignment, and ends `Normal` with a checkpoint finalized by its new
/// committee at its head.
#[test]
fn the_worked_recovery_example_passes_every_stage_from_fault_to_reintegration() {
    use mend_conformance::examples::{recovery_example_trace, RECOVERY_EXAMPLE_FILE};
    use mend_spec::{Event, HealingStage, PipelineStage, ShardStatus};
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("traces")
        .join(RECOVERY_EXAMPLE_FILE);
    let committed = read_trace(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (rewrite with `cargo run -p mend-conformance --bin make-corpus`)",
            path.display()
        )
    });
    let events = accepted_events(&committed);
    let stages: Vec<PipelineStage> = events
        .iter()
        .filter_map(|e| match e {
            Event::PipelineAdvanced { stage, .. } => Some(*stage),
            _ => None,
        })
        .collect();
    assert_eq!(
        stages,
        vec![
            PipelineStage::FaultDetected,
            PipelineStage::Isolated,
            PipelineStage::RollingBack,
            PipelineStage::ValidatorAdjustment,
            PipelineStage::Healing,
            PipelineStage::RecoveryComplete,
            PipelineStage::Reintegrated,
        ]
    );
    let healing: Vec<HealingStage> = events
        .iter()
        .filter_map(|e| match e {
            Event::HealingAdvanced { stage, .. } => Some(*stage),
            _ => None,
        })
        .collect();
    assert_eq!(
        healing,
        vec![
            HealingStage::Initializing,
            HealingStage::Rebuilding,
            HealingStage::SyncingBlocks,
            HealingStage::VerifyingState,
            HealingStage::ReadyForReintegration,
            HealingStage::Reintegrated,
        ]
    );
    assert!(events.iter().any(|e| matches!(
        e,
        Event::ValidatorSlashed {
            tombstoned: true,
            ..
        }
    )));
    assert!(events
        .iter()
        .any(|e| matches!(e, Event::CommitteeReassigned { .. })));
    let last = &committed.states.last().expect("a trace has states").view;
    let shard = last
        .shards
        .iter()
        .find(|s| s.pipeline == Some(PipelineStage::Reintegrated))
        .expect("a reintegrated shard");
    assert_eq!(shard.status, ShardStatus::Normal);
    let head = shard.finalized.last().expect("a finalized checkpoint");
    assert_eq!(head.checkpoint.height, shard.height);
    assert_eq!(head.checkpoint.root, shard.head_root);
    let fresh = recovery_example_trace().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        fresh.states,
        committed.states,
        "{} is stale (rewrite with `cargo run -p mend-conformance --bin make-corpus`)",
        path.display()
    );
}
