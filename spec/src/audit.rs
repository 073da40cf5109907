//! The abstract audit log ([R-AUDIT-1] .. [R-AUDIT-3]).
//!
//! The engine keeps concrete records hash-chained over their canonical
//! encodings ([R-AUDIT-2]); the view carries the abstract records, chained
//! the same way over an abstract encoding defined here, so that [INV-3
//! NoSilentRecovery] can check the chain on any view, the model's included.

use crate::action::{Checkpoint, ParentLink, StateRoot};
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId};
use crate::protocol::{Fault, ReassignmentStrategy, ShardStatus, SlashReason};
use serde::{Deserialize, Serialize};
use sha3::{Digest, Sha3_256};
use std::fmt;

/// The hash before the first record: 32 zero bytes ([R-AUDIT-2]).
pub const AUDIT_GENESIS_HASH: [u8; 32] = [0; 32];

/// What one audit record describes ([R-AUDIT-1]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum AuditEntry {
    /// A shard's status changed at an epoch boundary ([R-ISO-3]).
    StatusChange {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
        /// The fault whose response fixed `to`.
        cause: Fault,
        root_before: StateRoot,
        root_after: StateRoot,
    },
    /// A shard was restored to its rollback target ([R-RB-4]).
    Rollback {
        shard: ShardId,
        /// The fault that isolated the shard.
        cause: Fault,
        /// The finalized checkpoint it was restored to.
        target: Checkpoint,
        height_before: Height,
        root_before: StateRoot,
        root_after: StateRoot,
        /// The rollback generation after the step.
        generation: Generation,
    },
    /// A validator was slashed for one offence window ([R-SLASH-3]).
    Slash {
        validator: ValidatorId,
        /// The shard whose open fault named it.
        shard: ShardId,
        reason: SlashReason,
        /// The fault proven by the evidence.
        fault: Fault,
        window: Epoch,
        stake_before: u64,
        stake_after: u64,
        tombstoned: bool,
    },
    /// A committee with vacancies was refilled ([R-ASSIGN-2]).
    Reassignment {
        shard: ShardId,
        strategy: ReassignmentStrategy,
        /// The committee before the draw (after the step's slashes),
        /// ascending.
        before: Vec<ValidatorId>,
        /// The committee after it, ascending.
        after: Vec<ValidatorId>,
    },
}

/// One record of the abstract log, with its chain hash ([R-AUDIT-3]).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position in the log, from 0 without gaps.
    pub index: u64,
    /// The epoch the record was written in (the new epoch, for a boundary).
    pub epoch: Epoch,
    pub entry: AuditEntry,
    /// `compute_audit_hash(previous record's hash, index, epoch, entry)`;
    /// written as 64 hex digits in traces.
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

/// Serializes a 32-byte hash as a lower-case hex string, so trace files
/// stay readable.
mod hex32 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = String::deserialize(d)?;
        let digits = text.as_bytes();
        if digits.len() != 64 {
            return Err(D::Error::custom(format!(
                "a hash is 64 hex digits, found {} characters",
                digits.len()
            )));
        }
        let mut out = [0u8; 32];
        for (i, pair) in digits.chunks(2).enumerate() {
            let pair = std::str::from_utf8(pair).map_err(D::Error::custom)?;
            out[i] = u8::from_str_radix(pair, 16)
                .map_err(|_| D::Error::custom(format!("not hex: {pair:?}")))?;
        }
        Ok(out)
    }
}

fn put_root(bytes: &mut Vec<u8>, root: StateRoot) {
    match root {
        StateRoot::Genesis => bytes.push(0),
        StateRoot::Block { height, generation } => {
            bytes.push(1);
            bytes.extend_from_slice(&height.0.to_le_bytes());
            bytes.extend_from_slice(&generation.0.to_le_bytes());
        }
        StateRoot::Forged { height, nonce } => {
            bytes.push(2);
            bytes.extend_from_slice(&height.0.to_le_bytes());
            bytes.push(nonce);
        }
    }
}

fn put_fault(bytes: &mut Vec<u8>, fault: &Fault) {
    bytes.push(fault.kind as u8);
    match fault.accused {
        None => bytes.push(0),
        Some(v) => {
            bytes.push(1);
            bytes.extend_from_slice(&v.0.to_le_bytes());
        }
    }
    bytes.extend_from_slice(&fault.generation.0.to_le_bytes());
    bytes.extend_from_slice(&fault.epoch.0.to_le_bytes());
    bytes.extend_from_slice(&fault.height.0.to_le_bytes());
}

