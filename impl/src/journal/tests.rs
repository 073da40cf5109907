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
        encode_record(0, &encode_header(&params, &test_verifying_keys(&params))).unwrap();
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
    let (params, keys) = decode_header(scan.header).unwrap();
    assert_eq!(params, workload_params());
    assert_eq!(keys, test_verifying_keys(&params));
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
    let good = encode_header(&params, &keys);
    assert_eq!(decode_header(b"mend-journal/v2"), Err(HeaderError::Magic));
    assert_eq!(
        decode_header(&good[..HEADER_MAGIC.len() + 3]),
        Err(HeaderError::Params)
    );
    assert!(matches!(
        decode_header(&good[..good.len() - 1]),
        Err(HeaderError::KeyCount { .. })
    ));
    // One key too few, correctly framed: the engine refuses it at open.
    let short = encode_header(&params, &keys[1..]);
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
        encode_record(0, &encode_header(&params, &test_verifying_keys(&params))).unwrap();
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
