//! What a message did: the events of an accepted message, and the typed
//! rejection of a refused one ([R-OUT-1], [R-OUT-2]).
//!
//! Events are the concrete counterparts of `mend_spec::Event`: checkpoints
//! appear as their ids ([R-CKPT-3]) rather than as abstract values. Each
//! rejection enum has one variant per spec rejection code, in the spec's check
//! order, and each variant carries the evidence a reader needs to see why
//! (the expected and the received value, the validator, the checkpoint id).
//! [`EngineRejection::code`] forgets the evidence and gives the spec's code,
//! which is what the conformance test compares with the model.

use crate::wire::{CheckpointBody, DecodeError, Hash32};
use mend_spec::outcome::HealingRejection;
use mend_spec::params::ParamsError;
use mend_spec::protocol::{HealingFailure, HealingStage, PipelineStage, SlashReason};
use mend_spec::{
    BlockRejection, Epoch, EpochRejection, EvidenceRejection, Fault, FaultKind, Generation, Height,
    PrepareRejection, ProposalRejection, Rejection, RollbackFailure, RollbackPhase,
    RollbackRejection, ShardId, ShardStatus, ValidatorId, VoteRejection, XtxBallot, XtxDecision,
    XtxId, XtxState, XtxVoteRejection,
};
use std::fmt;

/// Something an accepted message did ([R-OUT-1]), in the order SPEC.md
/// states the rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EngineEvent {
    /// [R-BLK-1] A block became `shard`'s head.
    BlockAppended {
        shard: ShardId,
        height: Height,
        root: Hash32,
    },
    /// [R-CKPT-7] A checkpoint became pending.
    CheckpointProposed { id: Hash32, body: CheckpointBody },
    /// [R-CKPT-8] A vote was counted, for a pending checkpoint or, late,
    /// into a finalized checkpoint's certificate.
    VoteCounted { validator: ValidatorId, id: Hash32 },
    /// [R-CKPT-10] The vote just counted conflicts with at least one other
    /// counted vote of the same validator; one event per vote.
    EquivocationRecorded { validator: ValidatorId, id: Hash32 },
    /// [R-CKPT-8] A live checkpoint reached its quorum.
    CheckpointFinalized { id: Hash32 },
    /// [R-RB-4] A rollback's restoring step dropped the pending checkpoints
    /// of `shard`.
    PendingDropped { shard: ShardId, count: u32 },
    /// [R-CKPT-9] At an epoch boundary, the oldest retained finalized
    /// checkpoint was pruned.
    CheckpointPruned { id: Hash32 },
    /// [R-EPOCH-1] The epoch advanced.
    EpochAdvanced { epoch: Epoch },
    /// [R-EPOCH-2] The pending checkpoints of `shard` expired.
    PendingExpired { shard: ShardId, count: u32 },
    /// [R-FAULT-5] Evidence was accepted; `fault`, whose id is `id`
    /// ([R-FAULT-4]), is open on `shard`.
    FaultDetected {
        shard: ShardId,
        fault: Fault,
        id: Hash32,
    },
    /// [R-ISO-3] At the epoch boundary `shard`'s status rose from `from` to
    /// `to` because of `cause` (whose fault id is `cause_id`), and one audit
    /// record was appended ([R-AUDIT-1]). Also a rollback's status changes,
    /// with the rollback's cause: `Isolated -> Recovering` when it starts
    /// ([R-RB-1]), `Recovering -> Healing` when it completes ([R-RB-2]),
    /// `Recovering -> Frozen` when it fails ([R-RB-6]).
    StatusChanged {
        shard: ShardId,
        from: ShardStatus,
        to: ShardStatus,
        cause: Fault,
        cause_id: Hash32,
    },
    /// [R-FAULT-6] `count` open faults of `shard` expired at the boundary.
    FaultsExpired { shard: ShardId, count: u32 },
    /// [R-XTX-2] A cross-shard transaction was prepared and holds its key's
    /// lock on both shards.
    XtxPrepared { id: XtxId },
    /// [R-XTX-3] A participant's vote was counted.
    XtxVoteCounted {
        id: XtxId,
        shard: ShardId,
        decision: XtxDecision,
    },
    /// [R-XTX-5] Both sides committed.
    XtxCommitted { id: XtxId },
    /// [R-XTX-5] Both sides aborted, by a vote; or by a rollback ([R-RB-2]
    /// step 1, [R-RB-6]).
    XtxAborted { id: XtxId },
    /// [R-XTX-5], [R-RB-2] step 2, [R-RB-6] A lock was released; several
    /// are released in ascending `(shard, key)` order.
    LockReleased {
        shard: ShardId,
        key: u32,
        xtx: XtxId,
    },
    /// [R-RB-2] `shard`'s rollback entered `phase`.
    RollbackAdvanced {
        shard: ShardId,
        phase: RollbackPhase,
    },
    /// [R-RB-4] `shard`'s head was restored to its own block at `height`,
    /// whose root is `root`, in the new rollback generation `generation`;
    /// one audit record was appended.
    StateRestored {
        shard: ShardId,
        height: Height,
        root: Hash32,
        generation: Generation,
    },
    /// [R-RB-6] `shard`'s rollback failed; the shard is frozen for an
    /// operator.
    RollbackFailed {
        shard: ShardId,
        reason: RollbackFailure,
    },
    /// [R-SLASH-3] A validator named by an open fault of `shard` was
    /// slashed for its offence window `window`; one audit record was
    /// appended.
    ValidatorSlashed {
        validator: ValidatorId,
        shard: ShardId,
        reason: SlashReason,
        window: Epoch,
        penalty: u64,
        tombstoned: bool,
    },
    /// [R-ASSIGN-2] `shard`'s committee was redrawn; `committee` is the new
    /// one, ascending. One audit record was appended.
    CommitteeReassigned {
        shard: ShardId,
        committee: Vec<ValidatorId>,
    },
    /// [R-HEAL-2], [R-PIPE-2] `shard`'s healing entered `stage`.
    HealingAdvanced { shard: ShardId, stage: HealingStage },
    /// [R-HEAL-5] `shard`'s healing failed; the shard is frozen for an
    /// operator.
    HealingFailed {
        shard: ShardId,
        reason: HealingFailure,
    },
    /// [R-PIPE-1] `shard`'s recovery pipeline entered `stage`.
    PipelineAdvanced {
        shard: ShardId,
        stage: PipelineStage,
    },
}

