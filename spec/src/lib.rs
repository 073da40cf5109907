//! mend's shared vocabulary and the seven invariants ([R-DEF-1]).
//!
//! This crate is what the model (`mend-model`) and the engine (`mend-impl`)
//! agree on: ids, parameters, abstract actions, outcomes, events, typed
//! rejections, the abstract [`View`], and the invariant predicates over it.
//! It holds no protocol rules: each rendering implements those on its own
//! from `spec/SPEC.md`, so that conformance between them means something.

// A violation carries its evidence inline (two checkpoints, the signers at
// fault): it is built once, when a check fails, so its size costs nothing on
// the passing path, and boxing it would only make the predicates harder to
// read.
#![allow(clippy::result_large_err)]

pub mod action;
pub mod audit;
pub mod bugs;
pub mod ids;
pub mod invariants;
pub mod outcome;
pub mod params;
pub mod protocol;
pub mod test_keys;
pub mod trace;
pub mod view;

#[cfg(test)]
mod testing;

pub use action::{
    Action, BlockClaim, BlockFault, Checkpoint, ClaimContent, Evidence, ParentLink, Proposal,
    Receipt, Signature, StateRoot, Vote, XtxPrepare, XtxVote,
};
pub use audit::{AuditEntry, AuditRecord};
pub use bugs::SeededBug;
pub use ids::{Epoch, Generation, Height, ShardId, ValidatorId, XtxId};
pub use invariants::{
    check_inv5_determinism, check_step, check_view, InvariantId, ViewPart, Violation,
};
pub use outcome::{
    BlockRejection, EpochRejection, Event, EvidenceRejection, HealingRejection, Outcome,
    PrepareRejection, ProposalRejection, Rejection, RollbackRejection, VoteRejection,
    XtxVoteRejection,
};
pub use params::{
    compute_fault_tolerance, compute_genesis_committee, compute_quorum, Params, BASIS_POINTS,
    STAKE_GENESIS,
};
pub use protocol::{
    Fault, FaultKind, HealingFailure, HealingStage, PipelineStage, ReassignmentStrategy,
    RollbackFailure, RollbackPhase, Severity, ShardStatus, SlashReason, XtxBallot, XtxDecision,
    XtxState,
};
pub use view::{
    Equivocation, FinalizedCheckpoint, HealingView, Lock, PendingCheckpoint, RollbackView,
    ShardView, ValidatorView, View, XtxSide, XtxView,
};
