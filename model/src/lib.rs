//! mend's model: a deliberately simple, obviously correct rendering of the
//! checkpoint rules of `spec/SPEC.md` §4, checked with Stateright against
//! the invariants of §6.
//!
//! - [`rules`]: the rules as one pure function `apply(view, action)`.
//! - [`behaviour`]: honest and Byzantine behaviour (§3) as a Stateright
//!   model whose properties are the invariants.
//! - [`counterexample`]: cutting and shrinking counterexamples, and ITF
//!   trace files ([R-TRACE-1]).
//! - [`symmetry`]: the canonical representative of a view under renamings
//!   of the honest members of a committee, for symmetry reduction.
//! - [`run`]: running the checker and reporting.
//!
//! This crate depends on `mend-spec` only, never on the engine (`mend-impl`):
//! two independent renderings of one spec, or conformance proves nothing.

pub mod behaviour;
pub mod counterexample;
pub mod rules;
pub mod run;
pub mod symmetry;

#[cfg(test)]
mod tests;

pub use behaviour::{enabled_actions, AcceptedStepsModel, CheckpointModel, PropertyKind};
pub use counterexample::{build_trace, replay_trace, Counterexample, ReplayMismatch};
pub use rules::{apply, init_view, ModelConfig};
pub use run::{check, check_symmetric, simulate, CheckReport};
pub use symmetry::{compute_representative, SymmetryError};
