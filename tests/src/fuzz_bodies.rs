//! The bodies of the fuzz targets, as plain functions ([R-WIRE-1],
//! [R-VIEW-1]).
//!
//! `fuzz/fuzz_targets/*.rs` call these; the ordinary test suite calls them
//! over every file of the committed corpora, so stable CI exercises each
//! target without a nightly toolchain. Each function panics on a finding:
//! a divergence, an invariant violation, a rejection that changed state, a
//! non-canonical decoding, or a panic inside the engine.

use crate::generate::choose_action;
use crate::keys::{test_signing_key, test_verifying_keys};
use crate::lockstep::{report_failure, Lockstep, RunConfig};
use arbitrary::{Arbitrary, Unstructured};
use ed25519_dalek::Signer;
use mend_impl::{
    compute_checkpoint_id, compute_state_root, decode_message, encode_message,
    proposal_signing_bytes, Block, CheckpointBody, Engine, Message, SignatureBytes, SignedProposal,
    Transaction,
};
use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{Epoch, Generation, Params, ShardId, ValidatorId};
use std::sync::OnceLock;

/// The most steps one differential input drives.
pub const DIFFERENTIAL_STEPS_MAX: usize = 64;

/// The configurations the differential target chooses among.
pub fn differential_config(selector: u8) -> ModelConfig {
    match selector % 4 {
        0 => ModelConfig::default_config(),
        1 => ModelConfig::large(3, 7),
        2 => ModelConfig::large(2, 10),
        _ => ModelConfig::large(4, 4),
    }
}

/// A bounded differential input: a configuration and one number per step.
#[derive(Clone, Debug, Arbitrary)]
pub struct DifferentialInput {
    pub config: u8,
    pub choices: Vec<u32>,
}

/// Drives model and engine in lockstep with actions chosen by `input`;
/// panics with both traces side by side on any divergence or violation.
pub fn run_differential(input: &DifferentialInput) {
    let cfg = differential_config(input.config);
    let model = CheckpointModel { cfg: cfg.clone() };
    let config = RunConfig::correct(cfg.params, cfg.byzantine.clone());
    let mut run = match Lockstep::new(config) {
        Ok(run) => run,
        Err(failure) => panic!("{}", report_failure(&failure, "fuzz-differential")),
    };
    for &choice in input.choices.iter().take(DIFFERENTIAL_STEPS_MAX) {
        let Some(action) = choose_action(&model, &run.model_view, choice) else {
            break;
        };
        if let Err(failure) = run.step(&action) {
            panic!("{}", report_failure(&failure, "fuzz-differential"));
        }
    }
}

/// The `differential` target's body.
pub fn fuzz_differential(data: &[u8]) {
    if let Ok(input) = DifferentialInput::arbitrary_take_rest(Unstructured::new(data)) {
        run_differential(&input);
    }
}

/// An engine of the default configuration with two blocks on shard 0 and a
/// pending checkpoint, so decoded votes meet real state.
pub fn decode_target_engine() -> Engine {
    let params = Params::default_config();
    let mut engine =
        Engine::new(params, test_verifying_keys(&params)).expect("test keys match the parameters");
    let shard = ShardId(0);
    for _ in 0..params.checkpoint_interval_blocks {
        let (height, id, root) = engine.head(shard).expect("shard 0 exists");
        let height = height.next().expect("small heights do not overflow");
        let transactions = vec![Transaction {
            key: height.0 as u32,
            value: 1,
        }];
        let state_root = compute_state_root(&root, &transactions);
        let block = Block {
            shard,
            height,
            parent: id,
            transactions,
            state_root,
        };
        engine
            .apply(&Message::Block(block))
            .expect("an honest block is accepted");
    }
    let (height, _, root) = engine.head(shard).expect("shard 0 exists");
    let checkpoint = CheckpointBody {
        shard,
        epoch: Epoch(0),
        height,
        state_root: root,
        parent: None,
    };
    let id = compute_checkpoint_id(&checkpoint);
    let bytes = proposal_signing_bytes(shard, Epoch(0), Generation(0), &id);
    let signature = SignatureBytes(test_signing_key(ValidatorId(0)).sign(&bytes).to_bytes());
    let proposal = SignedProposal {
        proposer: ValidatorId(0),
        generation: Generation(0),
        checkpoint,
        signature,
    };
    engine
        .apply(&Message::Proposal(proposal))
        .expect("an honest proposal is accepted");
    engine
}

/// The `decode` target's body: arbitrary bytes through decoding and
/// validation. A decoded message must re-encode to the same bytes (the
/// encoding is canonical, [R-CKPT-2]); applying it must never panic, and a
/// rejection must leave the engine exactly as it was ([R-OUT-2]).
pub fn fuzz_decode(data: &[u8]) {
    // Built once per process: key derivation and the setup's signatures
    // would otherwise dominate every fuzz iteration.
    static BASE: OnceLock<Engine> = OnceLock::new();
    let mut engine = BASE.get_or_init(decode_target_engine).clone();
    // The whole engine, not its snapshot: ids, signatures and evidence too.
    let before = engine.clone();
    match decode_message(data) {
        Ok(message) => {
            assert_eq!(
                encode_message(&message),
                data,
                "decoding accepted a non-canonical encoding"
            );
            if engine.apply(&message).is_err() {
                assert!(engine == before, "a rejected message changed the engine");
            }
        }
        Err(_) => {
            assert!(
                engine.apply_bytes(data).is_err(),
                "apply_bytes accepted what decode refused"
            );
            assert!(engine == before, "undecodable bytes changed the engine");
        }
    }
}
