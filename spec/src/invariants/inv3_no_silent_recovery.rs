//! [INV-3 NoSilentRecovery], over one step `(V, V')`, and the status graph
//! of [R-ISO-2].
//!
//! The log of `V` must be a prefix of the log of `V'`; every record of `V'`
//! must chain to the one before it ([R-AUDIT-3]); and the new records must
//! be exactly the ones the step's changes call for, in ascending shard
//! order, for each shard first its slash records ([R-SLASH-3]), then its
//! reassignment record ([R-ASSIGN-2]), then its rollback record (its
//! generation rose, [R-RB-4]) and then its status-change record:
//!
//! - a status change is described by shard, old and new status, the head
//!   roots before and after, the epoch of `V'`, and its cause: for a
//!   detection change a fault open on that shard before the step whose
//!   severity's response is the new status ([R-FAULT-2], [R-ISO-3]); for a
//!   change into or out of `Recovering` the rollback's cause ([R-RB-1],
//!   [R-RB-2], [R-RB-6]); for a change out of `Healing` the healing's cause
//!   ([R-HEAL-5], [R-HEAL-6]);
//! - a rollback is described by shard, cause and target (the rollback's),
//!   the height and root before, the root after and the new generation;
//! - a slash by the validator, an open fault of that shard naming it, the
//!   reason and penalty of [R-SLASH-2], a window it was not slashed in, its
//!   stake before (chained from its stake in `V` through the step's earlier
//!   slashes) and after, and its tombstone; after every shard, each
//!   validator's stake, tombstone and windows in `V'` must be what its
//!   records say;
//! - a reassignment by the committee after the shard's slashes (its members
//!   in `V` less the validators its slash records disabled) and the
//!   committee in `V'`; a committee that changed otherwise is unrecorded.

use super::{response_of, Violation};
use crate::audit::{compute_audit_hash, AuditEntry, AuditRecord, AUDIT_GENESIS_HASH};
use crate::ids::{Epoch, ValidatorId};
use crate::params::BASIS_POINTS;
use crate::protocol::{FaultKind, ShardStatus, SlashReason};
use crate::view::{ShardView, View};
use std::collections::BTreeMap;

/// [R-SLASH-2] The reason a fault kind is slashed for, as the spec's table
/// states it, with its penalty in basis points and whether it tombstones.
/// The invariant states what a record must justify; it decides nothing.
fn slash_terms(kind: FaultKind) -> (SlashReason, u64, bool) {
    match kind {
        FaultKind::ValidatorEquivocation => (SlashReason::Equivocation, 5_000, true),
        FaultKind::StateRootMismatch | FaultKind::CheckpointStateMismatch => {
            (SlashReason::FalseStateRoot, 10_000, true)
        }
        FaultKind::InvalidCrossShardReceipt => (SlashReason::CrossShardViolation, 5_000, true),
        FaultKind::LivenessFailure => (SlashReason::MissedProposals, 100, false),
        FaultKind::ExecutionFailure | FaultKind::TransactionOrderingViolation => {
            (SlashReason::TransactionMisbehaviour, 1_000, false)
        }
    }
}

/// A validator's record as the step's slash records leave it.
#[derive(Clone, PartialEq, Eq)]
struct Running {
    stake: u64,
    tombstoned: bool,
    windows: Vec<Epoch>,
}

