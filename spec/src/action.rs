//! Abstract actions: the inputs of the protocol as the model sees them
//! ([R-ACT-1]).
//!
//! An action names *what* happens (validator 2 votes for shard 0's checkpoint
//! at height 4) without bytes, keys or hashes. The conformance adapter turns
//! each action into a concrete signed message for the engine; the model
//! applies it directly. Actions may be invalid on purpose (a corrupt
//! signature, a wrong epoch): both renderings must reject them with the same
//! [`crate::Rejection`].

use crate::ids::{Epoch, Generation, Height, ShardId, ValidatorId, XtxId};
use crate::protocol::XtxDecision;
use serde::{Deserialize, Serialize};
use std::fmt;

/// An abstract post-state root ([R-BLK-2]).
///
/// The engine computes real SHA3-256 roots by executing blocks; the adapter
/// maps each concrete root back to one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum StateRoot {
    /// The root of the genesis state (height 0) of a shard.
    Genesis,
    /// The root after the honest block at `height` produced in `generation`.
    Block {
        height: Height,
        generation: Generation,
    },
    /// A root that no honest execution produced, signed by a Byzantine
    /// validator; `nonce` tells several forgeries at one height apart.
    Forged { height: Height, nonce: u8 },
}

/// A checkpoint's link to its parent ([R-CKPT-4]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum ParentLink {
    /// The first checkpoint of a shard has no parent checkpoint.
    Genesis,
    /// The parent, named by its epoch, height and root (same shard).
    Checkpoint {
        epoch: Epoch,
        height: Height,
        root: StateRoot,
    },
}

/// A checkpoint's content ([R-CKPT-2]). Its concrete id is the SHA3-256 of
/// the canonical encoding of the concrete counterpart; abstractly the content
/// itself is the id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    pub shard: ShardId,
    pub epoch: Epoch,
    pub height: Height,
    pub root: StateRoot,
    pub parent: ParentLink,
}

impl Checkpoint {
    /// The link a child of this checkpoint carries.
    pub fn link(&self) -> ParentLink {
        ParentLink::Checkpoint {
            epoch: self.epoch,
            height: self.height,
            root: self.root,
        }
    }
}

/// How a message is signed ([R-CKPT-5]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Signature {
    /// Signed by the named validator's own key over the right domain.
    Valid,
    /// Signed by the named validator's key, then corrupted: does not verify.
    Corrupt,
    /// Signed over the right domain, but with another validator's key.
    OtherKey,
}

/// A block that does not follow its shard's head, on purpose ([R-BLK-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum BlockFault {
    /// A well-formed successor of the head.
    None,
    /// It holds more transactions than one wire message can carry.
    TooManyTransactions,
    /// Its height is not `head + 1` (it repeats the head's height).
    WrongHeight,
    /// Its parent is not the head block.
    WrongParent,
    /// Its declared post-state root is not the result of executing it.
    WrongRoot,
    /// Two transactions in descending key order ([R-BLK-3]).
    Unordered,
}

/// What a signed block claim says ([R-FAULT-1], [R-ACT-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ClaimContent {
    /// The honest block at that height: its transactions and the root their
    /// execution on the parent root gives.
    Honest,
    /// The honest block's transactions with a post root no execution gives
    /// (an execution failure, [R-FAULT-2] kind 4).
    WrongRoot,
    /// Two transactions in descending key order, with the root their
    /// execution gives (an ordering violation, [R-FAULT-2] kind 7).
    Unordered,
}

/// A signed block claim: what a producer asserts about the block of `shard`
/// at `height` ([R-FAULT-1]). Its parent root is always the root of `shard`
/// at `height - 1` on the current chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BlockClaim {
    pub producer: ValidatorId,
    pub shard: ShardId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub height: Height,
    pub content: ClaimContent,
    pub signature: Signature,
}

