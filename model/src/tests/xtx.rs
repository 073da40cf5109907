//! The rules of cross-shard transactions ([R-XTX-1] .. [R-XTX-6]): prepare
//! and its rejections, votes and their rejections, maturity, commit and
//! abort with their lock releases, and the seeded bug
//! `ReceiptBeforeFinal`.

use super::*;
use crate::rules::xtx::is_mature;
use mend_spec::{
    Lock, PrepareRejection as P, XtxBallot, XtxSide, XtxState, XtxView, XtxVoteRejection as V,
};

/// Two shards with the default parameters ([`ModelConfig::rollback`]).
fn cfg() -> ModelConfig {
    ModelConfig::rollback()
}

/// Three shards of four: committees v0..v3, v4..v7, v8..v11.
fn cfg3() -> ModelConfig {
    ModelConfig::large(3, 4)
}

fn side(height: u64, vote: XtxBallot, state: XtxState) -> XtxSide {
    XtxSide {
        height: Height(height),
        generation: Generation(0),
        vote,
        state,
    }
}

fn cast(vote: XtxVote) -> Action {
    Action::CastXtxVote(vote)
}

fn prepare_refused(cfg: &ModelConfig, view: &View, action: Action, code: P) {
    assert_rejected(cfg, view, action, Rejection::Prepare(code));
}

fn vote_refused(cfg: &ModelConfig, view: &View, vote: XtxVote, code: V) {
    assert_rejected(cfg, view, cast(vote), Rejection::XtxVote(code));
}

#[test]
fn a_prepare_records_both_sides_at_their_heads_and_locks_the_key_on_both_shards() {
    let cfg = cfg();
    let view = run(&cfg, &[block(0)]);
    let (events, next) = accept_checked(&cfg, &view, prepare(4, 0, 1, 7));
    assert_eq!(events, vec![Event::XtxPrepared { id: XtxId(4) }]);
    let x = XtxView {
        id: XtxId(4),
        source: ShardId(0),
        destination: ShardId(1),
        key: 7,
        source_side: side(1, XtxBallot::Waiting, XtxState::Prepared),
        destination_side: side(0, XtxBallot::Waiting, XtxState::Prepared),
    };
    let mut expected = view.clone();
    expected.transactions = vec![x];
    for shard in &mut expected.shards {
        shard.locks = vec![Lock {
            key: 7,
            xtx: XtxId(4),
        }];
    }
    assert_eq!(next, expected);
}

#[test]
fn transactions_stay_ascending_by_id_and_locks_ascending_by_key() {
    let cfg = cfg();
    let view = run(&cfg, &[prepare(5, 0, 1, 9), prepare(2, 1, 0, 3)]);
    let ids: Vec<XtxId> = view.transactions.iter().map(|x| x.id).collect();
    assert_eq!(ids, vec![XtxId(2), XtxId(5)]);
    for shard in &view.shards {
        assert_eq!(
            shard.locks,
            vec![
                Lock {
                    key: 3,
                    xtx: XtxId(2)
                },
                Lock {
                    key: 9,
                    xtx: XtxId(5)
                },
            ]
        );
    }
}

