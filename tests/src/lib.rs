//! mend's conformance crate: the adapter between abstract actions and
//! concrete signed messages, lockstep replay of model and engine, action
//! generators, ITF trace I/O, and the bodies of the fuzz targets.
//!
//! The integration tests in `tests/it/` drive all of it; the fuzz targets in
//! `fuzz/` call [`fuzz_bodies`] so the committed corpora also run on stable.

pub mod adapter;
pub mod corpus;
pub mod examples;
pub mod fuzz_bodies;
pub mod generate;
pub mod keys;
pub mod lockstep;
pub mod recovery;
pub mod trace_io;

pub use adapter::Adapter;
pub use lockstep::{Failure, Lockstep, RunConfig};

/// Writes a line straight to the terminal, past the test harness's output
/// capture, so that counts (paths replayed, traces, corpus inputs) show in
/// every `cargo test` run, not only with `--nocapture`.
pub fn announce(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}
