//! The journal: a crash-safe runtime around the pure engine (`spec/SPEC.md`
//! §10, [R-JOURNAL-1] .. [R-JOURNAL-7]).
//!
//! The engine touches no file ([R-DEF-1]); this module is the only one of
//! the crate that does ([R-JOURNAL-1]). It keeps one append-only file of
//! checksummed records: record 0 is the header (the parameters and the
//! verifying keys the engine was built from), every later record the
//! canonical bytes of one accepted input. An input is applied to the engine
//! first; only an accepted one is appended, and the file is `fsync`ed before
//! its outcome is returned ([R-JOURNAL-3]). Opening the file rebuilds the
//! engine at genesis from the header and replays every input
//! ([R-JOURNAL-4]), so a replica that crashed and restarted is equal to one
//! that never stopped.
//!
//! A snapshot ([R-JOURNAL-7], [`snapshot`]) bounds that replay: the whole
//! state at a position, in a checksummed file beside the journal, after
//! which the journal is shortened to a header recording that position as
//! its base. Records are checksummed with their absolute index (base plus
//! place), so a record cannot move between two generations of the journal,
//! and opening skips the records a snapshot already covers: the crash
//! window between writing the snapshot and shortening the journal.
//!
//! The framing is split from the file handling: [`encode_record`],
//! [`read_records`], [`encode_header`] and [`decode_header`] are pure
//! functions over bytes (what the fuzz target calls), and [`Journal`] is the
//! thin layer that reads, appends, syncs and truncates. Only [`Journal`]'s
//! errors carry `std::io` kinds and paths.

pub mod snapshot;
pub mod workload;

use crate::engine::Engine;
use crate::outcome::{EngineEvent, GenesisError, InputError};
use crate::view::EngineView;
use crate::wire::{decode_message, encode_message, DecodeError, Message, MESSAGE_BYTES_MAX};
use bincode::Options;
use ed25519_dalek::VerifyingKey;
use mend_spec::params::VALIDATORS_MAX;
use mend_spec::Params;
use sha3::{Digest, Sha3_256};
use snapshot::{decode_snapshot, encode_snapshot, SnapshotDamage};
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// [R-JOURNAL-2] The domain separator of every record checksum.
pub const RECORD_DOMAIN: &[u8] = b"mend/journal-record/v1";

/// [R-JOURNAL-2] The first bytes of the header's payload.
pub const HEADER_MAGIC: &[u8] = b"mend-journal/v2";

/// [R-JOURNAL-2] The magic of the first version's header, which had no base
/// position: it is read as base 0, so journals written before snapshots
/// existed still open.
pub const HEADER_MAGIC_V1: &[u8] = b"mend-journal/v1";

/// [R-JOURNAL-7] The largest base position a header may record. Keeping it
/// below `2^63` means no record index computed from it can overflow: a file
/// holds far fewer than `2^63` records.
pub const BASE_MAX: u64 = (1 << 63) - 1;

const _: () = assert!(HEADER_MAGIC.len() == HEADER_MAGIC_V1.len());

/// [R-JOURNAL-2] The bytes before a record's payload: `length: u32 LE` and
/// `checksum: [u8; 32]`.
pub const RECORD_OVERHEAD: usize = 4 + 32;

/// [R-CKPT-2] The canonical size of [`Params`]: `S`, `n` (u16), `N` (u64),
/// `K`, pending (u32), `L`, `A_e`, `A_b`, `W` (u64), `R` (u16) and the
/// reassignment strategy (a u32 variant index).
const PARAMS_BYTES: usize = 2 + 2 + 8 + 4 + 4 + 8 + 8 + 8 + 8 + 2 + 4;

/// [R-JOURNAL-2] The largest header payload: the magic, the base position
/// (`u64`), the parameters, a `u64` key count and 32 bytes for each of at
/// most [`VALIDATORS_MAX`] validators.
pub const HEADER_BYTES_MAX: usize =
    HEADER_MAGIC.len() + 8 + PARAMS_BYTES + 8 + 32 * VALIDATORS_MAX as usize;

/// [R-JOURNAL-2] The largest payload record `index` may declare: the header
/// bound for record 0, the message bound ([R-WIRE-1]) for every input. No
/// writer produces a larger length, so a larger one is corruption, never a
/// torn write.
pub fn record_payload_max(index: u64) -> usize {
    if index == 0 {
        HEADER_BYTES_MAX
    } else {
        MESSAGE_BYTES_MAX
    }
}

/// [R-JOURNAL-2] `SHA3-256("mend/journal-record/v1" || index: u64 LE ||
/// payload)`. The index is hashed so that a record copied or moved to
/// another position fails its checksum. It is 0 for the header and the
/// input's absolute index (the journal's base plus its place in the file,
/// [R-JOURNAL-7]) for an input, so a record cannot be moved between two
/// generations of the journal either.
pub fn record_checksum(index: u64, payload: &[u8]) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(RECORD_DOMAIN);
    hasher.update(index.to_le_bytes());
    hasher.update(payload);
    hasher.finalize().into()
}

