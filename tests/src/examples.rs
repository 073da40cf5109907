//! One conformance trace per fault kind ([R-FAULT-2]): the shortest model
//! path of the detection configurations that detects the kind and then
//! crosses an epoch boundary, so the trace shows the evidence, the open
//! fault, the status its severity forces and the audit record.
//!
//! Beside them, the worked example of the docs: the shortest path in which a
//! rollback aborts an in-flight cross-shard transaction on both shards.
//!
//! `cargo run -p mend-conformance --bin make-corpus` writes them to
//! `tests/traces/detect-<kind>.itf.json` and [`ROLLBACK_EXAMPLE_FILE`]; the trace-replay test replays them
//! on model and engine like every other trace, and a test checks that every
//! kind has one.

use crate::lockstep::{to_trace, Lockstep, RunConfig};
use mend_model::{enabled_actions, ModelConfig};
use mend_spec::trace::Trace;
use mend_spec::{
    Action, AuditEntry, Event, FaultKind, Outcome, PipelineStage, RollbackPhase, View,
};
use std::collections::{BTreeSet, VecDeque};

/// The file name (without folder) of the example trace of `kind`.
pub fn example_file_name(kind: FaultKind) -> String {
    format!("detect-{kind:?}.itf.json")
}

/// The configuration that detects `kind`: `liveness` for liveness (a shard
/// must see `L` whole epochs without a block), `faults` for the others.
pub fn example_config(kind: FaultKind) -> ModelConfig {
    match kind {
        FaultKind::LivenessFailure => ModelConfig::liveness(),
        _ => ModelConfig::faults(),
    }
}

fn detects(outcome: &Outcome, kind: FaultKind) -> bool {
    matches!(outcome, Outcome::Accepted { events }
        if events.iter().any(|e| matches!(e, Event::FaultDetected { fault, .. } if fault.kind == kind)))
}

/// The shortest accepted path (breadth-first over the model's behaviours,
/// views deduplicated) that detects `kind` and then advances the epoch.
pub fn shortest_detection(kind: FaultKind, depth_max: usize) -> Option<Vec<Action>> {
    let cfg = example_config(kind);
    let init = mend_model::init_view(&cfg.params);
    let mut seen: BTreeSet<(View, bool)> = BTreeSet::new();
    let mut queue = VecDeque::from([(init, false, Vec::<Action>::new())]);
    while let Some((view, detected, path)) = queue.pop_front() {
        if path.len() >= depth_max {
            continue;
        }
        for action in enabled_actions(&cfg, &view) {
            let (outcome, next) = mend_model::apply(&cfg.params, None, &view, &action);
            if !outcome.is_accepted() {
                continue;
            }
            let now_detected = detected || detects(&outcome, kind);
            let mut longer = path.clone();
            longer.push(action);
            if detected && matches!(action, Action::AdvanceEpoch { .. }) {
                return Some(longer);
            }
            if seen.insert((next.clone(), now_detected)) {
                queue.push_back((next, now_detected, longer));
            }
        }
    }
    None
}

/// The example trace of `kind`, replayed on model and engine in lockstep
/// with every invariant checked at every step.
pub fn example_trace(kind: FaultKind) -> Result<Trace, String> {
    let cfg = example_config(kind);
    let actions =
        shortest_detection(kind, 12).ok_or_else(|| format!("{kind:?}: no detection path"))?;
    let config = RunConfig::correct(cfg.params, cfg.byzantine.clone());
    let run = Lockstep::run(config.clone(), &actions)
        .map_err(|f| format!("{kind:?}: {}", f.headline()))?;
    Ok(to_trace(
        &config,
        &run.initial,
        &run.model_steps,
        &format!("mend-conformance example, configuration {}", cfg.name),
        &format!("{kind:?} detected from evidence, then the epoch boundary responds"),
        None,
    ))
}

/// The shortest accepted path of `cfg` (breadth-first over the model's
/// behaviours, views deduplicated, at most `depth_max` steps) whose last
/// step satisfies `goal(outcome, view after)`.
pub fn shortest_path(
    cfg: &ModelConfig,
    depth_max: usize,
    goal: impl Fn(&Outcome, &View) -> bool,
) -> Option<Vec<Action>> {
    let init = mend_model::init_view(&cfg.params);
    let mut seen: BTreeSet<View> = BTreeSet::from([init.clone()]);
    let mut queue = VecDeque::from([(init, Vec::<Action>::new())]);
    while let Some((view, path)) = queue.pop_front() {
        if path.len() >= depth_max {
            continue;
        }
        for action in enabled_actions(cfg, &view) {
            let (outcome, next) = mend_model::apply(&cfg.params, None, &view, &action);
            if !outcome.is_accepted() {
                continue;
            }
            let mut longer = path.clone();
            longer.push(action);
            if goal(&outcome, &next) {
                return Some(longer);
            }
            if seen.insert(next.clone()) {
                queue.push_back((next, longer));
            }
        }
    }
    None
}

