//! Tests of the journal's framing ([R-JOURNAL-2]), its torn-tail and
//! corruption rules ([R-JOURNAL-4]) and restart equality ([R-JOURNAL-3],
//! [R-JOURNAL-5]).

use super::workload::{generate_workload, test_verifying_keys, workload_params};
use super::*;
use crate::wire::encode_message;
use std::sync::atomic::{AtomicU64, Ordering};

/// A journal's bytes: the header record, then one record per input.
fn journal_bytes(inputs: &[Message]) -> Vec<u8> {
    let params = workload_params();
    let mut bytes =
        encode_record(0, &encode_header(0, &params, &test_verifying_keys(&params))).unwrap();
    for (i, message) in inputs.iter().enumerate() {
        bytes.extend(encode_record(i as u64 + 1, &encode_message(message)).unwrap());
    }
    bytes
}

/// The offsets of every record of well-formed journal bytes.
fn offsets(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        out.push(at);
        let length = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        at += RECORD_OVERHEAD + length;
    }
    out
}

/// A fresh directory under the temp directory, unique per test and
/// process, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_dir() -> TempDir {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mend-journal-unit-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn fresh_engine() -> Engine {
    let params = workload_params();
    Engine::new(params, test_verifying_keys(&params)).unwrap()
}

fn engine_after(inputs: &[Message]) -> Engine {
    let mut engine = fresh_engine();
    for message in inputs {
        engine.apply(message).unwrap();
    }
    engine
}

#[test]
fn the_params_encoding_has_the_declared_size() {
    let params = workload_params();
    let encoded = header_options().serialize(&params).unwrap();
    assert_eq!(encoded.len(), PARAMS_BYTES);
}

#[test]
fn records_round_trip() {
    let inputs = generate_workload(40).unwrap();
    let bytes = journal_bytes(&inputs);
    let scan = read_records(&bytes).unwrap();
    assert_eq!(scan.torn_tail, None);
    assert_eq!(scan.end, bytes.len() as u64);
    assert_eq!(scan.inputs.len(), inputs.len());
    let header = decode_header(scan.header).unwrap();
    assert_eq!(header.base, 0);
    assert_eq!(header.params, workload_params());
    assert_eq!(header.keys, test_verifying_keys(&header.params));
    let starts = offsets(&bytes);
    for (i, record) in scan.inputs.iter().enumerate() {
        assert_eq!(record.index, i as u64 + 1);
        assert_eq!(record.offset, starts[i + 1] as u64);
        assert_eq!(decode_message(record.payload).unwrap(), inputs[i]);
    }
}

#[test]
fn a_payload_over_its_bound_is_not_encoded() {
    let payload = vec![0; MESSAGE_BYTES_MAX + 1];
    assert_eq!(
        encode_record(1, &payload),
        Err(RecordTooLarge {
            index: 1,
            len: MESSAGE_BYTES_MAX + 1,
            max: MESSAGE_BYTES_MAX
        })
    );
    assert!(encode_record(0, &payload).is_ok());
}

#[test]
fn a_truncated_last_record_is_a_torn_tail() {
    let inputs = generate_workload(5).unwrap();
    let bytes = journal_bytes(&inputs);
    let last = *offsets(&bytes).last().unwrap();
    for cut in last + 1..bytes.len() {
        let scan = read_records(&bytes[..cut]).unwrap();
        assert_eq!(scan.inputs.len(), 4, "cut at {cut}");
        assert_eq!(scan.end, last as u64);
        assert_eq!(
            scan.torn_tail,
            Some(TornTail {
                offset: last as u64,
                length: (cut - last) as u64,
                index: 5,
                cause: TornCause::CutShort
            })
        );
    }
    // Cut exactly at a record boundary: nothing torn.
    let scan = read_records(&bytes[..last]).unwrap();
    assert_eq!((scan.inputs.len(), scan.torn_tail), (4, None));
}

