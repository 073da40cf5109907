//! The fuzz targets' bodies over their committed corpora, so stable CI runs
//! every seed input without a nightly toolchain.

use mend_conformance::fuzz_bodies::{
    fuzz_decode, fuzz_differential, fuzz_differential_run, fuzz_evidence, fuzz_journal,
};
use mend_spec::{Event, Outcome};
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("corpus {} missing: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn run_all(target: &str, body: fn(&[u8])) {
    let files = corpus(target);
    assert!(
        files.len() >= 10,
        "corpus {target} holds only {} inputs",
        files.len()
    );
    for file in &files {
        let data = std::fs::read(file).unwrap();
        let result = std::panic::catch_unwind(|| body(&data));
        assert!(result.is_ok(), "{target} fails on {}", file.display());
    }
    mend_conformance::announce(&format!(
        "fuzz corpus {target}: {} inputs replayed",
        files.len()
    ));
}

#[test]
fn the_differential_corpus_replays_without_a_finding() {
    run_all("differential", fuzz_differential);
}

#[test]
fn the_decode_corpus_replays_without_a_finding() {
    run_all("decode", fuzz_decode);
}

#[test]
fn the_evidence_corpus_replays_without_a_finding() {
    run_all("evidence", fuzz_evidence);
}

/// [R-JOURNAL-4] The journal corpus replays without a finding and reaches
/// each way a journal can read: whole, with a torn tail discarded, and
/// refused as corrupt.
#[test]
fn the_journal_corpus_replays_and_reads_whole_torn_and_corrupt_journals() {
    run_all("journal", fuzz_journal);
    let (mut whole, mut torn, mut corrupt) = (0, 0, 0);
    for file in corpus("journal") {
        let data = std::fs::read(&file).unwrap();
        match mend_impl::read_records(&data) {
            Ok(scan) if scan.torn_tail.is_some() => torn += 1,
            Ok(_) => whole += 1,
            Err(mend_impl::JournalError::Corrupt { .. }) => corrupt += 1,
            Err(_) => {}
        }
    }
    mend_conformance::announce(&format!(
        "journal corpus: {whole} whole, {torn} with a torn tail, {corrupt} corrupt"
    ));
    assert!(whole > 0 && torn > 0 && corrupt > 0);
}

/// The `differential` target reaches the cross-shard, rollback and recovery
/// rules from its seeds alone: some corpus inputs commit a transaction,
/// abort one, restore a rolled-back shard, slash a validator and reintegrate
/// a healed shard, on model and engine alike.
#[test]
fn the_differential_corpus_reaches_commits_aborts_restorations_slashes_and_reintegrations() {
    let (mut commits, mut aborts, mut restorations) = (0, 0, 0);
    let (mut slashes, mut reintegrations) = (0, 0);
    for file in corpus("differential") {
        let data = std::fs::read(&file).unwrap();
        let Some(run) = fuzz_differential_run(&data) else {
            continue;
        };
        let events: Vec<&Event> = run
            .model_steps
            .iter()
            .flat_map(|s| match &s.outcome {
                Outcome::Accepted { events } => events.iter().collect(),
                Outcome::Rejected { .. } => Vec::new(),
            })
            .collect();
        commits += usize::from(
            events
                .iter()
                .any(|e| matches!(e, Event::XtxCommitted { .. })),
        );
        aborts += usize::from(events.iter().any(|e| matches!(e, Event::XtxAborted { .. })));
        restorations += usize::from(
            events
                .iter()
                .any(|e| matches!(e, Event::StateRestored { .. })),
        );
        slashes += usize::from(
            events
                .iter()
                .any(|e| matches!(e, Event::ValidatorSlashed { .. })),
        );
        reintegrations += usize::from(events.iter().any(|e| {
            matches!(
                e,
                Event::PipelineAdvanced {
                    stage: mend_spec::PipelineStage::Reintegrated,
                    ..
                }
            )
        }));
    }
    mend_conformance::announce(&format!(
        "differential corpus: {commits} inputs commit a transaction, {aborts} abort one, \
         {restorations} restore a rolled-back shard, {slashes} slash a validator, \
         {reintegrations} reintegrate a healed shard"
    ));
    assert!(commits > 0, "no differential seed commits a transaction");
    assert!(aborts > 0, "no differential seed aborts a transaction");
    assert!(restorations > 0, "no differential seed restores a shard");
    assert!(slashes > 0, "no differential seed slashes a validator");
    assert!(
        reintegrations > 0,
        "no differential seed reintegrates a shard"
    );
}

