//! The engine: genesis, and the dispatch of each message to its rule
//! ([R-OUT-1], [R-OUT-2], [R-WIRE-1]).
//!
//! Every message goes through two steps. Validation reads the state and
//! either refuses the message with a typed rejection or returns a validated
//! value (`ValidatedBlock`, `ValidatedProposal`, `ValidatedVote`,
//! `ValidatedEvidence`, `ValidatedTick`, `ValidatedPrepare`,
//! `ValidatedXtxVote`, `ValidatedRollbackTick`, `ValidatedHealingTick`)
//! that only the validation can
//! build. The apply step
//! consumes that value and cannot fail. Nothing is written before validation
//! has finished, so a rejected message leaves the state exactly as it was,
//! which the tests check by comparing the whole engine before and after.

use crate::audit::{verify_audit_chain, AuditChainError, AuditRecord};
use crate::block::{apply_block, validate_block};
use crate::bugs::Rules;
use crate::checkpoint::EquivocationEvidence;
use crate::checkpoint::{apply_proposal, apply_vote, validate_proposal, validate_vote};
use crate::detect::{apply_evidence, validate_evidence};
use crate::epoch::{apply_advance, validate_advance};
use crate::heal::{apply_healing_tick, validate_healing_tick};
use crate::outcome::{EngineEvent, EngineRejection, GenesisError, InputError, RestoreError};
use crate::rollback::{apply_rollback_tick, validate_rollback_tick};
use crate::state::State;
use crate::view::{snapshot, EngineView};
use crate::wire::{decode_message, Hash32, Message};
use crate::xtx::{apply_prepare, apply_xtx_vote, validate_prepare, validate_xtx_vote};
use bincode::Options;
use ed25519_dalek::VerifyingKey;
use mend_spec::{Epoch, Fault, Generation, Height, Params, ShardId, ValidatorId};
use std::fmt;

/// [R-JOURNAL-7], [R-CKPT-2] The canonical bincode options of the state:
/// fixed-width little-endian integers, as the wire format uses.
fn state_options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
}

/// [R-JOURNAL-7] Why bytes do not decode to an engine state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateDecodeError {
    /// The bytes are not the canonical encoding of a state (cut short,
    /// an unknown variant, a key that is not a point, or bytes left over).
    Undecodable,
    /// The state decodes but lacks the shape the rules index by.
    Shape(RestoreError),
}

impl fmt::Display for StateDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateDecodeError::Undecodable => {
                write!(f, "the state does not decode as this version's encoding")
            }
            StateDecodeError::Shape(e) => write!(f, "the state decodes but {e}"),
        }
    }
}

impl std::error::Error for StateDecodeError {}

/// The engine of SPEC.md §4 to §7: checkpoint finality, fault detection,
/// isolation, the audit log, cross-shard transactions, rollback, slashing,
/// reassignment, healing and the recovery pipeline. Pure:
/// no I/O, no clock, no randomness. Two engines built alike and fed the
/// same messages are equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Engine {
    state: State,
}

impl Engine {
    /// The engine at genesis. `validator_keys[v]` is validator `v`'s key, so
    /// there must be exactly `params.validators()` of them ([R-CKPT-5]).
    pub fn new(params: Params, validator_keys: Vec<VerifyingKey>) -> Result<Engine, GenesisError> {
        Ok(Engine {
            state: State::genesis(params, validator_keys, Rules::HONEST)?,
        })
    }

    /// The engine at genesis with a seeded bug (`None`: the honest rules).
    /// Only in builds with the `seeded-bugs` feature.
    #[cfg(feature = "seeded-bugs")]
    pub fn with_seeded_bug(
        params: Params,
        validator_keys: Vec<VerifyingKey>,
        bug: Option<mend_spec::SeededBug>,
    ) -> Result<Engine, GenesisError> {
        Ok(Engine {
            state: State::genesis(params, validator_keys, Rules::seeded(bug))?,
        })
    }

    /// [R-JOURNAL-7] The canonical encoding of the whole state (bincode,
    /// fixed-width little-endian integers, [R-CKPT-2]): what a snapshot
    /// holds. The seeded-bug rules are not part of it.
    pub fn encode_state(&self) -> Vec<u8> {
        match state_options().serialize(&self.state) {
            Ok(bytes) => bytes,
            // No map key or sequence of the state can fail to serialize,
            // and a Vec writer never errors.
            Err(error) => panic!("bug: the state always encodes, got {error}"),
        }
    }

