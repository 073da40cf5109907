//! mend's conformance crate: the adapter between abstract actions and
//! concrete signed messages, lockstep replay of model and engine, action
//! generators, ITF trace I/O, and the bodies of the fuzz targets.
//!
//! The integration tests in `tests/it/` drive all of it; the fuzz targets in
//! `fuzz/` call [`fuzz_bodies`] so the committed corpora also run on stable.

pub mod adapter;
pub mod corpus;
pub mod fuzz_bodies;
pub mod generate;
pub mod keys;
pub mod lockstep;
pub mod trace_io;

pub use adapter::Adapter;
pub use lockstep::{Failure, Lockstep, RunConfig};
