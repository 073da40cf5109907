//! A driver of full recoveries on larger configurations ([R-PIPE-*]): model
//! and engine in lockstep, with every invariant checked at every step,
//! while chosen shards are taken from a fault to their reintegration and
//! random actions of the model's behaviours run in between.
//!
//! Random walks alone almost never finish a recovery: it takes a finalized
//! checkpoint, evidence, two boundaries, five rollback ticks, a boundary,
//! three healing ticks, `N` blocks, a checkpoint finalized by the new
//! committee, a boundary and a last tick, in that order. So each step either
//! makes progress on one recovering shard (the action a recovery driver or
//! an honest committee would send next) or, as the input chooses, takes a
//! random enabled action of the model (Byzantine attempts, other shards'
//! blocks and checkpoints, more evidence, cross-shard transactions). The
//! result is several concurrent recoveries interleaved with everything
//! else, on committees of 7 to 10.

use crate::generate::behaviour_actions;
use crate::lockstep::report_failure;
use crate::{Lockstep, RunConfig};
use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{
    Action, BlockFault, Event, Evidence, FaultKind, HealingStage, Outcome, Params, PipelineStage,
    ReassignmentStrategy, ShardId, ShardStatus, Signature, View,
};

/// Steps a recovery run takes at most.
pub const RECOVERY_STEPS_MAX: usize = 900;

/// A larger configuration for full recoveries: `shards` shards of
/// `committee_size`, one Byzantine member per committee (the highest), a
/// reserve of one validator per shard, `strategy`, the default `N`, `K`,
/// `P`, `L`, `A_e`, `A_b` and `W`, heads up to 24 blocks and 120 epochs (a
/// recovery needs about six boundaries; random actions never advance the
/// epoch, only the driver does).
pub fn large_recovery_config(
    shards: u16,
    committee_size: u16,
    strategy: ReassignmentStrategy,
) -> ModelConfig {
    let mut cfg = ModelConfig::large(shards, committee_size);
    cfg.params = cfg
        .params
        .with_recovery(shards, strategy)
        .expect("a reserve of one validator per shard fits every large configuration");
    cfg.max_heights = vec![24; usize::from(shards)];
    cfg.max_epoch = 120;
    cfg.name = "large-recovery";
    cfg
}

/// What a recovery run did.
pub struct RecoveryRun {
    pub run: Lockstep,
    /// The shards that reached `Reintegrated`, ascending.
    pub reintegrated: Vec<ShardId>,
    /// The targets whose recovery failed and froze them for an operator
    /// ([R-PIPE-3]), with the failure: a rollback whose target the random
    /// actions pushed out of the window, or that had no checkpoint yet; or
    /// that a High fault froze before any recovery could start.
    pub failed: Vec<(ShardId, String)>,
    /// Steps taken.
    pub steps: usize,
    /// The most shards recovering at once (pipeline between `Isolated` and
    /// `RecoveryComplete`) in one view.
    pub concurrent_max: usize,
}

/// Whether the model accepts `action` in `view`.
fn accepted(params: &Params, view: &View, action: &Action) -> bool {
    mend_model::apply(params, None, view, action)
        .0
        .is_accepted()
}

/// The evidence shard and kind of `evidence`, for the three Critical kinds.
fn critical_against(evidence: &Evidence) -> Option<(ShardId, FaultKind)> {
    match evidence {
        Evidence::StateRootMismatch { vote } => Some((vote.shard, FaultKind::StateRootMismatch)),
        Evidence::InvalidReceipt { receipt } => {
            Some((receipt.source, FaultKind::InvalidCrossShardReceipt))
        }
        Evidence::CheckpointStateMismatch { proposal } => Some((
            proposal.checkpoint.shard,
            FaultKind::CheckpointStateMismatch,
        )),
        _ => None,
    }
}

