//! Rollback of an isolated shard to its latest finalized checkpoint
//! ([R-RB-1] .. [R-RB-6]).
//!
//! A shard that detection isolated ([R-ISO-3]) starts its rollback at the
//! next epoch boundary, in its turn ([R-EPOCH-2]): it becomes `Recovering`
//! and the rollback is recorded in the view in phase `Initiated`
//! ([R-RB-1]). Then each `AdvanceRollback` tick moves it one phase on
//! ([R-RB-2]), so that every other shard keeps running between the phases:
//!
//! 1. `Initiated -> AbortingTransactions`: the target is checked against
//!    the window ([R-RB-3]); the shard's xtxs in flight abort on both sides;
//! 2. `AbortingTransactions -> ReleasingLocks`: their locks are released;
//! 3. `ReleasingLocks -> RestoringState`: the head returns to the target's
//!    height in a new generation ([R-RB-4]);
//! 4. `RestoringState -> VerifyingState`: the restored root is compared
//!    with the target checkpoint's ([R-RB-5]);
//! 5. `VerifyingState -> Completed`: the shard becomes `Healing`.
//!
//! A failed check in step 1 or 4 fails the rollback instead ([R-RB-6]): the
//! shard's xtxs still in flight abort and release their locks, the rollback
//! stays in the view with its failure reason, and the shard becomes `Frozen`
//! for an operator; detection no longer moves it ([R-ISO-3]).
//!
//! Every status change appends its audit record and emits `StatusChanged`;
//! the restoration appends a `Rollback` record ([R-AUDIT-1]). The shard's
//! recovery pipeline ([R-PIPE-1]) moves `Isolated -> RollingBack` at the
//! start, `RollingBack -> ValidatorAdjustment` at completion and
//! `RollingBack -> Failed` at a failure, each with `PipelineAdvanced`
//! after the step's other events.

use super::xtx::{abort_in_flight, aborted_holding_locks, release_locks};
use super::{compute_chain_root, count_u32, find_shard};
use mend_spec::audit::compute_next_record;
use mend_spec::protocol::PipelineStage;
use mend_spec::{
    AuditEntry, Event, Fault, Generation, Height, Params, RollbackFailure, RollbackPhase,
    RollbackRejection, RollbackView, SeededBug, ShardId, ShardStatus, StateRoot, View,
};

/// [R-RB-1] The cause of a rollback: the fault that isolated the shard,
/// which is the cause of the shard's latest status change into `Isolated`
/// ([R-ISO-3]). The audit log records every status change with its cause
/// ([R-AUDIT-1]), so the model reads it there, searching backwards.
fn find_isolation_cause(view: &View, shard: ShardId) -> Option<Fault> {
    view.audit
        .iter()
        .rev()
        .find_map(|record| match record.entry {
            AuditEntry::StatusChange {
                shard: s,
                to: ShardStatus::Isolated,
                cause,
                ..
            } if s == shard => Some(cause),
            _ => None,
        })
}

/// Appends a status-change record for the shard at `index` (its head root
/// before and after, which a status change leaves alone) and emits
/// `StatusChanged` ([R-AUDIT-1]); the status itself is set by the caller.
pub(super) fn record_status_change(
    view: &mut View,
    index: usize,
    from: ShardStatus,
    to: ShardStatus,
    cause: Fault,
    events: &mut Vec<Event>,
) {
    let shard = view.shards[index].shard;
    let root = view.shards[index].head_root;
    let entry = AuditEntry::StatusChange {
        shard,
        from,
        to,
        cause,
        root_before: root,
        root_after: root,
    };
    let record = compute_next_record(&view.audit, view.epoch, entry);
    view.audit.push(record);
    events.push(Event::StatusChanged {
        shard,
        from,
        to,
        cause,
    });
}

