//! The recovery pipeline driver: where each shard's recovery stands, and
//! the order in which an epoch boundary takes a shard's recovery steps
//! (`spec/SPEC.md` §7, [R-PIPE-1] .. [R-PIPE-4], [R-EPOCH-2]).
//!
//! Each shard has at most one pipeline ([R-PIPE-1]): `FaultDetected` when
//! evidence of a fault whose response is `Isolated` is accepted while no
//! pipeline is active ([R-FAULT-5]); `Isolated` when the boundary isolates
//! the shard ([R-ISO-3]); `RollingBack` when the next boundary starts its
//! rollback ([R-RB-1]); `ValidatorAdjustment` when the rollback completes
//! ([R-RB-2]); `Healing` or `Failed` at the next boundary ([R-PIPE-2]);
//! `RecoveryComplete` when the healing is verified ([R-HEAL-4]);
//! `Reintegrated` when the shard is `Normal` again ([R-HEAL-6]). A failed
//! rollback or healing makes it `Failed`: the shard is frozen for an
//! operator ([R-PIPE-3]). Every change emits `PipelineAdvanced` after the
//! events of the step that caused it.
//!
//! At an epoch boundary each shard's turn ([R-EPOCH-2]) is, after its
//! pending checkpoints expired and retention pruned its finalized ones
//! ([R-CKPT-9], in `epoch`): its slashes ([R-SLASH-3], `slash`); its
//! reassignment ([R-ASSIGN-2], `assign`); then the first that applies of
//! starting its rollback, adjusting its validators (healing starts or
//! fails), checking its verification (`heal`), or its detection status
//! change (`isolate`); then its fault expiry ([R-FAULT-6]).
//!
//! Recoveries are independent ([R-PIPE-4]): a shard's pipeline moves only by
//! its own evidence, ticks and turn; the only thing they share is the
//! reserve, drawn from in ascending shard order.

use crate::assign::reassign;
use crate::heal::{is_verifying, start_healing, verify_healing};
use crate::isolate::{apply_status_change, compute_response, compute_severity, expire_faults};
use crate::outcome::EngineEvent;
use crate::rollback::start_rollback;
use crate::slash::apply_slashes;
use crate::state::State;
use mend_spec::protocol::PipelineStage;
use mend_spec::{Fault, ShardStatus};

/// [R-PIPE-1] Moves the pipeline of the shard at `index` to `stage` and
/// returns `PipelineAdvanced`.
pub(crate) fn set_pipeline(state: &mut State, index: usize, stage: PipelineStage) -> EngineEvent {
    let shard = &mut state.shards[index];
    shard.pipeline = Some(stage);
    EngineEvent::PipelineAdvanced {
        shard: shard.id,
        stage,
    }
}

/// [R-FAULT-5], [R-PIPE-1] After `fault` was opened on the shard at
/// `index`: if its response is `Isolated` and the shard has no active
/// pipeline (none, or `Reintegrated`; a `Failed` one is for an operator,
/// [R-PIPE-3]), the pipeline starts at `FaultDetected`.
pub(crate) fn start_pipeline(
    state: &mut State,
    index: usize,
    fault: &Fault,
) -> Option<EngineEvent> {
    let isolating = compute_response(compute_severity(fault.kind)) == Some(ShardStatus::Isolated);
    let startable = matches!(
        state.shards.get(index)?.pipeline,
        None | Some(PipelineStage::Reintegrated)
    );
    (isolating && startable).then(|| set_pipeline(state, index, PipelineStage::FaultDetected))
}

/// [R-EPOCH-2] The turn of the shard at `index` at the boundary into the
/// current epoch, after its pending checkpoints expired and retention
/// pruned: slashes,
/// reassignment, the first recovery or detection step that applies, fault
/// expiry.
pub(crate) fn apply_boundary_turn(state: &mut State, index: usize) -> Vec<EngineEvent> {
    // Step 2 ([R-SLASH-3]).
    let mut events = apply_slashes(state, index);
    // Step 3 ([R-ASSIGN-2]).
    events.extend(reassign(state, index));
    // Step 4: the first that applies.
    let shard = &state.shards[index];
    if shard.status == ShardStatus::Isolated {
        // (a) [R-RB-1]: the rollback starts; the pipeline follows.
        if let Some(changed) = start_rollback(state, index) {
            events.push(changed);
            events.push(set_pipeline(state, index, PipelineStage::RollingBack));
        }
    } else if shard.pipeline == Some(PipelineStage::ValidatorAdjustment) {
        // (b) [R-PIPE-2].
        events.extend(start_healing(state, index));
    } else if is_verifying(state, index) {
        // (c) [R-HEAL-4].
        events.extend(verify_healing(state, index));
    } else if let Some(changed) = apply_status_change(state, index) {
        // (d) [R-ISO-3]: a shard isolated now moves its pipeline on.
        let isolated = match &changed {
            EngineEvent::StatusChanged {
                shard,
                to: ShardStatus::Isolated,
                ..
            } => Some(usize::from(shard.0)),
            _ => None,
        };
        events.push(changed);
        if let Some(isolated) = isolated {
            events.push(set_pipeline(state, isolated, PipelineStage::Isolated));
        }
    }
    // Step 5 ([R-FAULT-6]).
    events.extend(expire_faults(state, index));
    events
}
