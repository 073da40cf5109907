//! Rewrites the fuzz seed corpora from model traces: the seeded-bug
//! counterexamples in `tests/traces/` replayed on the correct model as far as
//! they go, and deterministic walks of every differential configuration.

use mend_conformance::corpus::{model_walk, seeds_for};
use mend_conformance::fuzz_bodies::{differential_selector, evidence_target_run};
use mend_conformance::generate::invalid_evidence;
use mend_conformance::trace_io::{read_trace, trace_files};
use mend_impl::{decode_message, encode_evidence, encode_message, Message};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let diff_dir = root.join("fuzz/corpus/differential");
    let decode_dir = root.join("fuzz/corpus/decode");
    let evidence_dir = root.join("fuzz/corpus/evidence");
    let journal_dir = root.join("fuzz/corpus/journal");
    let snapshot_dir = root.join("fuzz/corpus/snapshot");
    for dir in [
        &diff_dir,
        &decode_dir,
        &evidence_dir,
        &journal_dir,
        &snapshot_dir,
    ] {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            std::fs::remove_file(entry?.path())?;
        }
    }
    // One example trace per fault kind, written first: the corpus below is
    // also made from the committed traces.
    for kind in mend_spec::FaultKind::ALL {
        let trace = mend_conformance::examples::example_trace(kind).map_err(anyhow::Error::msg)?;
        let path = root
            .join("tests/traces")
            .join(mend_conformance::examples::example_file_name(kind));
        std::fs::write(&path, serde_json::to_string_pretty(&trace)? + "\n")?;
    }
    // The worked rollback example of the docs.
    let trace = mend_conformance::examples::rollback_example_trace().map_err(anyhow::Error::msg)?;
    std::fs::write(
        root.join("tests/traces")
            .join(mend_conformance::examples::ROLLBACK_EXAMPLE_FILE),
        serde_json::to_string_pretty(&trace)? + "\n",
    )?;
    // The worked recovery example of the docs.
    let trace = mend_conformance::examples::recovery_example_trace().map_err(anyhow::Error::msg)?;
    std::fs::write(
        root.join("tests/traces")
            .join(mend_conformance::examples::RECOVERY_EXAMPLE_FILE),
        serde_json::to_string_pretty(&trace)? + "\n",
    )?;
    let mut walks = Vec::new();
    for path in trace_files(&root.join("tests/traces"))? {
        let trace = read_trace(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".itf.json", "");
        // A trace replays in the differential configuration it came from:
        // a seeded bug's in the configuration that catches it, the detection
        // examples in `faults`, the rollback example in `rollback`.
        let from = match trace.meta.parse_seeded_bug().ok().flatten() {
            Some(bug) => mend_model::ModelConfig::for_bug(bug).name,
            None if name.starts_with("detect-") => "faults",
            None if name.starts_with("rollback-") => "rollback",
            None if name.starts_with("recovery-") => "recovery",
            None => "finality",
        };
        let selector = differential_selector(from).unwrap_or(0);
        walks.push((format!("trace-{name}"), selector, trace.actions()));
    }
    for selector in 0..mend_conformance::fuzz_bodies::DIFFERENTIAL_CONFIGS {
        for seed in 0..6u64 {
            walks.push((
                format!("walk-c{selector}-s{seed}"),
                selector,
                model_walk(selector, seed, 40),
            ));
        }
    }
    let (mut n_diff, mut n_decode, mut n_evidence) = (0, 0, 0);
    for (name, selector, actions) in walks {
        let (input, messages) = seeds_for(selector, &actions);
        std::fs::write(diff_dir.join(&name), input)?;
        n_diff += 1;
        for (i, m) in messages.iter().enumerate() {
            if let Ok(Message::Evidence(e)) = decode_message(m) {
                std::fs::write(
                    evidence_dir.join(format!("{name}-e{i}")),
                    encode_evidence(&e),
                )?;
                n_evidence += 1;
            }
        }
        for (i, m) in messages.iter().enumerate().step_by(3) {
            std::fs::write(decode_dir.join(format!("{name}-m{i}")), m)?;
            n_decode += 1;
            if i % 9 == 0 && m.len() > 8 {
                std::fs::write(
                    decode_dir.join(format!("{name}-m{i}-cut")),
                    &m[..m.len() / 2],
                )?;
                n_decode += 1;
            }
        }
    }
    // Every piece of evidence the generator breaks one check at a time, made
    // concrete against the evidence target's own state: each seed reaches a
    // different check of [R-FAULT-3].
    let target = evidence_target_run();
    let cfg = mend_model::ModelConfig::default_config();
    for s in &target.model_view.shards {
        for (i, e) in invalid_evidence(&cfg, &target.model_view, s)
            .iter()
            .enumerate()
        {
            let concrete = target.adapter.clone().concrete_evidence(e);
            std::fs::write(
                evidence_dir.join(format!("probe-s{}-{i}", s.shard.0)),
                encode_evidence(&concrete),
            )?;
            n_evidence += 1;
        }
    }
    let n_journal = write_journal_seeds(&journal_dir)?;
    let n_snapshot = write_snapshot_seeds(&snapshot_dir)?;
    println!(
        "wrote {n_diff} differential, {n_decode} decode, {n_evidence} evidence, {n_journal} \
         journal and {n_snapshot} snapshot seeds"
    );
    Ok(())
}