    /// [R-JOURNAL-7] The engine whose state `bytes` encode, with the honest
    /// rules. Never panics on any input, and allocates in proportion to
    /// `bytes.len()`. Bytes left over after the state, or a state without
    /// the shape the rules index by ([`RestoreError`]), are refused.
    pub fn decode_state(bytes: &[u8]) -> Result<Engine, StateDecodeError> {
        let state: State = state_options()
            .with_limit(bytes.len() as u64)
            .reject_trailing_bytes()
            .deserialize(bytes)
            .map_err(|_| StateDecodeError::Undecodable)?;
        state.check_restored().map_err(StateDecodeError::Shape)?;
        Ok(Engine { state })
    }

    /// [R-OUT-1] Applies one message: its events, or its rejection with the
    /// state untouched ([R-OUT-2]).
    pub fn apply(&mut self, message: &Message) -> Result<Vec<EngineEvent>, EngineRejection> {
        let state = &mut self.state;
        match message {
            Message::Block(block) => {
                let valid = validate_block(state, block)?;
                Ok(apply_block(state, valid))
            }
            Message::Proposal(proposal) => {
                let valid = validate_proposal(state, proposal)?;
                Ok(apply_proposal(state, valid))
            }
            Message::Vote(vote) => {
                let valid = validate_vote(state, vote)?;
                Ok(apply_vote(state, valid))
            }
            Message::Evidence(evidence) => {
                let valid = validate_evidence(state, evidence)?;
                Ok(apply_evidence(state, valid))
            }
            Message::AdvanceEpoch { epoch } => {
                let valid = validate_advance(state, *epoch)?;
                Ok(apply_advance(state, valid))
            }
            Message::PrepareXtx(prepare) => {
                let valid = validate_prepare(state, prepare)?;
                Ok(apply_prepare(state, valid))
            }
            Message::XtxVote(vote) => {
                let valid = validate_xtx_vote(state, vote)?;
                Ok(apply_xtx_vote(state, valid))
            }
            Message::AdvanceRollback { shard } => {
                let valid = validate_rollback_tick(state, *shard)?;
                Ok(apply_rollback_tick(state, valid))
            }
            Message::AdvanceHealing { shard } => {
                let valid = validate_healing_tick(state, *shard)?;
                Ok(apply_healing_tick(state, valid))
            }
        }
    }

    /// [R-WIRE-1] Decodes `bytes` and applies the message. Bytes that do not
    /// decode are refused before any rule runs ([R-OUT-2]).
    pub fn apply_bytes(&mut self, bytes: &[u8]) -> Result<Vec<EngineEvent>, InputError> {
        let message = decode_message(bytes).map_err(InputError::Decode)?;
        self.apply(&message).map_err(InputError::Rejected)
    }

    /// [R-VIEW-1] The snapshot the conformance test compares with the model.
    pub fn snapshot(&self) -> EngineView {
        snapshot(&self.state)
    }

    /// The head of `shard`: height, block id (all zeros before the first
    /// block) and post-state root; `None` if there is no such shard.
    pub fn head(&self, shard: ShardId) -> Option<(Height, Hash32, Hash32)> {
        let known = self.state.find_shard(shard)?;
        let chain = &self.state.shard(known).chain;
        Some((chain.height, chain.block_id, chain.root))
    }

    /// The parameters the engine was built with (checked at genesis).
    pub fn params(&self) -> &Params {
        &self.state.params
    }

