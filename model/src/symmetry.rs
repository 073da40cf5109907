//! Symmetry reduction: the honest members of one committee are
//! interchangeable, so the checker need visit only one view of every set
//! of views that differ by a renaming of them.
//!
//! [`compute_representative`] maps a view to a canonical member of its
//! class: within each shard's committee it renames the honest members so
//! that every renaming of them gives the same result. Stateright 0.31
//! honours it only in its depth-first and simulation checkers
//! ([`crate::run::check_symmetric`] uses depth-first search); the
//! breadth-first checker ignores it.
//!
//! # Why the model is symmetric
//!
//! Let `σ` permute the honest members of one committee among themselves
//! and fix every other id (the Byzantine members, the members of other
//! committees, unregistered ids), and let `σ(v)` be the view `v` with every
//! validator id renamed by `σ` and every id list put back in its canonical
//! order (`View` documents them: votes, signers and committees ascending,
//! equivocations ascending). Reduction is sound when the transition
//! relation and the properties commute with every such `σ`: the successors
//! of `σ(v)` are the `σ`-images of the successors of `v`, and every
//! property holds in `σ(v)` exactly when it holds in `v`. Then a view and
//! its representative have the same future up to renaming, and checking
//! one of them is checking both. Going through `behaviour.rs` and
//! `rules.rs` action by action:
//!
//! - Blocks ([R-BLK-1]) and epoch ticks ([R-EPOCH-1], [R-EPOCH-2]) name no
//!   validator: their enabledness and effect read only heights, roots,
//!   generations, epochs, statuses, pending lists as a whole and whether
//!   faults are open and how old; the one exception, the cause of a status
//!   change, is discussed with evidence below.
//! - Honest proposals ([R-FAULT-MODEL-2]): the lowest-numbered honest
//!   member proposes, so the proposer of `σ(v)` may be another validator
//!   than `σ` of the proposer of `v`. That is not an asymmetry: the
//!   proposed checkpoint is computed from the shard's height, generation,
//!   latest finalized checkpoint and the epoch, none of which is an id; the
//!   rules ([R-CKPT-7]) use the proposer only in checks 3 and 4 (registered,
//!   a member of the shard's committee), which every honest member passes
//!   alike; and the view does not record who proposed. Both proposers
//!   produce the very same next view, which contains no renamed id.
//! - Honest votes ([R-FAULT-MODEL-2]): every honest member of the shard
//!   votes for every pending checkpoint, and every checkpoint finalized in
//!   the current epoch (a late vote), with the honest root at an executed
//!   height, unless it has a vote counted at that epoch and height. Whether
//!   `u` has voted in `v` is whether `σ(u)` has voted in `σ(v)`, so the
//!   enabled votes of `σ(v)` are the `σ`-images of those of `v`.
//! - Byzantine proposals and votes ([R-FAULT-MODEL-1]) come from
//!   `cfg.byzantine`, which `σ` fixes, and name checkpoints, which contain
//!   no validator id.
//! - The vote rules ([R-CKPT-8], [R-CKPT-10], [R-CKPT-6]) use the voter
//!   only through membership tests (registered, in the committee, already
//!   counted in the votes or the certificate, counted for a conflicting
//!   checkpoint, pending or finalized), and insert it into an ascending
//!   list; the threshold depends on the committee's size and the count of
//!   votes, and whether a checkpoint is live or its certificate closed on
//!   parents and epochs, which are no ids. Membership and counts are
//!   preserved by `σ`, and inserting `σ(u)` into the re-sorted `σ(votes)`
//!   is `σ` of inserting `u` into `votes`. The seeded bugs change a
//!   threshold, a height check, or skip a membership test or a closed
//!   certificate's refusal; none of them names a particular validator, so
//!   each buggy model is symmetric too. Retention ([R-CKPT-9]) prunes at
//!   the boundary by position in the finalization order.
//! - Evidence ([R-FAULT-3], `behaviour.rs`): a Byzantine member's forged
//!   statements name a Byzantine id, which `σ` fixes; liveness evidence
//!   names no validator; and *every* honest member of a committee signs
//!   the honest-accused variants, so the evidence enabled in `σ(v)` is the
//!   `σ`-image of the evidence enabled in `v`. The evidence rules use the
//!   accused only through membership tests (registered, in the committee)
//!   and put it into the fault, which joins an ascending list; the fault
//!   conditions read roots, checkpoints, heights and epochs, never an id.
//!   A renamed fault is re-sorted like a renamed vote.
//! - The epoch boundary ([R-ISO-3]) picks as cause the smallest fault in
//!   the order `(kind, accused, ...)`, which does read ids: between two
//!   candidate faults that differ only in an honest accused, a renaming
//!   could change the choice. In a correct model that never happens: every
//!   open fault names a Byzantine validator or none ([R-FAULT-MODEL-2];
//!   the `always` property INV-6 (d) checks it), and `σ` fixes those. Only
//!   under the seeded bug `AcceptUnsignedEvidence` can honest validators be
//!   accused, and then the reduced search may skip some views; a violation
//!   it reports is still a real run (below), and that bug breaks INV-6 (d)
//!   in its first step anyway. An audit record names its cause: renaming
//!   an honest accused re-derives the record's hash and every later one
//!   ([R-AUDIT-3]), which is `σ` applied to a log the rules would have
//!   written with the renamed cause.
//! - Cross-shard prepares ([R-XTX-2]) and rollback ticks ([R-RB-2]) name
//!   no validator, and their rules read shards, keys, locks, heights,
//!   generations, statuses, finalized checkpoints and xtx sides.
//! - Cross-shard votes ([R-XTX-3]) name their voter, but the view does not
//!   record it: a side records only its ballot. The rules use the voter
//!   only in checks 4 and 5 (registered, a member of the shard's
//!   committee), which every honest member passes alike, so the voters the
//!   configuration enables (the lowest-numbered honest member, like the
//!   honest proposer above, or every member) give successors that are the
//!   same views, or the `σ`-images of each other's.
//! - A rollback's start ([R-RB-1]) copies its cause from the audit log, and
//!   its restoration ([R-RB-4]) writes the cause into a `Rollback` record:
//!   a renamed cause is the cause the rules would have copied from the
//!   renamed log. The cause names the accused of the fault that isolated
//!   the shard, so it is Byzantine in a correct model, like every other
//!   cause.
//! - The properties: INV-6 (a) counts distinct committee members among the
//!   signers, INV-6 (d) asks whether each accused is Byzantine, which `σ`
//!   preserves; INV-7 reads only checkpoints, heights and rollback phases;
//!   INV-2 reads xtx sides, locks, finalized checkpoints and rollbacks,
//!   never a validator; INV-1, INV-3 and the status graph read heights,
//!   statuses, checkpoints, whether faults are open, rollbacks (their
//!   causes compared with the records', both renamed alike) and the audit
//!   log, whose renamed chain verifies exactly when the original does; the
//!   `sometimes` properties read emptiness of lists, statuses, fault
//!   kinds, audit records' shards and statuses, rollback phases, xtx
//!   states, or whether a *Byzantine* validator's vote is counted.
//! - The order of the action list differs between `v` and `σ(v)`
//!   ([R-DET-0] sorts by id), but that order is not part of the
//!   transition relation. The depth-first checker continues every path
//!   with the state the action produced, not with its representative, so
//!   a discovered path is still a run of the model from the initial view,
//!   the transition invariants are checked on real steps, and
//!   counterexamples replay with the real rules. (A violation names
//!   validators, but it is computed afresh on that replayed run.)
//!
//! - Slashing ([R-SLASH-3]) and reassignment ([R-ASSIGN-2]) read the
//!   accused of open faults (Byzantine, fixed by `σ`), membership and
//!   vacancy counts, and draw from the validators in no committee, which
//!   `σ` fixes too (it moves only current members); `PrioritizeSlashed`
//!   and `StakeBalance` rank those by id and stake. Their records name the
//!   slashed validator and the committees before and after a draw: `σ`
//!   renames them (re-sorted) and re-derives the chain. Healing
//!   ([R-HEAL-*]) reads stages, heights, roots and checkpoints, and copies
//!   the rollback's cause. A validator's record follows its id.
//!
//! # Committees that change
//!
//! The argument needs the members renamed to be honest. Committees now
//! change: a slash empties a seat and a draw fills it. That is sound as
//! long as every Byzantine validator sitting in a committee is its
//! highest-numbered member (below), which holds when the only validators
//! ever drawn are the shard's own slashed Byzantine member: no reserve,
//! and evidence naming a validator against one shard only.
//! [`check_symmetric_config`] refuses every other configuration rather
//! than renaming a Byzantine member: a reserve validator drawn into a
//! committee outranks its Byzantine member, and in `liveness` a slashed,
//! untombstoned Byzantine member of shard 0 can be drawn into shard 1's
//! committee below that shard's honest members. Those configurations
//! (`liveness`, `recovery`, `concurrent`) are checked without symmetry
//! reduction; renaming by the configuration's own Byzantine list would
//! lift this, at the cost of carrying that list in the state.
//!
//! The argument also needs the committees to be pairwise disjoint (the
//! genesis committees are); a member shared by two committees is not
//! renamed at all.
//!
//! # Which members are honest
//!
//! The checker takes the representative function as a plain
//! `fn(&View) -> View`, with no configuration, so this module derives the
//! honest members from the view: in each genesis committee, every member
//! but the highest-numbered one, which is how
//! [`ModelConfig::default_config`] and [`ModelConfig::large`] choose the
//! Byzantine validators ([R-FAULT-MODEL-3]). Without a reserve the view
//! lists `S * n` validators, which gives `n` and so the genesis
//! committees ([`compute_honest_groups`]); a member a slash took out of
//! its committee keeps its place in its group, so that the groups are the
//! same in every view of a run. A symmetric check is valid only for a
//! configuration whose Byzantine members are chosen that way and whose
//! committees take in no outside validator; [`check_symmetric_config`]
//! refuses any other.
//!
//! # How the representative is chosen
//!
//! Every honest member gets a footprint that does not depend on the names
//! of the members: how often it occurs in the votes of each pending
//! checkpoint, in the view's order (ascending by checkpoint, which names no
//! validator), then in the signers of each finalized certificate, in
//! finalization order, then the checkpoint pairs of the equivocation
//! records naming it, the open faults naming it (without the name), the
//! rollbacks whose cause names it (shard and cause without the name), and
//! the indices of the audit records whose cause names it. Within each committee the honest members are sorted
//! by footprint, and the `i`-th of them is renamed to the `i`-th smallest
//! honest id of that committee. A renaming `σ` gives `σ(u)` in `σ(v)` the
//! footprint of `u` in `v`, so the sorted order, and with it the result,
//! is the same for every renaming; two members with equal footprints occur
//! equally often in every list, so exchanging them leaves the view as it
//! is, and how the sort breaks their tie does not matter.

