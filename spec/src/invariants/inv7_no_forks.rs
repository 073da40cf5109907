//! [INV-7 NoForks]: at most one finalized checkpoint per shard and height;
//! each shard's retained finalized checkpoints form one parent-linked chain;
//! and a rollback whose target was accepted returns to the shard's latest
//! finalized checkpoint, within the window `W` ([R-RB-3]), and once
//! restored its head is at the target's height ([R-RB-4]).

use super::Violation;
use crate::action::ParentLink;
use crate::protocol::RollbackPhase;
use crate::view::View;
use std::collections::BTreeMap;

/// Checks, per shard whose rollback has passed `Initiated`, that its target
/// exists, is the latest retained finalized checkpoint, lies at most
/// `window` blocks below the height the rollback started from, and, from
/// `RestoringState` on, is where the head is.
pub fn check_inv7_rollback_target(view: &View, window: u64) -> Result<(), Violation> {
    for shard in &view.shards {
        let Some(rollback) = &shard.rollback else {
            continue;
        };
        if rollback.phase == RollbackPhase::Initiated {
            continue;
        }
        let Some(target) = rollback.target else {
            return Err(Violation::RollbackWithoutTarget { shard: shard.shard });
        };
        if shard.finalized.last().map(|c| c.checkpoint) != Some(target) {
            return Err(Violation::RollbackTargetNotLatestFinalized {
                shard: shard.shard,
                target,
            });
        }
        if rollback.from_height.0.saturating_sub(target.height.0) > window {
            return Err(Violation::RollbackBeyondWindow {
                shard: shard.shard,
                from_height: rollback.from_height,
                target,
                window,
            });
        }
        if rollback.phase >= RollbackPhase::RestoringState && shard.height != target.height {
            return Err(Violation::RollbackNotAtTarget {
                shard: shard.shard,
                height: shard.height,
                target,
            });
        }
    }
    Ok(())
}

