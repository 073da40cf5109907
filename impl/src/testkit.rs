//! Test helpers: deterministic keys, honest chains and signed messages.
//!
//! Keys come from a fixed derivation so every failure reproduces from the
//! test's name alone: validator `v`'s secret key is
//! `SHA3-256("mend/test-key/v1" || v as u16 LE)`.

use crate::crypto::{
    compute_checkpoint_id, compute_genesis_root, compute_state_root, proposal_signing_bytes,
    vote_signing_bytes,
};
use crate::engine::Engine;
use crate::outcome::{EngineEvent, EngineRejection};
use crate::wire::{
    Block, CheckpointBody, Hash32, Message, SignatureBytes, SignedProposal, SignedVote, Transaction,
};
use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use mend_spec::test_keys::compute_test_key_seed;
use mend_spec::{
    compute_genesis_committee, compute_quorum, Epoch, Generation, Height, Params, Rejection,
    ShardId, ValidatorId,
};

/// The deterministic test key of `validator`.
pub(crate) fn test_signing_key(validator: ValidatorId) -> SigningKey {
    SigningKey::from_bytes(&compute_test_key_seed(validator))
}

/// The verifying keys of every validator of `params`, in id order.
pub(crate) fn test_keys(params: &Params) -> Vec<VerifyingKey> {
    params
        .validator_ids()
        .map(|v| test_signing_key(v).verifying_key())
        .collect()
}

/// A proposal by `proposer`, validly signed over the proposal domain.
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

/// A vote by `validator` in the domain `(shard, epoch, generation)`, validly
/// signed.
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

/// A small deterministic generator for byte patterns (xorshift64*).
pub(crate) struct XorShift(u64);