#[test]
fn a_flipped_byte_in_the_last_record_is_a_torn_tail() {
    let inputs = generate_workload(5).unwrap();
    let bytes = journal_bytes(&inputs);
    let last = *offsets(&bytes).last().unwrap();
    // Every byte of the checksum and payload; a flip in the length field
    // makes the record reach past the end (cut short) or end early with
    // bytes after it (corruption), both checked below.
    for at in last + 4..bytes.len() {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x01;
        let scan = read_records(&flipped).unwrap();
        assert_eq!(scan.inputs.len(), 4);
        assert_eq!(
            scan.torn_tail.map(|t| (t.offset, t.cause)),
            Some((last as u64, TornCause::ChecksumAtEnd))
        );
    }
}

#[test]
fn a_flipped_byte_in_a_middle_record_is_corruption_naming_it() {
    let inputs = generate_workload(6).unwrap();
    let bytes = journal_bytes(&inputs);
    let starts = offsets(&bytes);
    for (index, window) in starts.windows(2).enumerate().skip(1) {
        for at in window[0] + 4..window[1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x80;
            assert_eq!(
                read_records(&flipped),
                Err(JournalError::Corrupt {
                    path: None,
                    offset: window[0] as u64,
                    index: index as u64,
                    reason: CorruptReason::Checksum
                }),
                "flip at {at}"
            );
        }
    }
}

#[test]
fn a_record_moved_to_another_index_fails_its_checksum() {
    let inputs = generate_workload(4).unwrap();
    let bytes = journal_bytes(&inputs);
    let starts = offsets(&bytes);
    // Swap records 2 and 3: both intact, both at the wrong index.
    let mut swapped = bytes[..starts[2]].to_vec();
    swapped.extend_from_slice(&bytes[starts[3]..starts[4]]);
    swapped.extend_from_slice(&bytes[starts[2]..starts[3]]);
    swapped.extend_from_slice(&bytes[starts[4]..]);
    assert_eq!(
        read_records(&swapped),
        Err(JournalError::Corrupt {
            path: None,
            offset: starts[2] as u64,
            index: 2,
            reason: CorruptReason::Checksum
        })
    );
    // A record replayed at the end is a failing last record: torn, dropped.
    let mut replayed = bytes.clone();
    replayed.extend_from_slice(&bytes[starts[1]..starts[2]]);
    let scan = read_records(&replayed).unwrap();
    assert_eq!(scan.inputs.len(), 4);
    assert_eq!(
        scan.torn_tail.map(|t| t.cause),
        Some(TornCause::ChecksumAtEnd)
    );
}

#[test]
fn a_missing_torn_or_flipped_header_is_corruption_at_offset_0() {
    let bytes = journal_bytes(&generate_workload(2).unwrap());
    let header_end = offsets(&bytes)[1];
    let at_zero = |result: Result<JournalScan<'_>, JournalError>| match result {
        Err(JournalError::Corrupt {
            offset: 0,
            index: 0,
            reason,
            ..
        }) => reason,
        other => panic!("expected corruption at 0, got {other:?}"),
    };
    assert_eq!(at_zero(read_records(&[])), CorruptReason::MissingHeader);
    for cut in 1..header_end {
        assert_eq!(
            at_zero(read_records(&bytes[..cut])),
            CorruptReason::TornHeader
        );
    }
    // A flipped header fails whether or not records follow it.
    for end in [header_end, bytes.len()] {
        let mut flipped = bytes[..end].to_vec();
        flipped[RECORD_OVERHEAD + 3] ^= 1;
        assert_eq!(at_zero(read_records(&flipped)), CorruptReason::Checksum);
    }
    // A huge declared length is framing corruption.
    let mut huge = bytes.clone();
    huge[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(
        at_zero(read_records(&huge)),
        CorruptReason::LengthOverBound { .. }
    ));
}

