//! The bodies of the fuzz targets, as plain functions ([R-WIRE-1],
//! [R-VIEW-1]).
//!
//! `fuzz/fuzz_targets/*.rs` call these; the ordinary test suite calls them
//! over every file of the committed corpora, so stable CI exercises each
//! target without a nightly toolchain. Each function panics on a finding:
//! a divergence, an invariant violation, a rejection that changed state, a
//! non-canonical decoding, or a panic inside the engine.

use crate::generate::{choose_action, next_honest_checkpoint};
use crate::lockstep::{report_failure, Lockstep, RunConfig};
use arbitrary::{Arbitrary, Unstructured};
use mend_impl::{
    decode_evidence, decode_message, encode_evidence, encode_message, Engine, Message,
};
use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{Action, BlockFault, Generation, Proposal, ShardId, Signature, ValidatorId};
use std::sync::OnceLock;

/// The most steps one differential input drives.
pub const DIFFERENTIAL_STEPS_MAX: usize = 64;

/// How many configurations the differential target chooses from.
pub const DIFFERENTIAL_CONFIGS: u8 = 8;

/// The configurations the differential target chooses among.
pub fn differential_config(selector: u8) -> ModelConfig {
    match selector % DIFFERENTIAL_CONFIGS {
        0 => ModelConfig::default_config(),
        1 => ModelConfig::large(3, 7),
        2 => ModelConfig::large(2, 10),
        3 => ModelConfig::large(4, 4),
        4 => ModelConfig::faults(),
        5 => ModelConfig::rollback(),
        6 => ModelConfig::recovery(),
        _ => ModelConfig::concurrent(),
    }
}

/// The differential selector of the configuration named `name`, if the
/// differential target chooses it.
pub fn differential_selector(name: &str) -> Option<u8> {
    (0..DIFFERENTIAL_CONFIGS).find(|s| differential_config(*s).name == name)
}

/// A bounded differential input: a configuration and one number per step.
#[derive(Clone, Debug, Arbitrary)]
pub struct DifferentialInput {
    pub config: u8,
    pub choices: Vec<u32>,
}

/// Drives model and engine in lockstep with actions chosen by `input`;
/// panics with both traces side by side on any divergence or violation.
/// Returns the run, so callers can see what it reached.
pub fn run_differential(input: &DifferentialInput) -> Lockstep {
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
    run
}

/// The `differential` target's body.
pub fn fuzz_differential(data: &[u8]) {
    fuzz_differential_run(data);
}

/// The `differential` target's body, returning the run it made (none when
/// the bytes do not decode into an input).
pub fn fuzz_differential_run(data: &[u8]) -> Option<Lockstep> {
    DifferentialInput::arbitrary_take_rest(Unstructured::new(data))
        .ok()
        .map(|input| run_differential(&input))
}

