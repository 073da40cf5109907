//! What one model run explores: the protocol parameters, the Byzantine
//! validators, the bounds of exploration, the evidence that is submitted,
//! the examples the run must find, and an optional seeded bug.
//!
//! The exhaustive check is split into small named configurations, each
//! focused on one part of the protocol, so that the whole default suite
//! stays within the CI budget ([`ModelConfig::default_suite`]):
//!
//! - `finality`: checkpoint finality ([R-CKPT-*]) on two shards across an
//!   epoch boundary; no evidence is submitted.
//! - `retention`: one shard finalizing `K + 1` checkpoints, so that
//!   retention prunes ([R-CKPT-9]).
//! - `faults`: fault detection ([R-FAULT-*]), the epoch boundary's status
//!   changes ([R-ISO-3]) and the audit log ([R-AUDIT-*]) on small chains.
//! - `liveness`: shards that stall, over enough epochs for liveness
//!   evidence to become valid ([R-FAULT-2] kind 5), for statuses to rise
//!   level by level along every detection edge of [R-ISO-2], and for
//!   faults to expire ([R-FAULT-6]).
//! - `rollback`: a cross-shard transaction between two shards ([R-XTX-*])
//!   and the rollback of the one that detection isolates ([R-RB-*]), to
//!   completion or to each reachable failure.
//! - `recovery`: the whole recovery pipeline of one shard ([R-PIPE-*]),
//!   from the evidence through slashing ([R-SLASH-*]), reassignment from a
//!   reserve ([R-ASSIGN-*]), rollback and every healing stage
//!   ([R-HEAL-*]) to reintegration.
//! - `concurrent`: two shards recovering at once from a reserve of one, so
//!   that one committee is refilled and the other cannot be
//!   ([R-PIPE-4], [R-ASSIGN-3]).
//!
//! Outside the default suite, `tight` shows that the bound of INV-6 is
//! tight: with `f + 1` Byzantine members in one committee the checker
//! must find a violation.
//!
//! Before fault detection the one default configuration was heads up to
//! heights 6 and 2 over epochs 0 and 1 (1,573,900 views). The last block
//! epoch ([R-BLK-1]) made those bounds 4,025,125 views, about a minute on
//! two threads alone. Without evidence the rules of one shard read and
//! write only that shard and the epoch, so that product of the two shards'
//! behaviours adds interleavings, not behaviours: `finality` (heights 4
//! and 2) and `retention` (height 6 alone) together reach, for each shard,
//! every state of that shard and the epoch that it reached, in a tenth of
//! the views. It stays available as `finality-wide`, outside the default
//! suite.

use crate::behaviour::Example;
use mend_spec::params::ParamsError;
use mend_spec::protocol::ReassignmentStrategy;
use mend_spec::{
    compute_genesis_committee, FaultKind, Params, SeededBug, ShardId, ShardStatus, ValidatorId,
    XtxDecision, XtxId, XtxPrepare,
};

/// What the Byzantine members do with checkpoints ([R-FAULT-MODEL-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByzantineCheckpoints {
    /// Each proposes every checkpoint height up to its shard's head with
    /// the honest and a forged root and every parent, and votes for every
    /// pending and retained finalized checkpoint of every shard, again and
    /// again.
    Everything,
    /// They neither propose nor vote. Their signed statements still serve
    /// as evidence ([`ModelConfig::evidence`]): a forged proposal is
    /// evidence whether or not it was ever pending.
    Withheld,
}

/// Who casts the participants' votes on cross-shard transactions
/// ([R-XTX-3]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XtxVoters {
    /// The lowest-numbered honest member of each participant's committee.
    /// The view does not record who voted, and every honest member passes
    /// the voter checks alike, so another honest voter would lead to the
    /// very same view.
    FirstHonest,
    /// Every member of each participant's committee, the Byzantine one
    /// included: a shard's decision is signed by one member, and a
    /// Byzantine one may sign either decision.
    EveryMember,
}

