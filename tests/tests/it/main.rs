//! mend's integration tests, one binary with a module per concern.

mod architecture;
mod engine_bugs;
mod exhaustive;
mod fuzz_corpus;
mod itf_traces;
mod permutations;
mod random_differential;
mod scenarios;