fn put_checkpoint(bytes: &mut Vec<u8>, c: &Checkpoint) {
    bytes.extend_from_slice(&c.shard.0.to_le_bytes());
    bytes.extend_from_slice(&c.epoch.0.to_le_bytes());
    bytes.extend_from_slice(&c.height.0.to_le_bytes());
    put_root(bytes, c.root);
    match c.parent {
        ParentLink::Genesis => bytes.push(0),
        ParentLink::Checkpoint {
            epoch,
            height,
            root,
        } => {
            bytes.push(1);
            bytes.extend_from_slice(&epoch.0.to_le_bytes());
            bytes.extend_from_slice(&height.0.to_le_bytes());
            put_root(bytes, root);
        }
    }
}

fn put_validators(bytes: &mut Vec<u8>, validators: &[ValidatorId]) {
    bytes.extend_from_slice(&(validators.len() as u64).to_le_bytes());
    for v in validators {
        bytes.extend_from_slice(&v.0.to_le_bytes());
    }
}

/// The SHA3-256 digest of an abstract root's encoding ([R-AUDIT-3]): what
/// the model ranks a reshuffle by where the engine uses the concrete root
/// ([R-ASSIGN-4]).
pub fn compute_abstract_root_digest(root: StateRoot) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(24);
    bytes.extend_from_slice(b"mend/abstract-root/v1");
    put_root(&mut bytes, root);
    Sha3_256::digest(&bytes).into()
}

/// The rank of `validator` in a deterministic reshuffle ([R-ASSIGN-1]):
/// `SHA3-256("mend/reshuffle/v1" || epoch || seed root || validator)`,
/// compared as bytes, lowest first.
pub fn compute_reshuffle_rank(
    epoch: Epoch,
    seed_root: &[u8; 32],
    validator: ValidatorId,
) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(b"mend/reshuffle/v1");
    hasher.update(epoch.0.to_le_bytes());
    hasher.update(seed_root);
    hasher.update(validator.0.to_le_bytes());
    hasher.finalize().into()
}

/// The abstract chain hash of a record ([R-AUDIT-3]):
/// `SHA3-256("mend/audit-abstract/v1" || previous || index || epoch || entry)`,
/// integers little-endian, enums as one tag byte.
pub fn compute_audit_hash(
    previous: &[u8; 32],
    index: u64,
    epoch: Epoch,
    entry: &AuditEntry,
) -> [u8; 32] {
    let mut bytes = Vec::with_capacity(128);
    bytes.extend_from_slice(b"mend/audit-abstract/v1");
    bytes.extend_from_slice(previous);
    bytes.extend_from_slice(&index.to_le_bytes());
    bytes.extend_from_slice(&epoch.0.to_le_bytes());
    match entry {
        AuditEntry::StatusChange {
            shard,
            from,
            to,
            cause,
            root_before,
            root_after,
        } => {
            bytes.push(0);
            bytes.extend_from_slice(&shard.0.to_le_bytes());
            bytes.push(*from as u8);
            bytes.push(*to as u8);
            put_fault(&mut bytes, cause);
            put_root(&mut bytes, *root_before);
            put_root(&mut bytes, *root_after);
        }
        AuditEntry::Rollback {
            shard,
            cause,
            target,
            height_before,
            root_before,
            root_after,
            generation,
        } => {
            bytes.push(1);
            bytes.extend_from_slice(&shard.0.to_le_bytes());
            put_fault(&mut bytes, cause);
            put_checkpoint(&mut bytes, target);
            bytes.extend_from_slice(&height_before.0.to_le_bytes());
            put_root(&mut bytes, *root_before);
            put_root(&mut bytes, *root_after);
            bytes.extend_from_slice(&generation.0.to_le_bytes());
        }
        AuditEntry::Slash {
            validator,
            shard,
            reason,
            fault,
            window,
            stake_before,
            stake_after,
            tombstoned,
        } => {
            bytes.push(2);
            bytes.extend_from_slice(&validator.0.to_le_bytes());
            bytes.extend_from_slice(&shard.0.to_le_bytes());
            bytes.push(*reason as u8);
            put_fault(&mut bytes, fault);
            bytes.extend_from_slice(&window.0.to_le_bytes());
            bytes.extend_from_slice(&stake_before.to_le_bytes());
            bytes.extend_from_slice(&stake_after.to_le_bytes());
            bytes.push(u8::from(*tombstoned));
        }
        AuditEntry::Reassignment {
            shard,
            strategy,
            before,
            after,
        } => {
            bytes.push(3);
            bytes.extend_from_slice(&shard.0.to_le_bytes());
            bytes.push(*strategy as u8);
            put_validators(&mut bytes, before);
            put_validators(&mut bytes, after);
        }
    }
    Sha3_256::digest(&bytes).into()
}

/// The record that follows `log` with `entry`, written in `epoch`: its index
/// is the log's length and its hash chains to the last record's.
pub fn compute_next_record(log: &[AuditRecord], epoch: Epoch, entry: AuditEntry) -> AuditRecord {
    let previous = log.last().map_or(AUDIT_GENESIS_HASH, |r| r.hash);
    let index = log.len() as u64;
    AuditRecord {
        index,
        epoch,
        hash: compute_audit_hash(&previous, index, epoch, &entry),
        entry,
    }
}

