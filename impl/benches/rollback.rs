//! What a rollback costs ([R-RB-2]: "the cost of a tick depends on the
//! blocks and xtxs of the shard it rolls back, never on the number of
//! shards"; [R-RB-4]: restoring costs one step per block undone).
//!
//! Setup, per case: the rolled-back shard finalizes a checkpoint at height
//! 2, appends `undone` more blocks, and holds four cross-shard transactions
//! in flight, two with each of the shards at the other ends of the shard
//! list (so that a rollback that walked the shard list would pay for the
//! distance). Real evidence of a checkpoint state mismatch (Critical) at its
//! head, then two epoch boundaries, make it `Recovering` with its rollback
//! `Initiated`. The window is the largest allowed, `W = 1024`, so every case
//! is within it.
//!
//! Timed, on a fresh copy of the prepared engine per iteration
//! (`iter_batched` with `PerIteration`; the copy is made in the untimed
//! setup):
//!
//! - `whole`: the five `AdvanceRollback` ticks, from `Initiated` to
//!   `Completed` (abort 4 xtxs, release 8 locks, restore, verify, heal);
//! - `restore`: the restoring tick alone (step 3: pop `undone` blocks,
//!   append one audit record), on a copy made after steps 1 and 2.
//!
//! Group `rollback_blocks_undone`: 1, 8, 64, 512 blocks, 8 shards, shard 0
//! rolled back; the restoring tick should grow linearly with the blocks
//! undone, over a constant part (the audit record's SHA3 and the events).
//! Group `rollback_shard_count`: 64 blocks with 8 and with 1,024 shards,
//! rolling back the first or the last shard; the ratio should stay near 1.
//! The engine's work is the same: counted with `callgrind`, the five ticks
//! at 64 blocks run the same instructions in the engine with 8 and with
//! 1,024 shards, and all of the difference (612 of about 37,000) is inside
//! glibc's `malloc` and `free`, whose free lists are longer in the bigger
//! heap. What is left of a time difference is memory: the copy of a
//! 1,024-shard engine made just before the timed ticks pushes the
//! rolled-back shard's data out of the L1 cache.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use ed25519_dalek::Signer;
use mend_impl::{
    compute_checkpoint_id, vote_signing_bytes, CheckpointBody, Engine, Evidence, Message,
    SignatureBytes, SignedVote, XtxPrepare,
};
use mend_spec::{
    compute_genesis_committee, Epoch, Generation, Height, Params, RollbackPhase, ShardId,
    ShardStatus, XtxId,
};
use std::hint::black_box;

mod support;

use support::{produce, sign_proposal, signing_key};

fn tick(shard: ShardId) -> Message {
    Message::AdvanceRollback { shard }
}

