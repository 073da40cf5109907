//! Seeded bugs: deliberately wrong rules that prove each check can fail.
//!
//! Each bug is off unless selected. The model takes one through its
//! configuration (`mend-model check --bug NAME`); the engine takes one only
//! when built with its `seeded-bugs` feature. Every bug names the invariant
//! whose check catches it.

use crate::invariants::InvariantId;
use serde::{Deserialize, Serialize};

/// A deliberately wrong rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum SeededBug {
    /// Finalize with `2f` votes instead of the quorum `2f+1` ([R-CKPT-6]).
    QuorumOfTwoF,
    /// Count a vote from a validator outside the shard's committee
    /// ([R-CKPT-8] check 4 skipped).
    CountNonMemberVote,
    /// Count a second vote of the same validator for the same checkpoint
    /// ([R-CKPT-8] check 10 skipped).
    CountDuplicateVote,
    /// Accept a proposal at any positive multiple of `N`, even a height that
    /// is already finalized ([R-CKPT-7] check 7 weakened; check 8 still
    /// bounds it by the head).
    RefinalizeHeight,
}

impl SeededBug {
    /// Every seeded bug, in a fixed order.
    pub const ALL: [SeededBug; 4] = [
        SeededBug::QuorumOfTwoF,
        SeededBug::CountNonMemberVote,
        SeededBug::CountDuplicateVote,
        SeededBug::RefinalizeHeight,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SeededBug::QuorumOfTwoF => "quorum-of-two-f",
            SeededBug::CountNonMemberVote => "count-non-member-vote",
            SeededBug::CountDuplicateVote => "count-duplicate-vote",
            SeededBug::RefinalizeHeight => "refinalize-height",
        }
    }

    /// Looks a bug up by its command-line name.
    pub fn from_name(name: &str) -> Option<SeededBug> {
        SeededBug::ALL.into_iter().find(|b| b.name() == name)
    }

    /// One line on what the bug does.
    pub fn description(self) -> &'static str {
        match self {
            SeededBug::QuorumOfTwoF => "finalize a checkpoint with 2f votes instead of 2f+1",
            SeededBug::CountNonMemberVote => "count a vote from a validator outside the committee",
            SeededBug::CountDuplicateVote => "count the same validator's vote twice",
            SeededBug::RefinalizeHeight => "accept a proposal at an already finalized height",
        }
    }

    /// The invariant whose check catches this bug.
    pub fn caught_by(self) -> InvariantId {
        match self {
            SeededBug::QuorumOfTwoF
            | SeededBug::CountNonMemberVote
            | SeededBug::CountDuplicateVote => InvariantId::Inv6ByzantineTolerance,
            SeededBug::RefinalizeHeight => InvariantId::Inv7NoForks,
        }
    }
}
