//! [INV-6 ByzantineTolerance], while at most `f` members of each committee
//! are Byzantine.
//!
//! (a) Over a step: a checkpoint finalized in it has `q` distinct members of
//! its committee in its certificate, `q - f` of them honest. (b) No honest
//! validator is slashed. (c) A `Normal` shard's committee has `q` members,
//! none tombstoned. (d) No open fault names an honest validator
//! ([R-FAULT-MODEL-2]: valid evidence never can). (e) No validator is
//! slashed twice in one offence window ([R-SLASH-3]). (f) No committee has
//! more than `f` vacancies ([R-SLASH-4]).

use super::Violation;
use crate::audit::AuditEntry;
use crate::ids::ValidatorId;
use crate::params::{Params, STAKE_GENESIS};
use crate::protocol::ShardStatus;
use crate::view::View;
use std::collections::BTreeSet;

/// Checks INV-6 (d): every open fault's accused, if any, is in `byzantine`,
/// the validators the configuration lets misbehave.
pub fn check_inv6_no_honest_accused(
    view: &View,
    byzantine: &[ValidatorId],
) -> Result<(), Violation> {
    for shard in &view.shards {
        for fault in &shard.faults {
            if let Some(accused) = fault.accused {
                if !byzantine.contains(&accused) {
                    return Err(Violation::HonestValidatorAccused {
                        shard: shard.shard,
                        fault: *fault,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Checks INV-6 (a) over one step: every checkpoint finalized in the step
/// has a certificate of at least `q` distinct members of its shard's
/// committee before the step, of which at least `q - f` are honest (not in
/// `byzantine`). `q` and `f` are those of the configured `n` ([R-SLASH-5]).
///
/// Committees change at epoch boundaries ([R-ASSIGN-2]) and a certificate
/// keeps the signers of its day, so each certificate is checked once, in
/// the step that finalizes it, against the committee that signed it; a
/// signer that joins it later (a late vote, [R-CKPT-8]) must be a member of
/// the committee before that step, and not one already in it.
pub fn check_inv6_quorum(
    before: &View,
    after: &View,
    params: &Params,
    byzantine: &[ValidatorId],
) -> Result<(), Violation> {
    let quorum = params.quorum();
    let honest_needed = quorum - params.fault_tolerance();
    for (old, new) in before.shards.iter().zip(&after.shards) {
        let committee: BTreeSet<_> = old.committee.iter().copied().collect();
        for fin in &new.finalized {
            if let Some(was) = old
                .finalized
                .iter()
                .find(|c| c.checkpoint == fin.checkpoint)
            {
                // A late vote ([R-CKPT-8]) may join a retained certificate:
                // only a member of the committee, and only once.
                let mut seen = BTreeSet::new();
                for &signer in &fin.signers {
                    let is_new = !was.signers.contains(&signer);
                    if !seen.insert(signer) || (is_new && !committee.contains(&signer)) {
                        return Err(Violation::LateSignerRefusable {
                            shard: new.shard,
                            checkpoint: fin.checkpoint,
                            signer,
                        });
                    }
                }
                continue;
            }
            let mut seen = BTreeSet::new();
            let mut repeated = Vec::new();
            let mut non_members = Vec::new();
            for &signer in &fin.signers {
                if !seen.insert(signer) {
                    repeated.push(signer);
                } else if !committee.contains(&signer) {
                    non_members.push(signer);
                }
            }
            let members: Vec<_> = seen.iter().filter(|v| committee.contains(v)).collect();
            if members.len() < quorum {
                return Err(Violation::FinalizedWithoutQuorum {
                    shard: new.shard,
                    checkpoint: fin.checkpoint,
                    distinct_members: members.len() as u32,
                    quorum: quorum as u32,
                    non_members,
                    repeated,
                });
            }
            let honest = members.iter().filter(|v| !byzantine.contains(v)).count();
            if honest < honest_needed {
                return Err(Violation::FinalizedWithoutHonestQuorum {
                    shard: new.shard,
                    checkpoint: fin.checkpoint,
                    honest: honest as u32,
                    needed: honest_needed as u32,
                });
            }
        }
    }
    Ok(())
}

/// Checks INV-6 (b), (c), (e) and (f) on one view: no honest validator is
/// slashed; every `Normal` shard's committee holds at least `q` members,
/// none tombstoned; no two slash records share a validator and a window;
/// no committee holds more than `f` vacancies.
pub fn check_inv6_committees(
    view: &View,
    params: &Params,
    byzantine: &[ValidatorId],
) -> Result<(), Violation> {
    for v in &view.validators {
        if !byzantine.contains(&v.validator)
            && (v.stake != STAKE_GENESIS || v.tombstoned || !v.slashed_windows.is_empty())
        {
            return Err(Violation::HonestValidatorSlashed {
                validator: v.validator,
            });
        }
    }
    let tombstoned: BTreeSet<_> = view
        .validators
        .iter()
        .filter(|v| v.tombstoned)
        .map(|v| v.validator)
        .collect();
    let n = usize::from(params.committee_size);
    for shard in &view.shards {
        if let Some(&validator) = shard.committee.iter().find(|v| tombstoned.contains(v)) {
            return Err(Violation::TombstonedInCommittee {
                shard: shard.shard,
                validator,
            });
        }
        let active: BTreeSet<_> = shard
            .committee
            .iter()
            .filter(|v| !tombstoned.contains(v))
            .collect();
        if shard.status == ShardStatus::Normal && active.len() < params.quorum() {
            return Err(Violation::NormalCommitteeBelowQuorum {
                shard: shard.shard,
                active: active.len() as u32,
                quorum: params.quorum() as u32,
            });
        }
        if active.len() + params.fault_tolerance() < n {
            return Err(Violation::TooManyDisabled {
                shard: shard.shard,
                active: active.len() as u32,
            });
        }
    }
    let mut slashes = BTreeSet::new();
    for record in &view.audit {
        if let AuditEntry::Slash {
            validator, window, ..
        } = &record.entry
        {
            if !slashes.insert((*validator, *window)) {
                return Err(Violation::SlashedTwice {
                    validator: *validator,
                    window: *window,
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_naming_an_honest_validator_is_a_violation() {
        use crate::protocol::{Fault, FaultKind};
        use crate::{Epoch, Generation, Height};
        let mut view = crate::testing::one_shard_view();
        let fault = Fault {
            kind: FaultKind::ExecutionFailure,
            accused: Some(ValidatorId(1)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(1),
        };
        view.shards[0].faults.push(fault);
        assert_eq!(
            check_inv6_no_honest_accused(&view, &[ValidatorId(1)]),
            Ok(())
        );
        assert!(matches!(
            check_inv6_no_honest_accused(&view, &[ValidatorId(3)]),
            Err(Violation::HonestValidatorAccused { .. })
        ));
        view.shards[0].faults[0].accused = None;
        assert_eq!(check_inv6_no_honest_accused(&view, &[]), Ok(()));
    }
    use crate::testing::{checkpoint, one_shard_view};
    use crate::view::FinalizedCheckpoint;

    fn with_signers(signers: &[u16]) -> View {
        let mut view = one_shard_view();
        view.shards[0].finalized.push(FinalizedCheckpoint {
            checkpoint: checkpoint(2),
            signers: signers.iter().map(|&v| ValidatorId(v)).collect(),
        });
        view
    }

    fn quorum_check(signers: &[u16], byzantine: &[u16]) -> Result<(), Violation> {
        let byzantine: Vec<_> = byzantine.iter().map(|&v| ValidatorId(v)).collect();
        check_inv6_quorum(
            &one_shard_view(),
            &with_signers(signers),
            &Params::default_config(),
            &byzantine,
        )
    }

    #[test]
    fn three_distinct_members_of_four_are_a_quorum() {
        assert_eq!(quorum_check(&[0, 1, 3], &[3]), Ok(()));
    }

    #[test]
    fn two_members_are_not_a_quorum() {
        let err = quorum_check(&[0, 1], &[]).unwrap_err();
        assert!(matches!(
            err,
            Violation::FinalizedWithoutQuorum {
                distinct_members: 2,
                quorum: 3,
                ..
            }
        ));
    }

    #[test]
    fn a_non_member_does_not_count_and_is_named() {
        let err = quorum_check(&[0, 1, 7], &[]).unwrap_err();
        let Violation::FinalizedWithoutQuorum {
            non_members,
            distinct_members,
            ..
        } = err
        else {
            panic!("wrong violation: {err:?}");
        };
        assert_eq!(non_members, vec![ValidatorId(7)]);
        assert_eq!(distinct_members, 2);
    }

    #[test]
    fn a_repeated_signer_counts_once_and_is_named() {
        let err = quorum_check(&[0, 1, 1], &[]).unwrap_err();
        let Violation::FinalizedWithoutQuorum { repeated, .. } = err else {
            panic!("wrong violation: {err:?}");
        };
        assert_eq!(repeated, vec![ValidatorId(1)]);
    }

    #[test]
    fn a_certificate_with_only_f_honest_signers_breaks_the_bound() {
        // f + 1 = 2 Byzantine signers and one honest one reach q = 3 but
        // leave one honest signer, below q - f = 2.
        assert!(matches!(
            quorum_check(&[0, 2, 3], &[2, 3]),
            Err(Violation::FinalizedWithoutHonestQuorum {
                honest: 1,
                needed: 2,
                ..
            })
        ));
        assert_eq!(quorum_check(&[0, 1, 3], &[2, 3]), Ok(()));
    }

    #[test]
    fn a_certificate_is_checked_only_in_the_step_that_finalizes_it() {
        let old = with_signers(&[0, 1]);
        assert_eq!(
            check_inv6_quorum(&old, &old, &Params::default_config(), &[]),
            Ok(())
        );
    }

    #[test]
    fn a_late_signer_must_be_a_member_not_already_counted() {
        let params = Params::default_config();
        let old = with_signers(&[0, 1, 2]);
        let late = with_signers(&[0, 1, 2, 3]);
        assert_eq!(check_inv6_quorum(&old, &late, &params, &[]), Ok(()));
        let outsider = with_signers(&[0, 1, 2, 9]);
        assert!(matches!(
            check_inv6_quorum(&old, &outsider, &params, &[]),
            Err(Violation::LateSignerRefusable {
                signer: ValidatorId(9),
                ..
            })
        ));
        let twice = with_signers(&[0, 1, 1, 2]);
        assert!(matches!(
            check_inv6_quorum(&old, &twice, &params, &[]),
            Err(Violation::LateSignerRefusable {
                signer: ValidatorId(1),
                ..
            })
        ));
    }

    fn validators(view: &mut View, count: u16) {
        view.validators = (0..count)
            .map(|v| crate::view::ValidatorView {
                validator: ValidatorId(v),
                stake: STAKE_GENESIS,
                tombstoned: false,
                slashed_windows: vec![],
            })
            .collect();
    }

    #[test]
    fn an_honest_slashed_validator_a_short_normal_committee_and_a_double_slash_are_violations() {
        use crate::audit::compute_next_record;
        use crate::protocol::{Fault, FaultKind, SlashReason};
        use crate::{Epoch, Generation, Height, ShardId};
        let params = Params::default_config();
        let mut view = one_shard_view();
        validators(&mut view, 4);
        assert_eq!(check_inv6_committees(&view, &params, &[]), Ok(()));
        let mut slashed = view.clone();
        slashed.validators[1].stake -= 1;
        assert!(matches!(
            check_inv6_committees(&slashed, &params, &[ValidatorId(3)]),
            Err(Violation::HonestValidatorSlashed { .. })
        ));
        assert_eq!(
            check_inv6_committees(&slashed, &params, &[ValidatorId(1)]),
            Ok(())
        );
        let mut short = view.clone();
        short.shards[0].committee.truncate(2);
        assert!(matches!(
            check_inv6_committees(&short, &params, &[]),
            Err(Violation::NormalCommitteeBelowQuorum { active: 2, .. })
        ));
        short.shards[0].status = ShardStatus::Frozen;
        assert!(matches!(
            check_inv6_committees(&short, &params, &[]),
            Err(Violation::TooManyDisabled { active: 2, .. })
        ));
        let mut tombstoned = view.clone();
        tombstoned.validators[3].tombstoned = true;
        assert!(matches!(
            check_inv6_committees(&tombstoned, &params, &[ValidatorId(3)]),
            Err(Violation::TombstonedInCommittee { .. })
        ));
        tombstoned.shards[0].committee.retain(|v| v.0 != 3);
        assert_eq!(
            check_inv6_committees(&tombstoned, &params, &[ValidatorId(3)]),
            Ok(())
        );
        let fault = Fault {
            kind: FaultKind::TransactionOrderingViolation,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(1),
            height: Height(1),
        };
        let entry = AuditEntry::Slash {
            validator: ValidatorId(3),
            shard: ShardId(0),
            reason: SlashReason::TransactionMisbehaviour,
            fault,
            window: Epoch(1),
            stake_before: STAKE_GENESIS,
            stake_after: STAKE_GENESIS - 100_000,
            tombstoned: false,
        };
        let mut twice = view.clone();
        let first = compute_next_record(&twice.audit, Epoch(2), entry.clone());
        twice.audit.push(first);
        assert_eq!(
            check_inv6_committees(&twice, &params, &[ValidatorId(3)]),
            Ok(())
        );
        let second = compute_next_record(&twice.audit, Epoch(3), entry);
        twice.audit.push(second);
        assert!(matches!(
            check_inv6_committees(&twice, &params, &[ValidatorId(3)]),
            Err(Violation::SlashedTwice { .. })
        ));
    }
}
