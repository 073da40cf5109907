//! The rules that a seeded bug can make wrong, in one place
//! ([R-CKPT-6], [R-CKPT-7] check 7, [R-CKPT-8] checks 4 and 10, [R-FAULT-3]
//! check 10, [R-ISO-3], [R-AUDIT-1]).
//!
//! A seeded bug (`mend_spec::SeededBug`) is a deliberately wrong rule that
//! proves an invariant check can fail. The engine takes one only when built
//! with the `seeded-bugs` feature; in a normal build [`Rules`] has no field
//! at all, every method below is the honest rule, and no code path can reach
//! a wrong one. The rest of the engine asks [`Rules`] instead of testing for
//! a bug, so the wrong rules stay out of sight of the honest code.

#[cfg(feature = "seeded-bugs")]
use mend_spec::SeededBug;
use mend_spec::{compute_quorum, Height};

/// The rule set the engine runs with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Rules {
    #[cfg(feature = "seeded-bugs")]
    bug: Option<SeededBug>,
}

/// Whether check 7 of [R-CKPT-7] passes for a proposed height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HeightVerdict {
    Accepted,
    /// `expected` is `None` once the next height would overflow.
    Refused {
        expected: Option<Height>,
    },
}

impl Rules {
    /// The rules of SPEC.md, with no bug.
    pub(crate) const HONEST: Rules = Rules {
        #[cfg(feature = "seeded-bugs")]
        bug: None,
    };

    /// The rules with `bug` seeded (or honest for `None`).
    #[cfg(feature = "seeded-bugs")]
    pub(crate) fn seeded(bug: Option<SeededBug>) -> Rules {
        Rules { bug }
    }

    #[cfg(feature = "seeded-bugs")]
    fn is_seeded(self, bug: SeededBug) -> bool {
        self.bug == Some(bug)
    }

