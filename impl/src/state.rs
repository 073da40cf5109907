//! The engine's state and its genesis: the epoch, the registered keys, the
//! audit log, the cross-shard transactions, and per shard its status,
//! committee, chain head, checkpoints, open faults, lock table and rollback
//! ([R-DEF-1], [R-ISO-1], [R-FAULT-7], [R-XTX-1], [R-RB-1]).
//!
//! Shards are held in a `Vec` indexed by shard id, so one message costs the
//! same whatever the number of shards it does not name. A [`KnownShard`] is
//! the proof that an id was looked up and found: validation produces one,
//! application consumes it, and the shard list never shrinks, so it stays
//! valid for the life of the state.
//!
//! Memory per shard is `O(A_b + W + K + P·n·c + open faults + locks)`
//! ([R-FAULT-7]), `c` being one plus the number of checkpoints the shard
//! finalized in the current epoch: the last `A_b + W` blocks, the retained
//! finalized checkpoints (`K`, plus those finalized in the epoch until the
//! boundary prunes them, [R-CKPT-9]) and the pending ones (at most `P` live
//! per finalization of the epoch, stale siblings included, each with at most
//! `n` votes, [R-CKPT-8]), the open faults, which expiry bounds
//! ([R-FAULT-6]), the lock table and the index of the shard's xtxs in flight
//! (one entry per lock).
//! Only the audit log, append-only by design ([R-AUDIT-1]), and the table of
//! every xtx ever prepared, whose ids are never reused ([R-XTX-1]), grow
//! with history.

use crate::audit::AuditLog;
use crate::block::ChainHead;
use crate::bugs::Rules;
use crate::checkpoint::ShardCheckpoints;
use crate::detect::OpenFaults;
use crate::heal::Healing;
use crate::outcome::{GenesisError, RestoreError};
use crate::rollback::Rollback;
use crate::slash::ValidatorTable;
use crate::wire::Hash32;
use crate::xtx::{ShardXtx, XtxTable};
use ed25519_dalek::VerifyingKey;
use mend_spec::protocol::PipelineStage;
use mend_spec::{
    compute_genesis_committee, Epoch, Fault, Generation, Params, ShardId, ShardStatus, ValidatorId,
};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Everything the engine knows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) params: Params,
    /// Index = validator id ([R-CKPT-5]: the key registered at genesis).
    /// Fixed at genesis, so shared: cloning an engine does not copy them.
    /// Encoded as 32 bytes each; decoding re-checks each point.
    #[serde(with = "keys_encoding")]
    pub(crate) keys: Arc<[VerifyingKey]>,
    /// [R-EPOCH-1] The current epoch.
    pub(crate) epoch: Epoch,
    /// Index = shard id.
    pub(crate) shards: Vec<ShardState>,
    /// [R-SLASH-1] Every registered validator's record (index = validator
    /// id), the reserve, and the validators open faults accuse.
    pub(crate) validators: ValidatorTable,
    /// [R-AUDIT-1] The global, append-only audit log.
    pub(crate) audit: AuditLog,
    /// [R-XTX-1] Every cross-shard transaction ever prepared, by id.
    pub(crate) transactions: XtxTable,
    /// Not encoded ([R-JOURNAL-7]): the journal only ever builds engines
    /// with the honest rules, so a snapshot never carries a seeded bug into
    /// a normal build, and a decoded state always runs the honest rules.
    #[serde(skip)]
    pub(crate) rules: Rules,
}

/// [R-JOURNAL-7] The registered keys in a snapshot: a list of 32-byte
/// compressed points. Decoding refuses bytes that are not a point, so a
/// decoded state never holds a key that `VerifyingKey::from_bytes` would
/// refuse.
mod keys_encoding {
    use ed25519_dalek::VerifyingKey;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::sync::Arc;