#[test]
fn a_header_that_verifies_but_is_wrong_is_refused() {
    let params = workload_params();
    let keys = test_verifying_keys(&params);
    let good = encode_header(0, &params, &keys);
    assert_eq!(decode_header(b"mend-journal/v3"), Err(HeaderError::Magic));
    assert_eq!(decode_header(b"mend-journal/v2"), Err(HeaderError::Base));
    assert_eq!(
        decode_header(&good[..HEADER_MAGIC.len() + 8 + 3]),
        Err(HeaderError::Params)
    );
    assert!(matches!(
        decode_header(&good[..good.len() - 1]),
        Err(HeaderError::KeyCount { .. })
    ));
    // One key too few, correctly framed: the engine refuses it at open.
    let short = encode_header(0, &params, &keys[1..]);
    let dir = temp_dir();
    let path = dir.path("short.mend");
    std::fs::write(&path, encode_record(0, &short).unwrap()).unwrap();
    assert!(matches!(
        Journal::open(&path),
        Err(JournalError::BadHeader {
            reason: HeaderError::Genesis(GenesisError::KeyCount { .. }),
            ..
        })
    ));
    for prefix in 0..good.len() {
        let _ = decode_header(&good[..prefix]);
    }
}

#[test]
fn prefixes_and_single_bit_flips_of_a_real_journal_never_panic() {
    let bytes = journal_bytes(&generate_workload(12).unwrap());
    for len in 0..=bytes.len() {
        let _ = read_records(&bytes[..len]);
    }
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1 << bit;
            match read_records(&flipped) {
                // Whatever it says, a verified record keeps its bytes.
                Ok(scan) => assert!(scan.end as usize <= flipped.len()),
                Err(JournalError::Corrupt { offset, .. }) => {
                    assert!(offset as usize <= at);
                }
                Err(other) => panic!("unexpected {other:?}"),
            }
        }
    }
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..2_000 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let len = (rng % 200) as usize;
        let noise: Vec<u8> = (0..len).map(|i| (rng >> (i % 56)) as u8).collect();
        let _ = read_records(&noise);
        let _ = decode_header(&noise);
    }
}

#[test]
fn a_reopened_journal_equals_the_uninterrupted_engine() {
    let inputs = generate_workload(120).unwrap();
    let dir = temp_dir();
    let path = dir.path("restart.mend");
    let params = workload_params();
    let mut journal = Journal::create(&path, params, test_verifying_keys(&params)).unwrap();
    assert_eq!(journal.position(), 0);
    for message in &inputs {
        journal.apply(message).unwrap();
    }
    assert_eq!(journal.position(), 120);
    let expected = engine_after(&inputs);
    assert!(journal.engine() == &expected);
    drop(journal);
    let (reopened, report) = Journal::open(&path).unwrap();
    assert_eq!(
        report,
        OpenReport {
            snapshot: None,
            skipped: 0,
            replayed: 120,
            torn_tail: None
        }
    );
    assert_eq!(reopened.view(), expected.snapshot());
    assert!(reopened.engine() == &expected);
    // Creating over an existing journal is refused.
    assert!(matches!(
        Journal::create(&path, params, test_verifying_keys(&params)),
        Err(JournalError::Io {
            kind: std::io::ErrorKind::AlreadyExists,
            ..
        })
    ));
}

#[test]
fn a_rejected_input_writes_nothing() {
    let inputs = generate_workload(3).unwrap();
    let dir = temp_dir();
    let path = dir.path("rejected.mend");
    let params = workload_params();
    let mut journal = Journal::create(&path, params, test_verifying_keys(&params)).unwrap();
    journal.apply(&inputs[0]).unwrap();
    let len = std::fs::metadata(&path).unwrap().len();
    // Applied twice, the first input is now a wrong height or a duplicate.
    assert!(matches!(
        journal.apply(&inputs[0]),
        Err(ApplyError::Rejected(InputError::Rejected(_)))
    ));
    assert!(matches!(
        journal.apply_bytes(&[0xff; 3]),
        Err(ApplyError::Rejected(InputError::Decode(_)))
    ));
    assert_eq!(std::fs::metadata(&path).unwrap().len(), len);
    assert_eq!(journal.position(), 1);
    assert_eq!(journal.len_bytes(), len);
}

