//! Slashing: the validators that valid evidence names lose stake and leave
//! their committees, at the epoch boundary in their shard's turn
//! ([R-SLASH-1] .. [R-SLASH-6]).
//!
//! Each open fault of the shard that names an accused is taken in
//! ascending fault order; its offence window is the fault's epoch. The
//! accused is slashed unless it is tombstoned, was already slashed in that
//! window, or sits in the shard's committee while the committee already
//! has `f` vacancies (the slash is then deferred to the next boundary, if
//! the fault is still open). A slash takes the penalty of its reason in
//! basis points of the stake, records the window, tombstones for the
//! reasons that do, disables the validator (it leaves its committee), and
//! appends one `Slash` record with `ValidatorSlashed` ([R-AUDIT-1]).
//! Processing is sequential: a later fault sees the earlier slashes.

use mend_spec::audit::compute_next_record;
use mend_spec::params::BASIS_POINTS;
use mend_spec::protocol::SlashReason;
use mend_spec::{AuditEntry, Epoch, Event, Fault, FaultKind, Params, SeededBug, ValidatorId, View};

/// [R-SLASH-2] The reason a fault of `kind` slashes for, by the table's
/// rows.
pub fn compute_slash_reason(kind: FaultKind) -> SlashReason {
    match kind {
        FaultKind::ValidatorEquivocation => SlashReason::Equivocation,
        FaultKind::StateRootMismatch | FaultKind::CheckpointStateMismatch => {
            SlashReason::FalseStateRoot
        }
        FaultKind::InvalidCrossShardReceipt => SlashReason::CrossShardViolation,
        FaultKind::LivenessFailure => SlashReason::MissedProposals,
        FaultKind::ExecutionFailure | FaultKind::TransactionOrderingViolation => {
            SlashReason::TransactionMisbehaviour
        }
    }
}

/// [R-SLASH-2] The penalty of a reason, in basis points of the stake.
pub fn compute_penalty_basis_points(reason: SlashReason) -> u64 {
    match reason {
        SlashReason::Equivocation | SlashReason::CrossShardViolation => 5_000,
        SlashReason::FalseStateRoot => 10_000,
        SlashReason::MissedProposals => 100,
        SlashReason::TransactionMisbehaviour => 1_000,
    }
}

/// [R-SLASH-2] Whether a reason tombstones: the three that prove a false
/// statement do, missed proposals and transaction misbehaviour do not.
pub fn is_tombstoning(reason: SlashReason) -> bool {
    match reason {
        SlashReason::Equivocation
        | SlashReason::FalseStateRoot
        | SlashReason::CrossShardViolation => true,
        SlashReason::MissedProposals | SlashReason::TransactionMisbehaviour => false,
    }
}

/// [R-SLASH-2] `floor(stake * bp / 10_000)`, in integers; the product is
/// taken in `u128` so that it cannot overflow, and the quotient is at most
/// the stake for `bp <= 10_000`.
pub fn compute_penalty(stake: u64, basis_points: u64) -> u64 {
    let penalty = u128::from(stake) * u128::from(basis_points) / u128::from(BASIS_POINTS);
    u64::try_from(penalty).unwrap_or(stake)
}

/// [R-SLASH-4] The vacancies of a committee of `size` members: `n` minus
/// its size (never negative).
pub fn compute_vacancies(params: &Params, size: usize) -> usize {
    usize::from(params.committee_size).saturating_sub(size)
}

/// The index of `validator`'s record in the view's validator list, which
/// is ascending by id ([R-SLASH-1]).
pub(super) fn find_validator(view: &View, validator: ValidatorId) -> Option<usize> {
    view.validators
        .binary_search_by_key(&validator, |v| v.validator)
        .ok()
}

/// [R-SLASH-3] The validator a fault slashes: its accused. Under the seeded
/// bug `SlashWithoutEvidence` a liveness fault, which names nobody, slashes
/// the lowest member of the shard's committee (if any).
fn compute_slashed(
    view: &View,
    index: usize,
    bug: Option<SeededBug>,
    fault: &Fault,
) -> Option<ValidatorId> {
    match fault.accused {
        Some(accused) => Some(accused),
        None if bug == Some(SeededBug::SlashWithoutEvidence)
            && fault.kind == FaultKind::LivenessFailure =>
        {
            view.shards[index].committee.first().copied()
        }
        None => None,
    }
}

