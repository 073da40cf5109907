//! Healing and the recovery pipeline ([R-HEAL-1] .. [R-HEAL-6],
//! [R-PIPE-1] .. [R-PIPE-4]).
//!
//! A shard whose rollback completed ([R-RB-2] step 5) is `Healing` with its
//! pipeline at `ValidatorAdjustment`. At the next boundary, in its turn and
//! after its slashes and reassignment, its committee is checked
//! ([R-PIPE-2]): full, its healing starts in `Initializing` from the
//! rollback's target (the **base**) and the completed rollback leaves the
//! view; short, the healing is created already failed
//! (`CommitteeUnrestorable`) and the shard is frozen for an operator.
//!
//! Then `AdvanceHealing` ticks ([R-HEAL-2]) move the healing one stage at a
//! time: `Initializing -> Rebuilding` checks the head is the base;
//! `Rebuilding -> SyncingBlocks` opens the shard to the `N` blocks above
//! the base ([R-HEAL-3]); `SyncingBlocks -> VerifyingState` needs them
//! all, and opens the shard to the proposal and votes of the checkpoint at
//! the head. `VerifyingState` ends at a boundary ([R-HEAL-4]): a
//! checkpoint finalized at the head with the head's root makes it
//! `ReadyForReintegration`, one with another root fails it. The last tick
//! reintegrates the shard as `Normal` if no fault is open against it
//! ([R-HEAL-6]). A failure keeps the stage, records its reason, and sends
//! the shard `Healing -> Frozen` for an operator ([R-HEAL-5]).

use super::find_shard;
use super::rollback::{record_status_change, set_pipeline};
use mend_spec::outcome::HealingRejection;
use mend_spec::protocol::{HealingFailure, HealingStage, PipelineStage};
use mend_spec::view::HealingView;
use mend_spec::{Event, Params, SeededBug, ShardId, ShardStatus, ShardView, View};

/// [R-PIPE-2] Whether the shard's validators are to be adjusted at this
/// boundary: its pipeline is at `ValidatorAdjustment` (its rollback
/// completed since the last boundary).
pub fn is_adjusting(shard: &ShardView) -> bool {
    shard.pipeline == Some(PipelineStage::ValidatorAdjustment)
}

/// [R-HEAL-4] Whether the shard's healing is in `VerifyingState` and has
/// not failed, so that this boundary checks its verification.
pub fn is_verifying(shard: &ShardView) -> bool {
    shard
        .healing
        .is_some_and(|h| h.stage == HealingStage::VerifyingState && h.failure.is_none())
}

/// [R-HEAL-3] The height a healing syncs to: the base's height plus `N`
/// (saturating: no run reaches `u64::MAX`).
pub fn compute_sync_height(params: &Params, healing: &HealingView) -> u64 {
    healing
        .base
        .height
        .0
        .saturating_add(params.checkpoint_interval_blocks)
}

/// [R-PIPE-2] Adjusts the validators of the shard at `index` after its
/// completed rollback: with `n` members its healing starts in
/// `Initializing` (cause and base: the rollback's cause and target), the
/// rollback leaves the view and the pipeline moves to `Healing`
/// (`HealingAdvanced`, then `PipelineAdvanced`); short of `n` the healing
/// is created failed with `CommitteeUnrestorable` ([R-ASSIGN-3]) and the
/// shard is frozen ([`process_failure`]).
pub(super) fn process_adjustment(
    view: &mut View,
    params: &Params,
    index: usize,
    events: &mut Vec<Event>,
) {
    let shard = &view.shards[index];
    // A completed rollback always has its target ([R-RB-3] refused one
    // without); a view without one is malformed and nothing happens.
    let Some((cause, base)) = shard
        .rollback
        .as_ref()
        .and_then(|r| r.target.map(|t| (r.cause, t)))
    else {
        return;
    };
    let is_full = shard.committee.len() >= usize::from(params.committee_size);
    let shard_id = shard.shard;
    let target = &mut view.shards[index];
    target.rollback = None;
    target.healing = Some(HealingView {
        stage: HealingStage::Initializing,
        cause,
        base,
        failure: None,
    });
    if is_full {
        events.push(Event::HealingAdvanced {
            shard: shard_id,
            stage: HealingStage::Initializing,
        });
        set_pipeline(view, index, PipelineStage::Healing, events);
    } else {
        process_failure(view, index, HealingFailure::CommitteeUnrestorable, events);
    }
}

/// [R-HEAL-4] Checks the verification of the shard at `index` at the
/// boundary: its latest finalized checkpoint at the head height with the
/// head root makes the healing `ReadyForReintegration` and the pipeline
/// `RecoveryComplete`; at the head with another root fails it
/// (`VerificationMismatch`); none at the head yet leaves it in
/// `VerifyingState`. Under the seeded bug `ReintegrateWithoutQuorum` the
/// last case moves on too.
pub(super) fn process_verification(
    view: &mut View,
    _params: &Params,
    index: usize,
    bug: Option<SeededBug>,
    events: &mut Vec<Event>,
) {
    let shard = &view.shards[index];
    let at_head = shard
        .latest_finalized()
        .filter(|c| c.checkpoint.height == shard.height)
        .map(|c| c.checkpoint.root);
    let is_verified = match at_head {
        Some(root) if root == shard.head_root => true,
        Some(_) => {
            process_failure(view, index, HealingFailure::VerificationMismatch, events);
            return;
        }
        None => bug == Some(SeededBug::ReintegrateWithoutQuorum),
    };
    if !is_verified {
        return;
    }
    let shard_id = view.shards[index].shard;
    set_stage(view, index, HealingStage::ReadyForReintegration);
    events.push(Event::HealingAdvanced {
        shard: shard_id,
        stage: HealingStage::ReadyForReintegration,
    });
    set_pipeline(view, index, PipelineStage::RecoveryComplete, events);
}

