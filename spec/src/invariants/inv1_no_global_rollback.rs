//! [INV-1 NoGlobalRollback], over one step `(V, V')`.
//!
//! Checked now: the epoch never decreases; at most one shard's head height
//! falls, and only a shard with a fault open against it; finalized
//! checkpoints leave only by retention pruning (the oldest first, no more of
//! them than newly finalized ones arrive, [R-CKPT-9]); and a shard's status changes only if a fault against it
//! was open before the step, so a fault in one shard never changes another
//! ([R-ISO-3]). The clauses on a rollback step's other shards come with
//! rollback ([R-RB-*]).

use super::Violation;
use crate::view::View;

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
            if old.faults.is_empty() {
                return Err(Violation::HeightLoweredWithoutFault {
                    shard: old.shard,
                    before: old.height,
                    after: new.height,
                });
            }
            lowered.push(old.shard);
        }
        // Retention prunes from the front of the finalization order, and
        // only to make room for newly finalized checkpoints: the missing ones
        // must be a prefix of the old list, no longer than the list of new
        // arrivals.
        let missing: Vec<usize> = (0..old.finalized.len())
            .filter(|&i| !new.finalized.contains(&old.finalized[i]))
            .collect();
        let arrived = new
            .finalized
            .iter()
            .filter(|c| !old.finalized.contains(c))
            .count();
        let out_of_order = missing.iter().enumerate().find(|(pos, i)| *pos != **i);
        let lost = match (out_of_order, missing.last()) {
            (Some((_, &i)), _) => Some(i),
            (None, Some(&i)) if missing.len() > arrived => Some(i),
            _ => None,
        };
        if let Some(i) = lost {
            return Err(Violation::FinalizedCheckpointLost {
                shard: old.shard,
                checkpoint: old.finalized[i].checkpoint,
            });
        }
        if old.status != new.status && old.faults.is_empty() {
            return Err(Violation::StatusChangedWithoutFault {
                shard: old.shard,
                from: old.status,
                to: new.status,
            });
        }
    }
    if lowered.len() > 1 {
        return Err(Violation::SeveralShardsLowered { shards: lowered });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{Fault, FaultKind, ShardStatus};
    use crate::testing::two_shard_view;
    use crate::{Epoch, Generation, Height, ValidatorId};

    fn fault() -> Fault {
        Fault {
            kind: FaultKind::ValidatorEquivocation,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(2),
        }
    }

    #[test]
    fn a_status_change_needs_a_fault_open_on_that_shard() {
        let mut before = two_shard_view();
        before.shards[0].faults.push(fault());
        let mut after = before.clone();
        after.epoch = Epoch(1);
        after.shards[0].status = ShardStatus::Frozen;
        assert_eq!(check_inv1_no_global_rollback(&before, &after), Ok(()));
        let mut wrong = before.clone();
        wrong.shards[1].status = ShardStatus::Frozen;
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &wrong),
            Err(Violation::StatusChangedWithoutFault { .. })
        ));
    }

    #[test]
    fn the_epoch_never_decreases_and_heights_do_not_fall_without_a_fault() {
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
            Err(Violation::HeightLoweredWithoutFault { .. })
        ));
    }

    #[test]
    fn only_the_oldest_finalized_checkpoints_may_go_and_only_for_new_ones() {
        let before = two_shard_view();
        assert!(before.shards[0].finalized.len() >= 2);
        let mut pruned = before.clone();
        pruned.shards[0].finalized.remove(0);
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &pruned),
            Err(Violation::FinalizedCheckpointLost { .. })
        ));
        let mut newest = crate::testing::checkpoint(6);
        newest.parent = pruned.shards[0].finalized[0].checkpoint.link();
        pruned.shards[0]
            .finalized
            .push(crate::view::FinalizedCheckpoint {
                checkpoint: newest,
                signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
            });
        assert_eq!(check_inv1_no_global_rollback(&before, &pruned), Ok(()));
        let mut lost = before.clone();
        lost.shards[0].finalized.pop();
        assert!(matches!(
            check_inv1_no_global_rollback(&before, &lost),
            Err(Violation::FinalizedCheckpointLost { .. })
        ));
    }
}