/// What one model run explores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelConfig {
    /// The configuration's name, as `check --config NAME` takes it.
    pub name: &'static str,
    /// The protocol parameters ([R-PARAM-1]).
    pub params: Params,
    /// The validators that behave Byzantine, ascending ([R-FAULT-MODEL-3]).
    pub byzantine: Vec<ValidatorId>,
    /// How high each shard's head may grow, by shard id (a shard without
    /// an entry produces no block).
    pub max_heights: Vec<u64>,
    /// The epoch clock stops at this epoch.
    pub max_epoch: u64,
    /// The fault kinds whose evidence is submitted ([R-FAULT-2]), in table
    /// order; empty: no `SubmitEvidence` action at all.
    pub evidence: Vec<FaultKind>,
    /// An exploration bound, by shard id like `max_heights`: evidence
    /// against a shard is submitted only while it holds fewer open faults
    /// than its entry (a shard without an entry is never accused). Open
    /// faults of one shard at different heights and epochs are different
    /// faults, and every subset of them is a different view; this keeps
    /// their number small.
    pub max_open_faults: Vec<usize>,
    /// What the Byzantine members do with checkpoints.
    pub byzantine_checkpoints: ByzantineCheckpoints,
    /// The cross-shard transactions whose prepare is tried ([R-XTX-2]),
    /// ascending by id; empty: no cross-shard action at all.
    pub transactions: Vec<XtxPrepare>,
    /// Who votes on the prepared transactions ([R-XTX-3]).
    pub xtx_voters: XtxVoters,
    /// The decisions the voters cast, ascending.
    pub xtx_decisions: Vec<XtxDecision>,
    /// The `sometimes` properties that must have an example in an
    /// exhaustive check of this configuration, in [`Example::ALL`] order.
    pub examples: Vec<Example>,
    /// The deliberately wrong rule to run with, if any.
    pub bug: Option<SeededBug>,
}

/// The names of the configurations `mend-model check` runs by default, in
/// order.
pub const DEFAULT_SUITE: [&str; 7] = [
    "finality",
    "retention",
    "faults",
    "liveness",
    "rollback",
    "recovery",
    "concurrent",
];

/// The name of the two-replica configuration ([`ModelConfig::determinism`]),
/// which `mend-model check` runs after the default suite.
pub const DETERMINISM: &str = "determinism";

/// At most this many gossiped inputs per segment in the `determinism`
/// configuration: four votes make a quorum and a late vote.
pub const DETERMINISM_GOSSIP_PER_SEGMENT: usize = 4;

/// The names of every named configuration: the default suite, the
/// two-replica `determinism`, then the ones run only on request.
pub const NAMED_CONFIGS: [&str; 10] = [
    "finality",
    "retention",
    "faults",
    "liveness",
    "rollback",
    "recovery",
    "concurrent",
    "determinism",
    "finality-wide",
    "tight",
];

impl ModelConfig {
    /// The `finality` configuration; see [`ModelConfig::finality`].
    pub fn default_config() -> ModelConfig {
        ModelConfig::finality()
    }

    /// The `finality` configuration: the default parameters (2 shards,
    /// committees of 4, `N = 2`, `K = 2`, `P = 2`), the highest-numbered
    /// member of each committee Byzantine ([R-FAULT-MODEL-3]), epochs 0 and
    /// 1, no evidence, no bug; shard 0's head grows to height 4 and shard
    /// 1's to height 2.
    ///
    /// Two checkpoints on shard 0 give a chain of two retained finalized
    /// checkpoints ([INV-7 NoForks]'s parent links) and re-finalizing a
    /// lower height on top of a higher one (the seeded bug
    /// `RefinalizeHeight`); one on shard 1 lets both shards finalize, one
    /// finalize without the other, and each Byzantine validator vote on
    /// the other committee's checkpoints. Epoch 1 expires pending
    /// checkpoints and lets honest validators vote again at a height.
    pub fn finality() -> ModelConfig {
        let params = Params::default_config();
        ModelConfig {
            name: "finality",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![4, 2],
            max_epoch: 1,
            evidence: vec![],
            max_open_faults: vec![],
            byzantine_checkpoints: ByzantineCheckpoints::Everything,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            examples: vec![
                Example::Finalizes,
                Example::ByzantineVoteCounted,
                Example::EveryShardFinalizes,
                Example::EquivocationRecorded,
                Example::OneShardAhead,
                Example::LateVoteJoinsCertificate,
                Example::StaleSiblingStaysPending,
            ],
            bug: None,
        }
    }

    /// The `retention` configuration: as `finality`, but shard 0's head
    /// grows to height 6 and shard 1 produces no block. Height 6 is the
    /// lowest at which a shard can finalize `K + 1 = 3` checkpoints, so
    /// that retention prunes the oldest ([R-CKPT-9]); shard 1's committee
    /// still votes (its Byzantine member on shard 0's checkpoints).
    pub fn retention() -> ModelConfig {
        ModelConfig {
            name: "retention",
            max_heights: vec![6, 0],
            examples: vec![
                Example::Finalizes,
                Example::ByzantineVoteCounted,
                Example::EquivocationRecorded,
                Example::Pruned,
                Example::OneShardAhead,
                Example::LateVoteJoinsCertificate,
                Example::StaleSiblingStaysPending,
            ],
            ..ModelConfig::finality()
        }
    }

    /// The `finality-wide` configuration, outside the default suite: both
    /// `finality` and `retention` at once, heads up to heights 6 and 2 over
    /// epochs 0 and 1, the one default configuration before fault
    /// detection. About 4.0 million views, a minute on two threads.
    pub fn finality_wide() -> ModelConfig {
        let mut examples = ModelConfig::finality().examples;
        examples.push(Example::Pruned);
        examples.sort();
        ModelConfig {
            name: "finality-wide",
            max_heights: vec![6, 2],
            examples,
            ..ModelConfig::finality()
        }
    }

