//! [INV-5 Determinism], replica half: two views of replicas that received
//! the same inputs ([R-DET-1]) are equal.
//!
//! The predicate compares two views part by part and names the first part
//! that differs, so a counterexample says *what* two orders of the same
//! inputs changed (a certificate, an equivocation, a fault, a status), not
//! only that the views differ. Where it is checked, and on which views, is
//! [R-DET-5]: after every segment, so at every epoch boundary.

use super::Violation;
use crate::view::{ShardView, View};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A part of the view ([R-VIEW-1]), in the order [`check_inv5_determinism`]
/// compares them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ViewPart {
    Epoch,
    Shards,
    Status,
    Generation,
    Head,
    Committee,
    Pending,
    Finalized,
    Equivocations,
    LastBlockEpoch,
    Faults,
    Locks,
    Rollback,
    Healing,
    Pipeline,
    Validators,
    Transactions,
    Audit,
}

impl fmt::Display for ViewPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ViewPart::Epoch => "the epoch",
            ViewPart::Shards => "the set of shards",
            ViewPart::Status => "the status",
            ViewPart::Generation => "the rollback generation",
            ViewPart::Head => "the head (height and root)",
            ViewPart::Committee => "the committee",
            ViewPart::Pending => "the pending checkpoints and their votes",
            ViewPart::Finalized => "the finalized checkpoints and their certificates",
            ViewPart::Equivocations => "the equivocation evidence",
            ViewPart::LastBlockEpoch => "the last block epoch",
            ViewPart::Faults => "the open faults",
            ViewPart::Locks => "the lock table",
            ViewPart::Rollback => "the rollback",
            ViewPart::Healing => "the healing",
            ViewPart::Pipeline => "the pipeline stage",
            ViewPart::Validators => "the validators' records",
            ViewPart::Transactions => "the cross-shard transactions",
            ViewPart::Audit => "the audit log",
        };
        f.write_str(name)
    }
}

/// Checks that the views of two replicas that received the same inputs are
/// equal ([INV-5 Determinism], [R-DET-2]); the violation names the first
/// differing part, and the shard for a per-shard part.
pub fn check_inv5_determinism(first: &View, second: &View) -> Result<(), Violation> {
    let diverged = |part, shard| Err(Violation::ReplicasDiverged { part, shard });
    if first.epoch != second.epoch {
        return diverged(ViewPart::Epoch, None);
    }
    if first.shards.len() != second.shards.len() {
        return diverged(ViewPart::Shards, None);
    }
    for (a, b) in first.shards.iter().zip(&second.shards) {
        if a.shard != b.shard {
            return diverged(ViewPart::Shards, None);
        }
        if let Some(part) = compute_first_shard_difference(a, b) {
            return diverged(part, Some(a.shard));
        }
    }
    if first.validators != second.validators {
        return diverged(ViewPart::Validators, None);
    }
    if first.transactions != second.transactions {
        return diverged(ViewPart::Transactions, None);
    }
    if first.audit != second.audit {
        return diverged(ViewPart::Audit, None);
    }
    // Every field is compared above; this keeps the predicate honest if a
    // field is added to the view and forgotten here.
    assert_eq!(
        first, second,
        "a view field is missing from INV-5's comparison"
    );
    Ok(())
}

/// The first part of one shard's view that differs between two replicas.
fn compute_first_shard_difference(a: &ShardView, b: &ShardView) -> Option<ViewPart> {
    let parts = [
        (a.status == b.status, ViewPart::Status),
        (a.generation == b.generation, ViewPart::Generation),
        (
            a.height == b.height && a.head_root == b.head_root,
            ViewPart::Head,
        ),
        (a.committee == b.committee, ViewPart::Committee),
        (a.pending == b.pending, ViewPart::Pending),
        (a.finalized == b.finalized, ViewPart::Finalized),
        (a.equivocations == b.equivocations, ViewPart::Equivocations),
        (
            a.last_block_epoch == b.last_block_epoch,
            ViewPart::LastBlockEpoch,
        ),
        (a.faults == b.faults, ViewPart::Faults),
        (a.locks == b.locks, ViewPart::Locks),
        (a.rollback == b.rollback, ViewPart::Rollback),
        (a.healing == b.healing, ViewPart::Healing),
        (a.pipeline == b.pipeline, ViewPart::Pipeline),
    ];
    parts
        .into_iter()
        .find(|(same, _)| !same)
        .map(|(_, part)| part)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Epoch, ValidatorId};
    use crate::testing::two_shard_view as sample_view;

    #[test]
    fn equal_views_pass() {
        let view = sample_view();
        assert_eq!(check_inv5_determinism(&view, &view.clone()), Ok(()));
    }

    #[test]
    fn a_certificate_that_differs_is_named_with_its_shard() {
        let a = sample_view();
        let mut b = a.clone();
        let shard = b
            .shards
            .iter_mut()
            .find(|s| !s.finalized.is_empty())
            .expect("the sample view has a finalized checkpoint");
        let id = shard.shard;
        shard.finalized[0].signers.push(ValidatorId(60_000));
        assert_eq!(
            check_inv5_determinism(&a, &b),
            Err(Violation::ReplicasDiverged {
                part: ViewPart::Finalized,
                shard: Some(id),
            })
        );
    }

    #[test]
    fn the_epoch_is_compared_first() {
        let a = sample_view();
        let mut b = a.clone();
        b.epoch = Epoch(a.epoch.0 + 1);
        b.audit.clear();
        assert_eq!(
            check_inv5_determinism(&a, &b),
            Err(Violation::ReplicasDiverged {
                part: ViewPart::Epoch,
                shard: None,
            })
        );
    }
}
