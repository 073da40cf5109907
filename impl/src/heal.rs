//! Healing: the six stages that rebuild, re-sync and re-verify a rolled-back
//! shard under its adjusted committee before it is reintegrated
//! (`spec/SPEC.md` §7, [R-HEAL-1] .. [R-HEAL-6], [R-PIPE-2]).
//!
//! A healing starts at the first epoch boundary after its shard's rollback
//! completed, if the committee is full ([R-PIPE-2]): stage `Initializing`,
//! with the rollback's cause and its target as the **base**. From there the
//! recovery driver's tick, `AdvanceHealing`, moves it one stage per step
//! ([R-HEAL-2]):
//!
//! 1. `Rebuilding`: the head must be the base's height and root, else the
//!    healing fails (`RebuildMismatch`);
//! 2. `SyncingBlocks`: the shard takes blocks again, each re-executed and
//!    its root compared by the block rule ([R-BLK-1], [R-HEAL-3]), up to the
//!    base's height plus `N`;
//! 3. `VerifyingState`: once the head is there (`NotSynced` before); the
//!    shard takes the proposal and votes of the checkpoint at its head,
//!    with the quorum of the configured `n` ([R-HEAL-4], [R-SLASH-5]);
//! 4. `ReadyForReintegration`: only at an epoch boundary, if the checkpoint
//!    finalized at the head has the head's root (`VerificationMismatch`
//!    fails the healing otherwise), never by a tick (`AwaitingEpoch`);
//! 5. `Reintegrated`: if no fault is open on the shard (`FaultOpen`); the
//!    shard is `Normal` again ([R-HEAL-6]).
//!
//! A failure keeps the stage, records its reason, and freezes the shard for
//! an operator: `Healing -> Frozen` with one audit record, the pipeline
//! `Failed` ([R-HEAL-5], [R-PIPE-3]). A refused tick changes nothing.
//!
//! Cost: a tick reads and writes its own shard only, in `O(1)` (plus the
//! smallest open fault); the boundary's checks likewise.

use crate::isolate::is_recovering;
use crate::orchestrate::set_pipeline;
use crate::outcome::{EngineEvent, HealingError};
use crate::rollback::{change_status, Target};
use crate::state::{KnownShard, ShardState, State, StatusCause};
use mend_spec::protocol::{HealingFailure, HealingStage, PipelineStage};
use mend_spec::{Height, ShardId, ShardStatus};
use serde::{Deserialize, Serialize};

/// [R-HEAL-1] One shard's healing: in progress, reintegrated or failed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Healing {
    pub(crate) stage: HealingStage,
    /// The fault that started the recovery (the rollback's cause).
    pub(crate) cause: StatusCause,
    /// The finalized checkpoint the rollback returned to.
    pub(crate) base: Target,
    /// Why it failed, if it did ([R-HEAL-5]).
    pub(crate) failure: Option<HealingFailure>,
}

impl Healing {
    /// Whether this healing is in `stage` and has not failed.
    fn is_at(&self, stage: HealingStage) -> bool {
        self.stage == stage && self.failure.is_none()
    }

    /// [R-HEAL-2], [R-HEAL-3] The height `SyncingBlocks` syncs up to: the
    /// base's height plus `N`; `None` if that would overflow.
    pub(crate) fn synced_height(&self, interval_blocks: u64) -> Option<Height> {
        self.base
            .body
            .height
            .0
            .checked_add(interval_blocks)
            .map(Height)
    }
}

/// The healing of `shard` if it is `Healing` and its healing is in `stage`
/// and has not failed.
fn healing_at(shard: &ShardState, stage: HealingStage) -> Option<&Healing> {
    if shard.status != ShardStatus::Healing {
        return None;
    }
    shard.healing.as_ref().filter(|h| h.is_at(stage))
}

/// [R-BLK-1] check 2, [R-HEAL-3]: whether `shard` takes a block because it
/// is re-syncing: `Healing` in stage `SyncingBlocks` (not failed) with its
/// head below the base's height plus `N`.
pub(crate) fn is_syncing_blocks(shard: &ShardState, interval_blocks: u64) -> bool {
    healing_at(shard, HealingStage::SyncingBlocks).is_some_and(|h| {
        h.synced_height(interval_blocks)
            .is_some_and(|target| shard.chain.height < target)
    })
}

/// [R-CKPT-7], [R-CKPT-8] check 2: whether `shard` refuses checkpoint
/// proposals and votes: `Recovering`, or `Healing` other than in stage
/// `VerifyingState` (no healing yet, another stage, or a failed one).
pub(crate) fn is_checkpointing_refused(shard: &ShardState) -> bool {
    is_recovering(shard.status) && healing_at(shard, HealingStage::VerifyingState).is_none()
}