/// [R-RB-1] Starts the rollback of the `Isolated` shard at `index` of
/// `view` (already in the new epoch), in its turn at the boundary
/// ([R-EPOCH-2]): the shard becomes `Recovering`; its rollback is in phase
/// `Initiated`, with its cause, its target (the latest retained finalized
/// checkpoint, or none), the head height and root it starts from and no
/// aborted xtx; one record `StatusChange{Isolated -> Recovering}` is
/// appended and `StatusChanged` emitted.
///
/// An `Isolated` shard always has a record of its isolation, except under
/// the seeded bug `SilentStatusChange`, which writes none: without a cause
/// there is no rollback to describe, so the shard stays `Isolated` and
/// nothing happens in its turn ([INV-3] has caught the bug by then).
pub(super) fn process_start(view: &mut View, index: usize, events: &mut Vec<Event>) {
    let Some(cause) = find_isolation_cause(view, view.shards[index].shard) else {
        return;
    };
    let shard = &mut view.shards[index];
    shard.rollback = Some(RollbackView {
        phase: RollbackPhase::Initiated,
        cause,
        target: shard.latest_finalized().map(|f| f.checkpoint),
        from_height: shard.height,
        from_root: shard.head_root,
        aborted: vec![],
        failure: None,
    });
    shard.status = ShardStatus::Recovering;
    record_status_change(
        view,
        index,
        ShardStatus::Isolated,
        ShardStatus::Recovering,
        cause,
        events,
    );
    // [R-PIPE-1] `Isolated -> RollingBack`: the boundary that starts it.
    set_pipeline(view, index, PipelineStage::RollingBack, events);
}

/// [R-PIPE-1] Moves the pipeline of the shard at `index` to `stage` and
/// emits `PipelineAdvanced`, after the events of the step that caused it.
pub(super) fn set_pipeline(
    view: &mut View,
    index: usize,
    stage: PipelineStage,
    events: &mut Vec<Event>,
) {
    let shard = &mut view.shards[index];
    shard.pipeline = Some(stage);
    events.push(Event::PipelineAdvanced {
        shard: shard.shard,
        stage,
    });
}

/// [R-RB-3] Checks a rollback's target, in the spec's order: there is one
/// (`NoCheckpoint`); it lies at most `W` blocks below the height the
/// rollback started from (`TargetBeyondWindow`, skipped under the seeded
/// bug `RollbackBeyondWindow`); the cause's height plus `W` is at least
/// that height (`FaultBeyondWindow`).
fn check_target(
    params: &Params,
    bug: Option<SeededBug>,
    rollback: &RollbackView,
) -> Result<(), RollbackFailure> {
    let window = params.rollback_window_blocks;
    let Some(target) = rollback.target else {
        return Err(RollbackFailure::NoCheckpoint);
    };
    // A finalized checkpoint lies at or below the head, so the difference
    // does not saturate in a view the rules built.
    let depth = rollback.from_height.0.saturating_sub(target.height.0);
    if bug != Some(SeededBug::RollbackBeyondWindow) && depth > window {
        return Err(RollbackFailure::TargetBeyondWindow);
    }
    // A sum past `u64::MAX` is above every height.
    if rollback.cause.height.0.saturating_add(window) < rollback.from_height.0 {
        return Err(RollbackFailure::FaultBeyondWindow);
    }
    Ok(())
}

