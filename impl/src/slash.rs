//! Slashing and stake accounting: every registered validator's record, the
//! reserve, and the slashes an epoch boundary takes for a shard's open
//! faults (`spec/SPEC.md` §7, [R-SLASH-1] .. [R-SLASH-6]).
//!
//! A validator's record is its stake (`STAKE_GENESIS` at genesis), whether
//! it is tombstoned, and the offence windows it was slashed in, ascending
//! ([R-SLASH-1]). The table also knows where each validator sits (its
//! committee's shard, if any), so that "in no committee" is one lookup, and
//! keeps two indices that make a reassignment's draw cost the seats it
//! fills rather than the size of the reserve ([R-ASSIGN-1]):
//!
//! - the reserve (not tombstoned, in no committee) ascending by id, and the
//!   same set ascending by `(stake desc, id)`;
//! - a count, per validator, of the open faults that name it on any shard,
//!   kept up to date as faults open ([R-FAULT-5]) and expire
//!   ([R-FAULT-6]), so that eligibility ("not named by any open fault on
//!   any shard") never scans the shards.
//!
//! At an epoch boundary, in shard `s`'s turn ([R-EPOCH-2]), [`apply_slashes`]
//! takes `s`'s open faults in ascending order; each that names an accused
//! `v` slashes it unless `v` is tombstoned, was already slashed in the
//! fault's window, or sits in a committee that already has `f` vacancies
//! (deferred) ([R-SLASH-3], [R-SLASH-4]). The penalty is integer basis
//! points of the stake at that moment ([R-SLASH-2]); no floating point.

use crate::audit::{AuditEntry, RecordNote};
use crate::outcome::EngineEvent;
use crate::state::State;
use mend_spec::params::{BASIS_POINTS, STAKE_GENESIS};
use mend_spec::protocol::SlashReason;
use mend_spec::{Epoch, Fault, FaultKind, Params, ShardId, ValidatorId};
use serde::{Deserialize, Serialize};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};

/// [R-SLASH-1] One validator's record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ValidatorRecord {
    pub(crate) stake: u64,
    /// [R-SLASH-2] Barred for ever: in no committee and never drawn again.
    pub(crate) tombstoned: bool,
    /// [R-SLASH-3] The offence windows it was slashed in, ascending.
    pub(crate) slashed_windows: Vec<Epoch>,
    /// The shard whose committee it sits on, if any.
    pub(crate) seat: Option<ShardId>,
}

/// [R-SLASH-1], [R-ASSIGN-1] Every registered validator's record (index =
/// validator id) and the indices a draw reads (see the module header).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ValidatorTable {
    pub(super) records: Vec<ValidatorRecord>,
    /// Not tombstoned and in no committee, ascending by id.
    reserve: BTreeSet<ValidatorId>,
    /// The same validators, ascending by `(stake desc, id)`.
    reserve_by_stake: BTreeSet<(Reverse<u64>, ValidatorId)>,
    /// How many open faults, on any shard, name each validator (absent:
    /// none).
    accused: BTreeMap<ValidatorId, u32>,
}

impl ValidatorTable {
    /// [R-SLASH-1] The table at genesis: every validator at
    /// `STAKE_GENESIS`, validators `s*n .. s*n + n` on shard `s`'s
    /// committee ([R-CKPT-5]), the rest the reserve.
    pub(crate) fn genesis(params: &Params) -> ValidatorTable {
        let n = params.committee_size.max(1);
        let seated = params.shards.saturating_mul(n);
        let records = params
            .validator_ids()
            .map(|v| ValidatorRecord {
                stake: STAKE_GENESIS,
                tombstoned: false,
                slashed_windows: Vec::new(),
                seat: (v.0 < seated).then(|| ShardId(v.0 / n)),
            })
            .collect();
        let reserve: BTreeSet<ValidatorId> = params.genesis_reserve().collect();
        let reserve_by_stake = reserve
            .iter()
            .map(|v| (Reverse(STAKE_GENESIS), *v))
            .collect();
        ValidatorTable {
            records,
            reserve,
            reserve_by_stake,
            accused: BTreeMap::new(),
        }
    }

    /// Every record, ascending by validator id.
    pub(crate) fn records(&self) -> &[ValidatorRecord] {
        &self.records
    }

    /// The record of `validator`, if it is registered.
    pub(crate) fn get(&self, validator: ValidatorId) -> Option<&ValidatorRecord> {
        self.records.get(usize::from(validator.0))
    }

    /// [R-ASSIGN-1] Whether an open fault on any shard names `validator`.
    pub(crate) fn is_accused(&self, validator: ValidatorId) -> bool {
        self.accused.contains_key(&validator)
    }

