//! A long valid input sequence for the journal's tests and benchmarks
//! (`spec/SPEC.md` §10; the messages of §4 to §7).
//!
//! The crash test and the restart benchmark need thousands of inputs that a
//! fresh engine accepts in order, with every kind of state change a replay
//! must reproduce: honest blocks on several shards, checkpoint proposals and
//! quorum votes, cross-shard transactions committed by both participants,
//! epoch boundaries, and one full fault cycle (real evidence, isolation, a
//! rollback driven by its non-idempotent ticks, healing and reintegration).
//!
//! The generator keeps its own engine and applies each message before it
//! emits it, so an input it returns is accepted by construction; a refusal
//! is a bug in this file and is returned as a typed [`WorkloadError`], never
//! skipped. It signs with the deterministic test keys of
//! [`mend_spec::test_keys`], so every machine generates the same bytes. Pure:
//! no clock, no randomness, no I/O.

use crate::crypto::{
    compute_checkpoint_id, compute_state_root, proposal_signing_bytes, vote_signing_bytes,
    xtx_vote_signing_bytes,
};
use crate::engine::Engine;
use crate::outcome::EngineRejection;
use crate::wire::{
    Block, CheckpointBody, Evidence, Hash32, Message, SignatureBytes, SignedProposal, SignedVote,
    SignedXtxVote, Transaction, XtxPrepare, XtxVoteBody,
};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::test_keys::compute_test_key_seed;
use mend_spec::{
    compute_quorum, Epoch, Generation, Height, Params, ShardId, ValidatorId, XtxDecision, XtxId,
};
use std::fmt;

/// The generator refused its own message: a bug in this file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkloadError {
    /// How many inputs had been generated before the refused one.
    pub index: usize,
    /// The engine's rejection of it.
    pub rejection: EngineRejection,
}

impl fmt::Display for WorkloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "workload input {} was refused by the engine: {}",
            self.index, self.rejection
        )
    }
}

impl std::error::Error for WorkloadError {}

/// The parameters of the workload: three shards, committees of 4, a
/// checkpoint every 2 blocks, 2 retained, 2 pending, and a reserve of 2 so
/// that the fault cycle's slash can be refilled ([R-ASSIGN-1]).
pub fn workload_params() -> Params {
    Params::new(3, 4, 2, 2, 2)
        .and_then(|p| p.with_recovery(2, ReassignmentStrategy::PrioritizeSlashed))
        .unwrap_or_else(|_| Params::default_config())
}

/// The deterministic test signing key of `validator`.
pub fn test_signing_key(validator: ValidatorId) -> SigningKey {
    SigningKey::from_bytes(&compute_test_key_seed(validator))
}

/// The verifying keys of every validator of `params`, in id order.
pub fn test_verifying_keys(params: &Params) -> Vec<VerifyingKey> {
    params
        .validator_ids()
        .map(|v| test_signing_key(v).verifying_key())
        .collect()
}

/// The first `count` inputs of the workload over [`workload_params`] and
/// the test keys, each accepted in order by a fresh engine.
pub fn generate_workload(count: usize) -> Result<Vec<Message>, WorkloadError> {
    let params = workload_params();
    let engine = match Engine::new(params, test_verifying_keys(&params)) {
        Ok(engine) => engine,
        // The workload parameters are within bounds and the test keys are
        // not weak; nothing is generated if that ever changes.
        Err(_) => return Ok(Vec::new()),
    };
    let mut generator = Generator {
        engine,
        params,
        out: Vec::with_capacity(count),
        count,
    };
    generator.run()?;
    generator.out.truncate(count);
    Ok(generator.out)
}

/// The generator's engine and the inputs emitted so far.
struct Generator {
    engine: Engine,
    params: Params,
    out: Vec<Message>,
    count: usize,
}

/// The round in which shard 1 goes through a fault cycle.
const FAULT_ROUND: u32 = 3;