/// [R-JOURNAL-7] The snapshot corpus replays without a finding, and holds
/// both snapshots that load and damaged ones that are refused.
#[test]
fn the_snapshot_corpus_replays_and_holds_loaded_and_refused_snapshots() {
    use mend_conformance::fuzz_bodies::{check_snapshot_bytes, fuzz_snapshot};
    run_all("snapshot", fuzz_snapshot);
    let (mut loaded, mut refused) = (0, 0);
    for file in corpus("snapshot") {
        match check_snapshot_bytes(&std::fs::read(&file).unwrap()) {
            Ok(_) => loaded += 1,
            Err(_) => refused += 1,
        }
    }
    mend_conformance::announce(&format!(
        "snapshot corpus: {loaded} loaded, {refused} refused"
    ));
    assert!(loaded >= 3, "only {loaded} snapshots of the corpus load");
    assert!(
        refused >= 10,
        "only {refused} snapshots of the corpus are refused"
    );
}

/// [R-JOURNAL-7] The snapshot body over hand-made inputs: a real snapshot
/// loads, its raw state framed by the body loads too, and damage of each
/// kind (cut short, a flipped byte, another magic, a state that does not
/// decode or lacks its shape) is refused with its reason, never a panic.
#[test]
fn the_snapshot_body_loads_real_snapshots_and_refuses_each_kind_of_damage() {
    use mend_conformance::fuzz_bodies::{check_snapshot_bytes, fuzz_snapshot};
    use mend_impl::journal::workload::{generate_workload, test_verifying_keys, workload_params};
    use mend_impl::{Engine, SnapshotDamage, StateDecodeError};
    let params = workload_params();
    let mut engine = Engine::new(params, test_verifying_keys(&params)).unwrap();
    for message in generate_workload(60).unwrap() {
        engine.apply(&message).unwrap();
    }
    let real = mend_impl::encode_snapshot(60, &engine);
    let state = engine.encode_state();
    assert_eq!(check_snapshot_bytes(&real), Ok(60));
    assert!(check_snapshot_bytes(&mend_impl::frame_snapshot(7, &state)).is_ok());
    let mut flipped = real.clone();
    flipped[real.len() / 2] ^= 1;
    assert_eq!(
        check_snapshot_bytes(&flipped),
        Err(SnapshotDamage::Checksum)
    );
    assert!(matches!(
        check_snapshot_bytes(&real[..real.len() - 3]),
        Err(SnapshotDamage::CutShort { .. })
    ));
    assert_eq!(
        check_snapshot_bytes(b"mend-journal/v2 and more"),
        Err(SnapshotDamage::Magic)
    );
    assert_eq!(
        check_snapshot_bytes(&mend_impl::frame_snapshot(1, &state[..state.len() - 1])),
        Err(SnapshotDamage::State(StateDecodeError::Undecodable))
    );
    // The shards' count zeroed: the parameters decode but do not build.
    let mut no_shards = state.clone();
    no_shards[0] = 0;
    no_shards[1] = 0;
    assert!(matches!(
        check_snapshot_bytes(&mend_impl::frame_snapshot(1, &no_shards)),
        Err(SnapshotDamage::State(StateDecodeError::Shape(_)))
    ));
    // Every input above, and flips of the state at a spread of places, run
    // through the whole body.
    let mut inputs: Vec<Vec<u8>> = vec![
        Vec::new(),
        real.clone(),
        state.clone(),
        flipped,
        no_shards,
        real[..40].to_vec(),
    ];
    for at in (0..state.len()).step_by(state.len() / 64 + 1) {
        let mut mutated = state.clone();
        mutated[at] ^= 0xff;
        inputs.push(mutated);
    }
    for input in &inputs {
        fuzz_snapshot(input);
    }
    mend_conformance::announce(&format!(
        "snapshot body: {} hand-made inputs, real snapshot of {} bytes",
        inputs.len(),
        real.len()
    ));
}