/// [R-RB-2] One tick of the recovery driver: checks that `shard` is a shard
/// (`UnknownShard`) and is `Recovering` (`NotRecovering`), then moves its
/// rollback one phase on, or fails it ([R-RB-6]).
pub(super) fn process_advance(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    shard: ShardId,
) -> Result<(View, Vec<Event>), RollbackRejection> {
    // [R-RB-2] check 1: the shard exists.
    let Some(index) = find_shard(params, view, shard) else {
        return Err(RollbackRejection::UnknownShard);
    };
    // [R-RB-2] check 2: the shard is `Recovering`. The rules give every
    // `Recovering` shard a rollback that has not completed (completing
    // makes it `Healing`); a view without one is malformed and has nothing
    // to advance.
    let current = &view.shards[index];
    let Some(rollback) = current.rollback.clone() else {
        return Err(RollbackRejection::NotRecovering);
    };
    if current.status != ShardStatus::Recovering || rollback.phase == RollbackPhase::Completed {
        return Err(RollbackRejection::NotRecovering);
    }
    let mut next = view.clone();
    let mut events = Vec::new();
    let phase = match rollback.phase {
        RollbackPhase::Initiated => {
            // Step 1: the target must pass [R-RB-3], or the rollback fails.
            if let Err(reason) = check_target(params, bug, &rollback) {
                process_failure(&mut next, index, bug, reason, &mut events);
                return Ok((next, events));
            }
            enter(&mut events, shard, RollbackPhase::AbortingTransactions);
            let mut aborted = abort_in_flight(&mut next, shard, bug, &mut events);
            // Xtxs the other participant's rollback aborted and still locks
            // here join the list, so this rollback's step 2 frees them too.
            aborted.extend(aborted_holding_locks(&next, shard));
            aborted.sort();
            aborted.dedup();
            set_rollback(&mut next, index, |r| r.aborted = aborted);
            RollbackPhase::AbortingTransactions
        }
        RollbackPhase::AbortingTransactions => {
            // Step 2: release every lock of the aborted xtxs, on every shard;
            // under `AbortOneSide` on the rolled-back shard only.
            enter(&mut events, shard, RollbackPhase::ReleasingLocks);
            let only = (bug == Some(SeededBug::AbortOneSide)).then_some(shard);
            release_locks(&mut next, &rollback.aborted, only, &mut events);
            RollbackPhase::ReleasingLocks
        }
        RollbackPhase::ReleasingLocks => {
            // Step 3: restore the shard to its target ([R-RB-4]). Step 1
            // refused a rollback without a target, so it has one here.
            let Some(target) = rollback.target else {
                process_failure(
                    &mut next,
                    index,
                    bug,
                    RollbackFailure::NoCheckpoint,
                    &mut events,
                );
                return Ok((next, events));
            };
            // A generation at `u64::MAX` has no next one; a rollback takes
            // five ticks, so no run reaches it.
            let Some(generation) = current.generation.0.checked_add(1).map(Generation) else {
                return Err(RollbackRejection::NotRecovering);
            };
            enter(&mut events, shard, RollbackPhase::RestoringState);
            process_restore(
                &mut next,
                index,
                bug,
                &rollback,
                target,
                generation,
                &mut events,
            );
            RollbackPhase::RestoringState
        }
        RollbackPhase::RestoringState => {
            // Step 4: the restored root must be the target's ([R-RB-5]).
            let is_verified = rollback.target.is_some_and(|t| t.root == current.head_root);
            if !is_verified {
                process_failure(
                    &mut next,
                    index,
                    bug,
                    RollbackFailure::RootMismatch,
                    &mut events,
                );
                return Ok((next, events));
            }
            enter(&mut events, shard, RollbackPhase::VerifyingState);
            RollbackPhase::VerifyingState
        }
        RollbackPhase::VerifyingState => {
            // Step 5: the rollback completes and the shard is `Healing`,
            // with its record. The completed rollback stays in the view
            // until validator adjustment ([R-PIPE-2]); the pipeline moves
            // to `ValidatorAdjustment`.
            enter(&mut events, shard, RollbackPhase::Completed);
            next.shards[index].status = ShardStatus::Healing;
            record_status_change(
                &mut next,
                index,
                ShardStatus::Recovering,
                ShardStatus::Healing,
                rollback.cause,
                &mut events,
            );
            set_pipeline(
                &mut next,
                index,
                PipelineStage::ValidatorAdjustment,
                &mut events,
            );
            RollbackPhase::Completed
        }
        RollbackPhase::Completed => return Err(RollbackRejection::NotRecovering),
    };
    set_rollback(&mut next, index, |r| r.phase = phase);
    Ok((next, events))
}

/// [R-RB-2] A tick that moves the rollback emits `RollbackAdvanced` for
/// the phase it enters before it does that phase's work.
fn enter(events: &mut Vec<Event>, shard: ShardId, phase: RollbackPhase) {
    events.push(Event::RollbackAdvanced { shard, phase });
}

/// Changes the rollback of the shard at `index`, which it has.
fn set_rollback(view: &mut View, index: usize, change: impl FnOnce(&mut RollbackView)) {
    if let Some(rollback) = view.shards[index].rollback.as_mut() {
        change(rollback);
    }
}