    /// [R-ASSIGN-2] Whether `validator` may be drawn: not tombstoned, in no
    /// committee, and named by no open fault.
    #[cfg(test)]
    pub(crate) fn is_eligible(&self, validator: ValidatorId) -> bool {
        self.reserve.contains(&validator) && !self.is_accused(validator)
    }

    /// [R-ASSIGN-1] The eligible validators, ascending by id. Costs the
    /// validators it yields plus the accused ones it skips.
    pub(crate) fn eligible_by_id(&self) -> impl Iterator<Item = ValidatorId> + '_ {
        self.reserve
            .iter()
            .copied()
            .filter(|v| !self.is_accused(*v))
    }

    /// [R-ASSIGN-1] The eligible validators, by stake (highest first), then
    /// ascending id.
    pub(crate) fn eligible_by_stake(&self) -> impl Iterator<Item = ValidatorId> + '_ {
        self.reserve_by_stake
            .iter()
            .map(|(_, v)| *v)
            .filter(|v| !self.is_accused(*v))
    }

    /// [R-FAULT-5] An open fault now names its accused, if any.
    pub(crate) fn open_fault(&mut self, fault: &Fault) {
        if let Some(v) = fault.accused {
            let count = self.accused.entry(v).or_insert(0);
            *count = count.saturating_add(1);
        }
    }

    /// [R-FAULT-6] An open fault expired: it no longer names its accused.
    pub(crate) fn close_fault(&mut self, fault: &Fault) {
        let Some(v) = fault.accused else {
            return;
        };
        if let Some(count) = self.accused.get_mut(&v) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                self.accused.remove(&v);
            }
        }
    }

    /// [R-ASSIGN-2] `validator` takes a seat on `shard`'s committee and
    /// leaves the reserve.
    pub(crate) fn seat(&mut self, validator: ValidatorId, shard: ShardId) {
        let Some(record) = self.records.get_mut(usize::from(validator.0)) else {
            return;
        };
        record.seat = Some(shard);
        self.reserve.remove(&validator);
        self.reserve_by_stake
            .remove(&(Reverse(record.stake), validator));
    }

    /// [R-SLASH-3], [R-ASSIGN-1] `validator` leaves its seat and, unless it
    /// is tombstoned, joins the reserve.
    pub(crate) fn unseat(&mut self, validator: ValidatorId) {
        let Some(record) = self.records.get_mut(usize::from(validator.0)) else {
            return;
        };
        record.seat = None;
        if !record.tombstoned {
            self.reserve.insert(validator);
            self.reserve_by_stake
                .insert((Reverse(record.stake), validator));
        }
    }

    /// [R-SLASH-3] Lowers `validator`'s stake by `penalty`, records
    /// `window` (kept ascending) and tombstones it if `tombstones`; keeps
    /// the reserve's indices in step. Returns the stake before and after.
    fn slash(
        &mut self,
        validator: ValidatorId,
        penalty: u64,
        window: Epoch,
        tombstones: bool,
    ) -> (u64, u64) {
        let Some(record) = self.records.get_mut(usize::from(validator.0)) else {
            return (0, 0);
        };
        let before = record.stake;
        let in_reserve = self
            .reserve_by_stake
            .remove(&(Reverse(record.stake), validator));
        record.stake = before.saturating_sub(penalty);
        if let Err(at) = record.slashed_windows.binary_search(&window) {
            record.slashed_windows.insert(at, window);
        }
        record.tombstoned |= tombstones;
        if record.tombstoned {
            self.reserve.remove(&validator);
        } else if in_reserve {
            self.reserve_by_stake
                .insert((Reverse(record.stake), validator));
        }
        (before, record.stake)
    }
}

/// [R-SLASH-2] What a slash for one fault kind takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlashTerms {
    pub(crate) reason: SlashReason,
    /// The penalty, in basis points of the stake.
    pub(crate) basis_points: u64,
    pub(crate) tombstones: bool,
}

/// [R-SLASH-2] The reason, penalty and tombstone of each fault kind.
pub(crate) fn compute_slash_terms(kind: FaultKind) -> SlashTerms {
    let (reason, basis_points, tombstones) = match kind {
        FaultKind::ValidatorEquivocation => (SlashReason::Equivocation, 5_000, true),
        FaultKind::StateRootMismatch | FaultKind::CheckpointStateMismatch => {
            (SlashReason::FalseStateRoot, 10_000, true)
        }
        FaultKind::InvalidCrossShardReceipt => (SlashReason::CrossShardViolation, 5_000, true),
        FaultKind::LivenessFailure => (SlashReason::MissedProposals, 100, false),
        FaultKind::ExecutionFailure | FaultKind::TransactionOrderingViolation => {
            (SlashReason::TransactionMisbehaviour, 1_000, false)
        }
    };
    SlashTerms {
        reason,
        basis_points,
        tombstones,
    }
}

