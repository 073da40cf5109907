//! Rollback: the state machine that returns an isolated shard to its latest
//! finalized checkpoint ([R-RB-1] .. [R-RB-6]).
//!
//! A shard that detection isolated ([R-ISO-3]) starts its rollback at the
//! next epoch boundary ([R-RB-1], [R-EPOCH-2]): it becomes `Recovering`,
//! the rollback takes as its cause the fault that isolated the shard and as
//! its target the latest retained finalized checkpoint. From there the
//! recovery driver's tick, `AdvanceRollback`, moves it one phase per step
//! ([R-RB-2]), so that every other shard keeps running between phases:
//!
//! 1. `AbortingTransactions`: check the target against the window
//!    ([R-RB-3]), then abort every xtx in flight of the shard on both sides;
//! 2. `ReleasingLocks`: release those xtxs' locks, ascending `(shard, key)`;
//! 3. `RestoringState`: make the shard's own block at the target height the
//!    head again, raise the generation, drop pending checkpoints, and append
//!    one `Rollback` audit record ([R-RB-4]);
//! 4. `VerifyingState`: the restored root must be the target's ([R-RB-5]);
//! 5. `Completed`: the shard becomes `Healing`.
//!
//! A failed check (no target, a target or a fault beyond the window, a
//! root mismatch) fails the rollback instead ([R-RB-6]): what is still in
//! flight is aborted and unlocked, the rollback stays with its failure
//! reason, and the shard is `Frozen` for an operator: detection no longer
//! moves it ([R-ISO-3]).
//!
//! Cost: each tick touches the one shard it rolls back, the xtxs of that
//! shard (through its own in-flight index, `xtx`), their locks on the other
//! participant, and the blocks it undoes (popped from the chain's retained
//! history, one per block); never the list of shards.

use crate::audit::{AuditEntry, RecordNote};
use crate::block::RestoredFrom;
use crate::checkpoint::count_u32;
use crate::crypto::compute_genesis_root;
use crate::orchestrate::set_pipeline;
use crate::outcome::{EngineEvent, RollbackError};
use crate::state::{KnownShard, State, StatusCause};
use crate::wire::{CheckpointBody, Hash32};
use crate::xtx::{abort_in_flight, aborted_holding_locks, release_aborted_locks};
use mend_spec::protocol::PipelineStage;
use mend_spec::{
    Epoch, Generation, Height, RollbackFailure, RollbackPhase, ShardId, ShardStatus, XtxId,
};
use serde::{Deserialize, Serialize};

/// [R-RB-1] A rollback's target: a finalized checkpoint, by id and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Target {
    pub(crate) id: Hash32,
    pub(crate) body: CheckpointBody,
}

/// [R-RB-1], [R-RB-2], [R-RB-6] One shard's rollback, in progress,
/// completed or failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Rollback {
    pub(crate) phase: RollbackPhase,
    /// The fault that isolated the shard, with its id.
    pub(crate) cause: StatusCause,
    /// The latest retained finalized checkpoint when the rollback started.
    pub(crate) target: Option<Target>,
    /// The head height when the rollback started.
    pub(crate) from_height: Height,
    /// The head root when the rollback started.
    pub(crate) from_root: Hash32,
    /// The xtxs step 1 (or the failure) aborted, ascending.
    pub(crate) aborted: Vec<XtxId>,
    /// Why it failed, if it did: the shard is then frozen for an operator
    /// and detection no longer moves it ([R-RB-6], [R-ISO-3]).
    pub(crate) failure: Option<RollbackFailure>,
}

/// [R-RB-1], [R-EPOCH-2] Starts the rollback of the shard at `index`, which
/// is `Isolated` at its turn of the epoch boundary: it becomes
/// `Recovering`, the rollback is `Initiated` with the cause of the shard's
/// latest status change and its latest retained finalized checkpoint as
/// target, one audit record `Isolated -> Recovering` is appended, and
/// `StatusChanged` is returned.
pub(crate) fn start_rollback(state: &mut State, index: usize) -> Option<EngineEvent> {
    let epoch = state.epoch;
    let shard = state.shards.get_mut(index)?;
    assert_eq!(
        shard.status,
        ShardStatus::Isolated,
        "only an isolated shard starts a rollback"
    );
    let Some(cause) = shard.status_cause else {
        panic!(
            "bug: {} is Isolated, so a status change with a cause made it so",
            shard.id
        );
    };
    let target = shard.checkpoints.latest_finalized().map(|f| Target {
        id: f.id,
        body: f.body,
    });
    shard.rollback = Some(Rollback {
        phase: RollbackPhase::Initiated,
        cause,
        target,
        from_height: shard.chain.height,
        from_root: shard.chain.root,
        aborted: Vec::new(),
        failure: None,
    });
    Some(change_status(
        state,
        index,
        ShardStatus::Recovering,
        cause,
        epoch,
    ))
}