/// [R-RB-4] Restores the shard at `index` to `target`: its head height
/// becomes the target's and its head root the root of its own chain at
/// that height ([`compute_chain_root`], not copied from the checkpoint:
/// [R-RB-5] compares the two); its generation becomes `generation`; its
/// pending checkpoints are dropped (`PendingDropped` if any); one record
/// `Rollback` is appended and `StateRestored` emitted. No other shard and
/// no xtx changes.
///
/// The model keeps no roots for evidence (it computes them), so there is
/// nothing to discard above the target: evidence there is out of range
/// ([R-FAULT-3] check 8).
///
/// Seeded bug: `RollbackHealthyShard` also lowers the next shard
/// `(s + 1) mod S` to its latest finalized checkpoint, or to genesis, if
/// its head is above it.
fn process_restore(
    view: &mut View,
    index: usize,
    bug: Option<SeededBug>,
    rollback: &RollbackView,
    target: mend_spec::Checkpoint,
    generation: Generation,
    events: &mut Vec<Event>,
) {
    let shard = &view.shards[index];
    let shard_id = shard.shard;
    let height_before = shard.height;
    let root_before = shard.head_root;
    let root = compute_chain_root(view, &view.shards[index], target.height);
    let shard = &mut view.shards[index];
    shard.height = target.height;
    shard.head_root = root;
    shard.generation = generation;
    let dropped = shard.pending.len();
    shard.pending.clear();
    if dropped > 0 {
        events.push(Event::PendingDropped {
            shard: shard_id,
            count: count_u32(dropped),
        });
    }
    let entry = AuditEntry::Rollback {
        shard: shard_id,
        cause: rollback.cause,
        target,
        height_before,
        root_before,
        root_after: root,
        generation,
    };
    let record = compute_next_record(&view.audit, view.epoch, entry);
    view.audit.push(record);
    events.push(Event::StateRestored {
        shard: shard_id,
        height: target.height,
        root,
        generation,
    });
    if bug == Some(SeededBug::RollbackHealthyShard) {
        let other = (index + 1) % view.shards.len();
        let healthy = &mut view.shards[other];
        let (height, root) = healthy
            .latest_finalized()
            .map_or((Height(0), StateRoot::Genesis), |f| {
                (f.checkpoint.height, f.checkpoint.root)
            });
        if other != index && height < healthy.height {
            healthy.height = height;
            healthy.head_root = root;
        }
    }
}

/// [R-RB-6] Fails the rollback of the shard at `index`: every xtx still in
/// flight in which it takes part aborts on both sides (`XtxAborted`,
/// ascending id) and their locks are released (`LockReleased`, ascending
/// `(shard, key)`), as steps 1 and 2 do; `RollbackFailed` is emitted; the
/// rollback stays in the view with its reason; the shard becomes `Frozen`
/// for an operator with one record
/// `StatusChange{Recovering -> Frozen}` and `StatusChanged`; the pipeline
/// moves to `Failed` ([R-PIPE-1]) with `PipelineAdvanced`.
///
/// Seeded bug: `AbortOneSide` aborts only the shard's own side and releases
/// only its own locks.
fn process_failure(
    view: &mut View,
    index: usize,
    bug: Option<SeededBug>,
    reason: RollbackFailure,
    events: &mut Vec<Event>,
) {
    let shard = view.shards[index].shard;
    let mut aborted = abort_in_flight(view, shard, bug, events);
    aborted.extend(aborted_holding_locks(view, shard));
    aborted.sort();
    aborted.dedup();
    let only = (bug == Some(SeededBug::AbortOneSide)).then_some(shard);
    release_locks(view, &aborted, only, events);
    events.push(Event::RollbackFailed { shard, reason });
    // The failed rollback stays in the view with its reason: the shard is
    // frozen for an operator ([R-RB-6], [R-ISO-3]).
    let Some(rollback) = view.shards[index].rollback.as_mut() else {
        return;
    };
    rollback.aborted.extend(aborted);
    rollback.aborted.sort();
    rollback.aborted.dedup();
    rollback.failure = Some(reason);
    let rollback = rollback.clone();
    view.shards[index].status = ShardStatus::Frozen;
    record_status_change(
        view,
        index,
        ShardStatus::Recovering,
        ShardStatus::Frozen,
        rollback.cause,
        events,
    );
    set_pipeline(view, index, PipelineStage::Failed, events);
}
