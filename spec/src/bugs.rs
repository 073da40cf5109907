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
    /// Change a shard's status at the epoch boundary without appending its
    /// audit record ([R-ISO-3], [R-AUDIT-1] skipped).
    SilentStatusChange,
    /// Accept evidence whose signatures do not verify ([R-FAULT-3] check 10
    /// skipped).
    AcceptUnsignedEvidence,
    /// At the epoch boundary, apply shard `s`'s status change to shard
    /// `(s + 1) mod S` instead, with its record ([R-ISO-3] broken).
    IsolateWrongShard,
}

impl SeededBug {
    /// Every seeded bug, in a fixed order.
    pub const ALL: [SeededBug; 7] = [
        SeededBug::QuorumOfTwoF,
        SeededBug::CountNonMemberVote,
        SeededBug::CountDuplicateVote,
        SeededBug::RefinalizeHeight,
        SeededBug::SilentStatusChange,
        SeededBug::AcceptUnsignedEvidence,
        SeededBug::IsolateWrongShard,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SeededBug::QuorumOfTwoF => "quorum-of-two-f",
            SeededBug::CountNonMemberVote => "count-non-member-vote",
            SeededBug::CountDuplicateVote => "count-duplicate-vote",
            SeededBug::RefinalizeHeight => "refinalize-height",
            SeededBug::SilentStatusChange => "silent-status-change",
            SeededBug::AcceptUnsignedEvidence => "accept-unsigned-evidence",
            SeededBug::IsolateWrongShard => "isolate-wrong-shard",
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
            SeededBug::SilentStatusChange => "change a shard's status without an audit record",
            SeededBug::AcceptUnsignedEvidence => "accept evidence whose signature does not verify",
            SeededBug::IsolateWrongShard => {
                "raise the status of the next shard, not the faulty one"
            }
        }
    }

    /// The invariant whose check catches this bug.
    pub fn caught_by(self) -> InvariantId {
        match self {
            SeededBug::QuorumOfTwoF
            | SeededBug::CountNonMemberVote
            | SeededBug::CountDuplicateVote => InvariantId::Inv6ByzantineTolerance,
            SeededBug::RefinalizeHeight => InvariantId::Inv7NoForks,
            SeededBug::SilentStatusChange => InvariantId::Inv3NoSilentRecovery,
            SeededBug::AcceptUnsignedEvidence => InvariantId::Inv6ByzantineTolerance,
            SeededBug::IsolateWrongShard => InvariantId::Inv1NoGlobalRollback,
        }
    }
}
