//! Small builders for the spec crate's own unit tests.

use crate::action::{Checkpoint, ParentLink, StateRoot};
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId};
use crate::protocol::ShardStatus;
use crate::view::{FinalizedCheckpoint, ShardView, View};

/// A view with one shard whose committee is validators 0..4.
pub fn one_shard_view() -> View {
    View {
        epoch: Epoch(0),
        shards: vec![ShardView {
            shard: ShardId(0),
            status: ShardStatus::Normal,
            generation: Generation(0),
            height: Height(4),
            head_root: StateRoot::Block {
                height: Height(4),
                generation: Generation(0),
            },
            committee: (0..4).map(ValidatorId).collect(),
            pending: vec![],
            finalized: vec![],
            equivocations: vec![],
            last_block_epoch: Epoch(0),
            faults: vec![],
            locks: vec![],
            rollback: None,
            healing: None,
            pipeline: None,
        }],
        validators: vec![],
        transactions: vec![],
        audit: vec![],
    }
}

/// Two shards of four; shard 0 has finalized its checkpoints at heights 2
/// and 4.
pub fn two_shard_view() -> View {
    let mut view = one_shard_view();
    let mut second = view.shards[0].clone();
    second.shard = ShardId(1);
    second.committee = (4..8).map(ValidatorId).collect();
    let first = checkpoint(2);
    let mut next = checkpoint(4);
    next.parent = first.link();
    view.shards[0].finalized = vec![
        FinalizedCheckpoint {
            checkpoint: first,
            signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
        },
        FinalizedCheckpoint {
            checkpoint: next,
            signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
        },
    ];
    view.shards.push(second);
    view
}

/// The honest checkpoint of shard 0 at `height` in epoch 0, with a genesis
/// parent.
pub fn checkpoint(height: u64) -> Checkpoint {
    Checkpoint {
        shard: ShardId(0),
        epoch: Epoch(0),
        height: Height(height),
        root: StateRoot::Block {
            height: Height(height),
            generation: Generation(0),
        },
        parent: ParentLink::Genesis,
    }
}
