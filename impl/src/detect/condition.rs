//! The fault condition of each kind ([R-FAULT-2]), checked against the
//! shard's real state: [R-FAULT-3] check 11.
//!
//! Each condition is the precise way the statement contradicts honest
//! behaviour ([R-FAULT-MODEL-2]), so no valid evidence names an honest
//! validator:
//!
//! 1. a vote whose checkpoint root differs from the shard's root at its
//!    height: the signer voted for a root no honest execution produced,
//!    whether or not a quorum's votes have arrived yet ([R-DET-2]);
//! 2. two votes for two different checkpoints at one height;
//! 3. a receipt whose root differs from the source's root at its height;
//! 4. a block claim whose post root is not what executing its transactions
//!    on its own parent root gives ([R-BLK-2]): true whatever the parent,
//!    so it needs no chain;
//! 5. (liveness) more than `L` whole epochs since the last block;
//! 6. a proposal whose root differs from the shard's root at its height;
//! 7. a block claim whose transactions are not in canonical order
//!    ([R-BLK-3]).
//!
//! "The root of `s` at `h`" is read from the blocks the chain head keeps
//! ([R-FAULT-7]); checks 8 and 9 of [R-FAULT-3] have already placed `h` among
//! them.

use super::accusation::Signed;
use crate::block::{is_canonical_order, ChainHead};
use crate::crypto::compute_state_root;
use crate::state::{ShardState, State};
use crate::wire::{Hash32, SignedBlockClaim};
use mend_spec::{Height, ShardStatus};

/// [R-FAULT-2] Whether the fault condition of the signed statement holds on
/// `shard`.
pub(super) fn holds(shard: &ShardState, signed: Signed<'_>) -> bool {
    match signed {
        // Kind 1: the voted checkpoint's root is not the shard's root at `h`.
        // Judged against the chain, like kind 6, and never against the
        // finalized checkpoints: whether a quorum's votes came before this
        // evidence is an order within a segment, which no rule may read
        // ([R-DET-2]).
        Signed::StateRootMismatch(vote) => is_root_other_than_chain(
            &shard.chain,
            vote.checkpoint.height,
            &vote.checkpoint.state_root,
        ),
        // Kind 2: check 2 made the signer, shard, epoch, generation and
        // height agree; the checkpoints differ.
        Signed::Equivocation(first, second) => first.checkpoint != second.checkpoint,
        // Kind 3: the receipt's root is not the source's root at `h`.
        Signed::InvalidReceipt(signed) => {
            is_root_other_than_chain(&shard.chain, signed.receipt.height, &signed.receipt.root)
        }
        // Kind 4: executing the claim's transactions on its parent root does
        // not give its post root.
        Signed::ExecutionFailure(signed) => is_execution_failure(signed),
        // Kind 6: the proposed checkpoint's root is not the shard's root at
        // `h`.
        Signed::CheckpointStateMismatch(proposal) => is_root_other_than_chain(
            &shard.chain,
            proposal.checkpoint.height,
            &proposal.checkpoint.state_root,
        ),
        // Kind 7: the claim's transactions are out of canonical order.
        Signed::OrderingViolation(signed) => !is_canonical_order(&signed.claim.transactions),
    }
}

/// [R-FAULT-2] kind 5: `current epoch - last block epoch > L`, that is `L`
/// whole epochs passed without a block, on a shard that takes blocks at all
/// (`Normal` or `Investigating`): a shard the rules keep from appending
/// cannot be faulted for not appending, and evidence of it would only hold
/// a healed shard back from reintegration ([R-HEAL-2]). The last block
/// epoch is never after the current epoch.
pub(super) fn is_liveness_failure(state: &State, shard: &ShardState) -> bool {
    let takes_blocks = matches!(
        shard.status,
        ShardStatus::Normal | ShardStatus::Investigating
    );
    let idle = state.epoch.0.saturating_sub(shard.chain.last_block_epoch.0);
    takes_blocks && idle > state.params.liveness_epochs
}

/// [R-FAULT-2] kind 4, by [R-BLK-2].
fn is_execution_failure(signed: &SignedBlockClaim) -> bool {
    let claim = &signed.claim;
    compute_state_root(&claim.parent_root, &claim.transactions) != claim.post_root
}

/// Whether `root` differs from the chain's root at `height`.
///
/// Checks 8 and 9 of [R-FAULT-3] place the height among the kept roots: the
/// chain keeps `A_b + W` blocks ([R-FAULT-7]) and a rollback restores at
/// most `W` blocks ([R-RB-3]), so under the honest rules the root is always
/// found. Only a seeded bug that restores past the window
/// (`RollbackBeyondWindow`, `RollbackHealthyShard`) can leave a gap; a root
/// the engine does not know proves nothing, so the evidence is then not a
/// fault rather than a panic.
fn is_root_other_than_chain(chain: &ChainHead, height: Height, root: &Hash32) -> bool {
    chain.root_at(height).is_some_and(|kept| kept != root)
}
