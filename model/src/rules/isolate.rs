//! Isolation: the status a shard's open faults force, applied at the epoch
//! boundary, each change with its audit record ([R-FAULT-2]'s severities,
//! [R-ISO-1] .. [R-ISO-3], [R-AUDIT-1]).
//!
//! Detection only raises a status, along the top of the graph of
//! [R-ISO-2]: `Normal < Investigating < Frozen < Isolated`. A shard that is
//! `Recovering` or `Healing` is outside these levels, and detection leaves
//! it alone: those edges belong to rollback ([`super::rollback`]) and
//! healing ([`super::heal`]). A change into `Isolated` moves the shard's
//! recovery pipeline from `FaultDetected` to `Isolated` ([R-PIPE-1]).

use mend_spec::audit::compute_next_record;
use mend_spec::protocol::PipelineStage;
use mend_spec::{
    AuditEntry, Event, Fault, FaultKind, SeededBug, Severity, ShardStatus, ShardView, View,
};

/// [R-FAULT-2] The severity of each fault kind, by the table.
pub fn compute_severity(kind: FaultKind) -> Severity {
    match kind {
        FaultKind::StateRootMismatch => Severity::Critical,
        FaultKind::ValidatorEquivocation => Severity::High,
        FaultKind::InvalidCrossShardReceipt => Severity::Critical,
        FaultKind::ExecutionFailure => Severity::High,
        FaultKind::LivenessFailure => Severity::Medium,
        FaultKind::CheckpointStateMismatch => Severity::Critical,
        FaultKind::TransactionOrderingViolation => Severity::Low,
    }
}

/// [R-FAULT-2] The response to a severity: the least status it forces;
/// `None` for Low, which changes no status.
pub fn compute_response(severity: Severity) -> Option<ShardStatus> {
    match severity {
        Severity::Critical => Some(ShardStatus::Isolated),
        Severity::High => Some(ShardStatus::Frozen),
        Severity::Medium => Some(ShardStatus::Investigating),
        Severity::Low => None,
    }
}

/// [R-ISO-1] The level of a detection status: `Normal` 0, `Investigating`
/// 1, `Frozen` 2, `Isolated` 3; `None` for `Recovering` and `Healing`,
/// which have no level.
pub fn compute_level(status: ShardStatus) -> Option<u8> {
    match status {
        ShardStatus::Normal => Some(0),
        ShardStatus::Investigating => Some(1),
        ShardStatus::Frozen => Some(2),
        ShardStatus::Isolated => Some(3),
        ShardStatus::Recovering | ShardStatus::Healing => None,
    }
}

/// The response to a fault of `kind`.
fn compute_fault_response(kind: FaultKind) -> Option<ShardStatus> {
    compute_response(compute_severity(kind))
}

/// [R-ISO-3] The status change a shard's open faults force, if any: the
/// `target` is the strongest response among its open faults by level; it
/// applies only if it is above the shard's level. The cause is the smallest
/// open fault, in the order `(kind, accused, generation, epoch, height)`,
/// whose response is the target: a sorted choice, never the first to
/// arrive. A shard frozen for an operator, its pipeline `Failed` after a
/// failed rollback or healing ([R-RB-6], [R-HEAL-5], [R-PIPE-3]), keeps its
/// status.
pub fn compute_status_change(shard: &ShardView) -> Option<(ShardStatus, Fault)> {
    // [R-PIPE-3] A shard frozen for an operator keeps its status.
    if shard.pipeline == Some(PipelineStage::Failed) {
        return None;
    }
    let current = compute_level(shard.status)?;
    let target = shard
        .faults
        .iter()
        .filter_map(|f| compute_fault_response(f.kind))
        .max_by_key(|status| compute_level(*status))?;
    if compute_level(target)? <= current {
        return None;
    }
    let cause = shard
        .faults
        .iter()
        .filter(|f| compute_fault_response(f.kind) == Some(target))
        .min()
        .copied()?;
    Some((target, cause))
}

/// [R-ISO-3] Applies the status change of the shard at `index` in `view`
/// (already in the new epoch): the status becomes the target, one audit
/// record is appended ([R-AUDIT-1]: shard, old and new status, the cause,
/// the head root before and after, which are equal for a status change;
/// written in the new epoch, indexed and hash-chained to the record before
/// it as [R-AUDIT-2] says, over the abstract encoding of [R-AUDIT-3]), and
/// `StatusChanged` is emitted. A change into `Isolated` then moves the
/// pipeline to `Isolated` and emits `PipelineAdvanced` ([R-PIPE-1]).
///
/// Seeded bugs: `SilentStatusChange` appends no record;
/// `IsolateWrongShard` applies the change computed for shard `s` to shard
/// `(s + 1) mod S` instead, with a record describing that shard.
pub(super) fn process_status_change(
    view: &mut View,
    index: usize,
    bug: Option<SeededBug>,
    events: &mut Vec<Event>,
) {
    let Some((to, cause)) = compute_status_change(&view.shards[index]) else {
        return;
    };
    let target_index = match bug {
        Some(SeededBug::IsolateWrongShard) => (index + 1) % view.shards.len(),
        _ => index,
    };
    let shard = &mut view.shards[target_index];
    let from = shard.status;
    if from == to {
        // Only under `IsolateWrongShard`: the other shard already has
        // that status.
        return;
    }
    shard.status = to;
    let shard_id = shard.shard;
    let root = shard.head_root;
    if bug != Some(SeededBug::SilentStatusChange) {
        let entry = AuditEntry::StatusChange {
            shard: shard_id,
            from,
            to,
            cause,
            root_before: root,
            root_after: root,
        };
        let record = compute_next_record(&view.audit, view.epoch, entry);
        view.audit.push(record);
    }
    events.push(Event::StatusChanged {
        shard: shard_id,
        from,
        to,
        cause,
    });
    // [R-PIPE-1] `FaultDetected -> Isolated`: the boundary that isolates
    // the shard.
    if to == ShardStatus::Isolated {
        view.shards[target_index].pipeline = Some(PipelineStage::Isolated);
        events.push(Event::PipelineAdvanced {
            shard: shard_id,
            stage: PipelineStage::Isolated,
        });
    }
}
