//! mend's model: a deliberately simple, obviously correct rendering of the
//! rules of `spec/SPEC.md` §4 (checkpoints and their finality), §5 (fault
//! detection, isolation and the audit log), §6 (cross-shard transactions
//! and rollback) and §7 (slashing, reassignment, healing and the recovery
//! pipeline), checked with Stateright against the invariants of §9.
//!
//! - [`rules`]: the rules as one pure function `apply(view, action)`.
//! - [`config`]: what a run explores, and the named configurations of the
//!   default suite (`finality`, `retention`, `faults`, `liveness`,
//!   `rollback`, `recovery`, `concurrent`), and `tight`, which must fail.
//! - [`behaviour`]: honest and Byzantine behaviour (§3) as a Stateright
//!   model whose properties are the invariants.
//! - [`counterexample`]: cutting and shrinking counterexamples, and ITF
//!   trace files ([R-TRACE-1]).
//! - [`symmetry`]: the canonical representative of a view under renamings
//!   of the honest members of a committee, for symmetry reduction.
//! - [`determinism`]: two replicas side by side, receiving each segment's
//!   gossiped inputs in every order, with [INV-5] as their property.
//! - [`run`]: running the checker and reporting.
//!
//! This crate depends on `mend-spec` only, never on the engine (`mend-impl`):
//! two independent renderings of one spec, or conformance proves nothing.

pub mod behaviour;
pub mod config;
pub mod counterexample;
pub mod determinism;
pub mod rules;
pub mod run;
pub mod symmetry;

#[cfg(test)]
mod tests;

pub use behaviour::{
    enabled_actions, AcceptedStepsModel, AlwaysProperty, CheckpointModel, Example, ModelState,
    PropertyKind,
};
pub use config::{ModelConfig, DEFAULT_SUITE, DETERMINISM, NAMED_CONFIGS};
pub use counterexample::{build_trace, replay_trace, Counterexample, ReplayMismatch};
pub use rules::{apply, init_view};
pub use run::{check, check_symmetric, simulate, CheckReport};
pub use symmetry::{compute_representative, SymmetryError};