/// The action that takes `shard`'s recovery one step further in `view`, if
/// any: what its honest committee, a submitter of evidence or the recovery
/// driver would send next.
pub fn progress_action(cfg: &ModelConfig, view: &View, shard: ShardId) -> Option<Action> {
    let s = view.shards.get(usize::from(shard.0))?;
    let params = &cfg.params;
    // Only the actions a rule picks are tried on the model, so a step costs
    // a few applications, not one per enabled action.
    let candidates: Vec<Action> = behaviour_actions(&CheckpointModel { cfg: cfg.clone() }, view);
    let honest = |v| !cfg.byzantine.contains(&v);
    let find = |pick: &dyn Fn(&Action) -> bool| {
        candidates
            .iter()
            .find(|a| pick(a) && accepted(params, view, a))
            .copied()
    };
    let vote_or_propose = || {
        find(&|a| matches!(a, Action::CastVote(v) if v.shard == shard && honest(v.validator) && v.signature == Signature::Valid))
            .or_else(|| find(&|a| matches!(a, Action::ProposeCheckpoint(p) if p.checkpoint.shard == shard && honest(p.proposer) && p.signature == Signature::Valid)))
    };
    let block = || {
        find(
            &|a| matches!(a, Action::ProduceBlock { shard: b, fault: BlockFault::None } if *b == shard),
        )
    };
    let epoch = || find(&|a| matches!(a, Action::AdvanceEpoch { .. }));
    let tick_healing =
        || find(&|a| matches!(a, Action::AdvanceHealing { shard: h } if *h == shard));
    match s.pipeline {
        None | Some(PipelineStage::Reintegrated) => {
            // Once a checkpoint is finalized, the fault: evidence at a height
            // at or below the head suffices (and a shard a High fault froze
            // takes no more blocks). Before, the honest committee builds
            // one.
            let finalized = s.latest_finalized().is_some();
            let evidence = || {
                find(
                    &|a| matches!(a, Action::SubmitEvidence(e) if critical_against(e).is_some_and(|(x, _)| x == shard)),
                )
            };
            if s.status == ShardStatus::Frozen {
                // A High fault froze it: only isolating evidence moves it on
                // ([R-ISO-2]), and only a Byzantine member still seated can
                // be its accused.
                evidence()
            } else if finalized {
                evidence()
                    .or_else(block)
                    .or_else(vote_or_propose)
                    .or_else(epoch)
            } else {
                vote_or_propose().or_else(block).or_else(epoch)
            }
        }
        Some(PipelineStage::FaultDetected)
        | Some(PipelineStage::Isolated)
        | Some(PipelineStage::ValidatorAdjustment) => epoch(),
        Some(PipelineStage::RollingBack) => {
            find(&|a| matches!(a, Action::AdvanceRollback { shard: r } if *r == shard))
        }
        Some(PipelineStage::Healing) | Some(PipelineStage::RecoveryComplete) => {
            match s.healing.map(|h| h.stage) {
                Some(HealingStage::SyncingBlocks) => block().or_else(tick_healing),
                Some(HealingStage::VerifyingState) => vote_or_propose().or_else(epoch),
                Some(HealingStage::ReadyForReintegration) => tick_healing().or_else(epoch),
                _ => tick_healing(),
            }
        }
        Some(PipelineStage::Failed) => None,
    }
}

/// Whether `shard`'s recovery can go no further: its pipeline failed and
/// froze it for an operator ([R-PIPE-3]); or, before any recovery started,
/// no Byzantine member sits in its committee any more (random evidence had
/// it slashed), so no valid evidence can ever accuse it ([R-FAULT-MODEL-2]);
/// or a High fault froze it and no isolating evidence can be made: the
/// pipeline starts only from a fault whose response is `Isolated`
/// ([R-PIPE-1]).
fn is_stopped(cfg: &ModelConfig, view: &View, shard: ShardId) -> bool {
    let s = &view.shards[usize::from(shard.0)];
    match s.pipeline {
        Some(PipelineStage::Failed) => true,
        Some(stage) if stage.is_active() => false,
        _ => {
            let accusable = s.committee.iter().any(|v| cfg.byzantine.contains(v));
            !accusable
                || (s.status == ShardStatus::Frozen && progress_action(cfg, view, shard).is_none())
        }
    }
}

