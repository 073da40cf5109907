//! Random differential: proptest drives model and engine in lockstep over
//! larger configurations (more shards; committees of 4, 7 and 10) and over
//! the detection and rollback configurations, invalid actions included. A failing case prints both traces side by side and
//! writes them as ITF files; proptest prints the shrunk input.

use mend_conformance::fuzz_bodies::{run_differential, DifferentialInput};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    crate::proptest_config("MEND_PROPTEST_CASES", 48)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_action_sequences_agree_on_larger_configurations(
        selector in 0u8..mend_conformance::fuzz_bodies::DIFFERENTIAL_CONFIGS,
        choices in proptest::collection::vec(any::<u32>(), 1..80),
    ) {
        run_differential(&DifferentialInput { config: selector, choices });

    }
}

fn recovery_config() -> ProptestConfig {
    crate::proptest_config("MEND_PROPTEST_RECOVERY_CASES", 32)
}

proptest! {
    #![proptest_config(recovery_config())]

    /// [R-PIPE-4] Full recoveries on 8 shards with committees of 7 to 10:
    /// two or three shards are taken from a fault to their reintegration at
    /// once, with random actions of the model in between, in lockstep with
    /// every invariant checked at every step. Every target must end its
    /// recovery: reintegrated, or frozen for an operator by a rollback the
    /// random actions legitimately failed (more evidence against a shard
    /// with no checkpoint yet, or blocks that pushed its checkpoint out of
    /// the window), or frozen by a High fault from the random actions
    /// before any recovery started (the pipeline starts only from isolating
    /// faults), or left with no Byzantine member to accuse; the reserve
    /// always suffices, so no healing fails.
    #[test]
    fn several_shards_recover_from_fault_to_reintegration_alike_on_eight_shards(
        committee_size in 7u16..=10,
        strategy in prop_oneof![
            Just(mend_spec::ReassignmentStrategy::PrioritizeSlashed),
            Just(mend_spec::ReassignmentStrategy::StakeBalance),
        ],
        targets in proptest::sample::subsequence((0u16..8).collect::<Vec<_>>(), 2..=3),
        choices in proptest::collection::vec(any::<u32>(), 1..64),
    ) {
        use mend_conformance::recovery::{large_recovery_config, run_recoveries};
        let cfg = large_recovery_config(8, committee_size, strategy);
        let targets: Vec<_> = targets.into_iter().map(mend_spec::ShardId).collect();
        let done = run_recoveries(&cfg, &targets, &choices);
        let mut ended: Vec<_> = done.reintegrated.clone();
        ended.extend(done.failed.iter().map(|(t, _)| *t));
        ended.sort();
        let unfinished: Vec<String> = targets
            .iter()
            .filter(|t| !ended.contains(t))
            .map(|t| {
                let s = &done.run.model_view.shards[usize::from(t.0)];
                format!(
                    "{}: {:?} pipeline {:?} healing {:?} head {} finalized {:?} faults {:?} committee {:?}",
                    t, s.status, s.pipeline, s.healing.map(|h| h.stage), s.height,
                    s.latest_finalized().map(|c| c.checkpoint.height), s.faults, s.committee
                )
            })
            .collect();
        prop_assert_eq!(
            &ended, &targets,
            "after {} steps (epoch {}): failed {:?}; unfinished {:?}",
            done.steps, done.run.model_view.epoch, done.failed, unfinished
        );
        prop_assert!(
            done.failed.iter().all(|(_, why)| !why.starts_with("healing")),
            "a healing failed: {:?}", done.failed
        );
    }
}

/// A regression case of the recovery proptest: choices that ask only for
/// random actions (every one a multiple of 3) still make progress on every
/// other step, so the targets' recoveries end.
#[test]
fn recoveries_end_even_when_every_choice_asks_for_a_random_action() {
    use mend_conformance::recovery::{large_recovery_config, run_recoveries};
    use mend_spec::{ReassignmentStrategy, ShardId};
    let cfg = large_recovery_config(8, 7, ReassignmentStrategy::PrioritizeSlashed);
    let targets = [ShardId(5), ShardId(6)];
    let done = run_recoveries(&cfg, &targets, &[2_969_717_232]);
    let mut ended = done.reintegrated.clone();
    ended.extend(done.failed.iter().map(|(t, _)| *t));
    ended.sort();
    assert_eq!(ended, targets.to_vec(), "after {} steps", done.steps);
}

/// [R-PIPE-4] Without random actions in between, every recovery completes:
/// three shards of 8, with committees of 7 and of 10 and each refilling
/// strategy both renderings share, go from a fault to their reintegration
/// at once, in lockstep, with every invariant checked at every step.
#[test]
fn three_shards_of_eight_recover_at_once_from_fault_to_reintegration() {
    use mend_conformance::recovery::{large_recovery_config, run_recoveries};
    use mend_spec::{ReassignmentStrategy, ShardId};
    for (committee_size, strategy) in [
        (7, ReassignmentStrategy::PrioritizeSlashed),
        (10, ReassignmentStrategy::StakeBalance),
    ] {
        let cfg = large_recovery_config(8, committee_size, strategy);
        let targets = [ShardId(1), ShardId(4), ShardId(6)];
        // No choice is a multiple of 3: every step makes progress.
        let done = run_recoveries(&cfg, &targets, &[1, 2, 4, 5, 7, 8]);
        mend_conformance::announce(&format!(
            "recovery differential, 8 shards of {committee_size}, {}: {} steps, {} of 3 \
             reintegrated, up to {} at once",
            strategy.name(),
            done.steps,
            done.reintegrated.len(),
            done.concurrent_max
        ));
        assert_eq!(
            done.reintegrated,
            targets.to_vec(),
            "failed: {:?}",
            done.failed
        );
        assert!(done.concurrent_max >= 2);
    }
}
