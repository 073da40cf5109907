//! The audit log: one global, append-only, SHA3 hash-chained list of records
//! ([R-AUDIT-1], [R-AUDIT-2]).
//!
//! Every status change appends exactly one record ([R-ISO-3], [R-RB-1],
//! [R-RB-2], [R-RB-6]), and every rollback's restoration one more
//! ([R-RB-4]), every slash one ([R-SLASH-3]) and every reassignment that
//! changed a committee one ([R-ASSIGN-2]). A record names its
//! cause by fault id ([R-FAULT-4]), never by the bytes of whichever evidence
//! arrived first, so no record depends on arrival order ([R-DET-0]). Each
//! record's hash chains to the one before it, so changing, dropping or
//! reordering any record breaks every hash after it, and
//! [`verify_audit_chain`] finds the first record that does not verify.
//!
//! The engine also keeps each record's cause (none for a reassignment) as a
//! `mend_spec::Fault` beside
//! the log, and for a rollback record the target checkpoint's body. Neither
//! is hashed (the fault id and the checkpoint id are); they are there so
//! that the snapshot can show the record in the vocabulary the model uses,
//! and a reader can check `compute_fault_id(shard, cause)` and
//! `compute_checkpoint_id(target)` against the record.

use crate::crypto::compute_audit_record_hash;
use crate::wire::{CheckpointBody, Hash32};
use mend_spec::protocol::{ReassignmentStrategy, SlashReason};
use mend_spec::{Epoch, Fault, Generation, Height, ShardId, ShardStatus, ValidatorId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// [R-AUDIT-2] The hash before the first record: 32 zero bytes.
pub const AUDIT_GENESIS_HASH: Hash32 = [0; 32];

/// [R-AUDIT-1] What one record describes. Serialized by bincode exactly as
/// [`compute_audit_record_hash`] encodes it (a test pins the two together).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AuditEntry {
    /// [R-ISO-3] A shard's status rose at an epoch boundary; or
    /// [R-RB-1], [R-RB-2], [R-RB-6] its rollback started, completed or
    /// failed.
    StatusChange {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
        /// The fault id ([R-FAULT-4]) of the open fault whose response is
        /// `to`.
        cause: Hash32,
        /// The shard's head root before the step.
        root_before: Hash32,
        /// The shard's head root after the step (equal for a status change).
        root_after: Hash32,
    },
    /// [R-RB-4] A shard was restored to its rollback target.
    Rollback {
        shard: ShardId,
        /// The fault id ([R-FAULT-4]) of the fault that isolated the shard.
        cause: Hash32,
        /// The id ([R-CKPT-3]) of the finalized checkpoint it returned to.
        target: Hash32,
        /// The head height before the step.
        height_before: Height,
        /// The head root before the step.
        root_before: Hash32,
        /// The head root after the step: the chain's root at the target.
        root_after: Hash32,
        /// The rollback generation after the step.
        generation: Generation,
    },
    /// [R-SLASH-3] A validator was slashed for one offence window.
    /// Encoded as `(validator: u16, shard: u16, reason: u32, fault id,
    /// window: u64, stake before: u64, stake after: u64, tombstoned: bool)`.
    Slash {
        validator: ValidatorId,
        /// The shard whose open fault named it.
        shard: ShardId,
        /// Its index in [R-SLASH-2]'s table is the encoded `u32`.
        reason: SlashReason,
        /// The fault id ([R-FAULT-4]) of the fault it was slashed for.
        fault: Hash32,
        /// The offence window: the fault's epoch.
        window: Epoch,
        stake_before: u64,
        stake_after: u64,
        /// Whether it is tombstoned after the slash.
        tombstoned: bool,
    },
    /// [R-ASSIGN-2] A committee with vacancies was redrawn. Encoded as
    /// `(shard: u16, strategy: u32, committee before, committee after)`,
    /// each committee a `u64` length then its `u16` ids, ascending.
    Reassignment {
        shard: ShardId,
        /// Its index in [R-ASSIGN-1]'s list is the encoded `u32`.
        strategy: ReassignmentStrategy,
        /// The committee before the draw (after the boundary's slashes).
        before: Vec<ValidatorId>,
        /// The committee after it.
        after: Vec<ValidatorId>,
    },
}

