//! [INV-2 NoCrossShardCorruption], over one view.
//!
//! (a) Both sides of every cross-shard transaction are in the same state, so
//! none is both committed and aborted, or committed on one side only
//! ([R-XTX-5]). (b) A committed transaction's sides are mature: each side's
//! height is 0 or at or below a finalized checkpoint of its shard
//! ([R-XTX-4]), so no rollback can undo either half. (c) After a rollback
//! (its phase is `RestoringState` or later), every transaction with a side on
//! that shard prepared in an earlier generation above the target height is
//! aborted on both sides and holds no lock anywhere ([R-RB-2]). (d) Every
//! held lock belongs to a transaction in flight with that key and a side on
//! that shard, or to one a rollback aborted and has yet to release (its
//! phase is `AbortingTransactions`). (e) Every transaction in flight holds
//! its key's lock on both shards ([R-XTX-2]). (f) A lock table holds at
//! most one lock per key. (g) No transaction is in flight with a shard whose
//! rollback has passed `Initiated` or failed ([R-RB-2] step 1, [R-RB-6]).
//!
//! The predicate reads the view with its own small helpers (`in_flight`,
//! `side_on`), not the view's convenience methods the model's rules use, so
//! that a slip in one of those cannot hide from this check.

use super::Violation;
use crate::ids::{Height, ShardId};
use crate::protocol::{RollbackPhase, XtxState};
use crate::view::{Lock, View, XtxSide, XtxView};

/// In flight: both sides still `Prepared` ([R-XTX-1]).
fn in_flight(x: &XtxView) -> bool {
    x.source_side.state == XtxState::Prepared && x.destination_side.state == XtxState::Prepared
}

/// The side of `x` on `shard`, if `shard` takes part in it.
fn side_on(x: &XtxView, shard: ShardId) -> Option<&XtxSide> {
    if x.source == shard {
        Some(&x.source_side)
    } else if x.destination == shard {
        Some(&x.destination_side)
    } else {
        None
    }
}

/// (h), over one step `(V, V')`: a transaction new in `V'` records, on each
/// side, its shard's head height and generation in `V`, `Prepared` and
/// `Waiting`; a side's height and generation never change afterwards. So a
/// rule that records the wrong height cannot make maturity (b) pass
/// trivially ([R-XTX-2]).
pub fn check_inv2_prepared_sides(before: &View, after: &View) -> Result<(), Violation> {
    for x in &after.transactions {
        let old = before.transactions.iter().find(|o| o.id == x.id);
        for (shard, side) in [
            (x.source, &x.source_side),
            (x.destination, &x.destination_side),
        ] {
            let fits = match old {
                Some(o) => side_on(o, shard).is_some_and(|was| {
                    was.height == side.height && was.generation == side.generation
                }),
                None => before.shards.iter().any(|s| {
                    s.shard == shard
                        && s.height == side.height
                        && s.generation == side.generation
                        && side.state == XtxState::Prepared
                        && side.vote == crate::protocol::XtxBallot::Waiting
                }),
            };
            if !fits {
                return Err(Violation::XtxSideMisrecorded { xtx: x.id, shard });
            }
        }
    }
    Ok(())
}

/// Checks one view against INV-2.
pub fn check_inv2_no_cross_shard_corruption(view: &View) -> Result<(), Violation> {
    for x in &view.transactions {
        if x.source_side.state != x.destination_side.state {
            return Err(Violation::XtxSidesDisagree {
                xtx: x.id,
                source: x.source_side.state,
                destination: x.destination_side.state,
            });
        }
        if x.source_side.state == XtxState::Committed {
            check_mature(view, x.source, &x.source_side, x)?;
            check_mature(view, x.destination, &x.destination_side, x)?;
        }
        if in_flight(x) {
            for shard in [x.source, x.destination] {
                if !holds(view, shard, x) {
                    return Err(Violation::XtxWithoutLock { xtx: x.id, shard });
                }
            }
        }
    }
    for shard in &view.shards {
        let Some(rollback) = &shard.rollback else {
            continue;
        };
        let Some(target) = rollback.target else {
            continue;
        };
        if rollback.phase < RollbackPhase::RestoringState {
            continue;
        }
        for x in &view.transactions {
            let Some(side) = side_on(x, shard.shard) else {
                continue;
            };
            if side.generation >= shard.generation || side.height <= target.height {
                continue;
            }
            if x.source_side.state != XtxState::Aborted
                || x.destination_side.state != XtxState::Aborted
            {
                return Err(Violation::RolledBackXtxNotAborted {
                    xtx: x.id,
                    shard: shard.shard,
                });
            }
            for holder in &view.shards {
                if holder.locks.iter().any(|l| l.xtx == x.id) {
                    return Err(Violation::RolledBackXtxHoldsLock {
                        xtx: x.id,
                        shard: holder.shard,
                    });
                }
            }
        }
    }
    for shard in &view.shards {
        if let Some(twice) = shard.locks.windows(2).find(|w| w[0].key >= w[1].key) {
            return Err(Violation::KeyLockedTwice {
                shard: shard.shard,
                key: twice[1].key,
            });
        }
        let past_abort = shard
            .rollback
            .as_ref()
            .is_some_and(|r| r.phase != RollbackPhase::Initiated || r.failure.is_some());
        if past_abort {
            if let Some(x) = view
                .transactions
                .iter()
                .find(|x| in_flight(x) && side_on(x, shard.shard).is_some())
            {
                return Err(Violation::XtxInFlightAfterRollback {
                    xtx: x.id,
                    shard: shard.shard,
                });
            }
        }
        for lock in &shard.locks {
            if !is_lock_owned(view, shard.shard, lock) {
                return Err(Violation::LockWithoutXtx {
                    shard: shard.shard,
                    key: lock.key,
                    xtx: lock.xtx,
                });
            }
        }
    }
    Ok(())
}