/// Changes the status of the shard at `index` to `to` because of `cause`,
/// appends its audit record (equal roots before and after) and returns
/// `StatusChanged` ([R-RB-1], [R-RB-2] step 5, [R-RB-6], [R-HEAL-5],
/// [R-HEAL-6], [R-AUDIT-1]).
pub(crate) fn change_status(
    state: &mut State,
    index: usize,
    to: ShardStatus,
    cause: StatusCause,
    epoch: Epoch,
) -> EngineEvent {
    let shard = &mut state.shards[index];
    let from = shard.status;
    shard.status = to;
    shard.status_cause = Some(cause);
    let shard_id = shard.id;
    let root = shard.chain.root;
    state.audit.append(
        epoch,
        AuditEntry::StatusChange {
            shard: shard_id,
            from,
            to,
            cause: cause.id,
            root_before: root,
            root_after: root,
        },
        RecordNote {
            cause: Some(cause.fault),
            target: None,
        },
    );
    EngineEvent::StatusChanged {
        shard: shard_id,
        from,
        to,
        cause: cause.fault,
        cause_id: cause.id,
    }
}

/// A rollback tick that passed [R-RB-2]'s checks.
#[derive(Debug)]
pub(crate) struct ValidatedRollbackTick {
    shard: KnownShard,
}

/// [R-RB-2] Checks a tick: `shard` is a shard, and it is `Recovering`.
pub(crate) fn validate_rollback_tick(
    state: &State,
    shard: ShardId,
) -> Result<ValidatedRollbackTick, RollbackError> {
    // [R-RB-2] check 1.
    let known = state
        .find_shard(shard)
        .ok_or(RollbackError::UnknownShard { shard })?;
    // [R-RB-2] check 2.
    let status = state.shard(known).status;
    if status != ShardStatus::Recovering {
        return Err(RollbackError::NotRecovering { shard, status });
    }
    Ok(ValidatedRollbackTick { shard: known })
}

/// [R-RB-2] Moves the rollback one phase on: `RollbackAdvanced` for the
/// phase it enters, then that phase's work; or, if the phase's check fails,
/// the events of a failure instead ([R-RB-6]).
pub(crate) fn apply_rollback_tick(
    state: &mut State,
    tick: ValidatedRollbackTick,
) -> Vec<EngineEvent> {
    let shard = state.shard(tick.shard);
    let Some(rollback) = &shard.rollback else {
        panic!(
            "bug: {} is Recovering, so its rollback started ([R-RB-1])",
            shard.id
        );
    };
    match rollback.phase {
        RollbackPhase::Initiated => abort_transactions(state, tick.shard),
        RollbackPhase::AbortingTransactions => release_locks(state, tick.shard),
        RollbackPhase::ReleasingLocks => restore_state(state, tick.shard),
        RollbackPhase::RestoringState => verify_state(state, tick.shard),
        RollbackPhase::VerifyingState => complete(state, tick.shard),
        RollbackPhase::Completed => panic!(
            "bug: {} is Recovering with a completed rollback; step 5 makes it Healing",
            shard.id
        ),
    }
}

/// The rollback of a shard that validation found `Recovering`.
fn rollback_mut(state: &mut State, known: KnownShard) -> &mut Rollback {
    let shard = state.shard_mut(known);
    let id = shard.id;
    match &mut shard.rollback {
        Some(rollback) => rollback,
        None => panic!("bug: {id} is Recovering, so its rollback started ([R-RB-1])"),
    }
}

/// [R-RB-3] Step 1's check, in order: there is a target (`NoCheckpoint`);
/// it lies at most `W` blocks below the height the rollback started from
/// (`TargetBeyondWindow`, skipped under the `RollbackBeyondWindow` seeded
/// bug); the cause's height plus `W` reaches that height
/// (`FaultBeyondWindow`).
fn check_target(state: &State, rollback: &Rollback) -> Result<(), RollbackFailure> {
    let window = state.params.rollback_window_blocks;
    let target = rollback.target.ok_or(RollbackFailure::NoCheckpoint)?;
    let depth = rollback.from_height.0.saturating_sub(target.body.height.0);
    if state.rules.is_target_window_checked() && depth > window {
        return Err(RollbackFailure::TargetBeyondWindow);
    }
    // Overflow means the fault's reach is above every height: within.
    if rollback
        .cause
        .fault
        .height
        .0
        .checked_add(window)
        .is_some_and(|reach| reach < rollback.from_height.0)
    {
        return Err(RollbackFailure::FaultBeyondWindow);
    }
    Ok(())
}