/// Why a block was rejected ([R-BLK-1]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockError {
    /// [R-BLK-1] check 1: no such shard.
    UnknownShard { shard: ShardId },
    /// [R-BLK-1] check 2: the shard's status takes no new transactions
    /// ([R-ISO-1]: `Frozen` and above).
    ShardFrozen { shard: ShardId, status: ShardStatus },
    /// [R-BLK-1] check 3: more transactions than one wire message carries.
    TooManyTransactions {
        shard: ShardId,
        count: usize,
        max: usize,
    },
    /// [R-BLK-1] check 4, [R-BLK-3]: the transaction at `position` does not
    /// have a key above the one before it.
    UnorderedTransactions { shard: ShardId, position: usize },
    /// [R-BLK-1] check 5: the height is not the head's height plus one.
    WrongHeight {
        shard: ShardId,
        head: Height,
        got: Height,
    },
    /// [R-BLK-1] check 6: the parent is not the head block's id (all zeros
    /// before the first block).
    WrongParent {
        shard: ShardId,
        expected: Hash32,
        got: Hash32,
    },
    /// [R-BLK-1] check 7: executing the block gives another root.
    StateRootMismatch {
        shard: ShardId,
        height: Height,
        computed: Hash32,
        declared: Hash32,
    },
}

/// Why a checkpoint proposal was rejected ([R-CKPT-7]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProposalError {
    /// [R-CKPT-7] check 1.
    UnknownShard { shard: ShardId },
    /// [R-CKPT-7] check 2: nothing finalizes during a rollback ([R-RB-3]).
    ShardRecovering { shard: ShardId, status: ShardStatus },
    /// [R-CKPT-7] check 3.
    UnknownValidator { validator: ValidatorId },
    /// [R-CKPT-7] check 4.
    NotMember {
        validator: ValidatorId,
        shard: ShardId,
    },
    /// [R-CKPT-7] check 5: `got` is the checkpoint's epoch.
    WrongEpoch { expected: Epoch, got: Epoch },
    /// [R-CKPT-7] check 6.
    WrongGeneration {
        shard: ShardId,
        expected: Generation,
        got: Generation,
    },
    /// [R-CKPT-7] check 7.
    BadSignature { validator: ValidatorId },
    /// [R-CKPT-7] check 8: `expected` is the next checkpoint height
    /// ([R-CKPT-1]).
    WrongHeight {
        shard: ShardId,
        /// `None` once the next height would overflow.
        expected: Option<Height>,
        got: Height,
    },
    /// [R-CKPT-7] check 9.
    BeyondHead {
        shard: ShardId,
        height: Height,
        head: Height,
    },
    /// [R-CKPT-7] check 10: `None` stands for genesis.
    WrongParent {
        shard: ShardId,
        expected: Option<Hash32>,
        got: Option<Hash32>,
    },
    /// [R-CKPT-7] check 11.
    Duplicate { shard: ShardId, id: Hash32 },
    /// [R-CKPT-7] check 12.
    TooManyPending { shard: ShardId, max: u32 },
}

/// Why a checkpoint vote was rejected ([R-CKPT-8]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteError {
    /// [R-CKPT-8] check 1.
    UnknownShard { shard: ShardId },
    /// [R-CKPT-8] check 2: nothing finalizes during a rollback ([R-RB-3]).
    ShardRecovering { shard: ShardId, status: ShardStatus },
    /// [R-CKPT-8] check 3.
    UnknownValidator { validator: ValidatorId },
    /// [R-CKPT-8] check 4: the vote's shard and its checkpoint's differ.
    WrongShard {
        shard: ShardId,
        checkpoint_shard: ShardId,
    },
    /// [R-CKPT-8] check 5.
    NotMember {
        validator: ValidatorId,
        shard: ShardId,
    },
    /// [R-CKPT-8] check 6: `got` is the epoch of the vote's signing domain.
    WrongEpoch { expected: Epoch, got: Epoch },
    /// [R-CKPT-8] check 7.
    WrongGeneration {
        shard: ShardId,
        expected: Generation,
        got: Generation,
    },
    /// [R-CKPT-8] check 8.
    BadSignature { validator: ValidatorId },
    /// [R-CKPT-8] check 9: finalized in an earlier epoch, whose
    /// certificate is closed.
    AlreadyFinalized { shard: ShardId, id: Hash32 },
    /// [R-CKPT-8] check 10, and [R-CKPT-9] for a pruned checkpoint.
    UnknownCheckpoint { shard: ShardId, id: Hash32 },
    /// [R-CKPT-8] check 11.
    Duplicate { validator: ValidatorId, id: Hash32 },
}

/// Why evidence was rejected ([R-FAULT-3]), in check order. Liveness
/// evidence takes checks 1, 11 and 12 only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EvidenceError {
    /// [R-FAULT-3] check 1: the evidence shard, or a receipt's destination,
    /// is not a shard.
    UnknownShard { shard: ShardId },
    /// [R-FAULT-3] check 2: the parts of the evidence do not agree.
    Mismatched { shard: ShardId, mismatch: Mismatch },
    /// [R-FAULT-3] check 3: the accused is not registered.
    UnknownValidator { validator: ValidatorId },
    /// [R-FAULT-3] check 4: the accused is not in the evidence shard's
    /// committee.
    NotMember {
        validator: ValidatorId,
        shard: ShardId,
    },
    /// [R-FAULT-3] check 5: the evidence's epoch is after the current one.
    FutureEpoch {
        shard: ShardId,
        epoch: Epoch,
        current: Epoch,
    },
    /// [R-FAULT-3] check 6: `epoch + A_e` is below the current epoch.
    StaleEpoch {
        shard: ShardId,
        epoch: Epoch,
        current: Epoch,
        max_age_epochs: u64,
    },
    /// [R-FAULT-3] check 7: the evidence is from another rollback
    /// generation than the shard's.
    WrongGeneration {
        shard: ShardId,
        expected: Generation,
        got: Generation,
    },
    /// [R-FAULT-3] check 8: `height` is not in `1..=highest` (the head, or
    /// the head plus one for a block claim).
    HeightOutOfRange {
        shard: ShardId,
        height: Height,
        highest: Height,
    },
    /// [R-FAULT-3] check 9: `height + A_b` is not above the head: the engine
    /// no longer keeps that height's root ([R-FAULT-7]).
    StaleHeight {
        shard: ShardId,
        height: Height,
        head: Height,
        max_age_blocks: u64,
    },
    /// [R-FAULT-3] check 10: a signature of the evidence does not verify
    /// under the accused's key over its domain.
    BadSignature {
        validator: ValidatorId,
        kind: FaultKind,
    },
    /// [R-FAULT-3] check 11: the fault condition of [R-FAULT-2] does not
    /// hold for `kind` at `height` on `shard`.
    NotAFault {
        shard: ShardId,
        kind: FaultKind,
        height: Height,
    },
    /// [R-FAULT-3] check 12: the fault, with fault id `id`, is already open
    /// on `shard` ([R-FAULT-4]).
    Duplicate {
        shard: ShardId,
        fault: Fault,
        id: Hash32,
    },
}

