//! The rules that a seeded bug can make wrong, in one place
//! ([R-CKPT-6], [R-CKPT-7] check 8, [R-CKPT-8] checks 5, 9 and 11, [R-FAULT-3]
//! check 10, [R-ISO-3], [R-AUDIT-1], [R-XTX-4], [R-RB-2], [R-RB-3],
//! [R-RB-4], [R-SLASH-3], [R-ASSIGN-2], [R-HEAL-2], [R-HEAL-4]).
//!
//! A seeded bug (`mend_spec::SeededBug`) is a deliberately wrong rule that
//! proves an invariant check can fail. The engine takes one only when built
//! with the `seeded-bugs` feature; in a normal build [`Rules`] has no field
//! at all, every method below is the honest rule, and no code path can reach
//! a wrong one. The rest of the engine asks [`Rules`] instead of testing for
//! a bug, so the wrong rules stay out of sight of the honest code.

use mend_spec::protocol::HealingStage;
#[cfg(feature = "seeded-bugs")]
use mend_spec::SeededBug;
use mend_spec::{compute_quorum, Epoch, Height};

/// The rule set the engine runs with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Rules {
    #[cfg(feature = "seeded-bugs")]
    bug: Option<SeededBug>,
}

/// [R-RB-2] step 1, [R-RB-6]: which sides of an xtx in flight a rollback
/// aborts, and whose locks it then releases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum AbortScope {
    /// Both sides, and both locks: the rule.
    BothSides,
    /// Only the rolled-back shard's side and lock (the `AbortOneSide`
    /// seeded bug). Absent from normal builds, so no code path there can
    /// reach it.
    #[cfg(feature = "seeded-bugs")]
    RolledBackSideOnly,
}

