//! Random differential: proptest drives model and engine in lockstep over
//! larger configurations (more shards; committees of 4, 7 and 10) and over
//! the detection and rollback configurations, invalid actions included. A failing case prints both traces side by side and
//! writes them as ITF files; proptest prints the shrunk input.

use mend_conformance::fuzz_bodies::{run_differential, DifferentialInput};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("MEND_PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(48);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_action_sequences_agree_on_larger_configurations(
        selector in 0u8..6,
        choices in proptest::collection::vec(any::<u32>(), 1..80),
    ) {
        run_differential(&DifferentialInput { config: selector, choices });

    }
}
