//! [INV-4 NoUnverifiedReintegration], over one step `(V, V')`.
//!
//! (a) A shard that becomes `Normal` was `Healing`, with its healing moving
//! from `ReadyForReintegration` to `Reintegrated` in the step, no fault open
//! against it, and its head verified: its latest finalized checkpoint lies
//! above the healing's base, at the head height, with the head root, and a
//! certificate of `q` distinct signers, members of the committee that
//! verified it (INV-6 (a) checks membership in the step that finalizes it)
//! ([R-HEAL-4], [R-HEAL-6]). (b) A healing passes its stages in order: a new
//! healing starts in `Initializing`; an existing one stays or moves to the
//! next stage with the same cause and base, and a failure once recorded
//! stays ([R-HEAL-1], [R-HEAL-5]). (c) The stages' entry conditions: a
//! healing entering `Rebuilding` has its head at the base's height and root;
//! one entering `VerifyingState` has its head at the base's height plus `N`
//! ([R-HEAL-2]).

use super::Violation;
use crate::params::Params;
use crate::protocol::{HealingStage, ShardStatus};
use crate::view::{HealingView, ShardView, View};
use std::collections::BTreeSet;

/// Checks one step against INV-4.
pub fn check_inv4_no_unverified_reintegration(
    before: &View,
    after: &View,
    params: &Params,
) -> Result<(), Violation> {
    for (old, new) in before.shards.iter().zip(&after.shards) {
        check_stage_order(old, new, params)?;
        if new.status == ShardStatus::Normal && old.status != ShardStatus::Normal {
            check_reintegration(old, new, params)?;
        }
    }
    Ok(())
}

fn check_reintegration(old: &ShardView, new: &ShardView, params: &Params) -> Result<(), Violation> {
    let unverified = |reason: &'static str| {
        Err(Violation::ReintegratedUnverified {
            shard: new.shard,
            reason: reason.to_string(),
        })
    };
    if old.status != ShardStatus::Healing {
        return unverified("it was not Healing");
    }
    let (Some(was), Some(is)) = (&old.healing, &new.healing) else {
        return unverified("it has no healing");
    };
    if was.stage != HealingStage::ReadyForReintegration || is.stage != HealingStage::Reintegrated {
        return unverified("its healing did not move from ReadyForReintegration to Reintegrated");
    }
    if !new.faults.is_empty() {
        return unverified("a fault against it is open");
    }
    let Some(latest) = new.finalized.last() else {
        return unverified("it has no finalized checkpoint");
    };
    let checkpoint = &latest.checkpoint;
    if checkpoint.height <= is.base.height {
        return unverified("no checkpoint was finalized above the base");
    }
    if checkpoint.height != new.height || checkpoint.root != new.head_root {
        return unverified("its head is not the latest finalized checkpoint");
    }
    // Membership is checked when the checkpoint finalizes, against the
    // committee of that day (INV-6 (a)): a slash after the verification
    // may change the committee without undoing what it signed.
    let signers: BTreeSet<_> = latest.signers.iter().collect();
    if signers.len() < params.quorum() {
        return unverified("the checkpoint at its head lacks a quorum of distinct signers");
    }
    Ok(())
}

fn check_stage_order(old: &ShardView, new: &ShardView, params: &Params) -> Result<(), Violation> {
    let Some(is) = &new.healing else {
        if old.healing.is_some() {
            return Err(skipped(new, old.healing.as_ref(), None));
        }
        return Ok(());
    };
    let was = old.healing.as_ref();
    if was == Some(is) {
        return Ok(());
    }
    let continues = was.is_some_and(|w| w.cause == is.cause && w.base == is.base);
    let finished = was.is_none_or(|w| w.stage == HealingStage::Reintegrated);
    let ordered = match was {
        // A failure is recorded in the stage it happened in, and stays.
        Some(w) if continues && w.failure.is_none() && is.failure.is_some() => w.stage == is.stage,
        Some(w) if continues && w.failure.is_none() => w.stage.next() == Some(is.stage),
        // A new healing, after none or after a reintegrated one.
        _ if finished => is.stage == HealingStage::Initializing,
        _ => false,
    };
    if !ordered {
        return Err(skipped(new, was, Some(is)));
    }
    if is.failure.is_some() {
        return Ok(());
    }
    let entered = |stage| is.stage == stage && was.is_none_or(|w| w.stage != stage);
    if entered(HealingStage::Rebuilding)
        && (new.height != is.base.height || new.head_root != is.base.root)
    {
        return Err(Violation::HealingEntryUnmet {
            shard: new.shard,
            stage: HealingStage::Rebuilding,
        });
    }
    if entered(HealingStage::VerifyingState)
        && new.height.0
            != is
                .base
                .height
                .0
                .saturating_add(params.checkpoint_interval_blocks)
    {
        return Err(Violation::HealingEntryUnmet {
            shard: new.shard,
            stage: HealingStage::VerifyingState,
        });
    }
    Ok(())
}