#[test]
fn every_prepare_rejection_leaves_the_view_unchanged() {
    let cfg = cfg3();
    let view = run(&cfg, &[prepare(0, 0, 1, 7)]);
    prepare_refused(&cfg, &view, prepare(1, 3, 1, 8), P::UnknownShard);
    prepare_refused(&cfg, &view, prepare(1, 0, 3, 8), P::UnknownShard);
    prepare_refused(&cfg, &view, prepare(1, 2, 2, 8), P::SameShard);
    prepare_refused(&cfg, &view, prepare(0, 1, 2, 8), P::Duplicate);
    // An id stays taken once its xtx finished: ids are never reused.
    let aborted = run_from(
        &cfg,
        &view,
        &[cast(xtx_vote(0, 0, 0, 0, XtxDecision::Abort))],
    );
    prepare_refused(&cfg, &aborted, prepare(0, 1, 2, 8), P::Duplicate);
    // Either shard not taking new transactions ([R-XTX-6]). Statuses are
    // set by hand: the check reads nothing else.
    for status in [
        ShardStatus::Frozen,
        ShardStatus::Isolated,
        ShardStatus::Recovering,
        ShardStatus::Healing,
    ] {
        for index in [1, 2] {
            let mut unavailable = view.clone();
            unavailable.shards[index].status = status;
            prepare_refused(&cfg, &unavailable, prepare(1, 1, 2, 8), P::ShardUnavailable);
        }
    }
    // Key 7 is locked on shards 0 and 1: on the source only, on the
    // destination only, on both.
    prepare_refused(&cfg, &view, prepare(1, 1, 2, 7), P::KeyLocked);
    prepare_refused(&cfg, &view, prepare(1, 2, 0, 7), P::KeyLocked);
    prepare_refused(&cfg, &view, prepare(1, 1, 0, 7), P::KeyLocked);
    // Another key, or key 7 between shards that do not hold it, is free.
    accept_checked(&cfg, &view, prepare(1, 1, 0, 8));
    let mut investigating = view.clone();
    investigating.shards[2].status = ShardStatus::Investigating;
    accept_checked(&cfg, &investigating, prepare(1, 2, 1, 8));
}

#[test]
fn a_prepare_with_several_defects_gets_the_first_code() {
    let cfg = cfg();
    let mut view = run(&cfg, &[prepare(0, 0, 1, 7)]);
    view.shards[1].status = ShardStatus::Frozen;
    // Unknown, the same shard twice, a duplicate id, an unavailable shard
    // and a locked key, each dropped in turn.
    prepare_refused(&cfg, &view, prepare(0, 2, 2, 7), P::UnknownShard);
    prepare_refused(&cfg, &view, prepare(0, 1, 1, 7), P::SameShard);
    prepare_refused(&cfg, &view, prepare(0, 0, 1, 7), P::Duplicate);
    prepare_refused(&cfg, &view, prepare(1, 0, 1, 7), P::ShardUnavailable);
    view.shards[1].status = ShardStatus::Normal;
    prepare_refused(&cfg, &view, prepare(1, 0, 1, 7), P::KeyLocked);
}

#[test]
fn every_xtx_vote_rejection_leaves_the_view_unchanged() {
    let cfg = cfg3();
    let view = run(&cfg, &[prepare(0, 0, 1, 7)]);
    let ok = xtx_vote(0, 0, 0, 0, XtxDecision::Commit);
    let v = |f: &dyn Fn(&mut XtxVote)| {
        let mut v = ok;
        f(&mut v);
        v
    };
    vote_refused(&cfg, &view, v(&|v| v.shard = ShardId(3)), V::UnknownShard);
    vote_refused(&cfg, &view, v(&|v| v.id = XtxId(9)), V::UnknownXtx);
    vote_refused(
        &cfg,
        &view,
        v(&|v| {
            v.shard = ShardId(2);
            v.voter = ValidatorId(8);
        }),
        V::NotParticipant,
    );
    vote_refused(
        &cfg,
        &view,
        v(&|v| v.voter = ValidatorId(12)),
        V::UnknownValidator,
    );
    vote_refused(&cfg, &view, v(&|v| v.voter = ValidatorId(4)), V::NotMember);
    vote_refused(
        &cfg,
        &view,
        v(&|v| v.generation = Generation(1)),
        V::WrongGeneration,
    );
    vote_refused(
        &cfg,
        &view,
        v(&|v| v.signature = Signature::Corrupt),
        V::BadSignature,
    );
    vote_refused(
        &cfg,
        &view,
        v(&|v| v.signature = Signature::OtherKey),
        V::BadSignature,
    );
    // One-shot: a side that voted refuses a second vote, of either kind.
    let voted = run_from(&cfg, &view, &[cast(ok)]);
    vote_refused(&cfg, &voted, ok, V::Duplicate);
    vote_refused(
        &cfg,
        &voted,
        v(&|v| {
            v.voter = ValidatorId(1);
            v.decision = XtxDecision::Abort;
        }),
        V::Duplicate,
    );
    // A finished xtx takes no vote on either side.
    let aborted = run_from(
        &cfg,
        &view,
        &[cast(xtx_vote(4, 0, 1, 0, XtxDecision::Abort))],
    );
    vote_refused(&cfg, &aborted, ok, V::Finished);
    vote_refused(
        &cfg,
        &aborted,
        xtx_vote(5, 0, 1, 0, XtxDecision::Commit),
        V::Finished,
    );
    // Either participant isolated, recovering or healing ([R-XTX-6]);
    // statuses set by hand, the check reads nothing else.
    for status in [
        ShardStatus::Isolated,
        ShardStatus::Recovering,
        ShardStatus::Healing,
    ] {
        for index in [0, 1] {
            let mut unavailable = view.clone();
            unavailable.shards[index].status = status;
            vote_refused(&cfg, &unavailable, ok, V::ShardUnavailable);
            vote_refused(
                &cfg,
                &unavailable,
                v(&|v| v.decision = XtxDecision::Abort),
                V::ShardUnavailable,
            );
        }
    }
    // A third shard's status does not matter.
    let mut elsewhere = view.clone();
    elsewhere.shards[2].status = ShardStatus::Isolated;
    accept_checked(&cfg, &elsewhere, cast(ok));
    // Immature source side, then immature destination side.
    let source_ahead = run(&cfg, &[block(0), prepare(0, 0, 1, 7)]);
    vote_refused(&cfg, &source_ahead, ok, V::Immature);
    vote_refused(
        &cfg,
        &source_ahead,
        xtx_vote(4, 0, 1, 0, XtxDecision::Commit),
        V::Immature,
    );
    let destination_ahead = run(&cfg, &[block(1), prepare(0, 0, 1, 7)]);
    vote_refused(&cfg, &destination_ahead, ok, V::Immature);
    // An abort needs no maturity.
    accept_checked(
        &cfg,
        &source_ahead,
        cast(v(&|v| v.decision = XtxDecision::Abort)),
    );
}