/// A signed receipt: what a member of `source`'s committee asserts to
/// `destination` about `source`'s root at `height` ([R-FAULT-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Receipt {
    pub signer: ValidatorId,
    pub source: ShardId,
    pub destination: ShardId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub height: Height,
    pub root: StateRoot,
    pub signature: Signature,
}

/// One piece of evidence, in the seven forms of [R-FAULT-2] (in table
/// order). It authenticates itself: anyone may submit it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Evidence {
    /// Kind 1: a signed vote contradicting a finalized checkpoint's root.
    StateRootMismatch { vote: Vote },
    /// Kind 2: two signed votes for different checkpoints at one height.
    Equivocation { first: Vote, second: Vote },
    /// Kind 3: a signed receipt whose root is not the source's root.
    InvalidReceipt { receipt: Receipt },
    /// Kind 4: a signed block claim whose post root is wrong.
    ExecutionFailure { claim: BlockClaim },
    /// Kind 5: the shard appended no block for `L` whole epochs.
    Liveness { shard: ShardId },
    /// Kind 6: a signed proposal whose root is not the chain's root.
    CheckpointStateMismatch { proposal: Proposal },
    /// Kind 7: a signed block claim whose transactions are out of order.
    OrderingViolation { claim: BlockClaim },
}

/// A signed checkpoint proposal ([R-CKPT-7]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Proposal {
    pub proposer: ValidatorId,
    /// The rollback generation in the signing domain.
    pub generation: Generation,
    pub checkpoint: Checkpoint,
    pub signature: Signature,
}

/// A signed checkpoint vote ([R-CKPT-8]). Its signing domain is `(shard,
/// epoch, generation)`; it carries the checkpoint it votes for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Vote {
    pub validator: ValidatorId,
    pub shard: ShardId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub checkpoint: Checkpoint,
    pub signature: Signature,
}

/// A cross-shard transaction's prepare ([R-XTX-2]): it locks `key` on both
/// shards. Unsigned, like a block: it is an input of the shards' producers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XtxPrepare {
    pub id: XtxId,
    pub source: ShardId,
    pub destination: ShardId,
    pub key: u32,
}

/// A participant shard's signed, one-shot vote on a cross-shard
/// transaction ([R-XTX-3]). Its signing domain binds it to the transaction,
/// the shard and the shard's rollback generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XtxVote {
    pub voter: ValidatorId,
    pub id: XtxId,
    pub shard: ShardId,
    pub generation: Generation,
    pub decision: XtxDecision,
    pub signature: Signature,
}

/// One input to the protocol ([R-ACT-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum Action {
    /// The shard's next block is produced and appended ([R-BLK-1]).
    ProduceBlock { shard: ShardId, fault: BlockFault },
    /// A committee member proposes a checkpoint ([R-CKPT-7]).
    ProposeCheckpoint(Proposal),
    /// A validator votes for a pending checkpoint ([R-CKPT-8]).
    CastVote(Vote),
    /// Anyone submits evidence of a fault ([R-FAULT-3]).
    SubmitEvidence(Evidence),
    /// The epoch clock ticks to `epoch` ([R-EPOCH-1]).
    AdvanceEpoch { epoch: Epoch },
    /// A cross-shard transaction is prepared on both shards ([R-XTX-2]).
    PrepareXtx(XtxPrepare),
    /// A participant shard votes on a cross-shard transaction ([R-XTX-3]).
    CastXtxVote(XtxVote),
    /// The recovery driver moves `shard`'s rollback one phase on
    /// ([R-RB-2]).
    AdvanceRollback { shard: ShardId },
    /// The recovery driver moves `shard`'s healing one stage on
    /// ([R-HEAL-2]).
    AdvanceHealing { shard: ShardId },
}

impl fmt::Display for StateRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateRoot::Genesis => write!(f, "genesis"),
            StateRoot::Block { height, generation } => write!(f, "root({height},{generation})"),
            StateRoot::Forged { height, nonce } => write!(f, "FORGED({height},#{nonce})"),
        }
    }
}

