//! The engine's snapshot: what the conformance test compares with the
//! model's abstract view after every step ([R-VIEW-1]).
//!
//! It is the concrete counterpart of `mend_spec::View`: checkpoints appear as
//! their bodies and roots as hashes, and the conformance adapter maps them to
//! abstract values. Faults are plain vocabulary (`mend_spec::Fault`) and
//! appear as they are; each audit record appears with its concrete fields
//! (the cause as a fault id, roots as hashes, the chain hash) and, beside
//! it, its cause as a fault, so that the adapter can build the abstract
//! record of [R-AUDIT-3] and check that `compute_fault_id(shard, cause)` is
//! the recorded id; a rollback record also shows its target's body, whose
//! id is the recorded target. Cross-shard transactions and locks are plain
//! vocabulary (`mend_spec::XtxView`, `mend_spec::Lock`) and appear as they
//! are. Every list has the canonical order stated on its field,
//! so two snapshots of equal states are structurally equal ([R-DET-0]).
//! Validators appear as plain vocabulary (`mend_spec::ValidatorView`), ascending
//! by id; a shard's healing with its cause as a fault and its base as a
//! checkpoint body; its pipeline stage as it is. A slash record carries its
//! fault beside it like a status change; a reassignment has no cause.
//! Building it walks every shard and validator; it is for tests and tools,
//! not the hot path.

use crate::audit::{AuditEntry, AuditRecord};
use crate::heal::Healing;
use crate::rollback::Rollback;
use crate::slash::ValidatorRecord;
use crate::state::State;
use crate::wire::{CheckpointBody, Hash32};
use mend_spec::protocol::{HealingFailure, HealingStage, PipelineStage};
use mend_spec::view::ValidatorView;
use mend_spec::{
    Epoch, Fault, Generation, Height, Lock, RollbackFailure, RollbackPhase, ShardId, ShardStatus,
    ValidatorId, XtxId, XtxView,
};

/// [R-VIEW-1] The whole engine.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EngineView {
    pub epoch: Epoch,
    /// One per shard, ascending by shard id.
    pub shards: Vec<ShardSnapshot>,
    /// [R-XTX-1] Every cross-shard transaction ever prepared, ascending by
    /// id, each with its two sides.
    pub transactions: Vec<XtxView>,
    /// [R-SLASH-1] Every registered validator's record, ascending by id
    /// (reserve included).
    pub validators: Vec<ValidatorView>,
    /// [R-AUDIT-1] The audit log, oldest first.
    pub audit: Vec<AuditRecordSnapshot>,
}

/// [R-AUDIT-1] One audit record as the engine holds it, with its cause as a
/// fault beside it (the record itself names the cause by fault id).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AuditRecordSnapshot {
    pub record: AuditRecord,
    /// The fault whose id is the record's cause ([R-FAULT-4]): a status
    /// change's or rollback's cause, a slash's fault; `None` for a
    /// reassignment, which has none.
    pub cause: Option<Fault>,
    /// [R-RB-4] The body of a rollback record's target, whose id
    /// ([R-CKPT-3]) the record holds; `None` for a status change.
    pub target: Option<CheckpointBody>,
}

impl AuditRecordSnapshot {
    /// [R-AUDIT-3] The abstract entry of a `Slash` or `Reassignment`
    /// record, which hold no roots: the same fields, with a slash's fault
    /// id replaced by its fault (checked against the id: `None` if
    /// `compute_fault_id(shard, fault)` is not the recorded id). `None` for
    /// a status change or rollback record, whose roots only the caller can
    /// map to abstract ones.
    pub fn recovery_entry(&self) -> Option<mend_spec::AuditEntry> {
        match &self.record.entry {
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
                let cause = self.cause?;
                (crate::crypto::compute_fault_id(*shard, &cause) == *fault).then_some(
                    mend_spec::AuditEntry::Slash {
                        validator: *validator,
                        shard: *shard,
                        reason: *reason,
                        fault: cause,
                        window: *window,
                        stake_before: *stake_before,
                        stake_after: *stake_after,
                        tombstoned: *tombstoned,
                    },
                )
            }
            AuditEntry::Reassignment {
                shard,
                strategy,
                before,
                after,
            } => Some(mend_spec::AuditEntry::Reassignment {
                shard: *shard,
                strategy: *strategy,
                before: before.clone(),
                after: after.clone(),
            }),
            AuditEntry::StatusChange { .. } | AuditEntry::Rollback { .. } => None,
        }
    }
}

