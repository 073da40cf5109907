//! mend's production engine: checkpoints and their finality (`spec/SPEC.md`
//! §4), fault detection, isolation and the audit log (§5), cross-shard
//! transactions and rollback (§6), and the wire format that carries them
//! ([R-WIRE-1]).
//!
//! It also answers a fault with a recovery (§7): slashing and stake
//! accounting, committee reassignment, healing by block re-execution and
//! root comparison, and the recovery pipeline that drives them.
//!
//! The engine is a sans-io state machine. It takes one message at a time, as
//! a typed [`Message`] or as bytes, and returns either the events the message
//! caused or one typed rejection that carries its evidence; a rejected
//! message leaves the state exactly as it was ([R-OUT-2]). It reads no clock
//! (the epoch is an input, [R-EPOCH-1]), draws no randomness and touches no
//! file, so two engines fed the same messages are equal.
//!
//! It is an independent rendering of SPEC.md: it shares the vocabulary of
//! `mend-spec` (ids, parameters, rejection codes, seeded bugs) and nothing
//! else with the model, so that the conformance test comparing the two means
//! something.
//!
//! Code map, one module per protocol concern:
//!
//! - [`wire`]: the concrete messages and their canonical bincode encoding.
//! - [`crypto`]: roots, ids and signing domains (SHA3-256, ed25519).
//! - `block`: chain heads and the block rule ([R-BLK-1], [R-BLK-2]).
//! - `checkpoint`: proposals, votes, finality, retention and equivocation
//!   evidence ([R-CKPT-1] .. [R-CKPT-10]).
//! - `detect`: evidence and its twelve checks, open faults ([R-FAULT-1] ..
//!   [R-FAULT-5]).
//! - `isolate`: status levels, the status change at an epoch boundary, fault
//!   expiry ([R-ISO-1] .. [R-ISO-3], [R-FAULT-6]).
//! - `xtx`: cross-shard transactions, lock tables, prepare, vote, commit and
//!   abort ([R-XTX-1] .. [R-XTX-6]).
//! - `rollback`: the rollback state machine, from its start at an epoch
//!   boundary to `Healing` or `Frozen` ([R-RB-1] .. [R-RB-6]).
//! - [`audit`]: the hash-chained audit log ([R-AUDIT-1], [R-AUDIT-2]).
//! - `slash`: validator records, stake, the reserve and slashing
//!   ([R-SLASH-1] .. [R-SLASH-6]).
//! - `assign`: committee reassignment by three strategies ([R-ASSIGN-1] ..
//!   [R-ASSIGN-4]).
//! - `heal`: healing stages, ticks, verification, reintegration
//!   ([R-HEAL-1] .. [R-HEAL-6]).
//! - `orchestrate`: the recovery pipeline and each shard's turn at the
//!   boundary ([R-PIPE-1] .. [R-PIPE-4], [R-EPOCH-2]).
//! - `epoch`: the epoch clock and the boundary ([R-EPOCH-1], [R-EPOCH-2]).
//! - [`engine`]: genesis and dispatch: validate, then apply.
//! - [`view`]: the snapshot the conformance test compares with the model.
//! - [`outcome`]: events and the typed rejections.
//! - [`journal`]: the runtime, the only module that touches a file: a
//!   checksummed, fsync'd journal of accepted inputs that a restart replays
//!   ([R-JOURNAL-1] .. [R-JOURNAL-7]).

mod assign;
pub mod audit;
mod block;
mod bugs;
mod checkpoint;
pub mod crypto;
mod detect;
pub mod engine;
mod epoch;
mod heal;
mod isolate;
pub mod journal;
mod orchestrate;
pub mod outcome;
mod rollback;
mod slash;
mod state;
pub mod view;
pub mod wire;
mod xtx;

#[cfg(test)]
mod determinism;
#[cfg(test)]
mod testkit;

pub use audit::{
    verify_audit_chain, AuditChainBreak, AuditChainError, AuditEntry, AuditRecord,
    AUDIT_GENESIS_HASH,
};
pub use checkpoint::EquivocationEvidence;
pub use crypto::{
    block_claim_signing_bytes, compute_audit_record_hash, compute_block_id, compute_checkpoint_id,
    compute_fault_id, compute_fault_kind_index, compute_genesis_root, compute_state_root,
    proposal_signing_bytes, receipt_signing_bytes, vote_signing_bytes, xtx_vote_signing_bytes,
};
pub use engine::{Engine, StateDecodeError};
pub use journal::snapshot::{
    decode_snapshot, encode_snapshot, frame_snapshot, LoadedSnapshot, SnapshotDamage,
};
pub use journal::{
    decode_header, decode_header_base, encode_header, encode_record, read_records, snapshot_path,
    view_digest, ApplyError, CorruptReason, HeaderError, IoOperation, Journal, JournalError,
    JournalHeader, JournalRecord, JournalScan, OpenReport, RecordTooLarge, TornCause, TornTail,
};
pub use outcome::{
    BlockError, EngineEvent, EngineRejection, EpochError, EvidenceError, GenesisError,
    HealingError, InputError, Mismatch, PrepareError, ProposalError, RestoreError, RollbackError,
    VoteError, XtxVoteError,
};
pub use view::{AuditRecordSnapshot, EngineView, HealingSnapshot, RollbackSnapshot, ShardSnapshot};
pub use wire::{
    decode_evidence, decode_message, encode_evidence, encode_message, Block, BlockClaim,
    CheckpointBody, DecodeError, Evidence, Hash32, MalformedReason, Message, Receipt,
    SignatureBytes, SignedBlockClaim, SignedProposal, SignedReceipt, SignedVote, SignedXtxVote,
    Transaction, XtxPrepare, XtxVoteBody, MESSAGE_BYTES_MAX, TRANSACTIONS_PER_BLOCK_MAX,
    TRANSACTIONS_PER_CLAIM_MAX,
};
