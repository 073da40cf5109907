//! Action generators for conformance: the model's own behaviours, plus
//! invalid actions that each break one check of [R-BLK-1], [R-CKPT-7],
//! [R-CKPT-8], [R-FAULT-3], [R-EPOCH-1], [R-XTX-2], [R-XTX-3], [R-RB-2] or
//! [R-HEAL-2],
//! so that both renderings are compared on rejections too.

use mend_model::{CheckpointModel, ModelConfig};
use mend_spec::{
    Action, AuditEntry, BlockClaim, BlockFault, Checkpoint, ClaimContent, Epoch, Evidence,
    Generation, Height, ParentLink, Proposal, Receipt, ShardId, ShardStatus, ShardView, Signature,
    StateRoot, ValidatorId, View, Vote, XtxBallot, XtxDecision, XtxId, XtxPrepare, XtxVote,
};

/// The model's behaviours in `view` (valid and Byzantine attempts alike).
pub fn behaviour_actions(model: &CheckpointModel, view: &View) -> Vec<Action> {
    mend_model::enabled_actions(&model.cfg, view)
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
            generation: root_generation(view, s, height),
        },
        parent,
    })
}

/// The generation whose honest block stands at `height` on the shard's
/// current chain: each rollback began a generation that continues its
/// target's chain ([R-RB-4]), so heights at or below a rollback's target
/// were produced by the generation before it. Read from the view's
/// `Rollback` audit records, which name each target and new generation.
fn root_generation(view: &View, s: &ShardView, height: Height) -> Generation {
    let mut g = s.generation;
    loop {
        let branch = view.audit.iter().find_map(|r| match &r.entry {
            AuditEntry::Rollback {
                shard,
                target,
                generation,
                ..
            } if *shard == s.shard && *generation == g => Some(target.height),
            _ => None,
        });
        match branch {
            Some(at) if height <= at && g.0 > 0 => g = Generation(g.0 - 1),
            _ => return g,
        }
    }
}

/// An xtx id no configuration's catalogue uses.
const FRESH_XTX: XtxId = XtxId(u32::MAX - 1);

