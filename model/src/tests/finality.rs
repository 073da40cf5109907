//! The checkpoint rules that make a segment of gossiped votes and evidence
//! order-free (`spec/SPEC.md` §11, [R-DET-2]) as one replica sees them:
//! late votes join a certificate until its epoch closes ([R-CKPT-8]
//! checks 9 to 11), a stale sibling stays pending and counts votes
//! ([R-CKPT-8], [R-CKPT-10], [R-CKPT-7] check 12), retention prunes at the
//! boundary ([R-CKPT-9], [R-EPOCH-2]), state-root mismatch is judged
//! against the chain ([R-FAULT-2] kind 1), and the seeded bug
//! `FirstQuorumCertificate` brings back the first-come certificate.
//!
//! Each step goes through [`accept_checked`], so the invariants of §9 see
//! it too: INV-1 allows a certificate to grow only in its checkpoint's
//! epoch and a checkpoint to be pruned only at a boundary.

use super::*;
use crate::rules::is_live;
use mend_spec::{Equivocation, FinalizedCheckpoint, PendingCheckpoint, VoteRejection as V};

fn cast(validator: u16, c: Checkpoint) -> Action {
    Action::CastVote(vote(validator, c))
}

/// Asserts that the vote is refused with `code` (under `cfg`'s bug, if
/// any) and changes nothing.
fn vote_refused(cfg: &ModelConfig, view: &View, v: Vote, code: V) {
    assert_rejected(cfg, view, Action::CastVote(v), Rejection::Vote(code));
}

/// Applies every action with [`accept_checked`]; returns the view and the
/// events of the last one.
fn run_checked(cfg: &ModelConfig, view: &View, actions: &[Action]) -> (View, Vec<Event>) {
    let mut view = view.clone();
    let mut last = vec![];
    for action in actions {
        (last, view) = accept_checked(cfg, &view, *action);
    }
    (view, last)
}

/// Every order of `items`.
fn permutations(items: &[Action]) -> Vec<Vec<Action>> {
    if items.is_empty() {
        return vec![vec![]];
    }
    let mut orders = vec![];
    for (i, first) in items.iter().enumerate() {
        let mut rest = items.to_vec();
        rest.remove(i);
        for mut order in permutations(&rest) {
            order.insert(0, *first);
            orders.push(order);
        }
    }
    orders
}

fn ids(ids: &[u16]) -> Vec<ValidatorId> {
    ids.iter().copied().map(ValidatorId).collect()
}

/// Shard 0 at height 2 in epoch 0 with its honest checkpoint `c` pending,
/// proposed by v0, and the forged `f` beside it, proposed by v3; returns
/// the view, `c` and `f`.
fn with_two_pending(cfg: &ModelConfig) -> (View, Checkpoint, Checkpoint) {
    let c = honest_checkpoint(0, 0, 2, ParentLink::Genesis);
    let f = forged(c, 0);
    let view = run(
        cfg,
        &[
            block(0),
            block(0),
            Action::ProposeCheckpoint(proposal(0, c)),
            Action::ProposeCheckpoint(proposal(3, f)),
        ],
    );
    (view, c, f)
}

#[test]
fn a_late_vote_joins_the_certificate_in_its_epoch_and_is_refused_as_already_finalized_after() {
    let cfg = ModelConfig::finality();
    let (view, c) = finalized_view(&cfg);
    let (late, events) = run_checked(&cfg, &view, &[cast(3, c)]);
    // Counted, and nothing else: the checkpoint is final already.
    assert_eq!(
        events,
        vec![Event::VoteCounted {
            validator: ValidatorId(3),
            checkpoint: c
        }]
    );
    assert_eq!(
        late.shards[0].finalized,
        vec![FinalizedCheckpoint {
            checkpoint: c,
            signers: ids(&[0, 1, 2, 3]),
        }]
    );
    // Check 11 reads the certificate as it reads a pending checkpoint's
    // votes.
    vote_refused(&cfg, &late, vote(3, c), V::Duplicate);
    vote_refused(&cfg, &late, vote(0, c), V::Duplicate);
    // The boundary closes the certificate: in epoch 1 the same validator's
    // vote, signed in the new epoch's domain, is refused by check 9.
    let closed = run_checked(&cfg, &view, &[tick(1)]).0;
    let next_epoch = Vote {
        epoch: Epoch(1),
        ..vote(3, c)
    };
    vote_refused(&cfg, &closed, next_epoch, V::AlreadyFinalized);
    assert_eq!(closed.shards[0].finalized[0].signers, ids(&[0, 1, 2]));
}

