//! Chain heads and the block rule ([R-BLK-1], [R-BLK-2], [R-BLK-3],
//! [R-FAULT-7], [R-RB-4]).
//!
//! The engine keeps, per shard, what the next block, the next checkpoint,
//! the check of evidence and a rollback need: the head's height, its block
//! id (the next block's parent), its post-state root (the state the next
//! block executes on), the epoch it was appended in (for liveness,
//! [R-FAULT-2] kind 5), and the height, block id and root of the last
//! `A_b + W` blocks: the last `A_b` for evidence about recent heights
//! ([R-FAULT-7]), `W` more so that a rollback can return the head to any
//! block inside its window ([R-RB-4]). The post-state root commits to the
//! previous root and to every transaction in order ([R-BLK-2]), so no other
//! history is stored and memory does not grow with the chain.

use crate::crypto::{compute_block_id, compute_genesis_root, compute_state_root};
use crate::heal::is_syncing_blocks;
use crate::isolate::is_taking_transactions;
use crate::outcome::{BlockError, EngineEvent};
use crate::state::{KnownShard, State};
use crate::wire::{Block, Hash32, Transaction, TRANSACTIONS_PER_BLOCK_MAX};
use mend_spec::{Epoch, Height, Params, ShardId};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The head of one shard's chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChainHead {
    /// Height of the head block; 0 is the genesis state, which has no block.
    pub(crate) height: Height,
    /// Id of the head block; all zeros before the first block, which is the
    /// parent the first block must name ([R-BLK-1]).
    pub(crate) block_id: Hash32,
    /// Post-state root of the head block, or the genesis root ([R-BLK-2]).
    pub(crate) root: Hash32,
    /// [R-BLK-1] The epoch in which the head block was appended; 0 at
    /// genesis.
    pub(crate) last_block_epoch: Epoch,
    /// [R-FAULT-7], [R-RB-4] The last `A_b + W` blocks, the head's last.
    pub(crate) history: BlockHistory,
}

/// One block the chain still remembers: enough to make it the head again
/// ([R-RB-4]) and to check evidence about its height ([R-FAULT-7]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RetainedBlock {
    pub(crate) height: Height,
    pub(crate) block_id: Hash32,
    pub(crate) root: Hash32,
}

/// [R-FAULT-7], [R-RB-4] The last `A_b + W` blocks of a shard, oldest
/// first, the head's last, at consecutive heights. Height 0 (genesis) is
/// never kept: it has no block, and its root is derived from the shard id.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BlockHistory {
    blocks: VecDeque<RetainedBlock>,
}

impl BlockHistory {
    /// Records a new head, keeping at most `keep` blocks.
    fn push(&mut self, block: RetainedBlock, keep: usize) {
        assert!(
            self.blocks
                .back()
                .is_none_or(|last| last.height.next() == Some(block.height)),
            "the history holds consecutive heights"
        );
        self.blocks.push_back(block);
        while self.blocks.len() > keep {
            self.blocks.pop_front();
        }
    }

    /// The block at `height`, if it is one of the kept ones. Heights are
    /// consecutive, so this is one subtraction, not a search.
    pub(crate) fn at(&self, height: Height) -> Option<&RetainedBlock> {
        let oldest = self.blocks.front()?.height;
        let offset = usize::try_from(height.0.checked_sub(oldest.0)?).ok()?;
        self.blocks.get(offset)
    }

    /// [R-RB-4] Forgets every block above `height`, newest first, and
    /// returns how many there were: one step per block undone.
    fn pop_above(&mut self, height: Height) -> u64 {
        let mut undone = 0;
        while self.blocks.back().is_some_and(|b| b.height > height) {
            self.blocks.pop_back();
            undone += 1;
        }
        undone
    }

    /// The newest kept block.
    pub(crate) fn newest(&self) -> Option<&RetainedBlock> {
        self.blocks.back()
    }

    /// How many blocks are kept.
    pub(crate) fn len(&self) -> usize {
        self.blocks.len()
    }
}

