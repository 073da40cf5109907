//! What one input to a healthy shard costs while another shard is
//! Isolated, with 8 shards and with 1,024 shards ([R-ISO-1]: other shards
//! keep running; [R-FAULT-7]: memory and work per shard do not depend on
//! the number of shards).
//!
//! Setup, for each shard count: shard 0 gets two blocks and real evidence
//! of a checkpoint state mismatch (Critical), and the epoch advances, so
//! shard 0 is Isolated with one audit record. The healthy shard is the last
//! one (a lookup that walked the shard list would pay the most there); it
//! gets two blocks and a pending checkpoint. Three inputs to it are timed:
//!
//! - a block (one SHA3 of the root, one of the block id, no signature),
//!   timed over a pre-built chain of blocks (`iter_custom`, one engine copy
//!   per sample), since a block is the cheapest input and shows bookkeeping
//!   best;
//! - a vote for the pending checkpoint (one SHA3 and one `verify_strict`);
//! - evidence of an execution failure by a member of the healthy shard.
//!
//! Votes and evidence run on a fresh copy of the state per run
//! (`iter_batched`, untimed). The ratio of the medians at 1,024 and at 8
//! shards should stay near 1.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::Signer;
use mend_impl::{
    block_claim_signing_bytes, compute_block_id, compute_checkpoint_id, vote_signing_bytes,
    BlockClaim, CheckpointBody, Engine, Evidence, Message, SignatureBytes, SignedBlockClaim,
    SignedVote, Transaction,
};
use mend_spec::{
    compute_genesis_committee, Epoch, Generation, Height, Params, ShardId, ShardStatus,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

mod support;

use support::{produce, sign_proposal, signing_key, successor};

struct Setup {
    engine: Engine,
    healthy: ShardId,
    vote: Message,
    evidence: Message,
}

fn setup(shards: u16) -> Setup {
    let params = Params::new(shards, 4, 2, 2, 2).expect("bench parameters are valid");
    let keys = params
        .validator_ids()
        .map(|v| signing_key(v).verifying_key())
        .collect();
    let mut engine = Engine::new(params, keys).expect("one key per validator");

    // Shard 0 becomes Isolated: a forged root proposed at height 2.
    let isolated = ShardId(0);
    produce(&mut engine, isolated, 2);
    let forged = CheckpointBody {
        shard: isolated,
        epoch: Epoch(0),
        height: Height(2),
        state_root: [0xf0; 32],
        parent: None,
    };
    let byzantine = compute_genesis_committee(&params, isolated)[3];
    engine
        .apply(&Message::Evidence(Evidence::CheckpointStateMismatch(
            sign_proposal(byzantine, forged),
        )))
        .expect("the evidence is valid");
    engine
        .apply(&Message::AdvanceEpoch { epoch: Epoch(1) })
        .expect("the next epoch");
    let view = engine.snapshot();
    assert_eq!(view.shards[0].status, ShardStatus::Isolated);
    assert_eq!(view.audit.len(), 1);

    // The healthy shard: two blocks and a pending checkpoint at height 2.
    let healthy = ShardId(shards - 1);
    produce(&mut engine, healthy, 2);
    let (height, _, root) = engine.head(healthy).expect("the shard exists");
    let body = CheckpointBody {
        shard: healthy,
        epoch: Epoch(1),
        height,
        state_root: root,
        parent: None,
    };
    let committee = compute_genesis_committee(&params, healthy);
    engine
        .apply(&Message::Proposal(sign_proposal(committee[0], body)))
        .expect("an honest proposal");
    let vote_bytes = vote_signing_bytes(
        healthy,
        Epoch(1),
        Generation(0),
        &compute_checkpoint_id(&body),
    );
    let voter = committee[1];
    let vote = Message::Vote(SignedVote {
        validator: voter,
        shard: healthy,
        epoch: Epoch(1),
        generation: Generation(0),
        checkpoint: body,
        signature: SignatureBytes(signing_key(voter).sign(&vote_bytes).to_bytes()),
    });

    // Evidence against the healthy shard's Byzantine member: a claim of the
    // next block with a wrong post root.
    let producer = committee[3];
    let transactions = vec![Transaction { key: 3, value: 3 }];
    let claim = BlockClaim {
        producer,
        shard: healthy,
        epoch: Epoch(1),
        generation: Generation(0),
        height: Height(3),
        parent_root: root,
        transactions,
        post_root: [0xee; 32],
    };
    let signature = signing_key(producer).sign(&block_claim_signing_bytes(&claim));
    let evidence = Message::Evidence(Evidence::ExecutionFailure(SignedBlockClaim {
        claim,
        signature: SignatureBytes(signature.to_bytes()),
    }));
    for message in [&vote, &evidence] {
        assert!(engine.clone().apply(message).is_ok());
    }
    Setup {
        engine,
        healthy,
        vote,
        evidence,
    }
}

/// `count` successive honest blocks of `shard` from its head in `engine`.
fn chain_of(engine: &Engine, shard: ShardId, count: u64) -> Vec<Message> {
    let mut head = engine.head(shard).expect("the shard exists");
    let mut blocks = Vec::new();
    for _ in 0..count {
        let block = successor(shard, head);
        head = (block.height, compute_block_id(&block), block.state_root);
        blocks.push(Message::Block(block));
    }
    blocks
}

fn bench_shard_count(c: &mut Criterion) {
    for shards in [8u16, 1024] {
        let s = setup(shards);
        let mut group = c.benchmark_group(format!("healthy_shard_input/s{shards}_one_isolated"));
        group.bench_function("block", |b| {
            b.iter_custom(|iters| {
                let blocks = chain_of(&s.engine, s.healthy, iters);
                let mut engine = s.engine.clone();
                let start = Instant::now();
                for block in &blocks {
                    black_box(engine.apply(black_box(block)).is_ok());
                }
                let elapsed: Duration = start.elapsed();
                assert_eq!(engine.head(s.healthy).map(|h| h.0), Some(Height(2 + iters)));
                elapsed
            })
        });
        for (name, message) in [("vote", &s.vote), ("evidence", &s.evidence)] {
            group.bench_function(name, |b| {
                b.iter_batched(
                    || s.engine.clone(),
                    |mut engine| {
                        black_box(engine.apply(black_box(message)).is_ok());
                        engine
                    },
                    BatchSize::LargeInput,
                )
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_shard_count);
criterion_main!(benches);