/// A payload too long for its record ([R-JOURNAL-2]); nothing was encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecordTooLarge {
    pub index: u64,
    pub len: usize,
    pub max: usize,
}

impl fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "record {} of {} bytes is larger than its bound of {} bytes",
            self.index, self.len, self.max
        )
    }
}

impl std::error::Error for RecordTooLarge {}

/// [R-JOURNAL-2] The record `length: u32 LE || checksum || payload` at
/// position `index`. Refuses a payload over [`record_payload_max`], which
/// [`read_records`] would call corruption.
pub fn encode_record(index: u64, payload: &[u8]) -> Result<Vec<u8>, RecordTooLarge> {
    let max = record_payload_max(index);
    let length = match u32::try_from(payload.len()) {
        Ok(length) if payload.len() <= max => length,
        _ => {
            return Err(RecordTooLarge {
                index,
                len: payload.len(),
                max,
            })
        }
    };
    let mut bytes = Vec::with_capacity(RECORD_OVERHEAD + payload.len());
    bytes.extend_from_slice(&length.to_le_bytes());
    bytes.extend_from_slice(&record_checksum(index, payload));
    bytes.extend_from_slice(payload);
    Ok(bytes)
}

/// One input record that verified: where it is and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JournalRecord<'a> {
    /// The byte offset of the record's length field.
    pub offset: u64,
    /// Its absolute index: the journal's base plus its place among the
    /// file's inputs, which start at 1 (record 0 is the header). Input `i`
    /// (from 1) of the replica's whole history has index `i`.
    pub index: u64,
    /// The canonical bytes of one message ([R-WIRE-1]), not yet decoded.
    pub payload: &'a [u8],
}

/// Why the last record is a torn tail ([R-JOURNAL-4]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TornCause {
    /// The record is cut short: its length field, its checksum or its
    /// declared payload reaches past the end of the file.
    CutShort,
    /// The record is whole but fails its checksum, and ends exactly at the
    /// end of the file.
    ChecksumAtEnd,
}

/// [R-JOURNAL-4] The write a crash interrupted: discarded on open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TornTail {
    /// The byte offset where the torn record starts; the file is truncated
    /// to it.
    pub offset: u64,
    /// How many bytes were discarded (from `offset` to the end of the file).
    pub length: u64,
    /// The absolute index the torn record would have had.
    pub index: u64,
    pub cause: TornCause,
}

/// What made a record corrupt rather than torn ([R-JOURNAL-4]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CorruptReason {
    /// The file is empty: there is no header.
    MissingHeader,
    /// The header record is cut short. A journal is created whole (written
    /// aside, synced, then linked into place), so no crash leaves this.
    TornHeader,
    /// The record fails its checksum and bytes follow it (or it is the
    /// header).
    Checksum,
    /// The record declares a payload longer than any writer produces.
    LengthOverBound { length: u32, max: usize },
}

impl fmt::Display for CorruptReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorruptReason::MissingHeader => write!(f, "is missing: the file is empty"),
            CorruptReason::TornHeader => write!(f, "is cut short"),
            CorruptReason::Checksum => write!(f, "fails its checksum"),
            CorruptReason::LengthOverBound { length, max } => write!(
                f,
                "declares {length} payload bytes, more than the bound of {max}"
            ),
        }
    }
}

/// [R-JOURNAL-4] The result of reading a journal's bytes: the header's
/// payload, every input record that verified, and the torn tail, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalScan<'a> {
    /// The payload of record 0 (checksum verified, content not yet decoded
    /// beyond its base).
    pub header: &'a [u8],
    /// [R-JOURNAL-7] The base position the header records: how many inputs
    /// precede this file's first record (0 for a journal never shortened).
    pub base: u64,
    /// The input records, in order, with indices `base + 1 ..`.
    pub inputs: Vec<JournalRecord<'a>>,
    /// The end of the last good record: the length the file keeps.
    pub end: u64,
    pub torn_tail: Option<TornTail>,
}