/// Checks, per shard, that no two retained finalized checkpoints share a
/// height and that each one after the oldest names its predecessor as parent
/// and lies above it. The oldest retained one may name a pruned parent.
pub fn check_inv7_no_forks(view: &View) -> Result<(), Violation> {
    for shard in &view.shards {
        let mut by_height = BTreeMap::new();
        for fin in &shard.finalized {
            if let Some(first) = by_height.insert(fin.checkpoint.height, fin.checkpoint) {
                return Err(Violation::TwoFinalizedAtOneHeight {
                    shard: shard.shard,
                    height: fin.checkpoint.height,
                    first,
                    second: fin.checkpoint,
                });
            }
        }
        for pair in shard.finalized.windows(2) {
            let (parent, child) = (&pair[0].checkpoint, &pair[1].checkpoint);
            if child.parent != parent.link() || child.height <= parent.height {
                return Err(Violation::BrokenChain {
                    shard: shard.shard,
                    checkpoint: *child,
                    expected_parent: parent.link(),
                });
            }
        }
        if let Some(oldest) = shard.finalized.first() {
            if let ParentLink::Checkpoint { height, .. } = oldest.checkpoint.parent {
                if height >= oldest.checkpoint.height {
                    return Err(Violation::BrokenChain {
                        shard: shard.shard,
                        checkpoint: oldest.checkpoint,
                        expected_parent: ParentLink::Genesis,
                    });
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::StateRoot;
    use crate::testing::{checkpoint, one_shard_view};
    use crate::view::FinalizedCheckpoint;
    use crate::{Epoch, Height, ValidatorId};

    fn finalize(view: &mut View, c: crate::Checkpoint) {
        view.shards[0].finalized.push(FinalizedCheckpoint {
            checkpoint: c,
            signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
        });
    }

    #[test]
    fn a_linked_chain_passes() {
        let mut view = one_shard_view();
        let a = checkpoint(2);
        let mut b = checkpoint(4);
        b.parent = a.link();
        finalize(&mut view, a);
        finalize(&mut view, b);
        assert_eq!(check_inv7_no_forks(&view), Ok(()));
    }

    #[test]
    fn two_checkpoints_at_one_height_are_a_fork() {
        let mut view = one_shard_view();
        let a = checkpoint(2);
        let mut b = checkpoint(2);
        b.epoch = Epoch(1);
        b.parent = a.link();
        finalize(&mut view, a);
        finalize(&mut view, b);
        assert!(matches!(
            check_inv7_no_forks(&view),
            Err(Violation::TwoFinalizedAtOneHeight {
                height: Height(2),
                ..
            })
        ));
    }

    #[test]
    fn a_checkpoint_skipping_its_predecessor_breaks_the_chain() {
        let mut view = one_shard_view();
        let a = checkpoint(2);
        let b = checkpoint(4); // parent is genesis, not `a`
        finalize(&mut view, a);
        finalize(&mut view, b);
        assert!(matches!(
            check_inv7_no_forks(&view),
            Err(Violation::BrokenChain { .. })
        ));
    }

    #[test]
    fn the_oldest_retained_checkpoint_may_name_a_pruned_parent() {
        let mut view = one_shard_view();
        let mut b = checkpoint(4);
        b.parent = ParentLink::Checkpoint {
            epoch: Epoch(0),
            height: Height(2),
            root: StateRoot::Block {
                height: Height(2),
                generation: crate::Generation(0),
            },
        };
        finalize(&mut view, b);
        assert_eq!(check_inv7_no_forks(&view), Ok(()));
    }

    #[test]
    fn a_rollback_returns_to_the_latest_finalized_checkpoint_within_the_window() {
        use crate::protocol::{Fault, FaultKind};
        use crate::view::RollbackView;
        use crate::Generation;
        let mut view = crate::testing::two_shard_view();
        let latest = view.shards[0].finalized[1].checkpoint;
        let rollback = RollbackView {
            phase: RollbackPhase::AbortingTransactions,
            cause: Fault {
                kind: FaultKind::CheckpointStateMismatch,
                accused: Some(ValidatorId(3)),
                generation: Generation(0),
                epoch: Epoch(0),
                height: Height(6),
            },
            target: Some(latest),
            from_height: Height(6),
            from_root: view.shards[0].head_root,
            aborted: vec![],
            failure: None,
        };
        view.shards[0].rollback = Some(rollback.clone());
        assert_eq!(check_inv7_rollback_target(&view, 2), Ok(()));
        assert!(matches!(
            check_inv7_rollback_target(&view, 1),
            Err(Violation::RollbackBeyondWindow { .. })
        ));
        let mut older = view.clone();
        let oldest = older.shards[0].finalized[0].checkpoint;
        if let Some(r) = &mut older.shards[0].rollback {
            r.target = Some(oldest);
        }
        assert!(matches!(
            check_inv7_rollback_target(&older, 8),
            Err(Violation::RollbackTargetNotLatestFinalized { .. })
        ));
        let mut none = view.clone();
        if let Some(r) = &mut none.shards[0].rollback {
            r.target = None;
        }
        assert!(matches!(
            check_inv7_rollback_target(&none, 8),
            Err(Violation::RollbackWithoutTarget { .. })
        ));
        // Restored, but the head is not at the target.
        let mut restored = view.clone();
        if let Some(r) = &mut restored.shards[0].rollback {
            r.phase = RollbackPhase::RestoringState;
        }
        restored.shards[0].height = Height(5);
        assert!(matches!(
            check_inv7_rollback_target(&restored, 8),
            Err(Violation::RollbackNotAtTarget { .. })
        ));
        restored.shards[0].height = Height(4);
        assert_eq!(check_inv7_rollback_target(&restored, 8), Ok(()));
        // Before the target is checked, anything goes.
        if let Some(r) = &mut none.shards[0].rollback {
            r.phase = RollbackPhase::Initiated;
        }
        assert_eq!(check_inv7_rollback_target(&none, 1), Ok(()));
    }
}
