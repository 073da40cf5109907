//! What a recovery costs (`spec/SPEC.md` §7): healing re-executes the `N`
//! blocks from its base ([R-HEAL-3]) and touches no other shard
//! ([R-PIPE-4]); a reassignment draws from the reserve ([R-ASSIGN-1]).
//!
//! Setup, per case (untimed): shard 0 finalizes its checkpoint at `N`,
//! appends one block, real evidence of a checkpoint state mismatch (Critical)
//! by its last member opens a fault; boundaries 1 and 2 slash that member
//! (refilled from a reserve of one), isolate the shard and start its
//! rollback; five `AdvanceRollback` ticks complete it; boundary 3 starts the
//! healing (`Initializing`).
//!
//! Timed (`iter_batched`, a fresh copy per iteration): the healing's own
//! messages, from `Initializing` to a checkpoint finalized at the head in
//! `VerifyingState`: two `AdvanceHealing` ticks, the `N` re-produced blocks
//! (each re-executed and root-compared), the tick into `VerifyingState`,
//! the proposal and the `q` votes. The boundary that then verifies it and
//! the reintegration tick are `O(1)` per shard and left out, because a
//! boundary walks every shard by design ([R-EPOCH-2]).
//!
//! - `recovery_blocks_resynced`: `N` = 1, 8, 64, 512 with 8 shards: linear
//!   in `N`.
//! - `recovery_shard_count`: `N` = 8 with 8 and 1,024 shards: flat.
//! - `reassignment_reserve`: one shard, one member slashed at the boundary
//!   and its seat refilled, for a reserve of 16, 256 and 1,024 validators
//!   (the largest `R`), for each strategy; timed: that `AdvanceEpoch`.
//!   `PrioritizeSlashed` and `StakeBalance` read ordered indices (flat);
//!   `DeterministicReshuffle` ranks every eligible validator by SHA3
//!   (linear in `R`, by definition).

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use ed25519_dalek::Signer;
use mend_impl::{
    compute_checkpoint_id, proposal_signing_bytes, vote_signing_bytes, CheckpointBody, Engine,
    Evidence, Hash32, Message, SignatureBytes, SignedProposal, SignedVote,
};
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::{Epoch, Generation, Params, ShardId, ShardStatus, ValidatorId};
use std::hint::black_box;
use std::time::Duration;

mod support;

use support::{produce, sign_proposal, signing_key, successor};

const S0: ShardId = ShardId(0);

fn proposal(proposer: ValidatorId, generation: Generation, body: CheckpointBody) -> Message {
    let bytes = proposal_signing_bytes(
        body.shard,
        body.epoch,
        generation,
        &compute_checkpoint_id(&body),
    );
    Message::Proposal(SignedProposal {
        proposer,
        generation,
        checkpoint: body,
        signature: SignatureBytes(signing_key(proposer).sign(&bytes).to_bytes()),
    })
}

fn vote(voter: ValidatorId, generation: Generation, body: CheckpointBody) -> Message {
    let bytes = vote_signing_bytes(
        body.shard,
        body.epoch,
        generation,
        &compute_checkpoint_id(&body),
    );
    Message::Vote(SignedVote {
        validator: voter,
        shard: body.shard,
        epoch: body.epoch,
        generation,
        checkpoint: body,
        signature: SignatureBytes(signing_key(voter).sign(&bytes).to_bytes()),
    })
}

fn apply(engine: &mut Engine, message: &Message) {
    if let Err(e) = engine.apply(message) {
        panic!("refused: {e}");
    }
}

fn engine(params: Params) -> Engine {
    let keys = params
        .validator_ids()
        .map(|v| signing_key(v).verifying_key())
        .collect();
    Engine::new(params, keys).expect("one key per validator")
}

/// The honest checkpoint of `shard` at its head, child of `parent`,
/// proposed by its first member and voted by its first `q` members; returns
/// the messages. (The parent is passed in: finding it through a snapshot
/// would walk every shard inside the timed part.)
fn checkpoint_at_head(engine: &Engine, shard: ShardId, parent: Option<Hash32>) -> Vec<Message> {
    let (height, _, root) = engine.head(shard).expect("the shard exists");
    let body = CheckpointBody {
        shard,
        epoch: engine.epoch(),
        height,
        state_root: root,
        parent,
    };
    let generation = engine.generation(shard).expect("the shard exists");
    let committee = engine.committee(shard);
    let mut messages = vec![proposal(committee[0], generation, body)];
    for v in committee.iter().take(engine.params().quorum()) {
        messages.push(vote(*v, generation, body));
    }
    messages
}

fn advance(engine: &mut Engine) {
    let epoch = Epoch(engine.epoch().0 + 1);
    apply(engine, &Message::AdvanceEpoch { epoch });
}