/// [R-JOURNAL-4] Reads and verifies every record of `bytes`, and tells a
/// torn tail (the write a crash interrupted: discarded) from corruption (a
/// failing record with bytes after it, or any failing header: an error).
///
/// Pure, never panics, and allocates at most `bytes.len()` bytes (one
/// 32-byte entry per record of at least [`RECORD_OVERHEAD`] bytes); the
/// payloads are borrowed, not copied.
pub fn read_records(bytes: &[u8]) -> Result<JournalScan<'_>, JournalError> {
    let corrupt = |offset: usize, index: u64, reason| JournalError::Corrupt {
        path: None,
        offset: offset as u64,
        index,
        reason,
    };
    let mut header: Option<&[u8]> = None;
    let mut base = 0u64;
    let mut inputs = Vec::with_capacity(bytes.len() / RECORD_OVERHEAD);
    let mut offset = 0usize;
    let mut index = 0u64;
    let mut torn_tail = None;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let torn = |cause| TornTail {
            offset: offset as u64,
            length: rest.len() as u64,
            index,
            cause,
        };
        // A cut inside the length field or the checksum.
        let Some((frame, after)) = rest.split_first_chunk::<RECORD_OVERHEAD>() else {
            if index == 0 {
                return Err(corrupt(offset, index, CorruptReason::TornHeader));
            }
            torn_tail = Some(torn(TornCause::CutShort));
            break;
        };
        let (length_bytes, checksum) = frame.split_at(4);
        let length = u32::from_le_bytes([
            length_bytes[0],
            length_bytes[1],
            length_bytes[2],
            length_bytes[3],
        ]);
        let max = record_payload_max(index);
        if length as usize > max {
            return Err(corrupt(
                offset,
                index,
                CorruptReason::LengthOverBound { length, max },
            ));
        }
        // A cut inside the payload.
        let Some(payload) = after.get(..length as usize) else {
            if index == 0 {
                return Err(corrupt(offset, index, CorruptReason::TornHeader));
            }
            torn_tail = Some(torn(TornCause::CutShort));
            break;
        };
        if record_checksum(index, payload) != checksum {
            if index > 0 && after.len() == payload.len() {
                torn_tail = Some(torn(TornCause::ChecksumAtEnd));
                break;
            }
            return Err(corrupt(offset, index, CorruptReason::Checksum));
        }
        if index == 0 {
            header = Some(payload);
            base = decode_header_base(payload)
                .map_err(|reason| JournalError::BadHeader { path: None, reason })?;
            // Inputs carry their absolute index ([R-JOURNAL-7]); no overflow,
            // as `base <= BASE_MAX`.
            index = base;
        } else {
            inputs.push(JournalRecord {
                offset: offset as u64,
                index,
                payload,
            });
        }
        offset += RECORD_OVERHEAD + payload.len();
        index += 1;
    }
    let Some(header) = header else {
        return Err(corrupt(0, 0, CorruptReason::MissingHeader));
    };
    Ok(JournalScan {
        header,
        base,
        inputs,
        end: offset as u64,
        torn_tail,
    })
}

/// Why a header that verified does not describe an engine ([R-JOURNAL-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderError {
    /// The payload does not start with `"mend-journal/v2"` (or the first
    /// version's `"mend-journal/v1"`).
    Magic,
    /// [R-JOURNAL-7] The base position is missing or above [`BASE_MAX`].
    Base,
    /// The parameters do not decode canonically.
    Params,
    /// The key list's declared count does not match the bytes that follow.
    KeyCount { declared: u64, bytes: usize },
    /// The key of `validator` is not a valid ed25519 point.
    Key { validator: u16 },
    /// The parameters and keys do not build an engine at genesis.
    Genesis(GenesisError),
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderError::Magic => write!(f, "it does not start with \"mend-journal/v2\""),
            HeaderError::Base => write!(f, "its base position is missing or too large"),
            HeaderError::Params => write!(f, "its parameters do not decode"),
            HeaderError::KeyCount { declared, bytes } => write!(
                f,
                "it declares {declared} keys but {bytes} bytes follow (32 per key)"
            ),
            HeaderError::Key { validator } => {
                write!(f, "the key of v{validator} is not an ed25519 key")
            }
            HeaderError::Genesis(error) => write!(f, "it does not build an engine: {error}"),
        }
    }
}

/// [R-CKPT-2] The canonical bincode options, bounded by the largest header.
fn header_options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .with_limit(HEADER_BYTES_MAX as u64)
}

/// [R-JOURNAL-2] A decoded header: the journal's base position
/// ([R-JOURNAL-7]) and the parameters and keys the engine was built from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalHeader {
    /// How many inputs precede the file's first record; they are in the
    /// snapshot, not in this file.
    pub base: u64,
    pub params: Params,
    pub keys: Vec<VerifyingKey>,
}

/// [R-JOURNAL-2] The header's payload: `"mend-journal/v2"`, the base
/// position `base: u64 LE` ([R-JOURNAL-7]), the canonical encoding of
/// `params`, then the keys as a canonical list (`u64` count, then 32 bytes
/// each, in validator order).
pub fn encode_header(base: u64, params: &Params, keys: &[VerifyingKey]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_MAGIC.len() + 8 + PARAMS_BYTES + 8 + 32 * keys.len());
    bytes.extend_from_slice(HEADER_MAGIC);
    bytes.extend_from_slice(&base.to_le_bytes());
    // Serializing a `Params` into a Vec cannot fail: no strings, maps or
    // unsized sequences, and a Vec writer never errors.
    if let Ok(encoded) = header_options().serialize(params) {
        bytes.extend_from_slice(&encoded);
    }
    bytes.extend_from_slice(&(keys.len() as u64).to_le_bytes());
    for key in keys {
        bytes.extend_from_slice(key.as_bytes());
    }
    bytes
}