/// Checks one step against INV-3.
pub fn check_inv3_no_silent_recovery(before: &View, after: &View) -> Result<(), Violation> {
    if after.audit.len() < before.audit.len()
        || after.audit[..before.audit.len()] != before.audit[..]
    {
        let index = before
            .audit
            .iter()
            .zip(&after.audit)
            .position(|(a, b)| a != b)
            .unwrap_or(after.audit.len().min(before.audit.len()));
        return Err(Violation::AuditLogRewritten {
            index: index as u64,
        });
    }
    let mut previous = AUDIT_GENESIS_HASH;
    for (i, record) in after.audit.iter().enumerate() {
        if record.index != i as u64
            || record.hash
                != compute_audit_hash(&previous, record.index, record.epoch, &record.entry)
        {
            return Err(Violation::AuditChainBroken { index: i as u64 });
        }
        previous = record.hash;
    }
    let mut new_records = after.audit[before.audit.len()..].iter().peekable();
    let mut running: BTreeMap<ValidatorId, Running> = before
        .validators
        .iter()
        .map(|v| {
            (
                v.validator,
                Running {
                    stake: v.stake,
                    tombstoned: v.tombstoned,
                    windows: v.slashed_windows.clone(),
                },
            )
        })
        .collect();
    for (old, new) in before.shards.iter().zip(&after.shards) {
        let mut committee = old.committee.clone();
        while let Some(record) = new_records
            .next_if(|r| matches!(r.entry, AuditEntry::Slash { shard, .. } if shard == old.shard))
        {
            if record.epoch != after.epoch || !apply_slash(record, old, &mut running) {
                return Err(Violation::AuditRecordUnmatched {
                    index: record.index,
                });
            }
            if let AuditEntry::Slash { validator, .. } = record.entry {
                committee.retain(|&m| m != validator);
            }
        }
        if committee != new.committee {
            let described = new_records.next().is_some_and(|r| {
                r.epoch == after.epoch
                    && matches!(&r.entry, AuditEntry::Reassignment { shard, before, after: drawn, .. }
                        if *shard == old.shard && *before == committee && *drawn == new.committee)
            });
            if !described {
                return Err(Violation::ReassignmentUnrecorded { shard: old.shard });
            }
        }
        if old.generation != new.generation {
            let described = new_records
                .next()
                .is_some_and(|r| r.epoch == after.epoch && describes_rollback(r, old, new));
            if !described {
                return Err(Violation::RollbackUnrecorded {
                    shard: old.shard,
                    height_before: old.height,
                    height_after: new.height,
                });
            }
        }
        if old.status == new.status {
            continue;
        }
        let described = new_records
            .next()
            .is_some_and(|r| r.epoch == after.epoch && describes_status_change(r, old, new));
        if !described {
            return Err(Violation::StatusChangeUnrecorded {
                shard: old.shard,
                from: old.status,
                to: new.status,
            });
        }
    }
    if let Some(extra) = new_records.next() {
        return Err(Violation::AuditRecordUnmatched { index: extra.index });
    }
    for v in &after.validators {
        let expected = running.get(&v.validator);
        let actual = Running {
            stake: v.stake,
            tombstoned: v.tombstoned,
            windows: v.slashed_windows.clone(),
        };
        if expected != Some(&actual) {
            return Err(Violation::SlashUnrecorded {
                validator: v.validator,
            });
        }
    }
    if running.len() != after.validators.len() {
        return Err(Violation::SlashUnrecorded {
            validator: ValidatorId(after.validators.len() as u16),
        });
    }
    Ok(())
}

/// Applies one slash record to the running records if it describes a slash
/// [R-SLASH-3] allows: an open fault of `old` names the validator, the
/// reason, penalty and tombstone follow [R-SLASH-2], and the window is new.
fn apply_slash(
    record: &AuditRecord,
    old: &ShardView,
    running: &mut BTreeMap<ValidatorId, Running>,
) -> bool {
    let AuditEntry::Slash {
        validator,
        shard,
        reason,
        fault,
        window,
        stake_before,
        stake_after,
        tombstoned,
    } = record.entry
    else {
        return false;
    };
    let (expected_reason, bp, tombstones) = slash_terms(fault.kind);
    let Some(state) = running.get_mut(&validator) else {
        return false;
    };
    let penalty = (u128::from(stake_before) * u128::from(bp) / u128::from(BASIS_POINTS)) as u64;
    // [R-SLASH-3] Of the shard's open faults naming the validator in one
    // window, only the heaviest slashes.
    let weight = |kind| {
        let (_, bp, tombstones) = slash_terms(kind);
        (tombstones, bp)
    };
    let heaviest = old.faults.iter().all(|other| {
        other.accused != fault.accused
            || other.epoch != fault.epoch
            || weight(other.kind) < weight(fault.kind)
            || (weight(other.kind) == weight(fault.kind) && *other >= fault)
    });
    let fits = shard == old.shard
        && old.faults.contains(&fault)
        && heaviest
        && fault.accused == Some(validator)
        && reason == expected_reason
        && window == fault.epoch
        && !state.tombstoned
        && !state.windows.contains(&window)
        && stake_before == state.stake
        && stake_after == stake_before - penalty
        && tombstoned == tombstones;
    if fits {
        state.stake = stake_after;
        state.tombstoned = tombstoned;
        state.windows.push(window);
        state.windows.sort();
    }
    fits
}