    pub(super) fn serialize<S: Serializer>(
        keys: &Arc<[VerifyingKey]>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        let bytes: Vec<[u8; 32]> = keys.iter().map(VerifyingKey::to_bytes).collect();
        bytes.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Arc<[VerifyingKey]>, D::Error> {
        let bytes = Vec::<[u8; 32]>::deserialize(deserializer)?;
        bytes
            .iter()
            .map(|key| {
                VerifyingKey::from_bytes(key)
                    .map_err(|_| D::Error::custom("a key is not an ed25519 point"))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Arc::from)
    }
}

/// One shard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ShardState {
    pub(crate) id: ShardId,
    /// [R-ISO-1] Raised only at epoch boundaries ([R-ISO-3]).
    pub(crate) status: ShardStatus,
    /// [R-CKPT-5] The rollback generation: 0 at genesis, one more after
    /// each restoration ([R-RB-4]).
    pub(crate) generation: Generation,
    pub(crate) committee: Committee,
    pub(crate) chain: ChainHead,
    pub(crate) checkpoints: ShardCheckpoints,
    /// [R-FAULT-5] The faults proven against this shard and not yet expired.
    pub(crate) faults: OpenFaults,
    /// [R-RB-1] The cause of the latest status change; `None` while the
    /// status never changed.
    pub(crate) status_cause: Option<StatusCause>,
    /// [R-XTX-1] The lock table and the shard's xtxs in flight.
    pub(crate) xtx: ShardXtx,
    /// [R-RB-1], [R-RB-2] The rollback in progress, or the completed one
    /// until healing takes the shard over.
    pub(crate) rollback: Option<Rollback>,
    /// [R-HEAL-1] The healing in progress, or the last one (reintegrated or
    /// failed) until the next healing replaces it.
    pub(crate) healing: Option<Healing>,
    /// [R-PIPE-1] The stage of the shard's recovery pipeline, if one ever
    /// started.
    pub(crate) pipeline: Option<PipelineStage>,
}

/// [R-ISO-3], [R-RB-1] The cause of a status change: the fault and its id
/// ([R-FAULT-4]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StatusCause {
    pub(crate) fault: Fault,
    pub(crate) id: Hash32,
}

/// A shard id that names an existing shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KnownShard(usize);

/// A committee: distinct validator ids, ascending ([R-DET-0]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Committee {
    members: Vec<ValidatorId>,
}

impl Committee {
    /// [R-CKPT-5] The genesis committee of `shard`: validators
    /// `shard*n .. shard*n + n`.
    fn genesis(params: &Params, shard: ShardId) -> Committee {
        let members = compute_genesis_committee(params, shard);
        assert!(
            members.windows(2).all(|w| w[0] < w[1]),
            "a committee is ascending and has no repeated member"
        );
        Committee { members }
    }

    /// Whether `validator` sits on this committee. Binary search, so that a
    /// vote costs `O(log n)` here whatever the committee's shape.
    pub(crate) fn is_member(&self, validator: ValidatorId) -> bool {
        self.members.binary_search(&validator).is_ok()
    }

    pub(crate) fn len(&self) -> usize {
        self.members.len()
    }

