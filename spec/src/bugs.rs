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
    /// ([R-CKPT-8] check 5 skipped).
    CountNonMemberVote,
    /// Count a second vote of the same validator for the same checkpoint
    /// ([R-CKPT-8] check 11 skipped).
    CountDuplicateVote,
    /// Accept a proposal at any positive multiple of `N`, even a height that
    /// is already finalized ([R-CKPT-7] check 8 weakened; check 9 still
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
    /// Count a commit vote before the source side is mature: a receipt takes
    /// effect before its source height is finalized ([R-XTX-4] skipped for
    /// the source side).
    ReceiptBeforeFinal,
    /// Accept a rollback target more than `W` blocks below the head
    /// ([R-RB-3] `TargetBeyondWindow` skipped).
    RollbackBeyondWindow,
    /// A rollback aborts only its own shard's side of an in-flight
    /// transaction; the other side stays prepared and keeps its lock
    /// ([R-RB-2] step 1 broken).
    AbortOneSide,
    /// Restoring a shard also lowers the next shard `(s + 1) mod S` to its
    /// latest finalized checkpoint (or genesis) ([R-RB-4] broken).
    RollbackHealthyShard,
    /// Liveness evidence, which names no validator, slashes the lowest
    /// member of the shard's committee for `MissedProposals` ([R-SLASH-3]
    /// broken: a validator no evidence names is slashed).
    SlashWithoutEvidence,
    /// A healing in `VerifyingState` moves on at the boundary without a
    /// checkpoint finalized at its head ([R-HEAL-4] skipped).
    ReintegrateWithoutQuorum,
    /// The tick out of `Rebuilding` goes straight to `VerifyingState`
    /// ([R-HEAL-2]: `SyncingBlocks` skipped).
    SkipSyncingBlocks,
    /// A reassignment makes the validators it draws the whole committee,
    /// dropping the sitting members ([R-ASSIGN-2] broken).
    ReassignBelowQuorum,
    /// A vote for a checkpoint that finalized earlier in the same epoch is
    /// refused `AlreadyFinalized`, so a certificate holds the first `q`
    /// votes to arrive ([R-CKPT-8] late votes and [R-DET-2] rule 1 broken:
    /// first-come-wins).
    FirstQuorumCertificate,
}

impl SeededBug {
    /// Every seeded bug, in a fixed order.
    pub const ALL: [SeededBug; 16] = [
        SeededBug::QuorumOfTwoF,
        SeededBug::CountNonMemberVote,
        SeededBug::CountDuplicateVote,
        SeededBug::RefinalizeHeight,
        SeededBug::SilentStatusChange,
        SeededBug::AcceptUnsignedEvidence,
        SeededBug::IsolateWrongShard,
        SeededBug::ReceiptBeforeFinal,
        SeededBug::RollbackBeyondWindow,
        SeededBug::AbortOneSide,
        SeededBug::RollbackHealthyShard,
        SeededBug::SlashWithoutEvidence,
        SeededBug::ReintegrateWithoutQuorum,
        SeededBug::SkipSyncingBlocks,
        SeededBug::ReassignBelowQuorum,
        SeededBug::FirstQuorumCertificate,
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
            SeededBug::ReceiptBeforeFinal => "receipt-before-final",
            SeededBug::RollbackBeyondWindow => "rollback-beyond-window",
            SeededBug::AbortOneSide => "abort-one-side",
            SeededBug::RollbackHealthyShard => "rollback-healthy-shard",
            SeededBug::SlashWithoutEvidence => "slash-without-evidence",
            SeededBug::ReintegrateWithoutQuorum => "reintegrate-without-quorum",
            SeededBug::SkipSyncingBlocks => "skip-syncing-blocks",
            SeededBug::ReassignBelowQuorum => "reassign-below-quorum",
            SeededBug::FirstQuorumCertificate => "first-quorum-certificate",
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
            SeededBug::ReceiptBeforeFinal => {
                "commit a cross-shard transaction before its source height is finalized"
            }
            SeededBug::RollbackBeyondWindow => {
                "roll back to a checkpoint more than W blocks below the head"
            }
            SeededBug::AbortOneSide => {
                "abort only the rolled-back shard's side of an in-flight transaction"
            }
            SeededBug::RollbackHealthyShard => "roll the next, healthy shard back too",
            SeededBug::SlashWithoutEvidence => {
                "slash the first committee member on liveness evidence that names nobody"
            }
            SeededBug::ReintegrateWithoutQuorum => {
                "declare a healed shard verified without a checkpoint finalized at its head"
            }
            SeededBug::SkipSyncingBlocks => "skip the SyncingBlocks stage of healing",
            SeededBug::ReassignBelowQuorum => {
                "replace a committee by the validators drawn, dropping its sitting members"
            }
            SeededBug::FirstQuorumCertificate => {
                "keep the first q votes to arrive as the certificate, refusing later ones"
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
            SeededBug::ReceiptBeforeFinal => InvariantId::Inv2NoCrossShardCorruption,
            SeededBug::RollbackBeyondWindow => InvariantId::Inv7NoForks,
            SeededBug::AbortOneSide => InvariantId::Inv2NoCrossShardCorruption,
            SeededBug::RollbackHealthyShard => InvariantId::Inv1NoGlobalRollback,
            // The slash's record cites a fault that names nobody, which
            // INV-3 refuses in the same step in which INV-6 (b) sees an
            // honest validator slashed; INV-3 comes first in tag order.
            SeededBug::SlashWithoutEvidence => InvariantId::Inv3NoSilentRecovery,
            SeededBug::ReassignBelowQuorum => InvariantId::Inv6ByzantineTolerance,
            SeededBug::FirstQuorumCertificate => InvariantId::Inv5Determinism,
            SeededBug::ReintegrateWithoutQuorum | SeededBug::SkipSyncingBlocks => {
                InvariantId::Inv4NoUnverifiedReintegration
            }
        }
    }
}
