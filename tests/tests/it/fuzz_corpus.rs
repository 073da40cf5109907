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