    /// The `faults` configuration: the default parameters and Byzantine
    /// members, both heads up to height 2 (one checkpoint each), epochs 0
    /// and 1, every kind of evidence against shard 0 while it holds no
    /// open fault.
    ///
    /// Height 2 is the least at which every form of evidence can be valid:
    /// a state-root mismatch, an equivocation and a checkpoint state
    /// mismatch need a checkpoint height at or below the head. Epoch 1 is the least at which a detected fault raises a
    /// status ([R-ISO-3]), and at which the other shard can finalize
    /// after the boundary. Shard 1 is the one that keeps running: no
    /// evidence names it, so a status change of shard 1 is exactly what
    /// [INV-1] forbids (the seeded bug `IsolateWrongShard`). Faults of one
    /// shard at different heights and epochs are different faults: one
    /// open fault on one shard is about 23 possible faults and 312 thousand
    /// views; one on each shard, or two on shard 0, are millions. Raising a
    /// status twice, the choice of the cause among several faults and
    /// expiry are checked by the `liveness` configuration and the unit
    /// tests. Liveness evidence is submitted too, and always refused here:
    /// a shard needs `L + 1 = 2` epochs without a block.
    ///
    /// Since slashing ([R-SLASH-3]) the boundary of epoch 1 also slashes
    /// the accused Byzantine member, which leaves the committee: 208,404
    /// views instead of 312,376. No reserve, so that symmetry reduction
    /// stays sound here (a drawn reserve validator is not interchangeable
    /// with the honest members, [`crate::symmetry`]); `recovery` checks
    /// reassignment, and `ReassignBelowQuorum` is caught in a variant of
    /// this configuration with a reserve ([`ModelConfig::for_bug`]).
    pub fn faults() -> ModelConfig {
        let params = Params::default_config();
        ModelConfig {
            name: "faults",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![2, 2],
            max_epoch: 1,
            evidence: FaultKind::ALL.to_vec(),
            max_open_faults: vec![1, 0],
            byzantine_checkpoints: ByzantineCheckpoints::Everything,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            examples: vec![
                Example::Finalizes,
                Example::ByzantineVoteCounted,
                Example::EveryShardFinalizes,
                Example::EquivocationRecorded,
                Example::OneShardAhead,
                Example::LateVoteJoinsCertificate,
                Example::StaleSiblingStaysPending,
                Example::Detects(FaultKind::StateRootMismatch),
                Example::Detects(FaultKind::ValidatorEquivocation),
                Example::Detects(FaultKind::InvalidCrossShardReceipt),
                Example::Detects(FaultKind::ExecutionFailure),
                Example::Detects(FaultKind::CheckpointStateMismatch),
                Example::Detects(FaultKind::TransactionOrderingViolation),
                Example::Frozen,
                Example::IsolatedWhileOtherFinalizes,
                Example::Raised {
                    from: ShardStatus::Normal,
                    to: ShardStatus::Frozen,
                },
                Example::Raised {
                    from: ShardStatus::Normal,
                    to: ShardStatus::Isolated,
                },
            ],
            bug: None,
        }
    }

    /// The `liveness` configuration: the default parameters with the
    /// evidence age `A_e = 1` epoch ([R-PARAM-3]), heads up to height 1 (no
    /// checkpoint), epochs 0 to 4, evidence of one fault kind per severity
    /// that a checkpoint-free chain allows (receipts: Critical; execution
    /// failures: High; liveness: Medium), up to two open faults per shard.
    ///
    /// With `L = 1` liveness evidence is valid from epoch 2 on a shard that
    /// appended no block since epoch 0, and its status change takes effect
    /// at epoch 3; with `A_e = 1` a fault of epoch `e` expires at the
    /// boundary to `e + 2`, so a status outlives the fault that caused it.
    /// Faults of different severities in different epochs take every edge
    /// that detection can take in the status graph ([R-ISO-2]), level by
    /// level, and make the boundary choose the cause among faults of
    /// different responses.
    ///
    /// Since rollback ([R-RB-*]) a shard isolated at one boundary starts its
    /// rollback at the next; with no checkpoint to return to, its first
    /// tick fails it and freezes the shard, which a Critical fault still
    /// open isolates again. That took this configuration from 524,648
    /// views to 1,842,464; it has no cross-shard transaction. Slashing
    /// ([R-SLASH-3]) then took it to 136,212: the accused Byzantine member
    /// leaves its committee at the next boundary and can be accused of
    /// nothing more there. An execution failure slashes without a
    /// tombstone, so once its fault expires the member is eligible again
    /// and can be drawn back ([R-ASSIGN-2]), into either committee. The
    /// seeded bug `SlashWithoutEvidence` is caught here, the only
    /// configuration with liveness evidence.
    pub fn liveness() -> ModelConfig {
        let params = Params::default_config()
            .with_detection(1, 1, 4)
            .expect("L = 1, A_e = 1, A_b = 4 are within bounds");
        let evidence = vec![
            FaultKind::InvalidCrossShardReceipt,
            FaultKind::ExecutionFailure,
            FaultKind::LivenessFailure,
        ];
        ModelConfig {
            name: "liveness",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![1, 1],
            max_epoch: 4,
            evidence: evidence.clone(),
            max_open_faults: vec![2, 2],
            byzantine_checkpoints: ByzantineCheckpoints::Everything,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            // The detections of its evidence kinds and every status-graph
            // example, in report order: taken from `Example::ALL` so the
            // list of detection edges is written once.
            examples: Example::ALL
                .into_iter()
                .filter(|e| match e {
                    Example::Detects(kind) => evidence.contains(kind),
                    Example::Investigating
                    | Example::Frozen
                    | Example::Raised { .. }
                    | Example::FaultExpired => true,
                    _ => false,
                })
                .collect(),
            bug: None,
        }
    }

