//! Isolation: status levels, the status change at an epoch boundary, and the
//! expiry of old faults ([R-ISO-1] .. [R-ISO-3], [R-FAULT-6]).
//!
//! A fault's severity fixes the least status it forces ([R-FAULT-2]):
//! Critical forces `Isolated`, High `Frozen`, Medium `Investigating`, Low
//! nothing. At each epoch boundary, for each shard in ascending order
//! ([R-EPOCH-2]), the strongest response among the shard's open faults is
//! its target; if the target is above the shard's level the status rises to
//! it, one audit record is appended ([R-AUDIT-1]) and `StatusChanged` is
//! emitted with the cause: the smallest open fault, in the order
//! `(kind, accused, generation, epoch, height)`, whose response is the
//! target. The open faults are held in that order, so the cause is a sorted
//! choice, never the first to arrive ([R-DET-0]). A shard's status changes
//! only because of its own faults; detection only ever raises a level among
//! the first four of [R-ISO-2]'s graph.
//!
//! Then the shard's faults with `e + A_e` below the new epoch expire: that
//! evidence would be refused as stale anyway ([R-FAULT-3] check 6), so
//! removing it cannot let a fault count twice, and it keeps the open faults
//! bounded. The status they caused stays.

use crate::audit::{AuditEntry, RecordNote};
use crate::checkpoint::count_u32;
use crate::crypto::compute_fault_id;
use crate::outcome::EngineEvent;
use crate::state::{State, StatusCause};
use crate::wire::Hash32;
use mend_spec::{Fault, FaultKind, Severity, ShardStatus};

/// [R-FAULT-2] The severity of each fault kind.
pub(crate) fn compute_severity(kind: FaultKind) -> Severity {
    match kind {
        FaultKind::StateRootMismatch
        | FaultKind::InvalidCrossShardReceipt
        | FaultKind::CheckpointStateMismatch => Severity::Critical,
        FaultKind::ValidatorEquivocation | FaultKind::ExecutionFailure => Severity::High,
        FaultKind::LivenessFailure => Severity::Medium,
        FaultKind::TransactionOrderingViolation => Severity::Low,
    }
}

/// [R-FAULT-2] The least status a severity forces; Low forces none (the
/// fault is kept as evidence for slashing).
pub(crate) fn compute_response(severity: Severity) -> Option<ShardStatus> {
    match severity {
        Severity::Critical => Some(ShardStatus::Isolated),
        Severity::High => Some(ShardStatus::Frozen),
        Severity::Medium => Some(ShardStatus::Investigating),
        Severity::Low => None,
    }
}

/// [R-ISO-1] The level of a detection status (0 to 3). `Recovering` and
/// `Healing` have none: detection does not move them ([R-ISO-2]).
pub(crate) fn level(status: ShardStatus) -> Option<u8> {
    match status {
        ShardStatus::Normal => Some(0),
        ShardStatus::Investigating => Some(1),
        ShardStatus::Frozen => Some(2),
        ShardStatus::Isolated => Some(3),
        ShardStatus::Recovering | ShardStatus::Healing => None,
    }
}

/// [R-ISO-1], [R-BLK-1] check 2: whether a shard in `status` takes new
/// transactions (`Normal` and `Investigating` only).
pub(crate) fn is_taking_transactions(status: ShardStatus) -> bool {
    matches!(status, ShardStatus::Normal | ShardStatus::Investigating)
}

/// [R-CKPT-7], [R-CKPT-8] check 2: whether a shard in `status` is being
/// rolled back or healed (`Recovering` or `Healing`), so that nothing
/// finalizes on it ([R-RB-3]).
pub(crate) fn is_recovering(status: ShardStatus) -> bool {
    matches!(status, ShardStatus::Recovering | ShardStatus::Healing)
}

/// [R-XTX-6] Whether a shard in `status` takes part in cross-shard
/// transactions at all: not `Isolated`, `Recovering` or `Healing`. A
/// `Frozen` shard takes part (it finishes its xtxs in flight) but takes no
/// new one ([`is_taking_transactions`]).
pub(crate) fn is_taking_part_in_xtx(status: ShardStatus) -> bool {
    !matches!(
        status,
        ShardStatus::Isolated | ShardStatus::Recovering | ShardStatus::Healing
    )
}