#[test]
fn reopening_after_a_cut_anywhere_in_the_last_record_gives_the_first_inputs() {
    let n = 30;
    let inputs = generate_workload(n).unwrap();
    let dir = temp_dir();
    let path = dir.path("cut.mend");
    let params = workload_params();
    let mut journal = Journal::create(&path, params, test_verifying_keys(&params)).unwrap();
    for message in &inputs {
        journal.apply(message).unwrap();
    }
    drop(journal);
    let whole = std::fs::read(&path).unwrap();
    let last = *offsets(&whole).last().unwrap();
    let expected = engine_after(&inputs[..n - 1]).snapshot();
    for cut in last + 1..whole.len() {
        std::fs::write(&path, &whole[..cut]).unwrap();
        let (journal, report) = Journal::open(&path).unwrap();
        assert_eq!(report.replayed, n as u64 - 1);
        assert_eq!(
            report.torn_tail.map(|t| (t.offset, t.length)),
            Some((last as u64, (cut - last) as u64))
        );
        assert_eq!(journal.view(), expected, "cut at {cut}");
        // The tail was truncated away on disk, and appending resumes there.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), last as u64);
    }
    // Resuming from the position gives the uninterrupted engine.
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal.apply(&inputs[n - 1]).unwrap();
    drop(journal);
    let (journal, report) = Journal::open(&path).unwrap();
    assert_eq!((report.replayed, report.torn_tail), (n as u64, None));
    assert_eq!(journal.view(), engine_after(&inputs).snapshot());
}

#[test]
fn corruption_and_replay_refusals_name_the_record() {
    let inputs = generate_workload(8).unwrap();
    let dir = temp_dir();
    let path = dir.path("corrupt.mend");
    let bytes = journal_bytes(&inputs);
    let starts = offsets(&bytes);
    let mut flipped = bytes.clone();
    flipped[starts[3] + 40] ^= 4;
    std::fs::write(&path, &flipped).unwrap();
    let error = Journal::open(&path).unwrap_err();
    assert_eq!(
        error,
        JournalError::Corrupt {
            path: Some(path.clone()),
            offset: starts[3] as u64,
            index: 3,
            reason: CorruptReason::Checksum
        }
    );
    let message = error.to_string();
    assert!(
        message.contains(&format!("record 3 at byte {}", starts[3])),
        "{message}"
    );
    assert!(message.contains("corrupted in the middle"), "{message}");
    // The file is left as it was for the operator.
    assert_eq!(std::fs::read(&path).unwrap(), flipped);

    // Records whose checksums verify but which this engine refuses: the
    // same input twice.
    let params = workload_params();
    let mut twice =
        encode_record(0, &encode_header(0, &params, &test_verifying_keys(&params))).unwrap();
    let payload = encode_message(&inputs[0]);
    twice.extend(encode_record(1, &payload).unwrap());
    twice.extend(encode_record(2, &payload).unwrap());
    let offset = (twice.len() - RECORD_OVERHEAD - payload.len()) as u64;
    std::fs::write(&path, &twice).unwrap();
    match Journal::open(&path) {
        Err(JournalError::ReplayRejected {
            offset: o,
            index: 2,
            ..
        }) => assert_eq!(o, offset),
        other => panic!("expected a replay refusal, got {other:?}"),
    }
}

#[test]
fn the_view_digest_is_stable_and_tells_states_apart() {
    let inputs = generate_workload(20).unwrap();
    let a = engine_after(&inputs).snapshot();
    let b = engine_after(&inputs).snapshot();
    let c = engine_after(&inputs[..19]).snapshot();
    assert_eq!(view_digest(&a), view_digest(&b));
    assert_ne!(view_digest(&a), view_digest(&c));
}

// Snapshots ([R-JOURNAL-7]).

/// A journal at `path` that took `inputs`, snapshotting after each input
/// whose 1-based position is in `snapshot_at`.
fn journal_with_snapshots(path: &Path, inputs: &[Message], snapshot_at: &[u64]) -> Journal {
    let params = workload_params();
    let mut journal = Journal::create(path, params, test_verifying_keys(&params)).unwrap();
    for message in inputs {
        journal.apply(message).unwrap();
        if snapshot_at.contains(&journal.position()) {
            journal.snapshot().unwrap();
        }
    }
    journal
}

#[test]
fn the_state_encoding_round_trips_the_whole_engine() {
    let engine = engine_after(&generate_workload(120).unwrap());
    let decoded = Engine::decode_state(&engine.encode_state()).unwrap();
    assert!(decoded == engine);
    assert_eq!(decoded.snapshot(), engine.snapshot());
    assert_eq!(
        Engine::decode_state(&[]),
        Err(crate::StateDecodeError::Undecodable)
    );
    let mut longer = engine.encode_state();
    longer.push(0);
    assert_eq!(
        Engine::decode_state(&longer),
        Err(crate::StateDecodeError::Undecodable)
    );
}