    /// The `rollback` configuration: 2 shards, committees of 4 with the
    /// highest-numbered member Byzantine, `N = 2`, `K = 2`, `P = 2`, the
    /// rollback window `W = 1` block; shard 0's head grows to height 4 and
    /// shard 1's to height 1; epochs 0 to 3; one cross-shard transaction,
    /// `x0` from shard 0 to shard 1 on key 0, voted `Commit` or `Abort` by
    /// the first honest member of each committee; and evidence of
    /// checkpoint state mismatch ([R-FAULT-2] kind 6, Critical) against
    /// shard 0 while it holds no open fault.
    ///
    /// The Byzantine member of shard 0 signs a forged proposal, which is
    /// valid evidence; detection isolates shard 0 at the next boundary and
    /// its rollback starts at the one after ([R-RB-1]), so three epochs
    /// are the least that reach a rollback; a fourth lets evidence of
    /// epoch 1 start one, a rollback run across a boundary, a fault of
    /// epoch 0 expire ([R-FAULT-6]) while a shard whose rollback failed
    /// stays frozen for an operator ([R-RB-6]). Height 4 with `W = 1` reaches
    /// every outcome of the target check ([R-RB-3]): no finalized
    /// checkpoint (`NoCheckpoint`); the checkpoint at 2 from a head at 2 or
    /// 3 (restored, to `Healing`) or at 4 (`TargetBeyondWindow`); the
    /// checkpoint at 4 with a fault at 2 (`FaultBeyondWindow`). Shard 1
    /// keeps running: its one block may come in the epoch of the rollback.
    /// The transaction is prepared at any heights, so it is mature at once
    /// (heights 0), only after a finalization, or never; it may be in
    /// flight when the rollback starts.
    ///
    /// Restrictions, to stay within the CI budget (about 320 thousand views,
    /// a few seconds): the Byzantine members neither propose nor vote on
    /// checkpoints ([`ByzantineCheckpoints::Withheld`]; the `finality`,
    /// `retention` and `faults` configurations explore that, and a forged
    /// checkpoint cannot finalize with `f` Byzantine members); only the
    /// first honest member of each committee votes on the transaction (the
    /// view does not record the voter, so the others would add actions,
    /// not views); evidence of one Critical kind against one shard. One
    /// transaction, and shard 1 below its first checkpoint height, because
    /// each costs about a factor of ten: a second transaction (from shard 1
    /// to shard 0) made 3.3 million views with its own key and 2.1 million
    /// with the same key, and shard 1 up to height 2 made 1.3 million (with
    /// three epochs). Aborting and releasing several transactions in one
    /// rollback, in order, is checked by the unit tests.
    pub fn rollback() -> ModelConfig {
        let params = Params::default_config()
            .with_rollback_window(1)
            .expect("W = 1 is within bounds");
        ModelConfig {
            name: "rollback",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![4, 1],
            max_epoch: 3,
            evidence: vec![FaultKind::CheckpointStateMismatch],
            max_open_faults: vec![1, 0],
            byzantine_checkpoints: ByzantineCheckpoints::Withheld,
            transactions: vec![XtxPrepare {
                id: XtxId(0),
                source: ShardId(0),
                destination: ShardId(1),
                key: 0,
            }],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![XtxDecision::Commit, XtxDecision::Abort],
            examples: vec![
                Example::Finalizes,
                Example::OneShardAhead,
                Example::Detects(FaultKind::CheckpointStateMismatch),
                Example::Frozen,
                Example::Raised {
                    from: ShardStatus::Normal,
                    to: ShardStatus::Isolated,
                },
                Example::FaultExpired,
                Example::RollbackCompletesWithXtxInFlight,
                Example::OtherShardAppendsDuringRollback,
                Example::XtxCommits,
                Example::XtxAbortedByVote,
                Example::RollbackFails,
                Example::Healing,
            ],
            bug: None,
        }
    }

