//! mend's integration tests, one binary with a module per concern.

mod architecture;
mod engine_bugs;
mod exhaustive;
mod fuzz_corpus;
mod itf_traces;
mod permutations;
mod random_differential;
mod scenarios;

/// The configuration of a proptest of this binary: `default` cases, or the
/// number in the environment variable `var`; no failure files (a failing
/// case prints its input, which replays it).
fn proptest_config(var: &str, default: u32) -> proptest::test_runner::Config {
    let cases = std::env::var(var)
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default);
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