fn check_mature(view: &View, shard: ShardId, side: &XtxSide, x: &XtxView) -> Result<(), Violation> {
    let finalized = view
        .shards
        .iter()
        .find(|s| s.shard == shard)
        .and_then(|s| s.finalized.iter().map(|c| c.checkpoint.height).max())
        .unwrap_or(Height(0));
    if side.height.0 == 0 || side.height <= finalized {
        Ok(())
    } else {
        Err(Violation::CommittedBeforeFinal {
            xtx: x.id,
            shard,
            height: side.height,
            finalized,
        })
    }
}

/// Whether `shard` holds `x`'s key for `x`.
fn holds(view: &View, shard: ShardId, x: &XtxView) -> bool {
    view.shards.iter().any(|s| {
        s.shard == shard
            && s.locks.contains(&Lock {
                key: x.key,
                xtx: x.id,
            })
    })
}

/// (d): the lock's transaction is in flight with that key on that shard, or
/// aborted by a rollback that has not released its locks yet.
fn is_lock_owned(view: &View, shard: ShardId, lock: &Lock) -> bool {
    let Some(x) = view.transactions.iter().find(|x| x.id == lock.xtx) else {
        return false;
    };
    if x.key != lock.key || side_on(x, shard).is_none() {
        return false;
    }
    if in_flight(x) {
        return true;
    }
    x.source_side.state == XtxState::Aborted
        && view.shards.iter().any(|s| {
            s.rollback.as_ref().is_some_and(|r| {
                r.phase == RollbackPhase::AbortingTransactions && r.aborted.contains(&x.id)
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Epoch, Generation, XtxId};
    use crate::protocol::{Fault, FaultKind, ShardStatus, XtxBallot};
    use crate::testing::two_shard_view;
    use crate::view::RollbackView;
    use crate::ValidatorId;

    fn side(height: u64) -> XtxSide {
        XtxSide {
            height: Height(height),
            generation: Generation(0),
            vote: XtxBallot::Waiting,
            state: XtxState::Prepared,
        }
    }

    /// Shard 0 (finalized up to 4, head 4) sends x0 on key 7 to shard 1,
    /// prepared at heights 3 and 4, in flight with both locks.
    fn in_flight() -> View {
        let mut view = two_shard_view();
        view.transactions.push(XtxView {
            id: XtxId(0),
            source: ShardId(0),
            destination: ShardId(1),
            key: 7,
            source_side: side(3),
            destination_side: side(4),
        });
        for s in &mut view.shards {
            s.locks.push(Lock {
                key: 7,
                xtx: XtxId(0),
            });
        }
        view
    }

    fn set_state(view: &mut View, state: XtxState) {
        let x = &mut view.transactions[0];
        x.source_side.state = state;
        x.destination_side.state = state;
    }

    #[test]
    fn an_in_flight_transaction_holds_both_locks() {
        let view = in_flight();
        assert_eq!(check_inv2_no_cross_shard_corruption(&view), Ok(()));
        let mut missing = view.clone();
        missing.shards[1].locks.clear();
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&missing),
            Err(Violation::XtxWithoutLock { .. })
        ));
    }

    #[test]
    fn a_key_is_locked_at_most_once_per_shard() {
        let mut view = in_flight();
        view.shards[0].locks.push(Lock {
            key: 7,
            xtx: XtxId(0),
        });
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::KeyLockedTwice { .. })
        ));
    }

    #[test]
    fn a_rollback_past_initiated_leaves_no_transaction_of_its_shard_in_flight() {
        let mut view = in_flight();
        view.shards[1].status = ShardStatus::Recovering;
        view.shards[1].rollback = Some(RollbackView {
            phase: RollbackPhase::AbortingTransactions,
            cause: Fault {
                kind: FaultKind::CheckpointStateMismatch,
                accused: Some(ValidatorId(7)),
                generation: Generation(0),
                epoch: Epoch(0),
                height: Height(4),
            },
            target: None,
            from_height: Height(4),
            from_root: view.shards[1].head_root,
            aborted: vec![],
            failure: None,
        });
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::XtxInFlightAfterRollback { .. })
        ));
        if let Some(r) = &mut view.shards[1].rollback {
            r.phase = RollbackPhase::Initiated;
        }
        assert_eq!(check_inv2_no_cross_shard_corruption(&view), Ok(()));
    }

    #[test]
    fn a_prepared_side_records_its_shards_head_and_keeps_it() {
        let before = two_shard_view();
        let after = in_flight();
        // `in_flight` prepares at heights 3 and 4; the heads are at 4.
        assert!(matches!(
            check_inv2_prepared_sides(&before, &after),
            Err(Violation::XtxSideMisrecorded {
                shard: ShardId(0),
                ..
            })
        ));
        let mut honest = after.clone();
        honest.transactions[0].source_side.height = Height(4);
        assert_eq!(check_inv2_prepared_sides(&before, &honest), Ok(()));
        let mut rewritten = honest.clone();
        rewritten.transactions[0].destination_side.height = Height(0);
        assert!(matches!(
            check_inv2_prepared_sides(&honest, &rewritten),
            Err(Violation::XtxSideMisrecorded {
                shard: ShardId(1),
                ..
            })
        ));
    }

    #[test]
    fn sides_must_agree() {
        let mut view = in_flight();
        view.transactions[0].source_side.state = XtxState::Aborted;
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::XtxSidesDisagree { .. })
        ));
    }

    #[test]
    fn a_commit_needs_both_sides_mature() {
        let mut view = in_flight();
        set_state(&mut view, XtxState::Committed);
        for s in &mut view.shards {
            s.locks.clear();
        }
        // Shard 1 has no finalized checkpoint and its side is at height 4.
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::CommittedBeforeFinal {
                shard: ShardId(1),
                ..
            })
        ));
        view.transactions[0].destination_side.height = Height(0);
        assert_eq!(check_inv2_no_cross_shard_corruption(&view), Ok(()));
        view.transactions[0].source_side.height = Height(5);
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::CommittedBeforeFinal {
                shard: ShardId(0),
                ..
            })
        ));
    }

    #[test]
    fn a_lock_needs_an_owner_in_flight_or_a_rollback_about_to_release_it() {
        let mut view = in_flight();
        set_state(&mut view, XtxState::Aborted);
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::LockWithoutXtx { .. })
        ));
        view.shards[0].status = ShardStatus::Recovering;
        view.shards[0].rollback = Some(RollbackView {
            phase: RollbackPhase::AbortingTransactions,
            cause: Fault {
                kind: FaultKind::CheckpointStateMismatch,
                accused: Some(ValidatorId(3)),
                generation: Generation(0),
                epoch: Epoch(0),
                height: Height(4),
            },
            target: Some(view.shards[0].finalized[0].checkpoint),
            from_height: Height(4),
            from_root: view.shards[0].head_root,
            aborted: vec![XtxId(0)],
            failure: None,
        });
        assert_eq!(check_inv2_no_cross_shard_corruption(&view), Ok(()));
        // Once restored, the aborted transaction must hold nothing.
        if let Some(r) = &mut view.shards[0].rollback {
            r.phase = RollbackPhase::RestoringState;
        }
        view.shards[0].generation = Generation(1);
        view.shards[0].height = Height(2);
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::RolledBackXtxHoldsLock { .. })
        ));
        for s in &mut view.shards {
            s.locks.clear();
        }
        assert_eq!(check_inv2_no_cross_shard_corruption(&view), Ok(()));
        // A transaction above the target still prepared after the restore.
        set_state(&mut view, XtxState::Prepared);
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::XtxWithoutLock { .. })
        ));
        for s in &mut view.shards {
            s.locks.push(Lock {
                key: 7,
                xtx: XtxId(0),
            });
        }
        assert!(matches!(
            check_inv2_no_cross_shard_corruption(&view),
            Err(Violation::RolledBackXtxNotAborted { .. })
        ));
    }
}