    /// The `recovery` configuration: the whole recovery pipeline of one
    /// shard, fault to reintegration ([R-PIPE-1]). One shard, a committee
    /// of 4 with its highest member Byzantine, `N = 1`, `K = 2`, `P = 2`,
    /// the rollback window `W = 1`, a reserve of one validator (id 4)
    /// drawn by `PrioritizeSlashed` ([R-ASSIGN-1]); the head grows to height
    /// 2; epochs 0 to 4; evidence of checkpoint state mismatch (Critical,
    /// tombstoning) against the shard while it holds no open fault.
    ///
    /// The shortest full run: the checkpoint at height 1 finalizes (the
    /// base); the Byzantine member's forged proposal at height 2 is
    /// evidence, which starts the pipeline; boundary 1 slashes and
    /// tombstones it, draws the reserve validator into its seat and
    /// isolates the shard; boundary 2 starts the rollback, whose five ticks
    /// restore height 1 in generation 1; boundary 3 finds the committee
    /// full and starts the healing, and expires the fault (`A_e = 2`); the
    /// ticks rebuild, open syncing, the new committee re-produces block 2
    /// and the tick into `VerifyingState` lets it finalize the checkpoint
    /// at 2, which boundary 4 verifies; the last tick reintegrates the
    /// shard. `N = 1` keeps the re-synced stretch to one block; epoch 4 is
    /// the least that verifies. The same bounds reach a rollback without a
    /// checkpoint (evidence at height 1: `NoCheckpoint`, frozen). They do
    /// not reach a tick refused while a fault is open (`FaultOpen`): the
    /// one Byzantine member is tombstoned at the first boundary and
    /// liveness evidence is no fault on a healing shard, so nothing can
    /// open one; the conformance suite compares `FaultOpen` on a scripted
    /// run of a committee of 7 with two Byzantine members.
    ///
    /// Restrictions: the Byzantine member neither proposes nor votes
    /// ([`ByzantineCheckpoints::Withheld`]: with `f` Byzantine members a
    /// forged checkpoint cannot finalize, which `finality` checks); no
    /// cross-shard transaction (`rollback` checks those); one evidence
    /// kind, the one that isolates and tombstones. A mismatch of the
    /// rebuild or of the verification cannot happen with at most `f`
    /// Byzantine members ([R-HEAL-5]); the unit tests reach them by hand.
    pub fn recovery() -> ModelConfig {
        let params = Params::new(1, 4, 1, 2, 2)
            .and_then(|p| p.with_rollback_window(1))
            .and_then(|p| p.with_recovery(1, ReassignmentStrategy::PrioritizeSlashed))
            .expect("the recovery parameters are within bounds");
        ModelConfig {
            name: "recovery",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![2],
            max_epoch: 4,
            evidence: vec![FaultKind::CheckpointStateMismatch],
            max_open_faults: vec![1],
            byzantine_checkpoints: ByzantineCheckpoints::Withheld,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            examples: vec![
                Example::Finalizes,
                Example::Detects(FaultKind::CheckpointStateMismatch),
                Example::Frozen,
                Example::Raised {
                    from: ShardStatus::Normal,
                    to: ShardStatus::Isolated,
                },
                Example::FaultExpired,
                Example::RollbackFails,
                Example::Healing,
                Example::ValidatorSlashed,
                Example::CommitteeReassigned,
                Example::Reintegrated,
            ],
            bug: None,
        }
    }