use crate::behaviour::ModelState;
use crate::config::compute_highest_members;
use crate::rules::ModelConfig;
use mend_spec::audit::compute_next_record;
use mend_spec::{AuditEntry, AuditRecord, Checkpoint, Fault, ShardId, ValidatorId, View};
use std::fmt;

/// Why a configuration cannot be checked with symmetry reduction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SymmetryError {
    /// The Byzantine validators are not the highest-numbered member of
    /// each committee, which is what [`compute_representative`] assumes.
    ByzantineNotHighest {
        expected: Vec<ValidatorId>,
        actual: Vec<ValidatorId>,
    },
    /// Committees can take in validators from outside: a reserve
    /// ([R-SLASH-1]) or a slashed validator of another shard
    /// ([R-ASSIGN-2]), higher-numbered than the Byzantine member, or
    /// ranked by a digest of its id (`DeterministicReshuffle`); see
    /// "Committees that change" in the module documentation.
    CommitteesChange { reason: &'static str },
}

impl fmt::Display for SymmetryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SymmetryError::ByzantineNotHighest { expected, actual } => write!(
                f,
                "symmetry reduction assumes the Byzantine validators are the highest-numbered \
                 member of each committee ({}), but this configuration has {}",
                list(expected),
                list(actual)
            ),
            SymmetryError::CommitteesChange { reason } => write!(
                f,
                "symmetry reduction is disabled for this configuration: {reason}; check it \
                 without --symmetry"
            ),
        }
    }
}

impl std::error::Error for SymmetryError {}

fn list(ids: &[ValidatorId]) -> String {
    let inner: Vec<String> = ids.iter().map(|v| v.to_string()).collect();
    format!("{{{}}}", inner.join(","))
}

