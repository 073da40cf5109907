//! Action generators for conformance: the model's own behaviours, plus
//! invalid actions that each break one check of [R-BLK-1], [R-CKPT-7],
//! [R-CKPT-8] or [R-EPOCH-1], so that both renderings are compared on
//! rejections too.

use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{
    Action, BlockFault, Checkpoint, Epoch, Generation, Height, ParentLink, Proposal, ShardId,
    Signature, StateRoot, ValidatorId, View, Vote,
};
use stateright::Model;

/// The model's behaviours in `view` (valid and Byzantine attempts alike).
pub fn behaviour_actions(model: &CheckpointModel, view: &View) -> Vec<Action> {
    let mut actions = Vec::new();
    model.actions(view, &mut actions);
    actions
}

/// The next honest checkpoint of `shard` in `view` (it may lie above the
/// head; then proposing it is rejected with `BeyondHead`).
pub fn next_honest_checkpoint(
    cfg: &ModelConfig,
    view: &View,
    shard: ShardId,
) -> Option<Checkpoint> {
    let s = view.shards.get(usize::from(shard.0))?;
    let n = cfg.params.checkpoint_interval_blocks;
    let (height, parent) = match s.latest_finalized() {
        None => (Height(n), ParentLink::Genesis),
        Some(f) => (
            Height(f.checkpoint.height.0.checked_add(n)?),
            f.checkpoint.link(),
        ),
    };
    Some(Checkpoint {
        shard,
        epoch: view.epoch,
        height,
        root: StateRoot::Block {
            height,
            generation: s.generation,
        },
        parent,
    })
}

/// Invalid actions for `view`: each breaks (at least) one rule. Both
/// renderings must reject them with the same code and change nothing.
pub fn invalid_actions(cfg: &ModelConfig, view: &View) -> Vec<Action> {
    let p = &cfg.params;
    let total = p.validators();
    let unknown_shard = ShardId(p.shards);
    let unknown_validator = ValidatorId(total);
    let mut out = vec![
        Action::ProduceBlock {
            shard: unknown_shard,
            fault: BlockFault::None,
        },
        Action::AdvanceEpoch { epoch: view.epoch },
        Action::AdvanceEpoch {
            epoch: Epoch(view.epoch.0.saturating_add(2)),
        },
    ];
    for s in &view.shards {
        let shard = s.shard;
        for fault in [
            BlockFault::TooManyTransactions,
            BlockFault::WrongHeight,
            BlockFault::WrongParent,
            BlockFault::WrongRoot,
        ] {
            out.push(Action::ProduceBlock { shard, fault });
        }
        let member = s.committee.first().copied().unwrap_or(ValidatorId(0));
        let non_member = ValidatorId((member.0.wrapping_add(p.committee_size)) % total.max(1));
        let Some(next) = next_honest_checkpoint(cfg, view, shard) else {
            continue;
        };
        let proposal = Proposal {
            proposer: member,
            generation: s.generation,
            checkpoint: next,
            signature: Signature::Valid,
        };
        let mut proposals = vec![
            Proposal {
                proposer: unknown_validator,
                ..proposal
            },
            Proposal {
                proposer: non_member,
                ..proposal
            },
            Proposal {
                generation: Generation(s.generation.0 + 1),
                ..proposal
            },
            Proposal {
                signature: Signature::Corrupt,
                ..proposal
            },
            Proposal {
                signature: Signature::OtherKey,
                ..proposal
            },
            Proposal {
                checkpoint: Checkpoint {
                    epoch: Epoch(view.epoch.0 + 1),
                    ..next
                },
                ..proposal
            },
            Proposal {
                checkpoint: Checkpoint {
                    shard: unknown_shard,
                    ..next
                },
                ..proposal
            },
            Proposal {
                checkpoint: Checkpoint {
                    height: Height(next.height.0 + 1),
                    ..next
                },
                ..proposal
            },
            Proposal {
                checkpoint: Checkpoint {
                    parent: ParentLink::Checkpoint {
                        epoch: view.epoch,
                        height: Height(0),
                        root: StateRoot::Forged {
                            height: Height(0),
                            nonce: 9,
                        },
                    },
                    ..next
                },
                ..proposal
            },
        ];
        for pending in &s.pending {
            proposals.push(Proposal {
                checkpoint: pending.checkpoint,
                ..proposal
            });
        }
        // More forgeries than the model's Byzantine behaviour makes, signed
        // by a real member: once `P` checkpoints are pending these hit
        // `TooManyPending` ([R-CKPT-7] check 11), and its order after
        // `Duplicate`.
        for nonce in 1..=2 {
            proposals.push(Proposal {
                checkpoint: Checkpoint {
                    root: StateRoot::Forged {
                        height: next.height,
                        nonce,
                    },
                    ..next
                },
                ..proposal
            });
        }
        out.extend(proposals.into_iter().map(Action::ProposeCheckpoint));

        let mut targets: Vec<Checkpoint> = s.pending.iter().map(|c| c.checkpoint).collect();
        targets.extend(s.finalized.last().map(|f| f.checkpoint));
        targets.push(Checkpoint {
            root: StateRoot::Forged {
                height: next.height,
                nonce: 7,
            },
            ..next
        });
        for target in targets {
            let vote = Vote {
                validator: member,
                shard,
                epoch: view.epoch,
                generation: s.generation,
                checkpoint: target,
                signature: Signature::Valid,
            };
            let mut votes = vec![
                vote,
                Vote {
                    validator: unknown_validator,
                    ..vote
                },
                Vote {
                    validator: non_member,
                    ..vote
                },
                Vote {
                    shard: unknown_shard,
                    ..vote
                },
                Vote {
                    epoch: Epoch(view.epoch.0 + 1),
                    ..vote
                },
                Vote {
                    generation: Generation(s.generation.0 + 1),
                    ..vote
                },
                Vote {
                    signature: Signature::Corrupt,
                    ..vote
                },
                Vote {
                    signature: Signature::OtherKey,
                    ..vote
                },
            ];
            if p.shards > 1 {
                votes.push(Vote {
                    shard: ShardId((shard.0 + 1) % p.shards),
                    ..vote
                });
            }
            if let Some(voted) = s
                .pending
                .iter()
                .find(|c| c.checkpoint == target)
                .and_then(|c| c.votes.first())
            {
                votes.push(Vote {
                    validator: *voted,
                    ..vote
                });
            }
            out.extend(votes.into_iter().map(Action::CastVote));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Picks an action from a fuzzer's or proptest's number: mostly the model's
/// behaviours, one in five an invalid action. `None` when neither exists.
pub fn choose_action(model: &CheckpointModel, view: &View, choice: u32) -> Option<Action> {
    let (kind, index) = (choice % 5, (choice / 5) as usize);
    let valid = behaviour_actions(model, view);
    if kind != 0 && !valid.is_empty() {
        return valid.get(index % valid.len()).copied();
    }
    let invalid = invalid_actions(&model.cfg, view);
    if invalid.is_empty() {
        return valid.get(index % valid.len().max(1)).copied();
    }
    invalid.get(index % invalid.len()).copied()
}