/// [R-HEAL-1] A shard's healing: in progress, reintegrated or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HealingSnapshot {
    pub stage: HealingStage,
    /// The fault that started the recovery (the rollback's cause).
    pub cause: Fault,
    /// The finalized checkpoint the rollback returned to.
    pub base: CheckpointBody,
    /// Why it failed, if it did ([R-HEAL-5]).
    pub failure: Option<HealingFailure>,
}

/// [R-RB-1], [R-RB-2] A shard's rollback, in progress or completed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RollbackSnapshot {
    pub phase: RollbackPhase,
    /// The fault that isolated the shard.
    pub cause: Fault,
    /// The latest retained finalized checkpoint when the rollback started,
    /// if any.
    pub target: Option<CheckpointBody>,
    /// The head height when the rollback started.
    pub from_height: Height,
    /// The head root when the rollback started.
    pub from_root: Hash32,
    /// The xtxs the rollback aborted, ascending.
    pub aborted: Vec<XtxId>,
    /// Why it failed, if it did ([R-RB-6]).
    pub failure: Option<RollbackFailure>,
}

/// [R-VIEW-1] One shard.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ShardSnapshot {
    pub shard: ShardId,
    pub status: ShardStatus,
    pub generation: Generation,
    /// Height of the head block; 0 before the first block.
    pub height: Height,
    /// Post-state root of the head block, or the genesis root.
    pub head_root: Hash32,
    /// The committee, ascending.
    pub committee: Vec<ValidatorId>,
    /// Pending checkpoints ascending by body, each with its voters ascending
    /// (a voter repeats only under the `CountDuplicateVote` seeded bug).
    pub pending: Vec<(CheckpointBody, Vec<ValidatorId>)>,
    /// Retained finalized checkpoints in finalization order (oldest first),
    /// each with its certificate's signers ascending.
    pub finalized: Vec<(CheckpointBody, Vec<ValidatorId>)>,
    /// Equivocation evidence `(validator, smaller body, larger body)`,
    /// ascending.
    pub equivocations: Vec<(ValidatorId, CheckpointBody, CheckpointBody)>,
    /// [R-BLK-1] The epoch in which the head block was appended; 0 at
    /// genesis.
    pub last_block_epoch: Epoch,
    /// [R-FAULT-5] Open faults, ascending.
    pub faults: Vec<Fault>,
    /// [R-XTX-1] The lock table, ascending by key.
    pub locks: Vec<Lock>,
    /// [R-RB-2] The rollback in progress, the completed one until its
    /// healing starts ([R-PIPE-2]), or the failed one ([R-RB-6]).
    pub rollback: Option<RollbackSnapshot>,
    /// [R-HEAL-1] The healing in progress, or the last one (reintegrated or
    /// failed).
    pub healing: Option<HealingSnapshot>,
    /// [R-PIPE-1] The recovery pipeline's stage, if one ever started.
    pub pipeline: Option<PipelineStage>,
}