impl XorShift {
    pub(crate) fn new(seed: u64) -> XorShift {
        XorShift(seed | 1)
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..bound` (0 if `bound` is 0).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        if bound == 0 {
            0
        } else {
            (self.next() % bound as u64) as usize
        }
    }
}

/// A well-formed block with two transactions (not valid on any chain).
pub(crate) fn sample_block() -> Block {
    Block {
        shard: ShardId(1),
        height: Height(7),
        parent: [0x11; 32],
        transactions: vec![
            Transaction { key: 1, value: 100 },
            Transaction {
                key: u32::MAX,
                value: u64::MAX,
            },
        ],
        state_root: [0x22; 32],
    }
}

/// A checkpoint body with a parent.
pub(crate) fn sample_body() -> CheckpointBody {
    CheckpointBody {
        shard: ShardId(1),
        epoch: Epoch(3),
        height: Height(4),
        state_root: [0x33; 32],
        parent: Some([0x44; 32]),
    }
}

/// One message of each kind, in variant order.
pub(crate) fn sample_messages() -> Vec<Message> {
    let body = sample_body();
    vec![
        Message::Block(sample_block()),
        Message::Proposal(sign_proposal(ValidatorId(4), Generation(0), body)),
        Message::Vote(sign_vote(
            ValidatorId(5),
            ShardId(1),
            Epoch(3),
            Generation(0),
            CheckpointBody {
                parent: None,
                ..body
            },
        )),
        Message::AdvanceEpoch { epoch: Epoch(9) },
    ]
}

/// An engine with the bookkeeping an honest participant has: the root of
/// every block it produced, so it can propose honest checkpoints.
pub(crate) struct Harness {
    pub(crate) engine: Engine,
    pub(crate) params: Params,
    /// `roots[shard][height]`: the honest root at each height.
    roots: Vec<Vec<Hash32>>,
}

impl Harness {
    pub(crate) fn new(params: Params) -> Harness {
        let engine = Engine::new(params, test_keys(&params)).unwrap();
        Harness::around(engine, params)
    }

    #[cfg(feature = "seeded-bugs")]
    pub(crate) fn with_bug(params: Params, bug: mend_spec::SeededBug) -> Harness {
        let engine = Engine::with_seeded_bug(params, test_keys(&params), Some(bug)).unwrap();
        Harness::around(engine, params)
    }

    fn around(engine: Engine, params: Params) -> Harness {
        let roots = params
            .shard_ids()
            .map(|s| vec![compute_genesis_root(s)])
            .collect();
        Harness {
            engine,
            params,
            roots,
        }
    }

    /// Two shards, committees of 4, N = 2, K = 2, P = 2.
    pub(crate) fn default_config() -> Harness {
        Harness::new(Params::default_config())
    }

    pub(crate) fn committee(&self, shard: ShardId) -> Vec<ValidatorId> {
        compute_genesis_committee(&self.params, shard)
    }

    pub(crate) fn quorum(&self) -> usize {
        compute_quorum(usize::from(self.params.committee_size))
    }

    pub(crate) fn epoch(&self) -> Epoch {
        self.engine.epoch()
    }

    /// The honest successor of `shard`'s head.
    pub(crate) fn next_block(&self, shard: ShardId) -> Block {
        let (height, parent, root) = self.engine.head(shard).unwrap();
        let height = Height(height.0 + 1);
        let transactions = vec![Transaction {
            key: height.0 as u32,
            value: u64::from(shard.0) * 1_000 + height.0,
        }];
        Block {
            shard,
            height,
            parent,
            state_root: compute_state_root(&root, &transactions),
            transactions,
        }
    }

    /// The honest successor of `shard`'s head, as a message.
    pub(crate) fn next_block_message(&self, shard: ShardId) -> Message {
        Message::Block(self.next_block(shard))
    }

    /// Appends `count` honest blocks to `shard`.
    pub(crate) fn produce_blocks(&mut self, shard: ShardId, count: u64) {
        for _ in 0..count {
            let block = self.next_block(shard);
            let root = block.state_root;
            self.engine.apply(&Message::Block(block)).unwrap();
            self.roots[usize::from(shard.0)].push(root);
        }
    }

    /// The honest root of `shard` at `height`.
    pub(crate) fn root_at(&self, shard: ShardId, height: Height) -> Hash32 {
        self.roots[usize::from(shard.0)][height.0 as usize]
    }

    /// The latest finalized checkpoint id of `shard`, if any.
    pub(crate) fn latest_finalized_id(&self, shard: ShardId) -> Option<Hash32> {
        self.engine
            .snapshot()
            .shards
            .get(usize::from(shard.0))
            .and_then(|s| {
                s.finalized
                    .last()
                    .map(|(body, _)| compute_checkpoint_id(body))
            })
    }

    /// The honest next checkpoint of `shard`, producing blocks up to its
    /// height if needed.
    pub(crate) fn next_body(&mut self, shard: ShardId) -> CheckpointBody {
        let n = self.params.checkpoint_interval_blocks;
        let snapshot = self.engine.snapshot();
        let s = &snapshot.shards[usize::from(shard.0)];
        let height = Height(s.finalized.last().map_or(0, |(b, _)| b.height.0) + n);
        if s.height < height {
            self.produce_blocks(shard, height.0 - s.height.0);
        }
        CheckpointBody {
            shard,
            epoch: self.epoch(),
            height,
            state_root: self.root_at(shard, height),
            parent: self.latest_finalized_id(shard),
        }
    }

    /// A validly signed proposal of `body` by `proposer` in generation 0.
    pub(crate) fn proposal(&self, proposer: ValidatorId, body: CheckpointBody) -> Message {
        Message::Proposal(sign_proposal(proposer, Generation(0), body))
    }

    /// A validly signed vote by `validator` for `body` in the current epoch
    /// and generation 0 of `body`'s shard.
    pub(crate) fn vote(&self, validator: ValidatorId, body: CheckpointBody) -> Message {
        Message::Vote(sign_vote(
            validator,
            body.shard,
            self.epoch(),
            Generation(0),
            body,
        ))
    }

    /// Proposes `body` by the first member of its committee; must succeed.
    pub(crate) fn propose(&mut self, body: CheckpointBody) -> Vec<EngineEvent> {
        let proposer = self.committee(body.shard)[0];
        let message = self.proposal(proposer, body);
        self.engine.apply(&message).unwrap()
    }

    /// Votes for `body` by `validator`; must succeed.
    pub(crate) fn cast(
        &mut self,
        validator: ValidatorId,
        body: CheckpointBody,
    ) -> Vec<EngineEvent> {
        let message = self.vote(validator, body);
        match self.engine.apply(&message) {
            Ok(events) => events,
            Err(e) => panic!("vote of {validator} refused: {e}"),
        }
    }

    /// Proposes and finalizes the honest next checkpoint of `shard` with the
    /// votes of the first `quorum` members; returns it.
    pub(crate) fn finalize_next(&mut self, shard: ShardId) -> CheckpointBody {
        let body = self.next_body(shard);
        self.propose(body);
        for validator in self.committee(shard).into_iter().take(self.quorum()) {
            self.cast(validator, body);
        }
        assert_eq!(
            self.latest_finalized_id(shard),
            Some(compute_checkpoint_id(&body))
        );
        body
    }

    /// Applies `message`, expects the rejection `code`, and checks that the
    /// whole engine state is exactly as it was ([R-OUT-2]).
    pub(crate) fn assert_rejected(
        &mut self,
        message: &Message,
        code: Rejection,
    ) -> EngineRejection {
        let before = self.engine.clone();
        let view_before = self.engine.snapshot();
        let rejection = match self.engine.apply(message) {
            Ok(events) => panic!("expected {code:?}, accepted with {events:?}"),
            Err(rejection) => rejection,
        };
        assert_eq!(rejection.code(), code, "{rejection}");
        assert_eq!(self.engine.snapshot(), view_before, "the view changed");
        assert!(self.engine == before, "the state changed");
        // The same bytes through the decoder are refused the same way.
        let bytes = crate::wire::encode_message(message);
        assert_eq!(
            self.engine.apply_bytes(&bytes),
            Err(crate::outcome::InputError::Rejected(rejection))
        );
        assert!(
            self.engine == before,
            "the state changed through apply_bytes"
        );
        rejection
    }
}
