//! Small builders for the spec crate's own unit tests.

use crate::action::{Checkpoint, ParentLink, StateRoot};
use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId};
use crate::protocol::ShardStatus;
use crate::view::{ShardView, View};

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
        }],
    }
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
