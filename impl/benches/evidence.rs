//! What checking one piece of evidence costs in the engine, next to the raw
//! `verify_strict` of the same signatures it cannot avoid ([R-FAULT-3]
//! check 10).
//!
//! Two forms: an equivocation (two signed votes: two checkpoint ids, two
//! signing domains, two `verify_strict`) against two raw verifies, and a
//! checkpoint state mismatch (one signed proposal: one checkpoint id, one
//! `verify_strict`, one root lookup) against one raw verify. Each engine
//! run applies the evidence to a fresh copy of the state (`iter_batched`,
//! the copy untimed), so it is accepted every time: all twelve checks run,
//! and the fault is recorded. The ratio engine/raw is the engine's
//! overhead: hashing the checkpoints, building the signing bytes, the
//! bounded lookups, computing the fault id and recording the fault.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use mend_impl::{
    compute_checkpoint_id, compute_state_root, proposal_signing_bytes, vote_signing_bytes, Block,
    CheckpointBody, Engine, Evidence, Message, SignatureBytes, SignedProposal, SignedVote,
    Transaction,
};
use mend_spec::test_keys::compute_test_key_seed;
use mend_spec::{Epoch, Generation, Height, Params, ShardId, ValidatorId};
use std::hint::black_box;

fn signing_key(v: ValidatorId) -> SigningKey {
    SigningKey::from_bytes(&compute_test_key_seed(v))
}

/// An engine of one shard with `blocks` honest blocks.
fn engine_with_blocks(blocks: u64) -> Engine {
    let params = Params::new(1, 4, 2, 2, 2).expect("bench parameters are valid");
    let keys = params
        .validator_ids()
        .map(|v| signing_key(v).verifying_key())
        .collect();
    let mut engine = Engine::new(params, keys).expect("one key per validator");
    for _ in 0..blocks {
        let (height, parent, root) = engine.head(ShardId(0)).expect("the shard exists");
        let height = height.next().expect("small heights");
        let transactions = vec![Transaction {
            key: height.0 as u32,
            value: height.0,
        }];
        let block = Block {
            shard: ShardId(0),
            height,
            parent,
            state_root: compute_state_root(&root, &transactions),
            transactions,
        };
        engine
            .apply(&Message::Block(block))
            .expect("an honest block is accepted");
    }
    engine
}

fn forged_body(nonce: u8) -> CheckpointBody {
    CheckpointBody {
        shard: ShardId(0),
        epoch: Epoch(0),
        height: Height(2),
        state_root: [nonce; 32],
        parent: None,
    }
}

type Raw = Vec<(VerifyingKey, Vec<u8>, Signature)>;

/// Equivocation evidence by validator 3 at height 2, and its signatures.
fn equivocation() -> (Evidence, Raw) {
    let v = ValidatorId(3);
    let key = signing_key(v);
    let mut raw = Vec::new();
    let mut vote = |nonce: u8| {
        let body = forged_body(nonce);
        let bytes = vote_signing_bytes(
            ShardId(0),
            Epoch(0),
            Generation(0),
            &compute_checkpoint_id(&body),
        );
        let signature = key.sign(&bytes);
        raw.push((key.verifying_key(), bytes, signature));
        SignedVote {
            validator: v,
            shard: ShardId(0),
            epoch: Epoch(0),
            generation: Generation(0),
            checkpoint: body,
            signature: SignatureBytes(signature.to_bytes()),
        }
    };
    let evidence = Evidence::Equivocation(vote(0xa1), vote(0xa2));
    (evidence, raw)
}

/// A proposal by validator 3 of a forged root at height 2, and its
/// signature.
fn checkpoint_state_mismatch() -> (Evidence, Raw) {
    let v = ValidatorId(3);
    let key = signing_key(v);
    let body = forged_body(0xb1);
    let bytes = proposal_signing_bytes(
        ShardId(0),
        Epoch(0),
        Generation(0),
        &compute_checkpoint_id(&body),
    );
    let signature = key.sign(&bytes);
    let evidence = Evidence::CheckpointStateMismatch(SignedProposal {
        proposer: v,
        generation: Generation(0),
        checkpoint: body,
        signature: SignatureBytes(signature.to_bytes()),
    });
    (evidence, vec![(key.verifying_key(), bytes, signature)])
}

fn bench_evidence(c: &mut Criterion) {
    let engine = engine_with_blocks(2);
    for (name, (evidence, raw)) in [
        ("equivocation_2_signatures", equivocation()),
        (
            "checkpoint_state_mismatch_1_signature",
            checkpoint_state_mismatch(),
        ),
    ] {
        let message = Message::Evidence(evidence);
        // The evidence is valid: accepted on the state it is timed on.
        assert!(engine.clone().apply(&message).is_ok(), "{name}");
        let mut group = c.benchmark_group(format!("evidence/{name}"));
        group.bench_function("engine_apply", |b| {
            b.iter_batched(
                || engine.clone(),
                |mut engine| {
                    black_box(engine.apply(black_box(&message)).is_ok());
                    engine
                },
                BatchSize::SmallInput,
            )
        });
        group.bench_function("raw_verify_strict", |b| {
            b.iter(|| {
                for (key, bytes, signature) in &raw {
                    black_box(
                        key.verify_strict(black_box(bytes), black_box(signature))
                            .is_ok(),
                    );
                }
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench_evidence);
criterion_main!(benches);