/// What a healing tick that passed its checks does ([R-HEAL-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HealingStep {
    /// `Initializing -> Rebuilding`: the head is the base.
    Rebuild,
    /// `Initializing`: the head is not the base; the healing fails.
    RebuildMismatch,
    /// `Rebuilding -> SyncingBlocks`.
    StartSyncing,
    /// `SyncingBlocks -> VerifyingState`: the head is synced.
    StartVerifying,
    /// `ReadyForReintegration -> Reintegrated`: no fault is open.
    Reintegrate,
}

/// A healing tick that passed [R-HEAL-2]'s checks, with what it does.
#[derive(Debug)]
pub(crate) struct ValidatedHealingTick {
    shard: KnownShard,
    step: HealingStep,
}

/// [R-HEAL-2] Checks a tick, in order: `shard` is a shard; it is `Healing`
/// with its pipeline at `Healing` or `RecoveryComplete` (so its healing
/// exists and has not failed); then by stage. Reads the state only.
pub(crate) fn validate_healing_tick(
    state: &State,
    shard_id: ShardId,
) -> Result<ValidatedHealingTick, HealingError> {
    // [R-HEAL-2] check 1.
    let known = state
        .find_shard(shard_id)
        .ok_or(HealingError::UnknownShard { shard: shard_id })?;
    let shard = state.shard(known);
    // [R-HEAL-2] check 2.
    let not_healing = HealingError::NotHealing {
        shard: shard_id,
        status: shard.status,
        pipeline: shard.pipeline,
    };
    if shard.status != ShardStatus::Healing
        || !matches!(
            shard.pipeline,
            Some(PipelineStage::Healing | PipelineStage::RecoveryComplete)
        )
    {
        return Err(not_healing);
    }
    let Some(healing) = shard.healing.as_ref().filter(|h| h.failure.is_none()) else {
        return Err(not_healing);
    };
    // [R-HEAL-2] check 3, by stage.
    let step = match healing.stage {
        HealingStage::Initializing => {
            let base = &healing.base.body;
            if shard.chain.height == base.height && shard.chain.root == base.state_root {
                HealingStep::Rebuild
            } else {
                HealingStep::RebuildMismatch
            }
        }
        HealingStage::Rebuilding => HealingStep::StartSyncing,
        HealingStage::SyncingBlocks => {
            let target = healing.synced_height(state.params.checkpoint_interval_blocks);
            if target != Some(shard.chain.height) {
                return Err(HealingError::NotSynced {
                    shard: shard_id,
                    head: shard.chain.height,
                    target,
                });
            }
            HealingStep::StartVerifying
        }
        HealingStage::VerifyingState => {
            return Err(HealingError::AwaitingEpoch { shard: shard_id });
        }
        HealingStage::ReadyForReintegration => {
            if let Some((fault, _)) = shard.faults.iter().next() {
                return Err(HealingError::FaultOpen {
                    shard: shard_id,
                    fault: *fault,
                });
            }
            HealingStep::Reintegrate
        }
        // A reintegrated shard is `Normal`: check 2 refused it already.
        HealingStage::Reintegrated => return Err(not_healing),
    };
    Ok(ValidatedHealingTick { shard: known, step })
}

/// [R-HEAL-2] Moves the healing one stage on and emits `HealingAdvanced`
/// for the stage it enters; or, for a rebuild mismatch, the events of a
/// failure ([R-HEAL-5]); or, out of `ReadyForReintegration`, those of the
/// reintegration ([R-HEAL-6]).
pub(crate) fn apply_healing_tick(
    state: &mut State,
    tick: ValidatedHealingTick,
) -> Vec<EngineEvent> {
    let index = usize::from(state.shard(tick.shard).id.0);
    let stage = match tick.step {
        HealingStep::RebuildMismatch => {
            return fail_healing(state, index, HealingFailure::RebuildMismatch);
        }
        HealingStep::Reintegrate => return reintegrate(state, index),
        HealingStep::Rebuild => HealingStage::Rebuilding,
        HealingStep::StartSyncing => state.rules.stage_after_rebuilding(),
        HealingStep::StartVerifying => HealingStage::VerifyingState,
    };
    enter_stage(state, index, stage)
}

/// Sets the stage of the healing of the shard at `index` and returns
/// `HealingAdvanced`.
fn enter_stage(state: &mut State, index: usize, stage: HealingStage) -> Vec<EngineEvent> {
    let shard = &mut state.shards[index];
    if let Some(healing) = shard.healing.as_mut() {
        healing.stage = stage;
    }
    vec![EngineEvent::HealingAdvanced {
        shard: shard.id,
        stage,
    }]
}

