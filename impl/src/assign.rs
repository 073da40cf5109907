//! Committee reassignment: refilling a committee that slashing left with
//! vacancies, by one of three strategies (`spec/SPEC.md` §7, [R-ASSIGN-1]
//! .. [R-ASSIGN-4]).
//!
//! At an epoch boundary, in shard `s`'s turn and after its slashes
//! ([R-EPOCH-2]), a committee with fewer than `n` members draws from the
//! **eligible** validators: not tombstoned, in no committee, and named by
//! no open fault on any shard as the faults stand at that moment
//! ([R-ASSIGN-1]). Then:
//!
//! - `PrioritizeSlashed` fills the empty seats from the eligible, ascending
//!   by id;
//! - `StakeBalance` fills them by stake, highest first, then ascending id;
//! - `DeterministicReshuffle` redraws the whole committee from its members
//!   and the eligible, ranked by `SHA3-256("mend/reshuffle/v1" || epoch ||
//!   seed root || validator)`, lowest first, ties by id; the seed root is
//!   the concrete state root of the shard's latest retained finalized
//!   checkpoint, or its genesis root ([R-ASSIGN-4]: the model ranks by the
//!   digest of its abstract root instead).
//!
//! Every ranking is over sorted ids with integer keys or digests compared
//! as bytes, never arrival order ([R-ASSIGN-4], [R-DET-0]). The first two
//! cost the seats they fill (plus the accused reserve members they skip);
//! the reshuffle ranks every eligible validator, as its definition
//! requires.

use crate::audit::{AuditEntry, RecordNote};
use crate::crypto::compute_genesis_root;
use crate::outcome::EngineEvent;
use crate::state::{Committee, State};
use crate::wire::Hash32;
use mend_spec::audit::compute_reshuffle_rank;
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::{Epoch, ValidatorId};

/// [R-ASSIGN-1] `DeterministicReshuffle`: the first `n` of `candidates`
/// ranked by `(compute_reshuffle_rank(epoch, seed, v), v)`, ascending; the
/// result is ascending by id. Candidates are deduplicated, so their order
/// and repeats do not matter.
pub(crate) fn compute_reshuffle(
    epoch: Epoch,
    seed: &Hash32,
    candidates: impl IntoIterator<Item = ValidatorId>,
    n: usize,
) -> Vec<ValidatorId> {
    let mut ranked: Vec<([u8; 32], ValidatorId)> = candidates
        .into_iter()
        .map(|v| (compute_reshuffle_rank(epoch, seed, v), v))
        .collect();
    ranked.sort_unstable();
    ranked.dedup();
    let mut drawn: Vec<ValidatorId> = ranked.into_iter().take(n).map(|(_, v)| v).collect();
    drawn.sort_unstable();
    drawn
}

/// [R-ASSIGN-1] The seed of a reshuffle of the shard at `index`: the state
/// root of its latest retained finalized checkpoint, or its genesis root.
fn reshuffle_seed(state: &State, index: usize) -> Hash32 {
    let shard = &state.shards[index];
    shard
        .checkpoints
        .latest_finalized()
        .map_or_else(|| compute_genesis_root(shard.id), |f| f.body.state_root)
}

/// [R-ASSIGN-1], [R-ASSIGN-2] The committee the strategy draws for the shard
/// at `index` whose committee is `before` (shorter than `n`); `None` if no
/// validator is eligible. Reads the state only.
fn draw(state: &State, index: usize, before: &[ValidatorId]) -> Option<Vec<ValidatorId>> {
    let n = usize::from(state.params.committee_size);
    let seats = n.saturating_sub(before.len());
    let validators = &state.validators;
    let keep_sitting = state.rules.are_sitting_members_kept();
    let added: Vec<ValidatorId> = match state.params.reassignment {
        ReassignmentStrategy::PrioritizeSlashed => {
            validators.eligible_by_id().take(seats).collect()
        }
        ReassignmentStrategy::StakeBalance => validators.eligible_by_stake().take(seats).collect(),
        ReassignmentStrategy::DeterministicReshuffle => {
            let eligible: Vec<ValidatorId> = validators.eligible_by_id().collect();
            if eligible.is_empty() {
                return None;
            }
            let seed = reshuffle_seed(state, index);
            let drawn = compute_reshuffle(
                state.epoch,
                &seed,
                before.iter().copied().chain(eligible),
                n,
            );
            if keep_sitting {
                return Some(drawn);
            }
            // Seeded bug: only the drawn validators that were not sitting.
            return Some(
                drawn
                    .into_iter()
                    .filter(|v| before.binary_search(v).is_err())
                    .collect(),
            );
        }
    };
    if added.is_empty() {
        return None;
    }
    let mut after = if keep_sitting {
        before.to_vec()
    } else {
        Vec::new()
    };
    after.extend(added);
    after.sort_unstable();
    Some(after)
}

/// [R-ASSIGN-2], [R-EPOCH-2] step 3: refills the committee of the shard at
/// `index` if it has vacancies and a validator is eligible. If the new
/// committee differs from the old, it takes effect at once: seats are
/// updated, one `Reassignment` record is appended and
/// `CommitteeReassigned` is emitted.
pub(crate) fn reassign(state: &mut State, index: usize) -> Option<EngineEvent> {
    let shard = state.shards.get(index)?;
    if shard.committee.len() >= usize::from(state.params.committee_size) {
        return None;
    }
    let before = shard.committee.members().to_vec();
    let after = draw(state, index, &before)?;
    if after == before {
        return None;
    }
    let shard_id = shard.id;
    for v in &before {
        if after.binary_search(v).is_err() {
            state.validators.unseat(*v);
        }
    }
    for v in &after {
        if before.binary_search(v).is_err() {
            state.validators.seat(*v, shard_id);
        }
    }
    state.shards[index].committee = Committee::from_members(after.clone());
    let strategy = state.params.reassignment;
    state.audit.append(
        state.epoch,
        AuditEntry::Reassignment {
            shard: shard_id,
            strategy,
            before,
            after: after.clone(),
        },
        RecordNote {
            cause: None,
            target: None,
        },
    );
    Some(EngineEvent::CommitteeReassigned {
        shard: shard_id,
        committee: after,
    })
}

#[cfg(test)]
mod tests;