#[test]
fn an_xtx_vote_with_several_defects_gets_the_first_code() {
    let cfg = cfg3();
    let mut view = run(&cfg, &[block(0), prepare(0, 0, 1, 7)]);
    view.shards[1].status = ShardStatus::Isolated;
    let mut vote = xtx_vote(4, 0, 0, 1, XtxDecision::Commit);
    vote.signature = Signature::Corrupt;
    // Not a member, wrong generation, bad signature, unavailable, immature.
    vote_refused(&cfg, &view, vote, V::NotMember);
    vote.voter = ValidatorId(0);
    vote_refused(&cfg, &view, vote, V::WrongGeneration);
    vote.generation = Generation(0);
    vote_refused(&cfg, &view, vote, V::BadSignature);
    vote.signature = Signature::Valid;
    vote_refused(&cfg, &view, vote, V::ShardUnavailable);
    view.shards[1].status = ShardStatus::Normal;
    vote_refused(&cfg, &view, vote, V::Immature);
    // The participant check comes before the voter checks.
    vote.shard = ShardId(2);
    vote_refused(&cfg, &view, vote, V::NotParticipant);
}

#[test]
fn a_side_is_mature_at_height_zero_or_below_a_retained_finalized_checkpoint() {
    let cfg = cfg();
    let (view, _) = finalized_view(&cfg);
    let shard = &view.shards[0];
    assert!(is_mature(shard, Height(0)));
    assert!(is_mature(shard, Height(1)));
    assert!(is_mature(shard, Height(2)));
    assert!(!is_mature(shard, Height(3)));
    assert!(is_mature(&view.shards[1], Height(0)));
    assert!(!is_mature(&view.shards[1], Height(1)));
}

#[test]
fn a_commit_waits_for_its_source_height_to_be_finalized() {
    let cfg = cfg();
    let c = honest_checkpoint(0, 0, 2, ParentLink::Genesis);
    let view = run(&cfg, &[block(0), block(0), prepare(0, 0, 1, 7)]);
    let commit = xtx_vote(0, 0, 0, 0, XtxDecision::Commit);
    vote_refused(&cfg, &view, commit, V::Immature);
    // A premature vote is refused, not kept: the same vote counts once
    // the checkpoint at the side's height is finalized.
    let finalized = run_from(
        &cfg,
        &view,
        &[
            Action::ProposeCheckpoint(proposal(0, c)),
            Action::CastVote(vote(0, c)),
            Action::CastVote(vote(1, c)),
            Action::CastVote(vote(2, c)),
        ],
    );
    let (events, _) = accept_checked(&cfg, &finalized, cast(commit));
    assert_eq!(
        events,
        vec![Event::XtxVoteCounted {
            id: XtxId(0),
            shard: ShardId(0),
            decision: XtxDecision::Commit,
        }]
    );
}