/// An engine of the default configuration with shard 0 at its first
/// checkpoint height and that checkpoint pending, built through the adapter
/// (the same honest chain the corpora were made from), so decoded votes of
/// the corpus meet a checkpoint they name.
pub fn decode_target_engine() -> Engine {
    let cfg = ModelConfig::default_config();
    let shard = ShardId(0);
    let mut run = Lockstep::new(RunConfig::correct(cfg.params, cfg.byzantine.clone()))
        .expect("genesis agrees");
    for _ in 0..cfg.params.checkpoint_interval_blocks {
        let block = Action::ProduceBlock {
            shard,
            fault: BlockFault::None,
        };
        assert!(run
            .step(&block)
            .expect("model and engine agree")
            .is_accepted());
    }
    let checkpoint = next_honest_checkpoint(&cfg, &run.model_view, shard)
        .expect("shard 0 has a next checkpoint");
    let proposal = Action::ProposeCheckpoint(Proposal {
        proposer: ValidatorId(0),
        generation: Generation(0),
        checkpoint,
        signature: Signature::Valid,
    });
    assert!(run
        .step(&proposal)
        .expect("model and engine agree")
        .is_accepted());
    run.engine
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

/// An engine of the default configuration in which evidence of every kind
/// has something to be checked against: shard 0 has finalized its first
/// checkpoint and appended one more block, so votes, proposals, receipts and
/// block claims of its Byzantine member at those heights prove faults, and
/// the corpus inputs (made on the adapter's honest chain) meet their roots.
pub fn evidence_target_engine() -> Engine {
    evidence_target_run().engine
}

/// The lockstep run [`evidence_target_engine`] comes from, with the adapter
/// that can make concrete evidence for it.
pub fn evidence_target_run() -> Lockstep {
    let cfg = ModelConfig::default_config();
    let shard = ShardId(0);
    let mut run = Lockstep::new(RunConfig::correct(cfg.params, cfg.byzantine.clone()))
        .expect("genesis agrees");
    let step = |run: &mut Lockstep, action: Action| {
        assert!(
            run.step(&action)
                .expect("model and engine agree")
                .is_accepted(),
            "setup step refused: {action}"
        );
    };
    let block = Action::ProduceBlock {
        shard,
        fault: BlockFault::None,
    };
    for _ in 0..cfg.params.checkpoint_interval_blocks {
        step(&mut run, block);
    }
    let checkpoint = next_honest_checkpoint(&cfg, &run.model_view, shard)
        .expect("shard 0 has a next checkpoint");
    step(
        &mut run,
        Action::ProposeCheckpoint(Proposal {
            proposer: ValidatorId(0),
            generation: Generation(0),
            checkpoint,
            signature: Signature::Valid,
        }),
    );
    for v in 0..3 {
        step(
            &mut run,
            Action::CastVote(mend_spec::Vote {
                validator: ValidatorId(v),
                shard,
                epoch: checkpoint.epoch,
                generation: Generation(0),
                checkpoint,
                signature: Signature::Valid,
            }),
        );
    }
    step(&mut run, block);
    run
}

/// The `evidence` target's body: arbitrary bytes decoded as evidence
/// ([R-FAULT-1]) and checked ([R-FAULT-3]). A decoded piece must re-encode to
/// the same bytes; checking it must never panic; a rejection must leave the
/// engine exactly as it was, and an acceptance must open exactly one fault
/// and keep the audit chain verifying.
pub fn fuzz_evidence(data: &[u8]) {
    static BASE: OnceLock<Engine> = OnceLock::new();
    let base = BASE.get_or_init(evidence_target_engine);
    let Ok(evidence) = decode_evidence(data) else {
        return;
    };
    assert_eq!(
        encode_evidence(&evidence),
        data,
        "evidence decoding accepted a non-canonical encoding"
    );
    let mut engine = base.clone();
    let faults_before: usize = engine
        .snapshot()
        .shards
        .iter()
        .map(|s| s.faults.len())
        .sum();
    match engine.apply(&Message::Evidence(evidence)) {
        Err(_) => assert!(engine == *base, "rejected evidence changed the engine"),
        Ok(_) => {
            let faults_after: usize = engine
                .snapshot()
                .shards
                .iter()
                .map(|s| s.faults.len())
                .sum();
            assert_eq!(
                faults_after,
                faults_before + 1,
                "accepted evidence opened no fault"
            );
            assert!(engine.verify_audit_chain().is_ok(), "the audit chain broke");
        }
    }
}

/// The `journal` target's body ([R-JOURNAL-2], [R-JOURNAL-4]): arbitrary
/// bytes read as a journal file. Reading must never panic and must give a
/// clear error or a valid prefix: every record it accepts re-encodes to
/// exactly the bytes it was read from, the kept length is at most the
/// input's, a file with no torn tail is kept whole, and a header that
/// verifies decodes or is refused with a typed reason.
pub fn fuzz_journal(data: &[u8]) {
    let scan = match mend_impl::read_records(data) {
        Ok(scan) => scan,
        Err(error) => {
            // The operator's message must be printable for any input.
            let _ = error.to_string();
            return;
        }
    };
    let end = usize::try_from(scan.end).expect("the kept length fits in memory");
    assert!(end <= data.len(), "kept {end} bytes of {}", data.len());
    if scan.torn_tail.is_none() {
        assert_eq!(end, data.len(), "a journal with no torn tail is kept whole");
    }
    let mut rebuilt = mend_impl::encode_record(0, scan.header).expect("the header was read");
    for (i, record) in scan.inputs.iter().enumerate() {
        assert_eq!(
            record.index,
            scan.base + i as u64 + 1,
            "inputs are numbered from the base plus 1"
        );
        assert_eq!(
            record.offset,
            rebuilt.len() as u64,
            "records follow each other"
        );
        rebuilt.extend(mend_impl::encode_record(record.index, record.payload).expect("read"));
    }
    assert_eq!(
        &rebuilt[..],
        &data[..end],
        "the kept prefix re-encodes to itself"
    );
    if let Err(reason) = mend_impl::decode_header(scan.header) {
        let _ = format!("{reason:?}");
    }
}

/// The body for snapshot bytes ([R-JOURNAL-7]): arbitrary bytes read as a
/// snapshot file must give a typed refusal or a loaded state, never a
/// panic. Random bytes almost never pass the checksum, so the same bytes
/// are also framed with a valid checksum, as a state at a position taken
/// from their first bytes, to reach the state decoder and its shape
/// checks. A state that loads must have a view, and its re-encoding must
/// decode to the same engine.
pub fn fuzz_snapshot(data: &[u8]) {
    let _ = check_snapshot_bytes(data);
    let position = data
        .first_chunk::<8>()
        .map_or(0, |bytes| u64::from_le_bytes(*bytes));
    let _ = check_snapshot_bytes(&mend_impl::frame_snapshot(position, data));
}

/// What one snapshot's bytes gave: loaded, or refused with this reason.
pub fn check_snapshot_bytes(bytes: &[u8]) -> Result<u64, mend_impl::SnapshotDamage> {
    match mend_impl::decode_snapshot(bytes) {
        Ok(loaded) => {
            let _ = mend_impl::view_digest(&loaded.engine.snapshot());
            let again = Engine::decode_state(&loaded.engine.encode_state());
            assert!(
                again.as_ref() == Ok(&loaded.engine),
                "a loaded state does not survive its own re-encoding: {again:?}"
            );
            Ok(loaded.position)
        }
        Err(reason) => {
            // The operator's message must be printable for any input.
            let _ = reason.to_string();
            Err(reason)
        }
    }
}