/// [R-FAULT-3] check 2: which parts of a piece of evidence disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mismatch {
    /// The two votes of an equivocation have different signers.
    Signers {
        first: ValidatorId,
        second: ValidatorId,
    },
    /// The two votes of an equivocation are cast on different shards.
    Shards { first: ShardId, second: ShardId },
    /// The two votes of an equivocation are signed in different epochs.
    Epochs { first: Epoch, second: Epoch },
    /// The two votes of an equivocation are in different generations.
    Generations {
        first: Generation,
        second: Generation,
    },
    /// The two votes of an equivocation are for different heights.
    Heights { first: Height, second: Height },
    /// A vote is cast on one shard for a checkpoint of another.
    CheckpointShard {
        vote_shard: ShardId,
        checkpoint_shard: ShardId,
    },
    /// A receipt's destination is its source.
    ReceiptToItself { shard: ShardId },
}

/// Why an epoch tick was rejected ([R-EPOCH-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EpochError {
    /// [R-EPOCH-1] `got` is not `current + 1`.
    NotNextEpoch { current: Epoch, got: Epoch },
}

/// Why a cross-shard prepare was rejected ([R-XTX-2]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrepareError {
    /// [R-XTX-2] check 1: the source, or else the destination, is not a
    /// shard.
    UnknownShard { shard: ShardId },
    /// [R-XTX-2] check 2: the source is the destination.
    SameShard { shard: ShardId },
    /// [R-XTX-2] check 3: an xtx with this id was already prepared; ids are
    /// never reused ([R-XTX-1]).
    Duplicate { id: XtxId },
    /// [R-XTX-2] check 4, [R-XTX-6]: the source, or else the destination,
    /// takes no new cross-shard transaction (it is not `Normal` or
    /// `Investigating`).
    ShardUnavailable { shard: ShardId, status: ShardStatus },
    /// [R-XTX-2] check 5: `key` is locked on `shard` (the source first) by
    /// `holder`.
    KeyLocked {
        shard: ShardId,
        key: u32,
        holder: XtxId,
    },
}

/// Why a cross-shard vote was rejected ([R-XTX-3]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XtxVoteError {
    /// [R-XTX-3] check 1.
    UnknownShard { shard: ShardId },
    /// [R-XTX-3] check 2.
    UnknownXtx { id: XtxId },
    /// [R-XTX-3] check 3: `shard` is neither the source nor the destination.
    NotParticipant { id: XtxId, shard: ShardId },
    /// [R-XTX-3] check 4.
    UnknownValidator { validator: ValidatorId },
    /// [R-XTX-3] check 5.
    NotMember {
        validator: ValidatorId,
        shard: ShardId,
    },
    /// [R-XTX-3] check 6: a vote signed in another generation, such as one
    /// replayed from before a rollback.
    WrongGeneration {
        shard: ShardId,
        expected: Generation,
        got: Generation,
    },
    /// [R-XTX-3] check 7.
    BadSignature { validator: ValidatorId },
    /// [R-XTX-3] check 8: `shard`'s side is no longer `Prepared`.
    Finished {
        id: XtxId,
        shard: ShardId,
        state: XtxState,
    },
    /// [R-XTX-3] check 9: `shard`'s side already voted `ballot`; votes are
    /// one-shot.
    Duplicate {
        id: XtxId,
        shard: ShardId,
        ballot: XtxBallot,
    },
    /// [R-XTX-3] check 10, [R-XTX-6]: a participant (the source first) is
    /// `Isolated`, `Recovering` or `Healing`.
    ShardUnavailable { shard: ShardId, status: ShardStatus },
    /// [R-XTX-3] check 11, [R-XTX-4]: a commit vote while the side on
    /// `shard` (the source first), prepared at `height`, is above every
    /// retained finalized checkpoint of `shard`; `finalized` is the highest
    /// of those, if any.
    Immature {
        id: XtxId,
        shard: ShardId,
        height: Height,
        finalized: Option<Height>,
    },
}

/// Why a rollback tick was rejected ([R-RB-2]), in check order. A tick
/// whose phase check fails is not rejected: the rollback fails, with its
/// events ([R-RB-6]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RollbackError {
    /// [R-RB-2] check 1.
    UnknownShard { shard: ShardId },
    /// [R-RB-2] check 2: the shard is not `Recovering`.
    NotRecovering { shard: ShardId, status: ShardStatus },
}

/// Why a healing tick was rejected ([R-HEAL-2]), in check order. A tick
/// whose rebuild check fails is not rejected: the healing fails, with its
/// events ([R-HEAL-5]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HealingError {
    /// [R-HEAL-2] check 1.
    UnknownShard { shard: ShardId },
    /// [R-HEAL-2] check 2: the shard is not `Healing`, or its pipeline is
    /// not at `Healing` or `RecoveryComplete` (no healing, or a failed one).
    NotHealing {
        shard: ShardId,
        status: ShardStatus,
        pipeline: Option<PipelineStage>,
    },
    /// [R-HEAL-2] `SyncingBlocks`: the head is not yet at the base's height
    /// plus `N` (`target`; `None` if that height would overflow).
    NotSynced {
        shard: ShardId,
        head: Height,
        target: Option<Height>,
    },
    /// [R-HEAL-2], [R-HEAL-4] `VerifyingState` ends only at an epoch
    /// boundary.
    AwaitingEpoch { shard: ShardId },
    /// [R-HEAL-2] `ReadyForReintegration`: `fault`, the smallest open
    /// fault, is open on the shard.
    FaultOpen { shard: ShardId, fault: Fault },
}

/// A rejected message: one typed error per operation ([R-OUT-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineRejection {
    Block(BlockError),
    Proposal(ProposalError),
    Vote(VoteError),
    Evidence(EvidenceError),
    Epoch(EpochError),
    Prepare(PrepareError),
    XtxVote(XtxVoteError),
    Rollback(RollbackError),
    Healing(HealingError),
}