#[test]
fn two_commit_votes_commit_both_sides_and_release_both_locks_in_shard_order() {
    let cfg = cfg();
    let view = run(&cfg, &[prepare(0, 0, 1, 7)]);
    // The destination votes first; the release order is by shard anyway.
    let (events, first) =
        accept_checked(&cfg, &view, cast(xtx_vote(4, 0, 1, 0, XtxDecision::Commit)));
    assert_eq!(
        events,
        vec![Event::XtxVoteCounted {
            id: XtxId(0),
            shard: ShardId(1),
            decision: XtxDecision::Commit,
        }]
    );
    assert_eq!(
        first.transactions[0].destination_side,
        side(0, XtxBallot::Commit, XtxState::Prepared)
    );
    assert_eq!(first.shards[0].locks, view.shards[0].locks);
    let (events, committed) = accept_checked(
        &cfg,
        &first,
        cast(xtx_vote(0, 0, 0, 0, XtxDecision::Commit)),
    );
    assert_eq!(
        events,
        vec![
            Event::XtxVoteCounted {
                id: XtxId(0),
                shard: ShardId(0),
                decision: XtxDecision::Commit,
            },
            Event::XtxCommitted { id: XtxId(0) },
            Event::LockReleased {
                shard: ShardId(0),
                key: 7,
                xtx: XtxId(0),
            },
            Event::LockReleased {
                shard: ShardId(1),
                key: 7,
                xtx: XtxId(0),
            },
        ]
    );
    let x = &committed.transactions[0];
    assert_eq!(
        x.source_side,
        side(0, XtxBallot::Commit, XtxState::Committed)
    );
    assert_eq!(
        x.destination_side,
        side(0, XtxBallot::Commit, XtxState::Committed)
    );
    assert!(committed.shards.iter().all(|s| s.locks.is_empty()));
    // The key is free again, for a new id.
    accept_checked(&cfg, &committed, prepare(1, 1, 0, 7));
}

#[test]
fn an_abort_vote_aborts_both_sides_even_after_a_commit_vote() {
    let cfg = cfg();
    let view = run(
        &cfg,
        &[
            prepare(0, 0, 1, 7),
            cast(xtx_vote(0, 0, 0, 0, XtxDecision::Commit)),
        ],
    );
    let (events, aborted) =
        accept_checked(&cfg, &view, cast(xtx_vote(5, 0, 1, 0, XtxDecision::Abort)));
    assert_eq!(
        events,
        vec![
            Event::XtxVoteCounted {
                id: XtxId(0),
                shard: ShardId(1),
                decision: XtxDecision::Abort,
            },
            Event::XtxAborted { id: XtxId(0) },
            Event::LockReleased {
                shard: ShardId(0),
                key: 7,
                xtx: XtxId(0),
            },
            Event::LockReleased {
                shard: ShardId(1),
                key: 7,
                xtx: XtxId(0),
            },
        ]
    );
    let x = &aborted.transactions[0];
    assert_eq!(x.source_side, side(0, XtxBallot::Commit, XtxState::Aborted));
    assert_eq!(
        x.destination_side,
        side(0, XtxBallot::Abort, XtxState::Aborted)
    );
    assert!(aborted.shards.iter().all(|s| s.locks.is_empty()));
}

#[test]
fn releasing_an_xtx_leaves_the_locks_of_the_others() {
    let cfg = cfg3();
    let view = run(&cfg, &[prepare(0, 0, 1, 7), prepare(1, 1, 2, 3)]);
    let (_, next) = accept_checked(&cfg, &view, cast(xtx_vote(4, 0, 1, 0, XtxDecision::Abort)));
    assert!(next.shards[0].locks.is_empty());
    let held = vec![Lock {
        key: 3,
        xtx: XtxId(1),
    }];
    assert_eq!(next.shards[1].locks, held);
    assert_eq!(next.shards[2].locks, held);
}

