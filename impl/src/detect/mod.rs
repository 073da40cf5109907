//! Fault detection from verifiable evidence ([R-FAULT-2] .. [R-FAULT-5],
//! [R-FAULT-8]).
//!
//! A piece of evidence is a signed statement (a vote, two votes, a receipt,
//! a block claim, a proposal) that proves, by itself and the shard's
//! retained state, that its signer broke a rule of honest behaviour
//! ([R-FAULT-MODEL-2]); or, for liveness, just a shard id whose own state
//! proves the fault. Validation runs the twelve checks of [R-FAULT-3] in
//! order and returns a [`ValidatedEvidence`] carrying the fault it proves
//! and that fault's id; only then does the apply step record the fault as
//! open on its shard and emit `FaultDetected`. Nothing else changes in that
//! step: the response waits for the epoch boundary ([R-ISO-3], in
//! `isolate`), and no other shard is touched.
//!
//! - `accusation`: what each form of evidence names (shard, accused,
//!   epoch, generation, height), whether its parts agree (check 2), and its
//!   signatures (check 10).
//! - `condition`: the fault condition of each kind against the shard's
//!   state (check 11).
//!
//! Evidence is deduplicated by fault id ([R-FAULT-4]): two messages proving
//! the same fault of the same validator at the same place count once, and
//! the open faults hold the fault, never the message that arrived first.
//! [R-FAULT-8] (tombstoned validators) needs no check of its own: a
//! tombstoned validator sits in no committee, so check 4 refuses it.
//!
//! Cost: one evidence message costs at most two checkpoint ids or one
//! claim's signing bytes to hash, at most two `verify_strict`, one execution
//! of a claim's transactions, one fault id, and lookups in its own shard's
//! bounded lists; nothing here depends on the number of shards.

mod accusation;
mod condition;
#[cfg(test)]
mod tests;

use crate::crypto::compute_fault_id;
use crate::orchestrate::start_pipeline;
use crate::outcome::{EngineEvent, EvidenceError};
use crate::state::{KnownShard, State};
use crate::wire::{Evidence, Hash32};
use accusation::Subject;
use mend_spec::{Epoch, Fault, FaultKind, ShardId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// [R-FAULT-5] The open faults of one shard with their fault ids
/// ([R-FAULT-4]), ascending by fault, the order [R-ISO-3] picks a cause in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct OpenFaults {
    faults: BTreeMap<Fault, Hash32>,
}

impl OpenFaults {
    /// Whether `fault` is open. A fault's id is a function of the shard and
    /// the fault, so on one shard this is the same as looking the id up.
    fn contains(&self, fault: &Fault) -> bool {
        self.faults.contains_key(fault)
    }

    /// The open faults and their ids, ascending by fault ([R-DET-0]).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&Fault, &Hash32)> {
        self.faults.iter()
    }

    /// Opens `fault` directly, for tests of the epoch boundary.
    #[cfg(test)]
    pub(crate) fn insert_for_test(&mut self, fault: Fault, id: Hash32) {
        self.faults.insert(fault, id);
    }

    /// [R-FAULT-6] Removes the faults whose epoch `e` has `e + A_e` below
    /// `epoch`, and returns them, ascending.
    pub(crate) fn expire(&mut self, epoch: Epoch, evidence_age_epochs: u64) -> Vec<Fault> {
        let mut expired = Vec::new();
        self.faults.retain(|fault, _| {
            // Overflow means `e + A_e` is above every epoch: kept.
            let kept = fault
                .epoch
                .0
                .checked_add(evidence_age_epochs)
                .is_none_or(|newest| newest >= epoch.0);
            if !kept {
                expired.push(*fault);
            }
            kept
        });
        expired
    }
}

/// Evidence that passed every check of [R-FAULT-3]: the fault it proves on
/// its shard, and that fault's id.
#[derive(Debug)]
pub(crate) struct ValidatedEvidence {
    shard: KnownShard,
    fault: Fault,
    id: Hash32,
}

/// [R-FAULT-3] Checks a piece of evidence; the first failing check is the
/// rejection. Reads the state only.
pub(crate) fn validate_evidence(
    state: &State,
    evidence: &Evidence,
) -> Result<ValidatedEvidence, EvidenceError> {
    let (known, fault) = match Subject::of(evidence) {
        Subject::Liveness { shard } => validate_liveness(state, shard)?,
        Subject::Accusation(accusation) => accusation.validate(state)?,
    };
    // [R-FAULT-3] check 12: the fault is not already open on the shard.
    let shard = state.shard(known);
    let id = compute_fault_id(shard.id, &fault);
    if shard.faults.contains(&fault) {
        return Err(EvidenceError::Duplicate {
            shard: shard.id,
            fault,
            id,
        });
    }
    Ok(ValidatedEvidence {
        shard: known,
        fault,
        id,
    })
}

/// [R-FAULT-3] Liveness evidence takes checks 1 and 11 here (12 is common):
/// it has no accused, no signature and no message. Its fault is at the
/// current epoch, the shard's generation and its head height ([R-FAULT-2]
/// kind 5).
fn validate_liveness(
    state: &State,
    shard_id: ShardId,
) -> Result<(KnownShard, Fault), EvidenceError> {
    // [R-FAULT-3] check 1.
    let known = state
        .find_shard(shard_id)
        .ok_or(EvidenceError::UnknownShard { shard: shard_id })?;
    let shard = state.shard(known);
    // [R-FAULT-3] check 11, [R-FAULT-2] kind 5.
    if !condition::is_liveness_failure(state, shard) {
        return Err(EvidenceError::NotAFault {
            shard: shard_id,
            kind: FaultKind::LivenessFailure,
            height: shard.chain.height,
        });
    }
    Ok((
        known,
        Fault {
            kind: FaultKind::LivenessFailure,
            accused: None,
            generation: shard.generation,
            epoch: state.epoch,
            height: shard.chain.height,
        },
    ))
}

/// [R-FAULT-5] Records a validated fault as open on its shard and emits
/// `FaultDetected`; then, for a fault whose response is `Isolated`, starts
/// the shard's pipeline if none is active ([R-PIPE-1]). Touches no other
/// shard; the validator table learns whom the fault names ([R-ASSIGN-1]).
pub(crate) fn apply_evidence(state: &mut State, evidence: ValidatedEvidence) -> Vec<EngineEvent> {
    let shard = state.shard_mut(evidence.shard);
    let inserted = shard.faults.faults.insert(evidence.fault, evidence.id);
    assert!(
        inserted.is_none(),
        "check 12 refused a fault that is already open"
    );
    let shard_id = shard.id;
    state.validators.open_fault(&evidence.fault);
    let mut events = vec![EngineEvent::FaultDetected {
        shard: shard_id,
        fault: evidence.fault,
        id: evidence.id,
    }];
    events.extend(start_pipeline(
        state,
        usize::from(shard_id.0),
        &evidence.fault,
    ));
    events
}