/// A status change decided for one shard: its target and cause.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decision {
    to: ShardStatus,
    cause: Fault,
    cause_id: Hash32,
}

/// [R-ISO-3] The status change the open faults of the shard at `index`
/// call for, if any: the strongest response, caused by the smallest fault
/// with that response, if it is above the shard's level.
fn decide(state: &State, index: usize) -> Option<Decision> {
    let shard = state.shards.get(index)?;
    // A shard frozen for an operator (its pipeline `Failed`: a failed
    // rollback or healing) keeps its status ([R-RB-6], [R-PIPE-3]).
    if shard.pipeline == Some(mend_spec::protocol::PipelineStage::Failed) {
        return None;
    }
    let current = level(shard.status)?;
    let mut strongest: Option<(u8, Decision)> = None;
    // Ascending by fault: a later fault replaces the choice only with a
    // strictly stronger response, so the cause is the smallest fault among
    // those whose response is the target.
    for (fault, id) in shard.faults.iter() {
        let Some(to) = compute_response(compute_severity(fault.kind)) else {
            continue;
        };
        let Some(to_level) = level(to) else {
            continue;
        };
        if strongest.is_none_or(|(best, _)| to_level > best) {
            strongest = Some((
                to_level,
                Decision {
                    to,
                    cause: *fault,
                    cause_id: *id,
                },
            ));
        }
    }
    let (to_level, decision) = strongest?;
    (to_level > current).then_some(decision)
}

/// [R-ISO-3], [R-AUDIT-1] Applies the status change of the shard at `index`
/// at the boundary into the current epoch: the status rises, one audit
/// record is appended, and `StatusChanged` is returned. `None` if its open
/// faults call for no change.
pub(crate) fn apply_status_change(state: &mut State, index: usize) -> Option<EngineEvent> {
    let decision = decide(state, index)?;
    // Honest rules: the shard whose faults decided. Only the
    // `IsolateWrongShard` seeded bug names another.
    let target = state.rules.status_change_shard(index, state.shards.len());
    let epoch = state.epoch;
    let audited = state.rules.is_status_change_audited();
    let shard = state.shards.get_mut(target)?;
    // The record names its cause by the fault id on the shard it records,
    // so even the seeded bug's record is consistent with its own shard.
    let cause_id = if target == index {
        decision.cause_id
    } else {
        compute_fault_id(shard.id, &decision.cause)
    };
    let from = shard.status;
    shard.status = decision.to;
    // [R-RB-1] The cause of the latest status change is the cause of the
    // rollback that an `Isolated` status starts.
    shard.status_cause = Some(StatusCause {
        fault: decision.cause,
        id: cause_id,
    });
    let entry = AuditEntry::StatusChange {
        shard: shard.id,
        from,
        to: decision.to,
        cause: cause_id,
        root_before: shard.chain.root,
        root_after: shard.chain.root,
    };
    let shard_id = shard.id;
    if audited {
        state.audit.append(
            epoch,
            entry,
            RecordNote {
                cause: Some(decision.cause),
                target: None,
            },
        );
    }
    Some(EngineEvent::StatusChanged {
        shard: shard_id,
        from,
        to: decision.to,
        cause: decision.cause,
        cause_id,
    })
}