#[test]
fn the_certificate_holds_every_vote_of_its_epoch_whatever_the_order_of_arrival() {
    let cfg = ModelConfig::finality();
    let (view, c, f) = with_two_pending(&cfg);
    // v3 votes for both checkpoints at height 2: every order of the five
    // votes gives one view, the certificate of all four members of the
    // committee and the one equivocation ([R-DET-2] items 1 and 2).
    let votes = [cast(0, c), cast(1, c), cast(2, c), cast(3, c), cast(3, f)];
    let orders = permutations(&votes);
    assert_eq!(orders.len(), 120);
    let views: Vec<View> = orders
        .iter()
        .map(|order| run_checked(&cfg, &view, order).0)
        .collect();
    let shard = &views[0].shards[0];
    assert_eq!(shard.finalized.len(), 1);
    assert_eq!(shard.finalized[0].signers, ids(&[0, 1, 2, 3]));
    assert_eq!(
        shard.equivocations,
        vec![Equivocation {
            validator: ValidatorId(3),
            first: c.min(f),
            second: c.max(f),
        }]
    );
    assert!(views.iter().all(|v| *v == views[0]));
}

#[test]
fn a_stale_sibling_stays_pending_counts_votes_and_records_equivocation_but_never_finalizes() {
    let cfg = ModelConfig::finality();
    let (view, c, f) = with_two_pending(&cfg);
    let (view, events) = run_checked(&cfg, &view, &[cast(0, c), cast(1, c), cast(3, c)]);
    assert_eq!(
        events,
        vec![
            Event::VoteCounted {
                validator: ValidatorId(3),
                checkpoint: c
            },
            Event::CheckpointFinalized { checkpoint: c },
        ]
    );
    let shard = &view.shards[0];
    assert_eq!(
        shard.pending,
        vec![PendingCheckpoint {
            checkpoint: f,
            votes: vec![],
        }]
    );
    assert!(!is_live(shard, &f));
    // The rules do not know who is honest: three members' votes give the
    // stale sibling a quorum, and it still does not finalize, since its
    // parent is no longer the latest finalized checkpoint. The votes of v0
    // and v1 conflict with their votes in `c`'s certificate.
    let (view, events) = run_checked(&cfg, &view, &[cast(2, f), cast(0, f)]);
    assert_eq!(
        events,
        vec![
            Event::VoteCounted {
                validator: ValidatorId(0),
                checkpoint: f
            },
            Event::EquivocationRecorded {
                validator: ValidatorId(0),
                checkpoint: f
            },
        ]
    );
    let (view, events) = run_checked(&cfg, &view, &[cast(1, f)]);
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event::CheckpointFinalized { .. })));
    let shard = &view.shards[0];
    assert_eq!(shard.pending[0].votes, ids(&[0, 1, 2]));
    assert_eq!(shard.finalized.len(), 1);
    let pair = |validator| Equivocation {
        validator: ValidatorId(validator),
        first: c.min(f),
        second: c.max(f),
    };
    assert_eq!(shard.equivocations, vec![pair(0), pair(1)]);
    // The boundary expires it with the rest.
    let (events, next) = accept_checked(&cfg, &view, tick(1));
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(1) },
            Event::PendingExpired {
                shard: ShardId(0),
                count: 1
            },
        ]
    );
    assert!(next.shards[0].pending.is_empty());
}