/// Why bytes given to [`crate::Engine::apply_bytes`] were refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InputError {
    /// [R-OUT-2], [R-WIRE-1] The bytes are not a message; no check ran.
    Decode(DecodeError),
    /// The message decoded and a rule refused it.
    Rejected(EngineRejection),
}

/// Why an engine could not be built at genesis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GenesisError {
    /// [R-PARAM-1] A parameter is outside its bounds. `Params` has public
    /// fields, so the engine checks them again instead of trusting the caller
    /// to have used `Params::new`.
    Params(ParamsError),
    /// [R-DEF-1] One key per registered validator is needed, in id order.
    KeyCount { expected: u16, got: usize },
    /// [R-CKPT-5] A weak (small-order) key is refused: `verify_strict` would
    /// refuse every signature under it, so that validator could never vote.
    WeakKey { validator: ValidatorId },
}

/// [R-JOURNAL-7] Why a state decoded from a snapshot does not have the
/// shape the engine indexes by. These are the checks that keep a restored
/// engine from reading out of bounds; they do not prove the state reachable
/// (only a replay from genesis can), which is why a snapshot is trusted for
/// its checksum, not for its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestoreError {
    /// The parameters or keys fail the checks genesis makes on them.
    Genesis(GenesisError),
    /// The parameters decode but are not what their checked constructors
    /// build from the same fields.
    ParamsNotCanonical,
    /// The shard list does not hold one entry per shard.
    ShardCount { expected: u16, got: usize },
    /// The entry at `index` of the shard list names another shard.
    ShardOrder { index: usize, id: ShardId },
    /// A committee is not ascending without repeats, or names a validator
    /// that is not registered.
    Committee { shard: ShardId },
    /// The validator table does not hold one record per validator.
    ValidatorCount { expected: u16, got: usize },
    /// A cross-shard transaction names a shard that does not exist.
    XtxShard { id: XtxId, shard: ShardId },
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::Genesis(e) => write!(f, "{e}"),
            RestoreError::ParamsNotCanonical => {
                write!(f, "the parameters are not in their canonical form")
            }
            RestoreError::ShardCount { expected, got } => {
                write!(f, "{got} shards held, {expected} configured")
            }
            RestoreError::ShardOrder { index, id } => {
                write!(f, "the shard at index {index} is {id}")
            }
            RestoreError::Committee { shard } => write!(
                f,
                "the committee of {shard} is not ascending, repeats a member or names an \
                 unregistered validator"
            ),
            RestoreError::ValidatorCount { expected, got } => {
                write!(f, "{got} validator records held, {expected} registered")
            }
            RestoreError::XtxShard { id, shard } => {
                write!(f, "{id} names {shard}, which does not exist")
            }
        }
    }
}

impl std::error::Error for RestoreError {}

impl BlockError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> BlockRejection {
        match self {
            BlockError::UnknownShard { .. } => BlockRejection::UnknownShard,
            BlockError::ShardFrozen { .. } => BlockRejection::ShardFrozen,
            BlockError::TooManyTransactions { .. } => BlockRejection::TooManyTransactions,
            BlockError::UnorderedTransactions { .. } => BlockRejection::UnorderedTransactions,
            BlockError::WrongHeight { .. } => BlockRejection::WrongHeight,
            BlockError::WrongParent { .. } => BlockRejection::WrongParent,
            BlockError::StateRootMismatch { .. } => BlockRejection::StateRootMismatch,
        }
    }
}

impl ProposalError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> ProposalRejection {
        match self {
            ProposalError::UnknownShard { .. } => ProposalRejection::UnknownShard,
            ProposalError::ShardRecovering { .. } => ProposalRejection::ShardRecovering,
            ProposalError::UnknownValidator { .. } => ProposalRejection::UnknownValidator,
            ProposalError::NotMember { .. } => ProposalRejection::NotMember,
            ProposalError::WrongEpoch { .. } => ProposalRejection::WrongEpoch,
            ProposalError::WrongGeneration { .. } => ProposalRejection::WrongGeneration,
            ProposalError::BadSignature { .. } => ProposalRejection::BadSignature,
            ProposalError::WrongHeight { .. } => ProposalRejection::WrongHeight,
            ProposalError::BeyondHead { .. } => ProposalRejection::BeyondHead,
            ProposalError::WrongParent { .. } => ProposalRejection::WrongParent,
            ProposalError::Duplicate { .. } => ProposalRejection::Duplicate,
            ProposalError::TooManyPending { .. } => ProposalRejection::TooManyPending,
        }
    }
}

impl VoteError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> VoteRejection {
        match self {
            VoteError::UnknownShard { .. } => VoteRejection::UnknownShard,
            VoteError::ShardRecovering { .. } => VoteRejection::ShardRecovering,
            VoteError::UnknownValidator { .. } => VoteRejection::UnknownValidator,
            VoteError::WrongShard { .. } => VoteRejection::WrongShard,
            VoteError::NotMember { .. } => VoteRejection::NotMember,
            VoteError::WrongEpoch { .. } => VoteRejection::WrongEpoch,
            VoteError::WrongGeneration { .. } => VoteRejection::WrongGeneration,
            VoteError::BadSignature { .. } => VoteRejection::BadSignature,
            VoteError::AlreadyFinalized { .. } => VoteRejection::AlreadyFinalized,
            VoteError::UnknownCheckpoint { .. } => VoteRejection::UnknownCheckpoint,
            VoteError::Duplicate { .. } => VoteRejection::Duplicate,
        }
    }
}

impl EvidenceError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> EvidenceRejection {
        match self {
            EvidenceError::UnknownShard { .. } => EvidenceRejection::UnknownShard,
            EvidenceError::Mismatched { .. } => EvidenceRejection::Mismatched,
            EvidenceError::UnknownValidator { .. } => EvidenceRejection::UnknownValidator,
            EvidenceError::NotMember { .. } => EvidenceRejection::NotMember,
            EvidenceError::FutureEpoch { .. } => EvidenceRejection::FutureEpoch,
            EvidenceError::StaleEpoch { .. } => EvidenceRejection::StaleEpoch,
            EvidenceError::WrongGeneration { .. } => EvidenceRejection::WrongGeneration,
            EvidenceError::HeightOutOfRange { .. } => EvidenceRejection::HeightOutOfRange,
            EvidenceError::StaleHeight { .. } => EvidenceRejection::StaleHeight,
            EvidenceError::BadSignature { .. } => EvidenceRejection::BadSignature,
            EvidenceError::NotAFault { .. } => EvidenceRejection::NotAFault,
            EvidenceError::Duplicate { .. } => EvidenceRejection::Duplicate,
        }
    }
}

