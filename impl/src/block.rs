//! Chain heads and the block rule ([R-BLK-1], [R-BLK-2]).
//!
//! The engine keeps, per shard, only what the next block and the next
//! checkpoint need: the head's height, its block id (the next block's parent)
//! and its post-state root (the state the next block executes on). The
//! post-state root commits to the previous root and to every transaction in
//! order ([R-BLK-2]), so no history is stored here and memory does not grow
//! with the chain.

use crate::crypto::{compute_block_id, compute_genesis_root, compute_state_root};
use crate::outcome::{BlockError, EngineEvent};
use crate::state::{KnownShard, State};
use crate::wire::{Block, Hash32, TRANSACTIONS_PER_BLOCK_MAX};
use mend_spec::{Height, ShardId};

/// The head of one shard's chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ChainHead {
    /// Height of the head block; 0 is the genesis state, which has no block.
    pub(crate) height: Height,
    /// Id of the head block; all zeros before the first block, which is the
    /// parent the first block must name ([R-BLK-1]).
    pub(crate) block_id: Hash32,
    /// Post-state root of the head block, or the genesis root ([R-BLK-2]).
    pub(crate) root: Hash32,
}

impl ChainHead {
    /// [R-BLK-2] The genesis head of `shard`.
    pub(crate) fn genesis(shard: ShardId) -> ChainHead {
        ChainHead {
            height: Height(0),
            block_id: [0; 32],
            root: compute_genesis_root(shard),
        }
    }
}

/// A block that passed every check of [R-BLK-1]; it carries the head it
/// becomes.
#[derive(Debug)]
pub(crate) struct ValidatedBlock {
    shard: KnownShard,
    head: ChainHead,
}

/// [R-BLK-1] Checks a block against its shard's head, in the spec's order.
pub(crate) fn validate_block(state: &State, block: &Block) -> Result<ValidatedBlock, BlockError> {
    // [R-BLK-1] check 1: the shard exists.
    let known = state
        .find_shard(block.shard)
        .ok_or(BlockError::UnknownShard { shard: block.shard })?;
    // [R-BLK-1] check 2: no more transactions than one wire message carries,
    // so the typed entry point bounds the hashing work as `apply_bytes` does.
    if block.transactions.len() > TRANSACTIONS_PER_BLOCK_MAX {
        return Err(BlockError::TooManyTransactions {
            shard: block.shard,
            count: block.transactions.len(),
            max: TRANSACTIONS_PER_BLOCK_MAX,
        });
    }
    let head = &state.shard(known).chain;
    // [R-BLK-1] check 3: height is head + 1. `next` is `None` only at
    // u64::MAX, where no block can follow.
    if head.height.next() != Some(block.height) {
        return Err(BlockError::WrongHeight {
            shard: block.shard,
            head: head.height,
            got: block.height,
        });
    }
    // [R-BLK-1] check 4: the parent is the head block (all zeros at genesis).
    if block.parent != head.block_id {
        return Err(BlockError::WrongParent {
            shard: block.shard,
            expected: head.block_id,
            got: block.parent,
        });
    }
    // [R-BLK-1] check 5, by [R-BLK-2]: executing the block on the head's
    // state gives the declared root.
    let computed = compute_state_root(&head.root, &block.transactions);
    if computed != block.state_root {
        return Err(BlockError::StateRootMismatch {
            shard: block.shard,
            height: block.height,
            computed,
            declared: block.state_root,
        });
    }
    Ok(ValidatedBlock {
        shard: known,
        head: ChainHead {
            height: block.height,
            block_id: compute_block_id(block),
            root: computed,
        },
    })
}

/// [R-BLK-1] Makes a validated block the head and emits `BlockAppended`.
pub(crate) fn apply_block(state: &mut State, block: ValidatedBlock) -> Vec<EngineEvent> {
    let shard = state.shard_mut(block.shard);
    assert_eq!(
        shard.chain.height.next(),
        Some(block.head.height),
        "a validated block extends the head it was validated against"
    );
    let event = EngineEvent::BlockAppended {
        shard: shard.id,
        height: block.head.height,
        root: block.head.root,
    };
    shard.chain = block.head;
    vec![event]
}