    /// The `concurrent` configuration: two shards recovering at once
    /// ([R-PIPE-4]). As `recovery`, but two shards (committees 0..4 and
    /// 4..8, members 3 and 7 Byzantine), the reserve one validator (id 8),
    /// both heads up to height 1, epochs 0 to 3, and state-root-mismatch
    /// evidence against either shard.
    ///
    /// Both shards can be isolated at boundary 1 and start their rollbacks
    /// at boundary 2; both complete, and boundary 3 adjusts both: shard 0,
    /// first in the order, took the one reserve validator at boundary 1 and
    /// starts healing; shard 1 found the reserve empty and its healing
    /// fails (`CommitteeUnrestorable`, [R-ASSIGN-3]). Epoch 3 is the least
    /// that reaches that; healing to reintegration is `recovery`'s.
    ///
    /// Evidence of a state-root mismatch (a forged vote at height 1, judged
    /// against the chain's root there, [R-FAULT-2] kind 1) isolates a shard
    /// whose head is at height 1, so heads up to height 1 suffice: 126,181
    /// views, about 3 seconds (11,081 when that evidence needed a finalized
    /// checkpoint first; it may now arrive before the quorum's votes,
    /// [R-DET-2]). Checkpoint state mismatch, as in `recovery`,
    /// needs the heads at 2: 4,614,718 views, two minutes on two threads;
    /// heads at 2 and 1 with epochs 0 to 4 (so that shard 0 can verify)
    /// are 503,855 views, 12 seconds.
    pub fn concurrent() -> ModelConfig {
        let params = Params::new(2, 4, 1, 2, 2)
            .and_then(|p| p.with_rollback_window(1))
            .and_then(|p| p.with_recovery(1, ReassignmentStrategy::PrioritizeSlashed))
            .expect("the concurrent parameters are within bounds");
        ModelConfig {
            name: "concurrent",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![1, 1],
            max_epoch: 3,
            evidence: vec![FaultKind::StateRootMismatch],
            max_open_faults: vec![1, 1],
            byzantine_checkpoints: ByzantineCheckpoints::Withheld,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            examples: vec![
                Example::Finalizes,
                Example::EveryShardFinalizes,
                Example::Detects(FaultKind::StateRootMismatch),
                Example::Healing,
                Example::ValidatorSlashed,
                Example::CommitteeReassigned,
                Example::TwoShardsRecover,
                Example::HealingFails,
            ],
            bug: None,
        }
    }

    /// The `tight` configuration, outside the default suite: the bound of
    /// INV-6 is tight (`spec/SPEC.md` §9). One shard, a committee of 4 with
    /// two Byzantine members (2 and 3: `f + 1`), `N = 1`, the head up to
    /// height 1, epoch 0 only, no evidence; the Byzantine members propose
    /// and vote on everything. The checker must find a violation: two
    /// Byzantine votes and one honest vote finalize the checkpoint at
    /// height 1 with one honest signer, below `q - f = 2`
    /// (`FinalizedWithoutHonestQuorum`, INV-6 (a)), in five steps.
    pub fn tight() -> ModelConfig {
        let params = Params::new(1, 4, 1, 2, 2).expect("the tight parameters are within bounds");
        ModelConfig {
            name: "tight",
            byzantine: vec![ValidatorId(2), ValidatorId(3)],
            params,
            max_heights: vec![1],
            max_epoch: 0,
            evidence: vec![],
            max_open_faults: vec![],
            byzantine_checkpoints: ByzantineCheckpoints::Everything,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            examples: vec![Example::Finalizes, Example::ByzantineVoteCounted],
            bug: None,
        }
    }

    /// The `determinism` configuration, checked by the two-replica model
    /// ([`crate::determinism`], [R-DET-5]) rather than the single-replica
    /// one: the default parameters on one shard (a committee of 4 with its
    /// highest member Byzantine, proposing and voting on everything, so
    /// that votes conflict), the head up to height 2 (one checkpoint),
    /// epochs 0 and 1, state-root-mismatch and equivocation evidence with
    /// up to two open faults, at most [`DETERMINISM_GOSSIP_PER_SEGMENT`]
    /// gossiped inputs per segment.
    ///
    /// Four votes for one checkpoint make a certificate of `q = 3` and a
    /// late vote; a Byzantine vote for a forged checkpoint is a stale
    /// sibling's vote, equivocation and kind-1 evidence at once, and the
    /// evidence may arrive before or after the quorum; two open faults make
    /// the boundary choose a cause and slash. Each of these is a rule an
    /// order could change ([R-DET-2], [R-DET-3]). `N = 1` with two
    /// checkpoints (so that retention prunes at the boundary) ran out of
    /// 24 GiB: every checkpoint adds segments, each with its own orders;
    /// pruning's order-freedom is checked by the model's and the engine's
    /// unit tests and the engine's permutation tests.
    pub fn determinism() -> ModelConfig {
        let params =
            Params::new(1, 4, 2, 2, 2).expect("the determinism parameters are within bounds");
        ModelConfig {
            name: DETERMINISM,
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![2],
            max_epoch: 1,
            evidence: vec![
                FaultKind::StateRootMismatch,
                FaultKind::ValidatorEquivocation,
            ],
            max_open_faults: vec![2],
            byzantine_checkpoints: ByzantineCheckpoints::Everything,
            transactions: vec![],
            xtx_voters: XtxVoters::FirstHonest,
            xtx_decisions: vec![],
            examples: vec![],
            bug: None,
        }
    }

    /// Whether this configuration is checked by the two-replica model
    /// ([`crate::determinism`]) rather than the single-replica one.
    pub fn is_replica_pair(&self) -> bool {
        self.name == DETERMINISM
    }