impl Generator {
    fn run(&mut self) -> Result<(), WorkloadError> {
        let shards: Vec<ShardId> = self.params.shard_ids().collect();
        let mut round: u32 = 0;
        while self.out.len() < self.count {
            if round == FAULT_ROUND {
                self.fault_cycle(ShardId(1))?;
            }
            // A cross-shard transaction per round, on a key no block
            // writes, committed once both sides' prepares are final.
            let source = shards[round as usize % shards.len()];
            let destination = shards[(round as usize + 1) % shards.len()];
            let id = XtxId(round);
            self.emit(Message::PrepareXtx(XtxPrepare {
                id,
                source,
                destination,
                key: 1_000_000 + round,
            }))?;
            for &shard in &shards {
                self.finalize_next(shard)?;
            }
            for shard in [source, destination] {
                self.xtx_commit(id, shard)?;
            }
            if round % 2 == 1 {
                self.advance_epoch()?;
            }
            round += 1;
        }
        Ok(())
    }

    /// Applies `message` to the generator's engine and records it.
    fn emit(&mut self, message: Message) -> Result<(), WorkloadError> {
        self.engine
            .apply(&message)
            .map_err(|rejection| WorkloadError {
                index: self.out.len(),
                rejection,
            })?;
        self.out.push(message);
        Ok(())
    }

    fn head(&self, shard: ShardId) -> (Height, Hash32, Hash32) {
        self.engine
            .head(shard)
            .unwrap_or((Height(0), [0; 32], [0; 32]))
    }

    /// One honest block on `shard`'s head.
    fn produce(&mut self, shard: ShardId) -> Result<(), WorkloadError> {
        let (height, parent, root) = self.head(shard);
        let height = Height(height.0 + 1);
        let transactions = vec![Transaction {
            key: height.0 as u32,
            value: u64::from(shard.0) * 1_000 + height.0,
        }];
        self.emit(Message::Block(Block {
            shard,
            height,
            parent,
            state_root: compute_state_root(&root, &transactions),
            transactions,
        }))
    }

    fn latest_finalized(&self, shard: ShardId) -> Option<CheckpointBody> {
        self.engine
            .snapshot()
            .shards
            .get(usize::from(shard.0))
            .and_then(|s| s.finalized.last().map(|(body, _)| *body))
    }

    fn generation(&self, shard: ShardId) -> Generation {
        self.engine.generation(shard).unwrap_or(Generation(0))
    }

    /// Produces blocks up to the next checkpoint height of `shard`, then
    /// proposes and finalizes the checkpoint at the head.
    fn finalize_next(&mut self, shard: ShardId) -> Result<(), WorkloadError> {
        let n = self.params.checkpoint_interval_blocks;
        let target = self.latest_finalized(shard).map_or(0, |b| b.height.0) + n;
        while self.head(shard).0 .0 < target {
            self.produce(shard)?;
        }
        self.finalize_at_head(shard)
    }

    /// [R-CKPT-7], [R-CKPT-8] The honest checkpoint at `shard`'s head,
    /// proposed by its committee's first member and voted by a quorum.
    fn finalize_at_head(&mut self, shard: ShardId) -> Result<(), WorkloadError> {
        let (height, _, root) = self.head(shard);
        let body = CheckpointBody {
            shard,
            epoch: self.engine.epoch(),
            height,
            state_root: root,
            parent: self
                .latest_finalized(shard)
                .map(|b| compute_checkpoint_id(&b)),
        };
        let generation = self.generation(shard);
        let committee = self.engine.committee(shard);
        let Some(&proposer) = committee.first() else {
            return Ok(());
        };
        self.emit(Message::Proposal(sign_proposal(proposer, generation, body)))?;
        let quorum = compute_quorum(usize::from(self.params.committee_size));
        for &validator in committee.iter().take(quorum) {
            let epoch = self.engine.epoch();
            self.emit(Message::Vote(sign_vote(
                validator, shard, epoch, generation, body,
            )))?;
        }
        Ok(())
    }

    /// [R-XTX-3] The commit vote of `shard`'s first committee member.
    fn xtx_commit(&mut self, id: XtxId, shard: ShardId) -> Result<(), WorkloadError> {
        let Some(&voter) = self.engine.committee(shard).first() else {
            return Ok(());
        };
        let vote = XtxVoteBody {
            voter,
            id,
            shard,
            generation: self.generation(shard),
            decision: XtxDecision::Commit,
        };
        let signature = test_signing_key(voter)
            .sign(&xtx_vote_signing_bytes(&vote))
            .to_bytes();
        self.emit(Message::XtxVote(SignedXtxVote {
            vote,
            signature: SignatureBytes(signature),
        }))
    }