    /// [R-CKPT-6] How many counted votes finalize a checkpoint of a committee
    /// of `committee_size`: the quorum `floor(2n/3) + 1`.
    pub(crate) fn finalization_threshold(self, committee_size: usize) -> usize {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::QuorumOfTwoF) {
            // Seeded bug: 2f instead of 2f + 1.
            return 2 * mend_spec::compute_fault_tolerance(committee_size);
        }
        compute_quorum(committee_size)
    }

    /// [R-CKPT-7] check 7: the proposed height must be the next checkpoint
    /// height ([R-CKPT-1]).
    pub(crate) fn check_checkpoint_height(
        self,
        proposed: Height,
        next: Option<Height>,
        interval_blocks: u64,
    ) -> HeightVerdict {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::RefinalizeHeight) {
            // Seeded bug: any positive multiple of N, even a finalized one.
            return if proposed.0 > 0 && proposed.0.checked_rem(interval_blocks) == Some(0) {
                HeightVerdict::Accepted
            } else {
                HeightVerdict::Refused { expected: next }
            };
        }
        // The interval only matters to the seeded rule above.
        let _ = interval_blocks;
        if Some(proposed) == next {
            HeightVerdict::Accepted
        } else {
            HeightVerdict::Refused { expected: next }
        }
    }

    /// [R-CKPT-8] check 4: whether a vote from outside the committee is
    /// refused.
    pub(crate) fn is_non_member_vote_refused(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::CountNonMemberVote) {
            return false;
        }
        true
    }

    /// [R-CKPT-8] check 10: whether a second vote of one validator for one
    /// checkpoint is refused.
    pub(crate) fn is_duplicate_vote_refused(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::CountDuplicateVote) {
            return false;
        }
        true
    }

    /// [R-FAULT-3] check 10: whether evidence signatures are verified.
    pub(crate) fn is_evidence_signature_checked(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::AcceptUnsignedEvidence) {
            return false;
        }
        true
    }

    /// [R-ISO-3], [R-AUDIT-1]: whether a status change appends its audit
    /// record.
    pub(crate) fn is_status_change_audited(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::SilentStatusChange) {
            return false;
        }
        true
    }

    /// [R-ISO-3]: the index of the shard that the status change decided by
    /// the faults of shard `index` (of `shards`) is applied to: itself.
    pub(crate) fn status_change_shard(self, index: usize, shards: usize) -> usize {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::IsolateWrongShard) {
            // Seeded bug: the next shard, wrapping around.
            return (index + 1) % shards.max(1);
        }
        // The shard count only matters to the seeded rule above.
        let _ = shards;
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_honest_threshold_is_the_quorum() {
        for n in 4..=64 {
            assert_eq!(Rules::HONEST.finalization_threshold(n), compute_quorum(n));
        }
    }

    #[test]
    fn the_honest_height_rule_accepts_only_the_next_checkpoint_height() {
        let next = Some(Height(4));
        assert_eq!(
            Rules::HONEST.check_checkpoint_height(Height(4), next, 2),
            HeightVerdict::Accepted
        );
        for proposed in [0, 2, 6, 8] {
            assert_eq!(
                Rules::HONEST.check_checkpoint_height(Height(proposed), next, 2),
                HeightVerdict::Refused { expected: next }
            );
        }
    }

    #[test]
    fn the_honest_rules_refuse_non_members_and_duplicates() {
        assert!(Rules::HONEST.is_non_member_vote_refused());
        assert!(Rules::HONEST.is_duplicate_vote_refused());
    }

    #[test]
    fn the_honest_rules_check_evidence_and_audit_the_shard_that_is_faulty() {
        assert!(Rules::HONEST.is_evidence_signature_checked());
        assert!(Rules::HONEST.is_status_change_audited());
        for index in 0..4 {
            assert_eq!(Rules::HONEST.status_change_shard(index, 4), index);
        }
    }

    #[cfg(feature = "seeded-bugs")]
    #[test]
    fn each_seeded_bug_changes_exactly_its_own_rule() {
        for bug in SeededBug::ALL {
            let rules = Rules::seeded(Some(bug));
            assert_eq!(
                rules.finalization_threshold(4) == 2,
                bug == SeededBug::QuorumOfTwoF
            );
            assert_eq!(
                rules.check_checkpoint_height(Height(2), Some(Height(4)), 2)
                    == HeightVerdict::Accepted,
                bug == SeededBug::RefinalizeHeight
            );
            assert_eq!(
                !rules.is_non_member_vote_refused(),
                bug == SeededBug::CountNonMemberVote
            );
            assert_eq!(
                !rules.is_duplicate_vote_refused(),
                bug == SeededBug::CountDuplicateVote
            );
            assert_eq!(
                !rules.is_evidence_signature_checked(),
                bug == SeededBug::AcceptUnsignedEvidence
            );
            assert_eq!(
                !rules.is_status_change_audited(),
                bug == SeededBug::SilentStatusChange
            );
            assert_eq!(
                rules.status_change_shard(1, 2) != 1,
                bug == SeededBug::IsolateWrongShard
            );
        }
        assert_eq!(Rules::seeded(None), Rules::HONEST);
    }

    #[cfg(feature = "seeded-bugs")]
    #[test]
    fn the_refinalize_bug_still_refuses_heights_that_are_not_multiples_of_n() {
        let rules = Rules::seeded(Some(SeededBug::RefinalizeHeight));
        for proposed in [0, 1, 3, 5] {
            assert_eq!(
                rules.check_checkpoint_height(Height(proposed), Some(Height(4)), 2),
                HeightVerdict::Refused {
                    expected: Some(Height(4))
                }
            );
        }
    }
}

/// Each seeded bug, run through the whole engine: the wrong rule shows up in
/// the view, where the spec's invariant checks look for it.
#[cfg(all(test, feature = "seeded-bugs"))]
mod seeded_engine_tests {
    use crate::crypto::compute_checkpoint_id;
    use crate::outcome::EngineEvent;
    use crate::testkit::{test_keys, Harness};
    use crate::wire::{CheckpointBody, Evidence, Message};
    use crate::Engine;
    use mend_spec::{FaultKind, Height, Params, SeededBug, ShardId, ShardStatus, ValidatorId};

    /// Shard 0 with two blocks and an open High fault (an equivocation by
    /// its Byzantine member), just before the boundary.
    fn with_open_fault(bug: SeededBug) -> Harness {
        let mut h = Harness::with_bug(Params::default_config(), bug);
        h.produce_blocks(ShardId(0), 2);
        let evidence = h.evidence(
            FaultKind::ValidatorEquivocation,
            ShardId(0),
            ValidatorId(3),
            Height(2),
        );
        h.engine.apply(&Message::Evidence(evidence)).unwrap();
        h
    }

