//! The seven invariants of `spec/SPEC.md`, written once ([INV-1] .. [INV-7]).
//!
//! Each checked invariant is a function over the abstract [`View`] returning
//! `Result<(), Violation>`; a violation carries its evidence. The model's
//! `always` properties, the conformance tests and the fuzzers all call these
//! same functions. Invariants whose protocol part is not built yet are listed
//! in [`InvariantId`] with [`InvariantId::is_checked`] false.

mod inv6_byzantine_tolerance;
mod inv7_no_forks;

pub use inv6_byzantine_tolerance::check_inv6_quorum;
pub use inv7_no_forks::check_inv7_no_forks;

use crate::action::{Checkpoint, ParentLink};
use crate::ids::{Height, ShardId, ValidatorId};
use crate::view::View;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The seven invariants, by tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum InvariantId {
    Inv1NoGlobalRollback,
    Inv2NoCrossShardCorruption,
    Inv3NoSilentRecovery,
    Inv4NoUnverifiedReintegration,
    Inv5Determinism,
    Inv6ByzantineTolerance,
    Inv7NoForks,
}

impl InvariantId {
    /// All seven, in tag order.
    pub const ALL: [InvariantId; 7] = [
        InvariantId::Inv1NoGlobalRollback,
        InvariantId::Inv2NoCrossShardCorruption,
        InvariantId::Inv3NoSilentRecovery,
        InvariantId::Inv4NoUnverifiedReintegration,
        InvariantId::Inv5Determinism,
        InvariantId::Inv6ByzantineTolerance,
        InvariantId::Inv7NoForks,
    ];

    /// The spec tag, such as `INV-7 NoForks`.
    pub fn tag(self) -> &'static str {
        match self {
            InvariantId::Inv1NoGlobalRollback => "INV-1 NoGlobalRollback",
            InvariantId::Inv2NoCrossShardCorruption => "INV-2 NoCrossShardCorruption",
            InvariantId::Inv3NoSilentRecovery => "INV-3 NoSilentRecovery",
            InvariantId::Inv4NoUnverifiedReintegration => "INV-4 NoUnverifiedReintegration",
            InvariantId::Inv5Determinism => "INV-5 Determinism",
            InvariantId::Inv6ByzantineTolerance => "INV-6 ByzantineTolerance",
            InvariantId::Inv7NoForks => "INV-7 NoForks",
        }
    }

    /// Whether an executable predicate for (part of) this invariant exists yet.
    pub fn is_checked(self) -> bool {
        matches!(
            self,
            InvariantId::Inv6ByzantineTolerance | InvariantId::Inv7NoForks
        )
    }
}

/// A broken invariant, with its evidence.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Violation {
    /// [INV-6 ByzantineTolerance], quorum part: `checkpoint` is finalized but
    /// its certificate holds only `distinct_members` distinct members of the
    /// committee, fewer than `quorum`. `non_members` and `repeated` list the
    /// signers that were wrongly counted.
    FinalizedWithoutQuorum {
        shard: ShardId,
        checkpoint: Checkpoint,
        distinct_members: u32,
        quorum: u32,
        non_members: Vec<ValidatorId>,
        repeated: Vec<ValidatorId>,
    },
    /// [INV-7 NoForks]: two finalized checkpoints of one shard at one height.
    TwoFinalizedAtOneHeight {
        shard: ShardId,
        height: Height,
        first: Checkpoint,
        second: Checkpoint,
    },
    /// [INV-7 NoForks]: a finalized checkpoint does not link to the one
    /// finalized before it, or its height does not exceed its parent's.
    BrokenChain {
        shard: ShardId,
        checkpoint: Checkpoint,
        expected_parent: ParentLink,
    },
}

impl Violation {
    /// The invariant this violation breaks.
    pub fn invariant(&self) -> InvariantId {
        match self {
            Violation::FinalizedWithoutQuorum { .. } => InvariantId::Inv6ByzantineTolerance,
            Violation::TwoFinalizedAtOneHeight { .. } | Violation::BrokenChain { .. } => {
                InvariantId::Inv7NoForks
            }
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] ", self.invariant().tag())?;
        match self {
            Violation::FinalizedWithoutQuorum {
                shard,
                checkpoint,
                distinct_members,
                quorum,
                non_members,
                repeated,
            } => write!(
                f,
                "{shard}: {checkpoint} finalized with {distinct_members} distinct committee \
                 member(s), quorum is {quorum} (non-members counted: {non_members:?}; counted \
                 twice: {repeated:?})"
            ),
            Violation::TwoFinalizedAtOneHeight {
                shard,
                height,
                first,
                second,
            } => {
                write!(
                    f,
                    "{shard}: two finalized checkpoints at {height}: {first} and {second}"
                )
            }
            Violation::BrokenChain {
                shard,
                checkpoint,
                expected_parent,
            } => write!(
                f,
                "{shard}: {checkpoint} does not extend the previous finalized checkpoint \
                 {expected_parent}"
            ),
        }
    }
}

/// Runs every state invariant checked so far, in tag order; the first
/// violation wins.
pub fn check_view(view: &View) -> Result<(), Violation> {
    check_inv6_quorum(view)?;
    check_inv7_no_forks(view)?;
    Ok(())
}
