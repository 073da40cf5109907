//! What one checkpoint vote costs in the engine, next to the cost of the
//! ed25519 `verify_strict` it cannot avoid ([R-CKPT-8] check 8).
//!
//! For a committee of 4 and of 64: build an engine, produce blocks up to the
//! first checkpoint height, propose the checkpoint, pre-sign the quorum of
//! votes, then time applying those votes to a fresh copy of that state
//! (`iter_batched`, so the copy is not timed). The `raw` benchmark verifies
//! the same signatures over the same bytes with no engine around them. The
//! ratio engine/raw per vote is the engine's overhead: hashing the checkpoint
//! id, building the signing bytes, the bounded lookups and the bookkeeping of
//! finality. A third case runs a committee of 4 among 1024 shards, to show
//! that a vote's cost does not depend on the shards it does not name.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use mend_impl::{
    compute_checkpoint_id, compute_state_root, encode_message, proposal_signing_bytes,
    vote_signing_bytes, Block, CheckpointBody, Engine, Message, SignatureBytes, SignedProposal,
    SignedVote, Transaction,
};
use mend_spec::test_keys::compute_test_key_seed;
use mend_spec::{
    compute_genesis_committee, compute_quorum, Epoch, Generation, Params, ShardId, ValidatorId,
};
use std::hint::black_box;

fn signing_key(v: ValidatorId) -> SigningKey {
    SigningKey::from_bytes(&compute_test_key_seed(v))
}

/// The state just before the votes, and the votes that finalize.
struct Setup {
    engine: Engine,
    votes: Vec<Message>,
    /// The same votes as `(key, signed bytes, signature)` for the raw check.
    raw: Vec<(VerifyingKey, Vec<u8>, Signature)>,
}

fn setup(shards: u16, committee_size: u16) -> Setup {
    let params = Params::new(shards, committee_size, 2, 2, 2).expect("bench parameters are valid");
    let keys = params
        .validator_ids()
        .map(|v| signing_key(v).verifying_key())
        .collect();
    let mut engine = Engine::new(params, keys).expect("one key per validator");
    // The last shard, so that a lookup by position would have to walk the
    // others.
    let shard = ShardId(shards - 1);
    for _ in 0..params.checkpoint_interval_blocks {
        let (height, parent, root) = engine.head(shard).expect("the shard exists");
        let height = height.next().expect("small heights");
        let transactions = vec![Transaction {
            key: height.0 as u32,
            value: height.0,
        }];
        let state_root = compute_state_root(&root, &transactions);
        let block = Block {
            shard,
            height,
            parent,
            transactions,
            state_root,
        };
        engine
            .apply(&Message::Block(block))
            .expect("an honest block is accepted");
    }
    let (height, _, root) = engine.head(shard).expect("the shard exists");
    let body = CheckpointBody {
        shard,
        epoch: Epoch(0),
        height,
        state_root: root,
        parent: None,
    };
    let id = compute_checkpoint_id(&body);
    let committee = compute_genesis_committee(&params, shard);
    let proposer = committee[0];
    let proposal_bytes = proposal_signing_bytes(shard, Epoch(0), Generation(0), &id);
    engine
        .apply(&Message::Proposal(SignedProposal {
            proposer,
            generation: Generation(0),
            checkpoint: body,
            signature: SignatureBytes(signing_key(proposer).sign(&proposal_bytes).to_bytes()),
        }))
        .expect("an honest proposal is accepted");

    let vote_bytes = vote_signing_bytes(shard, Epoch(0), Generation(0), &id);
    let quorum = compute_quorum(committee.len());
    let mut votes = Vec::new();
    let mut raw = Vec::new();
    for &validator in committee.iter().take(quorum) {
        let key = signing_key(validator);
        let signature = key.sign(&vote_bytes);
        votes.push(Message::Vote(SignedVote {
            validator,
            shard,
            epoch: Epoch(0),
            generation: Generation(0),
            checkpoint: body,
            signature: SignatureBytes(signature.to_bytes()),
        }));
        raw.push((key.verifying_key(), vote_bytes.clone(), signature));
    }
    // The quorum finalizes, and not one vote earlier.
    let mut check = engine.clone();
    for vote in &votes {
        check.apply(vote).expect("an honest vote is accepted");
    }
    assert_eq!(
        check.snapshot().shards[usize::from(shard.0)]
            .finalized
            .len(),
        1
    );
    Setup { engine, votes, raw }
}

fn bench_votes(c: &mut Criterion) {
    for (shards, committee_size) in [(1u16, 4u16), (1, 64), (1024, 4)] {
        let s = setup(shards, committee_size);
        let label = format!("n{committee_size}_s{shards}_q{}", s.votes.len());
        let mut group = c.benchmark_group(format!("quorum_of_votes/{label}"));
        group.bench_function("engine_apply", |b| {
            b.iter_batched(
                || s.engine.clone(),
                |mut engine| {
                    for vote in &s.votes {
                        black_box(engine.apply(black_box(vote)).is_ok());
                    }
                    engine
                },
                BatchSize::LargeInput,
            )
        });
        if shards == 1 {
            let encoded: Vec<Vec<u8>> = s.votes.iter().map(encode_message).collect();
            group.bench_function("engine_apply_bytes", |b| {
                b.iter_batched(
                    || s.engine.clone(),
                    |mut engine| {
                        for bytes in &encoded {
                            black_box(engine.apply_bytes(black_box(bytes)).is_ok());
                        }
                        engine
                    },
                    BatchSize::LargeInput,
                )
            });
            group.bench_function("raw_verify_strict", |b| {
                b.iter(|| {
                    for (key, bytes, signature) in &s.raw {
                        black_box(
                            key.verify_strict(black_box(bytes), black_box(signature))
                                .is_ok(),
                        );
                    }
                })
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_votes);
criterion_main!(benches);
