//! [INV-5 Determinism] on the engine: the gossiped inputs of each segment
//! ([R-DET-1]) shuffled, with identical views after every segment.
//!
//! Each case walks the model's behaviour over one of the differential
//! configurations (invalid inputs included), then shuffles every maximal
//! run of gossiped inputs (checkpoint votes and evidence) between two
//! sequenced inputs, and replays both orders in lockstep: each order must
//! conform (model and engine agree at every step, every invariant holds),
//! and the two orders' engine views must be equal wherever a segment ends,
//! which includes every epoch boundary ([R-DET-2]). The model's two-replica
//! check (`mend-model check --config determinism`) covers every order of a
//! small configuration exhaustively; this covers larger ones by sampling.
//!
//! A failing case prints its proptest input; the shuffle is a pure
//! function of the case's seed, so the case replays from it.

use mend_conformance::fuzz_bodies::differential_config;
use mend_conformance::fuzz_bodies::{run_differential, DifferentialInput, DIFFERENTIAL_CONFIGS};
use mend_conformance::generate::{behaviour_actions, choose_action};
use mend_conformance::lockstep::report_failure;
use mend_conformance::trace_io::read_trace;
use mend_conformance::{Lockstep, RunConfig};
use mend_model::determinism::is_gossiped;
use mend_model::ModelConfig;
use mend_model::{apply, init_view, CheckpointModel};
use mend_spec::{check_inv5_determinism, Action, SeededBug};
use proptest::prelude::*;
use std::path::Path;

/// A small deterministic generator (SplitMix64), so a case's shuffle is a
/// function of its seed alone.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform index below `bound` (> 0), up to a negligible bias.
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// The indices after which a segment ends: every sequenced input's index,
/// the index before it, and the last index (the views there are the views
/// after a complete segment in both orders).
fn segment_ends(actions: &[Action]) -> Vec<usize> {
    let mut ends = Vec::new();
    for (i, action) in actions.iter().enumerate() {
        if !is_gossiped(action) {
            if i > 0 {
                ends.push(i - 1);
            }
            ends.push(i);
        }
    }
    if !actions.is_empty() {
        ends.push(actions.len() - 1);
    }
    ends.sort_unstable();
    ends.dedup();
    ends
}

/// `actions` with every maximal run of gossiped inputs shuffled
/// (Fisher-Yates), sequenced inputs in place.
fn shuffle_segments(actions: &[Action], seed: u64) -> Vec<Action> {
    let mut rng = SplitMix(seed);
    let mut shuffled = actions.to_vec();
    let mut start = 0;
    while start < shuffled.len() {
        if !is_gossiped(&shuffled[start]) {
            start += 1;
            continue;
        }
        let end = shuffled[start..]
            .iter()
            .position(|a| !is_gossiped(a))
            .map_or(shuffled.len(), |offset| start + offset);
        let run = &mut shuffled[start..end];
        for i in (1..run.len()).rev() {
            run.swap(i, rng.below(i + 1));
        }
        start = end;
    }
    shuffled
}

/// Replays `actions` in lockstep; panics with both traces on a divergence.
fn replay(config: &RunConfig, actions: &[Action], name: &str) -> Lockstep {
    match Lockstep::run(config.clone(), actions) {
        Ok(run) => run,
        Err(failure) => panic!("{}", report_failure(&failure, name)),
    }
}

/// A walk of the model's behaviour in which two steps in three are a
/// gossiped input when one is offered, so that segments hold many votes and
/// pieces of evidence (a plain walk mostly holds one or two); the third
/// step is [`choose_action`]'s pick, invalid inputs included.
fn walk_gossip_heavy(selector: u8, choices: &[u32]) -> Vec<Action> {
    let cfg = differential_config(selector);
    let model = CheckpointModel { cfg: cfg.clone() };
    let mut view = init_view(&cfg.params);
    let mut actions = Vec::new();
    for &choice in choices {
        let gossip: Vec<Action> = behaviour_actions(&model, &view)
            .into_iter()
            .filter(is_gossiped)
            .collect();
        let action = if choice % 3 != 0 && !gossip.is_empty() {
            gossip[(choice / 3) as usize % gossip.len()]
        } else {
            match choose_action(&model, &view, choice / 3) {
                Some(action) => action,
                None => break,
            }
        };
        view = apply(&cfg.params, None, &view, &action).1;
        actions.push(action);
    }
    actions
}

/// Replays a walk and one shuffle of it; returns how many gossiped inputs
/// moved, after checking the views at every segment end.
fn check_shuffle(input: &DifferentialInput, seed: u64) -> usize {
    let walked = run_differential(input);
    let actions: Vec<Action> = walked.model_steps.iter().map(|s| s.action).collect();
    check_shuffle_of(input.config, &actions, seed)
}