/// [R-JOURNAL-2] Decodes a header payload. Checks the structure and each
/// key's encoding; the parameters' bounds and the key count against them
/// are [`Engine::new`]'s checks ([R-PARAM-1]), run when the journal opens.
/// Never panics; allocates one key per 32 bytes of input.
pub fn decode_header(bytes: &[u8]) -> Result<JournalHeader, HeaderError> {
    let (base, rest) = split_header_base(bytes)?;
    let (params_bytes, rest) = rest
        .split_at_checked(PARAMS_BYTES)
        .ok_or(HeaderError::Params)?;
    let params: Params = header_options()
        .deserialize(params_bytes)
        .map_err(|_| HeaderError::Params)?;
    let (count, keys) = rest.split_first_chunk::<8>().ok_or(HeaderError::KeyCount {
        declared: 0,
        bytes: rest.len(),
    })?;
    let declared = u64::from_le_bytes(*count);
    if keys.len() % 32 != 0 || (keys.len() / 32) as u64 != declared {
        return Err(HeaderError::KeyCount {
            declared,
            bytes: keys.len(),
        });
    }
    keys.chunks_exact(32)
        .enumerate()
        .map(|(v, chunk)| {
            let mut key = [0u8; 32];
            key.copy_from_slice(chunk);
            VerifyingKey::from_bytes(&key).map_err(|_| HeaderError::Key {
                validator: u16::try_from(v).unwrap_or(u16::MAX),
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(|keys| JournalHeader { base, params, keys })
}

/// [R-JOURNAL-7] The base position a header payload records, and the bytes
/// after it: a version-1 header has none and is read as base 0.
fn split_header_base(bytes: &[u8]) -> Result<(u64, &[u8]), HeaderError> {
    if let Some(rest) = bytes.strip_prefix(HEADER_MAGIC) {
        let (base, rest) = rest.split_first_chunk::<8>().ok_or(HeaderError::Base)?;
        let base = u64::from_le_bytes(*base);
        if base > BASE_MAX {
            return Err(HeaderError::Base);
        }
        Ok((base, rest))
    } else if let Some(rest) = bytes.strip_prefix(HEADER_MAGIC_V1) {
        Ok((0, rest))
    } else {
        Err(HeaderError::Magic)
    }
}

/// [R-JOURNAL-7] The base position of a header payload: what
/// [`read_records`] needs to check the inputs' checksums.
pub fn decode_header_base(bytes: &[u8]) -> Result<u64, HeaderError> {
    split_header_base(bytes).map(|(base, _)| base)
}

/// What the runtime was doing when the operating system refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IoOperation {
    Create,
    Open,
    Read,
    Write,
    Sync,
    Truncate,
    Link,
    Rename,
}

impl fmt::Display for IoOperation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IoOperation::Create => "creating",
            IoOperation::Open => "opening",
            IoOperation::Read => "reading",
            IoOperation::Write => "appending to",
            IoOperation::Sync => "syncing",
            IoOperation::Truncate => "truncating",
            IoOperation::Link => "linking into place",
            IoOperation::Rename => "renaming into place",
        })
    }
}

/// Everything that can go wrong with a journal ([R-JOURNAL-2] ..
/// [R-JOURNAL-4]). `path` is `None` when the error comes from the pure
/// [`read_records`], which sees bytes, not a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalError {
    /// The operating system refused an operation on the file.
    Io {
        path: PathBuf,
        operation: IoOperation,
        /// The file offset the operation was at, when there is one.
        offset: Option<u64>,
        kind: std::io::ErrorKind,
        /// The OS error code, when there is one.
        code: Option<i32>,
    },
    /// [R-JOURNAL-4] A record fails its checksum or its framing and is not
    /// the torn tail; offset 0 and index 0 for a header that is missing,
    /// torn or fails its checksum.
    Corrupt {
        path: Option<PathBuf>,
        offset: u64,
        index: u64,
        reason: CorruptReason,
    },
    /// [R-JOURNAL-4] The header verifies but its content is wrong:
    /// corruption at offset 0.
    BadHeader {
        path: Option<PathBuf>,
        reason: HeaderError,
    },
    /// [R-JOURNAL-4] An intact input record that the engine refuses on
    /// replay: the journal is not one this engine wrote.
    ReplayRejected {
        path: Option<PathBuf>,
        offset: u64,
        index: u64,
        rejection: InputError,
    },
    /// An earlier append or sync failed, so the engine may be ahead of the
    /// disk; the journal takes no more inputs until it is reopened.
    Poisoned { path: PathBuf },
    /// [R-JOURNAL-7] The snapshot file exists but is damaged: never read as
    /// "no snapshot", since the journal beside it may have been shortened.
    SnapshotDamaged {
        path: Option<PathBuf>,
        reason: SnapshotDamage,
    },
    /// [R-JOURNAL-7] The snapshot verifies but holds other parameters or
    /// keys than the journal's header: the two files are not one replica's.
    SnapshotMismatch { snapshot: PathBuf, journal: PathBuf },
    /// [R-JOURNAL-7] The journal starts after the snapshot's position (or
    /// after genesis, with no snapshot): the inputs between are lost.
    BaseAboveSnapshot {
        journal: PathBuf,
        base: u64,
        snapshot_position: u64,
    },
    /// [R-JOURNAL-7] The journal ends before the snapshot's position: the
    /// snapshot is newer than every record, which no crash leaves (a
    /// snapshot is written only at a durable position).
    EndsBeforeSnapshot {
        journal: PathBuf,
        end_position: u64,
        snapshot_position: u64,
    },
}