/// Cross-shard prepares, votes and rollback ticks that each break one check
/// of [R-XTX-2], [R-XTX-3] or [R-RB-2] in `view` (or are valid, and then
/// both renderings must accept them alike). Votes cover, for every known
/// transaction and participant, both decisions, every breakage, a vote
/// replayed from the previous generation, and a second vote after one was
/// counted.
pub fn invalid_xtx_actions(cfg: &ModelConfig, view: &View) -> Vec<Action> {
    let p = &cfg.params;
    let total = p.validators();
    let unknown_shard = ShardId(p.shards);
    let first = ShardId(0);
    let second = ShardId(1 % p.shards.max(1));
    let key = view.transactions.first().map_or(1, |x| x.key);
    let mut out = vec![
        Action::AdvanceRollback {
            shard: unknown_shard,
        },
        Action::AdvanceHealing {
            shard: unknown_shard,
        },
        Action::PrepareXtx(XtxPrepare {
            id: FRESH_XTX,
            source: unknown_shard,
            destination: first,
            key,
        }),
        Action::PrepareXtx(XtxPrepare {
            id: FRESH_XTX,
            source: first,
            destination: first,
            key,
        }),
        Action::PrepareXtx(XtxPrepare {
            id: FRESH_XTX,
            source: first,
            destination: second,
            key,
        }),
    ];
    for s in &view.shards {
        out.push(Action::AdvanceRollback { shard: s.shard });
        // [R-HEAL-2]: a healing tick for every shard, healing or not, so
        // `NotHealing`, `NotSynced`, `AwaitingEpoch` and `FaultOpen` are
        // compared wherever the view allows them.
        out.push(Action::AdvanceHealing { shard: s.shard });
        let other = ShardId((s.shard.0 + 1) % p.shards.max(1));
        for lock in &s.locks {
            out.push(Action::PrepareXtx(XtxPrepare {
                id: FRESH_XTX,
                source: s.shard,
                destination: other,
                key: lock.key,
            }));
        }
        if !matches!(s.status, ShardStatus::Normal | ShardStatus::Investigating) {
            out.push(Action::PrepareXtx(XtxPrepare {
                id: FRESH_XTX,
                source: other,
                destination: s.shard,
                key: key.wrapping_add(1),
            }));
        }
    }
    for x in &view.transactions {
        out.push(Action::PrepareXtx(XtxPrepare {
            id: x.id,
            source: x.source,
            destination: x.destination,
            key: x.key.wrapping_add(1),
        }));
        for (shard, side) in [
            (x.source, &x.source_side),
            (x.destination, &x.destination_side),
        ] {
            let Some(sv) = view.shards.get(usize::from(shard.0)) else {
                continue;
            };
            let member = sv.committee.first().copied().unwrap_or(ValidatorId(0));
            let non_member = ValidatorId((member.0.wrapping_add(p.committee_size)) % total.max(1));
            for decision in [XtxDecision::Commit, XtxDecision::Abort] {
                let vote = XtxVote {
                    voter: member,
                    id: x.id,
                    shard,
                    generation: sv.generation,
                    decision,
                    signature: Signature::Valid,
                };
                let mut votes = vec![
                    vote,
                    XtxVote {
                        shard: unknown_shard,
                        ..vote
                    },
                    XtxVote {
                        id: FRESH_XTX,
                        ..vote
                    },
                    XtxVote {
                        voter: ValidatorId(total),
                        ..vote
                    },
                    XtxVote {
                        voter: non_member,
                        ..vote
                    },
                    XtxVote {
                        generation: Generation(sv.generation.0 + 1),
                        ..vote
                    },
                    XtxVote {
                        signature: Signature::Corrupt,
                        ..vote
                    },
                    XtxVote {
                        signature: Signature::OtherKey,
                        ..vote
                    },
                ];
                // A vote signed before the last rollback, replayed.
                if let Some(old) = sv.generation.0.checked_sub(1) {
                    votes.push(XtxVote {
                        generation: Generation(old),
                        ..vote
                    });
                }
                // Another member's vote after this side voted: one-shot.
                if side.vote != XtxBallot::Waiting {
                    if let Some(v) = sv.committee.get(1) {
                        votes.push(XtxVote { voter: *v, ..vote });
                    }
                }
                // A third shard is no participant.
                if p.shards > 2 {
                    if let Some(bystander) = (0..p.shards)
                        .map(ShardId)
                        .find(|b| *b != x.source && *b != x.destination)
                    {
                        let committee = &view.shards[usize::from(bystander.0)].committee;
                        votes.push(XtxVote {
                            shard: bystander,
                            voter: committee.first().copied().unwrap_or(member),
                            generation: view.shards[usize::from(bystander.0)].generation,
                            ..vote
                        });
                    }
                }
                out.extend(votes.into_iter().map(Action::CastXtxVote));
            }
        }
    }
    out
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
            BlockFault::Unordered,
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
        out.extend(
            invalid_evidence(cfg, view, s)
                .into_iter()
                .map(Action::SubmitEvidence),
        );
    }
    out.extend(invalid_xtx_actions(cfg, view));
    out.sort();
    out.dedup();
    out
}

/// One way to break a piece of evidence, each aimed at one check of
/// [R-FAULT-3].
#[derive(Clone, Copy, Debug)]
enum Breakage {
    Shard(ShardId),
    Accused(ValidatorId),
    Epoch(Epoch),
    Generation(Generation),
    Height(Height),
    Signature(Signature),
    /// Make the parts disagree (check 2).
    Mismatch,
}

fn break_vote(v: Vote, b: Breakage, second: bool) -> Vote {
    match b {
        Breakage::Shard(shard) => Vote {
            shard,
            checkpoint: Checkpoint {
                shard,
                ..v.checkpoint
            },
            ..v
        },
        Breakage::Accused(validator) => Vote { validator, ..v },
        Breakage::Epoch(epoch) => Vote { epoch, ..v },
        Breakage::Generation(generation) => Vote { generation, ..v },
        Breakage::Height(height) => Vote {
            checkpoint: Checkpoint {
                height,
                ..v.checkpoint
            },
            ..v
        },
        // Only the second vote of a pair is corrupted, so check 10 must
        // look at both.
        Breakage::Signature(signature) if second || signature == Signature::Valid => {
            Vote { signature, ..v }
        }
        Breakage::Signature(_) => v,
        Breakage::Mismatch => Vote {
            checkpoint: Checkpoint {
                height: Height(v.checkpoint.height.0 + 1),
                ..v.checkpoint
            },
            ..v
        },
    }
}