/// Journal seeds ([R-JOURNAL-2], [R-JOURNAL-4]): a real journal of the
/// engine's workload (every kind of message), its header alone, every
/// prefix cut inside the last two records (torn tails and a header cut
/// short), and single bytes flipped in the header, in a middle record and
/// in the last one (corruption, and a torn tail).
fn write_journal_seeds(dir: &Path) -> anyhow::Result<usize> {
    use mend_impl::journal::workload::{generate_workload, test_verifying_keys, workload_params};
    let params = workload_params();
    let inputs = generate_workload(40).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let header = mend_impl::encode_header(0, &params, &test_verifying_keys(&params));
    let mut journal = mend_impl::encode_record(0, &header).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut ends = vec![journal.len()];
    for (i, message) in inputs.iter().enumerate() {
        let record = mend_impl::encode_record(i as u64 + 1, &encode_message(message))
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        journal.extend(record);
        ends.push(journal.len());
    }
    let mut seeds: Vec<(String, Vec<u8>)> = vec![
        ("whole".into(), journal.clone()),
        ("header-only".into(), journal[..ends[0]].to_vec()),
        ("empty".into(), Vec::new()),
        ("header-cut".into(), journal[..ends[0] / 2].to_vec()),
    ];
    let last = ends.len() - 1;
    for (k, cut) in [
        ends[last - 1] + 1,
        ends[last - 1] + 5,
        ends[last - 1] + 40,
        ends[last] - 1,
    ]
    .into_iter()
    .enumerate()
    {
        seeds.push((format!("torn-{k}"), journal[..cut].to_vec()));
    }
    for (name, at) in [
        ("flip-header", 40),
        ("flip-middle", ends[ends.len() / 2] + 10),
        ("flip-last", ends[last - 1] + 50),
        ("flip-length-middle", ends[3]),
    ] {
        let mut flipped = journal.clone();
        if let Some(byte) = flipped.get_mut(at) {
            *byte ^= 0x20;
        }
        seeds.push((name.to_string(), flipped));
    }
    for (name, bytes) in &seeds {
        std::fs::write(dir.join(format!("journal-{name}")), bytes)?;
    }
    Ok(seeds.len())
}

/// Snapshot seeds ([R-JOURNAL-7]): real snapshots of the engine after 0,
/// 10 and 40 inputs of its workload, their bare states (which the body
/// frames with a valid checksum), every tenth prefix of one, and single
/// bytes flipped in its header, its state and its checksum.
fn write_snapshot_seeds(dir: &Path) -> anyhow::Result<usize> {
    use mend_impl::journal::workload::{generate_workload, test_verifying_keys, workload_params};
    let params = workload_params();
    let inputs = generate_workload(40).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut engine = mend_impl::Engine::new(params, test_verifying_keys(&params))
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut seeds: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, message) in inputs.iter().enumerate() {
        if i == 0 || i == 10 {
            seeds.push((
                format!("real-{i}"),
                mend_impl::encode_snapshot(i as u64, &engine),
            ));
            seeds.push((format!("state-{i}"), engine.encode_state()));
        }
        engine
            .apply(message)
            .map_err(|e| anyhow::anyhow!("workload input {i}: {e:?}"))?;
    }
    let real = mend_impl::encode_snapshot(inputs.len() as u64, &engine);
    seeds.push(("real-40".into(), real.clone()));
    seeds.push(("state-40".into(), engine.encode_state()));
    for k in 1..10 {
        seeds.push((format!("cut-{k}"), real[..real.len() * k / 10].to_vec()));
    }
    for (name, at) in [
        ("flip-magic", 2),
        ("flip-position", 18),
        ("flip-state", real.len() / 2),
        ("flip-checksum", real.len() - 1),
    ] {
        let mut flipped = real.clone();
        if let Some(byte) = flipped.get_mut(at) {
            *byte ^= 0x20;
        }
        seeds.push((name.to_string(), flipped));
    }
    for (name, bytes) in &seeds {
        std::fs::write(dir.join(format!("snapshot-{name}")), bytes)?;
    }
    Ok(seeds.len())
}