fn describes_status_change(record: &AuditRecord, old: &ShardView, new: &ShardView) -> bool {
    let AuditEntry::StatusChange {
        shard,
        from,
        to,
        cause,
        root_before,
        root_after,
    } = record.entry
    else {
        return false;
    };
    let cause_fits = if to == ShardStatus::Recovering {
        new.rollback.as_ref().is_some_and(|r| r.cause == cause)
    } else if from == ShardStatus::Recovering {
        old.rollback.as_ref().is_some_and(|r| r.cause == cause)
    } else if from == ShardStatus::Healing {
        new.healing.as_ref().is_some_and(|h| h.cause == cause)
    } else {
        old.faults.contains(&cause) && response_of(cause.kind) == Some(to)
    };
    shard == old.shard
        && from == old.status
        && to == new.status
        && cause_fits
        && root_before == old.head_root
        && root_after == new.head_root
}

fn describes_rollback(record: &AuditRecord, old: &ShardView, new: &ShardView) -> bool {
    let AuditEntry::Rollback {
        shard,
        cause,
        target,
        height_before,
        root_before,
        root_after,
        generation,
    } = record.entry
    else {
        return false;
    };
    let Some(rollback) = &old.rollback else {
        return false;
    };
    shard == old.shard
        && cause == rollback.cause
        && Some(target) == rollback.target
        && height_before == old.height
        && root_before == old.head_root
        && root_after == new.head_root
        && generation == new.generation
}

/// [R-ISO-2] Whether `from -> to` is an edge of the status graph.
pub fn is_allowed_transition(from: ShardStatus, to: ShardStatus) -> bool {
    use ShardStatus::*;
    matches!(
        (from, to),
        (Normal, Investigating | Frozen | Isolated)
            | (Investigating, Frozen | Isolated)
            | (Frozen, Isolated)
            | (Isolated, Recovering)
            | (Recovering, Healing | Frozen)
            | (Healing, Normal | Frozen)
    )
}