    /// [R-CKPT-5] The verifying keys registered at genesis, in validator
    /// order.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.state.keys
    }

    /// [R-EPOCH-1] The current epoch.
    pub fn epoch(&self) -> Epoch {
        self.state.epoch
    }

    /// [R-FAULT-5] The open faults of `shard` with their fault ids
    /// ([R-FAULT-4]), ascending by fault; empty for an unknown shard.
    pub fn open_faults(&self, shard: ShardId) -> Vec<(Fault, Hash32)> {
        self.state
            .find_shard(shard)
            .map(|known| {
                self.state
                    .shard(known)
                    .faults
                    .iter()
                    .map(|(fault, id)| (*fault, *id))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// [R-SLASH-1] The record of `validator`: its stake, whether it is
    /// tombstoned and its slashed windows (ascending); `None` if it is not
    /// registered.
    pub fn validator(&self, validator: ValidatorId) -> Option<mend_spec::view::ValidatorView> {
        self.state
            .validators
            .get(validator)
            .map(|r| crate::view::validator_view(validator, r))
    }

    /// [R-CKPT-5], [R-ASSIGN-2] The current committee of `shard`,
    /// ascending; empty for an unknown shard.
    pub fn committee(&self, shard: ShardId) -> Vec<ValidatorId> {
        self.state
            .find_shard(shard)
            .map(|known| self.state.shard(known).committee.members().to_vec())
            .unwrap_or_default()
    }

    /// [R-CKPT-5] The rollback generation of `shard`; `None` for an unknown
    /// shard.
    pub fn generation(&self, shard: ShardId) -> Option<Generation> {
        self.state
            .find_shard(shard)
            .map(|known| self.state.shard(known).generation)
    }

    /// [R-AUDIT-1] The audit log, oldest first.
    pub fn audit_log(&self) -> &[AuditRecord] {
        self.state.audit.records()
    }

    /// [R-AUDIT-2] Re-derives every hash of the engine's audit log; the
    /// position of the first record that does not verify, if any.
    pub fn verify_audit_chain(&self) -> Result<(), AuditChainError> {
        verify_audit_chain(self.state.audit.records())
    }

    /// The state, for tests that set up a situation directly.
    #[cfg(test)]
    pub(crate) fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    /// [R-CKPT-10] The equivocation evidence kept for `shard`, both signed
    /// votes of each pair; empty for an unknown shard.
    pub fn equivocation_evidence(&self, shard: ShardId) -> Vec<EquivocationEvidence> {
        self.state
            .find_shard(shard)
            .map(|known| {
                self.state
                    .shard(known)
                    .checkpoints
                    .equivocations()
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::VoteError;
    use crate::testkit::{test_keys, Harness, XorShift};
    use crate::wire::{encode_message, DecodeError, MalformedReason};
    use mend_spec::{Rejection, VoteRejection};

    #[test]
    fn an_engine_needs_one_key_per_validator() {
        let params = Params::default_config();
        let mut keys = test_keys(&params);
        keys.push(keys[0]);
        assert_eq!(
            Engine::new(params, keys),
            Err(GenesisError::KeyCount {
                expected: 8,
                got: 9
            })
        );
    }

    #[test]
    fn bytes_that_do_not_decode_are_refused_before_any_rule_and_change_nothing() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        let bytes = encode_message(&h.proposal(ValidatorId(0), body));
        let before = h.engine.clone();
        for len in 0..bytes.len() {
            assert_eq!(
                h.engine.apply_bytes(&bytes[..len]),
                Err(InputError::Decode(DecodeError::Malformed {
                    reason: MalformedReason::Truncated
                }))
            );
        }
        let mut long = bytes.clone();
        long.push(7);
        assert_eq!(
            h.engine.apply_bytes(&long),
            Err(InputError::Decode(DecodeError::TrailingBytes))
        );
        assert!(h.engine == before);
        // The whole message is accepted.
        assert!(h.engine.apply_bytes(&bytes).is_ok());
    }

    #[test]
    fn applying_bytes_and_applying_the_message_are_the_same_step() {
        let mut by_message = Harness::default_config();
        let mut by_bytes = Harness::default_config();
        let body = by_message.next_body(ShardId(1));
        by_bytes.next_body(ShardId(1));
        let messages = [
            by_message.proposal(ValidatorId(4), body),
            by_message.vote(ValidatorId(5), body),
            by_message.vote(ValidatorId(5), body),
            Message::AdvanceEpoch { epoch: Epoch(1) },
            Message::PrepareXtx(crate::wire::XtxPrepare {
                id: mend_spec::XtxId(1),
                source: ShardId(1),
                destination: ShardId(0),
                key: 3,
            }),
            by_message.xtx_vote(
                ValidatorId(4),
                mend_spec::XtxId(1),
                ShardId(1),
                mend_spec::Generation(0),
                mend_spec::XtxDecision::Abort,
            ),
            Message::AdvanceRollback { shard: ShardId(0) },
        ];
        for message in &messages {
            let a = by_message.engine.apply(message);
            let b = by_bytes.engine.apply_bytes(&encode_message(message));
            assert_eq!(a.map_err(InputError::Rejected), b);
        }
        assert!(by_message.engine == by_bytes.engine);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_change_the_state_unless_accepted() {
        let mut h = Harness::default_config();
        h.finalize_next(ShardId(0));
        let body = h.next_body(ShardId(0));
        h.propose(body);
        let equivocation = h.evidence(
            mend_spec::FaultKind::ValidatorEquivocation,
            ShardId(0),
            ValidatorId(3),
            Height(2),
        );
        let valid = [
            encode_message(&h.vote(ValidatorId(1), body)),
            encode_message(&h.next_block_message(ShardId(1))),
            encode_message(&Message::AdvanceEpoch { epoch: Epoch(1) }),
            encode_message(&Message::Evidence(equivocation)),
        ];
        let mut rng = XorShift::new(42);
        for round in 0..3_000 {
            let mut bytes = valid[rng.below(valid.len())].clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            if round % 5 == 0 {
                bytes.truncate(rng.below(bytes.len() + 1));
            }
            let before = h.engine.clone();
            if h.engine.apply_bytes(&bytes).is_err() {
                assert!(h.engine == before, "round {round} changed the state");
            } else {
                // Keep exploring from the genesis-like state.
                h.engine = before;
            }
        }
    }

    #[test]
    fn mutated_cross_shard_and_rollback_bytes_never_panic_and_a_rejection_changes_nothing() {
        use crate::wire::XtxPrepare;
        use mend_spec::{Generation, XtxDecision, XtxId};
        let params = Params::new(3, 4, 2, 2, 2).unwrap();
        let mut h = Harness::new(params);
        h.finalize_next(ShardId(0));
        h.finalize_next(ShardId(2));
        h.prepare(1, ShardId(0), ShardId(1), 5);
        h.prepare(3, ShardId(0), ShardId(2), 6);
        h.drive_to_recovering(ShardId(1));
        let valid = [
            encode_message(&Message::PrepareXtx(XtxPrepare {
                id: XtxId(2),
                source: ShardId(2),
                destination: ShardId(0),
                key: 7,
            })),
            encode_message(&h.xtx_vote(
                ValidatorId(0),
                XtxId(3),
                ShardId(0),
                Generation(0),
                XtxDecision::Commit,
            )),
            encode_message(&h.xtx_vote(
                ValidatorId(8),
                XtxId(3),
                ShardId(2),
                Generation(0),
                XtxDecision::Abort,
            )),
            encode_message(&Message::AdvanceRollback { shard: ShardId(1) }),
        ];
        let start = h.engine.clone();
        let mut rng = XorShift::new(0x7874_7821);
        let mut accepted = 0;
        for round in 0..3_000 {
            if round % 500 == 0 {
                h.engine = start.clone();
            }
            let mut bytes = valid[rng.below(valid.len())].clone();
            if round % 3 != 0 {
                for _ in 0..1 + rng.below(3) {
                    let at = rng.below(bytes.len());
                    bytes[at] = rng.next() as u8;
                }
            }
            if round % 7 == 0 {
                bytes.truncate(rng.below(bytes.len() + 1));
            }
            let before = h.engine.clone();
            match h.engine.apply_bytes(&bytes) {
                // Accepted: walk on, so that later ticks meet later phases.
                Ok(_) => accepted += 1,
                Err(_) => assert!(h.engine == before, "round {round} changed the state"),
            }
            assert_eq!(h.engine.verify_audit_chain(), Ok(()));
        }
        assert!(accepted > 0);
    }

    #[test]
    fn the_view_of_a_rejected_vote_names_its_evidence() {
        let mut h = Harness::default_config();
        let body = h.next_body(ShardId(0));
        h.propose(body);
        let message = h.vote(ValidatorId(6), body);
        let rejection = h.assert_rejected(&message, Rejection::Vote(VoteRejection::NotMember));
        assert_eq!(
            rejection,
            EngineRejection::Vote(VoteError::NotMember {
                validator: ValidatorId(6),
                shard: ShardId(0)
            })
        );
        assert_eq!(
            rejection.to_string(),
            "vote rejected: v6 is not in the committee of s0"
        );
    }

    #[test]
    fn every_rejection_code_of_the_spec_is_reachable_and_leaves_the_state_unchanged() {
        use crate::testkit::{sign_proposal, sign_vote};
        use crate::wire::CheckpointBody;
        use mend_spec::{
            BlockRejection as B, EpochRejection as E, Generation, ProposalRejection as P,
            VoteRejection as V,
        };
        use std::collections::BTreeSet;

        let mut h = Harness::default_config();
        let s0 = ShardId(0);
        let mut reached = BTreeSet::new();
        let mut expect = |h: &mut Harness, message: Message, code: Rejection| {
            reached.insert(h.assert_rejected(&message, code).code());
        };

        // Blocks.
        let good = h.next_block(s0);
        let mut block = good.clone();
        block.shard = ShardId(2);
        expect(
            &mut h,
            Message::Block(block),
            Rejection::Block(B::UnknownShard),
        );
        let mut block = good.clone();
        block.height = Height(2);
        expect(
            &mut h,
            Message::Block(block),
            Rejection::Block(B::WrongHeight),
        );
        let mut block = good.clone();
        block.parent = [1; 32];
        expect(
            &mut h,
            Message::Block(block),
            Rejection::Block(B::WrongParent),
        );
        let mut block = good.clone();
        block.state_root = [1; 32];
        expect(
            &mut h,
            Message::Block(block),
            Rejection::Block(B::StateRootMismatch),
        );
        let mut block = good;
        block
            .transactions
            .push(crate::wire::Transaction { key: 0, value: 0 });
        expect(
            &mut h,
            Message::Block(block),
            Rejection::Block(B::UnorderedTransactions),
        );

        // Proposals, against shard 0 with its head at height 1.
        h.produce_blocks(s0, 1);
        let body = CheckpointBody {
            shard: s0,
            epoch: Epoch(0),
            height: Height(2),
            state_root: [0x42; 32],
            parent: None,
        };
        let p = |v: u16, g: u64, b: CheckpointBody| {
            Message::Proposal(sign_proposal(ValidatorId(v), Generation(g), b))
        };
        let on = |shard: u16| CheckpointBody {
            shard: ShardId(shard),
            ..body
        };
        expect(&mut h, p(0, 0, on(2)), Rejection::Proposal(P::UnknownShard));
        let mut unknown = sign_proposal(ValidatorId(0), Generation(0), body);
        unknown.proposer = ValidatorId(8);
        expect(
            &mut h,
            Message::Proposal(unknown),
            Rejection::Proposal(P::UnknownValidator),
        );
        expect(&mut h, p(4, 0, body), Rejection::Proposal(P::NotMember));
        let later = CheckpointBody {
            epoch: Epoch(1),
            ..body
        };
        expect(&mut h, p(0, 0, later), Rejection::Proposal(P::WrongEpoch));
        expect(
            &mut h,
            p(0, 1, body),
            Rejection::Proposal(P::WrongGeneration),
        );
        let mut corrupt = sign_proposal(ValidatorId(0), Generation(0), body);
        corrupt.signature.0[0] ^= 1;
        expect(
            &mut h,
            Message::Proposal(corrupt),
            Rejection::Proposal(P::BadSignature),
        );
        let odd = CheckpointBody {
            height: Height(1),
            ..body
        };
        expect(&mut h, p(0, 0, odd), Rejection::Proposal(P::WrongHeight));
        expect(&mut h, p(0, 0, body), Rejection::Proposal(P::BeyondHead));
        h.produce_blocks(s0, 1);
        let orphan = CheckpointBody {
            parent: Some([1; 32]),
            ..body
        };
        expect(&mut h, p(0, 0, orphan), Rejection::Proposal(P::WrongParent));
        h.engine.apply(&p(0, 0, body)).unwrap();
        expect(&mut h, p(1, 0, body), Rejection::Proposal(P::Duplicate));
        let second = CheckpointBody {
            state_root: [0x43; 32],
            ..body
        };
        h.engine.apply(&p(3, 0, second)).unwrap();
        let third = CheckpointBody {
            state_root: [0x44; 32],
            ..body
        };
        expect(
            &mut h,
            p(3, 0, third),
            Rejection::Proposal(P::TooManyPending),
        );

        // Votes for `body`, now pending.
        let v = |validator: u16, shard: u16, epoch: u64, g: u64, b: CheckpointBody| {
            Message::Vote(sign_vote(
                ValidatorId(validator),
                ShardId(shard),
                Epoch(epoch),
                Generation(g),
                b,
            ))
        };
        expect(
            &mut h,
            v(0, 2, 0, 0, body),
            Rejection::Vote(V::UnknownShard),
        );
        let mut unknown = sign_vote(ValidatorId(0), s0, Epoch(0), Generation(0), body);
        unknown.validator = ValidatorId(8);
        expect(
            &mut h,
            Message::Vote(unknown),
            Rejection::Vote(V::UnknownValidator),
        );
        expect(&mut h, v(4, 1, 0, 0, body), Rejection::Vote(V::WrongShard));
        expect(&mut h, v(4, 0, 0, 0, body), Rejection::Vote(V::NotMember));
        expect(&mut h, v(0, 0, 1, 0, body), Rejection::Vote(V::WrongEpoch));
        expect(
            &mut h,
            v(0, 0, 0, 1, body),
            Rejection::Vote(V::WrongGeneration),
        );
        let mut corrupt = sign_vote(ValidatorId(0), s0, Epoch(0), Generation(0), body);
        corrupt.signature.0[0] ^= 1;
        expect(
            &mut h,
            Message::Vote(corrupt),
            Rejection::Vote(V::BadSignature),
        );
        expect(
            &mut h,
            v(0, 0, 0, 0, third),
            Rejection::Vote(V::UnknownCheckpoint),
        );
        h.engine.apply(&v(0, 0, 0, 0, body)).unwrap();
        expect(&mut h, v(0, 0, 0, 0, body), Rejection::Vote(V::Duplicate));
        h.engine.apply(&v(1, 0, 0, 0, body)).unwrap();
        h.engine.apply(&v(2, 0, 0, 0, body)).unwrap();
        // A late vote in the checkpoint's epoch is counted ([R-CKPT-8]); in
        // the next epoch the certificate is closed.
        h.engine.apply(&v(3, 0, 0, 0, body)).unwrap();
        h.advance_epoch();
        expect(
            &mut h,
            v(3, 0, 1, 0, body),
            Rejection::Vote(V::AlreadyFinalized),
        );

        // The epoch clock.
        expect(
            &mut h,
            Message::AdvanceEpoch { epoch: Epoch(3) },
            Rejection::Epoch(E::NotNextEpoch),
        );

        // Evidence, and a block on the shard it froze. Every evidence code
        // is reached in `detect::tests`.
        h.produce_blocks(ShardId(1), 1);
        let evidence = crate::wire::Evidence::Liveness { shard: ShardId(1) };
        expect(
            &mut h,
            Message::Evidence(evidence),
            Rejection::Evidence(mend_spec::EvidenceRejection::NotAFault),
        );
        let claim = h.evidence(
            mend_spec::FaultKind::ExecutionFailure,
            ShardId(1),
            ValidatorId(7),
            Height(1),
        );
        h.engine.apply(&Message::Evidence(claim)).unwrap();
        h.advance_epoch();
        let frozen = h.next_block_message(ShardId(1));
        expect(&mut h, frozen, Rejection::Block(B::ShardFrozen));

        // Every block code but TooManyTransactions, which cannot be sent as
        // bytes (see `block::tests`).
        assert_eq!(reached.len(), 6 + 11 + 10 + 1 + 1, "{reached:?}");
    }

    #[test]
    fn head_and_evidence_of_an_unknown_shard_are_empty() {
        let h = Harness::default_config();
        assert_eq!(h.engine.head(ShardId(2)), None);
        assert!(h.engine.equivocation_evidence(ShardId(2)).is_empty());
        assert_eq!(h.engine.params(), &Params::default_config());
    }

    #[test]
    fn two_engines_fed_the_same_messages_are_equal() {
        let mut a = Harness::default_config();
        let mut b = Harness::default_config();
        for h in [&mut a, &mut b] {
            h.finalize_next(ShardId(1));
            h.finalize_next(ShardId(0));
            h.engine
                .apply(&Message::AdvanceEpoch { epoch: Epoch(1) })
                .unwrap();
        }
        assert!(a.engine == b.engine);
        assert_eq!(a.engine.snapshot(), b.engine.snapshot());
    }
}