impl EpochError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> EpochRejection {
        match self {
            EpochError::NotNextEpoch { .. } => EpochRejection::NotNextEpoch,
        }
    }
}

impl PrepareError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> PrepareRejection {
        match self {
            PrepareError::UnknownShard { .. } => PrepareRejection::UnknownShard,
            PrepareError::SameShard { .. } => PrepareRejection::SameShard,
            PrepareError::Duplicate { .. } => PrepareRejection::Duplicate,
            PrepareError::ShardUnavailable { .. } => PrepareRejection::ShardUnavailable,
            PrepareError::KeyLocked { .. } => PrepareRejection::KeyLocked,
        }
    }
}

impl XtxVoteError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> XtxVoteRejection {
        match self {
            XtxVoteError::UnknownShard { .. } => XtxVoteRejection::UnknownShard,
            XtxVoteError::UnknownXtx { .. } => XtxVoteRejection::UnknownXtx,
            XtxVoteError::NotParticipant { .. } => XtxVoteRejection::NotParticipant,
            XtxVoteError::UnknownValidator { .. } => XtxVoteRejection::UnknownValidator,
            XtxVoteError::NotMember { .. } => XtxVoteRejection::NotMember,
            XtxVoteError::WrongGeneration { .. } => XtxVoteRejection::WrongGeneration,
            XtxVoteError::BadSignature { .. } => XtxVoteRejection::BadSignature,
            XtxVoteError::Finished { .. } => XtxVoteRejection::Finished,
            XtxVoteError::Duplicate { .. } => XtxVoteRejection::Duplicate,
            XtxVoteError::ShardUnavailable { .. } => XtxVoteRejection::ShardUnavailable,
            XtxVoteError::Immature { .. } => XtxVoteRejection::Immature,
        }
    }
}

impl RollbackError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> RollbackRejection {
        match self {
            RollbackError::UnknownShard { .. } => RollbackRejection::UnknownShard,
            RollbackError::NotRecovering { .. } => RollbackRejection::NotRecovering,
        }
    }
}

impl HealingError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> HealingRejection {
        match self {
            HealingError::UnknownShard { .. } => HealingRejection::UnknownShard,
            HealingError::NotHealing { .. } => HealingRejection::NotHealing,
            HealingError::NotSynced { .. } => HealingRejection::NotSynced,
            HealingError::AwaitingEpoch { .. } => HealingRejection::AwaitingEpoch,
            HealingError::FaultOpen { .. } => HealingRejection::FaultOpen,
        }
    }
}

impl EngineRejection {
    /// [R-OUT-2] The spec's typed code, without the evidence.
    pub fn code(&self) -> Rejection {
        match self {
            EngineRejection::Block(e) => Rejection::Block(e.code()),
            EngineRejection::Proposal(e) => Rejection::Proposal(e.code()),
            EngineRejection::Vote(e) => Rejection::Vote(e.code()),
            EngineRejection::Evidence(e) => Rejection::Evidence(e.code()),
            EngineRejection::Epoch(e) => Rejection::Epoch(e.code()),
            EngineRejection::Prepare(e) => Rejection::Prepare(e.code()),
            EngineRejection::XtxVote(e) => Rejection::XtxVote(e.code()),
            EngineRejection::Rollback(e) => Rejection::Rollback(e.code()),
            EngineRejection::Healing(e) => Rejection::Healing(e.code()),
        }
    }
}

/// Each operation's typed error is an [`EngineRejection`] of its variant.
macro_rules! engine_rejection_from {
    ($($error:ident => $variant:ident),* $(,)?) => {
        $(
            impl From<$error> for EngineRejection {
                fn from(e: $error) -> Self {
                    EngineRejection::$variant(e)
                }
            }
        )*
    };
}

engine_rejection_from! {
    BlockError => Block,
    ProposalError => Proposal,
    VoteError => Vote,
    EvidenceError => Evidence,
    EpochError => Epoch,
    PrepareError => Prepare,
    XtxVoteError => XtxVote,
    RollbackError => Rollback,
    HealingError => Healing,
}

/// The first bytes of an id in hex, enough to tell ids apart in a message.
pub(crate) struct ShortId<'a>(pub(crate) &'a Hash32);

impl fmt::Display for ShortId<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0.iter().take(6) {
            write!(f, "{byte:02x}")?;
        }
        write!(f, "..")
    }
}

struct ShortParent<'a>(&'a Option<Hash32>);

impl fmt::Display for ShortParent<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => write!(f, "genesis"),
            Some(id) => ShortId(id).fmt(f),
        }
    }
}

impl fmt::Display for BlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BlockError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            BlockError::ShardFrozen { shard, status } => {
                write!(f, "{shard} is {status:?} and takes no new transactions")
            }
            BlockError::TooManyTransactions { shard, count, max } => {
                write!(
                    f,
                    "block for {shard} holds {count} transactions, at most {max}"
                )
            }
            BlockError::UnorderedTransactions { shard, position } => write!(
                f,
                "block for {shard}: transaction {position} does not have a key above the one before"
            ),
            BlockError::WrongHeight { shard, head, got } => {
                write!(f, "block {got} on {shard} does not follow head {head}")
            }
            BlockError::WrongParent {
                shard,
                expected,
                got,
            } => write!(
                f,
                "block on {shard} names parent {} instead of head {}",
                ShortId(got),
                ShortId(expected)
            ),
            BlockError::StateRootMismatch {
                shard,
                height,
                computed,
                declared,
            } => write!(
                f,
                "block {height} on {shard} declares root {} but executes to {}",
                ShortId(declared),
                ShortId(computed)
            ),
        }
    }
}

