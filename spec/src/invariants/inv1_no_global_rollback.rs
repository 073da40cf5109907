//! [INV-1 NoGlobalRollback], over one step `(V, V')`.
//!
//! The epoch never decreases and the shards stay the same. A shard's head
//! height falls only in the step that restores its own rollback
//! ([R-RB-4]): it is `Recovering` on both sides of the step, its rollback
//! moves from `ReleasingLocks` into `RestoringState`, its cause is a fault
//! whose response is isolation (verified evidence, [R-FAULT-2]), and its new
//! height is its target's. In that step no other shard and no cross-shard
//! transaction changes. Finalized checkpoints leave only by retention
//! pruning, at an epoch boundary, the oldest first ([R-CKPT-9]); a retained
//! certificate only gains signers, and only in its checkpoint's epoch
//! (late votes, [R-CKPT-8]). A shard's rollback generation changes only in its
//! restoring step, and there by exactly one ([R-RB-4]). A detection status
//! change needs a fault open against that shard before the step, so a fault
//! in one shard never changes another ([R-ISO-3]); a change into
//! `Recovering` comes from `Isolated` and starts a rollback, and one out of
//! it goes to `Healing` with the rollback completed or to `Frozen` with it
//! failed ([R-RB-1], [R-RB-2], [R-RB-6]).

use super::{response_of, Violation};
use crate::ids::Epoch;
use crate::protocol::{HealingStage, RollbackPhase, ShardStatus};
use crate::view::{ShardView, View};

/// Checks one step against INV-1.
pub fn check_inv1_no_global_rollback(before: &View, after: &View) -> Result<(), Violation> {
    if after.epoch < before.epoch {
        return Err(Violation::EpochDecreased {
            before: before.epoch,
            after: after.epoch,
        });
    }
    if before.shards.len() != after.shards.len() {
        return Err(Violation::ShardsChanged {
            before: before.shards.len() as u32,
            after: after.shards.len() as u32,
        });
    }
    let mut lowered = Vec::new();
    for (old, new) in before.shards.iter().zip(&after.shards) {
        if new.height < old.height {
            if !is_restoring_step(old, new) {
                return Err(Violation::HeightLoweredOutsideRollback {
                    shard: old.shard,
                    before: old.height,
                    after: new.height,
                });
            }
            lowered.push(old.shard);
        }
        let restoring = is_restoring_step(old, new);
        let generation_ok = if restoring {
            old.generation.0.checked_add(1) == Some(new.generation.0)
        } else {
            old.generation == new.generation
        };
        if !generation_ok {
            return Err(Violation::GenerationChangedOutsideRollback {
                shard: old.shard,
                before: old.generation,
                after: new.generation,
            });
        }
        check_finalized_kept(old, new, before.epoch, after.epoch)?;
        check_status_cause(old, new)?;
    }
    if lowered.len() > 1 {
        return Err(Violation::SeveralShardsLowered { shards: lowered });
    }
    // The restoring step touches its own shard only ([R-RB-4]).
    let restored = before
        .shards
        .iter()
        .zip(&after.shards)
        .find(|(old, new)| is_restoring_step(old, new));
    if let Some((old, _)) = restored {
        for (other_old, other_new) in before.shards.iter().zip(&after.shards) {
            if other_old.shard != old.shard && other_old != other_new {
                return Err(Violation::OtherShardChangedInRollback {
                    shard: old.shard,
                    other: other_old.shard,
                });
            }
        }
        if before.transactions != after.transactions {
            return Err(Violation::XtxChangedInRollback { shard: old.shard });
        }
    }
    Ok(())
}

/// Checks INV-1's retention clause over one step: no shard is left with
/// fewer finalized checkpoints than `K` or than it held before, whichever is
/// less ([R-CKPT-9]: pruning keeps the `K` most recent). The predicate on
/// the step alone could let a boundary prune every checkpoint, the latest
/// included; this needs `K`, from `params`.
pub fn check_inv1_retention(
    before: &View,
    after: &View,
    params: &crate::params::Params,
) -> Result<(), Violation> {
    let retention = usize::try_from(params.retention_checkpoints).unwrap_or(usize::MAX);
    for (old, new) in before.shards.iter().zip(&after.shards) {
        let floor = old.finalized.len().min(retention);
        if new.finalized.len() < floor {
            return Err(Violation::OverPruned {
                shard: old.shard,
                kept: new.finalized.len() as u32,
                retention: params.retention_checkpoints,
            });
        }
    }
    Ok(())
}