/// [R-AUDIT-1] One record of the log with its chain hash ([R-AUDIT-2]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 0 without gaps.
    pub index: u64,
    /// The epoch the record was written in (the new epoch, at a boundary).
    pub epoch: Epoch,
    pub entry: AuditEntry,
    /// `compute_audit_record_hash(previous record's hash, index, epoch,
    /// entry)`.
    pub hash: Hash32,
}

/// [R-AUDIT-2] Why a log does not verify, at the first record that breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct AuditChainError {
    /// The position of the first record that does not verify.
    pub index: u64,
    pub reason: AuditChainBreak,
}

/// [R-AUDIT-1], [R-AUDIT-2] What was wrong with the record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditChainBreak {
    /// The record's index is not its position: a record was dropped,
    /// inserted or moved ([R-AUDIT-1] counts from 0 without gaps).
    WrongIndex { found: u64 },
    /// The recorded hash is not the one re-derived from the previous hash
    /// and the record's content.
    WrongHash { computed: Hash32, recorded: Hash32 },
}

/// [R-AUDIT-2] Re-derives every record's hash from the first record on, and
/// returns the position of the first record that does not verify: its index
/// is not its position, or its hash is not
/// `compute_audit_record_hash(previous hash, index, epoch, entry)`.
pub fn verify_audit_chain(records: &[AuditRecord]) -> Result<(), AuditChainError> {
    let mut previous = AUDIT_GENESIS_HASH;
    for (position, record) in (0u64..).zip(records) {
        if record.index != position {
            return Err(AuditChainError {
                index: position,
                reason: AuditChainBreak::WrongIndex {
                    found: record.index,
                },
            });
        }
        let computed =
            compute_audit_record_hash(&previous, record.index, record.epoch, &record.entry);
        if computed != record.hash {
            return Err(AuditChainError {
                index: position,
                reason: AuditChainBreak::WrongHash {
                    computed,
                    recorded: record.hash,
                },
            });
        }
        previous = record.hash;
    }
    Ok(())
}

/// What the log keeps beside a record, unhashed (see the module header).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RecordNote {
    /// The fault whose id is the record's cause (a slash's fault); `None`
    /// for a reassignment, which has no cause.
    pub(crate) cause: Option<Fault>,
    /// The body of a rollback record's target; `None` for every other.
    pub(crate) target: Option<CheckpointBody>,
}

/// [R-AUDIT-1] The engine's log: the records, and beside each its note
/// (not hashed; see the module header).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AuditLog {
    records: Vec<AuditRecord>,
    /// `notes[i]` belongs to `records[i]`.
    notes: Vec<RecordNote>,
}

impl AuditLog {
    /// [R-AUDIT-1], [R-AUDIT-2] Appends the record of `entry`, written in
    /// `epoch`, chained to the last record; returns it.
    pub(crate) fn append(
        &mut self,
        epoch: Epoch,
        entry: AuditEntry,
        note: RecordNote,
    ) -> AuditRecord {
        let previous = self.records.last().map_or(AUDIT_GENESIS_HASH, |r| r.hash);
        // A Vec never holds more than u64::MAX elements.
        let index = self.records.len() as u64;
        assert_eq!(
            matches!(entry, AuditEntry::Rollback { .. }),
            note.target.is_some(),
            "a rollback record, and only one, has a target body beside it"
        );
        assert_eq!(
            matches!(entry, AuditEntry::Reassignment { .. }),
            note.cause.is_none(),
            "every record but a reassignment has a cause beside it"
        );
        let hash = compute_audit_record_hash(&previous, index, epoch, &entry);
        let record = AuditRecord {
            index,
            epoch,
            entry,
            hash,
        };
        self.records.push(record.clone());
        self.notes.push(note);
        assert_eq!(
            self.records.len(),
            self.notes.len(),
            "every record has its note"
        );
        record
    }