impl fmt::Display for ProposalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProposalError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            ProposalError::ShardRecovering { shard, status } => {
                write!(
                    f,
                    "{shard} is {status:?}: nothing finalizes during a rollback"
                )
            }
            ProposalError::UnknownValidator { validator } => {
                write!(f, "no validator {validator}")
            }
            ProposalError::NotMember { validator, shard } => {
                write!(f, "{validator} is not in the committee of {shard}")
            }
            ProposalError::WrongEpoch { expected, got } => {
                write!(f, "checkpoint of {got} proposed in {expected}")
            }
            ProposalError::WrongGeneration {
                shard,
                expected,
                got,
            } => write!(f, "proposal in {got} but {shard} is in {expected}"),
            ProposalError::BadSignature { validator } => {
                write!(f, "proposal signature of {validator} does not verify")
            }
            ProposalError::WrongHeight {
                shard,
                expected,
                got,
            } => match expected {
                Some(expected) => write!(
                    f,
                    "checkpoint at {got} but the next one of {shard} is at {expected}"
                ),
                None => write!(f, "checkpoint at {got} but {shard} has no next height"),
            },
            ProposalError::BeyondHead {
                shard,
                height,
                head,
            } => write!(f, "checkpoint at {height} is above {shard}'s head {head}"),
            ProposalError::WrongParent {
                shard,
                expected,
                got,
            } => write!(
                f,
                "checkpoint names parent {} but {shard}'s latest finalized is {}",
                ShortParent(got),
                ShortParent(expected)
            ),
            ProposalError::Duplicate { shard, id } => {
                write!(f, "checkpoint {} already pending on {shard}", ShortId(id))
            }
            ProposalError::TooManyPending { shard, max } => {
                write!(f, "{shard} already holds {max} pending checkpoints")
            }
        }
    }
}

impl fmt::Display for VoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VoteError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            VoteError::ShardRecovering { shard, status } => {
                write!(
                    f,
                    "{shard} is {status:?}: nothing finalizes during a rollback"
                )
            }
            VoteError::UnknownValidator { validator } => write!(f, "no validator {validator}"),
            VoteError::WrongShard {
                shard,
                checkpoint_shard,
            } => write!(f, "vote on {shard} for a checkpoint of {checkpoint_shard}"),
            VoteError::NotMember { validator, shard } => {
                write!(f, "{validator} is not in the committee of {shard}")
            }
            VoteError::WrongEpoch { expected, got } => {
                write!(f, "vote signed in {got} but the epoch is {expected}")
            }
            VoteError::WrongGeneration {
                shard,
                expected,
                got,
            } => write!(f, "vote in {got} but {shard} is in {expected}"),
            VoteError::BadSignature { validator } => {
                write!(f, "vote signature of {validator} does not verify")
            }
            VoteError::AlreadyFinalized { shard, id } => {
                write!(f, "checkpoint {} of {shard} is already final", ShortId(id))
            }
            VoteError::UnknownCheckpoint { shard, id } => {
                write!(f, "checkpoint {} is not pending on {shard}", ShortId(id))
            }
            VoteError::Duplicate { validator, id } => {
                write!(f, "vote of {validator} already counted for {}", ShortId(id))
            }
        }
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Signers { first, second } => {
                write!(f, "votes signed by {first} and {second}")
            }
            Mismatch::Shards { first, second } => write!(f, "votes cast on {first} and {second}"),
            Mismatch::Epochs { first, second } => write!(f, "votes signed in {first} and {second}"),
            Mismatch::Generations { first, second } => {
                write!(f, "votes signed in {first} and {second}")
            }
            Mismatch::Heights { first, second } => {
                write!(f, "votes for heights {first} and {second}")
            }
            Mismatch::CheckpointShard {
                vote_shard,
                checkpoint_shard,
            } => write!(
                f,
                "vote on {vote_shard} for a checkpoint of {checkpoint_shard}"
            ),
            Mismatch::ReceiptToItself { shard } => write!(f, "receipt from {shard} to itself"),
        }
    }
}

impl fmt::Display for EvidenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EvidenceError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            EvidenceError::Mismatched { shard, mismatch } => {
                write!(f, "evidence on {shard} does not agree: {mismatch}")
            }
            EvidenceError::UnknownValidator { validator } => write!(f, "no validator {validator}"),
            EvidenceError::NotMember { validator, shard } => {
                write!(f, "{validator} is not in the committee of {shard}")
            }
            EvidenceError::FutureEpoch {
                shard,
                epoch,
                current,
            } => write!(f, "evidence on {shard} from {epoch}, after the current {current}"),
            EvidenceError::StaleEpoch {
                shard,
                epoch,
                current,
                max_age_epochs,
            } => write!(
                f,
                "evidence on {shard} from {epoch} is more than {max_age_epochs} epochs before {current}"
            ),
            EvidenceError::WrongGeneration {
                shard,
                expected,
                got,
            } => write!(f, "evidence in {got} but {shard} is in {expected}"),
            EvidenceError::HeightOutOfRange {
                shard,
                height,
                highest,
            } => write!(f, "evidence on {shard} at {height}, outside h1..={highest}"),
            EvidenceError::StaleHeight {
                shard,
                height,
                head,
                max_age_blocks,
            } => write!(
                f,
                "evidence on {shard} at {height} is {max_age_blocks} or more blocks below head {head}"
            ),
            EvidenceError::BadSignature { validator, kind } => {
                write!(f, "{kind:?} evidence: signature of {validator} does not verify")
            }
            EvidenceError::NotAFault {
                shard,
                kind,
                height,
            } => write!(f, "no {kind:?} on {shard} at {height}"),
            EvidenceError::Duplicate { shard, fault, id } => {
                write!(f, "{fault} ({}) is already open on {shard}", ShortId(id))
            }
        }
    }
}

impl fmt::Display for EpochError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EpochError::NotNextEpoch { current, got } => {
                write!(f, "cannot advance from {current} to {got}")
            }
        }
    }
}

impl fmt::Display for PrepareError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrepareError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            PrepareError::SameShard { shard } => {
                write!(f, "source and destination are both {shard}")
            }
            PrepareError::Duplicate { id } => write!(f, "{id} was already prepared"),
            PrepareError::ShardUnavailable { shard, status } => {
                write!(
                    f,
                    "{shard} is {status:?} and takes no new cross-shard transaction"
                )
            }
            PrepareError::KeyLocked { shard, key, holder } => {
                write!(f, "key {key} of {shard} is locked by {holder}")
            }
        }
    }
}