fn break_claim(c: BlockClaim, b: Breakage) -> BlockClaim {
    match b {
        Breakage::Shard(shard) => BlockClaim { shard, ..c },
        Breakage::Accused(producer) => BlockClaim { producer, ..c },
        Breakage::Epoch(epoch) => BlockClaim { epoch, ..c },
        Breakage::Generation(generation) => BlockClaim { generation, ..c },
        Breakage::Height(height) => BlockClaim { height, ..c },
        Breakage::Signature(signature) => BlockClaim { signature, ..c },
        Breakage::Mismatch => c,
    }
}

/// Applies one breakage to a piece of evidence.
fn break_evidence(e: Evidence, b: Breakage) -> Evidence {
    match e {
        Evidence::StateRootMismatch { vote } => {
            let vote = match b {
                // A vote whose checkpoint is of another shard.
                Breakage::Mismatch => Vote {
                    checkpoint: Checkpoint {
                        shard: ShardId(vote.shard.0 ^ 1),
                        ..vote.checkpoint
                    },
                    ..vote
                },
                _ => break_vote(vote, b, true),
            };
            Evidence::StateRootMismatch { vote }
        }
        Evidence::Equivocation { first, second } => Evidence::Equivocation {
            first: match b {
                Breakage::Mismatch => first,
                _ => break_vote(first, b, false),
            },
            second: break_vote(second, b, true),
        },
        Evidence::InvalidReceipt { receipt: r } => Evidence::InvalidReceipt {
            receipt: match b {
                Breakage::Shard(destination) => Receipt { destination, ..r },
                Breakage::Accused(signer) => Receipt { signer, ..r },
                Breakage::Epoch(epoch) => Receipt { epoch, ..r },
                Breakage::Generation(generation) => Receipt { generation, ..r },
                Breakage::Height(height) => Receipt { height, ..r },
                Breakage::Signature(signature) => Receipt { signature, ..r },
                Breakage::Mismatch => Receipt {
                    destination: r.source,
                    ..r
                },
            },
        },
        Evidence::ExecutionFailure { claim } => Evidence::ExecutionFailure {
            claim: break_claim(claim, b),
        },
        Evidence::OrderingViolation { claim } => Evidence::OrderingViolation {
            claim: break_claim(claim, b),
        },
        Evidence::Liveness { shard } => match b {
            Breakage::Shard(shard) => Evidence::Liveness { shard },
            _ => Evidence::Liveness { shard },
        },
        Evidence::CheckpointStateMismatch { proposal: p } => Evidence::CheckpointStateMismatch {
            proposal: match b {
                Breakage::Shard(shard) => Proposal {
                    checkpoint: Checkpoint {
                        shard,
                        ..p.checkpoint
                    },
                    ..p
                },
                Breakage::Accused(proposer) => Proposal { proposer, ..p },
                Breakage::Epoch(epoch) => Proposal {
                    checkpoint: Checkpoint {
                        epoch,
                        ..p.checkpoint
                    },
                    ..p
                },
                Breakage::Generation(generation) => Proposal { generation, ..p },
                Breakage::Height(height) => Proposal {
                    checkpoint: Checkpoint {
                        height,
                        ..p.checkpoint
                    },
                    ..p
                },
                Breakage::Signature(signature) => Proposal { signature, ..p },
                Breakage::Mismatch => p,
            },
        },
    }
}