/// Refuses a configuration whose Byzantine validators are not the
/// highest-numbered member of each genesis committee ([R-FAULT-MODEL-3]):
/// for it, [`compute_representative`] would rename Byzantine validators and
/// the reduced check would be wrong.
///
/// It also refuses a configuration whose committees can take in a
/// validator the representative would take for honest or rename wrongly
/// (see "Committees that change"): one with a reserve, one in which
/// evidence naming a validator may be submitted against more than one
/// shard (a slashed, untombstoned Byzantine member may be drawn into
/// another shard's committee), and one that reshuffles.
pub fn check_symmetric_config(cfg: &ModelConfig) -> Result<(), SymmetryError> {
    let expected = compute_highest_members(&cfg.params);
    if cfg.byzantine != expected {
        return Err(SymmetryError::ByzantineNotHighest {
            expected,
            actual: cfg.byzantine.clone(),
        });
    }
    if cfg.params.reserve_validators > 0 {
        return Err(SymmetryError::CommitteesChange {
            reason: "it has a reserve, whose validators drawn into a committee outrank its \
                     Byzantine member",
        });
    }
    if cfg.params.reassignment == mend_spec::protocol::ReassignmentStrategy::DeterministicReshuffle
    {
        return Err(SymmetryError::CommitteesChange {
            reason: "a deterministic reshuffle ranks validators by a digest of their ids",
        });
    }
    let names_validator = cfg
        .evidence
        .iter()
        .any(|k| *k != mend_spec::FaultKind::LivenessFailure)
        || cfg.bug == Some(mend_spec::SeededBug::SlashWithoutEvidence);
    let accused_shards = cfg
        .params
        .shard_ids()
        .filter(|s| cfg.max_open_faults(*s) > 0)
        .count();
    if names_validator && accused_shards > 1 {
        return Err(SymmetryError::CommitteesChange {
            reason: "validators of more than one shard can be slashed, and a slashed Byzantine \
                     member can be drawn into another shard's committee",
        });
    }
    Ok(())
}

/// The genesis committee size `n` of a view of a configuration without a
/// reserve: such a view lists `S * n` validators ([R-SLASH-1]). `None` for
/// a view that lists none, or a number that is not a multiple of `S` (a
/// hand-built view).
fn compute_genesis_size(view: &View) -> Option<usize> {
    let shards = view.shards.len();
    let validators = view.validators.len();
    if shards == 0 || validators == 0 || !validators.is_multiple_of(shards) {
        return None;
    }
    Some(validators / shards)
}

/// The interchangeable validators of each shard, by the shard's index in
/// the view, each group ascending: the honest members of its genesis
/// committee, that is every member but the highest-numbered one
/// (Byzantine by [R-FAULT-MODEL-3]), whether or not a slash took them out
/// of the committee since (only under a seeded bug can an honest one be
/// slashed), except any that another shard's committee lists now. A view
/// whose genesis committees cannot be read (`compute_genesis_size`)
/// takes its current committees, each without its highest member.
pub fn compute_honest_groups(view: &View) -> Vec<Vec<ValidatorId>> {
    let size = compute_genesis_size(view);
    view.shards
        .iter()
        .enumerate()
        .map(|(index, shard)| {
            let members: Vec<ValidatorId> = match size {
                Some(n) => (index * n..(index * n + n).saturating_sub(1))
                    .filter_map(|v| u16::try_from(v).ok().map(ValidatorId))
                    .collect(),
                None => {
                    let highest = shard.committee.iter().max().copied();
                    shard
                        .committee
                        .iter()
                        .copied()
                        .filter(|v| Some(*v) != highest)
                        .collect()
                }
            };
            let mut group: Vec<ValidatorId> = members
                .into_iter()
                .filter(|v| {
                    !view
                        .shards
                        .iter()
                        .enumerate()
                        .any(|(other, s)| other != index && s.committee.contains(v))
                })
                .collect();
            group.sort();
            group.dedup();
            group
        })
        .collect()
}

/// Where and how often a validator occurs in a view, in terms that name
/// no validator. Compared lexicographically, field by field.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Footprint {
    /// Occurrences in the votes of each pending checkpoint, shard by shard
    /// and in each shard's order.
    votes: Vec<usize>,
    /// Occurrences in the signers of each retained finalized checkpoint,
    /// shard by shard and in finalization order.
    signatures: Vec<usize>,
    /// The equivocation records naming the validator, as (shard, first,
    /// second), ascending.
    equivocations: Vec<(ShardId, Checkpoint, Checkpoint)>,
    /// The open faults naming the validator, as (shard, the fault without
    /// its accused), ascending.
    faults: Vec<(ShardId, Fault)>,
    /// The rollbacks whose cause names the validator, as (shard, the cause
    /// without its accused), ascending by shard.
    rollbacks: Vec<(ShardId, Fault)>,
    /// The validator's record without its id: stake, tombstone, offence
    /// windows ([R-SLASH-1]).
    record: Option<(u64, bool, Vec<mend_spec::Epoch>)>,
    /// The healings whose cause names the validator, as (shard, the cause
    /// without its accused), ascending by shard.
    healings: Vec<(ShardId, Fault)>,
    /// The audit records naming the validator, ascending by index: the
    /// index, whether their cause or fault names it, whether it is the
    /// slashed validator, whether the committee before a reassignment
    /// holds it, whether the one after does.
    audit: Vec<(u64, bool, bool, bool, bool)>,
}

fn count(ids: &[ValidatorId], validator: ValidatorId) -> usize {
    ids.iter().filter(|v| **v == validator).count()
}

