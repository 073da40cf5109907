//! Scenarios too long or too wide for the model checker's configurations,
//! replayed on model and engine in lockstep with every invariant checked
//! after every step.

use mend_conformance::lockstep::report_failure;
use mend_conformance::{Lockstep, RunConfig};
use mend_spec::{
    Action, BlockFault, Checkpoint, Epoch, Evidence, Generation, Height, Params, ParentLink,
    Proposal, Receipt, RollbackPhase, ShardId, ShardStatus, Signature, StateRoot, ValidatorId,
    Vote, XtxId, XtxPrepare, XtxState,
};

fn honest_checkpoint(shard: u16) -> Checkpoint {
    Checkpoint {
        shard: ShardId(shard),
        epoch: Epoch(0),
        height: Height(2),
        root: StateRoot::Block {
            height: Height(2),
            generation: Generation(0),
        },
        parent: ParentLink::Genesis,
    }
}

/// Three blocks, then the honest checkpoint at height 2 finalized by the
/// three honest members of `shard`'s committee.
fn finalize_at_two(shard: u16) -> Vec<Action> {
    let first = shard * 4;
    let checkpoint = honest_checkpoint(shard);
    let mut actions = vec![
        Action::ProduceBlock {
            shard: ShardId(shard),
            fault: BlockFault::None,
        };
        3
    ];
    actions.push(Action::ProposeCheckpoint(Proposal {
        proposer: ValidatorId(first),
        generation: Generation(0),
        checkpoint,
        signature: Signature::Valid,
    }));
    for v in first..first + 3 {
        actions.push(Action::CastVote(Vote {
            validator: ValidatorId(v),
            shard: ShardId(shard),
            epoch: Epoch(0),
            generation: Generation(0),
            checkpoint,
            signature: Signature::Valid,
        }));
    }
    actions
}

/// A receipt from `source`'s Byzantine member (the committee's last) with a
/// root its source never had: Critical evidence against `source`.
fn forged_receipt(source: u16) -> Action {
    Action::SubmitEvidence(Evidence::InvalidReceipt {
        receipt: Receipt {
            signer: ValidatorId(source * 4 + 3),
            source: ShardId(source),
            destination: ShardId(1 - source),
            epoch: Epoch(0),
            generation: Generation(0),
            height: Height(3),
            root: StateRoot::Forged {
                height: Height(3),
                nonce: 0,
            },
            signature: Signature::Valid,
        },
    })
}

fn tick(shard: u16) -> Action {
    Action::AdvanceRollback {
        shard: ShardId(shard),
    }
}

/// [R-RB-2] step 1: both shards of one transaction roll back at once. Shard
/// 0's rollback aborts the transaction; shard 1's restores while shard 0's
/// still holds the locks, because shard 1's step 1 took the transaction
/// onto its own aborted list and its step 2 released them. Every invariant
/// holds at every step (INV-2 (c) first among them) and both renderings
/// agree; at the end both shards are healing and no lock is held.
#[test]
fn both_shards_of_a_transaction_can_roll_back_at_once() {
    let params = Params::default_config();
    let byzantine = vec![ValidatorId(3), ValidatorId(7)];
    let mut actions = finalize_at_two(0);
    actions.extend(finalize_at_two(1));
    actions.push(Action::PrepareXtx(XtxPrepare {
        id: XtxId(0),
        source: ShardId(0),
        destination: ShardId(1),
        key: 1,
    }));
    actions.push(forged_receipt(0));
    actions.push(forged_receipt(1));
    actions.push(Action::AdvanceEpoch { epoch: Epoch(1) });
    actions.push(Action::AdvanceEpoch { epoch: Epoch(2) });
    actions.push(tick(0));
    actions.extend([tick(1), tick(1), tick(1)]);
    actions.extend([tick(0), tick(0), tick(0), tick(0)]);
    actions.extend([tick(1), tick(1)]);
    let run = match Lockstep::run(RunConfig::correct(params, byzantine), &actions) {
        Ok(run) => run,
        Err(failure) => panic!("{}", report_failure(&failure, "scenario-both-shards")),
    };
    for (i, step) in run.model_steps.iter().enumerate() {
        assert!(
            step.outcome.is_accepted(),
            "step {} ({}) was refused: {}",
            i + 1,
            step.action,
            step.outcome
        );
    }
    let end = &run.model_view;
    for shard in &end.shards {
        assert_eq!(shard.status, ShardStatus::Healing, "{}", shard.shard);
        assert!(shard.locks.is_empty(), "{} still holds a lock", shard.shard);
        let rollback = shard.rollback.as_ref().expect("a completed rollback");
        assert_eq!(rollback.phase, RollbackPhase::Completed);
        assert_eq!(rollback.aborted, vec![XtxId(0)]);
    }
    let x = &end.transactions[0];
    assert_eq!(x.source_side.state, XtxState::Aborted);
    assert_eq!(x.destination_side.state, XtxState::Aborted);
}