/// Sets the stage of the healing of the shard at `index`, which it has.
fn set_stage(view: &mut View, index: usize, stage: HealingStage) {
    if let Some(healing) = view.shards[index].healing.as_mut() {
        healing.stage = stage;
    }
}

/// [R-HEAL-5] Fails the healing of the shard at `index`: it keeps its stage
/// and records `reason`; the shard goes `Healing -> Frozen` for an operator
/// with one `StatusChange` record naming the healing's cause; the events
/// are `HealingFailed`, `StatusChanged`, `PipelineAdvanced{Failed}`.
fn process_failure(view: &mut View, index: usize, reason: HealingFailure, events: &mut Vec<Event>) {
    let shard = &mut view.shards[index];
    let Some(healing) = shard.healing.as_mut() else {
        return;
    };
    healing.failure = Some(reason);
    let cause = healing.cause;
    let from = shard.status;
    shard.status = ShardStatus::Frozen;
    events.push(Event::HealingFailed {
        shard: shard.shard,
        reason,
    });
    record_status_change(view, index, from, ShardStatus::Frozen, cause, events);
    set_pipeline(view, index, PipelineStage::Failed, events);
}

/// [R-HEAL-2] One tick of the recovery driver: checks that `shard` is a
/// shard (`UnknownShard`) and is `Healing` with its pipeline at `Healing`
/// or `RecoveryComplete` (`NotHealing`), then moves its healing one stage
/// on by the table, or refuses (`NotSynced`, `AwaitingEpoch`, `FaultOpen`),
/// or fails it (`RebuildMismatch`). A refused tick changes nothing.
pub(super) fn process_advance(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    shard: ShardId,
) -> Result<(View, Vec<Event>), HealingRejection> {
    // Check 1: the shard exists.
    let Some(index) = find_shard(params, view, shard) else {
        return Err(HealingRejection::UnknownShard);
    };
    // Check 2: `Healing`, with its pipeline at `Healing` or
    // `RecoveryComplete`, so its healing exists and has not failed.
    let current = &view.shards[index];
    let is_healing = current.status == ShardStatus::Healing
        && matches!(
            current.pipeline,
            Some(PipelineStage::Healing | PipelineStage::RecoveryComplete)
        );
    let Some(healing) = current.healing.filter(|h| h.failure.is_none()) else {
        return Err(HealingRejection::NotHealing);
    };
    if !is_healing {
        return Err(HealingRejection::NotHealing);
    }
    let mut next = view.clone();
    let mut events = Vec::new();
    let stage = match healing.stage {
        // Rebuild from the base: the head must be the base's height and
        // root, or the healing fails.
        HealingStage::Initializing => {
            if current.height != healing.base.height || current.head_root != healing.base.root {
                process_failure(
                    &mut next,
                    index,
                    HealingFailure::RebuildMismatch,
                    &mut events,
                );
                return Ok((next, events));
            }
            HealingStage::Rebuilding
        }
        // The shard now takes the `N` blocks above the base ([R-HEAL-3]);
        // under `SkipSyncingBlocks` the tick goes straight to verifying.
        HealingStage::Rebuilding => {
            if bug == Some(SeededBug::SkipSyncingBlocks) {
                HealingStage::VerifyingState
            } else {
                HealingStage::SyncingBlocks
            }
        }
        // Every block up to the next checkpoint height is synced.
        HealingStage::SyncingBlocks => {
            if current.height.0 != compute_sync_height(params, &healing) {
                return Err(HealingRejection::NotSynced);
            }
            HealingStage::VerifyingState
        }
        // This stage ends at an epoch boundary ([R-HEAL-4]).
        HealingStage::VerifyingState => return Err(HealingRejection::AwaitingEpoch),
        // [R-HEAL-6] Reintegration, with no fault open against the shard.
        HealingStage::ReadyForReintegration => {
            if !current.faults.is_empty() {
                return Err(HealingRejection::FaultOpen);
            }
            set_stage(&mut next, index, HealingStage::Reintegrated);
            events.push(Event::HealingAdvanced {
                shard,
                stage: HealingStage::Reintegrated,
            });
            next.shards[index].status = ShardStatus::Normal;
            record_status_change(
                &mut next,
                index,
                ShardStatus::Healing,
                ShardStatus::Normal,
                healing.cause,
                &mut events,
            );
            set_pipeline(&mut next, index, PipelineStage::Reintegrated, &mut events);
            return Ok((next, events));
        }
        // A reintegrated shard is `Normal` and fails check 2; kept for a
        // malformed view.
        HealingStage::Reintegrated => return Err(HealingRejection::NotHealing),
    };
    set_stage(&mut next, index, stage);
    events.push(Event::HealingAdvanced { shard, stage });
    Ok((next, events))
}