    #[test]
    fn silent_status_change_freezes_the_shard_without_an_audit_record() {
        let mut h = with_open_fault(SeededBug::SilentStatusChange);
        let events = h.advance_epoch();
        assert!(events
            .iter()
            .any(|e| matches!(e, EngineEvent::StatusChanged { .. })));
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].status, ShardStatus::Frozen);
        assert!(view.audit.is_empty());
    }

    #[test]
    fn accept_unsigned_evidence_opens_a_fault_on_a_corrupt_signature() {
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::AcceptUnsignedEvidence);
        h.produce_blocks(ShardId(0), 2);
        let Evidence::CheckpointStateMismatch(mut proposal) = h.evidence(
            FaultKind::CheckpointStateMismatch,
            ShardId(0),
            ValidatorId(1),
            Height(2),
        ) else {
            unreachable!()
        };
        proposal.signature.0[0] ^= 1;
        let message = Message::Evidence(Evidence::CheckpointStateMismatch(proposal));
        assert!(h.engine.apply(&message).is_ok());
        // An honest validator is now accused.
        assert_eq!(
            h.engine.snapshot().shards[0].faults[0].accused,
            Some(ValidatorId(1))
        );
    }

    #[test]
    fn isolate_wrong_shard_freezes_the_next_shard_with_its_record() {
        let mut h = with_open_fault(SeededBug::IsolateWrongShard);
        let events = h.advance_epoch();
        assert!(events.iter().any(|e| matches!(
            e,
            EngineEvent::StatusChanged {
                shard: ShardId(1),
                from: ShardStatus::Normal,
                to: ShardStatus::Frozen,
                ..
            }
        )));
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].status, ShardStatus::Normal);
        assert_eq!(view.shards[1].status, ShardStatus::Frozen);
        assert_eq!(view.audit.len(), 1);
        assert_eq!(h.engine.verify_audit_chain(), Ok(()));
        // The record is consistent with the shard it names: the bug shows in
        // the view, not as a malformed record.
        let crate::audit::AuditEntry::StatusChange { shard, cause, .. } =
            view.audit[0].record.entry;
        assert_eq!(shard, ShardId(1));
        assert_eq!(
            cause,
            crate::crypto::compute_fault_id(ShardId(1), &view.audit[0].cause)
        );
    }

    #[test]
    fn no_seeded_bug_is_the_honest_engine() {
        let params = Params::default_config();
        assert_eq!(
            Engine::with_seeded_bug(params, test_keys(&params), None),
            Engine::new(params, test_keys(&params))
        );
    }

    #[test]
    fn quorum_of_two_f_finalizes_with_two_votes_of_four() {
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::QuorumOfTwoF);
        let body = h.next_body(ShardId(0));
        h.propose(body);
        h.cast(ValidatorId(0), body);
        h.cast(ValidatorId(1), body);
        assert_eq!(
            h.engine.snapshot().shards[0].finalized,
            vec![(body, vec![ValidatorId(0), ValidatorId(1)])]
        );
    }

    #[test]
    fn count_non_member_vote_puts_an_outsider_in_the_certificate() {
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::CountNonMemberVote);
        let body = h.next_body(ShardId(0));
        h.propose(body);
        for v in [0, 1, 7] {
            h.cast(ValidatorId(v), body);
        }
        assert_eq!(
            h.engine.snapshot().shards[0].finalized,
            vec![(body, vec![ValidatorId(0), ValidatorId(1), ValidatorId(7)])]
        );
    }

    #[test]
    fn count_duplicate_vote_counts_one_validator_three_times() {
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::CountDuplicateVote);
        let body = h.next_body(ShardId(0));
        h.propose(body);
        h.cast(ValidatorId(0), body);
        h.cast(ValidatorId(1), body);
        assert_eq!(
            h.engine.snapshot().shards[0].pending,
            vec![(body, vec![ValidatorId(0), ValidatorId(1)])]
        );
        h.cast(ValidatorId(0), body);
        assert_eq!(
            h.engine.snapshot().shards[0].finalized,
            vec![(body, vec![ValidatorId(0), ValidatorId(0), ValidatorId(1)])]
        );
    }

    #[test]
    fn refinalize_height_finalizes_a_second_checkpoint_below_the_latest() {
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::RefinalizeHeight);
        h.finalize_next(ShardId(0));
        let latest = h.finalize_next(ShardId(0));
        assert_eq!(latest.height, Height(4));
        // Height 2 again, naming the latest as parent.
        let again = CheckpointBody {
            height: Height(2),
            state_root: h.root_at(ShardId(0), Height(2)),
            parent: Some(compute_checkpoint_id(&latest)),
            ..latest
        };
        h.propose(again);
        for v in [0, 1, 2] {
            h.cast(ValidatorId(v), again);
        }
        let heights: Vec<_> = h.engine.snapshot().shards[0]
            .finalized
            .iter()
            .map(|(b, _)| b.height)
            .collect();
        assert_eq!(heights, vec![Height(4), Height(2)]);
    }
}