#[test]
fn a_snapshot_then_more_inputs_reopens_equal_to_the_uninterrupted_engine() {
    let inputs = generate_workload(120).unwrap();
    let dir = temp_dir();
    let path = dir.path("node.mend");
    let mut journal = journal_with_snapshots(&path, &inputs[..60], &[60]);
    // The journal was shortened to its header, which records base 60.
    assert_eq!(journal.base(), 60);
    assert_eq!(journal.position(), 60);
    let header = encode_record(
        0,
        &encode_header(
            60,
            &workload_params(),
            &test_verifying_keys(&workload_params()),
        ),
    )
    .unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), header);
    assert_eq!(journal.len_bytes(), header.len() as u64);
    for message in &inputs[60..] {
        journal.apply(message).unwrap();
    }
    assert_eq!(journal.position(), 120);
    drop(journal);
    let (reopened, report) = Journal::open(&path).unwrap();
    assert_eq!(
        report,
        OpenReport {
            snapshot: Some(60),
            skipped: 0,
            replayed: 60,
            torn_tail: None
        }
    );
    let expected = engine_after(&inputs);
    assert_eq!(reopened.position(), 120);
    assert_eq!(reopened.view(), expected.snapshot());
    assert!(reopened.engine() == &expected);
    // A snapshot with nothing after it, and a second one over the first.
    drop(reopened);
    let (mut reopened, _) = Journal::open(&path).unwrap();
    reopened.snapshot().unwrap();
    drop(reopened);
    let (reopened, report) = Journal::open(&path).unwrap();
    assert_eq!((report.snapshot, report.replayed), (Some(120), 0));
    assert!(reopened.engine() == &expected);
    // Creating a journal beside a snapshot is refused.
    std::fs::remove_file(&path).unwrap();
    let params = workload_params();
    assert!(matches!(
        Journal::create(&path, params, test_verifying_keys(&params)),
        Err(JournalError::Io {
            kind: std::io::ErrorKind::AlreadyExists,
            ..
        })
    ));
}

#[test]
fn a_damaged_snapshot_is_refused_naming_it_never_ignored() {
    let inputs = generate_workload(40).unwrap();
    let dir = temp_dir();
    let path = dir.path("node.mend");
    drop(journal_with_snapshots(&path, &inputs, &[40]));
    let snapshot = snapshot_path(&path);
    let good = std::fs::read(&snapshot).unwrap();
    assert!(decode_snapshot(&good).is_ok());
    // Every single flipped byte and every prefix is refused, never loaded.
    for at in 0..good.len() {
        let mut flipped = good.clone();
        flipped[at] ^= 0x01;
        assert!(decode_snapshot(&flipped).is_err(), "flip at {at} loaded");
        assert!(decode_snapshot(&good[..at]).is_err(), "prefix {at} loaded");
    }
    let named = |bytes: &[u8]| {
        std::fs::write(&snapshot, bytes).unwrap();
        match Journal::open(&path) {
            Err(JournalError::SnapshotDamaged {
                path: Some(named),
                reason,
            }) => {
                assert_eq!(named, snapshot);
                let message = JournalError::SnapshotDamaged {
                    path: Some(named),
                    reason,
                }
                .to_string();
                assert!(message.contains("node.mend.snapshot"), "{message}");
                reason
            }
            other => panic!("a damaged snapshot opened as {other:?}"),
        }
    };
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x40;
    assert_eq!(named(&flipped), SnapshotDamage::Checksum);
    assert!(matches!(
        named(&good[..good.len() - 1]),
        SnapshotDamage::CutShort { .. }
    ));
    assert!(matches!(named(&[]), SnapshotDamage::CutShort { .. }));
    assert_eq!(named(b"not a snapshot at all"), SnapshotDamage::Magic);
    let mut longer = good.clone();
    longer.push(0);
    assert!(matches!(
        named(&longer),
        SnapshotDamage::TrailingBytes { .. }
    ));
    // A checksum that verifies over a state that does not decode.
    assert!(matches!(
        named(&snapshot::frame_snapshot(40, b"no state")),
        SnapshotDamage::State(crate::StateDecodeError::Undecodable)
    ));
}

