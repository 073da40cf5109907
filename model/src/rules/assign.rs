//! Committee reassignment: a committee with vacancies is refilled from the
//! reserve at the epoch boundary, in its shard's turn, after its slashes
//! ([R-ASSIGN-1] .. [R-ASSIGN-4]).
//!
//! The reserve is every validator that is neither tombstoned nor in a
//! committee ([R-SLASH-1]); the candidates are those of it that no open
//! fault on any shard names, as the faults stand at that moment of the
//! boundary (the shards before this one have already expired their old
//! faults). The configured strategy ranks them by sorted ids, stakes or
//! SHA3-256 digests only, so the draw is the same on every machine
//! ([R-ASSIGN-4]). A change of committee appends one `Reassignment` record
//! and emits `CommitteeReassigned`.

use mend_spec::audit::{compute_abstract_root_digest, compute_next_record, compute_reshuffle_rank};
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::{AuditEntry, Event, Params, SeededBug, StateRoot, ValidatorId, View};

/// [R-ASSIGN-1] The validators a draw may add to a committee, ascending:
/// not tombstoned, in no committee, and named by no open fault on any
/// shard (a reserve validator that may still be slashed stays where its
/// slash will find it).
pub fn compute_eligible(view: &View) -> Vec<ValidatorId> {
    view.validators
        .iter()
        .filter(|v| !v.tombstoned)
        .map(|v| v.validator)
        .filter(|v| !view.shards.iter().any(|s| s.committee.contains(v)))
        .filter(|v| {
            !view
                .shards
                .iter()
                .any(|s| s.faults.iter().any(|f| f.accused == Some(*v)))
        })
        .collect()
}

/// [R-ASSIGN-1] The stake of `validator` (0 for an unknown id, which the
/// eligible list never holds).
fn stake_of(view: &View, validator: ValidatorId) -> u64 {
    super::slash::find_validator(view, validator).map_or(0, |i| view.validators[i].stake)
}

/// [R-ASSIGN-1] The seed of a deterministic reshuffle in the model: the
/// digest of the abstract root of the shard's latest retained finalized
/// checkpoint, or of its genesis root ([R-ASSIGN-4]: the engine ranks by
/// the concrete root instead).
pub fn compute_reshuffle_seed(view: &View, index: usize) -> [u8; 32] {
    let root = view.shards[index]
        .latest_finalized()
        .map_or(StateRoot::Genesis, |f| f.checkpoint.root);
    compute_abstract_root_digest(root)
}

/// [R-ASSIGN-1] The committee the strategy draws for the shard at `index`
/// from its sitting `committee` and the `eligible` validators (non-empty),
/// ascending, and the validators it added. Under the seeded bug
/// `ReassignBelowQuorum` the new committee is only the added validators:
/// the sitting members are dropped.
pub fn compute_draw(
    view: &View,
    params: &Params,
    index: usize,
    bug: Option<SeededBug>,
    committee: &[ValidatorId],
    eligible: &[ValidatorId],
) -> Vec<ValidatorId> {
    let n = usize::from(params.committee_size);
    let seats = n.saturating_sub(committee.len());
    let mut drawn: Vec<ValidatorId> = match params.reassignment {
        // Only the emptied seats, from the reserve in ascending id.
        ReassignmentStrategy::PrioritizeSlashed => eligible.iter().copied().take(seats).collect(),
        // Only the emptied seats, highest stake first, ties by id.
        ReassignmentStrategy::StakeBalance => {
            let mut ranked = eligible.to_vec();
            ranked.sort_by_key(|v| (std::cmp::Reverse(stake_of(view, *v)), *v));
            ranked.into_iter().take(seats).collect()
        }
        // The whole committee redrawn from its members and the reserve,
        // lowest rank first, ties by id; the epoch is the new one.
        ReassignmentStrategy::DeterministicReshuffle => {
            let seed = compute_reshuffle_seed(view, index);
            let mut candidates: Vec<ValidatorId> =
                committee.iter().chain(eligible).copied().collect();
            candidates.sort_by_key(|v| (compute_reshuffle_rank(view.epoch, &seed, *v), *v));
            candidates.truncate(n);
            let mut chosen = candidates;
            if bug != Some(SeededBug::ReassignBelowQuorum) {
                chosen.sort();
                return chosen;
            }
            chosen.retain(|v| !committee.contains(v));
            chosen
        }
    };
    if bug != Some(SeededBug::ReassignBelowQuorum) {
        drawn.extend_from_slice(committee);
    }
    drawn.sort();
    drawn
}

/// [R-ASSIGN-2] Refills the committee of the shard at `index` (the view is
/// in the new epoch, after the shard's slashes): if it has vacancies and
/// some validator is eligible, the strategy draws and the new committee
/// takes effect at once; if it differs from the committee before the draw,
/// one `Reassignment` record is appended and `CommitteeReassigned`
/// emitted. A committee that cannot be filled keeps its members and draws
/// again at the next boundary.
pub(super) fn process_reassignment(
    view: &mut View,
    params: &Params,
    index: usize,
    bug: Option<SeededBug>,
    events: &mut Vec<Event>,
) {
    let before = view.shards[index].committee.clone();
    if before.len() >= usize::from(params.committee_size) {
        return;
    }
    let eligible = compute_eligible(view);
    if eligible.is_empty() {
        return;
    }
    let after = compute_draw(view, params, index, bug, &before, &eligible);
    if after == before {
        return;
    }
    let shard = &mut view.shards[index];
    shard.committee = after.clone();
    let shard_id = shard.shard;
    let entry = AuditEntry::Reassignment {
        shard: shard_id,
        strategy: params.reassignment,
        before,
        after: after.clone(),
    };
    let record = compute_next_record(&view.audit, view.epoch, entry);
    view.audit.push(record);
    events.push(Event::CommitteeReassigned {
        shard: shard_id,
        committee: after,
    });
}