/// Runs recoveries of `targets` on `cfg`: each odd step with
/// `choices[i] % 3 == 0` takes the random enabled action `choices[i] / 3`
/// (never an epoch tick), and every other step the next progress action of
/// the target chosen by `choices[i] / 3` plus the step number (so targets
/// take turns), skipping targets that are done (reintegrated once, or
/// failed). Choices repeat cyclically; the run stops when every target is
/// done or after [`RECOVERY_STEPS_MAX`] steps. Panics with both traces side
/// by side on any divergence or invariant violation.
pub fn run_recoveries(cfg: &ModelConfig, targets: &[ShardId], choices: &[u32]) -> RecoveryRun {
    let config = RunConfig::correct(cfg.params, cfg.byzantine.clone());
    let mut run = match Lockstep::new(config) {
        Ok(run) => run,
        Err(failure) => panic!("{}", report_failure(&failure, "recovery")),
    };
    let model = CheckpointModel { cfg: cfg.clone() };
    let mut reintegrated: Vec<ShardId> = Vec::new();
    let mut steps = 0;
    let mut concurrent_max = 0;
    let fallback = [1u32];
    let choices = if choices.is_empty() {
        &fallback[..]
    } else {
        choices
    };
    for step in 0..RECOVERY_STEPS_MAX {
        let pending: Vec<ShardId> = targets
            .iter()
            .copied()
            .filter(|t| !reintegrated.contains(t) && !is_stopped(cfg, &run.model_view, *t))
            .collect();
        if pending.is_empty() {
            break;
        }
        let choice = choices[step % choices.len()];
        let index = (choice / 3) as usize;
        let random = || {
            let actions: Vec<Action> = behaviour_actions(&model, &run.model_view)
                .into_iter()
                .filter(|a| !matches!(a, Action::AdvanceEpoch { .. }))
                .collect();
            actions.get(index % actions.len().max(1)).copied()
        };
        // Every other step makes progress whatever the choices, so inputs
        // that ask for random actions only still finish.
        let action = if choice % 3 == 0 && step % 2 == 1 {
            random()
        } else {
            let target = pending[(index + step) % pending.len()];
            progress_action(cfg, &run.model_view, target)
                .or_else(|| {
                    pending
                        .iter()
                        .find_map(|t| progress_action(cfg, &run.model_view, *t))
                })
                .or_else(random)
        };
        let Some(action) = action else { break };
        steps += 1;
        let outcome = match run.step(&action) {
            Ok(outcome) => outcome,
            Err(failure) => panic!("{}", report_failure(&failure, "recovery")),
        };
        if let Outcome::Accepted { events } = &outcome {
            for e in events {
                if let Event::PipelineAdvanced {
                    shard,
                    stage: PipelineStage::Reintegrated,
                } = e
                {
                    if !reintegrated.contains(shard) {
                        reintegrated.push(*shard);
                    }
                }
            }
        }
        let recovering = run
            .model_view
            .shards
            .iter()
            .filter(|s| {
                matches!(
                    s.status,
                    ShardStatus::Isolated | ShardStatus::Recovering | ShardStatus::Healing
                ) && s.pipeline.is_some_and(|p| p.is_active())
            })
            .count();
        concurrent_max = concurrent_max.max(recovering);
    }
    reintegrated.sort();
    let failed = targets
        .iter()
        .filter(|t| !reintegrated.contains(t))
        .filter_map(|t| {
            let s = &run.model_view.shards[usize::from(t.0)];
            is_stopped(cfg, &run.model_view, *t).then(|| {
                let why = match (&s.rollback, &s.healing) {
                    _ if s.pipeline != Some(PipelineStage::Failed)
                        && s.status == ShardStatus::Frozen =>
                    {
                        "frozen by a High fault".to_string()
                    }
                    _ if s.pipeline != Some(PipelineStage::Failed) => {
                        "no Byzantine member left to accuse".to_string()
                    }
                    (Some(r), _) if r.failure.is_some() => format!("rollback {:?}", r.failure),
                    (_, Some(h)) if h.failure.is_some() => format!("healing {:?}", h.failure),
                    _ => "unknown".to_string(),
                };
                (*t, why)
            })
        })
        .collect();
    RecoveryRun {
        run,
        reintegrated,
        failed,
        steps,
        concurrent_max,
    }
}