#[test]
fn a_crash_after_the_new_snapshot_before_the_new_journal_skips_the_covered_records() {
    let inputs = generate_workload(100).unwrap();
    let dir = temp_dir();
    let path = dir.path("node.mend");
    // Snapshot at 50, then 30 records in the journal of base 50.
    drop(journal_with_snapshots(&path, &inputs[..80], &[50]));
    let old_journal = std::fs::read(&path).unwrap();
    // The snapshot at 80 lands; the journal's replacement does not.
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal.snapshot().unwrap();
    drop(journal);
    let new_journal = std::fs::read(&path).unwrap();
    std::fs::write(&path, &old_journal).unwrap();
    std::fs::write(dir.path("node.mend.tmp"), &new_journal).unwrap();
    let (mut journal, report) = Journal::open(&path).unwrap();
    assert_eq!(
        report,
        OpenReport {
            snapshot: Some(80),
            skipped: 30,
            replayed: 0,
            torn_tail: None
        }
    );
    assert_eq!(journal.position(), 80);
    assert_eq!(journal.base(), 50);
    assert_eq!(journal.view(), engine_after(&inputs[..80]).snapshot());
    // The old journal takes the next inputs at their absolute indices.
    for message in &inputs[80..] {
        journal.apply(message).unwrap();
    }
    drop(journal);
    let (journal, report) = Journal::open(&path).unwrap();
    assert_eq!((report.skipped, report.replayed), (30, 20));
    assert!(journal.engine() == &engine_after(&inputs));
}

#[test]
fn a_crash_before_the_new_snapshot_lands_reopens_from_the_old_one() {
    let inputs = generate_workload(80).unwrap();
    let dir = temp_dir();
    let path = dir.path("node.mend");
    drop(journal_with_snapshots(&path, &inputs, &[50]));
    // Half of the next snapshot, left in its temporary file.
    let partial = encode_snapshot(80, &engine_after(&inputs));
    std::fs::write(
        dir.path("node.mend.snapshot.tmp"),
        &partial[..partial.len() / 2],
    )
    .unwrap();
    let (journal, report) = Journal::open(&path).unwrap();
    assert_eq!((report.snapshot, report.replayed), (Some(50), 30));
    assert!(journal.engine() == &engine_after(&inputs));

    // The same with no snapshot before: the full journal from genesis.
    let other = dir.path("fresh.mend");
    drop(journal_with_snapshots(&other, &inputs, &[]));
    std::fs::write(dir.path("fresh.mend.snapshot.tmp"), &partial).unwrap();
    let (journal, report) = Journal::open(&other).unwrap();
    assert_eq!((report.snapshot, report.replayed), (None, 80));
    assert!(journal.engine() == &engine_after(&inputs));
    // A later snapshot overwrites the leftover temporary file.
    let (mut journal, _) = Journal::open(&other).unwrap();
    journal.snapshot().unwrap();
    assert!(!dir.path("fresh.mend.snapshot.tmp").exists());
}