impl fmt::Display for ParentLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParentLink::Genesis => write!(f, "genesis"),
            ParentLink::Checkpoint {
                epoch,
                height,
                root,
            } => write!(f, "{height}@{epoch}:{root}"),
        }
    }
}

impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ckpt[{} {}@{} {} <- {}]",
            self.shard, self.height, self.epoch, self.root, self.parent
        )
    }
}

fn signature_suffix(signature: Signature) -> &'static str {
    match signature {
        Signature::Valid => "",
        Signature::Corrupt => " (corrupt signature)",
        Signature::OtherKey => " (signed with another key)",
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::ProduceBlock { shard, fault } => match fault {
                BlockFault::None => write!(f, "produce block on {shard}"),
                other => write!(f, "produce block on {shard} with {other:?}"),
            },
            Action::ProposeCheckpoint(p) => write!(
                f,
                "{} proposes {} in {}{}",
                p.proposer,
                p.checkpoint,
                p.generation,
                signature_suffix(p.signature)
            ),
            Action::CastVote(v) => write!(
                f,
                "{} votes on {} for {} (domain {} {} {}){}",
                v.validator,
                v.shard,
                v.checkpoint,
                v.shard,
                v.epoch,
                v.generation,
                signature_suffix(v.signature)
            ),
            Action::SubmitEvidence(e) => write!(f, "submit evidence: {e}"),
            Action::AdvanceEpoch { epoch } => write!(f, "advance epoch to {epoch}"),
            Action::PrepareXtx(p) => write!(
                f,
                "prepare {} from {} to {} on key {}",
                p.id, p.source, p.destination, p.key
            ),
            Action::CastXtxVote(v) => write!(
                f,
                "{} votes {:?} on {} for {} (domain {} {}){}",
                v.voter,
                v.decision,
                v.id,
                v.shard,
                v.shard,
                v.generation,
                signature_suffix(v.signature)
            ),
            Action::AdvanceRollback { shard } => write!(f, "advance the rollback of {shard}"),
            Action::AdvanceHealing { shard } => write!(f, "advance the healing of {shard}"),
        }
    }
}

fn write_vote(f: &mut fmt::Formatter<'_>, v: &Vote) -> fmt::Result {
    write!(
        f,
        "{}'s vote on {} for {} (domain {} {} {}){}",
        v.validator,
        v.shard,
        v.checkpoint,
        v.shard,
        v.epoch,
        v.generation,
        signature_suffix(v.signature)
    )
}

impl fmt::Display for BlockClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}'s {:?} claim of block {} on {} in {} {}{}",
            self.producer,
            self.content,
            self.height,
            self.shard,
            self.epoch,
            self.generation,
            signature_suffix(self.signature)
        )
    }
}

impl fmt::Display for Receipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}'s receipt {} -> {} at {} root {} in {} {}{}",
            self.signer,
            self.source,
            self.destination,
            self.height,
            self.root,
            self.epoch,
            self.generation,
            signature_suffix(self.signature)
        )
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Evidence::StateRootMismatch { vote } => {
                write!(f, "state-root mismatch, ")?;
                write_vote(f, vote)
            }
            Evidence::Equivocation { first, second } => {
                write!(f, "equivocation, ")?;
                write_vote(f, first)?;
                write!(f, " and ")?;
                write_vote(f, second)
            }
            Evidence::InvalidReceipt { receipt } => write!(f, "invalid receipt, {receipt}"),
            Evidence::ExecutionFailure { claim } => write!(f, "execution failure, {claim}"),
            Evidence::Liveness { shard } => write!(f, "liveness failure of {shard}"),
            Evidence::CheckpointStateMismatch { proposal } => write!(
                f,
                "checkpoint state mismatch, {}'s proposal of {} in {}{}",
                proposal.proposer,
                proposal.checkpoint,
                proposal.generation,
                signature_suffix(proposal.signature)
            ),
            Evidence::OrderingViolation { claim } => write!(f, "ordering violation, {claim}"),
        }
    }
}