/// [R-RB-2] step 1: `Initiated -> AbortingTransactions`. Checks the target
/// ([R-RB-3]); then aborts, on both sides, every xtx in flight in which the
/// shard takes part, in ascending id (`XtxAborted` each); those and every
/// aborted xtx still locking the shard are the aborted list. Their locks
/// stay held until step 2.
fn abort_transactions(state: &mut State, known: KnownShard) -> Vec<EngineEvent> {
    let shard = state.shard(known);
    let (shard_id, rollback) = match &shard.rollback {
        Some(rollback) => (shard.id, rollback),
        None => panic!("bug: {} is Recovering without a rollback", shard.id),
    };
    if let Err(reason) = check_target(state, rollback) {
        return fail(state, known, reason);
    }
    let mut events = vec![EngineEvent::RollbackAdvanced {
        shard: shard_id,
        phase: RollbackPhase::AbortingTransactions,
    }];
    let scope = state.rules.rollback_abort_scope();
    let mut aborted = abort_in_flight(state, known, scope, &mut events);
    // Xtxs the other participant's rollback aborted and still locks here
    // join the list, so that step 2 frees them too: both shards of an xtx
    // may roll back at once.
    aborted.extend(aborted_holding_locks(state, known));
    aborted.sort_unstable();
    aborted.dedup();
    let rollback = rollback_mut(state, known);
    rollback.phase = RollbackPhase::AbortingTransactions;
    rollback.aborted = aborted;
    events
}

/// [R-RB-2] step 2: `AbortingTransactions -> ReleasingLocks`. Releases
/// every lock held by an xtx of the aborted list, on every shard, in
/// ascending `(shard, key)` order (`LockReleased` each).
fn release_locks(state: &mut State, known: KnownShard) -> Vec<EngineEvent> {
    let shard_id = state.shard(known).id;
    let rollback = rollback_mut(state, known);
    rollback.phase = RollbackPhase::ReleasingLocks;
    let aborted = rollback.aborted.clone();
    let mut events = vec![EngineEvent::RollbackAdvanced {
        shard: shard_id,
        phase: RollbackPhase::ReleasingLocks,
    }];
    let scope = state.rules.rollback_abort_scope();
    release_aborted_locks(state, &aborted, shard_id, scope, &mut events);
    events
}

/// [R-RB-2] step 3, [R-RB-4]: `ReleasingLocks -> RestoringState`. The
/// shard's head becomes its own block at the target height (height, block
/// id and root as stored, not copied from the checkpoint, so that step 4
/// compares the two), the blocks above it are forgotten, the generation
/// rises by one, pending checkpoints are dropped (`PendingDropped` if any),
/// one `Rollback` record is appended and `StateRestored` is emitted. No
/// other shard and no xtx changes.
fn restore_state(state: &mut State, known: KnownShard) -> Vec<EngineEvent> {
    let epoch = state.epoch;
    let rules = state.rules;
    let shard_count = state.shards.len();
    let shard = state.shard_mut(known);
    let shard_id = shard.id;
    let Some(rollback) = &mut shard.rollback else {
        panic!("bug: {shard_id} is Recovering without a rollback");
    };
    let Some(target) = rollback.target else {
        panic!("bug: step 1 of {shard_id}'s rollback accepted its target");
    };
    let cause = rollback.cause;
    rollback.phase = RollbackPhase::RestoringState;
    let mut events = vec![EngineEvent::RollbackAdvanced {
        shard: shard_id,
        phase: RollbackPhase::RestoringState,
    }];

    let height_before = shard.chain.height;
    let root_before = shard.chain.root;
    let restored = shard
        .chain
        .restore_to(shard_id, target.body.height, target.body.state_root);
    assert!(
        restored == RestoredFrom::History || !rules.is_every_target_within_history(),
        "a target within W blocks is among the A_b + W blocks kept ([R-RB-4])"
    );
    // A generation rises once per rollback, and a rollback takes two epoch
    // boundaries: u64::MAX is out of reach. Saturating keeps this total.
    shard.generation = Generation(shard.generation.0.saturating_add(1));
    let generation = shard.generation;
    let root_after = shard.chain.root;
    let dropped = shard.checkpoints.expire_pending();
    if dropped > 0 {
        events.push(EngineEvent::PendingDropped {
            shard: shard_id,
            count: count_u32(dropped),
        });
    }
    state.audit.append(
        epoch,
        AuditEntry::Rollback {
            shard: shard_id,
            cause: cause.id,
            target: target.id,
            height_before,
            root_before,
            root_after,
            generation,
        },
        RecordNote {
            cause: Some(cause.fault),
            target: Some(target.body),
        },
    );
    events.push(EngineEvent::StateRestored {
        shard: shard_id,
        height: target.body.height,
        root: root_after,
        generation,
    });

    // Only the `RollbackHealthyShard` seeded bug names another shard.
    let index = usize::from(shard_id.0);
    if let Some(other) = rules.also_restored_shard(index, shard_count) {
        lower_to_latest_finalized(state, other);
    }
    events
}