#[test]
fn a_stale_sibling_takes_no_pending_slot() {
    let cfg = ModelConfig::finality();
    assert_eq!(cfg.params.pending_checkpoints_max, 2);
    let (view, c, f) = with_two_pending(&cfg);
    let view = run_checked(
        &cfg,
        &view,
        &[block(0), block(0), cast(0, c), cast(1, c), cast(2, c)],
    )
    .0;
    // `P = 2` live checkpoints at height 4 beside the stale `f`.
    let next = honest_checkpoint(0, 0, 4, c.link());
    let view = run_checked(
        &cfg,
        &view,
        &[
            Action::ProposeCheckpoint(proposal(0, next)),
            Action::ProposeCheckpoint(proposal(3, forged(next, 0))),
        ],
    )
    .0;
    let pending: Vec<Checkpoint> = view.shards[0]
        .pending
        .iter()
        .map(|p| p.checkpoint)
        .collect();
    assert_eq!(pending.len(), 3);
    assert!(pending.contains(&f));
    // A third live one is one too many.
    assert_rejected(
        &cfg,
        &view,
        Action::ProposeCheckpoint(proposal(3, forged(next, 1))),
        Rejection::Proposal(mend_spec::ProposalRejection::TooManyPending),
    );
    // Every pending checkpoint expires at the boundary, stale or live.
    let (events, _) = accept_checked(&cfg, &view, tick(1));
    assert_eq!(
        events[1],
        Event::PendingExpired {
            shard: ShardId(0),
            count: 3
        }
    );
}

#[test]
fn retention_prunes_at_the_boundary_not_at_the_finalization_that_exceeds_k() {
    let cfg = ModelConfig::retention();
    assert_eq!(cfg.params.retention_checkpoints, 2);
    let mut view = run(&cfg, &[block(0); 6]);
    let mut parent = ParentLink::Genesis;
    let mut chain = vec![];
    for height in [2, 4, 6] {
        let c = honest_checkpoint(0, 0, height, parent);
        let (next, events) = run_checked(
            &cfg,
            &view,
            &[
                Action::ProposeCheckpoint(proposal(0, c)),
                cast(0, c),
                cast(1, c),
                cast(2, c),
            ],
        );
        assert_eq!(
            events,
            vec![
                Event::VoteCounted {
                    validator: ValidatorId(2),
                    checkpoint: c
                },
                Event::CheckpointFinalized { checkpoint: c },
            ]
        );
        view = next;
        chain.push(c);
        parent = c.link();
    }
    // `K + 1` retained until the boundary, and the oldest still takes its
    // late vote.
    assert_eq!(view.shards[0].finalized.len(), 3);
    let view = run_checked(&cfg, &view, &[cast(3, chain[0])]).0;
    let (events, next) = accept_checked(&cfg, &view, tick(1));
    assert_eq!(
        events,
        vec![
            Event::EpochAdvanced { epoch: Epoch(1) },
            Event::CheckpointPruned {
                checkpoint: chain[0]
            },
        ]
    );
    let retained: Vec<Checkpoint> = next.shards[0]
        .finalized
        .iter()
        .map(|f| f.checkpoint)
        .collect();
    assert_eq!(retained, chain[1..].to_vec());
}

#[test]
fn state_root_mismatch_is_a_fault_before_the_quorums_votes_arrive() {
    let cfg = ModelConfig::faults();
    let (view, c, f) = with_two_pending(&cfg);
    assert!(view.shards[0].finalized.is_empty());
    let evidence = Evidence::StateRootMismatch { vote: vote(3, f) };
    let expected = fault(FaultKind::StateRootMismatch, Some(3), 0, 2);
    let (found, early) = assert_detected(&cfg, &view, evidence, 0);
    assert_eq!(found, expected);
    // A vote for the honest root is no fault, before or after.
    let honest = Evidence::StateRootMismatch { vote: vote(2, c) };
    assert_refused(&cfg, &view, honest, EvidenceRejection::NotAFault);
    // The evidence and the quorum's votes, in either order, give one view
    // ([R-DET-2] item 4).
    let votes = [cast(0, c), cast(1, c), cast(2, c)];
    let evidence_first = run_checked(&cfg, &early, &votes).0;
    let (quorum_first, _) = run_checked(&cfg, &view, &votes);
    assert_refused(&cfg, &quorum_first, honest, EvidenceRejection::NotAFault);
    let (_, evidence_last) = assert_detected(&cfg, &quorum_first, evidence, 0);
    assert_eq!(evidence_first, evidence_last);
}