#[test]
fn a_journal_that_does_not_meet_its_snapshot_is_refused() {
    let inputs = generate_workload(80).unwrap();
    let dir = temp_dir();
    let path = dir.path("node.mend");
    let snapshot = snapshot_path(&path);
    drop(journal_with_snapshots(&path, &inputs[..50], &[]));
    let journal_at_50 = std::fs::read(&path).unwrap();
    let (mut journal, _) = Journal::open(&path).unwrap();
    journal.snapshot().unwrap();
    let snapshot_at_50 = std::fs::read(&snapshot).unwrap();
    for message in &inputs[50..] {
        journal.apply(message).unwrap();
    }
    journal.snapshot().unwrap();
    drop(journal);
    // The old snapshot beside the journal of base 80: a gap.
    std::fs::write(&snapshot, &snapshot_at_50).unwrap();
    assert_eq!(
        Journal::open(&path).unwrap_err(),
        JournalError::BaseAboveSnapshot {
            journal: path.clone(),
            base: 80,
            snapshot_position: 50
        }
    );
    // No snapshot at all: a gap from genesis.
    std::fs::remove_file(&snapshot).unwrap();
    assert!(matches!(
        Journal::open(&path),
        Err(JournalError::BaseAboveSnapshot {
            base: 80,
            snapshot_position: 0,
            ..
        })
    ));
    // The snapshot at 50 beside an older journal that ends at 40.
    std::fs::write(&snapshot, &snapshot_at_50).unwrap();
    let mut journal_at_40 = journal_at_50.clone();
    journal_at_40.truncate(offsets(&journal_at_50)[41]);
    std::fs::write(&path, &journal_at_40).unwrap();
    assert_eq!(
        Journal::open(&path).unwrap_err(),
        JournalError::EndsBeforeSnapshot {
            journal: path.clone(),
            end_position: 40,
            snapshot_position: 50
        }
    );
    // A snapshot of another replica (other parameters).
    let params = Params::new(2, 4, 3, 2, 2).unwrap();
    let other = dir.path("other.mend");
    let mut engine_journal = Journal::create(&other, params, test_verifying_keys(&params)).unwrap();
    engine_journal.snapshot().unwrap();
    drop(engine_journal);
    std::fs::write(&path, &journal_at_50).unwrap();
    std::fs::copy(snapshot_path(&other), &snapshot).unwrap();
    assert!(matches!(
        Journal::open(&path),
        Err(JournalError::SnapshotMismatch { .. })
    ));
}

#[test]
fn records_carry_their_absolute_index_so_a_rebased_journal_fails_its_checksums() {
    let inputs = generate_workload(80).unwrap();
    let dir = temp_dir();
    let path = dir.path("node.mend");
    drop(journal_with_snapshots(&path, &inputs, &[50]));
    let bytes = std::fs::read(&path).unwrap();
    let scan = read_records(&bytes).unwrap();
    assert_eq!(scan.base, 50);
    let indices: Vec<u64> = scan.inputs.iter().map(|r| r.index).collect();
    assert_eq!(indices, (51..=80).collect::<Vec<_>>());
    // The same records under a header that claims base 40.
    let params = workload_params();
    let mut rebased = encode_record(
        0,
        &encode_header(40, &params, &test_verifying_keys(&params)),
    )
    .unwrap();
    rebased.extend_from_slice(&bytes[scan.inputs[0].offset as usize..]);
    assert!(matches!(
        read_records(&rebased),
        Err(JournalError::Corrupt {
            index: 41,
            reason: CorruptReason::Checksum,
            ..
        })
    ));
    // A header above BASE_MAX is refused before any index is computed.
    let too_far = encode_record(
        0,
        &encode_header(BASE_MAX + 1, &params, &test_verifying_keys(&params)),
    )
    .unwrap();
    assert!(matches!(
        read_records(&too_far),
        Err(JournalError::BadHeader {
            reason: HeaderError::Base,
            ..
        })
    ));
}

#[test]
fn a_version_1_header_reads_as_base_0() {
    let inputs = generate_workload(10).unwrap();
    let params = workload_params();
    let v2 = encode_header(0, &params, &test_verifying_keys(&params));
    let mut v1 = HEADER_MAGIC_V1.to_vec();
    v1.extend_from_slice(&v2[HEADER_MAGIC.len() + 8..]);
    let mut bytes = encode_record(0, &v1).unwrap();
    for (i, message) in inputs.iter().enumerate() {
        bytes.extend(encode_record(i as u64 + 1, &encode_message(message)).unwrap());
    }
    let scan = read_records(&bytes).unwrap();
    assert_eq!((scan.base, scan.inputs.len()), (0, 10));
    let header = decode_header(scan.header).unwrap();
    assert_eq!((header.base, header.params), (0, params));
    let dir = temp_dir();
    let path = dir.path("v1.mend");
    std::fs::write(&path, &bytes).unwrap();
    let (journal, _) = Journal::open(&path).unwrap();
    assert!(journal.engine() == &engine_after(&inputs));
}