impl JournalError {
    /// The same error, naming the file it is about.
    fn in_file(self, file: &Path) -> JournalError {
        let named = Some(file.to_path_buf());
        match self {
            JournalError::Corrupt {
                offset,
                index,
                reason,
                ..
            } => JournalError::Corrupt {
                path: named,
                offset,
                index,
                reason,
            },
            JournalError::BadHeader { reason, .. } => JournalError::BadHeader {
                path: named,
                reason,
            },
            JournalError::ReplayRejected {
                offset,
                index,
                rejection,
                ..
            } => JournalError::ReplayRejected {
                path: named,
                offset,
                index,
                rejection,
            },
            other => other,
        }
    }

    fn io(path: &Path, operation: IoOperation, offset: Option<u64>, e: &std::io::Error) -> Self {
        JournalError::Io {
            path: path.to_path_buf(),
            operation,
            offset,
            kind: e.kind(),
            code: e.raw_os_error(),
        }
    }
}

/// The file's name for a message, or "journal" for bytes with no file.
struct Named<'a>(&'a Option<PathBuf>);

impl fmt::Display for Named<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(path) => write!(f, "{}", path.display()),
            None => f.write_str("journal"),
        }
    }
}

impl fmt::Display for JournalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JournalError::Io {
                path,
                operation,
                offset,
                kind,
                code,
            } => {
                write!(f, "{}: {operation} the file failed", path.display())?;
                if let Some(offset) = offset {
                    write!(f, " at byte {offset}")?;
                }
                write!(f, ": {kind}")?;
                if let Some(code) = code {
                    write!(f, " (os error {code})")?;
                }
                Ok(())
            }
            JournalError::Corrupt {
                path,
                offset: 0,
                index: 0,
                reason,
            } => write!(
                f,
                "{}: the header (record 0 at byte 0) {reason}: this is not an intact mend \
                 journal; check the path, or restore the file from a copy",
                Named(path)
            ),
            JournalError::Corrupt {
                path,
                offset,
                index,
                reason,
            } => write!(
                f,
                "{}: record {index} at byte {offset} {reason}, which is not a torn tail (a \
                 crash tears only the last record, short or failing at the very end): the \
                 journal is corrupted in the middle; restore it from a copy, or truncate it to \
                 {offset} bytes to keep the {} inputs before it (every later input is lost)",
                Named(path),
                index.saturating_sub(1)
            ),
            JournalError::BadHeader { path, reason } => write!(
                f,
                "{}: the header (record 0 at byte 0) verifies but {reason}: this journal was \
                 not written by this version of the engine",
                Named(path)
            ),
            JournalError::ReplayRejected {
                path,
                offset,
                index,
                rejection,
            } => write!(
                f,
                "{}: record {index} at byte {offset} is intact but the engine refuses it on \
                 replay ({rejection}): the journal was not written by this engine; do not edit \
                 it, rebuild this replica from another",
                Named(path)
            ),
            JournalError::Poisoned { path } => write!(
                f,
                "{}: an earlier append or sync failed, so the engine may be ahead of the disk; \
                 reopen the journal to continue from what is durable",
                path.display()
            ),
            JournalError::SnapshotDamaged { path, reason } => {
                match path {
                    Some(path) => write!(f, "{}", path.display())?,
                    None => f.write_str("snapshot")?,
                }
                write!(
                    f,
                    ": the snapshot {reason}; it is not ignored, because the journal beside it \
                     may hold only the inputs after it: restore the snapshot from a copy, or \
                     rebuild this replica from another"
                )
            }
            JournalError::SnapshotMismatch { snapshot, journal } => write!(
                f,
                "{}: the snapshot holds other parameters or keys than the header of {}: the two \
                 files belong to different replicas; put back the snapshot written beside \
                 this journal",
                snapshot.display(),
                journal.display()
            ),
            JournalError::BaseAboveSnapshot {
                journal,
                base,
                snapshot_position,
            } => write!(
                f,
                "{}: the journal starts after input {base} but the snapshot (if any) covers \
                 only {snapshot_position} inputs: the inputs between are missing; restore the \
                 snapshot written with this journal, or rebuild this replica from another",
                journal.display()
            ),
            JournalError::EndsBeforeSnapshot {
                journal,
                end_position,
                snapshot_position,
            } => write!(
                f,
                "{}: the journal ends at input {end_position} but the snapshot beside it covers \
                 {snapshot_position} inputs: the journal is older than the snapshot; restore \
                 the journal written with this snapshot, or rebuild this replica from another",
                journal.display()
            ),
        }
    }
}

impl std::error::Error for JournalError {}

