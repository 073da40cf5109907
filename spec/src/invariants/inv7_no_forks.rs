//! [INV-7 NoForks], the part that applies to checkpoint finality: at most one
//! finalized checkpoint per shard and height, and each shard's retained
//! finalized checkpoints form one parent-linked chain.
//!
//! The third part (a rollback targets only a finalized checkpoint) is a
//! transition property that comes with rollback ([R-RB-*]).

use super::Violation;
use crate::action::ParentLink;
use crate::view::View;
use std::collections::BTreeMap;

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
}