fn compute_footprint(view: &View, validator: ValidatorId) -> Footprint {
    let votes = view
        .shards
        .iter()
        .flat_map(|s| s.pending.iter())
        .map(|p| count(&p.votes, validator))
        .collect();
    let signatures = view
        .shards
        .iter()
        .flat_map(|s| s.finalized.iter())
        .map(|f| count(&f.signers, validator))
        .collect();
    let mut equivocations: Vec<(ShardId, Checkpoint, Checkpoint)> = view
        .shards
        .iter()
        .flat_map(|s| {
            s.equivocations
                .iter()
                .filter(|e| e.validator == validator)
                .map(|e| (s.shard, e.first, e.second))
        })
        .collect();
    equivocations.sort();
    let mut faults: Vec<(ShardId, Fault)> = view
        .shards
        .iter()
        .flat_map(|s| {
            s.faults
                .iter()
                .filter(|f| f.accused == Some(validator))
                .map(|f| {
                    (
                        s.shard,
                        Fault {
                            accused: None,
                            ..*f
                        },
                    )
                })
        })
        .collect();
    faults.sort();
    let rollbacks = view
        .shards
        .iter()
        .filter_map(|s| {
            let cause = s.rollback.as_ref()?.cause;
            (cause.accused == Some(validator)).then_some((
                s.shard,
                Fault {
                    accused: None,
                    ..cause
                },
            ))
        })
        .collect();
    let record = view
        .validators
        .iter()
        .find(|v| v.validator == validator)
        .map(|v| (v.stake, v.tombstoned, v.slashed_windows.clone()));
    let healings = view
        .shards
        .iter()
        .filter_map(|s| {
            let cause = s.healing.as_ref()?.cause;
            (cause.accused == Some(validator)).then_some((
                s.shard,
                Fault {
                    accused: None,
                    ..cause
                },
            ))
        })
        .collect();
    let audit = view
        .audit
        .iter()
        .filter_map(|r| {
            let in_cause = compute_cause(r).is_some_and(|c| c.accused == Some(validator));
            let (slashed, before, after) = match &r.entry {
                AuditEntry::Slash { validator: v, .. } => (*v == validator, false, false),
                AuditEntry::Reassignment { before, after, .. } => (
                    false,
                    before.contains(&validator),
                    after.contains(&validator),
                ),
                AuditEntry::StatusChange { .. } | AuditEntry::Rollback { .. } => {
                    (false, false, false)
                }
            };
            (in_cause || slashed || before || after)
                .then_some((r.index, in_cause, slashed, before, after))
        })
        .collect();
    Footprint {
        votes,
        signatures,
        equivocations,
        faults,
        rollbacks,
        record,
        healings,
        audit,
    }
}

/// The fault an audit record names as its cause (a slash's fault), if any.
fn compute_cause(record: &AuditRecord) -> Option<&Fault> {
    match &record.entry {
        AuditEntry::StatusChange { cause, .. } | AuditEntry::Rollback { cause, .. } => Some(cause),
        AuditEntry::Slash { fault, .. } => Some(fault),
        AuditEntry::Reassignment { .. } => None,
    }
}

/// The renaming that takes `view` to its representative, as (from, to)
/// pairs ascending by `from`, without the ids it leaves in place.
fn compute_renaming(view: &View) -> Vec<(ValidatorId, ValidatorId)> {
    let mut renaming = Vec::new();
    for group in compute_honest_groups(view) {
        let mut by_footprint: Vec<(Footprint, ValidatorId)> = group
            .iter()
            .map(|&v| (compute_footprint(view, v), v))
            .collect();
        by_footprint.sort();
        for ((_, from), &to) in by_footprint.iter().zip(&group) {
            if *from != to {
                renaming.push((*from, to));
            }
        }
    }
    renaming.sort();
    renaming
}

/// `view` with every validator id renamed by `renaming` ((from, to) pairs
/// ascending by `from`; ids not listed stay) and every id list put back in
/// its canonical order. Pending checkpoints stay ascending by checkpoint
/// and finalized ones in finalization order: a renaming changes no
/// checkpoint.
fn rename(view: &View, renaming: &[(ValidatorId, ValidatorId)]) -> View {
    let map = |v: ValidatorId| match renaming.binary_search_by_key(&v, |&(from, _)| from) {
        Ok(i) => renaming[i].1,
        Err(_) => v,
    };
    let map_sorted = |ids: &mut Vec<ValidatorId>| {
        for v in ids.iter_mut() {
            *v = map(*v);
        }
        ids.sort();
    };
    let mut next = view.clone();
    for shard in &mut next.shards {
        map_sorted(&mut shard.committee);
        for pending in &mut shard.pending {
            map_sorted(&mut pending.votes);
        }
        for finalized in &mut shard.finalized {
            map_sorted(&mut finalized.signers);
        }
        for evidence in &mut shard.equivocations {
            evidence.validator = map(evidence.validator);
        }
        shard.equivocations.sort();
        for fault in &mut shard.faults {
            fault.accused = fault.accused.map(map);
        }
        shard.faults.sort();
        if let Some(rollback) = &mut shard.rollback {
            rollback.cause.accused = rollback.cause.accused.map(map);
        }
        if let Some(healing) = &mut shard.healing {
            healing.cause.accused = healing.cause.accused.map(map);
        }
    }
    // The validators' records follow their ids, and stay ascending.
    for record in &mut next.validators {
        record.validator = map(record.validator);
    }
    next.validators.sort();
    // A record's hash covers its cause and the validators it names, so a
    // renamed record re-derives the chain from there on. (In a correct
    // model every accused and slashed validator is Byzantine, which no
    // renaming moves; a reassignment names honest members, whose renamed
    // committees are re-sorted.)
    let renamed_causes: Vec<AuditEntry> = view
        .audit
        .iter()
        .map(|r| {
            let mut entry = r.entry.clone();
            match &mut entry {
                AuditEntry::StatusChange { cause, .. } | AuditEntry::Rollback { cause, .. } => {
                    cause.accused = cause.accused.map(map);
                }
                AuditEntry::Slash {
                    validator, fault, ..
                } => {
                    *validator = map(*validator);
                    fault.accused = fault.accused.map(map);
                }
                AuditEntry::Reassignment { before, after, .. } => {
                    map_sorted(before);
                    map_sorted(after);
                }
            }
            entry
        })
        .collect();
    if renamed_causes
        .iter()
        .zip(&view.audit)
        .any(|(entry, record)| *entry != record.entry)
    {
        next.audit.clear();
        for (entry, record) in renamed_causes.into_iter().zip(&view.audit) {
            let rebuilt = compute_next_record(&next.audit, record.epoch, entry);
            next.audit.push(rebuilt);
        }
    }
    next
}

/// The canonical representative of `view` under renamings of the honest
/// members of each committee (see the module documentation): the same view
/// for every such renaming of `view`, and itself such a renaming of it.
/// The Byzantine members are taken to be the highest-numbered member of
/// each committee; use it only for configurations that
/// [`check_symmetric_config`] accepts.
pub fn compute_representative(view: &View) -> View {
    let renaming = compute_renaming(view);
    if renaming.is_empty() {
        view.clone()
    } else {
        rename(view, &renaming)
    }
}