#[test]
fn a_frozen_shard_takes_no_new_xtx_but_finishes_those_in_flight() {
    let cfg = cfg();
    let execution_failure = submit(Evidence::ExecutionFailure {
        claim: claim(3, 0, 0, 1, ClaimContent::WrongRoot),
    });
    let view = run(&cfg, &[prepare(0, 0, 1, 7), execution_failure, tick(1)]);
    assert_eq!(view.shards[0].status, ShardStatus::Frozen);
    prepare_refused(&cfg, &view, prepare(1, 1, 0, 8), P::ShardUnavailable);
    let (_, next) = accept_checked(&cfg, &view, cast(xtx_vote(0, 0, 0, 0, XtxDecision::Commit)));
    let (events, _) = accept_checked(&cfg, &next, cast(xtx_vote(4, 0, 1, 0, XtxDecision::Commit)));
    assert!(events.contains(&Event::XtxCommitted { id: XtxId(0) }));
}

#[test]
fn receipt_before_final_commits_with_an_immature_source_but_not_an_immature_destination() {
    let buggy = cfg().with_bug(Some(SeededBug::ReceiptBeforeFinal));
    let view = run(&buggy, &[block(0), prepare(0, 0, 1, 7)]);
    let votes = [
        cast(xtx_vote(0, 0, 0, 0, XtxDecision::Commit)),
        cast(xtx_vote(4, 0, 1, 0, XtxDecision::Commit)),
    ];
    let committed = run_from(&buggy, &view, &votes);
    assert_eq!(
        committed.transactions[0].source_side.state,
        XtxState::Committed
    );
    assert!(matches!(
        mend_spec::check_view(&committed, &buggy.params, &buggy.byzantine),
        Err(mend_spec::Violation::CommittedBeforeFinal { .. })
    ));
    // The destination side is still checked.
    let destination_ahead = run(&buggy, &[block(1), prepare(0, 0, 1, 7)]);
    vote_refused(
        &buggy,
        &destination_ahead,
        xtx_vote(0, 0, 0, 0, XtxDecision::Commit),
        V::Immature,
    );
    // Without the bug the first vote is refused.
    vote_refused(
        &cfg(),
        &view,
        xtx_vote(0, 0, 0, 0, XtxDecision::Commit),
        V::Immature,
    );
}

#[test]
fn the_configuration_enables_prepares_and_first_honest_votes_in_a_fixed_order() {
    let cfg = ModelConfig::rollback();
    let init = init_view(&cfg.params);
    let prepares: Vec<Action> = enabled_actions(&cfg, &init)
        .into_iter()
        .filter(|a| matches!(a, Action::PrepareXtx(_)))
        .collect();
    assert_eq!(prepares, vec![prepare(0, 0, 1, 0)]);
    let view = run(&cfg, &[prepare(0, 0, 1, 0)]);
    let votes: Vec<Action> = enabled_actions(&cfg, &view)
        .into_iter()
        .filter(|a| matches!(a, Action::CastXtxVote(_)))
        .collect();
    assert_eq!(
        votes,
        vec![
            cast(xtx_vote(0, 0, 0, 0, XtxDecision::Commit)),
            cast(xtx_vote(0, 0, 0, 0, XtxDecision::Abort)),
            cast(xtx_vote(4, 0, 1, 0, XtxDecision::Commit)),
            cast(xtx_vote(4, 0, 1, 0, XtxDecision::Abort)),
        ]
    );
    // Once the xtx finished, no vote on it is enabled.
    let done = run_from(&cfg, &view, &[votes[1]]);
    assert!(!enabled_actions(&cfg, &done)
        .iter()
        .any(|a| matches!(a, Action::CastXtxVote(_))));
    // Every member votes in the large configuration.
    let large = ModelConfig::large(2, 4);
    let view = run(&large, &[prepare(0, 0, 1, 0)]);
    let voters: std::collections::BTreeSet<ValidatorId> = enabled_actions(&large, &view)
        .into_iter()
        .filter_map(|a| match a {
            Action::CastXtxVote(v) => Some(v.voter),
            _ => None,
        })
        .collect();
    assert_eq!(voters.len(), 8);
}