/// [R-SLASH-3] Whether `validator` is slashed for a fault of window
/// `window` on the shard at `index` now: not if it is tombstoned, not if it
/// was already slashed in that window, and not (deferred) if it sits in the
/// shard's committee while the committee has `f` vacancies already
/// ([R-SLASH-4]).
pub fn is_slashable(
    view: &View,
    params: &Params,
    index: usize,
    validator: ValidatorId,
    window: Epoch,
) -> bool {
    let Some(record) = find_validator(view, validator).map(|i| &view.validators[i]) else {
        return false;
    };
    if record.tombstoned || record.slashed_windows.binary_search(&window).is_ok() {
        return false;
    }
    let committee = &view.shards[index].committee;
    let is_deferred = committee.contains(&validator)
        && compute_vacancies(params, committee.len()) >= params.fault_tolerance();
    !is_deferred
}

/// [R-SLASH-3] Whether `fault` is the one that slashes its accused for its
/// window among `faults`: the heaviest reason (a tombstone before none, then
/// the larger penalty), ties to the first in fault order.
pub fn is_heaviest_in_window(faults: &[Fault], fault: &Fault) -> bool {
    let weight = |f: &Fault| {
        let reason = compute_slash_reason(f.kind);
        (is_tombstoning(reason), compute_penalty_basis_points(reason))
    };
    faults.iter().all(|other| {
        other.accused != fault.accused
            || other.epoch != fault.epoch
            || weight(other) < weight(fault)
            || (weight(other) == weight(fault) && other >= fault)
    })
}

/// [R-SLASH-3] Slashes, in the turn of the shard at `index` at the boundary
/// (the view is already in the new epoch), the validators its open faults
/// name, in ascending fault order, each after the ones before it.
pub(super) fn process_slashes(
    view: &mut View,
    params: &Params,
    index: usize,
    bug: Option<SeededBug>,
    events: &mut Vec<Event>,
) {
    let faults = view.shards[index].faults.clone();
    for &fault in &faults {
        let Some(validator) = compute_slashed(view, index, bug, &fault) else {
            continue;
        };
        if fault.accused.is_some() && !is_heaviest_in_window(&faults, &fault) {
            continue;
        }
        if !is_slashable(view, params, index, validator, fault.epoch) {
            continue;
        }
        process_slash(view, index, validator, fault, events);
    }
}

/// [R-SLASH-3] Slashes `validator` for `fault` on the shard at `index`: the
/// penalty of its reason, its window recorded (ascending), its tombstone,
/// and its seat emptied if it sits in the shard's committee; one `Slash`
/// record and `ValidatorSlashed`.
fn process_slash(
    view: &mut View,
    index: usize,
    validator: ValidatorId,
    fault: Fault,
    events: &mut Vec<Event>,
) {
    let Some(position) = find_validator(view, validator) else {
        return;
    };
    let reason = compute_slash_reason(fault.kind);
    let window = fault.epoch;
    let record = &mut view.validators[position];
    let stake_before = record.stake;
    let penalty = compute_penalty(stake_before, compute_penalty_basis_points(reason));
    record.stake = stake_before - penalty;
    if let Err(at) = record.slashed_windows.binary_search(&window) {
        record.slashed_windows.insert(at, window);
    }
    record.tombstoned |= is_tombstoning(reason);
    let tombstoned = record.tombstoned;
    let stake_after = record.stake;
    // Every slash disables: the validator leaves the committee it sits in.
    let shard = &mut view.shards[index];
    shard.committee.retain(|v| *v != validator);
    let shard_id = shard.shard;
    let entry = AuditEntry::Slash {
        validator,
        shard: shard_id,
        reason,
        fault,
        window,
        stake_before,
        stake_after,
        tombstoned,
    };
    let next = compute_next_record(&view.audit, view.epoch, entry);
    view.audit.push(next);
    events.push(Event::ValidatorSlashed {
        validator,
        shard: shard_id,
        reason,
        window,
        penalty,
        tombstoned,
    });
}