/// Shard 0 `Recovering` with `undone` blocks above its target and four
/// xtxs in flight, out of `shards` shards.
fn prepared(shards: u16, undone: u64, rolling: ShardId) -> Engine {
    let params = Params::new(shards, 4, 2, 2, 2)
        .and_then(|p| p.with_rollback_window(1024))
        .expect("bench parameters are valid");
    let keys = params
        .validator_ids()
        .map(|v| signing_key(v).verifying_key())
        .collect();
    let mut engine = Engine::new(params, keys).expect("one key per validator");
    let committee = compute_genesis_committee(&params, rolling);

    // A finalized checkpoint at height 2: the target.
    produce(&mut engine, rolling, 2);
    let (height, _, root) = engine.head(rolling).expect("the shard exists");
    let body = CheckpointBody {
        shard: rolling,
        epoch: Epoch(0),
        height,
        state_root: root,
        parent: None,
    };
    engine
        .apply(&Message::Proposal(sign_proposal(committee[0], body)))
        .expect("an honest proposal");
    let id = compute_checkpoint_id(&body);
    for voter in &committee[..3] {
        let bytes = vote_signing_bytes(rolling, Epoch(0), Generation(0), &id);
        engine
            .apply(&Message::Vote(SignedVote {
                validator: *voter,
                shard: rolling,
                epoch: Epoch(0),
                generation: Generation(0),
                checkpoint: body,
                signature: SignatureBytes(signing_key(*voter).sign(&bytes).to_bytes()),
            }))
            .expect("an honest vote");
    }
    produce(&mut engine, rolling, undone);

    // Four xtxs in flight, two with each of the two shards at the other
    // ends of the shard list.
    let (near, far) = if rolling.0 == 0 {
        (ShardId(1), ShardId(shards - 1))
    } else {
        (ShardId(0), ShardId(1))
    };
    for (id, other, key) in [(1, near, 10), (2, far, 11), (3, near, 12), (4, far, 13)] {
        let (source, destination) = if id % 2 == 0 {
            (other, rolling)
        } else {
            (rolling, other)
        };
        engine
            .apply(&Message::PrepareXtx(XtxPrepare {
                id: XtxId(id),
                source,
                destination,
                key,
            }))
            .expect("a prepare between healthy shards");
    }

    // Critical evidence at the head, then Isolated, then Recovering.
    let (head, _, _) = engine.head(rolling).expect("the shard exists");
    let forged = CheckpointBody {
        shard: rolling,
        epoch: Epoch(0),
        height: head,
        state_root: [0xf0; 32],
        parent: Some(id),
    };
    engine
        .apply(&Message::Evidence(Evidence::CheckpointStateMismatch(
            sign_proposal(committee[3], forged),
        )))
        .expect("the evidence is valid");
    for epoch in [1, 2] {
        engine
            .apply(&Message::AdvanceEpoch {
                epoch: Epoch(epoch),
            })
            .expect("the next epoch");
    }
    let view = engine.snapshot();
    assert_eq!(
        view.shards[usize::from(rolling.0)].status,
        ShardStatus::Recovering
    );
    assert_eq!(
        view.shards[usize::from(rolling.0)].height,
        Height(2 + undone)
    );

    // The whole rollback succeeds on a copy.
    let mut check = engine.clone();
    for _ in 0..5 {
        check
            .apply(&tick(rolling))
            .expect("a tick of a recovering shard");
    }
    let view = check.snapshot();
    assert_eq!(
        view.shards[usize::from(rolling.0)].status,
        ShardStatus::Healing
    );
    assert_eq!(view.shards[usize::from(rolling.0)].height, Height(2));
    assert_eq!(
        view.shards[usize::from(rolling.0)]
            .rollback
            .as_ref()
            .map(|r| r.phase),
        Some(RollbackPhase::Completed)
    );
    assert_eq!(
        view.shards[usize::from(rolling.0)]
            .rollback
            .as_ref()
            .map(|r| r.aborted.len()),
        Some(4)
    );
    engine
}

/// `engine` after the first two ticks, ready to restore.
fn ready_to_restore(engine: &Engine, rolling: ShardId) -> Engine {
    let mut engine = engine.clone();
    for _ in 0..2 {
        engine
            .apply(&tick(rolling))
            .expect("a tick of a recovering shard");
    }
    engine
}

fn bench_case(c: &mut Criterion, group: &str, name: &str, engine: &Engine, rolling: ShardId) {
    let mut group = c.benchmark_group(format!("{group}/{name}"));
    let restorable = ready_to_restore(engine, rolling);
    let tick = tick(rolling);
    group.bench_function("whole", |b| {
        b.iter_batched(
            || engine.clone(),
            |mut engine| {
                for _ in 0..5 {
                    black_box(engine.apply(black_box(&tick)).is_ok());
                }
                engine
            },
            BatchSize::PerIteration,
        )
    });
    group.bench_function("restore", |b| {
        b.iter_batched(
            || restorable.clone(),
            |mut engine| {
                black_box(engine.apply(black_box(&tick)).is_ok());
                engine
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn bench_blocks_undone(c: &mut Criterion) {
    for undone in [1u64, 8, 64, 512] {
        let engine = prepared(8, undone, ShardId(0));
        bench_case(
            c,
            "rollback_blocks_undone",
            &format!("b{undone}"),
            &engine,
            ShardId(0),
        );
    }
}

fn bench_shard_count(c: &mut Criterion) {
    for shards in [8u16, 1024] {
        for rolling in [ShardId(0), ShardId(shards - 1)] {
            let engine = prepared(shards, 64, rolling);
            bench_case(
                c,
                "rollback_shard_count",
                &format!("s{shards}_b64_rolling_{rolling}"),
                &engine,
                rolling,
            );
        }
    }
}

criterion_group!(benches, bench_blocks_undone, bench_shard_count);
criterion_main!(benches);