/// [R-HEAL-6] `ReadyForReintegration -> Reintegrated`: the status becomes
/// `Normal` with one record `Healing -> Normal` naming the healing's cause,
/// and the pipeline `Reintegrated`.
fn reintegrate(state: &mut State, index: usize) -> Vec<EngineEvent> {
    let mut events = enter_stage(state, index, HealingStage::Reintegrated);
    let Some(cause) = state.shards[index].healing.as_ref().map(|h| h.cause) else {
        return events;
    };
    let epoch = state.epoch;
    events.push(change_status(
        state,
        index,
        ShardStatus::Normal,
        cause,
        epoch,
    ));
    events.push(set_pipeline(state, index, PipelineStage::Reintegrated));
    events
}

/// [R-HEAL-5] Fails the healing of the shard at `index` for `reason`: it
/// keeps its stage and records the reason; the status goes `Healing ->
/// Frozen` with one record naming the healing's cause; the pipeline is
/// `Failed`. Events: `HealingFailed`, `StatusChanged`, `PipelineAdvanced`.
pub(crate) fn fail_healing(
    state: &mut State,
    index: usize,
    reason: HealingFailure,
) -> Vec<EngineEvent> {
    let shard = &mut state.shards[index];
    let shard_id = shard.id;
    let Some(healing) = shard.healing.as_mut() else {
        return Vec::new();
    };
    healing.failure = Some(reason);
    let cause = healing.cause;
    let epoch = state.epoch;
    vec![
        EngineEvent::HealingFailed {
            shard: shard_id,
            reason,
        },
        change_status(state, index, ShardStatus::Frozen, cause, epoch),
        set_pipeline(state, index, PipelineStage::Failed),
    ]
}

/// [R-PIPE-2], [R-ASSIGN-3], [R-EPOCH-2] step 4b: the shard at `index`,
/// whose pipeline is at `ValidatorAdjustment`, leaves its completed
/// rollback for a healing in `Initializing` with the rollback's cause and
/// target. With a full committee of `n` the pipeline moves to `Healing`
/// (`HealingAdvanced`, `PipelineAdvanced`); otherwise the healing is
/// created failed (`CommitteeUnrestorable`) and the shard frozen for an
/// operator ([R-HEAL-5]).
pub(crate) fn start_healing(state: &mut State, index: usize) -> Vec<EngineEvent> {
    let full = state.shards[index].committee.len() == usize::from(state.params.committee_size);
    let shard = &mut state.shards[index];
    let shard_id = shard.id;
    // A completed rollback always has its target ([R-RB-3] accepted it).
    let Some((cause, base)) = shard
        .rollback
        .as_ref()
        .and_then(|r| r.target.map(|target| (r.cause, target)))
    else {
        return Vec::new();
    };
    shard.rollback = None;
    shard.healing = Some(Healing {
        stage: HealingStage::Initializing,
        cause,
        base,
        failure: None,
    });
    if !full {
        return fail_healing(state, index, HealingFailure::CommitteeUnrestorable);
    }
    vec![
        EngineEvent::HealingAdvanced {
            shard: shard_id,
            stage: HealingStage::Initializing,
        },
        set_pipeline(state, index, PipelineStage::Healing),
    ]
}

/// [R-HEAL-4], [R-EPOCH-2] step 4c: whether the shard at `index` is
/// `Healing` in stage `VerifyingState`, so that its verification is checked
/// at the boundary.
pub(crate) fn is_verifying(state: &State, index: usize) -> bool {
    state
        .shards
        .get(index)
        .is_some_and(|s| healing_at(s, HealingStage::VerifyingState).is_some())
}

/// [R-HEAL-4], [R-EPOCH-2] step 4c: checks the verification of the shard at
/// `index`, in `VerifyingState`. If its latest finalized checkpoint is at
/// its head height: with the head's root the stage becomes
/// `ReadyForReintegration` and the pipeline `RecoveryComplete`; with
/// another the healing fails (`VerificationMismatch`). Otherwise nothing
/// changes (the `ReintegrateWithoutQuorum` seeded bug moves on anyway).
pub(crate) fn verify_healing(state: &mut State, index: usize) -> Vec<EngineEvent> {
    let shard = &state.shards[index];
    let at_head = shard
        .checkpoints
        .latest_finalized()
        .filter(|c| c.body.height == shard.chain.height)
        .map(|c| c.body.state_root);
    match at_head {
        Some(root) if root != shard.chain.root => {
            fail_healing(state, index, HealingFailure::VerificationMismatch)
        }
        None if state.rules.is_healing_verified_by_checkpoint() => Vec::new(),
        _ => {
            let mut events = enter_stage(state, index, HealingStage::ReadyForReintegration);
            events.push(set_pipeline(state, index, PipelineStage::RecoveryComplete));
            events
        }
    }
}

#[cfg(test)]
mod tests;