fn skipped(shard: &ShardView, was: Option<&HealingView>, is: Option<&HealingView>) -> Violation {
    Violation::HealingStageSkipped {
        shard: shard.shard,
        from: was.map(|h| h.stage),
        to: is.map(|h| h.stage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::StateRoot;
    use crate::protocol::{Fault, FaultKind, HealingFailure};
    use crate::testing::{checkpoint, one_shard_view};
    use crate::view::FinalizedCheckpoint;
    use crate::{Epoch, Generation, Height, ValidatorId};

    fn cause() -> Fault {
        Fault {
            kind: FaultKind::CheckpointStateMismatch,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(1),
            height: Height(3),
        }
    }

    /// A shard healing from the checkpoint at 2, in `stage`, with its head
    /// at the checkpoint.
    fn healing(stage: HealingStage) -> View {
        let mut view = one_shard_view();
        let base = checkpoint(2);
        view.shards[0].status = ShardStatus::Healing;
        view.shards[0].height = Height(2);
        view.shards[0].head_root = base.root;
        view.shards[0].finalized.push(FinalizedCheckpoint {
            checkpoint: base,
            signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
        });
        view.shards[0].healing = Some(HealingView {
            stage,
            cause: cause(),
            base,
            failure: None,
        });
        view
    }

    fn params() -> Params {
        Params::default_config()
    }

    fn advanced(view: &View) -> View {
        let mut next = view.clone();
        let h = next.shards[0].healing.as_mut().unwrap();
        h.stage = h.stage.next().unwrap();
        next
    }

    #[test]
    fn stages_move_one_at_a_time() {
        let start = healing(HealingStage::Initializing);
        let rebuilt = advanced(&start);
        assert_eq!(
            check_inv4_no_unverified_reintegration(&start, &rebuilt, &params()),
            Ok(())
        );
        let mut skip = advanced(&rebuilt);
        skip.shards[0].healing.as_mut().unwrap().stage = HealingStage::VerifyingState;
        assert!(matches!(
            check_inv4_no_unverified_reintegration(&rebuilt, &skip, &params()),
            Err(Violation::HealingStageSkipped {
                from: Some(HealingStage::Rebuilding),
                to: Some(HealingStage::VerifyingState),
                ..
            })
        ));
        let mut back = rebuilt.clone();
        back.shards[0].healing.as_mut().unwrap().stage = HealingStage::Initializing;
        assert!(check_inv4_no_unverified_reintegration(&rebuilt, &back, &params()).is_err());
    }

    #[test]
    fn a_new_healing_starts_initializing_and_a_failure_stays_in_its_stage() {
        let none = one_shard_view();
        let started = healing(HealingStage::Initializing);
        assert_eq!(
            check_inv4_no_unverified_reintegration(&none, &started, &params()),
            Ok(())
        );
        let late = healing(HealingStage::SyncingBlocks);
        assert!(check_inv4_no_unverified_reintegration(&none, &late, &params()).is_err());
        let mut failed = started.clone();
        failed.shards[0].healing.as_mut().unwrap().failure = Some(HealingFailure::RebuildMismatch);
        assert_eq!(
            check_inv4_no_unverified_reintegration(&started, &failed, &params()),
            Ok(())
        );
        let mut healed_again = failed.clone();
        healed_again.shards[0].healing.as_mut().unwrap().failure = None;
        assert!(check_inv4_no_unverified_reintegration(&failed, &healed_again, &params()).is_err());
    }

    #[test]
    fn rebuilding_needs_the_head_at_the_base_and_verifying_needs_n_blocks_above_it() {
        let start = healing(HealingStage::Initializing);
        let mut moved = advanced(&start);
        moved.shards[0].head_root = StateRoot::Forged {
            height: Height(2),
            nonce: 1,
        };
        assert!(matches!(
            check_inv4_no_unverified_reintegration(&start, &moved, &params()),
            Err(Violation::HealingEntryUnmet {
                stage: HealingStage::Rebuilding,
                ..
            })
        ));
        let syncing = healing(HealingStage::SyncingBlocks);
        let early = advanced(&syncing);
        assert!(matches!(
            check_inv4_no_unverified_reintegration(&syncing, &early, &params()),
            Err(Violation::HealingEntryUnmet {
                stage: HealingStage::VerifyingState,
                ..
            })
        ));
        let mut synced = syncing.clone();
        synced.shards[0].height = Height(4);
        let verifying = advanced(&synced);
        assert_eq!(
            check_inv4_no_unverified_reintegration(&synced, &verifying, &params()),
            Ok(())
        );
    }

    /// A shard ready for reintegration with its head at 4, finalized by
    /// `signers`.
    fn ready(signers: &[u16]) -> View {
        let mut view = healing(HealingStage::ReadyForReintegration);
        let verified = checkpoint(4);
        view.shards[0].height = Height(4);
        view.shards[0].head_root = verified.root;
        view.shards[0].finalized.push(FinalizedCheckpoint {
            checkpoint: verified,
            signers: signers.iter().map(|&v| ValidatorId(v)).collect(),
        });
        view
    }

    fn reintegrated(view: &View) -> View {
        let mut next = advanced(view);
        next.shards[0].status = ShardStatus::Normal;
        next
    }

    #[test]
    fn reintegration_needs_a_verified_head_signed_by_a_quorum_and_no_open_fault() {
        let good = ready(&[0, 1, 2]);
        assert_eq!(
            check_inv4_no_unverified_reintegration(&good, &reintegrated(&good), &params()),
            Ok(())
        );
        let short = ready(&[0, 1]);
        assert!(matches!(
            check_inv4_no_unverified_reintegration(&short, &reintegrated(&short), &params()),
            Err(Violation::ReintegratedUnverified { .. })
        ));
        let mut unverified = healing(HealingStage::ReadyForReintegration);
        unverified.shards[0].height = Height(4);
        assert!(matches!(
            check_inv4_no_unverified_reintegration(
                &unverified,
                &reintegrated(&unverified),
                &params()
            ),
            Err(Violation::ReintegratedUnverified { .. })
        ));
        let mut open = reintegrated(&good);
        open.shards[0].faults.push(cause());
        assert!(matches!(
            check_inv4_no_unverified_reintegration(&good, &open, &params()),
            Err(Violation::ReintegratedUnverified { .. })
        ));
        let mut from_frozen = good.clone();
        from_frozen.shards[0].status = ShardStatus::Frozen;
        assert!(check_inv4_no_unverified_reintegration(
            &from_frozen,
            &reintegrated(&good),
            &params()
        )
        .is_err());
    }
}