#[cfg(test)]
mod tests {
    use crate::crypto::{compute_block_id, compute_genesis_root, compute_state_root};
    use crate::outcome::EngineEvent;
    use crate::testkit::Harness;
    use crate::wire::{Message, Transaction};
    use mend_spec::{BlockRejection, Height, Rejection, ShardId};

    #[test]
    fn the_first_block_extends_genesis_and_becomes_the_head() {
        let mut h = Harness::default_config();
        let genesis = compute_genesis_root(ShardId(1));
        assert_eq!(
            h.engine.head(ShardId(1)),
            Some((Height(0), [0; 32], genesis))
        );
        let block = h.next_block(ShardId(1));
        assert_eq!(block.parent, [0; 32]);
        let events = h.engine.apply(&Message::Block(block.clone())).unwrap();
        assert_eq!(
            events,
            vec![EngineEvent::BlockAppended {
                shard: ShardId(1),
                height: Height(1),
                root: block.state_root
            }]
        );
        assert_eq!(
            h.engine.head(ShardId(1)),
            Some((Height(1), compute_block_id(&block), block.state_root))
        );
        // The other shard did not move.
        assert_eq!(
            h.engine.head(ShardId(0)),
            Some((Height(0), [0; 32], compute_genesis_root(ShardId(0))))
        );
    }

    #[test]
    fn each_block_names_the_previous_block_as_parent() {
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 3);
        let (height, head_id, _) = h.engine.head(ShardId(0)).unwrap();
        assert_eq!(height, Height(3));
        assert_eq!(h.next_block(ShardId(0)).parent, head_id);
    }

    #[test]
    fn a_block_for_an_unknown_shard_is_refused_and_changes_nothing() {
        let mut h = Harness::default_config();
        let mut block = h.next_block(ShardId(0));
        block.shard = ShardId(2);
        h.assert_rejected(
            &Message::Block(block),
            Rejection::Block(BlockRejection::UnknownShard),
        );
    }

    #[test]
    fn a_block_that_repeats_the_head_height_or_skips_one_is_refused() {
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 1);
        for height in [0, 1, 3, u64::MAX] {
            let mut block = h.next_block(ShardId(0));
            block.height = Height(height);
            h.assert_rejected(
                &Message::Block(block),
                Rejection::Block(BlockRejection::WrongHeight),
            );
        }
    }

    #[test]
    fn a_block_with_another_parent_is_refused() {
        let mut h = Harness::default_config();
        let mut block = h.next_block(ShardId(0));
        block.parent = [1; 32];
        h.assert_rejected(
            &Message::Block(block),
            Rejection::Block(BlockRejection::WrongParent),
        );
        h.produce_blocks(ShardId(0), 1);
        let mut block = h.next_block(ShardId(0));
        block.parent = [0; 32];
        h.assert_rejected(
            &Message::Block(block),
            Rejection::Block(BlockRejection::WrongParent),
        );
    }

    #[test]
    fn a_block_whose_declared_root_is_not_its_execution_is_refused() {
        let mut h = Harness::default_config();
        let mut block = h.next_block(ShardId(0));
        block.transactions.push(Transaction { key: 9, value: 9 });
        h.assert_rejected(
            &Message::Block(block.clone()),
            Rejection::Block(BlockRejection::StateRootMismatch),
        );
        // Declaring the right root for the changed transactions is accepted.
        let (_, _, root) = h.engine.head(ShardId(0)).unwrap();
        block.state_root = compute_state_root(&root, &block.transactions);
        assert!(h.engine.apply(&Message::Block(block)).is_ok());
    }

    #[test]
    fn the_checks_run_in_spec_order() {
        let mut h = Harness::default_config();
        // Wrong height, wrong parent and wrong root at once: height first.
        let mut block = h.next_block(ShardId(0));
        block.height = Height(5);
        block.parent = [1; 32];
        block.state_root = [2; 32];
        h.assert_rejected(
            &Message::Block(block.clone()),
            Rejection::Block(BlockRejection::WrongHeight),
        );
        block.height = Height(1);
        h.assert_rejected(
            &Message::Block(block.clone()),
            Rejection::Block(BlockRejection::WrongParent),
        );
        block.shard = ShardId(9);
        h.assert_rejected(
            &Message::Block(block),
            Rejection::Block(BlockRejection::UnknownShard),
        );
    }
}