/// Whether check 8 of [R-CKPT-7] passes for a proposed height.
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

    /// [R-CKPT-7] check 8: the proposed height must be the next checkpoint
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

    /// [R-CKPT-8] check 5: whether a vote from outside the committee is
    /// refused.
    pub(crate) fn is_non_member_vote_refused(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::CountNonMemberVote) {
            return false;
        }
        true
    }

    /// [R-CKPT-8] check 9: whether a vote for a retained finalized
    /// checkpoint of epoch `checkpoint_epoch` is refused `AlreadyFinalized`
    /// in epoch `current`. Under the rules only a checkpoint of an earlier
    /// epoch is: a certificate closes with its epoch, and until then takes
    /// late votes ([R-DET-2]). The `FirstQuorumCertificate` seeded bug
    /// refuses every finalized checkpoint, so a certificate holds the first
    /// `q` votes to arrive.
    pub(crate) fn is_vote_for_finalized_refused(
        self,
        checkpoint_epoch: Epoch,
        current: Epoch,
    ) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::FirstQuorumCertificate) {
            return true;
        }
        checkpoint_epoch < current
    }

    /// [R-CKPT-8] check 11: whether a second vote of one validator for one
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

    /// [R-XTX-3] check 11, [R-XTX-4]: whether a commit vote needs the
    /// source side to be mature (receipt maturity).
    pub(crate) fn is_source_maturity_checked(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::ReceiptBeforeFinal) {
            return false;
        }
        true
    }

    /// [R-RB-3]: whether step 1 refuses a target more than `W` blocks below
    /// the height the rollback started from.
    pub(crate) fn is_target_window_checked(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::RollbackBeyondWindow) {
            return false;
        }
        true
    }

    /// [R-RB-2] step 1, [R-RB-6]: which sides a rollback aborts.
    pub(crate) fn rollback_abort_scope(self) -> AbortScope {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::AbortOneSide) {
            return AbortScope::RolledBackSideOnly;
        }
        AbortScope::BothSides
    }

    /// [R-RB-4]: the index of a shard that restoring the shard at `index`
    /// (of `shards`) also lowers. None: no other shard changes.
    pub(crate) fn also_restored_shard(self, index: usize, shards: usize) -> Option<usize> {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::RollbackHealthyShard) {
            // Seeded bug: the next shard, wrapping around; nothing for a
            // single shard, which is the one rolled back.
            let next = (index + 1) % shards.max(1);
            return (next != index).then_some(next);
        }
        // The arguments only matter to the seeded rule above.
        let _ = (index, shards);
        None
    }

    /// [R-RB-3], [R-RB-4]: whether every restoration finds the target's
    /// block among the `A_b + W` kept ones. True under the rules: a target
    /// is at most `W` blocks below the head. The two seeded bugs that
    /// restore past the window (`RollbackBeyondWindow`, and
    /// `RollbackHealthyShard`, which lowers a shard to a checkpoint at any
    /// depth) make it false, and the engine then restores from the
    /// checkpoint's root instead of panicking.
    pub(crate) fn is_every_target_within_history(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::RollbackBeyondWindow)
            || self.is_seeded(SeededBug::RollbackHealthyShard)
        {
            return false;
        }
        true
    }

    /// [R-SLASH-3]: whether an open liveness fault, which names nobody,
    /// slashes the lowest member of its shard's committee. Never under the
    /// rules: only a validator named by valid evidence is slashed.
    pub(crate) fn is_liveness_slashing_the_lowest_member(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::SlashWithoutEvidence) {
            return true;
        }
        false
    }

    /// [R-ASSIGN-2]: whether a reassignment keeps the sitting members. Always
    /// under the rules; the `ReassignBelowQuorum` seeded bug keeps only the
    /// validators it drew.
    pub(crate) fn are_sitting_members_kept(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::ReassignBelowQuorum) {
            return false;
        }
        true
    }

    /// [R-HEAL-2]: the stage the tick out of `Rebuilding` enters:
    /// `SyncingBlocks` (the `SkipSyncingBlocks` seeded bug skips it).
    pub(crate) fn stage_after_rebuilding(self) -> HealingStage {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::SkipSyncingBlocks) {
            return HealingStage::VerifyingState;
        }
        HealingStage::SyncingBlocks
    }

    /// [R-HEAL-4]: whether `VerifyingState` needs a checkpoint finalized at
    /// the head to move on. Always under the rules; the
    /// `ReintegrateWithoutQuorum` seeded bug moves on without one.
    pub(crate) fn is_healing_verified_by_checkpoint(self) -> bool {
        #[cfg(feature = "seeded-bugs")]
        if self.is_seeded(SeededBug::ReintegrateWithoutQuorum) {
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
    fn the_honest_rules_refuse_a_vote_for_a_finalized_checkpoint_only_after_its_epoch() {
        let refused = |checkpoint, current| {
            Rules::HONEST.is_vote_for_finalized_refused(Epoch(checkpoint), Epoch(current))
        };
        assert!(!refused(3, 3));
        assert!(refused(2, 3));
        assert!(refused(0, u64::MAX));
    }

    #[test]
    fn the_honest_rules_check_maturity_and_the_window_and_abort_both_sides_of_one_shard() {
        assert!(Rules::HONEST.is_source_maturity_checked());
        assert!(Rules::HONEST.is_target_window_checked());
        assert!(Rules::HONEST.is_every_target_within_history());
        assert_eq!(Rules::HONEST.rollback_abort_scope(), AbortScope::BothSides);
        for index in 0..4 {
            assert_eq!(Rules::HONEST.also_restored_shard(index, 4), None);
        }
    }

    #[test]
    fn the_honest_recovery_rules_slash_only_the_accused_and_heal_every_stage() {
        assert!(!Rules::HONEST.is_liveness_slashing_the_lowest_member());
        assert!(Rules::HONEST.are_sitting_members_kept());
        assert_eq!(
            Rules::HONEST.stage_after_rebuilding(),
            HealingStage::SyncingBlocks
        );
        assert!(Rules::HONEST.is_healing_verified_by_checkpoint());
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
                rules.is_vote_for_finalized_refused(Epoch(1), Epoch(1)),
                bug == SeededBug::FirstQuorumCertificate
            );
            assert!(rules.is_vote_for_finalized_refused(Epoch(0), Epoch(1)));
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
            assert_eq!(
                !rules.is_source_maturity_checked(),
                bug == SeededBug::ReceiptBeforeFinal
            );
            assert_eq!(
                !rules.is_target_window_checked(),
                bug == SeededBug::RollbackBeyondWindow
            );
            assert_eq!(
                !rules.is_every_target_within_history(),
                bug == SeededBug::RollbackBeyondWindow || bug == SeededBug::RollbackHealthyShard
            );
            assert_eq!(
                rules.rollback_abort_scope() == AbortScope::RolledBackSideOnly,
                bug == SeededBug::AbortOneSide
            );
            assert_eq!(
                rules.also_restored_shard(1, 2) == Some(0),
                bug == SeededBug::RollbackHealthyShard
            );
            assert_eq!(
                rules.is_liveness_slashing_the_lowest_member(),
                bug == SeededBug::SlashWithoutEvidence
            );
            assert_eq!(
                !rules.are_sitting_members_kept(),
                bug == SeededBug::ReassignBelowQuorum
            );
            assert_eq!(
                rules.stage_after_rebuilding() == HealingStage::VerifyingState,
                bug == SeededBug::SkipSyncingBlocks
            );
            assert_eq!(
                !rules.is_healing_verified_by_checkpoint(),
                bug == SeededBug::ReintegrateWithoutQuorum
            );
        }
        // With one shard, the next shard is the one rolled back.
        assert_eq!(
            Rules::seeded(Some(SeededBug::RollbackHealthyShard)).also_restored_shard(0, 1),
            None
        );
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
        // Only the accused's slash is recorded, not the status change.
        assert!(view.audit.iter().all(|r| !matches!(
            r.record.entry,
            crate::audit::AuditEntry::StatusChange { .. }
        )));
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
        // The accused's slash on shard 0, then the misplaced status change.
        assert_eq!(view.audit.len(), 2);
        assert_eq!(h.engine.verify_audit_chain(), Ok(()));
        // The record is consistent with the shard it names: the bug shows in
        // the view, not as a malformed record.
        let crate::audit::AuditEntry::StatusChange { shard, cause, .. } =
            view.audit[1].record.entry
        else {
            panic!("a status change record");
        };
        assert_eq!(shard, ShardId(1));
        assert_eq!(
            cause,
            crate::crypto::compute_fault_id(ShardId(1), &view.audit[1].cause.unwrap())
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
        // A late copy joins the certificate again.
        h.cast(ValidatorId(1), body);
        assert_eq!(
            h.engine.snapshot().shards[0].finalized[0].1,
            vec![
                ValidatorId(0),
                ValidatorId(0),
                ValidatorId(1),
                ValidatorId(1)
            ]
        );
    }

    #[test]
    fn refinalize_height_finalizes_a_second_checkpoint_below_the_latest() {
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::RefinalizeHeight);
        let first = h.finalize_next(ShardId(0));
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
        // Each vote conflicts with the voter's vote for the first checkpoint
        // at height 2, finalized in the same epoch ([R-CKPT-10]).
        for v in [0, 1, 2] {
            let events = h.cast(ValidatorId(v), again);
            assert!(events.contains(&EngineEvent::EquivocationRecorded {
                validator: ValidatorId(v),
                id: compute_checkpoint_id(&again)
            }));
        }
        let heights = |h: &Harness| -> Vec<Height> {
            h.engine.snapshot().shards[0]
                .finalized
                .iter()
                .map(|(b, _)| b.height)
                .collect()
        };
        assert_eq!(heights(&h), vec![Height(2), Height(4), Height(2)]);
        // Two late votes of v3 for the two finalized checkpoints at height 2:
        // the second conflicts with the first's certificate.
        h.cast(ValidatorId(3), first);
        let events = h.cast(ValidatorId(3), again);
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(h.engine.snapshot().shards[0].equivocations.len(), 4);
        // Retention prunes at the boundary.
        h.advance_epoch();
        assert_eq!(heights(&h), vec![Height(4), Height(2)]);
    }

    #[test]
    fn first_quorum_certificate_refuses_a_late_vote_in_the_checkpoints_epoch() {
        let run = |h: &mut Harness| {
            let body = h.finalize_next(ShardId(0));
            let message = h.vote(ValidatorId(3), body);
            (body, message)
        };
        let mut honest = Harness::new(Params::default_config());
        let (body, late) = run(&mut honest);
        assert!(honest.engine.apply(&late).is_ok());
        assert_eq!(honest.engine.snapshot().shards[0].finalized[0].1.len(), 4);

        let mut h = Harness::with_bug(Params::default_config(), SeededBug::FirstQuorumCertificate);
        let (_, late) = run(&mut h);
        let rejection = h.assert_rejected(
            &late,
            mend_spec::Rejection::Vote(mend_spec::VoteRejection::AlreadyFinalized),
        );
        assert_eq!(
            rejection,
            crate::EngineRejection::Vote(crate::outcome::VoteError::AlreadyFinalized {
                shard: ShardId(0),
                id: compute_checkpoint_id(&body)
            })
        );
        // The certificate holds the first q votes to arrive.
        assert_eq!(
            h.engine.snapshot().shards[0].finalized,
            vec![(body, vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)])]
        );
        // Nothing else changes: votes for pending checkpoints, stale
        // siblings included, are counted as under the rules.
        let next = h.next_body(ShardId(0));
        h.propose(next);
        assert_eq!(h.cast(ValidatorId(3), next).len(), 1);
    }

    #[test]
    fn receipt_before_final_commits_an_xtx_whose_source_height_is_not_finalized() {
        use mend_spec::{XtxDecision, XtxId, XtxState};
        let run = |h: &mut Harness| {
            h.produce_blocks(ShardId(0), 1);
            h.prepare(1, ShardId(0), ShardId(1), 5);
            let vote = h.xtx_vote(
                ValidatorId(0),
                XtxId(1),
                ShardId(0),
                mend_spec::Generation(0),
                XtxDecision::Commit,
            );
            h.engine.apply(&vote).map(|_| ())
        };
        let mut honest = Harness::new(Params::default_config());
        assert!(run(&mut honest).is_err());
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::ReceiptBeforeFinal);
        assert!(run(&mut h).is_ok());
        h.cast_xtx_vote(XtxId(1), ShardId(1), XtxDecision::Commit);
        let x = h.engine.snapshot().transactions[0];
        assert_eq!(x.source_side.state, XtxState::Committed);
        assert_eq!(x.source_side.height, Height(1));
        assert!(h.engine.snapshot().shards[0].finalized.is_empty());
        // The destination side is still checked.
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::ReceiptBeforeFinal);
        h.produce_blocks(ShardId(1), 1);
        h.prepare(2, ShardId(0), ShardId(1), 5);
        let vote = h.xtx_vote(
            ValidatorId(0),
            XtxId(2),
            ShardId(0),
            mend_spec::Generation(0),
            XtxDecision::Commit,
        );
        assert!(h.engine.apply(&vote).is_err());
    }

    #[test]
    fn rollback_beyond_window_restores_a_target_more_than_w_blocks_below() {
        use mend_spec::RollbackPhase;
        // Finalized at 2, head at 7: five blocks with W = 4.
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::RollbackBeyondWindow);
        h.finalize_next(ShardId(0));
        h.produce_blocks(ShardId(0), 5);
        h.drive_to_recovering(ShardId(0));
        let events = h.advance_rollback(ShardId(0));
        assert_eq!(
            events[0],
            EngineEvent::RollbackAdvanced {
                shard: ShardId(0),
                phase: RollbackPhase::AbortingTransactions
            }
        );
        for _ in 0..4 {
            h.advance_rollback(ShardId(0));
        }
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].status, ShardStatus::Healing);
        assert_eq!(view.shards[0].height, Height(2));
        let rollback = view.shards[0].rollback.clone().unwrap();
        assert_eq!(rollback.from_height, Height(7));
    }

    #[test]
    fn rollback_beyond_the_kept_history_takes_the_checkpoint_root_and_never_panics() {
        // Finalized at 2, head at 12: the A_b + W = 8 kept blocks start at 5.
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::RollbackBeyondWindow);
        h.finalize_next(ShardId(0));
        h.produce_blocks(ShardId(0), 10);
        h.drive_to_recovering(ShardId(0));
        for _ in 0..5 {
            h.advance_rollback(ShardId(0));
        }
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].status, ShardStatus::Healing);
        assert_eq!(view.shards[0].height, Height(2));
        assert_eq!(view.shards[0].head_root, h.root_at(ShardId(0), Height(2)));
        // Evidence about height 1, whose root is no longer known, proves
        // nothing instead of stopping the engine. (v3, the accused of the
        // fault that isolated the shard, was slashed out of its committee.)
        let accused = ValidatorId(2);
        let body = CheckpointBody {
            shard: ShardId(0),
            epoch: h.epoch(),
            height: Height(1),
            state_root: [0xf0; 32],
            parent: None,
        };
        let evidence = Evidence::CheckpointStateMismatch(crate::testkit::sign_proposal(
            accused,
            mend_spec::Generation(1),
            body,
        ));
        assert_eq!(
            h.engine
                .apply(&Message::Evidence(evidence))
                .map_err(|e| e.code()),
            Err(mend_spec::Rejection::Evidence(
                mend_spec::EvidenceRejection::NotAFault
            ))
        );
    }

    #[test]
    fn abort_one_side_leaves_the_other_side_prepared_and_locked() {
        use mend_spec::{Lock, XtxId, XtxState};
        let setup = |h: &mut Harness| {
            h.finalize_next(ShardId(0));
            h.prepare(1, ShardId(0), ShardId(1), 5);
            h.drive_to_recovering(ShardId(0));
            h.advance_rollback(ShardId(0));
            h.advance_rollback(ShardId(0));
        };
        let mut honest = Harness::new(Params::default_config());
        setup(&mut honest);
        let view = honest.engine.snapshot();
        assert_eq!(
            view.transactions[0].destination_side.state,
            XtxState::Aborted
        );
        assert!(view.shards[1].locks.is_empty());

        let mut h = Harness::with_bug(Params::default_config(), SeededBug::AbortOneSide);
        setup(&mut h);
        let view = h.engine.snapshot();
        let x = view.transactions[0];
        assert_eq!(x.source_side.state, XtxState::Aborted);
        assert_eq!(x.destination_side.state, XtxState::Prepared);
        assert!(view.shards[0].locks.is_empty());
        assert_eq!(
            view.shards[1].locks,
            vec![Lock {
                key: 5,
                xtx: XtxId(1)
            }]
        );
        // The key stays taken on the healthy shard.
        let prepare = Message::PrepareXtx(crate::wire::XtxPrepare {
            id: XtxId(2),
            source: ShardId(1),
            destination: ShardId(0),
            key: 5,
        });
        assert!(h.engine.clone().apply(&prepare).is_err());
    }

    #[test]
    fn rollback_healthy_shard_lowers_the_next_shard_to_its_latest_finalized_checkpoint() {
        let setup = |h: &mut Harness| {
            h.finalize_next(ShardId(1));
            h.produce_blocks(ShardId(1), 2);
            h.finalize_next(ShardId(0));
            h.produce_blocks(ShardId(0), 1);
            h.drive_to_recovering(ShardId(0));
            for _ in 0..2 {
                h.advance_rollback(ShardId(0));
            }
            h.advance_rollback(ShardId(0))
        };
        let mut honest = Harness::new(Params::default_config());
        let honest_events = setup(&mut honest);
        assert_eq!(honest.engine.snapshot().shards[1].height, Height(4));

        let mut h = Harness::with_bug(Params::default_config(), SeededBug::RollbackHealthyShard);
        let events = setup(&mut h);
        // The same events: the healthy shard is lowered silently.
        assert_eq!(events, honest_events);
        let view = h.engine.snapshot();
        assert_eq!(view.shards[0].height, Height(2));
        assert_eq!(view.shards[1].height, Height(2));
        assert_eq!(view.shards[1].status, ShardStatus::Normal);
        assert_eq!(view.shards[1].head_root, h.root_at(ShardId(1), Height(2)));
        assert_eq!(view.shards[1].generation, mend_spec::Generation(0));
    }

    #[test]
    fn a_shard_lowered_past_its_history_by_rollback_healthy_shard_can_still_roll_back() {
        // Shard 1: finalized at 2, head at 12, so its kept blocks start at
        // 5. Shard 0's restoration lowers it to 2 from the checkpoint alone;
        // then shard 1's own rollback restores a height it keeps no block
        // of.
        let mut h = Harness::with_bug(Params::default_config(), SeededBug::RollbackHealthyShard);
        h.finalize_next(ShardId(1));
        h.produce_blocks(ShardId(1), 10);
        h.finalize_next(ShardId(0));
        h.drive_to_recovering(ShardId(0));
        for _ in 0..5 {
            h.advance_rollback(ShardId(0));
        }
        assert_eq!(h.engine.snapshot().shards[1].height, Height(2));
        h.open_critical_fault(ShardId(1), Height(2));
        h.advance_epoch();
        h.advance_epoch();
        assert_eq!(h.status(ShardId(1)), ShardStatus::Recovering);
        for _ in 0..5 {
            h.advance_rollback(ShardId(1));
        }
        let view = h.engine.snapshot();
        assert_eq!(view.shards[1].status, ShardStatus::Healing);
        assert_eq!(view.shards[1].head_root, h.root_at(ShardId(1), Height(2)));
        assert_eq!(h.engine.verify_audit_chain(), Ok(()));
    }
}
