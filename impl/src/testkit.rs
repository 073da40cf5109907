//! Test helpers: deterministic keys, honest chains, signed messages and real
//! signed evidence of each fault kind.
//!
//! Keys come from a fixed derivation so every failure reproduces from the
//! test's name alone: validator `v`'s secret key is
//! `SHA3-256("mend/test-key/v1" || v as u16 LE)`.

use crate::crypto::{
    block_claim_signing_bytes, compute_checkpoint_id, compute_genesis_root, compute_state_root,
    receipt_signing_bytes, xtx_vote_signing_bytes,
};
use crate::engine::Engine;
use crate::outcome::{EngineEvent, EngineRejection};
use crate::wire::{
    Block, BlockClaim, CheckpointBody, Evidence, Hash32, Message, Receipt, SignatureBytes,
    SignedBlockClaim, SignedReceipt, SignedXtxVote, Transaction, XtxPrepare, XtxVoteBody,
};
use ed25519_dalek::Signer;
use mend_spec::{
    compute_quorum, Epoch, FaultKind, Generation, Height, Params, Rejection, ShardId, ShardStatus,
    ValidatorId, XtxDecision, XtxId,
};

// The test keys and the signed proposals and votes are the workload's
// ([`crate::journal::workload`]), written once: the journal's workload is
// public (the crash test and the benchmarks use it), this module is for the
// crate's own tests.
pub(crate) use crate::journal::workload::{
    sign_proposal, sign_vote, test_signing_key, test_verifying_keys as test_keys,
};

/// A block claim signed by `signer`'s key, whoever the claim names as its
/// producer (a forgery when they differ).
pub(crate) fn sign_block_claim_as(signer: ValidatorId, claim: BlockClaim) -> SignedBlockClaim {
    let bytes = block_claim_signing_bytes(&claim);
    SignedBlockClaim {
        signature: SignatureBytes(test_signing_key(signer).sign(&bytes).to_bytes()),
        claim,
    }
}

/// A block claim validly signed by its producer.
pub(crate) fn sign_block_claim(claim: BlockClaim) -> SignedBlockClaim {
    sign_block_claim_as(claim.producer, claim)
}

/// A receipt signed by `signer`'s key, whoever the receipt names.
pub(crate) fn sign_receipt_as(signer: ValidatorId, receipt: Receipt) -> SignedReceipt {
    let bytes = receipt_signing_bytes(&receipt);
    SignedReceipt {
        receipt,
        signature: SignatureBytes(test_signing_key(signer).sign(&bytes).to_bytes()),
    }
}

/// A receipt validly signed by its signer.
pub(crate) fn sign_receipt(receipt: Receipt) -> SignedReceipt {
    sign_receipt_as(receipt.signer, receipt)
}

/// A cross-shard vote by `voter`, validly signed over the xtx vote domain
/// ([R-XTX-3]).
pub(crate) fn sign_xtx_vote(
    voter: ValidatorId,
    id: XtxId,
    shard: ShardId,
    generation: Generation,
    decision: XtxDecision,
) -> SignedXtxVote {
    let vote = XtxVoteBody {
        voter,
        id,
        shard,
        generation,
        decision,
    };
    SignedXtxVote {
        vote,
        signature: SignatureBytes(
            test_signing_key(voter)
                .sign(&xtx_vote_signing_bytes(&vote))
                .to_bytes(),
        ),
    }
}

