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
use mend_spec::params::ParamsError;
use mend_spec::{
    BlockRejection, Epoch, EpochRejection, Generation, Height, ProposalRejection, Rejection,
    ShardId, ValidatorId, VoteRejection,
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
    /// [R-CKPT-8] A vote was counted.
    VoteCounted { validator: ValidatorId, id: Hash32 },
    /// [R-CKPT-10] The vote just counted conflicts with at least one other
    /// counted vote of the same validator; one event per vote.
    EquivocationRecorded { validator: ValidatorId, id: Hash32 },
    /// [R-CKPT-8] A checkpoint reached its quorum.
    CheckpointFinalized { id: Hash32 },
    /// [R-CKPT-8] The other pending checkpoints of `shard` were dropped.
    PendingDropped { shard: ShardId, count: u32 },
    /// [R-CKPT-9] The oldest retained finalized checkpoint was pruned.
    CheckpointPruned { id: Hash32 },
    /// [R-EPOCH-1] The epoch advanced.
    EpochAdvanced { epoch: Epoch },
    /// [R-EPOCH-2] The pending checkpoints of `shard` expired.
    PendingExpired { shard: ShardId, count: u32 },
}

/// Why a block was rejected ([R-BLK-1]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BlockError {
    /// [R-BLK-1] check 1: no such shard.
    UnknownShard { shard: ShardId },
    /// [R-BLK-1] check 2: more transactions than one wire message carries.
    TooManyTransactions {
        shard: ShardId,
        count: usize,
        max: usize,
    },
    /// [R-BLK-1] check 3: the height is not the head's height plus one.
    WrongHeight {
        shard: ShardId,
        head: Height,
        got: Height,
    },
    /// [R-BLK-1] check 4: the parent is not the head block's id (all zeros
    /// before the first block).
    WrongParent {
        shard: ShardId,
        expected: Hash32,
        got: Hash32,
    },
    /// [R-BLK-1] check 5: executing the block gives another root.
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
    /// [R-CKPT-7] check 2.
    UnknownValidator { validator: ValidatorId },
    /// [R-CKPT-7] check 3.
    NotMember {
        validator: ValidatorId,
        shard: ShardId,
    },
    /// [R-CKPT-7] check 4: `got` is the checkpoint's epoch.
    WrongEpoch { expected: Epoch, got: Epoch },
    /// [R-CKPT-7] check 5.
    WrongGeneration {
        shard: ShardId,
        expected: Generation,
        got: Generation,
    },
    /// [R-CKPT-7] check 6.
    BadSignature { validator: ValidatorId },
    /// [R-CKPT-7] check 7: `expected` is the next checkpoint height
    /// ([R-CKPT-1]).
    WrongHeight {
        shard: ShardId,
        /// `None` once the next height would overflow.
        expected: Option<Height>,
        got: Height,
    },
    /// [R-CKPT-7] check 8.
    BeyondHead {
        shard: ShardId,
        height: Height,
        head: Height,
    },
    /// [R-CKPT-7] check 9: `None` stands for genesis.
    WrongParent {
        shard: ShardId,
        expected: Option<Hash32>,
        got: Option<Hash32>,
    },
    /// [R-CKPT-7] check 10.
    Duplicate { shard: ShardId, id: Hash32 },
    /// [R-CKPT-7] check 11.
    TooManyPending { shard: ShardId, max: u32 },
}

/// Why a checkpoint vote was rejected ([R-CKPT-8]), in check order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VoteError {
    /// [R-CKPT-8] check 1.
    UnknownShard { shard: ShardId },
    /// [R-CKPT-8] check 2.
    UnknownValidator { validator: ValidatorId },
    /// [R-CKPT-8] check 3: the vote's shard and its checkpoint's differ.
    WrongShard {
        shard: ShardId,
        checkpoint_shard: ShardId,
    },
    /// [R-CKPT-8] check 4.
    NotMember {
        validator: ValidatorId,
        shard: ShardId,
    },
    /// [R-CKPT-8] check 5: `got` is the epoch of the vote's signing domain.
    WrongEpoch { expected: Epoch, got: Epoch },
    /// [R-CKPT-8] check 6.
    WrongGeneration {
        shard: ShardId,
        expected: Generation,
        got: Generation,
    },
    /// [R-CKPT-8] check 7.
    BadSignature { validator: ValidatorId },
    /// [R-CKPT-8] check 8.
    AlreadyFinalized { shard: ShardId, id: Hash32 },
    /// [R-CKPT-8] check 9, and [R-CKPT-9] for a pruned checkpoint.
    UnknownCheckpoint { shard: ShardId, id: Hash32 },
    /// [R-CKPT-8] check 10.
    Duplicate { validator: ValidatorId, id: Hash32 },
}

/// Why an epoch tick was rejected ([R-EPOCH-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EpochError {
    /// [R-EPOCH-1] `got` is not `current + 1`.
    NotNextEpoch { current: Epoch, got: Epoch },
}

/// A rejected message: one typed error per operation ([R-OUT-2]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EngineRejection {
    Block(BlockError),
    Proposal(ProposalError),
    Vote(VoteError),
    Epoch(EpochError),
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

impl BlockError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> BlockRejection {
        match self {
            BlockError::UnknownShard { .. } => BlockRejection::UnknownShard,
            BlockError::TooManyTransactions { .. } => BlockRejection::TooManyTransactions,
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

impl EpochError {
    /// The spec's code for this rejection.
    pub fn code(&self) -> EpochRejection {
        match self {
            EpochError::NotNextEpoch { .. } => EpochRejection::NotNextEpoch,
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
            EngineRejection::Epoch(e) => Rejection::Epoch(e.code()),
        }
    }
}

impl From<BlockError> for EngineRejection {
    fn from(e: BlockError) -> Self {
        EngineRejection::Block(e)
    }
}

impl From<ProposalError> for EngineRejection {
    fn from(e: ProposalError) -> Self {
        EngineRejection::Proposal(e)
    }
}

impl From<VoteError> for EngineRejection {
    fn from(e: VoteError) -> Self {
        EngineRejection::Vote(e)
    }
}

impl From<EpochError> for EngineRejection {
    fn from(e: EpochError) -> Self {
        EngineRejection::Epoch(e)
    }
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
            BlockError::TooManyTransactions { shard, count, max } => {
                write!(
                    f,
                    "block for {shard} holds {count} transactions, at most {max}"
                )
            }
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

impl fmt::Display for EpochError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EpochError::NotNextEpoch { current, got } => {
                write!(f, "cannot advance from {current} to {got}")
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
            EngineRejection::Epoch(e) => write!(f, "epoch tick rejected: {e}"),
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
impl std::error::Error for EpochError {}
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
        assert_eq!(codes.len(), 11);

        let vote = [
            VoteError::UnknownShard { shard: s },
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
        assert_eq!(codes.len(), 10);

        let block = [
            BlockError::UnknownShard { shard: s },
            BlockError::TooManyTransactions {
                shard: s,
                count: 5455,
                max: 5454,
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
        assert_eq!(codes.len(), 5);

        assert_eq!(
            EngineRejection::from(EpochError::NotNextEpoch {
                current: Epoch(0),
                got: Epoch(2)
            })
            .code(),
            Rejection::Epoch(EpochRejection::NotNextEpoch)
        );
        assert_eq!(
            EngineRejection::from(vote[6]).code(),
            Rejection::Vote(VoteRejection::BadSignature)
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