/// The `RollbackHealthyShard` seeded bug's wrong rule: lowers the shard at
/// `index` to its latest finalized checkpoint's height (or genesis) if that
/// is below its head, silently. Never called under the honest rules.
fn lower_to_latest_finalized(state: &mut State, index: usize) {
    let Some(shard) = state.shards.get_mut(index) else {
        return;
    };
    let (height, root) = match shard.checkpoints.latest_finalized() {
        Some(f) => (f.body.height, f.body.state_root),
        None => (Height(0), compute_genesis_root(shard.id)),
    };
    if height < shard.chain.height {
        let id = shard.id;
        shard.chain.restore_to(id, height, root);
    }
}

/// [R-RB-2] step 4, [R-RB-5]: `RestoringState -> VerifyingState`. The
/// restored head root must be the target checkpoint's root; otherwise the
/// rollback fails with `RootMismatch`.
fn verify_state(state: &mut State, known: KnownShard) -> Vec<EngineEvent> {
    let shard = state.shard(known);
    let shard_id = shard.id;
    let Some(target) = shard.rollback.as_ref().and_then(|r| r.target) else {
        panic!("bug: {shard_id}'s rollback was restored to its target");
    };
    if shard.chain.root != target.body.state_root {
        return fail(state, known, RollbackFailure::RootMismatch);
    }
    rollback_mut(state, known).phase = RollbackPhase::VerifyingState;
    vec![EngineEvent::RollbackAdvanced {
        shard: shard_id,
        phase: RollbackPhase::VerifyingState,
    }]
}

/// [R-RB-2] step 5: `VerifyingState -> Completed`. The shard becomes
/// `Healing` with one record `Recovering -> Healing`; the completed rollback
/// stays in the view until healing ([R-HEAL-*]) takes the shard over; the
/// pipeline moves to `ValidatorAdjustment` ([R-PIPE-1]).
fn complete(state: &mut State, known: KnownShard) -> Vec<EngineEvent> {
    let epoch = state.epoch;
    let shard_id = state.shard(known).id;
    let rollback = rollback_mut(state, known);
    rollback.phase = RollbackPhase::Completed;
    let cause = rollback.cause;
    vec![
        EngineEvent::RollbackAdvanced {
            shard: shard_id,
            phase: RollbackPhase::Completed,
        },
        change_status(
            state,
            usize::from(shard_id.0),
            ShardStatus::Healing,
            cause,
            epoch,
        ),
        set_pipeline(
            state,
            usize::from(shard_id.0),
            PipelineStage::ValidatorAdjustment,
        ),
    ]
}

/// [R-RB-6] Fails the rollback of `known` for `reason`: aborts, on both
/// sides, every xtx still in flight in which the shard takes part and
/// releases their locks (as steps 1 and 2, in one step; their ids join the
/// aborted list); keeps the rollback with its failure reason; and freezes
/// the shard for an operator with one record `Recovering -> Frozen`.
/// Events: `XtxAborted` (ascending id), `LockReleased` (ascending
/// `(shard, key)`), `RollbackFailed`, `StatusChanged`, then
/// `PipelineAdvanced{Failed}` ([R-PIPE-1]).
fn fail(state: &mut State, known: KnownShard, reason: RollbackFailure) -> Vec<EngineEvent> {
    let epoch = state.epoch;
    let shard_id = state.shard(known).id;
    let scope = state.rules.rollback_abort_scope();
    let mut events = Vec::new();
    let mut aborted = abort_in_flight(state, known, scope, &mut events);
    aborted.extend(aborted_holding_locks(state, known));
    aborted.sort_unstable();
    aborted.dedup();
    release_aborted_locks(state, &aborted, shard_id, scope, &mut events);
    events.push(EngineEvent::RollbackFailed {
        shard: shard_id,
        reason,
    });
    let Some(rollback) = state.shard_mut(known).rollback.as_mut() else {
        panic!("bug: {shard_id} is Recovering without a rollback");
    };
    rollback.aborted.extend(aborted);
    rollback.aborted.sort_unstable();
    rollback.aborted.dedup();
    rollback.failure = Some(reason);
    let cause = rollback.cause;
    events.push(change_status(
        state,
        usize::from(shard_id.0),
        ShardStatus::Frozen,
        cause,
        epoch,
    ));
    events.push(set_pipeline(
        state,
        usize::from(shard_id.0),
        PipelineStage::Failed,
    ));
    events
}

#[cfg(test)]
mod tests;