/// [`compute_representative`] of a model state's view; the transition
/// violation it carries, if any, is kept as it is (a state that carries
/// one ends the search).
pub fn compute_state_representative(state: &ModelState) -> ModelState {
    ModelState {
        view: compute_representative(&state.view),
        broken: state.broken.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::behaviour::enabled_actions;
    use crate::rules::{compute_honest_root, init_view, step};
    use mend_spec::{
        compute_genesis_committee, Epoch, Equivocation, FinalizedCheckpoint, Generation, Height,
        ParentLink, PendingCheckpoint, SeededBug, StateRoot,
    };
    use std::collections::BTreeMap;

    fn ids(ids: &[u16]) -> Vec<ValidatorId> {
        ids.iter().copied().map(ValidatorId).collect()
    }

    /// The honest checkpoint of `shard` at `height` in epoch 0.
    fn honest(shard: u16, height: u64, parent: ParentLink) -> Checkpoint {
        Checkpoint {
            shard: ShardId(shard),
            epoch: Epoch(0),
            height: Height(height),
            root: compute_honest_root(Height(height), Generation(0)),
            parent,
        }
    }

    fn forged(checkpoint: Checkpoint) -> Checkpoint {
        Checkpoint {
            root: StateRoot::Forged {
                height: checkpoint.height,
                nonce: 0,
            },
            ..checkpoint
        }
    }

    /// The honest members of each committee by the configuration (not by
    /// the view, as the code under test derives them).
    fn honest_groups(cfg: &ModelConfig) -> Vec<Vec<ValidatorId>> {
        cfg.params
            .shard_ids()
            .map(|shard| {
                compute_genesis_committee(&cfg.params, shard)
                    .into_iter()
                    .filter(|v| !cfg.is_byzantine(*v))
                    .collect()
            })
            .collect()
    }

    fn permutations(items: &[ValidatorId]) -> Vec<Vec<ValidatorId>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut all = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut tail in permutations(&rest) {
                tail.insert(0, first);
                all.push(tail);
            }
        }
        all
    }

    /// Every renaming that permutes the honest members of each committee
    /// among themselves: 3! * 3! = 36 for the default configuration.
    fn renamings(cfg: &ModelConfig) -> Vec<BTreeMap<ValidatorId, ValidatorId>> {
        let mut all = vec![BTreeMap::new()];
        for group in honest_groups(cfg) {
            let mut extended = Vec::new();
            for renaming in &all {
                for image in permutations(&group) {
                    let mut next = renaming.clone();
                    next.extend(group.iter().copied().zip(image));
                    extended.push(next);
                }
            }
            all = extended;
        }
        all
    }

    /// `view` with every id replaced by `map` (ids not in it stay) and the
    /// id lists re-sorted; written apart from [`rename`] so that the tests
    /// do not check the code with itself.
    fn renamed(view: &View, map: &BTreeMap<ValidatorId, ValidatorId>) -> View {
        let f = |v: &ValidatorId| *map.get(v).unwrap_or(v);
        let sorted = |list: &[ValidatorId]| {
            let mut out: Vec<ValidatorId> = list.iter().map(f).collect();
            out.sort();
            out
        };
        let mut next = view.clone();
        for shard in &mut next.shards {
            shard.committee = sorted(&shard.committee);
            for p in &mut shard.pending {
                p.votes = sorted(&p.votes);
            }
            for c in &mut shard.finalized {
                c.signers = sorted(&c.signers);
            }
            for e in &mut shard.equivocations {
                e.validator = f(&e.validator);
            }
            shard.equivocations.sort();
            for fault in &mut shard.faults {
                fault.accused = fault.accused.as_ref().map(f);
            }
            shard.faults.sort();
            if let Some(rollback) = &mut shard.rollback {
                rollback.cause.accused = rollback.cause.accused.as_ref().map(f);
            }
            if let Some(healing) = &mut shard.healing {
                healing.cause.accused = healing.cause.accused.as_ref().map(f);
            }
        }
        for record in &mut next.validators {
            record.validator = f(&record.validator);
        }
        next.validators.sort();
        // Rename each record's cause and chain the hashes again from the
        // first record.
        let mut previous = mend_spec::audit::AUDIT_GENESIS_HASH;
        for record in &mut next.audit {
            match &mut record.entry {
                AuditEntry::StatusChange { cause, .. } | AuditEntry::Rollback { cause, .. } => {
                    cause.accused = cause.accused.as_ref().map(f);
                }
                AuditEntry::Slash {
                    validator, fault, ..
                } => {
                    *validator = f(validator);
                    fault.accused = fault.accused.as_ref().map(f);
                }
                AuditEntry::Reassignment { before, after, .. } => {
                    for ids in [before, after] {
                        for v in ids.iter_mut() {
                            *v = f(v);
                        }
                        ids.sort();
                    }
                }
            }
            record.hash = mend_spec::audit::compute_audit_hash(
                &previous,
                record.index,
                record.epoch,
                &record.entry,
            );
            previous = record.hash;
        }
        next
    }

    /// Asserts that the representative of `view` is idempotent, the same
    /// for every renaming of the honest members, and itself one of those
    /// renamings (so it never renames a Byzantine member and never moves
    /// an id to another committee). Returns whether it differs from `view`.
    fn assert_canonical(cfg: &ModelConfig, view: &View) -> bool {
        let representative = compute_representative(view);
        assert_ordered(&representative);
        assert_eq!(
            compute_representative(&representative),
            representative,
            "not idempotent on\n{view}"
        );
        let mut is_a_renaming = false;
        for renaming in renamings(cfg) {
            let image = renamed(view, &renaming);
            assert_eq!(
                compute_representative(&image),
                representative,
                "renaming {renaming:?} of\n{view}\nchanges the representative"
            );
            is_a_renaming |= image == representative;
        }
        assert!(
            is_a_renaming,
            "the representative\n{representative}\nis no renaming of\n{view}"
        );
        representative != *view
    }

    /// A view with every kind of id occurrence: honest and Byzantine votes,
    /// a finalized certificate, equivocation evidence, and on shard 1 a
    /// vote of one honest member.
    fn hand_built() -> View {
        let cfg = ModelConfig::default_config();
        let mut view = init_view(&cfg.params);
        let c2 = honest(0, 2, ParentLink::Genesis);
        let c4 = honest(0, 4, c2.link());
        let s0 = &mut view.shards[0];
        s0.height = Height(4);
        s0.head_root = compute_honest_root(Height(4), Generation(0));
        s0.finalized = vec![FinalizedCheckpoint {
            checkpoint: c2,
            signers: ids(&[0, 2, 3]),
        }];
        s0.pending = vec![
            PendingCheckpoint {
                checkpoint: c4,
                votes: ids(&[1, 3]),
            },
            PendingCheckpoint {
                checkpoint: forged(c4),
                votes: ids(&[3]),
            },
        ];
        s0.equivocations = vec![Equivocation {
            validator: ValidatorId(3),
            first: c4.min(forged(c4)),
            second: c4.max(forged(c4)),
        }];
        let c1 = honest(1, 2, ParentLink::Genesis);
        let s1 = &mut view.shards[1];
        s1.height = Height(2);
        s1.head_root = compute_honest_root(Height(2), Generation(0));
        s1.pending = vec![PendingCheckpoint {
            checkpoint: c1,
            votes: ids(&[6]),
        }];
        view
    }

    /// [`hand_built`] with what only a seeded bug or a malformed view
    /// holds: a repeated honest vote, votes from the other committee's
    /// honest and Byzantine members, and an honest member's equivocation.
    fn hand_built_degenerate() -> View {
        let mut view = hand_built();
        let s0 = &mut view.shards[0];
        s0.pending[0].votes = ids(&[1, 1, 3, 5, 7]);
        let (first, second) = (s0.pending[0].checkpoint, s0.pending[1].checkpoint);
        s0.pending[1].votes = ids(&[2, 3]);
        s0.equivocations.push(Equivocation {
            validator: ValidatorId(2),
            first: first.min(second),
            second: first.max(second),
        });
        s0.equivocations.sort();
        view
    }

    /// Two honest members that voted alike and differ only in their
    /// equivocation evidence (left after the conflicting checkpoints
    /// expired), and a third one that voted twice for one checkpoint:
    /// views no honest behaviour reaches, on which the representative must
    /// still be canonical.
    fn hand_built_honest_evidence() -> View {
        let mut view = hand_built();
        view.epoch = Epoch(1);
        let c2 = view.shards[0].finalized[0].checkpoint;
        let c4 = view.shards[0].pending[0].checkpoint;
        let s0 = &mut view.shards[0];
        s0.finalized.clear();
        let fresh = Checkpoint {
            epoch: Epoch(1),
            ..c2
        };
        s0.pending = vec![PendingCheckpoint {
            checkpoint: fresh,
            votes: ids(&[1, 2]),
        }];
        s0.equivocations = vec![
            Equivocation {
                validator: ValidatorId(1),
                first: c4.min(forged(c4)),
                second: c4.max(forged(c4)),
            },
            Equivocation {
                validator: ValidatorId(2),
                first: c2.min(forged(c2)),
                second: c2.max(forged(c2)),
            },
        ];
        view.shards[1].pending[0].votes = ids(&[4, 4, 5]);
        view
    }

    /// [`hand_built`] with what only the seeded bug `AcceptUnsignedEvidence`
    /// reaches: open faults naming honest validators, beside a Byzantine
    /// one, and audit records whose causes name honest validators.
    fn hand_built_accused() -> View {
        use mend_spec::audit::compute_next_record;
        use mend_spec::{Fault, FaultKind, ShardStatus};
        let mut view = hand_built();
        view.epoch = Epoch(1);
        let fault = |kind, accused: u16, height: u64| Fault {
            kind,
            accused: Some(ValidatorId(accused)),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(height),
        };
        view.shards[0].faults = vec![
            fault(FaultKind::ExecutionFailure, 2, 5),
            fault(FaultKind::ExecutionFailure, 3, 5),
            fault(FaultKind::TransactionOrderingViolation, 0, 5),
        ];
        view.shards[0].faults.sort();
        view.shards[1].faults = vec![fault(FaultKind::InvalidCrossShardReceipt, 5, 2)];
        for (shard, cause) in [
            (0, fault(FaultKind::ExecutionFailure, 1, 3)),
            (1, fault(FaultKind::InvalidCrossShardReceipt, 5, 2)),
        ] {
            let s = &mut view.shards[shard];
            let to = if shard == 0 {
                ShardStatus::Frozen
            } else {
                ShardStatus::Isolated
            };
            let entry = AuditEntry::StatusChange {
                shard: s.shard,
                from: s.status,
                to,
                cause,
                root_before: s.head_root,
                root_after: s.head_root,
            };
            s.status = to;
            let record = compute_next_record(&view.audit, view.epoch, entry);
            view.audit.push(record);
        }
        view
    }

    /// Asserts that every list of `view` is in its canonical order
    /// (`View` documents them).
    fn assert_ordered(view: &View) {
        for shard in &view.shards {
            assert!(shard.committee.is_sorted(), "{view}");
            assert!(shard.pending.is_sorted_by_key(|p| p.checkpoint), "{view}");
            assert!(shard.pending.iter().all(|p| p.votes.is_sorted()), "{view}");
            assert!(
                shard.finalized.iter().all(|c| c.signers.is_sorted()),
                "{view}"
            );
            assert!(shard.equivocations.is_sorted(), "{view}");
            assert!(shard.faults.is_sorted(), "{view}");
            assert!(shard.locks.is_sorted_by_key(|l| l.key), "{view}");
        }
        assert!(view.transactions.is_sorted_by_key(|x| x.id), "{view}");
    }

    #[test]
    fn the_representative_is_idempotent_and_the_same_for_every_renaming_of_hand_built_views() {
        let cfg = ModelConfig::default_config();
        assert_eq!(renamings(&cfg).len(), 36);
        let init = init_view(&cfg.params);
        assert!(!assert_canonical(&cfg, &init));
        assert_eq!(compute_representative(&init), init);
        assert!(assert_canonical(&cfg, &hand_built()));
        assert!(assert_canonical(&cfg, &hand_built_degenerate()));
        assert!(assert_canonical(&cfg, &hand_built_honest_evidence()));
        assert!(assert_canonical(&cfg, &hand_built_accused()));
    }

    #[test]
    fn views_that_differ_only_in_which_honest_member_voted_share_a_representative() {
        let cfg = ModelConfig::default_config();
        let mut view = init_view(&cfg.params);
        let c = honest(0, 2, ParentLink::Genesis);
        view.shards[0].height = Height(2);
        view.shards[0].pending = vec![PendingCheckpoint {
            checkpoint: c,
            votes: vec![],
        }];
        let with_voter = |voter: u16| {
            let mut v = view.clone();
            v.shards[0].pending[0].votes = ids(&[voter]);
            compute_representative(&v)
        };
        // The honest member with the larger footprint takes the larger id.
        let expected = with_voter(2);
        assert_eq!(expected.shards[0].pending[0].votes, ids(&[2]));
        assert_eq!(with_voter(0), expected);
        assert_eq!(with_voter(1), expected);
        // A Byzantine voter is not an honest one.
        assert_ne!(with_voter(3), expected);
        assert_eq!(with_voter(3).shards[0].pending[0].votes, ids(&[3]));
    }

    /// Views visited by a random walk of `steps` accepted steps from the
    /// initial view, restarting there when no step is enabled. The walk is
    /// a xorshift generator from `seed`, so it is the same on every run.
    fn random_walk(cfg: &ModelConfig, seed: u64, steps: usize) -> Vec<View> {
        let init = init_view(&cfg.params);
        let mut state = seed.max(1);
        let mut view = init.clone();
        let mut views = vec![view.clone()];
        for _ in 0..steps {
            let successors: Vec<View> = enabled_actions(cfg, &view)
                .iter()
                .filter_map(|a| step(&cfg.params, cfg.bug, &view, a).ok())
                .map(|(next, _)| next)
                .collect();
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            view = match u64::try_from(successors.len()) {
                Ok(0) | Err(_) => init.clone(),
                Ok(len) => successors[usize::try_from(state % len).unwrap_or(0)].clone(),
            };
            views.push(view.clone());
        }
        views
    }

    #[test]
    fn the_representative_is_idempotent_and_the_same_for_every_renaming_of_reachable_views() {
        let configs = [
            ModelConfig::finality(),
            ModelConfig::finality().with_bug(Some(SeededBug::CountDuplicateVote)),
            ModelConfig::finality().with_bug(Some(SeededBug::CountNonMemberVote)),
            ModelConfig::faults(),
            ModelConfig::rollback(),
        ];
        for (seed, cfg) in (1..).zip(configs) {
            let views = random_walk(&cfg, seed, 300);
            let mut renamed_views = 0;
            for view in &views {
                if assert_canonical(&cfg, view) {
                    renamed_views += 1;
                }
            }
            // The walk reaches views where the reduction matters.
            assert!(renamed_views > 0, "{} {:?}", cfg.name, cfg.bug);
            assert!(
                views
                    .iter()
                    .any(|v| v.shards.iter().any(|s| !s.finalized.is_empty())),
                "{} {:?}: nothing finalized",
                cfg.name,
                cfg.bug
            );
        }
    }

    #[test]
    fn the_representative_renames_honest_accused_validators_and_rechains_the_audit_log() {
        // Under `AcceptUnsignedEvidence` honest validators are accused, and
        // the boundary writes records naming them.
        let cfg = ModelConfig::faults().with_bug(Some(SeededBug::AcceptUnsignedEvidence));
        let views = random_walk(&cfg, 5, 400);
        let honest_accused = |v: &View| {
            v.audit.iter().any(|r| {
                compute_cause(r)
                    .and_then(|cause| cause.accused)
                    .is_some_and(|a| !cfg.is_byzantine(a))
            })
        };
        assert!(
            views.iter().any(honest_accused),
            "no record names an honest validator"
        );
        for view in &views {
            assert_canonical(&cfg, view);
            let representative = compute_representative(view);
            let mut previous = mend_spec::audit::AUDIT_GENESIS_HASH;
            for record in &representative.audit {
                assert_eq!(
                    record.hash,
                    mend_spec::audit::compute_audit_hash(
                        &previous,
                        record.index,
                        record.epoch,
                        &record.entry
                    )
                );
                previous = record.hash;
            }
        }
    }

    #[test]
    fn the_representative_renames_an_honest_rollback_cause_with_its_records() {
        // Under `AcceptUnsignedEvidence` an honest member's forged proposal
        // isolates shard 0, and its rollback's cause, its status records and
        // its `Rollback` record name that honest member.
        let cfg = ModelConfig::rollback().with_bug(Some(SeededBug::AcceptUnsignedEvidence));
        let honest_cause = |v: &View| {
            v.shards.iter().any(|s| {
                s.rollback
                    .as_ref()
                    .is_some_and(|r| r.cause.accused.is_some_and(|a| !cfg.is_byzantine(a)))
            })
        };
        let restored = |v: &View| {
            v.audit
                .iter()
                .any(|r| matches!(r.entry, AuditEntry::Rollback { .. }))
        };
        let mut seen_cause = false;
        let mut seen_restored = false;
        for seed in 1..=400 {
            for view in random_walk(&cfg, seed, 60) {
                if !honest_cause(&view) {
                    continue;
                }
                seen_cause = true;
                seen_restored |= restored(&view);
                assert_canonical(&cfg, &view);
                let representative = compute_representative(&view);
                // The representative's rollback cause is the cause its
                // log's isolation record names, as the rules would copy it.
                for (index, shard) in representative.shards.iter().enumerate() {
                    let Some(rollback) = &shard.rollback else {
                        continue;
                    };
                    let isolated_by =
                        representative
                            .audit
                            .iter()
                            .rev()
                            .find_map(|r| match r.entry {
                                AuditEntry::StatusChange {
                                    shard: s,
                                    to: mend_spec::ShardStatus::Isolated,
                                    cause,
                                    ..
                                } if s == shard.shard => Some(cause),
                                _ => None,
                            });
                    assert_eq!(isolated_by, Some(rollback.cause), "shard {index}");
                }
            }
        }
        assert!(seen_cause, "no rollback named an honest cause");
        assert!(seen_restored, "no honest-caused rollback was restored");
    }

    /// `view` with each honest member replaced by the lowest honest member
    /// of its committee: what stays of a view when only the committee of
    /// each honest id is known.
    fn collapsed(cfg: &ModelConfig, view: &View) -> View {
        let map: BTreeMap<ValidatorId, ValidatorId> = honest_groups(cfg)
            .iter()
            .flat_map(|group| group.iter().map(move |v| (*v, group[0])))
            .collect();
        renamed(view, &map)
    }

    #[test]
    fn the_representative_never_renames_a_byzantine_member_or_moves_an_id_across_committees() {
        let cfg = ModelConfig::default_config();
        let mut views = vec![
            hand_built(),
            hand_built_degenerate(),
            hand_built_honest_evidence(),
            hand_built_accused(),
        ];
        views.extend(random_walk(
            &cfg.clone().with_bug(Some(SeededBug::CountNonMemberVote)),
            7,
            300,
        ));
        for view in &views {
            let representative = compute_representative(view);
            // Every list holds the same Byzantine ids, the same unregistered
            // ids and as many honest ids of each committee as before.
            assert_eq!(collapsed(&cfg, &representative), collapsed(&cfg, view));
            for (before, after) in view.shards.iter().zip(&representative.shards) {
                assert_eq!(before.committee, after.committee);
            }
        }
        let degenerate = compute_representative(&hand_built_degenerate());
        assert!(degenerate.shards[0].pending[0]
            .votes
            .contains(&ValidatorId(7)));
        assert!(degenerate.shards[0].equivocations[..]
            .iter()
            .any(|e| e.validator == ValidatorId(3)));
    }

    /// Every view of `cfg` reachable by accepted enabled actions, found
    /// breadth first without Stateright.
    fn compute_reachable(cfg: &ModelConfig) -> Vec<View> {
        let init = init_view(&cfg.params);
        let mut seen = std::collections::HashSet::from([init.clone()]);
        let mut frontier = vec![init];
        let mut all = Vec::new();
        while !frontier.is_empty() {
            let mut next = Vec::new();
            for view in frontier {
                for action in enabled_actions(cfg, &view) {
                    if let Ok((successor, _)) = step(&cfg.params, cfg.bug, &view, &action) {
                        if seen.insert(successor.clone()) {
                            next.push(successor);
                        }
                    }
                }
                all.push(view);
            }
            frontier = next;
        }
        all
    }

    /// Asserts that the symmetric check of `cfg` visits one view per class
    /// of reachable views (the classes by brute force: the least renaming
    /// of each view), that the plain check visits every reachable view, and
    /// that both give the same verdicts.
    fn assert_one_view_per_class(cfg: &ModelConfig) {
        let reachable = compute_reachable(cfg);
        let all = renamings(cfg);
        let classes: std::collections::HashSet<View> = reachable
            .iter()
            .map(|view| {
                all.iter()
                    .map(|renaming| renamed(view, renaming))
                    .min()
                    .unwrap_or_else(|| view.clone())
            })
            .collect();
        let representatives: std::collections::HashSet<View> =
            reachable.iter().map(compute_representative).collect();
        assert_eq!(representatives.len(), classes.len(), "{}", cfg.name);
        assert!(
            classes.len() < reachable.len(),
            "{}: {} classes of {} views",
            cfg.name,
            classes.len(),
            reachable.len()
        );

        let plain = crate::run::check(cfg, 1);
        assert_eq!(plain.unique_states, reachable.len(), "{}", cfg.name);
        let reduced =
            crate::run::check_symmetric(cfg, 1).expect("the Byzantine members are the highest");
        assert_eq!(reduced.unique_states, classes.len(), "{}", cfg.name);
        assert_eq!(reduced.properties, plain.properties, "{}", cfg.name);
    }

    #[test]
    fn the_symmetric_check_visits_exactly_one_view_per_class_of_renamings() {
        // Small enough to enumerate every renaming of every view: one
        // checkpoint per shard, with equivocation; the same with evidence
        // against shard 0 (one head at height 1, so that receipts and
        // claims can be valid); and a small `rollback`.
        let mut finality = ModelConfig::finality();
        finality.max_heights = vec![2, 2];
        assert_one_view_per_class(&finality);
        let mut faults = ModelConfig::faults();
        faults.max_heights = vec![2, 1];
        assert_one_view_per_class(&faults);
        // A cross-shard transaction and a rollback that completes or fails
        // (one checkpoint, the head one block above it).
        let mut rollback = ModelConfig::rollback();
        rollback.max_heights = vec![3, 0];
        rollback.max_epoch = 2;
        assert_one_view_per_class(&rollback);
    }

    #[test]
    fn a_member_of_two_committees_is_not_renamed() {
        let cfg = ModelConfig::default_config();
        let mut view = init_view(&cfg.params);
        // v1 in both committees (no configuration builds this).
        view.shards[1].committee = ids(&[1, 4, 5, 6, 7]);
        view.shards[0].height = Height(2);
        view.shards[0].pending = vec![PendingCheckpoint {
            checkpoint: honest(0, 2, ParentLink::Genesis),
            votes: ids(&[1]),
        }];
        assert_eq!(
            compute_honest_groups(&view),
            vec![ids(&[0, 2]), ids(&[4, 5, 6])]
        );
        assert_eq!(compute_representative(&view), view);
    }

    #[test]
    fn a_configuration_with_other_byzantine_members_is_refused() {
        let cfg = ModelConfig::default_config();
        assert_eq!(check_symmetric_config(&cfg), Ok(()));
        // Evidence against three shards: a slashed Byzantine member could
        // be drawn into another committee.
        assert!(matches!(
            check_symmetric_config(&ModelConfig::large(3, 7)),
            Err(SymmetryError::CommitteesChange { .. })
        ));
        let quiet = ModelConfig {
            evidence: vec![],
            ..ModelConfig::large(3, 7)
        };
        assert_eq!(check_symmetric_config(&quiet), Ok(()));
        let reserve = ModelConfig {
            params: cfg
                .params
                .with_recovery(
                    1,
                    mend_spec::protocol::ReassignmentStrategy::PrioritizeSlashed,
                )
                .expect("within bounds"),
            ..cfg.clone()
        };
        assert!(matches!(
            check_symmetric_config(&reserve),
            Err(SymmetryError::CommitteesChange { .. })
        ));
        let mut lowest = cfg.clone();
        lowest.byzantine = ids(&[0, 4]);
        let error = check_symmetric_config(&lowest).unwrap_err();
        assert_eq!(
            error,
            SymmetryError::ByzantineNotHighest {
                expected: ids(&[3, 7]),
                actual: ids(&[0, 4]),
            }
        );
        assert!(error.to_string().contains("{v3,v7}"), "{error}");
        let mut none = cfg;
        none.byzantine = vec![];
        assert!(check_symmetric_config(&none).is_err());
        assert!(crate::run::check_symmetric(&lowest, 1).is_err());
    }
}