/// [`check_shuffle`] of a given walk of configuration `selector`.
fn check_shuffle_of(selector: u8, actions: &[Action], seed: u64) -> usize {
    let actions = actions.to_vec();
    let shuffled = shuffle_segments(&actions, seed);
    let moved = actions
        .iter()
        .zip(&shuffled)
        .filter(|(a, b)| a != b)
        .count();
    let cfg = differential_config(selector);
    let config = RunConfig::correct(cfg.params, cfg.byzantine.clone());
    let original = replay(&config, &actions, "permutation-original");
    let reordered = replay(&config, &shuffled, "permutation-shuffled");
    for i in segment_ends(&actions) {
        let (a, b) = (&original.engine_steps[i], &reordered.engine_steps[i]);
        if let Err(violation) = check_inv5_determinism(&a.view, &b.view) {
            panic!(
                "after step {i} (a segment's end) of configuration {}: {violation}\n\
                 original order:\n{}\nshuffled order:\n{}\nfirst view:\n{}\nsecond view:\n{}",
                cfg.name,
                list(&actions[..=i]),
                list(&shuffled[..=i]),
                a.view,
                b.view
            );
        }
    }
    moved
}

fn list(actions: &[Action]) -> String {
    actions
        .iter()
        .enumerate()
        .map(|(i, a)| format!("  {i:>3}. {a}\n"))
        .collect()
}

fn config() -> ProptestConfig {
    crate::proptest_config("MEND_PROPTEST_PERMUTATION_CASES", 48)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn shuffling_each_segments_gossip_leaves_the_engine_views_identical(
        selector in 0u8..DIFFERENTIAL_CONFIGS,
        choices in proptest::collection::vec(any::<u32>(), 1..120),
        seed in any::<u64>(),
        heavy in any::<bool>(),
    ) {
        if heavy {
            check_shuffle_of(selector, &walk_gossip_heavy(selector, &choices), seed);
        } else {
            check_shuffle(&DifferentialInput { config: selector, choices }, seed);
        }
    }
}

#[test]
fn the_shuffle_keeps_sequenced_inputs_in_place_and_moves_gossip() {
    // A fixed walk of the default configuration long enough to hold votes:
    // the test must actually reorder something, or it proves nothing.
    let mut moved_total = 0;
    for seed in 0..16u64 {
        let choices: Vec<u32> = (0..120u32)
            .map(|i| i.wrapping_mul(2_654_435_761).rotate_left(seed as u32))
            .collect();
        let input = DifferentialInput { config: 0, choices };
        let walked = run_differential(&input);
        let actions: Vec<Action> = walked.model_steps.iter().map(|s| s.action).collect();
        let shuffled = shuffle_segments(&actions, seed);
        for (a, b) in actions.iter().zip(&shuffled) {
            assert_eq!(is_gossiped(a), is_gossiped(b), "a sequenced input moved");
            if !is_gossiped(a) {
                assert_eq!(a, b, "a sequenced input changed place");
            }
        }
        let mut sorted_a = actions.clone();
        let mut sorted_b = shuffled.clone();
        sorted_a.sort();
        sorted_b.sort();
        assert_eq!(sorted_a, sorted_b, "the shuffle is not a permutation");
        moved_total += check_shuffle(&input, seed);
    }
    assert!(moved_total > 0, "no gossiped input ever moved");
}

/// [R-DET-5] The model's two-replica counterexample of the order bug,
/// `tests/traces/first-quorum-certificate.{first,second}.itf.json`: the
/// same inputs in two orders. With the bug in both renderings the two
/// orders conform step by step and end in different views, in the
/// certificate; with the correct rules they end in equal views.
#[test]
fn the_order_bugs_two_orders_end_apart_only_with_the_bug() {
    let bug = SeededBug::FirstQuorumCertificate;
    let read = |replica: &str| -> Vec<Action> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("traces")
            .join(format!("{}.{replica}.itf.json", bug.name()));
        read_trace(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .actions()
    };
    let (first, second) = (read("first"), read("second"));
    let mut sorted = (first.clone(), second.clone());
    sorted.0.sort();
    sorted.1.sort();
    assert_eq!(
        sorted.0, sorted.1,
        "the two replicas did not receive the same inputs"
    );
    assert_ne!(first, second, "the two replicas received one order");
    let cfg = ModelConfig::for_bug(bug);
    let buggy = RunConfig {
        model_bug: Some(bug),
        engine_bug: Some(bug),
        ..RunConfig::correct(cfg.params, cfg.byzantine.clone())
    };
    let correct = RunConfig::correct(cfg.params, cfg.byzantine.clone());
    let end = |config: &RunConfig, actions: &[Action]| {
        let run = replay(config, actions, "order-bug");
        let last = run.engine_steps.last().expect("the traces have steps");
        last.view.clone()
    };
    let diverged = check_inv5_determinism(&end(&buggy, &first), &end(&buggy, &second));
    assert!(
        matches!(
            diverged,
            Err(mend_spec::Violation::ReplicasDiverged {
                part: mend_spec::ViewPart::Finalized,
                ..
            })
        ),
        "with the bug: {diverged:?}"
    );
    assert_eq!(
        check_inv5_determinism(&end(&correct, &first), &end(&correct, &second)),
        Ok(()),
        "without the bug the two orders must agree"
    );
}
