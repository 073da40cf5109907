//! Seed corpora for the fuzz targets, made from model traces.
//!
//! The differential corpus holds, per model path, the choice numbers that
//! make [`crate::fuzz_bodies::fuzz_differential`] replay that path; the
//! decode corpus holds the concrete encoded messages of those paths, plus
//! truncations of them. `cargo run -p mend-conformance --bin make-corpus`
//! rewrites both.

use crate::fuzz_bodies::{differential_config, DifferentialInput};
use crate::generate::{behaviour_actions, invalid_actions};
use crate::lockstep::{Lockstep, RunConfig};
use arbitrary::{Arbitrary, Unstructured};
use mend_impl::encode_message;
use mend_model::CheckpointModel;
use mend_spec::{Action, View};

/// The choice number that makes the differential body pick `action` in
/// `view`, if it is among its candidates.
pub fn choice_for(model: &CheckpointModel, view: &View, action: &Action) -> Option<u32> {
    if let Some(i) = behaviour_actions(model, view)
        .iter()
        .position(|a| a == action)
    {
        return Some(5 * i as u32 + 1);
    }
    invalid_actions(&model.cfg, view)
        .iter()
        .position(|a| a == action)
        .map(|i| 5 * i as u32)
}

/// Encodes a differential input in the byte layout `arbitrary` reads back:
/// the selector byte, then per choice a continue byte (`1`) and the choice as
/// a little-endian `u32`.
pub fn encode_differential(input: &DifferentialInput) -> Vec<u8> {
    let mut bytes = vec![input.config];
    for c in &input.choices {
        bytes.push(1);
        bytes.extend_from_slice(&c.to_le_bytes());
    }
    let back = DifferentialInput::arbitrary_take_rest(Unstructured::new(&bytes))
        .expect("the layout decodes");
    assert_eq!(back.choices, input.choices, "arbitrary's layout changed");
    bytes
}

/// A deterministic walk through the model's accepted behaviours of
/// configuration `selector`, `steps` long, steered by `seed`.
pub fn model_walk(selector: u8, seed: u64, steps: usize) -> Vec<Action> {
    let cfg = differential_config(selector);
    let model = CheckpointModel { cfg: cfg.clone() };
    let mut view = mend_model::init_view(&cfg.params);
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut actions = Vec::new();
    for _ in 0..steps {
        let accepted: Vec<Action> = behaviour_actions(&model, &view)
            .into_iter()
            .filter(|a| {
                mend_model::apply(&cfg.params, None, &view, a)
                    .0
                    .is_accepted()
            })
            .collect();
        if accepted.is_empty() {
            break;
        }
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let a = accepted[(state >> 33) as usize % accepted.len()];
        view = mend_model::apply(&cfg.params, None, &view, &a).1;
        actions.push(a);
    }
    actions
}

/// The differential input that replays `actions` on configuration
/// `selector`, and the encoded messages they become on the engine.
pub fn seeds_for(selector: u8, actions: &[Action]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let cfg = differential_config(selector);
    let model = CheckpointModel { cfg: cfg.clone() };
    let mut run = Lockstep::new(RunConfig::correct(cfg.params, cfg.byzantine.clone()))
        .expect("genesis agrees");
    let mut choices = Vec::new();
    let mut messages = Vec::new();
    for a in actions {
        let Some(choice) = choice_for(&model, &run.model_view, a) else {
            break;
        };
        let message = run.adapter.clone().to_message(a, &run.model_view);
        messages.push(encode_message(&message));
        choices.push(choice);
        if run.step(a).is_err() {
            break;
        }
    }
    (
        encode_differential(&DifferentialInput {
            config: selector,
            choices,
        }),
        messages,
    )
}