/// Builds the snapshot of `state`.
pub(crate) fn snapshot(state: &State) -> EngineView {
    let shards = state
        .shards
        .iter()
        .map(|shard| {
            let checkpoints = &shard.checkpoints;
            let mut pending: Vec<_> = checkpoints
                .pending()
                .map(|p| (p.body, p.votes.iter().map(|v| v.validator).collect()))
                .collect();
            pending.sort();
            let finalized = checkpoints
                .finalized()
                .map(|f| (f.body, f.certificate.iter().map(|v| v.validator).collect()))
                .collect();
            let mut equivocations: Vec<_> = checkpoints
                .equivocations()
                .map(|e| {
                    let (a, b) = (e.first.checkpoint, e.second.checkpoint);
                    (e.validator, a.min(b), a.max(b))
                })
                .collect();
            equivocations.sort();
            ShardSnapshot {
                shard: shard.id,
                status: shard.status,
                generation: shard.generation,
                height: shard.chain.height,
                head_root: shard.chain.root,
                committee: shard.committee.members().to_vec(),
                pending,
                finalized,
                equivocations,
                last_block_epoch: shard.chain.last_block_epoch,
                faults: shard.faults.iter().map(|(fault, _)| *fault).collect(),
                locks: shard
                    .xtx
                    .locks()
                    .map(|(key, xtx)| Lock { key, xtx })
                    .collect(),
                rollback: shard.rollback.as_ref().map(rollback_snapshot),
                healing: shard.healing.as_ref().map(healing_snapshot),
                pipeline: shard.pipeline,
            }
        })
        .collect();
    let transactions = state.transactions.iter().map(|x| x.to_view()).collect();
    let audit = state
        .audit
        .with_notes()
        .map(|(record, note)| AuditRecordSnapshot {
            record: record.clone(),
            cause: note.cause,
            target: note.target,
        })
        .collect();
    let validators = (0u16..)
        .zip(state.validators.records())
        .map(|(v, record)| validator_view(ValidatorId(v), record))
        .collect();
    EngineView {
        epoch: state.epoch,
        shards,
        transactions,
        validators,
        audit,
    }
}

/// [R-SLASH-1] One validator's record in the spec's vocabulary.
pub(crate) fn validator_view(validator: ValidatorId, record: &ValidatorRecord) -> ValidatorView {
    ValidatorView {
        validator,
        stake: record.stake,
        tombstoned: record.tombstoned,
        slashed_windows: record.slashed_windows.clone(),
    }
}

fn healing_snapshot(healing: &Healing) -> HealingSnapshot {
    HealingSnapshot {
        stage: healing.stage,
        cause: healing.cause.fault,
        base: healing.base.body,
        failure: healing.failure,
    }
}

fn rollback_snapshot(rollback: &Rollback) -> RollbackSnapshot {
    RollbackSnapshot {
        phase: rollback.phase,
        cause: rollback.cause.fault,
        target: rollback.target.map(|t| t.body),
        from_height: rollback.from_height,
        from_root: rollback.from_root,
        aborted: rollback.aborted.clone(),
        failure: rollback.failure,
    }
}

#[cfg(test)]
mod tests {
    use crate::crypto::compute_genesis_root;
    use crate::testkit::Harness;
    use crate::wire::CheckpointBody;
    use mend_spec::{Epoch, Generation, Height, ShardId, ShardStatus, ValidatorId};

    #[test]
    fn the_genesis_view_has_every_shard_at_height_zero_with_its_committee() {
        let h = Harness::default_config();
        let view = h.engine.snapshot();
        assert_eq!(view.epoch, Epoch(0));
        assert_eq!(view.shards.len(), 2);
        for (i, shard) in view.shards.iter().enumerate() {
            let id = ShardId(i as u16);
            assert_eq!(shard.shard, id);
            assert_eq!(shard.status, ShardStatus::Normal);
            assert_eq!(shard.generation, Generation(0));
            assert_eq!(shard.height, Height(0));
            assert_eq!(shard.head_root, compute_genesis_root(id));
            let first = 4 * i as u16;
            assert_eq!(
                shard.committee,
                (first..first + 4).map(ValidatorId).collect::<Vec<_>>()
            );
            assert!(shard.pending.is_empty());
            assert!(shard.finalized.is_empty());
            assert!(shard.equivocations.is_empty());
            assert_eq!(shard.last_block_epoch, Epoch(0));
            assert!(shard.faults.is_empty());
            assert!(shard.locks.is_empty());
            assert_eq!(shard.rollback, None);
        }
        assert!(view.transactions.is_empty());
        assert!(view.audit.is_empty());
    }

    #[test]
    fn pending_checkpoints_are_listed_by_body_not_by_arrival() {
        let mut h = Harness::default_config();
        let honest = h.next_body(ShardId(0));
        let low = CheckpointBody {
            state_root: [0; 32],
            ..honest
        };
        h.propose(honest);
        h.propose(low);
        let bodies: Vec<_> = h.engine.snapshot().shards[0]
            .pending
            .iter()
            .map(|(b, _)| *b)
            .collect();
        assert_eq!(bodies, vec![low, honest]);
    }
}