/// Whether `old -> new` is the step that restores `old`'s rollback
/// ([R-RB-2] step 3) for a fault that isolated it, to its target's height.
fn is_restoring_step(old: &ShardView, new: &ShardView) -> bool {
    let (Some(was), Some(now)) = (&old.rollback, &new.rollback) else {
        return false;
    };
    old.status == ShardStatus::Recovering
        && new.status == ShardStatus::Recovering
        && was.phase == RollbackPhase::ReleasingLocks
        && now.phase == RollbackPhase::RestoringState
        && response_of(was.cause.kind) == Some(ShardStatus::Isolated)
        && was.target.is_some_and(|t| t.height == new.height)
}

/// Retention prunes from the front of the finalization order, and only at
/// an epoch boundary (a step from `epoch` to a later `next`): the missing checkpoints must be a prefix
/// of the old list, and there must be none in any other step. A checkpoint
/// kept by both views keeps every signer of its certificate, and its
/// certificate changes only while its epoch is the current one.
fn check_finalized_kept(
    old: &ShardView,
    new: &ShardView,
    epoch: Epoch,
    next: Epoch,
) -> Result<(), Violation> {
    let boundary = next > epoch;
    let mut missing = Vec::new();
    for (i, was) in old.finalized.iter().enumerate() {
        let Some(now) = new
            .finalized
            .iter()
            .find(|c| c.checkpoint == was.checkpoint)
        else {
            missing.push(i);
            continue;
        };
        let kept_all = was.signers.iter().all(|v| now.signers.contains(v));
        let grew_in_its_epoch =
            now.signers == was.signers || (!boundary && now.checkpoint.epoch == epoch);
        if !kept_all || !grew_in_its_epoch {
            return Err(Violation::CertificateChanged {
                shard: old.shard,
                checkpoint: was.checkpoint,
            });
        }
    }
    let out_of_order = missing.iter().enumerate().find(|(pos, i)| *pos != **i);
    let lost = match (out_of_order, missing.last()) {
        (Some((_, &i)), _) => Some(i),
        (None, Some(&i)) if !boundary => Some(i),
        _ => None,
    };
    match lost {
        Some(i) => Err(Violation::FinalizedCheckpointLost {
            shard: old.shard,
            checkpoint: old.finalized[i].checkpoint,
        }),
        None => Ok(()),
    }
}