/// [R-FAULT-7], [R-RB-4] How many blocks a shard keeps: `A_b + W`. Both are
/// at most 1024 ([R-PARAM-1]), so the sum fits any `usize`.
pub(crate) fn compute_history_blocks(params: &Params) -> usize {
    let sum = params
        .evidence_age_blocks
        .saturating_add(params.rollback_window_blocks);
    usize::try_from(sum).unwrap_or(usize::MAX)
}

/// Where a restored head came from ([R-RB-4]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RestoredFrom {
    /// The chain's own block at the target height, as the spec requires.
    History,
    /// The genesis state (height 0).
    Genesis,
    /// The history no longer held the height: only reachable under the
    /// `RollbackBeyondWindow` and `RollbackHealthyShard` seeded bugs, which
    /// restore past the window. The head then takes the root the caller
    /// gave (the checkpoint's) and an all-zero block id, so that a wrong
    /// rule shows in the view instead of a panic.
    Fallback,
}

impl ChainHead {
    /// [R-BLK-2] The genesis head of `shard`.
    pub(crate) fn genesis(shard: ShardId) -> ChainHead {
        ChainHead {
            height: Height(0),
            block_id: [0; 32],
            root: compute_genesis_root(shard),
            last_block_epoch: Epoch(0),
            history: BlockHistory::default(),
        }
    }

    /// "The root of `s` at `h`" ([R-FAULT-2]) for a height the engine still
    /// keeps: the genesis root at 0 while the head is genesis, the head's
    /// root at the head, and the roots of the retained blocks ([R-FAULT-7]).
    pub(crate) fn root_at(&self, height: Height) -> Option<&Hash32> {
        if height == self.height {
            Some(&self.root)
        } else {
            self.history.at(height).map(|b| &b.root)
        }
    }

    /// [R-RB-4] Makes the chain's own block at `height` the head again:
    /// height, block id and root are those stored for that height, and every
    /// block above it is forgotten, newest first. Costs one step per block
    /// undone, whatever the number of shards. `fallback_root` is used only
    /// when the history does not reach `height` ([`RestoredFrom::Fallback`]).
    /// The last block epoch is left as it is: restoring appends no block.
    pub(crate) fn restore_to(
        &mut self,
        shard: ShardId,
        height: Height,
        fallback_root: Hash32,
    ) -> RestoredFrom {
        self.history.pop_above(height);
        if height.0 == 0 {
            self.history = BlockHistory::default();
            self.height = height;
            self.block_id = [0; 32];
            self.root = compute_genesis_root(shard);
            return RestoredFrom::Genesis;
        }
        match self.history.newest() {
            Some(block) if block.height == height => {
                self.height = block.height;
                self.block_id = block.block_id;
                self.root = block.root;
                RestoredFrom::History
            }
            _ => {
                self.history = BlockHistory::default();
                self.height = height;
                self.block_id = [0; 32];
                self.root = fallback_root;
                RestoredFrom::Fallback
            }
        }
    }
}

/// [R-BLK-3] Whether `transactions` are in canonical order: strictly
/// ascending by key.
pub(crate) fn is_canonical_order(transactions: &[Transaction]) -> bool {
    transactions
        .windows(2)
        .all(|pair| pair[0].key < pair[1].key)
}

/// A block that passed every check of [R-BLK-1]; it carries the head it
/// becomes.
#[derive(Debug)]
pub(crate) struct ValidatedBlock {
    shard: KnownShard,
    height: Height,
    block_id: Hash32,
    root: Hash32,
}