/// [R-FAULT-6] Expires the open faults of the shard at `index` with
/// `e + A_e` below the current epoch; `FaultsExpired` if there were any.
pub(crate) fn expire_faults(state: &mut State, index: usize) -> Option<EngineEvent> {
    let epoch = state.epoch;
    let max_age = state.params.evidence_age_epochs;
    let shard = state.shards.get_mut(index)?;
    let expired = shard.faults.expire(epoch, max_age);
    let shard_id = shard.id;
    // [R-ASSIGN-1] The expired faults no longer name their accused.
    for fault in &expired {
        state.validators.close_fault(fault);
    }
    (!expired.is_empty()).then(|| EngineEvent::FaultsExpired {
        shard: shard_id,
        count: count_u32(expired.len()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::verify_audit_chain;
    use crate::testkit::Harness;
    use crate::wire::{Evidence, Message};
    use mend_spec::{Epoch, Generation, Height, Params, ShardId, ValidatorId};

    #[test]
    fn severities_and_responses_follow_the_table() {
        let expected = [
            (FaultKind::StateRootMismatch, Some(ShardStatus::Isolated)),
            (FaultKind::ValidatorEquivocation, Some(ShardStatus::Frozen)),
            (
                FaultKind::InvalidCrossShardReceipt,
                Some(ShardStatus::Isolated),
            ),
            (FaultKind::ExecutionFailure, Some(ShardStatus::Frozen)),
            (FaultKind::LivenessFailure, Some(ShardStatus::Investigating)),
            (
                FaultKind::CheckpointStateMismatch,
                Some(ShardStatus::Isolated),
            ),
            (FaultKind::TransactionOrderingViolation, None),
        ];
        for (kind, response) in expected {
            assert_eq!(
                compute_response(compute_severity(kind)),
                response,
                "{kind:?}"
            );
        }
    }

    #[test]
    fn only_normal_and_investigating_take_transactions() {
        let taking: Vec<_> = [
            ShardStatus::Normal,
            ShardStatus::Investigating,
            ShardStatus::Frozen,
            ShardStatus::Isolated,
            ShardStatus::Recovering,
            ShardStatus::Healing,
        ]
        .into_iter()
        .filter(|s| is_taking_transactions(*s))
        .collect();
        assert_eq!(
            taking,
            vec![ShardStatus::Normal, ShardStatus::Investigating]
        );
    }

    fn fault(kind: FaultKind, accused: u16, height: u64) -> Fault {
        Fault {
            kind,
            accused: Some(ValidatorId(accused)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(height),
        }
    }

    /// Opens `faults` on shard 0 directly, as accepted evidence would.
    fn open(h: &mut Harness, faults: &[Fault]) {
        let state = h.engine.state_mut();
        for f in faults {
            state.shards[0]
                .faults
                .insert_for_test(*f, compute_fault_id(ShardId(0), f));
            state.validators.open_fault(f);
        }
    }

    #[test]
    fn the_cause_is_the_smallest_fault_with_the_strongest_response_whatever_the_arrival() {
        let faults = [
            fault(FaultKind::TransactionOrderingViolation, 0, 1),
            fault(FaultKind::ExecutionFailure, 1, 2),
            fault(FaultKind::CheckpointStateMismatch, 3, 2),
            fault(FaultKind::CheckpointStateMismatch, 2, 2),
            fault(FaultKind::StateRootMismatch, 3, 2),
            fault(FaultKind::ValidatorEquivocation, 0, 2),
        ];
        let expected_cause = fault(FaultKind::StateRootMismatch, 3, 2);
        let mut results = Vec::new();
        for order in [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [3, 0, 5, 1, 4, 2]] {
            let mut h = Harness::default_config();
            let arrived: Vec<_> = order.iter().map(|&i| faults[i]).collect();
            open(&mut h, &arrived);
            let events = h.engine.apply(&Message::AdvanceEpoch { epoch: Epoch(1) });
            let events = events.unwrap();
            let changed: Vec<_> = events
                .iter()
                .filter(|e| matches!(e, EngineEvent::StatusChanged { .. }))
                .collect();
            assert_eq!(
                *changed[0],
                EngineEvent::StatusChanged {
                    shard: ShardId(0),
                    from: ShardStatus::Normal,
                    to: ShardStatus::Isolated,
                    cause: expected_cause,
                    cause_id: compute_fault_id(ShardId(0), &expected_cause),
                }
            );
            results.push(h.engine.clone());
        }
        assert!(results.windows(2).all(|w| w[0] == w[1]));
    }

    #[test]
    fn a_weaker_fault_does_not_lower_or_repeat_a_status() {
        // Frozen, then a Medium fault. (An Isolated shard is not a good
        // example: at the next boundary its rollback starts, [R-RB-1].)
        let mut h = Harness::default_config();
        open(&mut h, &[fault(FaultKind::ExecutionFailure, 1, 2)]);
        h.engine
            .apply(&Message::AdvanceEpoch { epoch: Epoch(1) })
            .unwrap();
        assert_eq!(h.engine.snapshot().shards[0].status, ShardStatus::Frozen);
        open(&mut h, &[fault(FaultKind::LivenessFailure, 1, 2)]);
        let events = h
            .engine
            .apply(&Message::AdvanceEpoch { epoch: Epoch(2) })
            .unwrap();
        assert!(
            !events
                .iter()
                .any(|e| matches!(e, EngineEvent::StatusChanged { .. })),
            "{events:?}"
        );
        assert_eq!(h.engine.snapshot().shards[0].status, ShardStatus::Frozen);
        // The accused's slash, then the one status change. (The hand-built
        // liveness fault names v1 too, already slashed in window 0.)
        let kinds: Vec<_> = h
            .engine
            .audit_log()
            .iter()
            .map(|r| !matches!(r.entry, AuditEntry::Slash { .. }))
            .collect();
        assert_eq!(kinds, vec![false, true]);
    }

    #[test]
    fn the_status_rises_by_steps_each_with_its_own_record() {
        let params = Params::default_config().with_detection(1, 8, 4).unwrap();
        let mut h = Harness::new(params);
        let mut expected = Vec::new();
        for (epoch, kind, to) in [
            (1, FaultKind::LivenessFailure, ShardStatus::Investigating),
            (2, FaultKind::ExecutionFailure, ShardStatus::Frozen),
            (
                3,
                FaultKind::InvalidCrossShardReceipt,
                ShardStatus::Isolated,
            ),
        ] {
            let f = Fault {
                accused: (kind != FaultKind::LivenessFailure).then_some(ValidatorId(3)),
                ..fault(kind, 3, 1)
            };
            open(&mut h, &[f]);
            h.engine
                .apply(&Message::AdvanceEpoch {
                    epoch: Epoch(epoch),
                })
                .unwrap();
            expected.push(to);
        }
        let log = h.engine.audit_log();
        let tos: Vec<_> = log
            .iter()
            .filter_map(|r| match r.entry {
                AuditEntry::StatusChange { to, .. } => Some(to),
                _ => None,
            })
            .collect();
        assert_eq!(tos, expected);
        assert_eq!(verify_audit_chain(log), Ok(()));
        assert_eq!(h.engine.verify_audit_chain(), Ok(()));
    }

    #[test]
    fn old_faults_expire_after_the_status_change_and_the_status_stays() {
        // A_e = 2: a fault of epoch 0 is kept through epoch 2 and expires at
        // the boundary into epoch 3.
        let mut h = Harness::default_config();
        open(&mut h, &[fault(FaultKind::ExecutionFailure, 1, 2)]);
        for epoch in 1..=2 {
            let events = h.engine.apply(&Message::AdvanceEpoch {
                epoch: Epoch(epoch),
            });
            assert!(!events
                .unwrap()
                .iter()
                .any(|e| matches!(e, EngineEvent::FaultsExpired { .. })));
        }
        let events = h
            .engine
            .apply(&Message::AdvanceEpoch { epoch: Epoch(3) })
            .unwrap();
        assert_eq!(
            events,
            vec![
                EngineEvent::EpochAdvanced { epoch: Epoch(3) },
                EngineEvent::FaultsExpired {
                    shard: ShardId(0),
                    count: 1
                }
            ]
        );
        let view = h.engine.snapshot();
        assert!(view.shards[0].faults.is_empty());
        assert_eq!(view.shards[0].status, ShardStatus::Frozen);
    }

    #[test]
    fn a_fault_raises_its_own_shard_only() {
        let params = Params::new(3, 4, 2, 2, 2).unwrap();
        let mut h = Harness::new(params);
        let f = fault(FaultKind::ValidatorEquivocation, 5, 2);
        let state = h.engine.state_mut();
        state.shards[1]
            .faults
            .insert_for_test(f, compute_fault_id(ShardId(1), &f));
        h.engine
            .apply(&Message::AdvanceEpoch { epoch: Epoch(1) })
            .unwrap();
        let statuses: Vec<_> = h
            .engine
            .snapshot()
            .shards
            .iter()
            .map(|s| s.status)
            .collect();
        assert_eq!(
            statuses,
            vec![
                ShardStatus::Normal,
                ShardStatus::Frozen,
                ShardStatus::Normal
            ]
        );
        // Liveness evidence for shard 1 would be refused now (a block came
        // never, but only one epoch passed with L = 1).
        let before = h.engine.clone();
        assert!(h
            .engine
            .apply(&Message::Evidence(Evidence::Liveness { shard: ShardId(1) }))
            .is_err());
        assert!(h.engine == before);
    }
}