/// Why [`Journal::apply`] returned no outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyError {
    /// [R-JOURNAL-3] The engine refused the input; nothing was written and
    /// nothing changed ([R-OUT-2]).
    Rejected(InputError),
    /// The input was accepted but could not be made durable; the journal is
    /// poisoned and must be reopened.
    Journal(JournalError),
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApplyError::Rejected(rejection) => write!(f, "input refused: {rejection}"),
            ApplyError::Journal(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ApplyError {}

/// [R-JOURNAL-4] What opening a journal found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenReport {
    /// [R-JOURNAL-7] The position of the snapshot the engine was loaded
    /// from, or `None` if it was built at genesis.
    pub snapshot: Option<u64>,
    /// How many input records were skipped because the snapshot covers
    /// them: the crash window between writing a snapshot and shortening the
    /// journal ([R-JOURNAL-7]).
    pub skipped: u64,
    /// How many input records were replayed on top of the snapshot or
    /// genesis. The position ([R-JOURNAL-5]) is the snapshot's plus this.
    pub replayed: u64,
    /// The torn tail that was discarded, if the last write was interrupted.
    pub torn_tail: Option<TornTail>,
}

/// [R-JOURNAL-7] The snapshot file of the journal at `journal`: the same
/// name with `.snapshot` appended, in the same directory (so that a rename
/// between them is atomic).
pub fn snapshot_path(journal: &Path) -> PathBuf {
    with_suffix(journal, ".snapshot")
}

/// `path` with `suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// [R-JOURNAL-1] The engine and the files that make it durable: the
/// journal, and the snapshot beside it once one is written
/// ([R-JOURNAL-7]).
#[derive(Debug)]
pub struct Journal {
    engine: Engine,
    file: File,
    path: PathBuf,
    /// How many inputs are durable ([R-JOURNAL-5]), counted from genesis,
    /// snapshot included.
    position: u64,
    /// [R-JOURNAL-7] How many inputs precede the journal file's first
    /// record (its header's base position).
    base: u64,
    /// The length of the durable file: where the next record goes.
    end: u64,
    poisoned: bool,
}