    fn advance_epoch(&mut self) -> Result<(), WorkloadError> {
        let epoch = Epoch(self.engine.epoch().0 + 1);
        self.emit(Message::AdvanceEpoch { epoch })
    }

    /// [R-FAULT-2] kind 6, [R-RB-*], [R-HEAL-*]: finalizes a base, appends
    /// a block above it, opens a Critical fault with real evidence against
    /// the last committee member, then takes the boundaries and ticks from
    /// isolation through rollback and healing to reintegration.
    fn fault_cycle(&mut self, shard: ShardId) -> Result<(), WorkloadError> {
        self.finalize_next(shard)?;
        self.produce(shard)?;
        let (head, _, _) = self.head(shard);
        let Some(&accused) = self.engine.committee(shard).last() else {
            return Ok(());
        };
        let mut forged = [0xf0; 32];
        forged[31] = 6;
        let body = CheckpointBody {
            shard,
            epoch: self.engine.epoch(),
            height: head,
            state_root: forged,
            parent: self
                .latest_finalized(shard)
                .map(|b| compute_checkpoint_id(&b)),
        };
        let generation = self.generation(shard);
        self.emit(Message::Evidence(Evidence::CheckpointStateMismatch(
            sign_proposal(accused, generation, body),
        )))?;
        self.advance_epoch()?;
        self.advance_epoch()?;
        for _ in 0..5 {
            self.emit(Message::AdvanceRollback { shard })?;
        }
        self.advance_epoch()?;
        self.emit(Message::AdvanceHealing { shard })?;
        self.emit(Message::AdvanceHealing { shard })?;
        for _ in 0..self.params.checkpoint_interval_blocks {
            self.produce(shard)?;
        }
        self.emit(Message::AdvanceHealing { shard })?;
        self.finalize_at_head(shard)?;
        self.advance_epoch()?;
        // Bounded: a fault expires after `A_e` epochs ([R-FAULT-6]).
        for _ in 0..=self.params.evidence_age_epochs + 1 {
            if self.engine.open_faults(shard).is_empty() {
                break;
            }
            self.advance_epoch()?;
        }
        self.emit(Message::AdvanceHealing { shard })
    }
}

/// A proposal by `proposer`, signed over the proposal domain ([R-CKPT-7]).
pub(crate) fn sign_proposal(
    proposer: ValidatorId,
    generation: Generation,
    body: CheckpointBody,
) -> SignedProposal {
    let id = compute_checkpoint_id(&body);
    let bytes = proposal_signing_bytes(body.shard, body.epoch, generation, &id);
    SignedProposal {
        proposer,
        generation,
        checkpoint: body,
        signature: SignatureBytes(test_signing_key(proposer).sign(&bytes).to_bytes()),
    }
}

/// A vote by `validator`, signed over the vote domain ([R-CKPT-8]).
pub(crate) fn sign_vote(
    validator: ValidatorId,
    shard: ShardId,
    epoch: Epoch,
    generation: Generation,
    body: CheckpointBody,
) -> SignedVote {
    let id = compute_checkpoint_id(&body);
    let bytes = vote_signing_bytes(shard, epoch, generation, &id);
    SignedVote {
        validator,
        shard,
        epoch,
        generation,
        checkpoint: body,
        signature: SignatureBytes(test_signing_key(validator).sign(&bytes).to_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_input_of_the_workload_is_accepted_by_a_fresh_engine() {
        let inputs = generate_workload(2_000).unwrap();
        assert_eq!(inputs.len(), 2_000);
        let params = workload_params();
        let mut engine = Engine::new(params, test_verifying_keys(&params)).unwrap();
        let mut kinds = std::collections::BTreeSet::new();
        for (i, message) in inputs.iter().enumerate() {
            let bytes = crate::wire::encode_message(message);
            kinds.insert(bytes[0]);
            if let Err(e) = engine.apply_bytes(&bytes) {
                panic!("input {i} refused: {e}");
            }
        }
        // Blocks, proposals, votes, epochs, evidence, prepares, xtx votes,
        // rollback and healing ticks: every message kind.
        assert_eq!(kinds.len(), 9, "{kinds:?}");
    }
}