/// [R-ISO-2] Checks that every status change in one step is an edge of the
/// status graph.
pub fn check_status_graph(before: &View, after: &View) -> Result<(), Violation> {
    for (old, new) in before.shards.iter().zip(&after.shards) {
        if old.status != new.status && !is_allowed_transition(old.status, new.status) {
            return Err(Violation::ForbiddenStatusChange {
                shard: old.shard,
                from: old.status,
                to: new.status,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::compute_next_record;
    use crate::protocol::{Fault, FaultKind};
    use crate::testing::two_shard_view;
    use crate::{Epoch, Generation, Height, ValidatorId};

    #[test]
    fn a_record_whose_cause_was_not_open_on_that_shard_or_forces_another_status_fails() {
        let mut before = two_shard_view();
        let cause = Fault {
            kind: FaultKind::StateRootMismatch,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(2),
        };
        before.shards[0].faults.push(cause);
        assert_eq!(
            check_inv3_no_silent_recovery(&before, &isolate_shard_0(&before)),
            Ok(())
        );
        // The cause open on shard 1 instead: shard 0's record cites a fault
        // that was never open against it.
        let mut elsewhere = two_shard_view();
        elsewhere.shards[1].faults.push(cause);
        assert!(matches!(
            check_inv3_no_silent_recovery(&elsewhere, &isolate_shard_0(&elsewhere)),
            Err(Violation::StatusChangeUnrecorded { .. })
        ));
        // A Medium fault cannot justify isolation.
        let mut medium = two_shard_view();
        let liveness = Fault {
            kind: FaultKind::LivenessFailure,
            accused: None,
            ..cause
        };
        medium.shards[0].faults.push(liveness);
        let mut after = isolate_shard_0(&medium);
        after.audit.clear();
        let entry = AuditEntry::StatusChange {
            shard: after.shards[0].shard,
            from: ShardStatus::Normal,
            to: ShardStatus::Isolated,
            cause: liveness,
            root_before: medium.shards[0].head_root,
            root_after: after.shards[0].head_root,
        };
        after
            .audit
            .push(compute_next_record(&[], after.epoch, entry.clone()));
        assert!(matches!(
            check_inv3_no_silent_recovery(&medium, &after),
            Err(Violation::StatusChangeUnrecorded { .. })
        ));
    }

    fn with_cause_open(mut view: View) -> View {
        view.shards[0].faults.push(Fault {
            kind: FaultKind::StateRootMismatch,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(2),
        });
        view
    }

    fn isolate_shard_0(before: &View) -> View {
        let mut after = before.clone();
        after.epoch = Epoch(1);
        after.shards[0].status = ShardStatus::Isolated;
        let entry = AuditEntry::StatusChange {
            shard: after.shards[0].shard,
            from: ShardStatus::Normal,
            to: ShardStatus::Isolated,
            cause: Fault {
                kind: FaultKind::StateRootMismatch,
                accused: Some(ValidatorId(3)),
                generation: Generation(0),
                epoch: Epoch(0),
                height: Height(2),
            },
            root_before: before.shards[0].head_root,
            root_after: after.shards[0].head_root,
        };
        let record = compute_next_record(&after.audit, after.epoch, entry);
        after.audit.push(record);
        after
    }

    #[test]
    fn a_restoration_needs_one_rollback_record_that_describes_it() {
        use crate::protocol::RollbackPhase;
        use crate::view::RollbackView;
        use crate::StateRoot;
        let mut before = two_shard_view();
        before.shards[0].status = ShardStatus::Recovering;
        let target = before.shards[0].finalized[0].checkpoint;
        let cause = Fault {
            kind: FaultKind::CheckpointStateMismatch,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(4),
        };
        before.shards[0].rollback = Some(RollbackView {
            phase: RollbackPhase::ReleasingLocks,
            cause,
            target: Some(target),
            from_height: Height(4),
            from_root: before.shards[0].head_root,
            aborted: vec![],
            failure: None,
        });
        let mut after = before.clone();
        after.shards[0].height = Height(2);
        after.shards[0].head_root = StateRoot::Block {
            height: Height(2),
            generation: Generation(0),
        };
        after.shards[0].generation = Generation(1);
        let entry = AuditEntry::Rollback {
            shard: after.shards[0].shard,
            cause,
            target,
            height_before: Height(4),
            root_before: before.shards[0].head_root,
            root_after: after.shards[0].head_root,
            generation: Generation(1),
        };
        let mut recorded = after.clone();
        recorded
            .audit
            .push(compute_next_record(&[], after.epoch, entry.clone()));
        assert_eq!(check_inv3_no_silent_recovery(&before, &recorded), Ok(()));
        assert!(matches!(
            check_inv3_no_silent_recovery(&before, &after),
            Err(Violation::RollbackUnrecorded { .. })
        ));
        let AuditEntry::Rollback { root_before, .. } = entry else {
            unreachable!("built above")
        };
        let wrong = AuditEntry::Rollback {
            shard: after.shards[0].shard,
            cause,
            target,
            height_before: Height(3),
            root_before,
            root_after: after.shards[0].head_root,
            generation: Generation(1),
        };
        let mut misdescribed = after.clone();
        misdescribed
            .audit
            .push(compute_next_record(&[], after.epoch, wrong));
        assert!(matches!(
            check_inv3_no_silent_recovery(&before, &misdescribed),
            Err(Violation::RollbackUnrecorded { .. })
        ));
    }

    #[test]
    fn a_recorded_status_change_passes_and_an_unrecorded_one_fails() {
        let before = with_cause_open(two_shard_view());
        let after = isolate_shard_0(&before);
        assert_eq!(check_inv3_no_silent_recovery(&before, &after), Ok(()));
        let mut silent = after.clone();
        silent.audit.clear();
        assert!(matches!(
            check_inv3_no_silent_recovery(&before, &silent),
            Err(Violation::StatusChangeUnrecorded { .. })
        ));
    }

    #[test]
    fn a_broken_chain_a_rewritten_log_and_an_extra_record_fail() {
        let before = with_cause_open(two_shard_view());
        let after = isolate_shard_0(&before);
        let mut broken = after.clone();
        broken.audit[0].hash[0] ^= 1;
        assert!(matches!(
            check_inv3_no_silent_recovery(&before, &broken),
            Err(Violation::AuditChainBroken { index: 0 })
        ));
        assert!(matches!(
            check_inv3_no_silent_recovery(&after, &before),
            Err(Violation::AuditLogRewritten { index: 0 })
        ));
        let mut extra = after.clone();
        extra.shards[0].status = ShardStatus::Normal;
        assert!(matches!(
            check_inv3_no_silent_recovery(&before, &extra),
            Err(Violation::AuditRecordUnmatched { index: 0 })
        ));
    }

    #[test]
    fn the_status_graph_allows_exactly_its_edges() {
        use ShardStatus::*;
        let all = [Normal, Investigating, Frozen, Isolated, Recovering, Healing];
        let edges: usize = all
            .iter()
            .flat_map(|a| all.iter().map(move |b| (*a, *b)))
            .filter(|(a, b)| is_allowed_transition(*a, *b))
            .count();
        assert_eq!(edges, 11);
        assert!(!is_allowed_transition(Isolated, Normal));
        assert!(!is_allowed_transition(Frozen, Investigating));
        let before = two_shard_view();
        let mut after = before.clone();
        after.shards[1].status = Healing;
        assert!(matches!(
            check_status_graph(&before, &after),
            Err(Violation::ForbiddenStatusChange { .. })
        ));
    }
}