impl fmt::Display for XtxVoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XtxVoteError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            XtxVoteError::UnknownXtx { id } => write!(f, "{id} was never prepared"),
            XtxVoteError::NotParticipant { id, shard } => {
                write!(f, "{shard} takes no part in {id}")
            }
            XtxVoteError::UnknownValidator { validator } => write!(f, "no validator {validator}"),
            XtxVoteError::NotMember { validator, shard } => {
                write!(f, "{validator} is not in the committee of {shard}")
            }
            XtxVoteError::WrongGeneration {
                shard,
                expected,
                got,
            } => write!(f, "vote in {got} but {shard} is in {expected}"),
            XtxVoteError::BadSignature { validator } => {
                write!(
                    f,
                    "cross-shard vote signature of {validator} does not verify"
                )
            }
            XtxVoteError::Finished { id, shard, state } => {
                write!(f, "{id} is already {state:?} on {shard}")
            }
            XtxVoteError::Duplicate { id, shard, ballot } => {
                write!(f, "{shard} already voted {ballot:?} on {id}")
            }
            XtxVoteError::ShardUnavailable { shard, status } => {
                write!(
                    f,
                    "{shard} is {status:?} and takes part in no cross-shard transaction"
                )
            }
            XtxVoteError::Immature {
                id,
                shard,
                height,
                finalized,
            } => match finalized {
                Some(finalized) => write!(
                    f,
                    "{id} was prepared on {shard} at {height}, above its finalized {finalized}"
                ),
                None => write!(
                    f,
                    "{id} was prepared on {shard} at {height}, and nothing is finalized there"
                ),
            },
        }
    }
}

impl fmt::Display for RollbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RollbackError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            RollbackError::NotRecovering { shard, status } => {
                write!(f, "{shard} is {status:?}, not Recovering")
            }
        }
    }
}

impl fmt::Display for HealingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HealingError::UnknownShard { shard } => write!(f, "no shard {shard}"),
            HealingError::NotHealing {
                shard,
                status,
                pipeline,
            } => write!(
                f,
                "{shard} is {status:?} with pipeline {pipeline:?}, not healing"
            ),
            HealingError::NotSynced {
                shard,
                head,
                target,
            } => match target {
                Some(target) => write!(f, "{shard} is at h{} of h{}", head.0, target.0),
                None => write!(f, "{shard} is at h{} and cannot reach its target", head.0),
            },
            HealingError::AwaitingEpoch { shard } => {
                write!(f, "{shard} verifies its state at the next epoch boundary")
            }
            HealingError::FaultOpen { shard, fault } => {
                write!(f, "{shard} still has an open fault: {fault}")
            }
        }
    }
}

impl fmt::Display for EngineRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineRejection::Block(e) => write!(f, "block rejected: {e}"),
            EngineRejection::Proposal(e) => write!(f, "proposal rejected: {e}"),
            EngineRejection::Vote(e) => write!(f, "vote rejected: {e}"),
            EngineRejection::Evidence(e) => write!(f, "evidence rejected: {e}"),
            EngineRejection::Epoch(e) => write!(f, "epoch tick rejected: {e}"),
            EngineRejection::Prepare(e) => write!(f, "prepare rejected: {e}"),
            EngineRejection::XtxVote(e) => write!(f, "cross-shard vote rejected: {e}"),
            EngineRejection::Rollback(e) => write!(f, "rollback tick rejected: {e}"),
            EngineRejection::Healing(e) => write!(f, "healing tick rejected: {e}"),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Decode(e) => e.fmt(f),
            InputError::Rejected(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for GenesisError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GenesisError::Params(e) => write!(f, "parameters: {e}"),
            GenesisError::KeyCount { expected, got } => {
                write!(f, "{got} validator keys given, {expected} registered")
            }
            GenesisError::WeakKey { validator } => write!(f, "the key of {validator} is weak"),
        }
    }
}

