//! What durability costs (`spec/SPEC.md` §10, [R-JOURNAL-3], [R-JOURNAL-6]).
//!
//! - `journal_append`: the workload's first 200 inputs through
//!   `Journal::apply` (engine, then append, then `fsync`), against the same
//!   record bytes appended and `fsync`ed one by one with no engine
//!   (`raw_fsync_append`), and against the engine alone with no I/O
//!   (`engine_only`). `journal / raw` is the runtime's overhead over the
//!   disk; `engine_only` says how much of it is the engine's own work. A
//!   fresh journal per iteration, created untimed.
//! - `journal_restart`: `Journal::open` of journals of 100, 1,000 and
//!   10,000 inputs with no snapshot (read, verify every checksum, replay
//!   from genesis): linear in the length.
//! - `journal_restart_10000` ([R-JOURNAL-7]): the same 10,000 inputs
//!   reopened three ways: replayed from genesis (`genesis_replay`), from a
//!   snapshot at 10,000 with an empty journal (`snapshot_then_0`), and from
//!   a snapshot at 9,000 with 1,000 records after it
//!   (`snapshot_then_1000`): what a snapshot saves, and what the records
//!   after it still cost. `snapshot_write` times `Journal::snapshot` at
//!   10,000 inputs (encode, two atomic replacements, four `fsync`s).
//!
//! Files live in a directory under `std::env::temp_dir()`, removed at the
//! end.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mend_impl::journal::workload::{generate_workload, test_verifying_keys, workload_params};
use mend_impl::{
    encode_header, encode_message, encode_record, snapshot_path, Engine, Journal, Message,
};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const APPENDS: usize = 200;

fn bench_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mend-journal-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The bytes of a journal holding `inputs`, written without `fsync` (the
/// restart benchmark times reading, not writing).
fn write_journal(path: &Path, inputs: &[Message]) {
    let params = workload_params();
    let header = encode_header(0, &params, &test_verifying_keys(&params));
    let mut bytes = encode_record(0, &header).expect("header fits");
    for (i, message) in inputs.iter().enumerate() {
        bytes.extend(encode_record(i as u64 + 1, &encode_message(message)).expect("fits"));
    }
    std::fs::write(path, bytes).expect("write journal");
}

fn append(c: &mut Criterion) {
    let dir = bench_dir();
    let inputs = generate_workload(APPENDS).expect("workload");
    let records: Vec<Vec<u8>> = inputs
        .iter()
        .enumerate()
        .map(|(i, m)| encode_record(i as u64 + 1, &encode_message(m)).expect("fits"))
        .collect();
    let params = workload_params();
    let mut group = c.benchmark_group("journal_append");
    group.throughput(Throughput::Elements(APPENDS as u64));
    group.sample_size(10);
    let mut run = 0u64;
    group.bench_function("journal", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                run += 1;
                let path = dir.join(format!("append-{run}.mend"));
                let mut journal =
                    Journal::create(&path, params, test_verifying_keys(&params)).expect("create");
                let start = Instant::now();
                for message in &inputs {
                    black_box(journal.apply(message).expect("accepted"));
                }
                total += start.elapsed();
                drop(journal);
                let _ = std::fs::remove_file(&path);
            }
            total
        })
    });
    group.bench_function("raw_fsync_append", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                run += 1;
                let path = dir.join(format!("raw-{run}.bin"));
                let mut file = std::fs::File::create(&path).expect("create");
                let start = Instant::now();
                for record in &records {
                    file.write_all(record).expect("write");
                    file.sync_data().expect("sync");
                }
                total += start.elapsed();
                drop(file);
                let _ = std::fs::remove_file(&path);
            }
            total
        })
    });
    group.bench_function("engine_only", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut engine =
                    Engine::new(params, test_verifying_keys(&params)).expect("genesis");
                let start = Instant::now();
                for message in &inputs {
                    black_box(engine.apply(message).expect("accepted"));
                }
                total += start.elapsed();
            }
            total
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn restart(c: &mut Criterion) {
    let dir = bench_dir();
    let lengths = [100usize, 1_000, 10_000];
    let inputs = generate_workload(10_000).expect("workload");
    let mut group = c.benchmark_group("journal_restart");
    group.sample_size(10);
    for &n in &lengths {
        let path = dir.join(format!("restart-{n}.mend"));
        write_journal(&path, &inputs[..n]);
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &path, |b, path| {
            b.iter(|| {
                let (journal, report) = Journal::open(path).expect("open");
                assert_eq!(report.replayed, n as u64);
                black_box(journal.position())
            })
        });
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A journal of `inputs[..at]` shortened by a snapshot at `at`, then the
/// records of `inputs[at..]` appended without `fsync`.
fn write_snapshotted(path: &Path, inputs: &[Message], at: usize) {
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(snapshot_path(path));
    write_journal(path, &inputs[..at]);
    let (mut journal, _) = Journal::open(path).expect("open");
    journal.snapshot().expect("snapshot");
    drop(journal);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .expect("reopen");
    for (i, message) in inputs.iter().enumerate().skip(at) {
        let record = encode_record(i as u64 + 1, &encode_message(message)).expect("fits");
        file.write_all(&record).expect("append");
    }
}

fn restart_with_snapshot(c: &mut Criterion) {
    const N: usize = 10_000;
    let dir = bench_dir();
    let inputs = generate_workload(N).expect("workload");
    let mut group = c.benchmark_group("journal_restart_10000");
    group.sample_size(10);
    group.throughput(Throughput::Elements(N as u64));
    let genesis = dir.join("genesis.mend");
    write_journal(&genesis, &inputs);
    let after_0 = dir.join("snapshot-0.mend");
    write_snapshotted(&after_0, &inputs, N);
    let after_1000 = dir.join("snapshot-1000.mend");
    write_snapshotted(&after_1000, &inputs, N - 1_000);
    let snapshot_bytes = std::fs::metadata(snapshot_path(&after_0)).map_or(0, |m| m.len());
    let journal_bytes = std::fs::metadata(&genesis).map_or(0, |m| m.len());
    eprintln!(
        "journal_restart_10000: the journal of {N} inputs is {journal_bytes} bytes, the \
         snapshot after them {snapshot_bytes} bytes"
    );
    for (name, path, replayed) in [
        ("genesis_replay", &genesis, N as u64),
        ("snapshot_then_0", &after_0, 0),
        ("snapshot_then_1000", &after_1000, 1_000),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let (journal, report) = Journal::open(path).expect("open");
                assert_eq!(report.replayed, replayed);
                assert_eq!(journal.position(), N as u64);
                black_box(journal.position())
            })
        });
    }
    let (mut journal, _) = Journal::open(&after_0).expect("open");
    group.bench_function("snapshot_write", |b| {
        b.iter(|| journal.snapshot().expect("snapshot"))
    });
    drop(journal);
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, append, restart, restart_with_snapshot);
criterion_main!(benches);