impl Journal {
    /// [R-JOURNAL-2] Creates a journal at `path` holding only its header,
    /// and the engine at genesis. Fails if `path` exists.
    ///
    /// The header is written to a side file, synced, then hard-linked into
    /// place and the directory synced, so a crash leaves either no journal or
    /// a whole one, never a torn header (which [R-JOURNAL-4] calls
    /// corruption).
    pub fn create(
        path: impl AsRef<Path>,
        params: Params,
        keys: Vec<VerifyingKey>,
    ) -> Result<Journal, JournalError> {
        let path = path.as_ref();
        // A snapshot without its journal would be read with this new,
        // base-0 journal and refused; refuse to create beside one instead.
        let snapshot = snapshot_path(path);
        if snapshot.exists() {
            return Err(JournalError::Io {
                path: snapshot,
                operation: IoOperation::Create,
                offset: None,
                kind: std::io::ErrorKind::AlreadyExists,
                code: None,
            });
        }
        let header = encode_header(0, &params, &keys);
        let engine = Engine::new(params, keys).map_err(|e| JournalError::BadHeader {
            path: Some(path.to_path_buf()),
            reason: HeaderError::Genesis(e),
        })?;
        let record = encode_record(0, &header).map_err(|_| JournalError::BadHeader {
            path: Some(path.to_path_buf()),
            reason: HeaderError::KeyCount {
                declared: params.validators().into(),
                bytes: header.len(),
            },
        })?;
        let mut side = path.as_os_str().to_owned();
        side.push(".creating");
        let side = PathBuf::from(side);
        let io = |op, e: std::io::Error| JournalError::io(path, op, None, &e);
        // A side file left by a crashed create is ours and incomplete.
        let _ = std::fs::remove_file(&side);
        {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&side)
                .map_err(|e| JournalError::io(&side, IoOperation::Create, None, &e))?;
            file.write_all(&record)
                .map_err(|e| JournalError::io(&side, IoOperation::Write, Some(0), &e))?;
            file.sync_all()
                .map_err(|e| JournalError::io(&side, IoOperation::Sync, None, &e))?;
        }
        // `hard_link` refuses an existing target, unlike `rename`.
        let linked = std::fs::hard_link(&side, path).map_err(|e| io(IoOperation::Link, e));
        let _ = std::fs::remove_file(&side);
        linked?;
        sync_parent(path)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| io(IoOperation::Open, e))?;
        let end = record.len() as u64;
        file.seek(SeekFrom::Start(end))
            .map_err(|e| JournalError::io(path, IoOperation::Open, Some(end), &e))?;
        Ok(Journal {
            engine,
            file,
            path: path.to_path_buf(),
            position: 0,
            base: 0,
            end,
            poisoned: false,
        })
    }

    /// [R-JOURNAL-4], [R-JOURNAL-7] Opens the journal at `path`: loads the
    /// snapshot beside it if there is one (else builds the engine at genesis
    /// from the header), then replays every input record the snapshot does
    /// not cover. A torn tail is discarded (the file is truncated to the
    /// last good record and synced) and reported; corruption, a bad header, a
    /// damaged or mismatched snapshot, a gap between snapshot and journal,
    /// or an input the engine refuses is an error, and the files are left
    /// untouched. Leftover `.tmp` files of an interrupted snapshot are
    /// ignored: they never hold the only copy of anything.
    pub fn open(path: impl AsRef<Path>) -> Result<(Journal, OpenReport), JournalError> {
        let path = path.as_ref();
        let io = |op, offset, e: std::io::Error| JournalError::io(path, op, offset, &e);
        let snapshot_file = snapshot_path(path);
        let loaded =
            match std::fs::read(&snapshot_file) {
                Ok(bytes) => Some(decode_snapshot(&bytes).map_err(|reason| {
                    JournalError::SnapshotDamaged {
                        path: Some(snapshot_file.clone()),
                        reason,
                    }
                })?),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(JournalError::io(
                        &snapshot_file,
                        IoOperation::Read,
                        None,
                        &e,
                    ))
                }
            };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| io(IoOperation::Open, None, e))?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| io(IoOperation::Read, None, e))?;
        let scan = read_records(&bytes).map_err(|e| e.in_file(path))?;
        let bad_header = |reason| JournalError::BadHeader {
            path: Some(path.to_path_buf()),
            reason,
        };
        let header = decode_header(scan.header).map_err(bad_header)?;
        let (mut engine, covered) = match loaded {
            Some(loaded) => {
                if loaded.engine.params() != &header.params
                    || loaded.engine.keys() != header.keys.as_slice()
                {
                    return Err(JournalError::SnapshotMismatch {
                        snapshot: snapshot_file,
                        journal: path.to_path_buf(),
                    });
                }
                (loaded.engine, Some(loaded.position))
            }
            None => (
                Engine::new(header.params, header.keys)
                    .map_err(|e| bad_header(HeaderError::Genesis(e)))?,
                None,
            ),
        };
        let snapshot_position = covered.unwrap_or(0);
        if scan.base > snapshot_position {
            return Err(JournalError::BaseAboveSnapshot {
                journal: path.to_path_buf(),
                base: scan.base,
                snapshot_position,
            });
        }
        let end_position = scan.base + scan.inputs.len() as u64;
        if end_position < snapshot_position {
            return Err(JournalError::EndsBeforeSnapshot {
                journal: path.to_path_buf(),
                end_position,
                snapshot_position,
            });
        }
        // Records up to the snapshot's position are in it already: the
        // journal was not yet shortened when the process stopped.
        let mut skipped = 0;
        let mut replayed = 0;
        for record in &scan.inputs {
            if record.index <= snapshot_position {
                skipped += 1;
                continue;
            }
            if let Err(rejection) = engine.apply_bytes(record.payload) {
                return Err(JournalError::ReplayRejected {
                    path: Some(path.to_path_buf()),
                    offset: record.offset,
                    index: record.index,
                    rejection,
                });
            }
            replayed += 1;
        }
        if scan.torn_tail.is_some() {
            file.set_len(scan.end)
                .map_err(|e| io(IoOperation::Truncate, Some(scan.end), e))?;
            file.sync_all()
                .map_err(|e| io(IoOperation::Sync, Some(scan.end), e))?;
        }
        file.seek(SeekFrom::Start(scan.end))
            .map_err(|e| io(IoOperation::Open, Some(scan.end), e))?;
        let report = OpenReport {
            snapshot: covered,
            skipped,
            replayed,
            torn_tail: scan.torn_tail,
        };
        Ok((
            Journal {
                engine,
                file,
                path: path.to_path_buf(),
                position: end_position,
                base: scan.base,
                end: scan.end,
                poisoned: false,
            },
            report,
        ))
    }

    /// [R-JOURNAL-7] Writes a snapshot of the engine at the current
    /// position, then shortens the journal to a header with that base and
    /// no records. Each file is replaced atomically: written to a `.tmp`
    /// beside it, synced, renamed over it, and the directory synced. The
    /// snapshot is durable before the journal is replaced, so a crash leaves
    /// the old snapshot with the old journal, the new snapshot with the old
    /// journal (whose records up to the position are skipped on open), or
    /// the new snapshot with the new journal: never a gap.
    ///
    /// A failure while writing the snapshot changes nothing that restart
    /// reads, and the journal keeps taking inputs. A failure while
    /// replacing the journal poisons it (the open file may no longer be the
    /// one at `path`); reopening continues from the new snapshot.
    pub fn snapshot(&mut self) -> Result<(), JournalError> {
        if self.poisoned {
            return Err(JournalError::Poisoned {
                path: self.path.clone(),
            });
        }
        let position = self.position;
        write_atomically(
            &snapshot_path(&self.path),
            &encode_snapshot(position, &self.engine),
        )?;
        let header = encode_header(position, self.engine.params(), self.engine.keys());
        let replaced = encode_record(0, &header)
            .map_err(|_| JournalError::Poisoned {
                path: self.path.clone(),
            })
            .and_then(|record| {
                write_atomically(&self.path, &record)?;
                let mut file = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(&self.path)
                    .map_err(|e| JournalError::io(&self.path, IoOperation::Open, None, &e))?;
                let end = record.len() as u64;
                file.seek(SeekFrom::Start(end))
                    .map_err(|e| JournalError::io(&self.path, IoOperation::Open, Some(end), &e))?;
                Ok((file, end))
            });
        match replaced {
            Ok((file, end)) => {
                self.file = file;
                self.end = end;
                self.base = position;
                Ok(())
            }
            Err(error) => {
                self.poisoned = true;
                Err(error)
            }
        }
    }

    /// [R-JOURNAL-3] Applies `message`: a rejection writes nothing; an
    /// acceptance is appended and synced before its events are returned.
    pub fn apply(&mut self, message: &Message) -> Result<Vec<EngineEvent>, ApplyError> {
        if self.poisoned {
            return Err(ApplyError::Journal(JournalError::Poisoned {
                path: self.path.clone(),
            }));
        }
        let bytes = encode_message(message);
        // A typed message can be larger than any wire message; the journal
        // could not replay it ([R-WIRE-1]), so it is refused like its bytes.
        if bytes.len() > MESSAGE_BYTES_MAX {
            return Err(ApplyError::Rejected(InputError::Decode(
                DecodeError::TooLarge { len: bytes.len() },
            )));
        }
        let events = self
            .engine
            .apply(message)
            .map_err(|r| ApplyError::Rejected(InputError::Rejected(r)))?;
        self.append(&bytes).map_err(ApplyError::Journal)?;
        Ok(events)
    }

    /// [R-JOURNAL-3], [R-WIRE-1] Decodes `bytes` and applies the message as
    /// [`Journal::apply`] does.
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Result<Vec<EngineEvent>, ApplyError> {
        let message =
            decode_message(bytes).map_err(|e| ApplyError::Rejected(InputError::Decode(e)))?;
        self.apply(&message)
    }

    /// Appends the next input record and syncs it. On failure the engine is
    /// ahead of the disk: the journal is poisoned, and the partial write is
    /// cut off if the OS lets us (a reopen would discard it as a torn tail
    /// anyway).
    fn append(&mut self, payload: &[u8]) -> Result<(), JournalError> {
        let index = self.position + 1;
        // The absolute index ([R-JOURNAL-7]): the position counts the
        // snapshot's inputs too.
        let at = Some(self.end);
        let result = encode_record(index, payload)
            .map_err(|_| JournalError::Poisoned {
                path: self.path.clone(),
            })
            .and_then(|record| {
                self.file
                    .write_all(&record)
                    .map_err(|e| JournalError::io(&self.path, IoOperation::Write, at, &e))?;
                // `sync_data` also flushes the file size, which a read of
                // the new record needs; other metadata can wait.
                self.file
                    .sync_data()
                    .map_err(|e| JournalError::io(&self.path, IoOperation::Sync, at, &e))?;
                Ok(record.len() as u64)
            });
        match result {
            Ok(written) => {
                self.end += written;
                self.position += 1;
                Ok(())
            }
            Err(error) => {
                // After a failed fsync the page cache cannot be trusted
                // either: take no more inputs until a reopen re-reads what
                // is on disk.
                self.poisoned = true;
                let _ = self.file.set_len(self.end);
                Err(error)
            }
        }
    }

    /// [R-JOURNAL-5] How many inputs are durable: where a driver resumes.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// [R-JOURNAL-7] How many inputs precede the journal file's first
    /// record: the position of the last snapshot that shortened it.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// The engine, for reading.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// [R-VIEW-1] The engine's snapshot.
    pub fn view(&self) -> EngineView {
        self.engine.snapshot()
    }

    /// The journal file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The durable length of the file in bytes.
    pub fn len_bytes(&self) -> u64 {
        self.end
    }
}