/// Shard 0 of `shards`, healing in `Initializing`, base at `N` = `interval`.
fn initializing(shards: u16, interval: u64) -> Engine {
    let params = Params::new(shards, 4, interval, 2, 2)
        .and_then(|p| p.with_rollback_window(1024))
        .and_then(|p| p.with_recovery(1, ReassignmentStrategy::PrioritizeSlashed))
        .expect("bench parameters are valid");
    let mut engine = engine(params);
    produce(&mut engine, S0, interval);
    for message in checkpoint_at_head(&engine, S0, None) {
        apply(&mut engine, &message);
    }
    produce(&mut engine, S0, 1);
    let (head, _, _) = engine.head(S0).expect("the shard exists");
    let parent = engine.snapshot().shards[0]
        .finalized
        .last()
        .map(|(b, _)| compute_checkpoint_id(b));
    let forged = CheckpointBody {
        shard: S0,
        epoch: Epoch(0),
        height: head,
        state_root: [0xf0; 32],
        parent,
    };
    let evidence = sign_proposal(ValidatorId(3), forged);
    apply(
        &mut engine,
        &Message::Evidence(Evidence::CheckpointStateMismatch(evidence)),
    );
    advance(&mut engine);
    advance(&mut engine);
    for _ in 0..5 {
        apply(&mut engine, &Message::AdvanceRollback { shard: S0 });
    }
    advance(&mut engine);
    assert_eq!(engine.snapshot().shards[0].status, ShardStatus::Healing);
    engine
}

/// The id of shard 0's base: its latest finalized checkpoint.
fn base_id(engine: &Engine) -> Option<Hash32> {
    engine.snapshot().shards[0]
        .finalized
        .last()
        .map(|(b, _)| compute_checkpoint_id(b))
}

/// The timed part: the healing's own messages up to a checkpoint finalized
/// at the head in `VerifyingState`.
fn heal(engine: &mut Engine, interval: u64, base: Option<Hash32>) {
    let tick = Message::AdvanceHealing { shard: S0 };
    apply(engine, &tick);
    apply(engine, &tick);
    for _ in 0..interval {
        let head = engine.head(S0).expect("the shard exists");
        apply(engine, &Message::Block(successor(S0, head)));
    }
    apply(engine, &tick);
    for message in checkpoint_at_head(engine, S0, base) {
        apply(engine, &message);
    }
}

fn check_heals(shards: u16, interval: u64) {
    let mut e = initializing(shards, interval);
    let base = base_id(&e);
    heal(&mut e, interval, base);
    advance(&mut e);
    apply(&mut e, &Message::AdvanceHealing { shard: S0 });
    assert_eq!(e.snapshot().shards[0].status, ShardStatus::Normal);
}

fn blocks_resynced(c: &mut Criterion) {
    let mut group = c.benchmark_group("recovery_blocks_resynced");
    for interval in [1u64, 8, 64, 512] {
        check_heals(8, interval);
        let prepared = initializing(8, interval);
        let base = base_id(&prepared);
        group.bench_with_input(BenchmarkId::from_parameter(interval), &interval, |b, n| {
            b.iter_batched(
                || prepared.clone(),
                |mut e| {
                    heal(&mut e, *n, base);
                    black_box(e)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn shard_count(c: &mut Criterion) {
    let mut group = c.benchmark_group("recovery_shard_count");
    for shards in [8u16, 1024] {
        let prepared = initializing(shards, 8);
        let base = base_id(&prepared);
        group.bench_with_input(BenchmarkId::from_parameter(shards), &shards, |b, _| {
            b.iter_batched(
                || prepared.clone(),
                |mut e| {
                    heal(&mut e, 8, base);
                    black_box(e)
                },
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

/// One shard with a reserve of `reserve`, a Critical fault against v3 open:
/// the next boundary slashes v3 and refills its seat.
fn before_reassignment(reserve: u16, strategy: ReassignmentStrategy) -> Engine {
    let params = Params::new(1, 4, 2, 2, 2)
        .and_then(|p| p.with_recovery(reserve, strategy))
        .expect("bench parameters are valid");
    let mut engine = engine(params);
    produce(&mut engine, S0, 1);
    let forged = CheckpointBody {
        shard: S0,
        epoch: Epoch(0),
        height: mend_spec::Height(1),
        state_root: [0xf0; 32],
        parent: None,
    };
    let evidence = sign_proposal(ValidatorId(3), forged);
    apply(
        &mut engine,
        &Message::Evidence(Evidence::CheckpointStateMismatch(evidence)),
    );
    engine
}

fn reassignment(c: &mut Criterion) {
    let mut group = c.benchmark_group("reassignment_reserve");
    for strategy in ReassignmentStrategy::ALL {
        for reserve in [16u16, 256, 1024] {
            let prepared = before_reassignment(reserve, strategy);
            let mut check = prepared.clone();
            advance(&mut check);
            assert_eq!(check.committee(S0).len(), 4);
            group.bench_with_input(
                BenchmarkId::new(strategy.name(), reserve),
                &reserve,
                |b, _| {
                    b.iter_batched(
                        || prepared.clone(),
                        |mut e| {
                            advance(&mut e);
                            black_box(e)
                        },
                        BatchSize::PerIteration,
                    )
                },
            );
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(3));
    targets = blocks_resynced, shard_count, reassignment
}
criterion_main!(benches);