/// [R-BLK-1] Checks a block against its shard's head, in the spec's order.
pub(crate) fn validate_block(state: &State, block: &Block) -> Result<ValidatedBlock, BlockError> {
    // [R-BLK-1] check 1: the shard exists.
    let known = state
        .find_shard(block.shard)
        .ok_or(BlockError::UnknownShard { shard: block.shard })?;
    let shard = state.shard(known);
    // [R-BLK-1] check 2: the shard takes new transactions ([R-ISO-1]), or
    // it is re-syncing its blocks after a rollback ([R-HEAL-3]).
    if !is_taking_transactions(shard.status)
        && !is_syncing_blocks(shard, state.params.checkpoint_interval_blocks)
    {
        return Err(BlockError::ShardFrozen {
            shard: block.shard,
            status: shard.status,
        });
    }
    // [R-BLK-1] check 3: no more transactions than one wire message carries,
    // so the typed entry point bounds the hashing work as `apply_bytes` does.
    if block.transactions.len() > TRANSACTIONS_PER_BLOCK_MAX {
        return Err(BlockError::TooManyTransactions {
            shard: block.shard,
            count: block.transactions.len(),
            max: TRANSACTIONS_PER_BLOCK_MAX,
        });
    }
    // [R-BLK-1] check 4: the transactions are in canonical order ([R-BLK-3]).
    if let Some(at) = block
        .transactions
        .windows(2)
        .position(|pair| pair[0].key >= pair[1].key)
    {
        return Err(BlockError::UnorderedTransactions {
            shard: block.shard,
            position: at + 1,
        });
    }
    let head = &shard.chain;
    // [R-BLK-1] check 5: height is head + 1. `next` is `None` only at
    // u64::MAX, where no block can follow.
    if head.height.next() != Some(block.height) {
        return Err(BlockError::WrongHeight {
            shard: block.shard,
            head: head.height,
            got: block.height,
        });
    }
    // [R-BLK-1] check 6: the parent is the head block (all zeros at genesis).
    if block.parent != head.block_id {
        return Err(BlockError::WrongParent {
            shard: block.shard,
            expected: head.block_id,
            got: block.parent,
        });
    }
    // [R-BLK-1] check 7, by [R-BLK-2]: executing the block on the head's
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
        height: block.height,
        block_id: compute_block_id(block),
        root: computed,
    })
}

/// [R-BLK-1] Makes a validated block the head, records the current epoch as
/// the shard's last block epoch and the block in the history ([R-FAULT-7],
/// [R-RB-4]), and emits `BlockAppended`.
pub(crate) fn apply_block(state: &mut State, block: ValidatedBlock) -> Vec<EngineEvent> {
    let epoch = state.epoch;
    let keep = compute_history_blocks(&state.params);
    let shard = state.shard_mut(block.shard);
    assert_eq!(
        shard.chain.height.next(),
        Some(block.height),
        "a validated block extends the head it was validated against"
    );
    let chain = &mut shard.chain;
    chain.height = block.height;
    chain.block_id = block.block_id;
    chain.root = block.root;
    chain.last_block_epoch = epoch;
    chain.history.push(
        RetainedBlock {
            height: block.height,
            block_id: block.block_id,
            root: block.root,
        },
        keep,
    );
    assert!(
        chain.history.len() <= keep,
        "at most A_b + W blocks are kept"
    );
    vec![EngineEvent::BlockAppended {
        shard: shard.id,
        height: block.height,
        root: block.root,
    }]
}

#[cfg(test)]
mod tests {
    use super::{ChainHead, RestoredFrom};
    use crate::crypto::{compute_block_id, compute_genesis_root, compute_state_root};
    use crate::outcome::EngineEvent;
    use crate::outcome::{BlockError, EngineRejection};
    use crate::testkit::Harness;
    use crate::wire::{Message, Transaction, TRANSACTIONS_PER_BLOCK_MAX};
    use mend_spec::{
        BlockRejection, Epoch, FaultKind, Height, Rejection, ShardId, ShardStatus, ValidatorId,
    };

