//! The snapshot's bytes (`spec/SPEC.md` §10, [R-JOURNAL-7]): the whole
//! engine state at a position, framed and checksummed like a journal
//! record, so that a restart need not replay the inputs before it.
//!
//! Pure functions over bytes, like the journal's framing: [`encode_snapshot`]
//! and [`decode_snapshot`]. Writing the file atomically and choosing which
//! journal records to replay after it is [`super::Journal`]'s job.
//!
//! A snapshot is checked for damage (a torn or flipped file fails its length
//! or its checksum) and for the shape the engine indexes by
//! ([`crate::RestoreError`]); it is not authenticated: whoever can write the
//! file can write any state with a valid checksum.

use crate::engine::{Engine, StateDecodeError};
use sha3::{Digest, Sha3_256};
use std::fmt;

/// [R-JOURNAL-7] The first bytes of a snapshot file.
pub const SNAPSHOT_MAGIC: &[u8] = b"mend-snapshot/v1";

/// [R-JOURNAL-7] The domain separator of the snapshot checksum, distinct
/// from the journal records' so that neither verifies as the other.
pub const SNAPSHOT_DOMAIN: &[u8] = b"mend/snapshot/v1";

/// [R-JOURNAL-7] The bytes around the state: the magic, `position: u64 LE`,
/// `length: u64 LE`, and the 32-byte checksum at the end.
pub const SNAPSHOT_OVERHEAD: usize = SNAPSHOT_MAGIC.len() + 8 + 8 + 32;

/// [R-JOURNAL-7] The largest state a snapshot may declare: 1 GiB. The state
/// grows with the audit log and the table of every cross-shard transaction
/// ever prepared ([R-FAULT-7]); far below this for any run this version
/// serves, and a larger declared length is damage, not a state.
pub const SNAPSHOT_STATE_BYTES_MAX: u64 = 1 << 30;

/// [R-JOURNAL-7] `SHA3-256("mend/snapshot/v1" || bytes)`, `bytes` being
/// everything in the file before the checksum.
pub fn snapshot_checksum(bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(SNAPSHOT_DOMAIN);
    hasher.update(bytes);
    hasher.finalize().into()
}

/// [R-JOURNAL-7] The snapshot file of `engine` after `position` inputs:
/// `"mend-snapshot/v1" || position: u64 LE || length: u64 LE || state ||
/// checksum`, the state being [`Engine::encode_state`].
pub fn encode_snapshot(position: u64, engine: &Engine) -> Vec<u8> {
    frame_snapshot(position, &engine.encode_state())
}

/// [R-JOURNAL-7] Frames already-encoded state bytes as a snapshot at
/// `position`, checksum included. [`encode_snapshot`] is this over the
/// engine's own encoding; the fuzz body uses it to reach the state decoder
/// with arbitrary bytes.
pub fn frame_snapshot(position: u64, state: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(SNAPSHOT_OVERHEAD + state.len());
    bytes.extend_from_slice(SNAPSHOT_MAGIC);
    bytes.extend_from_slice(&position.to_le_bytes());
    bytes.extend_from_slice(&(state.len() as u64).to_le_bytes());
    bytes.extend_from_slice(state);
    let checksum = snapshot_checksum(&bytes);
    bytes.extend_from_slice(&checksum);
    bytes
}

/// [R-JOURNAL-7] Why a snapshot file's bytes are refused. Every one means
/// the file is damaged (or not a snapshot); none is ever read as "no
/// snapshot".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SnapshotDamage {
    /// The file does not start with `"mend-snapshot/v1"`.
    Magic,
    /// The file is shorter than its framing and declared state.
    CutShort { len: u64, needed: u64 },
    /// Bytes follow the checksum.
    TrailingBytes { len: u64, expected: u64 },
    /// The declared state is longer than [`SNAPSHOT_STATE_BYTES_MAX`].
    LengthOverBound { length: u64 },
    /// The checksum does not match the bytes before it.
    Checksum,
    /// The checksum matches but the state does not decode, or lacks the
    /// shape the engine indexes by: the file was written by another
    /// version, or by hand.
    State(StateDecodeError),
}

impl fmt::Display for SnapshotDamage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotDamage::Magic => write!(f, "does not start with \"mend-snapshot/v1\""),
            SnapshotDamage::CutShort { len, needed } => {
                write!(f, "is cut short: {len} bytes of the {needed} it declares")
            }
            SnapshotDamage::TrailingBytes { len, expected } => {
                write!(f, "has {len} bytes where its framing declares {expected}")
            }
            SnapshotDamage::LengthOverBound { length } => write!(
                f,
                "declares a state of {length} bytes, more than the bound of \
                 {SNAPSHOT_STATE_BYTES_MAX}"
            ),
            SnapshotDamage::Checksum => write!(f, "fails its checksum"),
            SnapshotDamage::State(e) => write!(f, "verifies but {e}"),
        }
    }
}

/// [R-JOURNAL-7] A snapshot that verified and decoded: the number of inputs
/// it covers and the engine after them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedSnapshot {
    pub position: u64,
    pub engine: Engine,
}

/// [R-JOURNAL-7] Checks and decodes a snapshot file's bytes: the framing,
/// then the checksum over everything before it, and only then the state.
/// Pure and never panics; allocates in proportion to `bytes.len()`.
pub fn decode_snapshot(bytes: &[u8]) -> Result<LoadedSnapshot, SnapshotDamage> {
    let len = bytes.len() as u64;
    let cut_short = |needed: u64| SnapshotDamage::CutShort { len, needed };
    let fixed = (SNAPSHOT_OVERHEAD) as u64;
    let Some(rest) = bytes.strip_prefix(SNAPSHOT_MAGIC) else {
        // A prefix of the magic is a file cut inside it; anything else is
        // not a snapshot.
        return Err(if SNAPSHOT_MAGIC.starts_with(bytes) {
            cut_short(fixed)
        } else {
            SnapshotDamage::Magic
        });
    };
    let (position, rest) = rest.split_first_chunk::<8>().ok_or(cut_short(fixed))?;
    let (length, rest) = rest.split_first_chunk::<8>().ok_or(cut_short(fixed))?;
    let position = u64::from_le_bytes(*position);
    let length = u64::from_le_bytes(*length);
    if length > SNAPSHOT_STATE_BYTES_MAX {
        return Err(SnapshotDamage::LengthOverBound { length });
    }
    let expected = fixed + length;
    if len < expected {
        return Err(cut_short(expected));
    }
    if len > expected {
        return Err(SnapshotDamage::TrailingBytes { len, expected });
    }
    // In bounds: `len == expected` and `length <= 1 GiB` fits a usize here.
    let (state, checksum) = rest.split_at(rest.len() - 32);
    if snapshot_checksum(&bytes[..bytes.len() - 32]) != checksum {
        return Err(SnapshotDamage::Checksum);
    }
    let engine = Engine::decode_state(state).map_err(SnapshotDamage::State)?;
    Ok(LoadedSnapshot { position, engine })
}
