//! [INV-6 ByzantineTolerance], the quorum part: no checkpoint is finalized
//! without a quorum of distinct members of its shard's committee.
//!
//! Part (d): no open fault names an honest validator
//! ([R-FAULT-MODEL-2]: valid evidence never can). The other parts (no honest
//! validator slashed; committees keep their quorum size after slashing) come
//! with slashing ([R-SLASH-*]).

use super::Violation;
use crate::ids::ValidatorId;
use crate::params::compute_quorum;
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

/// Checks that every retained finalized checkpoint's certificate holds at
/// least `compute_quorum(|committee|)` distinct committee members.
///
/// Committees are fixed at genesis until reassignment ([R-ASSIGN-*]) exists,
/// so the current committee is the one that signed.
pub fn check_inv6_quorum(view: &View) -> Result<(), Violation> {
    for shard in &view.shards {
        let committee: BTreeSet<_> = shard.committee.iter().copied().collect();
        let quorum = compute_quorum(committee.len());
        for fin in &shard.finalized {
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
            let distinct_members = seen.iter().filter(|v| committee.contains(v)).count();
            if distinct_members < quorum {
                return Err(Violation::FinalizedWithoutQuorum {
                    shard: shard.shard,
                    checkpoint: fin.checkpoint,
                    distinct_members: distinct_members as u32,
                    quorum: quorum as u32,
                    non_members,
                    repeated,
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
    use crate::ValidatorId;

    fn with_signers(signers: &[u16]) -> View {
        let mut view = one_shard_view();
        view.shards[0].finalized.push(FinalizedCheckpoint {
            checkpoint: checkpoint(2),
            signers: signers.iter().map(|&v| ValidatorId(v)).collect(),
        });
        view
    }

    #[test]
    fn three_distinct_members_of_four_are_a_quorum() {
        assert_eq!(check_inv6_quorum(&with_signers(&[0, 1, 3])), Ok(()));
    }

    #[test]
    fn two_members_are_not_a_quorum() {
        let err = check_inv6_quorum(&with_signers(&[0, 1])).unwrap_err();
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
        let err = check_inv6_quorum(&with_signers(&[0, 1, 7])).unwrap_err();
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
        let err = check_inv6_quorum(&with_signers(&[0, 1, 1])).unwrap_err();
        let Violation::FinalizedWithoutQuorum { repeated, .. } = err else {
            panic!("wrong violation: {err:?}");
        };
        assert_eq!(repeated, vec![ValidatorId(1)]);
    }
}