    /// Shard 0 raised to the response of `kind` by real evidence at the next
    /// boundary.
    fn raised(kind: FaultKind) -> Harness {
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 2);
        h.produce_blocks(ShardId(1), 1);
        let evidence = h.evidence(kind, ShardId(0), ValidatorId(3), Height(2));
        h.engine
            .apply(&crate::wire::Message::Evidence(evidence))
            .unwrap();
        h.advance_epoch();
        h
    }

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

    #[test]
    fn a_frozen_shard_refuses_blocks_while_the_other_shard_keeps_accepting_them() {
        let mut h = raised(FaultKind::ValidatorEquivocation);
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].status, ShardStatus::Frozen);
        let block = h.next_block(ShardId(0));
        let rejection = h.assert_rejected(
            &Message::Block(block),
            Rejection::Block(BlockRejection::ShardFrozen),
        );
        assert_eq!(
            rejection,
            EngineRejection::Block(BlockError::ShardFrozen {
                shard: ShardId(0),
                status: ShardStatus::Frozen
            })
        );
        // Shard 1 runs on, and records the epoch of its block.
        let events = h.engine.apply(&h.next_block_message(ShardId(1))).unwrap();
        assert!(matches!(
            events[..],
            [EngineEvent::BlockAppended {
                shard: ShardId(1),
                height: Height(2),
                ..
            }]
        ));
        let view = h.engine.snapshot();
        assert_eq!(view.shards[1].last_block_epoch, Epoch(1));
        assert_eq!(view.shards[0].last_block_epoch, Epoch(0));
        // Checkpoints of the frozen shard's last blocks stay allowed
        // ([R-ISO-1]).
        h.finalize_next(ShardId(0));
    }

    #[test]
    fn an_isolated_shard_refuses_blocks_and_an_investigated_one_takes_them() {
        let mut h = raised(FaultKind::CheckpointStateMismatch);
        assert_eq!(h.engine.snapshot().shards[0].status, ShardStatus::Isolated);
        let block = h.next_block(ShardId(0));
        h.assert_rejected(
            &Message::Block(block),
            Rejection::Block(BlockRejection::ShardFrozen),
        );

        let mut h = Harness::default_config();
        h.advance_epoch();
        h.advance_epoch();
        h.engine
            .apply(&Message::Evidence(crate::wire::Evidence::Liveness {
                shard: ShardId(0),
            }))
            .unwrap();
        h.advance_epoch();
        assert_eq!(
            h.engine.snapshot().shards[0].status,
            ShardStatus::Investigating
        );
        h.produce_blocks(ShardId(0), 1);
        assert_eq!(h.engine.snapshot().shards[0].last_block_epoch, Epoch(3));
    }

    #[test]
    fn a_block_out_of_canonical_order_is_refused_at_the_first_offending_transaction() {
        let mut h = Harness::default_config();
        let (_, parent, root) = h.engine.head(ShardId(0)).unwrap();
        for (keys, position) in [(vec![1u32, 1], 1usize), (vec![1, 3, 2], 2), (vec![5, 4], 1)] {
            let transactions: Vec<_> = keys
                .iter()
                .map(|&key| Transaction { key, value: 0 })
                .collect();
            let block = crate::wire::Block {
                shard: ShardId(0),
                height: Height(1),
                parent,
                state_root: compute_state_root(&root, &transactions),
                transactions,
            };
            let rejection = h.assert_rejected(
                &Message::Block(block),
                Rejection::Block(BlockRejection::UnorderedTransactions),
            );
            assert_eq!(
                rejection,
                EngineRejection::Block(BlockError::UnorderedTransactions {
                    shard: ShardId(0),
                    position
                })
            );
        }
        // Strictly ascending keys, and the empty block, are accepted.
        let mut empty = h.next_block(ShardId(0));
        empty.transactions.clear();
        empty.state_root = compute_state_root(&root, &[]);
        assert!(h.engine.apply(&Message::Block(empty)).is_ok());
    }

    /// A block too large for the wire goes through the typed entry point
    /// only; the rejection leaves the engine as it was.
    fn reject_typed(h: &mut Harness, block: &crate::wire::Block, code: BlockRejection) {
        let before = h.engine.clone();
        let rejection = h.engine.apply(&Message::Block(block.clone())).unwrap_err();
        assert_eq!(rejection.code(), Rejection::Block(code));
        assert!(h.engine == before);
    }

    #[test]
    fn the_frozen_and_ordering_checks_sit_where_the_spec_puts_them() {
        // Too many and unordered: too many first.
        let mut h = Harness::default_config();
        let mut block = h.next_block(ShardId(0));
        block.transactions = vec![Transaction { key: 9, value: 0 }; TRANSACTIONS_PER_BLOCK_MAX + 1];
        reject_typed(&mut h, &block, BlockRejection::TooManyTransactions);
        // Unordered and at a wrong height: unordered first.
        block.transactions.truncate(2);
        block.height = Height(9);
        h.assert_rejected(
            &Message::Block(block.clone()),
            Rejection::Block(BlockRejection::UnorderedTransactions),
        );
        // A frozen shard refuses even a block that is wrong in every other
        // way; an unknown shard comes first.
        let mut h = raised(FaultKind::ExecutionFailure);
        let mut bad = block.clone();
        bad.transactions = vec![Transaction { key: 9, value: 0 }; TRANSACTIONS_PER_BLOCK_MAX + 1];
        reject_typed(&mut h, &bad, BlockRejection::ShardFrozen);
        bad.shard = ShardId(2);
        reject_typed(&mut h, &bad, BlockRejection::UnknownShard);
    }

    #[test]
    fn the_chain_keeps_the_blocks_of_the_last_a_b_plus_w_heights_only() {
        // A_b = 4 and W = 4 by default: 8 blocks of 11.
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 11);
        let chain = h.engine.state_mut().shards[0].chain.clone();
        assert_eq!(chain.history.len(), 8);
        for height in 0..=13u64 {
            let kept = chain.root_at(Height(height)).copied();
            if (4..=11).contains(&height) {
                assert_eq!(
                    kept,
                    Some(h.root_at(ShardId(0), Height(height))),
                    "h{height}"
                );
            } else {
                assert_eq!(kept, None, "h{height}");
            }
        }
        let newest = chain.history.newest().copied().unwrap();
        assert_eq!(
            (newest.height, newest.block_id, newest.root),
            (chain.height, chain.block_id, chain.root)
        );
    }

    #[test]
    fn restoring_pops_the_blocks_above_the_height_and_makes_the_stored_block_the_head() {
        let mut h = Harness::default_config();
        h.produce_blocks(ShardId(0), 6);
        let at_three = h.engine.state_mut().shards[0]
            .chain
            .history
            .at(Height(3))
            .copied()
            .unwrap();
        let mut chain = h.engine.state_mut().shards[0].chain.clone();
        let epoch = chain.last_block_epoch;
        assert_eq!(
            chain.restore_to(ShardId(0), Height(3), [0xaa; 32]),
            RestoredFrom::History
        );
        assert_eq!(
            (chain.height, chain.block_id, chain.root),
            (at_three.height, at_three.block_id, at_three.root)
        );
        assert_eq!(chain.root, h.root_at(ShardId(0), Height(3)));
        assert_eq!(chain.history.len(), 3);
        assert_eq!(chain.root_at(Height(4)), None);
        assert_eq!(chain.last_block_epoch, epoch);

        // Genesis, and a height the history no longer holds.
        let mut genesis = chain.clone();
        assert_eq!(
            genesis.restore_to(ShardId(0), Height(0), [0xaa; 32]),
            RestoredFrom::Genesis
        );
        assert_eq!(genesis, ChainHead::genesis(ShardId(0)));
        h.produce_blocks(ShardId(0), 10);
        let mut far = h.engine.state_mut().shards[0].chain.clone();
        assert_eq!(
            far.restore_to(ShardId(0), Height(2), [0xaa; 32]),
            RestoredFrom::Fallback
        );
        assert_eq!((far.height, far.root), (Height(2), [0xaa; 32]));
        assert_eq!(far.history.len(), 0);
    }
}