    /// [R-SLASH-3] Removes `validator` if it sits here; whether it did.
    pub(crate) fn remove(&mut self, validator: ValidatorId) -> bool {
        match self.members.binary_search(&validator) {
            Ok(at) => {
                self.members.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// [R-ASSIGN-2] A committee of `members`, sorted ascending and without
    /// repeats, whatever order they come in.
    pub(crate) fn from_members(mut members: Vec<ValidatorId>) -> Committee {
        members.sort_unstable();
        members.dedup();
        Committee { members }
    }

    /// The members, ascending.
    pub(crate) fn members(&self) -> &[ValidatorId] {
        &self.members
    }
}

/// [R-PARAM-1], [R-CKPT-5] The checks genesis makes on its parameters and
/// keys, shared with [`State::check_restored`] so that a decoded state
/// passes the same ones: the parameters re-built through their checked
/// constructors, one key per validator, and no weak key.
fn check_params_and_keys(params: Params, keys: &[VerifyingKey]) -> Result<Params, GenesisError> {
    // `Params` has public fields: check its bounds here rather than trust
    // that it came from `Params::new`. This also keeps
    // `params.validators()` below from overflowing. The detection bounds
    // `L`, `A_e`, `A_b` and the rollback window `W` are carried over and
    // checked, not reset to their defaults ([R-PARAM-3]); so are the
    // reserve `R` and the reassignment strategy ([R-SLASH-1]).
    let params = Params::new(
        params.shards,
        params.committee_size,
        params.checkpoint_interval_blocks,
        params.retention_checkpoints,
        params.pending_checkpoints_max,
    )
    .and_then(|checked| {
        checked.with_detection(
            params.liveness_epochs,
            params.evidence_age_epochs,
            params.evidence_age_blocks,
        )
    })
    .and_then(|checked| checked.with_rollback_window(params.rollback_window_blocks))
    .and_then(|checked| checked.with_recovery(params.reserve_validators, params.reassignment))
    .map_err(GenesisError::Params)?;
    let expected = params.validators();
    if keys.len() != usize::from(expected) {
        return Err(GenesisError::KeyCount {
            expected,
            got: keys.len(),
        });
    }
    if let Some(validator) = params
        .validator_ids()
        .zip(keys)
        .find_map(|(validator, key)| key.is_weak().then_some(validator))
    {
        return Err(GenesisError::WeakKey { validator });
    }
    Ok(params)
}

impl State {
    /// The state at genesis: epoch 0, every shard at height 0 with its
    /// genesis root and committee, nothing pending or finalized.
    pub(crate) fn genesis(
        params: Params,
        keys: Vec<VerifyingKey>,
        rules: Rules,
    ) -> Result<State, GenesisError> {
        let params = check_params_and_keys(params, &keys)?;
        let shards = params
            .shard_ids()
            .map(|shard| ShardState {
                id: shard,
                status: ShardStatus::Normal,
                generation: Generation(0),
                committee: Committee::genesis(&params, shard),
                chain: ChainHead::genesis(shard),
                checkpoints: ShardCheckpoints::default(),
                faults: OpenFaults::default(),
                status_cause: None,
                xtx: ShardXtx::default(),
                rollback: None,
                healing: None,
                pipeline: None,
            })
            .collect();
        let validators = ValidatorTable::genesis(&params);
        Ok(State {
            params,
            keys: keys.into(),
            epoch: Epoch(0),
            shards,
            validators,
            audit: AuditLog::default(),
            transactions: XtxTable::default(),
            rules,
        })
    }

    /// [R-JOURNAL-7] Checks that a state decoded from a snapshot has the
    /// shape every rule indexes by: the genesis checks on its parameters and
    /// keys, one shard per id in id order, committees of registered
    /// validators in ascending order, one validator record per validator,
    /// and transactions naming existing shards. A state that passes can be
    /// read (its view taken) without a panic; whether it is reachable is not
    /// checked, which only a replay from genesis could do.
    pub(crate) fn check_restored(&self) -> Result<(), RestoreError> {
        let checked =
            check_params_and_keys(self.params, &self.keys).map_err(RestoreError::Genesis)?;
        if checked != self.params {
            return Err(RestoreError::ParamsNotCanonical);
        }
        if self.shards.len() != usize::from(self.params.shards) {
            return Err(RestoreError::ShardCount {
                expected: self.params.shards,
                got: self.shards.len(),
            });
        }
        let validators = self.params.validators();
        for (index, shard) in self.shards.iter().enumerate() {
            if usize::from(shard.id.0) != index {
                return Err(RestoreError::ShardOrder {
                    index,
                    id: shard.id,
                });
            }
            let members = shard.committee.members();
            let ordered = members.windows(2).all(|w| w[0] < w[1]);
            let registered = members.iter().all(|v| v.0 < validators);
            if !ordered || !registered {
                return Err(RestoreError::Committee { shard: shard.id });
            }
        }
        if self.validators.records().len() != usize::from(validators) {
            return Err(RestoreError::ValidatorCount {
                expected: validators,
                got: self.validators.records().len(),
            });
        }
        for xtx in self.transactions.iter() {
            for shard in [xtx.source, xtx.destination] {
                if self.find_shard(shard).is_none() {
                    return Err(RestoreError::XtxShard { id: xtx.id, shard });
                }
            }
        }
        Ok(())
    }

    /// Looks a shard id up.
    pub(crate) fn find_shard(&self, shard: ShardId) -> Option<KnownShard> {
        let index = usize::from(shard.0);
        (index < self.shards.len()).then_some(KnownShard(index))
    }

    /// The shard a [`KnownShard`] names.
    pub(crate) fn shard(&self, known: KnownShard) -> &ShardState {
        // In bounds: `known` was checked against this list, which never
        // shrinks.
        &self.shards[known.0]
    }

    /// The shard a [`KnownShard`] names, for the apply step.
    pub(crate) fn shard_mut(&mut self, known: KnownShard) -> &mut ShardState {
        &mut self.shards[known.0]
    }

    /// The shard with id `shard`, for the apply step of a rule that names a
    /// shard validation already found (an xtx's participants, [R-XTX-2]).
    /// The shard list never shrinks, so the lookup cannot fail; a failure
    /// would be a bug in this crate, not bad input.
    pub(crate) fn known_shard(&self, shard: ShardId) -> KnownShard {
        match self.find_shard(shard) {
            Some(known) => known,
            None => panic!("bug: {shard} was validated and the shard list never shrinks"),
        }
    }

    /// The key registered for `validator` at genesis, if it is registered.
    pub(crate) fn key(&self, validator: ValidatorId) -> Option<&VerifyingKey> {
        self.keys.get(usize::from(validator.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::test_keys;
    use mend_spec::params::ParamsError;

    #[test]
    fn genesis_refuses_parameters_outside_their_bounds_even_if_built_by_hand() {
        let mut params = Params::default_config();
        params.shards = 0;
        assert_eq!(
            State::genesis(params, vec![], Rules::HONEST),
            Err(GenesisError::Params(ParamsError::Shards { shards: 0 }))
        );
        // 1025 * 64 would overflow a u16 validator count if it were computed.
        let mut params = Params::default_config();
        params.shards = 1025;
        params.committee_size = 64;
        assert_eq!(
            State::genesis(params, vec![], Rules::HONEST),
            Err(GenesisError::Params(ParamsError::Shards { shards: 1025 }))
        );
    }

    #[test]
    fn genesis_keeps_the_detection_bounds_and_refuses_them_out_of_range() {
        let params = Params::default_config().with_detection(3, 5, 7).unwrap();
        let state = State::genesis(params, test_keys(&params), Rules::HONEST).unwrap();
        assert_eq!(state.params, params);
        let mut bad = params;
        bad.evidence_age_blocks = 0;
        assert_eq!(
            State::genesis(bad, test_keys(&bad), Rules::HONEST),
            Err(GenesisError::Params(ParamsError::EvidenceAgeBlocks {
                blocks: 0
            }))
        );
    }

    #[test]
    fn genesis_keeps_the_rollback_window_and_refuses_it_out_of_range() {
        let params = Params::default_config().with_rollback_window(9).unwrap();
        let state = State::genesis(params, test_keys(&params), Rules::HONEST).unwrap();
        assert_eq!(state.params.rollback_window_blocks, 9);
        let mut bad = params;
        bad.rollback_window_blocks = 1025;
        assert_eq!(
            State::genesis(bad, test_keys(&bad), Rules::HONEST),
            Err(GenesisError::Params(ParamsError::RollbackWindow {
                blocks: 1025
            }))
        );
    }

    #[test]
    fn genesis_needs_one_key_per_validator() {
        let params = Params::default_config();
        let mut keys = test_keys(&params);
        keys.pop();
        assert_eq!(
            State::genesis(params, keys, Rules::HONEST),
            Err(GenesisError::KeyCount {
                expected: 8,
                got: 7
            })
        );
    }

    #[test]
    fn genesis_refuses_a_weak_key() {
        let params = Params::default_config();
        let mut keys = test_keys(&params);
        // The identity point is of small order: a weak key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let Ok(weak) = VerifyingKey::from_bytes(&identity) else {
            panic!("the identity point decodes");
        };
        keys[5] = weak;
        assert_eq!(
            State::genesis(params, keys, Rules::HONEST),
            Err(GenesisError::WeakKey {
                validator: ValidatorId(5)
            })
        );
    }

    #[test]
    fn genesis_committees_are_contiguous_id_ranges() {
        let params = Params::new(3, 5, 2, 2, 2).unwrap();
        let state = State::genesis(params, test_keys(&params), Rules::HONEST).unwrap();
        for (s, shard) in state.shards.iter().enumerate() {
            let first = s as u16 * 5;
            let expected: Vec<_> = (first..first + 5).map(ValidatorId).collect();
            assert_eq!(shard.committee.members(), expected.as_slice());
            assert!(shard.committee.is_member(ValidatorId(first)));
            assert!(!shard.committee.is_member(ValidatorId(first + 5)));
        }
        assert_eq!(state.find_shard(ShardId(3)), None);
        assert!(state.find_shard(ShardId(2)).is_some());
    }
}