/// The file name (without folder) of the worked rollback example.
pub const ROLLBACK_EXAMPLE_FILE: &str = "rollback-aborts-in-flight.itf.json";

/// [R-RB-2] Whether a rollback just completed having aborted a cross-shard
/// transaction that was in flight when it started, and having undone at
/// least one block.
fn completes_with_an_abort(outcome: &Outcome, view: &View) -> bool {
    let completed = matches!(outcome, Outcome::Accepted { events }
        if events.iter().any(|e| matches!(e, Event::RollbackAdvanced { phase: RollbackPhase::Completed, .. })));
    completed
        && view.shards.iter().any(|s| {
            s.rollback.as_ref().is_some_and(|r| {
                r.phase == RollbackPhase::Completed
                    && !r.aborted.is_empty()
                    && r.target.is_some_and(|t| t.height < r.from_height)
            })
        })
}

/// The worked example of the docs: the shortest path of the `rollback`
/// configuration in which a shard is rolled back below its head while a
/// cross-shard transaction is in flight, and the rollback aborts it on both
/// shards.
pub fn rollback_example_actions() -> Option<Vec<Action>> {
    shortest_path(&ModelConfig::rollback(), 24, completes_with_an_abort)
}

/// The worked rollback example as a trace, replayed on model and engine in
/// lockstep with every invariant checked at every step.
pub fn rollback_example_trace() -> Result<Trace, String> {
    let actions = rollback_example_actions().ok_or("no rollback example path")?;
    worked_example_trace(
        &ModelConfig::rollback(),
        &actions,
        "a rollback aborts an in-flight cross-shard transaction on both shards",
    )
}

/// `actions` of `cfg` replayed on model and engine in lockstep, with every
/// invariant checked at every step, as a trace described by `description`.
fn worked_example_trace(
    cfg: &ModelConfig,
    actions: &[Action],
    description: &str,
) -> Result<Trace, String> {
    let config = RunConfig::correct(cfg.params, cfg.byzantine.clone());
    let run = Lockstep::run(config.clone(), actions).map_err(|f| f.headline())?;
    Ok(to_trace(
        &config,
        &run.initial,
        &run.model_steps,
        &format!("mend-conformance example, configuration {}", cfg.name),
        description,
        None,
    ))
}

/// The file name (without folder) of the worked recovery example.
pub const RECOVERY_EXAMPLE_FILE: &str = "recovery-fault-to-reintegration.itf.json";

/// [R-HEAL-6] Whether the step just reintegrated a shard (its pipeline
/// entered `Reintegrated`) whose rollback undid at least one block, so the
/// example shows blocks discarded and then re-synced.
fn reintegrates(outcome: &Outcome, view: &View) -> bool {
    let reintegrated = matches!(outcome, Outcome::Accepted { events }
        if events.iter().any(|e| matches!(e, Event::PipelineAdvanced { stage: PipelineStage::Reintegrated, .. })));
    reintegrated
        && view.audit.iter().any(|r| {
            matches!(&r.entry, AuditEntry::Rollback { target, height_before, .. }
                if target.height < *height_before)
        })
}

/// The worked example of a complete recovery: the shortest path of the
/// `recovery` configuration from genesis to a shard reintegrated after a
/// fault whose rollback undid a block, through every stage of the pipeline
/// ([R-PIPE-1]).
pub fn recovery_example_actions() -> Option<Vec<Action>> {
    shortest_path(&ModelConfig::recovery(), 40, reintegrates)
}

/// The worked recovery example as a trace, replayed on model and engine in
/// lockstep with every invariant checked at every step.
pub fn recovery_example_trace() -> Result<Trace, String> {
    let actions = recovery_example_actions().ok_or("no recovery example path")?;
    worked_example_trace(
        &ModelConfig::recovery(),
        &actions,
        "a shard recovers from a fault to reintegration, through every pipeline stage",
    )
}