/// [R-JOURNAL-7] Replaces the file at `path` by `bytes`, atomically: writes
/// `<path>.tmp` (truncating any leftover of an interrupted call), syncs it,
/// renames it over `path` and syncs the directory. A crash leaves the old
/// file or the new one at `path`, never a mix.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), JournalError> {
    let temporary = with_suffix(path, ".tmp");
    let io = |op, e: std::io::Error| JournalError::io(&temporary, op, None, &e);
    {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temporary)
            .map_err(|e| io(IoOperation::Create, e))?;
        file.write_all(bytes)
            .map_err(|e| JournalError::io(&temporary, IoOperation::Write, Some(0), &e))?;
        file.sync_all().map_err(|e| io(IoOperation::Sync, e))?;
    }
    std::fs::rename(&temporary, path).map_err(|e| io(IoOperation::Rename, e))?;
    sync_parent(path)
}

/// Syncs the directory holding `path`, so that a new name survives a crash.
fn sync_parent(path: &Path) -> Result<(), JournalError> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    File::open(parent)
        .and_then(|dir| dir.sync_all())
        .map_err(|e| JournalError::io(parent, IoOperation::Sync, None, &e))
}

/// A stable digest of an engine view, for comparing replicas across
/// processes: `SHA3-256("mend/view-digest/v1" || format!("{view:?}"))`. The
/// view holds only vectors, options and plain values (no hash maps), so its
/// `Debug` rendering is deterministic; it is not a wire format and may
/// change between versions.
pub fn view_digest(view: &EngineView) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(b"mend/view-digest/v1");
    hasher.update(format!("{view:?}").as_bytes());
    hasher.finalize().into()
}

#[cfg(test)]
mod tests;