    /// The records, oldest first.
    pub(crate) fn records(&self) -> &[AuditRecord] {
        &self.records
    }

    /// Each record with its note, oldest first.
    pub(crate) fn with_notes(&self) -> impl Iterator<Item = (&AuditRecord, &RecordNote)> {
        self.records.iter().zip(&self.notes)
    }
}

impl fmt::Display for AuditChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            AuditChainBreak::WrongIndex { found } => write!(
                f,
                "audit record at position {} carries index {found}",
                self.index
            ),
            AuditChainBreak::WrongHash { .. } => {
                write!(f, "audit record {} does not verify", self.index)
            }
        }
    }
}

impl std::error::Error for AuditChainError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::compute_fault_id;
    use mend_spec::{FaultKind, Generation, Height, ValidatorId};
    use sha3::{Digest, Sha3_256};

    fn fault(height: u64) -> Fault {
        Fault {
            kind: FaultKind::CheckpointStateMismatch,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(1),
            height: Height(height),
        }
    }

    fn entry(shard: u16, height: u64) -> AuditEntry {
        AuditEntry::StatusChange {
            shard: ShardId(shard),
            from: ShardStatus::Normal,
            to: ShardStatus::Isolated,
            cause: compute_fault_id(ShardId(shard), &fault(height)),
            root_before: [7; 32],
            root_after: [7; 32],
        }
    }

    fn note(height: u64) -> RecordNote {
        RecordNote {
            cause: Some(fault(height)),
            target: None,
        }
    }

    fn log_of(count: u64) -> AuditLog {
        let mut log = AuditLog::default();
        for i in 0..count {
            log.append(Epoch(i + 1), entry((i % 3) as u16, i), note(i));
        }
        log
    }

    fn rollback_entry() -> AuditEntry {
        AuditEntry::Rollback {
            shard: ShardId(1),
            cause: compute_fault_id(ShardId(1), &fault(4)),
            target: [8; 32],
            height_before: Height(5),
            root_before: [7; 32],
            root_after: [6; 32],
            generation: Generation(1),
        }
    }

    #[test]
    fn the_record_hash_is_sha3_of_the_tag_the_previous_hash_and_the_bincode_record() {
        let e = entry(1, 2);
        let previous = [0x5a; 32];
        let mut expected = Sha3_256::new();
        expected.update(b"mend/audit/v1");
        expected.update(previous);
        expected.update(bincode::serialize(&(4u64, Epoch(9), &e)).unwrap());
        let expected: Hash32 = expected.finalize().into();
        assert_eq!(
            compute_audit_record_hash(&previous, 4, Epoch(9), &e),
            expected
        );
    }

    #[test]
    fn the_first_record_chains_to_zeros_and_each_next_to_the_one_before() {
        let log = log_of(3);
        let records = log.records();
        assert_eq!(
            records[0].hash,
            compute_audit_record_hash(&[0; 32], 0, Epoch(1), &records[0].entry)
        );
        for pair in records.windows(2) {
            assert_eq!(pair[1].index, pair[0].index + 1);
            assert_eq!(
                pair[1].hash,
                compute_audit_record_hash(
                    &pair[0].hash,
                    pair[1].index,
                    pair[1].epoch,
                    &pair[1].entry
                )
            );
        }
        assert_eq!(verify_audit_chain(records), Ok(()));
        assert_eq!(verify_audit_chain(&[]), Ok(()));
        let causes: Vec<_> = log.with_notes().map(|(_, n)| n.cause).collect();
        assert_eq!(causes, vec![Some(fault(0)), Some(fault(1)), Some(fault(2))]);
    }

    #[test]
    fn a_tampered_record_is_found_at_its_own_index() {
        let log = log_of(5);
        for at in 0..5usize {
            // Every field of the record, one at a time.
            let mut tampered: Vec<Vec<AuditRecord>> = Vec::new();
            let mut r = log.records().to_vec();
            r[at].epoch = Epoch(r[at].epoch.0 + 100);
            tampered.push(r);
            let mut r = log.records().to_vec();
            if let AuditEntry::StatusChange { to, .. } = &mut r[at].entry {
                *to = ShardStatus::Frozen;
            }
            tampered.push(r);
            let mut r = log.records().to_vec();
            if let AuditEntry::StatusChange { cause, .. } = &mut r[at].entry {
                cause[0] ^= 1;
            }
            tampered.push(r);
            let mut r = log.records().to_vec();
            r[at].hash[31] ^= 1;
            tampered.push(r);
            for records in tampered {
                let error = verify_audit_chain(&records).unwrap_err();
                assert_eq!(error.index, at as u64, "{error}");
            }
        }
    }

    #[test]
    fn a_dropped_or_reordered_record_is_found_where_the_chain_breaks() {
        let log = log_of(4);
        let mut dropped = log.records().to_vec();
        dropped.remove(1);
        assert_eq!(
            verify_audit_chain(&dropped),
            Err(AuditChainError {
                index: 1,
                reason: AuditChainBreak::WrongIndex { found: 2 }
            })
        );
        // A record re-indexed and re-hashed in place still breaks its
        // successor's chain.
        let mut rewritten = log.records().to_vec();
        if let AuditEntry::StatusChange { shard, .. } = &mut rewritten[2].entry {
            *shard = ShardId(9);
        }
        rewritten[2].hash = compute_audit_record_hash(
            &rewritten[1].hash,
            2,
            rewritten[2].epoch,
            &rewritten[2].entry,
        );
        assert_eq!(verify_audit_chain(&rewritten).unwrap_err().index, 3);
    }

    #[test]
    fn a_rollback_record_chains_like_the_others_and_every_field_is_covered() {
        let mut log = log_of(2);
        let target = CheckpointBody {
            shard: ShardId(1),
            epoch: Epoch(1),
            height: Height(2),
            state_root: [6; 32],
            parent: None,
        };
        log.append(
            Epoch(3),
            rollback_entry(),
            RecordNote {
                cause: Some(fault(4)),
                target: Some(target),
            },
        );
        log.append(Epoch(3), entry(1, 4), note(4));
        assert_eq!(verify_audit_chain(log.records()), Ok(()));
        let targets: Vec<_> = log.with_notes().map(|(_, n)| n.target).collect();
        assert_eq!(targets, vec![None, None, Some(target), None]);
        let tampers: [fn(&mut AuditEntry); 7] = [
            |e| {
                if let AuditEntry::Rollback { shard, .. } = e {
                    *shard = ShardId(0);
                }
            },
            |e| {
                if let AuditEntry::Rollback { cause, .. } = e {
                    cause[0] ^= 1;
                }
            },
            |e| {
                if let AuditEntry::Rollback { target, .. } = e {
                    target[0] ^= 1;
                }
            },
            |e| {
                if let AuditEntry::Rollback { height_before, .. } = e {
                    *height_before = Height(6);
                }
            },
            |e| {
                if let AuditEntry::Rollback { root_before, .. } = e {
                    root_before[0] ^= 1;
                }
            },
            |e| {
                if let AuditEntry::Rollback { root_after, .. } = e {
                    root_after[0] ^= 1;
                }
            },
            |e| {
                if let AuditEntry::Rollback { generation, .. } = e {
                    *generation = Generation(2);
                }
            },
        ];
        for tamper in tampers {
            let mut records = log.records().to_vec();
            let before = records[2].entry.clone();
            tamper(&mut records[2].entry);
            assert_ne!(records[2].entry, before);
            assert_eq!(verify_audit_chain(&records).unwrap_err().index, 2);
        }
    }
}