impl std::error::Error for BlockError {}
impl std::error::Error for ProposalError {}
impl std::error::Error for VoteError {}
impl std::error::Error for EvidenceError {}
impl std::error::Error for EpochError {}
impl std::error::Error for PrepareError {}
impl std::error::Error for XtxVoteError {}
impl std::error::Error for RollbackError {}
impl std::error::Error for HealingError {}
impl std::error::Error for EngineRejection {}
impl std::error::Error for InputError {}
impl std::error::Error for GenesisError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_maps_to_the_spec_code_of_the_same_name_and_position() {
        let s = ShardId(0);
        let v = ValidatorId(0);
        let id = [0; 32];
        let proposal = [
            ProposalError::UnknownShard { shard: s },
            ProposalError::ShardRecovering {
                shard: s,
                status: ShardStatus::Recovering,
            },
            ProposalError::UnknownValidator { validator: v },
            ProposalError::NotMember {
                validator: v,
                shard: s,
            },
            ProposalError::WrongEpoch {
                expected: Epoch(0),
                got: Epoch(1),
            },
            ProposalError::WrongGeneration {
                shard: s,
                expected: Generation(0),
                got: Generation(1),
            },
            ProposalError::BadSignature { validator: v },
            ProposalError::WrongHeight {
                shard: s,
                expected: Some(Height(2)),
                got: Height(4),
            },
            ProposalError::BeyondHead {
                shard: s,
                height: Height(2),
                head: Height(1),
            },
            ProposalError::WrongParent {
                shard: s,
                expected: None,
                got: Some(id),
            },
            ProposalError::Duplicate { shard: s, id },
            ProposalError::TooManyPending { shard: s, max: 2 },
        ];
        let codes: Vec<_> = proposal.iter().map(|e| e.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        // The spec enum is declared in check order, so the codes of the
        // variants in declaration order are strictly ascending.
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), 12);

        let vote = [
            VoteError::UnknownShard { shard: s },
            VoteError::ShardRecovering {
                shard: s,
                status: ShardStatus::Healing,
            },
            VoteError::UnknownValidator { validator: v },
            VoteError::WrongShard {
                shard: s,
                checkpoint_shard: ShardId(1),
            },
            VoteError::NotMember {
                validator: v,
                shard: s,
            },
            VoteError::WrongEpoch {
                expected: Epoch(0),
                got: Epoch(1),
            },
            VoteError::WrongGeneration {
                shard: s,
                expected: Generation(0),
                got: Generation(1),
            },
            VoteError::BadSignature { validator: v },
            VoteError::AlreadyFinalized { shard: s, id },
            VoteError::UnknownCheckpoint { shard: s, id },
            VoteError::Duplicate { validator: v, id },
        ];
        let codes: Vec<_> = vote.iter().map(|e| e.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), 11);

        let block = [
            BlockError::UnknownShard { shard: s },
            BlockError::ShardFrozen {
                shard: s,
                status: ShardStatus::Frozen,
            },
            BlockError::TooManyTransactions {
                shard: s,
                count: 5455,
                max: 5454,
            },
            BlockError::UnorderedTransactions {
                shard: s,
                position: 1,
            },
            BlockError::WrongHeight {
                shard: s,
                head: Height(0),
                got: Height(0),
            },
            BlockError::WrongParent {
                shard: s,
                expected: id,
                got: [1; 32],
            },
            BlockError::StateRootMismatch {
                shard: s,
                height: Height(1),
                computed: id,
                declared: [1; 32],
            },
        ];
        let codes: Vec<_> = block.iter().map(|e| e.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), 7);

        let fault = Fault {
            kind: FaultKind::ValidatorEquivocation,
            accused: Some(v),
            generation: Generation(0),
            epoch: Epoch(0),
            height: Height(2),
        };
        let evidence = [
            EvidenceError::UnknownShard { shard: s },
            EvidenceError::Mismatched {
                shard: s,
                mismatch: Mismatch::ReceiptToItself { shard: s },
            },
            EvidenceError::UnknownValidator { validator: v },
            EvidenceError::NotMember {
                validator: v,
                shard: s,
            },
            EvidenceError::FutureEpoch {
                shard: s,
                epoch: Epoch(2),
                current: Epoch(1),
            },
            EvidenceError::StaleEpoch {
                shard: s,
                epoch: Epoch(0),
                current: Epoch(3),
                max_age_epochs: 2,
            },
            EvidenceError::WrongGeneration {
                shard: s,
                expected: Generation(0),
                got: Generation(1),
            },
            EvidenceError::HeightOutOfRange {
                shard: s,
                height: Height(0),
                highest: Height(3),
            },
            EvidenceError::StaleHeight {
                shard: s,
                height: Height(1),
                head: Height(5),
                max_age_blocks: 4,
            },
            EvidenceError::BadSignature {
                validator: v,
                kind: FaultKind::ValidatorEquivocation,
            },
            EvidenceError::NotAFault {
                shard: s,
                kind: FaultKind::ValidatorEquivocation,
                height: Height(2),
            },
            EvidenceError::Duplicate {
                shard: s,
                fault,
                id,
            },
        ];
        let codes: Vec<_> = evidence.iter().map(|e| e.code()).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), 12);
        for e in &evidence {
            assert_eq!(
                EngineRejection::from(*e).code(),
                Rejection::Evidence(e.code())
            );
            // Every rejection reads as a sentence.
            assert!(!e.to_string().is_empty());
        }

        assert_eq!(
            EngineRejection::from(EpochError::NotNextEpoch {
                current: Epoch(0),
                got: Epoch(2)
            })
            .code(),
            Rejection::Epoch(EpochRejection::NotNextEpoch)
        );
        assert_eq!(
            EngineRejection::from(vote[7]).code(),
            Rejection::Vote(VoteRejection::BadSignature)
        );
    }

    /// Asserts that `codes` is strictly ascending (the spec enums are
    /// declared in check order) and has `count` entries.
    fn assert_in_check_order<T: Ord + Clone + std::fmt::Debug>(codes: Vec<T>, count: usize) {
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(codes, sorted);
        assert_eq!(codes.len(), count);
    }

    #[test]
    fn every_cross_shard_and_rollback_error_maps_to_the_spec_code_in_check_order() {
        let s = ShardId(0);
        let v = ValidatorId(0);
        let x = XtxId(1);
        let prepare = [
            PrepareError::UnknownShard { shard: s },
            PrepareError::SameShard { shard: s },
            PrepareError::Duplicate { id: x },
            PrepareError::ShardUnavailable {
                shard: s,
                status: ShardStatus::Frozen,
            },
            PrepareError::KeyLocked {
                shard: s,
                key: 3,
                holder: x,
            },
        ];
        assert_in_check_order(prepare.iter().map(|e| e.code()).collect(), 5);
        let xtx_vote = [
            XtxVoteError::UnknownShard { shard: s },
            XtxVoteError::UnknownXtx { id: x },
            XtxVoteError::NotParticipant { id: x, shard: s },
            XtxVoteError::UnknownValidator { validator: v },
            XtxVoteError::NotMember {
                validator: v,
                shard: s,
            },
            XtxVoteError::WrongGeneration {
                shard: s,
                expected: Generation(1),
                got: Generation(0),
            },
            XtxVoteError::BadSignature { validator: v },
            XtxVoteError::Finished {
                id: x,
                shard: s,
                state: XtxState::Aborted,
            },
            XtxVoteError::Duplicate {
                id: x,
                shard: s,
                ballot: XtxBallot::Commit,
            },
            XtxVoteError::ShardUnavailable {
                shard: s,
                status: ShardStatus::Isolated,
            },
            XtxVoteError::Immature {
                id: x,
                shard: s,
                height: Height(3),
                finalized: None,
            },
        ];
        assert_in_check_order(xtx_vote.iter().map(|e| e.code()).collect(), 11);
        let rollback = [
            RollbackError::UnknownShard { shard: s },
            RollbackError::NotRecovering {
                shard: s,
                status: ShardStatus::Normal,
            },
        ];
        assert_in_check_order(rollback.iter().map(|e| e.code()).collect(), 2);
        for e in prepare {
            assert_eq!(
                EngineRejection::from(e).code(),
                Rejection::Prepare(e.code())
            );
            assert!(!e.to_string().is_empty());
        }
        for e in xtx_vote {
            assert_eq!(
                EngineRejection::from(e).code(),
                Rejection::XtxVote(e.code())
            );
            assert!(!e.to_string().is_empty());
        }
        for e in rollback {
            assert_eq!(
                EngineRejection::from(e).code(),
                Rejection::Rollback(e.code())
            );
        }
        assert_eq!(
            EngineRejection::from(xtx_vote[10]).to_string(),
            "cross-shard vote rejected: x1 was prepared on s0 at h3, and nothing is finalized there"
        );
    }

    #[test]
    fn rejections_read_as_sentences_with_their_evidence() {
        let text = VoteError::WrongEpoch {
            expected: Epoch(3),
            got: Epoch(2),
        }
        .to_string();
        assert_eq!(text, "vote signed in e2 but the epoch is e3");
        let text = ProposalError::WrongParent {
            shard: ShardId(1),
            expected: None,
            got: Some([0xab; 32]),
        }
        .to_string();
        assert!(text.contains("abababababab.."), "{text}");
        assert!(text.contains("genesis"), "{text}");
    }
}