/// [R-SLASH-3] Whether `fault` is the one that slashes its accused for its
/// window among `faults` (a shard's open faults): the heaviest reason wins
/// (a tombstone before none, then the larger penalty), ties going to the
/// first in fault order. So a cheap offence in the same window can never
/// spare a validator the tombstone of a worse one, whatever arrived first.
fn is_heaviest_in_window(faults: &[(Fault, crate::wire::Hash32)], fault: &Fault) -> bool {
    let weight = |f: &Fault| {
        let terms = compute_slash_terms(f.kind);
        (terms.tombstones, terms.basis_points)
    };
    faults.iter().all(|(other, _)| {
        other.accused != fault.accused
            || other.epoch != fault.epoch
            || weight(other) < weight(fault)
            || (weight(other) == weight(fault) && other >= fault)
    })
}

/// [R-SLASH-2] `floor(stake * bp / 10_000)`, in integers. With `bp` at most
/// `BASIS_POINTS` the result is at most `stake`; a larger `bp` is clamped to
/// the whole stake.
pub(crate) fn compute_penalty(stake: u64, basis_points: u64) -> u64 {
    let penalty = u128::from(stake) * u128::from(basis_points) / u128::from(BASIS_POINTS);
    u64::try_from(penalty).map_or(stake, |p| p.min(stake))
}

/// [R-SLASH-3] The validator `fault` slashes, and on what terms: its
/// accused; or, under the `SlashWithoutEvidence` seeded bug only, the
/// lowest member of `committee` for an open liveness fault.
fn slash_subject(
    state: &State,
    committee: &[ValidatorId],
    fault: &Fault,
) -> Option<(ValidatorId, SlashTerms)> {
    let terms = compute_slash_terms(fault.kind);
    match fault.accused {
        Some(v) => Some((v, terms)),
        None if fault.kind == FaultKind::LivenessFailure
            && state.rules.is_liveness_slashing_the_lowest_member() =>
        {
            committee.first().map(|v| (*v, terms))
        }
        None => None,
    }
}

/// [R-SLASH-3], [R-SLASH-4], [R-EPOCH-2] step 2: slashes the validators the
/// open faults of the shard at `index` name, in ascending fault order, each
/// seeing the slashes before it. Each slash appends one `Slash` record and
/// emits `ValidatorSlashed`.
pub(crate) fn apply_slashes(state: &mut State, index: usize) -> Vec<EngineEvent> {
    let Some(shard) = state.shards.get(index) else {
        return Vec::new();
    };
    let shard_id = shard.id;
    // The faults are read once; the loop below changes records and the
    // committee, never the open faults.
    let faults: Vec<(Fault, crate::wire::Hash32)> =
        shard.faults.iter().map(|(f, id)| (*f, *id)).collect();
    let n = usize::from(state.params.committee_size);
    let f = state.params.fault_tolerance();
    let epoch = state.epoch;
    let mut events = Vec::new();
    for &(fault, fault_id) in &faults {
        let committee = state.shards[index].committee.members();
        let Some((validator, terms)) = slash_subject(state, committee, &fault) else {
            continue;
        };
        if fault.accused.is_some() && !is_heaviest_in_window(&faults, &fault) {
            continue;
        }
        let Some(record) = state.validators.get(validator) else {
            continue;
        };
        let window = fault.epoch;
        // Tombstoned: barred for ever, nothing more to take.
        if record.tombstoned {
            continue;
        }
        // Never twice for one offence window, whatever the reason.
        if record.slashed_windows.binary_search(&window).is_ok() {
            continue;
        }
        // [R-SLASH-4] Deferred: the committee already has `f` vacancies.
        let sits = state.shards[index].committee.is_member(validator);
        if sits && n.saturating_sub(state.shards[index].committee.len()) >= f {
            continue;
        }
        let penalty = compute_penalty(record.stake, terms.basis_points);
        let (stake_before, stake_after) =
            state
                .validators
                .slash(validator, penalty, window, terms.tombstones);
        // Every slash disables: the validator leaves its committee.
        if state.shards[index].committee.remove(validator) {
            state.validators.unseat(validator);
        }
        let tombstoned = state
            .validators
            .get(validator)
            .is_some_and(|r| r.tombstoned);
        state.audit.append(
            epoch,
            AuditEntry::Slash {
                validator,
                shard: shard_id,
                reason: terms.reason,
                fault: fault_id,
                window,
                stake_before,
                stake_after,
                tombstoned,
            },
            RecordNote {
                cause: Some(fault),
                target: None,
            },
        );
        events.push(EngineEvent::ValidatorSlashed {
            validator,
            shard: shard_id,
            reason: terms.reason,
            window,
            penalty,
            tombstoned,
        });
    }
    events
}

#[cfg(test)]
mod tests;