impl fmt::Display for AuditRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} ", self.index, self.epoch)?;
        match &self.entry {
            AuditEntry::StatusChange {
                shard,
                from,
                to,
                cause,
                root_before,
                root_after,
            } => write!(
                f,
                "{shard} {from:?} -> {to:?} because {cause} (root {root_before} -> {root_after})"
            ),
            AuditEntry::Rollback {
                shard,
                cause,
                target,
                height_before,
                root_before,
                root_after,
                generation,
            } => write!(
                f,
                "{shard} ROLLED BACK from {height_before} to {target} because {cause} \
                 (root {root_before} -> {root_after}, now {generation})"
            ),
            AuditEntry::Slash {
                validator,
                shard,
                reason,
                fault,
                window,
                stake_before,
                stake_after,
                tombstoned,
            } => write!(
                f,
                "{validator} SLASHED on {shard} for {reason:?} ({fault}) in window {window}: \
                 stake {stake_before} -> {stake_after}{}",
                if *tombstoned { ", tombstoned" } else { "" }
            ),
            AuditEntry::Reassignment {
                shard,
                strategy,
                before,
                after,
            } => {
                let list = |ids: &[ValidatorId]| {
                    let inner: Vec<String> = ids.iter().map(|v| v.to_string()).collect();
                    format!("{{{}}}", inner.join(","))
                };
                write!(
                    f,
                    "{shard} REASSIGNED by {}: {} -> {}",
                    strategy.name(),
                    list(before),
                    list(after)
                )
            }
        }?;
        let h = &self.hash;
        write!(
            f,
            " hash {:02x}{:02x}{:02x}{:02x}..",
            h[0], h[1], h[2], h[3]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Generation, Height, ValidatorId};
    use crate::protocol::FaultKind;

    fn entry(shard: u16) -> AuditEntry {
        AuditEntry::StatusChange {
            shard: ShardId(shard),
            from: ShardStatus::Normal,
            to: ShardStatus::Isolated,
            cause: Fault {
                kind: FaultKind::StateRootMismatch,
                accused: Some(ValidatorId(3)),
                generation: Generation(0),
                epoch: Epoch(0),
                height: Height(2),
            },
            root_before: StateRoot::Genesis,
            root_after: StateRoot::Genesis,
        }
    }

    #[test]
    fn each_record_chains_to_the_one_before() {
        let first = compute_next_record(&[], Epoch(1), entry(0));
        assert_eq!(first.index, 0);
        assert_eq!(
            first.hash,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(1), &entry(0))
        );
        let second = compute_next_record(std::slice::from_ref(&first), Epoch(1), entry(1));
        assert_eq!(second.index, 1);
        assert_eq!(
            second.hash,
            compute_audit_hash(&first.hash, 1, Epoch(1), &entry(1))
        );
        assert_ne!(first.hash, second.hash);
    }

    #[test]
    fn every_field_changes_the_hash() {
        let base = compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(1), &entry(0));
        assert_ne!(base, compute_audit_hash(&[1; 32], 0, Epoch(1), &entry(0)));
        assert_ne!(
            base,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 1, Epoch(1), &entry(0))
        );
        assert_ne!(
            base,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(2), &entry(0))
        );
        assert_ne!(
            base,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(1), &entry(1))
        );
    }

    #[test]
    fn a_rollback_entry_hashes_every_field() {
        let AuditEntry::StatusChange { cause, .. } = entry(0) else {
            unreachable!("entry() builds a status change")
        };
        let target = Checkpoint {
            shard: ShardId(0),
            epoch: Epoch(0),
            height: Height(2),
            root: StateRoot::Block {
                height: Height(2),
                generation: Generation(0),
            },
            parent: ParentLink::Genesis,
        };
        let rollback = AuditEntry::Rollback {
            shard: ShardId(0),
            cause,
            target,
            height_before: Height(3),
            root_before: StateRoot::Block {
                height: Height(3),
                generation: Generation(0),
            },
            root_after: target.root,
            generation: Generation(1),
        };
        let base = compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(2), &rollback);
        assert_ne!(
            base,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(2), &entry(0))
        );
        let mut changed = rollback.clone();
        if let AuditEntry::Rollback { generation, .. } = &mut changed {
            *generation = Generation(2);
        }
        assert_ne!(
            base,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(2), &changed)
        );
        let mut changed = rollback.clone();
        if let AuditEntry::Rollback { target, .. } = &mut changed {
            target.parent = ParentLink::Checkpoint {
                epoch: Epoch(0),
                height: Height(0),
                root: StateRoot::Genesis,
            };
        }
        assert_ne!(
            base,
            compute_audit_hash(&AUDIT_GENESIS_HASH, 0, Epoch(2), &changed)
        );
    }
}