/// Evidence of each of the seven kinds against `s`, by its Byzantine member
/// and by an honest one, then broken one check of [R-FAULT-3] at a time:
/// each must be rejected alike by both renderings (or accepted alike, when
/// the base itself is valid).
pub fn invalid_evidence(cfg: &ModelConfig, view: &View, s: &ShardView) -> Vec<Evidence> {
    let p = &cfg.params;
    let shard = s.shard;
    let g = s.generation;
    // Honest roots on the current chain carry the generation that produced
    // them, older than `g` below a rollback's target ([R-RB-4]).
    let e = view.epoch;
    let head = s.height;
    let honest = s
        .committee
        .iter()
        .copied()
        .find(|v| !cfg.byzantine.contains(v));
    let byzantine = s
        .committee
        .iter()
        .copied()
        .find(|v| cfg.byzantine.contains(v));
    let link = s
        .latest_finalized()
        .map_or(ParentLink::Genesis, |f| f.checkpoint.parent);
    let vote_height = s
        .latest_finalized()
        .map_or(Height(head.0.max(1)), |f| f.checkpoint.height);
    let forged = |height: Height| StateRoot::Forged { height, nonce: 3 };
    let honest_root = |height: Height| StateRoot::Block {
        height,
        generation: root_generation(view, s, height),
    };
    let vote = |validator, root| Vote {
        validator,
        shard,
        epoch: e,
        generation: g,
        checkpoint: Checkpoint {
            shard,
            epoch: e,
            height: vote_height,
            root,
            parent: link,
        },
        signature: Signature::Valid,
    };
    let claim = |producer, content| BlockClaim {
        producer,
        shard,
        epoch: e,
        generation: g,
        height: Height(head.0 + 1),
        content,
        signature: Signature::Valid,
    };
    let bases = |accused: ValidatorId, faulty: bool| {
        let root = |h| if faulty { forged(h) } else { honest_root(h) };
        vec![
            Evidence::StateRootMismatch {
                vote: vote(accused, root(vote_height)),
            },
            Evidence::Equivocation {
                first: vote(accused, honest_root(vote_height)),
                second: vote(
                    accused,
                    if faulty {
                        forged(vote_height)
                    } else {
                        honest_root(vote_height)
                    },
                ),
            },
            Evidence::InvalidReceipt {
                receipt: Receipt {
                    signer: accused,
                    source: shard,
                    destination: ShardId((shard.0 + 1) % p.shards.max(1)),
                    epoch: e,
                    generation: g,
                    height: Height(head.0.max(1)),
                    root: root(Height(head.0.max(1))),
                    signature: Signature::Valid,
                },
            },
            Evidence::ExecutionFailure {
                claim: claim(
                    accused,
                    if faulty {
                        ClaimContent::WrongRoot
                    } else {
                        ClaimContent::Honest
                    },
                ),
            },
            Evidence::CheckpointStateMismatch {
                proposal: Proposal {
                    proposer: accused,
                    generation: g,
                    checkpoint: Checkpoint {
                        shard,
                        epoch: e,
                        height: Height(head.0.max(1)),
                        root: root(Height(head.0.max(1))),
                        parent: link,
                    },
                    signature: Signature::Valid,
                },
            },
            Evidence::OrderingViolation {
                claim: claim(
                    accused,
                    if faulty {
                        ClaimContent::Unordered
                    } else {
                        ClaimContent::Honest
                    },
                ),
            },
        ]
    };
    let mut out = vec![
        Evidence::Liveness { shard },
        Evidence::Liveness {
            shard: ShardId(p.shards),
        },
    ];
    let non_member = ValidatorId((s.committee[0].0 + p.committee_size) % p.validators().max(1));
    let mut breakages = vec![
        Breakage::Shard(ShardId(p.shards)),
        Breakage::Mismatch,
        Breakage::Accused(ValidatorId(p.validators())),
        Breakage::Accused(non_member),
        Breakage::Epoch(Epoch(e.0 + 1)),
        Breakage::Generation(Generation(g.0 + 1)),
        Breakage::Height(Height(0)),
        Breakage::Height(Height(head.0 + 2)),
        Breakage::Signature(Signature::Corrupt),
        Breakage::Signature(Signature::OtherKey),
    ];
    if let Some(stale) = e.0.checked_sub(p.evidence_age_epochs + 1) {
        breakages.push(Breakage::Epoch(Epoch(stale)));
    }
    if let Some(stale) = head.0.checked_sub(p.evidence_age_blocks) {
        if stale >= 1 {
            breakages.push(Breakage::Height(Height(stale)));
        }
    }
    for (accused, faulty) in [(byzantine, true), (honest, false)] {
        let Some(accused) = accused else { continue };
        for base in bases(accused, faulty) {
            out.push(base);
            out.extend(breakages.iter().map(|b| break_evidence(base, *b)));
        }
    }
    // Faulty content under an honest validator's name exists only as a
    // forgery: never with a valid signature ([R-FAULT-MODEL-1]).
    if let Some(accused) = honest {
        for base in bases(accused, true) {
            for signature in [Signature::Corrupt, Signature::OtherKey] {
                out.push(break_evidence(base, Breakage::Signature(signature)));
            }
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