#[test]
fn the_count_duplicate_vote_bug_counts_a_repeated_late_vote_in_the_certificate() {
    let cfg = ModelConfig::finality().with_bug(Some(SeededBug::CountDuplicateVote));
    let (view, c) = finalized_view(&cfg);
    let (outcome, next) = apply(&cfg.params, cfg.bug, &view, &cast(1, c));
    assert!(outcome.is_accepted(), "{outcome}");
    assert_eq!(next.shards[0].finalized[0].signers, ids(&[0, 1, 1, 2]));
}

#[test]
fn under_first_quorum_certificate_a_late_vote_is_refused_and_the_certificate_depends_on_the_order()
{
    let cfg = ModelConfig::finality().with_bug(Some(SeededBug::FirstQuorumCertificate));
    let (view, c) = finalized_view(&cfg);
    // The late vote the correct rules count is refused under the bug.
    vote_refused(&cfg, &view, vote(3, c), V::AlreadyFinalized);
    let correct = cfg.clone().with_bug(None);
    assert!(apply(&correct.params, None, &view, &cast(3, c))
        .0
        .is_accepted());
    // So the certificate is whichever `q` votes came first: the same four
    // votes in two orders give two views, which INV-5 compares across
    // replicas.
    let (pending, _, _) = with_two_pending(&cfg);
    let certificate = |order: &[u16]| {
        let mut view = pending.clone();
        for &v in order {
            view = apply(&cfg.params, cfg.bug, &view, &cast(v, c)).1;
        }
        view.shards[0].finalized[0].signers.clone()
    };
    assert_eq!(certificate(&[0, 1, 2, 3]), ids(&[0, 1, 2]));
    assert_eq!(certificate(&[3, 0, 1, 2]), ids(&[0, 1, 3]));
}

#[test]
fn an_honest_member_that_has_not_voted_casts_a_late_vote_only_in_the_checkpoints_epoch() {
    let cfg = ModelConfig::finality();
    let (view, c, _) = with_two_pending(&cfg);
    let view = run_checked(&cfg, &view, &[cast(0, c), cast(1, c), cast(3, c)]).0;
    assert_eq!(view.shards[0].finalized[0].signers, ids(&[0, 1, 3]));
    let enabled = enabled_actions(&cfg, &view);
    // v2, honest, has not voted at height 2: its vote may arrive now.
    assert!(enabled.contains(&cast(2, c)));
    assert!(!enabled.iter().any(|a| is_vote_by(a, 0) || is_vote_by(a, 1)));
    // After the boundary no honest member votes for it; the Byzantine
    // member still tries, and check 9 refuses it.
    let closed = run_checked(&cfg, &view, &[tick(1)]).0;
    let late: Vec<Vote> = enabled_actions(&cfg, &closed)
        .into_iter()
        .filter_map(|a| match a {
            Action::CastVote(v) if v.checkpoint == c => Some(v),
            _ => None,
        })
        .collect();
    assert!(late.iter().any(|v| v.validator == ValidatorId(3)));
    for v in late {
        assert!(cfg.is_byzantine(v.validator), "{v:?}");
        let code = if closed.shards[0].committee.contains(&v.validator) {
            V::AlreadyFinalized
        } else {
            V::NotMember
        };
        vote_refused(&cfg, &closed, v, code);
    }
}