/// A detection change needs a fault open on that shard before the step; a
/// change into `Recovering` comes from `Isolated` and starts a rollback
/// (phase `Initiated`, no failure); one out of it goes to `Healing` with the
/// rollback completed, or to `Frozen` with it failed; one out of `Healing`
/// goes to `Normal` with the healing reintegrated, or to `Frozen` with it
/// failed.
fn check_status_cause(old: &ShardView, new: &ShardView) -> Result<(), Violation> {
    if old.status == new.status {
        return Ok(());
    }
    let justified = if new.status == ShardStatus::Recovering {
        old.status == ShardStatus::Isolated
            && new
                .rollback
                .as_ref()
                .is_some_and(|r| r.phase == RollbackPhase::Initiated && r.failure.is_none())
    } else if old.status == ShardStatus::Recovering {
        match (new.status, &new.rollback) {
            (ShardStatus::Healing, Some(r)) => {
                r.phase == RollbackPhase::Completed && r.failure.is_none()
            }
            (ShardStatus::Frozen, Some(r)) => r.failure.is_some(),
            _ => false,
        }
    } else if old.status == ShardStatus::Healing {
        match (new.status, &new.healing) {
            (ShardStatus::Normal, Some(h)) => {
                h.stage == HealingStage::Reintegrated && h.failure.is_none()
            }
            (ShardStatus::Frozen, Some(h)) => h.failure.is_some(),
            _ => false,
        }
    } else {
        !old.faults.is_empty()
    };
    if justified {
        Ok(())
    } else {
        Err(Violation::StatusChangedWithoutCause {
            shard: old.shard,
            from: old.status,
            to: new.status,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Fault, FaultKind};
    use crate::testing::two_shard_view;
    use crate::view::RollbackView;
    use crate::{Epoch, Generation, Height, StateRoot, ValidatorId};

    fn fault(kind: FaultKind) -> Fault {
        Fault {
            kind,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(2),
        }
    }

    /// Shard 0 recovering in `phase`, started at height 4 towards its
    /// checkpoint at 2.
    fn recovering(phase: RollbackPhase) -> View {
        let mut view = two_shard_view();
        view.shards[0].status = ShardStatus::Recovering;
        view.shards[0].finalized.pop();
        view.shards[0].rollback = Some(RollbackView {
            phase,
            cause: fault(FaultKind::CheckpointStateMismatch),
            target: Some(view.shards[0].finalized[0].checkpoint),
            from_height: Height(4),
            from_root: view.shards[0].head_root,
            aborted: vec![],
            failure: None,
        });
        view
    }

    fn restore(view: &View) -> View {
        let mut after = view.clone();
        let shard = &mut after.shards[0];
        shard.height = Height(2);
        shard.head_root = StateRoot::Block {
            height: Height(2),
            generation: Generation(0),
        };
        shard.generation = Generation(1);
        if let Some(r) = &mut shard.rollback {
            r.phase = RollbackPhase::RestoringState;
        }
        after
    }

    #[test]
    fn a_status_change_needs_a_fault_open_on_that_shard() {
        let mut before = two_shard_view();
        before.shards[0]
            .faults
            .push(fault(FaultKind::ValidatorEquivocation));
        let mut after = before.clone();
        after.epoch = Epoch(1);
        after.shards[0].status = ShardStatus::Frozen;
        assert_eq!(check_inv1_no_global_rollback(&before, &after), Ok(()));
        let mut wrong = before.clone();
        wrong.shards[1].status = ShardStatus::Frozen;
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &wrong),
            Err(Violation::StatusChangedWithoutCause { .. })
        ));
    }

    #[test]
    fn the_epoch_never_decreases_and_heights_fall_only_when_restoring_a_rollback() {
        let mut before = two_shard_view();
        before.epoch = Epoch(2);
        before.shards[1].height = Height(3);
        let mut after = before.clone();
        after.epoch = Epoch(1);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &after),
            Err(Violation::EpochDecreased { .. })
        ));
        let mut after = before.clone();
        after.shards[1].height = Height(2);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &after),
            Err(Violation::HeightLoweredOutsideRollback { .. })
        ));
    }

    #[test]
    fn a_restoring_step_lowers_its_own_shard_to_the_target_and_nothing_else() {
        let before = recovering(RollbackPhase::ReleasingLocks);
        let after = restore(&before);
        assert_eq!(check_inv1_no_global_rollback(&before, &after), Ok(()));
        // Restoring below the target.
        let mut deeper = after.clone();
        deeper.shards[0].height = Height(1);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &deeper),
            Err(Violation::HeightLoweredOutsideRollback { .. })
        ));
        // Restoring from the wrong phase.
        let early = recovering(RollbackPhase::AbortingTransactions);
        assert!(matches!(
            check_inv1_no_global_rollback(&early, &restore(&early)),
            Err(Violation::HeightLoweredOutsideRollback { .. })
        ));
        // A rollback for a fault that does not isolate.
        let mut weak = before.clone();
        if let Some(r) = &mut weak.shards[0].rollback {
            r.cause = fault(FaultKind::ValidatorEquivocation);
        }
        assert!(matches!(
            check_inv1_no_global_rollback(&weak, &restore(&weak)),
            Err(Violation::HeightLoweredOutsideRollback { .. })
        ));
        // Another shard touched in the same step.
        let mut touched = after.clone();
        touched.shards[1].last_block_epoch = Epoch(1);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &touched),
            Err(Violation::OtherShardChangedInRollback { .. })
        ));
        // Another shard lowered in the same step.
        let mut two = after.clone();
        two.shards[1].height = Height(1);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &two),
            Err(Violation::HeightLoweredOutsideRollback { .. })
        ));
    }

    #[test]
    fn the_generation_rises_by_one_in_the_restoring_step_and_nowhere_else() {
        let before = recovering(RollbackPhase::ReleasingLocks);
        let mut same = restore(&before);
        same.shards[0].generation = Generation(0);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &same),
            Err(Violation::GenerationChangedOutsideRollback { .. })
        ));
        let mut two = restore(&before);
        two.shards[0].generation = Generation(2);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &two),
            Err(Violation::GenerationChangedOutsideRollback { .. })
        ));
        let mut elsewhere = two_shard_view();
        let plain = elsewhere.clone();
        elsewhere.shards[1].generation = Generation(1);
        assert!(matches!(
            check_inv1_no_global_rollback(&plain, &elsewhere),
            Err(Violation::GenerationChangedOutsideRollback { .. })
        ));
    }

    #[test]
    fn leaving_recovering_needs_a_completed_or_failed_rollback() {
        let verifying = recovering(RollbackPhase::VerifyingState);
        let mut healed = verifying.clone();
        healed.shards[0].status = ShardStatus::Healing;
        // Still in `VerifyingState`: not completed.
        assert!(matches!(
            check_inv1_no_global_rollback(&verifying, &healed),
            Err(Violation::StatusChangedWithoutCause { .. })
        ));
        if let Some(r) = &mut healed.shards[0].rollback {
            r.phase = RollbackPhase::Completed;
        }
        assert_eq!(check_inv1_no_global_rollback(&verifying, &healed), Ok(()));
        let mut frozen = verifying.clone();
        frozen.shards[0].status = ShardStatus::Frozen;
        assert!(matches!(
            check_inv1_no_global_rollback(&verifying, &frozen),
            Err(Violation::StatusChangedWithoutCause { .. })
        ));
        if let Some(r) = &mut frozen.shards[0].rollback {
            r.failure = Some(crate::protocol::RollbackFailure::RootMismatch);
        }
        assert_eq!(check_inv1_no_global_rollback(&verifying, &frozen), Ok(()));
    }

    #[test]
    fn changes_into_and_out_of_recovering_need_the_shards_own_rollback() {
        let with_rollback = recovering(RollbackPhase::Initiated);
        let mut isolated = with_rollback.clone();
        isolated.shards[0].status = ShardStatus::Isolated;
        isolated.shards[0].rollback = None;
        let mut started = isolated.clone();
        started.shards[0].status = ShardStatus::Recovering;
        assert!(matches!(
            check_inv1_no_global_rollback(&isolated, &started),
            Err(Violation::StatusChangedWithoutCause { .. })
        ));
        assert_eq!(
            check_inv1_no_global_rollback(&isolated, &with_rollback),
            Ok(())
        );
    }

    #[test]
    fn only_the_oldest_finalized_checkpoints_may_go_and_only_at_a_boundary() {
        let before = two_shard_view();
        assert!(before.shards[0].finalized.len() >= 2);
        let mut pruned = before.clone();
        pruned.shards[0].finalized.remove(0);
        // Not at a boundary, even with a new checkpoint finalized in the
        // step: retention waits for the boundary ([R-CKPT-9]).
        let mut newest = crate::testing::checkpoint(6);
        newest.parent = pruned.shards[0].finalized[0].checkpoint.link();
        let mut with_new = pruned.clone();
        with_new.shards[0]
            .finalized
            .push(crate::view::FinalizedCheckpoint {
                checkpoint: newest,
                signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
            });
        for after in [&pruned, &with_new] {
            assert!(matches!(
                check_inv1_no_global_rollback(&before, after),
                Err(Violation::FinalizedCheckpointLost { .. })
            ));
        }
        // At a boundary, the oldest may go.
        pruned.epoch = Epoch(before.epoch.0 + 1);
        assert_eq!(check_inv1_no_global_rollback(&before, &pruned), Ok(()));
        // The newest may not, boundary or not.
        let mut lost = before.clone();
        lost.shards[0].finalized.pop();
        lost.epoch = Epoch(before.epoch.0 + 1);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &lost),
            Err(Violation::FinalizedCheckpointLost { .. })
        ));
    }

    #[test]
    fn a_boundary_never_prunes_below_k_or_the_latest() {
        let params = crate::params::Params::default_config();
        let before = two_shard_view();
        let mut emptied = before.clone();
        emptied.epoch = Epoch(before.epoch.0 + 1);
        emptied.shards[0].finalized.clear();
        // The step alone is a prefix pruned at a boundary ...
        assert_eq!(check_inv1_no_global_rollback(&before, &emptied), Ok(()));
        // ... but K = 2 must remain.
        assert!(matches!(
            check_inv1_retention(&before, &emptied, &params),
            Err(Violation::OverPruned {
                kept: 0,
                retention: 2,
                ..
            })
        ));
        assert_eq!(check_inv1_retention(&before, &before, &params), Ok(()));
    }

    #[test]
    fn a_certificate_grows_only_in_its_epoch_and_never_shrinks() {
        let before = two_shard_view();
        let mut late = before.clone();
        late.shards[0].finalized[1].signers.push(ValidatorId(3));
        // A late vote in the checkpoint's epoch ([R-CKPT-8]).
        assert_eq!(check_inv1_no_global_rollback(&before, &late), Ok(()));
        // Back the other way, a signer is lost.
        assert!(matches!(
            check_inv1_no_global_rollback(&late, &before),
            Err(Violation::CertificateChanged { .. })
        ));
        // After the checkpoint's epoch its certificate is closed.
        let mut closed = before.clone();
        closed.epoch = Epoch(1);
        let mut reopened = closed.clone();
        reopened.shards[0].finalized[1].signers.push(ValidatorId(3));
        assert!(matches!(
            check_inv1_no_global_rollback(&closed, &reopened),
            Err(Violation::CertificateChanged { .. })
        ));
        // And a boundary step does not add signers either.
        late.epoch = Epoch(1);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &late),
            Err(Violation::CertificateChanged { .. })
        ));
    }
}