/// A root no honest execution produces, told apart by `nonce`.
pub(crate) fn forged_root(nonce: u8) -> Hash32 {
    let mut root = [0xf0; 32];
    root[31] = nonce;
    root
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

/// A well-formed block claim with two transactions (not valid on any
/// chain).
pub(crate) fn sample_claim() -> BlockClaim {
    let block = sample_block();
    BlockClaim {
        producer: ValidatorId(5),
        shard: block.shard,
        epoch: Epoch(3),
        generation: Generation(0),
        height: block.height,
        parent_root: [0x55; 32],
        transactions: block.transactions,
        post_root: [0x66; 32],
    }
}

/// One piece of evidence of each form, in [R-FAULT-2]'s order.
pub(crate) fn sample_evidence() -> Vec<Evidence> {
    let body = sample_body();
    let vote = |root: u8| {
        sign_vote(
            ValidatorId(5),
            ShardId(1),
            Epoch(3),
            Generation(0),
            CheckpointBody {
                state_root: [root; 32],
                ..body
            },
        )
    };
    let claim = sign_block_claim(sample_claim());
    vec![
        Evidence::StateRootMismatch(vote(1)),
        Evidence::Equivocation(vote(1), vote(2)),
        Evidence::InvalidReceipt(sign_receipt(Receipt {
            signer: ValidatorId(5),
            source: ShardId(1),
            destination: ShardId(0),
            epoch: Epoch(3),
            generation: Generation(0),
            height: Height(4),
            root: [0x77; 32],
        })),
        Evidence::ExecutionFailure(claim.clone()),
        Evidence::Liveness { shard: ShardId(1) },
        Evidence::CheckpointStateMismatch(sign_proposal(ValidatorId(4), Generation(0), body)),
        Evidence::OrderingViolation(claim),
    ]
}

/// One message of each of the first four kinds, in variant order, then one
/// evidence message of each form, then one message of each kind after
/// `Evidence`.
pub(crate) fn sample_messages() -> Vec<Message> {
    let body = sample_body();
    let mut messages = vec![
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
    ];
    messages.extend(sample_evidence().into_iter().map(Message::Evidence));
    messages.extend([
        Message::PrepareXtx(XtxPrepare {
            id: XtxId(7),
            source: ShardId(1),
            destination: ShardId(0),
            key: 42,
        }),
        Message::XtxVote(sign_xtx_vote(
            ValidatorId(5),
            XtxId(7),
            ShardId(1),
            Generation(2),
            XtxDecision::Abort,
        )),
        Message::AdvanceRollback { shard: ShardId(1) },
        Message::AdvanceHealing { shard: ShardId(1) },
    ]);
    messages
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

    /// The current committee of `shard` ([R-ASSIGN-2]: it changes at epoch
    /// boundaries after slashes).
    pub(crate) fn committee(&self, shard: ShardId) -> Vec<ValidatorId> {
        self.engine.committee(shard)
    }

    pub(crate) fn quorum(&self) -> usize {
        compute_quorum(usize::from(self.params.committee_size))
    }

    pub(crate) fn epoch(&self) -> Epoch {
        self.engine.epoch()
    }

    /// The transactions of the honest block of `shard` at `height`.
    pub(crate) fn honest_transactions(shard: ShardId, height: Height) -> Vec<Transaction> {
        vec![Transaction {
            key: height.0 as u32,
            value: u64::from(shard.0) * 1_000 + height.0,
        }]
    }

    /// The honest successor of `shard`'s head.
    pub(crate) fn next_block(&self, shard: ShardId) -> Block {
        let (height, parent, root) = self.engine.head(shard).unwrap();
        let height = Height(height.0 + 1);
        let transactions = Harness::honest_transactions(shard, height);
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
            let height = block.height;
            if let Err(e) = self.engine.apply(&Message::Block(block)) {
                panic!("block of {shard} at {height:?} refused: {e}");
            }
            // After a rollback the chain is re-produced from the target:
            // forget the roots above the head first.
            let roots = &mut self.roots[usize::from(shard.0)];
            roots.truncate(height.0 as usize);
            roots.push(root);
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

    /// Advances the epoch by one; must succeed.
    pub(crate) fn advance_epoch(&mut self) -> Vec<EngineEvent> {
        let epoch = Epoch(self.epoch().0 + 1);
        self.engine.apply(&Message::AdvanceEpoch { epoch }).unwrap()
    }

    /// The honest claim of `producer` about the block of `shard` at
    /// `height` (at most the head plus one), in the current epoch and
    /// generation 0: the honest transactions on the honest parent root.
    pub(crate) fn honest_claim(
        &self,
        producer: ValidatorId,
        shard: ShardId,
        height: Height,
    ) -> BlockClaim {
        let parent_root = self.root_at(shard, Height(height.0 - 1));
        let transactions = Harness::honest_transactions(shard, height);
        BlockClaim {
            producer,
            shard,
            epoch: self.epoch(),
            generation: Generation(0),
            height,
            parent_root,
            post_root: compute_state_root(&parent_root, &transactions),
            transactions,
        }
    }

    /// Real signed evidence of `kind` against `accused` on `shard` at
    /// `height`, in the current epoch and generation 0, that the engine
    /// accepts in the state the caller set up:
    ///
    /// - kind 1 is a vote for a forged root at `height <= head`; it names
    ///   the retained finalized checkpoint at `height` with its root forged
    ///   if there is one, else a checkpoint on the latest finalized one;
    /// - kind 2 signs votes for two checkpoints at `height` with forged
    ///   roots (neither needs to be pending);
    /// - kind 3 is a receipt from `shard` to the next shard with a forged
    ///   root at `height <= head`;
    /// - kind 4 is the honest claim at `height <= head + 1` with a wrong post
    ///   root; kind 7 a claim of two transactions in descending key order
    ///   with the root their execution gives;
    /// - kind 5 ignores `accused` and `height`;
    /// - kind 6 proposes a forged root at `height <= head`.
    pub(crate) fn evidence(
        &self,
        kind: FaultKind,
        shard: ShardId,
        accused: ValidatorId,
        height: Height,
    ) -> Evidence {
        let epoch = self.epoch();
        let g = Generation(0);
        let body = |nonce: u8| CheckpointBody {
            shard,
            epoch,
            height,
            state_root: forged_root(nonce),
            parent: self.latest_finalized_id(shard),
        };
        match kind {
            FaultKind::StateRootMismatch => {
                let snapshot = self.engine.snapshot();
                let contradicting = snapshot.shards[usize::from(shard.0)]
                    .finalized
                    .iter()
                    .find(|(b, _)| b.height == height)
                    .map_or(body(1), |(finalized, _)| CheckpointBody {
                        state_root: forged_root(1),
                        ..*finalized
                    });
                Evidence::StateRootMismatch(sign_vote(accused, shard, epoch, g, contradicting))
            }
            FaultKind::ValidatorEquivocation => Evidence::Equivocation(
                sign_vote(accused, shard, epoch, g, body(1)),
                sign_vote(accused, shard, epoch, g, body(2)),
            ),
            FaultKind::InvalidCrossShardReceipt => {
                Evidence::InvalidReceipt(sign_receipt(Receipt {
                    signer: accused,
                    source: shard,
                    destination: ShardId((shard.0 + 1) % self.params.shards),
                    epoch,
                    generation: g,
                    height,
                    root: forged_root(3),
                }))
            }
            FaultKind::ExecutionFailure => {
                let mut claim = self.honest_claim(accused, shard, height);
                claim.post_root = forged_root(4);
                Evidence::ExecutionFailure(sign_block_claim(claim))
            }
            FaultKind::LivenessFailure => Evidence::Liveness { shard },
            FaultKind::CheckpointStateMismatch => {
                Evidence::CheckpointStateMismatch(sign_proposal(accused, g, body(6)))
            }
            FaultKind::TransactionOrderingViolation => {
                let mut claim = self.honest_claim(accused, shard, height);
                claim.transactions = vec![
                    Transaction { key: 2, value: 20 },
                    Transaction { key: 1, value: 10 },
                ];
                claim.post_root = compute_state_root(&claim.parent_root, &claim.transactions);
                Evidence::OrderingViolation(sign_block_claim(claim))
            }
        }
    }

    /// A cross-shard vote by `voter`, validly signed ([R-XTX-3]).
    pub(crate) fn xtx_vote(
        &self,
        voter: ValidatorId,
        id: XtxId,
        shard: ShardId,
        generation: Generation,
        decision: XtxDecision,
    ) -> Message {
        Message::XtxVote(sign_xtx_vote(voter, id, shard, generation, decision))
    }

    /// Casts the vote of `shard`'s first committee member on `id` in the
    /// shard's current generation; must succeed.
    pub(crate) fn cast_xtx_vote(
        &mut self,
        id: XtxId,
        shard: ShardId,
        decision: XtxDecision,
    ) -> Vec<EngineEvent> {
        let voter = self.committee(shard)[0];
        let generation = self.generation(shard);
        let message = self.xtx_vote(voter, id, shard, generation, decision);
        match self.engine.apply(&message) {
            Ok(events) => events,
            Err(e) => panic!("xtx vote of {voter} refused: {e}"),
        }
    }

    /// The rollback generation of `shard`.
    pub(crate) fn generation(&self, shard: ShardId) -> Generation {
        self.engine.snapshot().shards[usize::from(shard.0)].generation
    }

    /// Prepares the xtx `id` from `source` to `destination` on `key`; must
    /// succeed.
    pub(crate) fn prepare(
        &mut self,
        id: u32,
        source: ShardId,
        destination: ShardId,
        key: u32,
    ) -> Vec<EngineEvent> {
        let message = Message::PrepareXtx(XtxPrepare {
            id: XtxId(id),
            source,
            destination,
            key,
        });
        match self.engine.apply(&message) {
            Ok(events) => events,
            Err(e) => panic!("prepare of x{id} refused: {e}"),
        }
    }

    /// One tick of `shard`'s rollback; must be accepted.
    pub(crate) fn advance_rollback(&mut self, shard: ShardId) -> Vec<EngineEvent> {
        match self.engine.apply(&Message::AdvanceRollback { shard }) {
            Ok(events) => events,
            Err(e) => panic!("rollback tick of {shard} refused: {e}"),
        }
    }

    /// Drives `shard` to `Recovering`: real evidence of a checkpoint state
    /// mismatch (Critical) by `shard`'s last committee member at the head
    /// height (at least 1: a block is produced if the shard has none), then
    /// two epoch boundaries: `Isolated`, then the rollback starts
    /// ([R-RB-1]).
    pub(crate) fn drive_to_recovering(&mut self, shard: ShardId) {
        let (head, _, _) = self.engine.head(shard).unwrap();
        let height = if head.0 == 0 {
            self.produce_blocks(shard, 1);
            Height(1)
        } else {
            head
        };
        self.open_critical_fault(shard, height);
        self.advance_epoch();
        assert_eq!(self.status(shard), ShardStatus::Isolated);
        self.advance_epoch();
        assert_eq!(self.status(shard), ShardStatus::Recovering);
    }

    /// Opens a Critical fault on `shard` at `height` (at most its head) with
    /// real evidence: a checkpoint state mismatch by the shard's last
    /// committee member, in the shard's generation.
    pub(crate) fn open_critical_fault(&mut self, shard: ShardId, height: Height) {
        let accused = *self.committee(shard).last().unwrap();
        let body = CheckpointBody {
            shard,
            epoch: self.epoch(),
            height,
            state_root: forged_root(6),
            parent: self.latest_finalized_id(shard),
        };
        let generation = self.generation(shard);
        let evidence = Evidence::CheckpointStateMismatch(sign_proposal(accused, generation, body));
        self.engine.apply(&Message::Evidence(evidence)).unwrap();
    }

    /// One tick of `shard`'s healing ([R-HEAL-2]); must be accepted.
    pub(crate) fn advance_healing(&mut self, shard: ShardId) -> Vec<EngineEvent> {
        match self.engine.apply(&Message::AdvanceHealing { shard }) {
            Ok(events) => events,
            Err(e) => panic!("healing tick of {shard} refused: {e}"),
        }
    }

    /// [R-HEAL-4] Proposes and finalizes the honest checkpoint of `shard` at
    /// its head, in the current epoch and the shard's generation, with the
    /// proposal of its current committee's first member and the votes of
    /// its first `q` members (`q` of the configured `n`); returns its body
    /// and the events of the last vote.
    pub(crate) fn finalize_at_head(
        &mut self,
        shard: ShardId,
    ) -> (CheckpointBody, Vec<EngineEvent>) {
        let (height, _, root) = self.engine.head(shard).unwrap();
        let body = CheckpointBody {
            shard,
            epoch: self.epoch(),
            height,
            state_root: root,
            parent: self.latest_finalized_id(shard),
        };
        let generation = self.generation(shard);
        let committee = self.committee(shard);
        let proposal = Message::Proposal(sign_proposal(committee[0], generation, body));
        if let Err(e) = self.engine.apply(&proposal) {
            panic!("proposal at the head of {shard} refused: {e}");
        }
        let mut last = Vec::new();
        for v in committee.into_iter().take(self.quorum()) {
            let vote = Message::Vote(sign_vote(v, shard, self.epoch(), generation, body));
            last = match self.engine.apply(&vote) {
                Ok(events) => events,
                Err(e) => panic!("vote of {v} refused: {e}"),
            };
        }
        (body, last)
    }

    /// Drives `shard` from a healthy chain to `Reintegrated` and returns
    /// every event on the way, in order: finalizes its next checkpoint (the
    /// base), produces one block above it, opens a Critical fault against
    /// its last member, and takes the boundaries and ticks of [R-RB-*],
    /// [R-PIPE-*] and [R-HEAL-*] (re-producing the `N` blocks from the base
    /// while `SyncingBlocks`, finalizing the checkpoint at the head in
    /// `VerifyingState`), waiting for the fault to expire ([R-FAULT-6])
    /// before the last tick. Needs a reserve (`R >= 1`) to refill the
    /// committee and the default `A_e` of 2 or less.
    pub(crate) fn drive_to_reintegration(&mut self, shard: ShardId) -> Vec<EngineEvent> {
        let mut events = Vec::new();
        self.finalize_next(shard);
        self.produce_blocks(shard, 1);
        let (head, _, _) = self.engine.head(shard).unwrap();
        self.open_critical_fault(shard, head);
        events.extend(self.advance_epoch());
        events.extend(self.advance_epoch());
        for _ in 0..5 {
            events.extend(self.advance_rollback(shard));
        }
        events.extend(self.advance_epoch());
        events.extend(self.advance_healing(shard));
        events.extend(self.advance_healing(shard));
        self.produce_blocks(shard, self.params.checkpoint_interval_blocks);
        events.extend(self.advance_healing(shard));
        let (_, finalized) = self.finalize_at_head(shard);
        events.extend(finalized);
        events.extend(self.advance_epoch());
        while !self.engine.open_faults(shard).is_empty() {
            events.extend(self.advance_epoch());
        }
        events.extend(self.advance_healing(shard));
        events
    }

    /// The status of `shard`.
    pub(crate) fn status(&self, shard: ShardId) -> ShardStatus {
        self.engine.snapshot().shards[usize::from(shard.0)].status
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