    /// Whether a check of this configuration must find a violation rather
    /// than pass: only `tight`, which has more Byzantine members than the
    /// fault model allows ([R-FAULT-MODEL-3]).
    pub fn expects_violation(&self) -> bool {
        self.name == "tight"
    }

    /// The named configuration called `name`, if any ([`NAMED_CONFIGS`]).
    pub fn by_name(name: &str) -> Option<ModelConfig> {
        match name {
            "finality" => Some(ModelConfig::finality()),
            "retention" => Some(ModelConfig::retention()),
            "finality-wide" => Some(ModelConfig::finality_wide()),
            "faults" => Some(ModelConfig::faults()),
            "liveness" => Some(ModelConfig::liveness()),
            "rollback" => Some(ModelConfig::rollback()),
            "recovery" => Some(ModelConfig::recovery()),
            "concurrent" => Some(ModelConfig::concurrent()),
            "tight" => Some(ModelConfig::tight()),
            DETERMINISM => Some(ModelConfig::determinism()),
            _ => None,
        }
    }

    /// One line on what a configuration of the default suite checks.
    pub fn describe(&self) -> &'static str {
        match self.name {
            "finality" => "checkpoint finality: heights 4 and 2, epochs 0-1, no evidence",
            "retention" => "retention and pruning: heights 6 and 0, epochs 0-1, no evidence",
            "finality-wide" => {
                "finality and retention at once: heights 6 and 2, epochs 0-1, no evidence \
                 (about a minute; not in the default suite)"
            }
            "faults" => {
                "fault detection, isolation, audit: heights 2 and 2, epochs 0-1, every kind of \
                 evidence against shard 0, one open fault"
            }
            "liveness" => {
                "stalling shards and statuses raised level by level: heights 1 and 1, epochs \
                 0-4, A_e = 1, receipt, execution-failure and liveness evidence, two open \
                 faults per shard"
            }
            "rollback" => {
                "cross-shard transactions and rollback: heights 4 and 1, epochs 0-3, W = 1, one \
                 transaction from shard 0 to shard 1, checkpoint-state-mismatch evidence against \
                 shard 0"
            }
            "recovery" => {
                "the recovery pipeline of one shard, fault to reintegration: height 2, epochs \
                 0-4, N = 1, W = 1, a reserve of 1, checkpoint-state-mismatch evidence"
            }
            "concurrent" => {
                "two shards recovering at once from a reserve of 1: heights 2 and 2, epochs 0-3, \
                 N = 1, W = 1, checkpoint-state-mismatch evidence against both"
            }
            DETERMINISM => {
                "two replicas receiving votes and evidence in every order (INV-5): one shard, \
                 height 2, epochs 0-1, state-root-mismatch and equivocation evidence, up to 4 \
                 gossiped inputs per segment"
            }
            "tight" => {
                "the bound is tight: one shard, 2 Byzantine members of 4, height 1, epoch 0; \
                 must find an INV-6 violation (not in the default suite)"
            }
            "large" => {
                "simulation: larger committees and chains, every kind of evidence, cross-shard \
                 transactions"
            }
            _ => "a custom configuration",
        }
    }

    /// Every configuration of the default suite, in order.
    pub fn default_suite() -> Vec<ModelConfig> {
        DEFAULT_SUITE
            .iter()
            .filter_map(|name| ModelConfig::by_name(name))
            .collect()
    }

    /// The configuration in which `bug` is caught, running with it: the
    /// finality bugs in `finality`, the detection and isolation bugs in
    /// `faults`, the cross-shard and rollback bugs in `rollback`, a slash
    /// on liveness evidence in `liveness` (the only one with it), the
    /// healing and reassignment bugs in `recovery`.
    pub fn for_bug(bug: SeededBug) -> ModelConfig {
        let cfg = match bug {
            SeededBug::QuorumOfTwoF
            | SeededBug::CountNonMemberVote
            | SeededBug::CountDuplicateVote
            | SeededBug::RefinalizeHeight => ModelConfig::finality(),
            SeededBug::SilentStatusChange
            | SeededBug::AcceptUnsignedEvidence
            | SeededBug::IsolateWrongShard => ModelConfig::faults(),
            // `faults` with a reserve of one and its Low evidence only: a
            // transaction-ordering slash disables a member and changes no
            // status, so the bug leaves a `Normal` shard below quorum, the
            // case INV-6 (c) names, in two steps. (In `recovery` the same bug
            // is caught by INV-6 (f) on an isolated shard, in three.)
            SeededBug::ReassignBelowQuorum => {
                let faults = ModelConfig::faults();
                ModelConfig {
                    params: faults
                        .params
                        .with_recovery(1, ReassignmentStrategy::PrioritizeSlashed)
                        .expect("a reserve of 1 is within bounds"),
                    evidence: vec![FaultKind::TransactionOrderingViolation],
                    ..faults
                }
            }
            SeededBug::ReceiptBeforeFinal
            | SeededBug::RollbackBeyondWindow
            | SeededBug::AbortOneSide
            | SeededBug::RollbackHealthyShard => ModelConfig::rollback(),
            SeededBug::SlashWithoutEvidence => ModelConfig::liveness(),
            // One replica cannot see an order-dependent rule: two can.
            SeededBug::FirstQuorumCertificate => ModelConfig::determinism(),
            SeededBug::ReintegrateWithoutQuorum | SeededBug::SkipSyncingBlocks => {
                ModelConfig::recovery()
            }
        };
        cfg.with_bug(Some(bug))
    }

    /// A larger configuration for simulation: `shards` shards of
    /// `committee_size` validators, the default `N`, `K`, `P`, `L`, `A_e`,
    /// `A_b` and `W`, one Byzantine (the highest-numbered) member per
    /// committee, heads up to height 8, epochs up to 3, every kind of
    /// evidence while a shard holds fewer than 3 open faults, and one
    /// cross-shard transaction from each shard `s` to `(s + 1) mod S` on key
    /// `s mod 2` (so that, with three shards or more, some contend for a
    /// lock and some run at once), voted either way by every member of each
    /// committee.
    ///
    /// # Panics
    ///
    /// If `shards` or `committee_size` is outside its bounds
    /// ([R-PARAM-1]); [`ModelConfig::try_large`] returns the error instead.
    pub fn large(shards: u16, committee_size: u16) -> ModelConfig {
        match ModelConfig::try_large(shards, committee_size) {
            Ok(cfg) => cfg,
            Err(error) => panic!("ModelConfig::large({shards}, {committee_size}): {error}"),
        }
    }

    /// [`ModelConfig::large`], refusing out-of-bounds sizes with the
    /// parameter error ([R-PARAM-1]).
    pub fn try_large(shards: u16, committee_size: u16) -> Result<ModelConfig, ParamsError> {
        let defaults = Params::default_config();
        let params = Params::new(
            shards,
            committee_size,
            defaults.checkpoint_interval_blocks,
            defaults.retention_checkpoints,
            defaults.pending_checkpoints_max,
        )?;
        Ok(ModelConfig {
            name: "large",
            byzantine: compute_highest_members(&params),
            params,
            max_heights: vec![8; usize::from(shards)],
            max_epoch: 3,
            evidence: FaultKind::ALL.to_vec(),
            max_open_faults: vec![3; usize::from(shards)],
            byzantine_checkpoints: ByzantineCheckpoints::Everything,
            transactions: compute_ring_transactions(&params),
            xtx_voters: XtxVoters::EveryMember,
            xtx_decisions: vec![XtxDecision::Commit, XtxDecision::Abort],
            examples: Example::ALL.to_vec(),
            bug: None,
        })
    }

    /// The same configuration running with `bug`.
    pub fn with_bug(self, bug: Option<SeededBug>) -> ModelConfig {
        ModelConfig { bug, ..self }
    }

    /// The height bound of `shard`.
    pub fn max_height(&self, shard: ShardId) -> u64 {
        self.max_heights
            .get(usize::from(shard.0))
            .copied()
            .unwrap_or(0)
    }

    /// Whether `validator` behaves Byzantine in this configuration.
    pub fn is_byzantine(&self, validator: ValidatorId) -> bool {
        self.byzantine.contains(&validator)
    }

    /// The open-fault bound of `shard`: evidence against it is submitted
    /// while it holds fewer open faults.
    pub fn max_open_faults(&self, shard: ShardId) -> usize {
        self.max_open_faults
            .get(usize::from(shard.0))
            .copied()
            .unwrap_or(0)
    }

    /// Whether evidence of `kind` is submitted in this configuration.
    pub fn submits_evidence(&self, kind: FaultKind) -> bool {
        self.evidence.contains(&kind)
    }
}

/// One cross-shard transaction from each shard `s` to `(s + 1) mod S`, with
/// id `s`, on key `s mod 2`; none with a single shard ([R-XTX-2] check 2).
fn compute_ring_transactions(params: &Params) -> Vec<XtxPrepare> {
    if params.shards < 2 {
        return vec![];
    }
    params
        .shard_ids()
        .map(|source| XtxPrepare {
            id: XtxId(u32::from(source.0)),
            source,
            destination: ShardId((source.0 + 1) % params.shards),
            key: u32::from(source.0 % 2),
        })
        .collect()
}

/// The highest-numbered member of every genesis committee, ascending: the
/// default choice of Byzantine validators ([R-FAULT-MODEL-3]).
pub(crate) fn compute_highest_members(params: &Params) -> Vec<ValidatorId> {
    params
        .shard_ids()
        .filter_map(|shard| compute_genesis_committee(params, shard).last().copied())
        .collect()
}
