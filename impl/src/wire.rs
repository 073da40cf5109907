//! The concrete messages and their canonical encoding ([R-WIRE-1], [R-CKPT-2],
//! [R-FAULT-1]).
//!
//! A message on the wire is bincode 1.x with fixed-width little-endian
//! integers: the fields of each structure in declaration order, lists as a
//! `u64` length then the elements, an optional parent as a `0`/`1` byte then
//! the id, an enum as a `u32` variant index then the variant's fields. The
//! same layout is what [`crate::crypto`] hashes and signs, so the bytes a
//! validator signs over are the bytes any other implementation can rebuild.
//!
//! Decoding is the engine's first line of defence against Byzantine bytes
//! ([R-FAULT-MODEL-1]): it refuses anything over [`MESSAGE_BYTES_MAX`] before
//! reading it, refuses trailing bytes, never trusts a declared length for an
//! allocation, and reports each failure as a typed [`DecodeError`].
//!
//! Besides blocks, checkpoint proposals and votes, validators sign two kinds
//! of statement that are never applied to a chain and serve only as evidence
//! ([R-FAULT-1]): a [`BlockClaim`] and a [`Receipt`]. An [`Evidence`]
//! message carries one of the seven forms of [R-FAULT-2], in the table's
//! order, so that its `u32` variant index is the fault kind's index.
//!
//! Cross-shard transactions ([R-XTX-2], [R-XTX-3]), the rollback driver's
//! tick ([R-RB-2]) and the healing driver's tick ([R-HEAL-2]) came later and
//! were appended after `Evidence`, so the indices of the older messages did
//! not change.

use bincode::Options;
use mend_spec::{Epoch, Generation, Height, ShardId, ValidatorId, XtxDecision, XtxId};
use serde::de::DeserializeOwned;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{SerializeTuple, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A 32-byte SHA3-256 digest: a block id, a checkpoint id or a state root.
pub type Hash32 = [u8; 32];

/// [R-WIRE-1] The largest message the engine accepts, in bytes (64 KiB).
pub const MESSAGE_BYTES_MAX: usize = 64 * 1024;

/// Encoded size of one [`Transaction`]: `u32` key and `u64` value.
pub const TRANSACTION_BYTES: usize = 4 + 8;

/// Encoded size of a `Message::Block` without its transactions: variant
/// index, shard, height, parent, list length, state root.
const BLOCK_MESSAGE_FIXED_BYTES: usize = 4 + 2 + 8 + 32 + 8 + 32;

/// [R-WIRE-1] The most transactions a block that fits in one message can
/// hold. A declared list length above it cannot be honest, so the decoder
/// refuses it before allocating anything for it.
pub const TRANSACTIONS_PER_BLOCK_MAX: usize =
    (MESSAGE_BYTES_MAX - BLOCK_MESSAGE_FIXED_BYTES) / TRANSACTION_BYTES;

const _: () = assert!(BLOCK_MESSAGE_FIXED_BYTES < MESSAGE_BYTES_MAX);
const _: () = assert!(TRANSACTIONS_PER_BLOCK_MAX > 0);
const _: () = assert!(
    BLOCK_MESSAGE_FIXED_BYTES + TRANSACTIONS_PER_BLOCK_MAX * TRANSACTION_BYTES <= MESSAGE_BYTES_MAX
);

/// Encoded size of a `Message::Evidence` carrying a signed block claim,
/// without the claim's transactions: two variant indices, producer, shard,
/// epoch, generation, height, parent root, list length, post root, signature.
const CLAIM_MESSAGE_FIXED_BYTES: usize = 4 + 4 + 2 + 2 + 8 + 8 + 8 + 32 + 8 + 32 + 64;

/// [R-WIRE-1] The most transactions a signed block claim that fits in one
/// message can hold. Like [`TRANSACTIONS_PER_BLOCK_MAX`], a larger declared
/// length is refused before anything is allocated for it.
pub const TRANSACTIONS_PER_CLAIM_MAX: usize =
    (MESSAGE_BYTES_MAX - CLAIM_MESSAGE_FIXED_BYTES) / TRANSACTION_BYTES;

const _: () = assert!(CLAIM_MESSAGE_FIXED_BYTES < MESSAGE_BYTES_MAX);
const _: () = assert!(TRANSACTIONS_PER_CLAIM_MAX > 0);
const _: () = assert!(TRANSACTIONS_PER_CLAIM_MAX <= TRANSACTIONS_PER_BLOCK_MAX);
const _: () = assert!(
    CLAIM_MESSAGE_FIXED_BYTES + TRANSACTIONS_PER_CLAIM_MAX * TRANSACTION_BYTES <= MESSAGE_BYTES_MAX
);

/// [R-BLK-2] One transaction: write `value` at `key`.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Transaction {
    pub key: u32,
    pub value: u64,
}

/// [R-BLK-1] A block of one shard's chain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Block {
    pub shard: ShardId,
    pub height: Height,
    /// The id of the previous block, or all zeros for the first block.
    pub parent: Hash32,
    /// Decoded through a bounded visitor: see [`TRANSACTIONS_PER_BLOCK_MAX`].
    #[serde(deserialize_with = "deserialize_block_transactions")]
    pub transactions: Vec<Transaction>,
    /// The post-state root the producer declares.
    pub state_root: Hash32,
}

/// [R-CKPT-3] The content of a checkpoint; its id is the hash of this.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CheckpointBody {
    pub shard: ShardId,
    pub epoch: Epoch,
    pub height: Height,
    pub state_root: Hash32,
    /// [R-CKPT-4] The id of the shard's previous finalized checkpoint, or
    /// `None` for genesis.
    pub parent: Option<Hash32>,
}

/// An ed25519 signature, 64 raw bytes on the wire ([R-CKPT-5]).
///
/// Serde has no impl for `[u8; 64]`, so this one is written by hand as a
/// fixed 64-element tuple, which bincode encodes as 64 bytes with no length.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SignatureBytes(pub [u8; 64]);

/// [R-CKPT-7] A checkpoint proposal signed over the proposal domain.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SignedProposal {
    pub proposer: ValidatorId,
    pub generation: Generation,
    pub checkpoint: CheckpointBody,
    pub signature: SignatureBytes,
}

/// [R-CKPT-8] A checkpoint vote signed over the vote domain
/// `(shard, epoch, generation, checkpoint id)`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SignedVote {
    pub validator: ValidatorId,
    pub shard: ShardId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub checkpoint: CheckpointBody,
    pub signature: SignatureBytes,
}

/// [R-FAULT-1] What a block producer asserts about the block of `shard` at
/// `height`: executing `transactions` on `parent_root` gives `post_root`.
/// Never applied to a chain; signed, it is evidence ([R-FAULT-2] kinds 4
/// and 7).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BlockClaim {
    pub producer: ValidatorId,
    pub shard: ShardId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub height: Height,
    pub parent_root: Hash32,
    /// Decoded through a bounded visitor: see [`TRANSACTIONS_PER_CLAIM_MAX`].
    #[serde(deserialize_with = "deserialize_claim_transactions")]
    pub transactions: Vec<Transaction>,
    pub post_root: Hash32,
}

/// [R-FAULT-1] A block claim signed by its producer over
/// `"mend/block-claim/v1" ||` the claim's canonical encoding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SignedBlockClaim {
    pub claim: BlockClaim,
    pub signature: SignatureBytes,
}

/// [R-FAULT-1] What a member of `source`'s committee asserts to
/// `destination`: the root of `source` at `height` is `root`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Receipt {
    pub signer: ValidatorId,
    pub source: ShardId,
    pub destination: ShardId,
    pub epoch: Epoch,
    pub generation: Generation,
    pub height: Height,
    pub root: Hash32,
}

/// [R-FAULT-1] A receipt signed by its signer over `"mend/receipt/v1" ||`
/// the receipt's canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SignedReceipt {
    pub receipt: Receipt,
    pub signature: SignatureBytes,
}

/// [R-FAULT-2] One piece of evidence, in the seven forms of the table and in
/// its order: the `u32` variant index of the canonical encoding is the fault
/// kind's index ([R-FAULT-4]). It authenticates itself, so anyone may submit
/// it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Evidence {
    /// Kind 1: a signed vote whose checkpoint root differs from the chain's
    /// root at its height ([R-DET-2]: whether or not the quorum has voted).
    StateRootMismatch(SignedVote),
    /// Kind 2: two signed votes of one validator for two checkpoints at one
    /// shard, epoch, generation and height.
    Equivocation(SignedVote, SignedVote),
    /// Kind 3: a signed receipt whose root is not the source's root.
    InvalidReceipt(SignedReceipt),
    /// Kind 4: a signed block claim whose post root is not its execution.
    ExecutionFailure(SignedBlockClaim),
    /// Kind 5: `shard` appended no block for `L` whole epochs.
    Liveness { shard: ShardId },
    /// Kind 6: a signed proposal whose root is not the chain's root.
    CheckpointStateMismatch(SignedProposal),
    /// Kind 7: a signed block claim whose transactions are out of canonical
    /// order ([R-BLK-3]).
    OrderingViolation(SignedBlockClaim),
}

/// [R-XTX-2] A cross-shard transaction's prepare: it debits `key` on
/// `source` and credits it on `destination`, locking `key` on both. Unsigned,
/// like a block: it is an input of the shards' producers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XtxPrepare {
    pub id: XtxId,
    pub source: ShardId,
    pub destination: ShardId,
    pub key: u32,
}

/// [R-XTX-3] What a member of `shard`'s committee decides about the
/// transaction `id`, in `shard`'s rollback generation. The shard and the
/// generation are part of what is signed, so a vote binds to one participant
/// on one rollback branch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct XtxVoteBody {
    pub voter: ValidatorId,
    pub id: XtxId,
    pub shard: ShardId,
    pub generation: Generation,
    /// Encoded as a `u32`: `0` commit, `1` abort.
    pub decision: XtxDecision,
}

/// [R-XTX-3] A cross-shard vote signed by its voter over
/// `"mend/xtx-vote/v1" ||` the vote's canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SignedXtxVote {
    pub vote: XtxVoteBody,
    pub signature: SignatureBytes,
}

/// [R-WIRE-1] Everything the engine accepts.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Message {
    Block(Block),
    Proposal(SignedProposal),
    Vote(SignedVote),
    AdvanceEpoch {
        epoch: Epoch,
    },
    /// [R-FAULT-3] Evidence of a fault; index 4, after the messages that
    /// came before it, so that their indices did not change when it was
    /// added.
    Evidence(Evidence),
    /// [R-XTX-2] Index 5.
    PrepareXtx(XtxPrepare),
    /// [R-XTX-3] Index 6.
    XtxVote(SignedXtxVote),
    /// [R-RB-2] Index 7: the recovery driver moves `shard`'s rollback one
    /// phase on. Anyone may send it.
    AdvanceRollback {
        shard: ShardId,
    },
    /// [R-HEAL-2] Index 8: the recovery driver moves `shard`'s healing one
    /// stage on. Anyone may send it.
    AdvanceHealing {
        shard: ShardId,
    },
}

/// Why bytes did not decode into a [`Message`] ([R-WIRE-1]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DecodeError {
    /// The input is longer than [`MESSAGE_BYTES_MAX`]; it was not read.
    TooLarge { len: usize },
    /// The input is not a canonical encoding of any message.
    Malformed { reason: MalformedReason },
    /// A whole message decoded, and bytes were left after it.
    TrailingBytes,
}

/// What was wrong with a malformed input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MalformedReason {
    /// The input ends before the message does.
    Truncated,
    /// An option or boolean tag byte is neither `0` nor `1`.
    InvalidTag,
    /// A value is outside its domain: an unknown message or evidence
    /// variant, or a transaction list longer than any block or claim that
    /// fits in a message.
    InvalidValue,
    /// The decoder's size limit was reached.
    SizeLimit,
    /// Any other decoder failure. The message types use no strings, maps or
    /// self-describing formats, so this is not expected to occur.
    Other,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::TooLarge { len } => write!(
                f,
                "message of {len} bytes is larger than {MESSAGE_BYTES_MAX} bytes"
            ),
            DecodeError::Malformed { reason } => write!(f, "malformed message: {reason:?}"),
            DecodeError::TrailingBytes => write!(f, "bytes left after the message"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// [R-CKPT-2] The bincode configuration of the canonical encoding: fixed-width
/// little-endian integers, and a size limit so that no read goes past 64 KiB.
fn canonical_options() -> impl Options {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian()
        .with_limit(MESSAGE_BYTES_MAX as u64)
}

/// [R-CKPT-2] The canonical encoding of any wire value, without a size
/// limit.
fn encode_canonical<T: Serialize>(value: &T) -> Vec<u8> {
    let options = bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .with_little_endian();
    match options.serialize(value) {
        Ok(bytes) => bytes,
        // Serializing into a Vec with no size limit fails only on a writer
        // error (a Vec never fails), a sequence without a length (every list
        // here is a Vec) or a custom error (none of these types raises one).
        // Reaching this arm is a bug in this file, not bad input.
        Err(error) => panic!("bug: canonical encoding cannot fail, got {error}"),
    }
}

/// [R-CKPT-2] Decodes one value from exactly `bytes`.
///
/// Checked in this order: the length (before any read), the structure, then
/// that nothing is left over. Never panics; allocates at most what a message
/// of [`MESSAGE_BYTES_MAX`] bytes needs, whatever lengths the input declares.
fn decode_canonical<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, DecodeError> {
    if bytes.len() > MESSAGE_BYTES_MAX {
        return Err(DecodeError::TooLarge { len: bytes.len() });
    }
    // Reading through `&mut &[u8]` leaves the unread tail in `rest`, which
    // tells trailing bytes apart from other failures without parsing
    // bincode's error strings.
    let mut rest = bytes;
    let value: T = canonical_options()
        .deserialize_from(&mut rest)
        .map_err(|error| DecodeError::Malformed {
            reason: classify(&error),
        })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes);
    }
    Ok(value)
}

/// [R-CKPT-2] The canonical encoding of `message`.
///
/// A block with more than [`TRANSACTIONS_PER_BLOCK_MAX`] transactions encodes
/// to more than [`MESSAGE_BYTES_MAX`] bytes, which [`decode_message`] refuses
/// with [`DecodeError::TooLarge`]; encoding itself does not refuse it, so that
/// a test can build such bytes.
pub fn encode_message(message: &Message) -> Vec<u8> {
    encode_canonical(message)
}

/// [R-WIRE-1] Decodes one message from exactly `bytes`: at most
/// [`MESSAGE_BYTES_MAX`] bytes, canonical, nothing left over. Never panics.
pub fn decode_message(bytes: &[u8]) -> Result<Message, DecodeError> {
    decode_canonical(bytes)
}

/// [R-FAULT-1] The canonical encoding of one piece of evidence on its own
/// (a `u32` variant index in [R-FAULT-2]'s order, then the fields): the
/// payload of `Message::Evidence`.
pub fn encode_evidence(evidence: &Evidence) -> Vec<u8> {
    encode_canonical(evidence)
}

/// [R-WIRE-1], [R-FAULT-1] Decodes one piece of evidence from exactly
/// `bytes`, under the same bounds as [`decode_message`]. Never panics.
pub fn decode_evidence(bytes: &[u8]) -> Result<Evidence, DecodeError> {
    decode_canonical(bytes)
}

/// Maps bincode's error onto the typed reason.
fn classify(error: &bincode::ErrorKind) -> MalformedReason {
    use bincode::ErrorKind;
    match error {
        ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            MalformedReason::Truncated
        }
        ErrorKind::InvalidTagEncoding(_) | ErrorKind::InvalidBoolEncoding(_) => {
            MalformedReason::InvalidTag
        }
        ErrorKind::SizeLimit => MalformedReason::SizeLimit,
        // Serde's derived visitors report an unknown variant index, and the
        // transaction visitor below an impossible length, as custom errors.
        ErrorKind::Custom(_) => MalformedReason::InvalidValue,
        _ => MalformedReason::Other,
    }
}

/// [R-WIRE-1] Decodes a block's transaction list without trusting its
/// declared length: see [`BoundedTransactions`].
fn deserialize_block_transactions<'de, D>(deserializer: D) -> Result<Vec<Transaction>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_seq(BoundedTransactions::<TRANSACTIONS_PER_BLOCK_MAX>)
}

/// [R-WIRE-1] Decodes a block claim's transaction list without trusting its
/// declared length: see [`BoundedTransactions`].
fn deserialize_claim_transactions<'de, D>(deserializer: D) -> Result<Vec<Transaction>, D::Error>
where
    D: Deserializer<'de>,
{
    deserializer.deserialize_seq(BoundedTransactions::<TRANSACTIONS_PER_CLAIM_MAX>)
}

/// [R-WIRE-1] A transaction list of at most `MAX` elements: a declared length
/// above `MAX` is refused at once, and the preallocation is capped by it, so
/// a 20-byte input declaring `u64::MAX` transactions allocates nothing for
/// them.
struct BoundedTransactions<const MAX: usize>;

impl<'de, const MAX: usize> Visitor<'de> for BoundedTransactions<MAX> {
    type Value = Vec<Transaction>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at most {MAX} transactions")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let declared = seq.size_hint().unwrap_or(0);
        if declared > MAX {
            return Err(de::Error::invalid_length(declared, &self));
        }
        let mut transactions = Vec::with_capacity(declared);
        while let Some(transaction) = seq.next_element::<Transaction>()? {
            // A format without a size hint must not grow past the bound
            // either.
            if transactions.len() >= MAX {
                return Err(de::Error::invalid_length(transactions.len() + 1, &self));
            }
            transactions.push(transaction);
        }
        Ok(transactions)
    }
}

impl Serialize for SignatureBytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut tuple = serializer.serialize_tuple(self.0.len())?;
        for byte in &self.0 {
            tuple.serialize_element(byte)?;
        }
        tuple.end()
    }
}

impl<'de> Deserialize<'de> for SignatureBytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SignatureVisitor;

        impl<'de> Visitor<'de> for SignatureVisitor {
            type Value = SignatureBytes;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "64 signature bytes")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut bytes = [0u8; 64];
                for (index, slot) in bytes.iter_mut().enumerate() {
                    *slot = seq
                        .next_element()?
                        .ok_or_else(|| de::Error::invalid_length(index, &self))?;
                }
                Ok(SignatureBytes(bytes))
            }
        }

        deserializer.deserialize_tuple(64, SignatureVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{
        sample_block, sample_claim, sample_evidence, sample_messages, sign_block_claim, XorShift,
    };

    fn tag(bytes: &[u8]) -> u32 {
        let mut four = [0u8; 4];
        four.copy_from_slice(&bytes[..4]);
        u32::from_le_bytes(four)
    }

    #[test]
    fn every_message_kind_survives_an_encode_decode_round_trip() {
        for message in sample_messages() {
            let bytes = encode_message(&message);
            assert_eq!(decode_message(&bytes), Ok(message));
        }
    }

    #[test]
    fn messages_are_tagged_by_a_u32_variant_index_in_declaration_order() {
        let tags: Vec<u32> = sample_messages()
            .iter()
            .map(|m| tag(&encode_message(m)))
            .collect();
        assert_eq!(tags, vec![0, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn evidence_is_tagged_by_its_fault_kind_index_in_table_order() {
        let tags: Vec<u32> = sample_evidence()
            .iter()
            .map(|e| tag(&encode_evidence(e)))
            .collect();
        assert_eq!(tags, vec![0, 1, 2, 3, 4, 5, 6]);
        // Inside a message, the evidence follows the message's own index.
        for evidence in sample_evidence() {
            let message = encode_message(&Message::Evidence(evidence.clone()));
            assert_eq!(message[4..], encode_evidence(&evidence)[..]);
        }
    }

    #[test]
    fn every_form_of_evidence_survives_an_encode_decode_round_trip() {
        for evidence in sample_evidence() {
            let bytes = encode_evidence(&evidence);
            assert_eq!(decode_evidence(&bytes), Ok(evidence.clone()));
            for len in 0..bytes.len() {
                assert_eq!(
                    decode_evidence(&bytes[..len]),
                    Err(DecodeError::Malformed {
                        reason: MalformedReason::Truncated
                    })
                );
            }
            let mut long = bytes;
            long.push(0);
            assert_eq!(decode_evidence(&long), Err(DecodeError::TrailingBytes));
        }
    }

    #[test]
    fn a_claim_and_a_receipt_encode_field_by_field_as_the_spec_lists_them() {
        let claim = sample_claim();
        let mut expected = Vec::new();
        expected.extend_from_slice(&claim.producer.0.to_le_bytes());
        expected.extend_from_slice(&claim.shard.0.to_le_bytes());
        expected.extend_from_slice(&claim.epoch.0.to_le_bytes());
        expected.extend_from_slice(&claim.generation.0.to_le_bytes());
        expected.extend_from_slice(&claim.height.0.to_le_bytes());
        expected.extend_from_slice(&claim.parent_root);
        expected.extend_from_slice(&(claim.transactions.len() as u64).to_le_bytes());
        for t in &claim.transactions {
            expected.extend_from_slice(&t.key.to_le_bytes());
            expected.extend_from_slice(&t.value.to_le_bytes());
        }
        expected.extend_from_slice(&claim.post_root);
        assert_eq!(bincode::serialize(&claim).unwrap(), expected);

        let receipt = Receipt {
            signer: ValidatorId(0x0102),
            source: ShardId(3),
            destination: ShardId(4),
            epoch: Epoch(5),
            generation: Generation(6),
            height: Height(7),
            root: [8; 32],
        };
        let mut expected = vec![0x02, 0x01, 3, 0, 4, 0];
        for n in [5u64, 6, 7] {
            expected.extend_from_slice(&n.to_le_bytes());
        }
        expected.extend_from_slice(&[8; 32]);
        assert_eq!(bincode::serialize(&receipt).unwrap(), expected);
    }

    #[test]
    fn the_largest_claim_that_fits_round_trips_and_a_larger_declared_count_is_refused() {
        let mut claim = sample_claim();
        claim.transactions = vec![Transaction { key: 1, value: 2 }; TRANSACTIONS_PER_CLAIM_MAX];
        let message = Message::Evidence(Evidence::ExecutionFailure(sign_block_claim(claim)));
        let bytes = encode_message(&message);
        assert!(bytes.len() <= MESSAGE_BYTES_MAX);
        assert!(MESSAGE_BYTES_MAX - bytes.len() < TRANSACTION_BYTES);
        assert_eq!(decode_message(&bytes), Ok(message));

        // A claim declaring one more transaction than fits is refused as a
        // value, before any of them is read.
        let mut bytes = 3u32.to_le_bytes().to_vec(); // Evidence::ExecutionFailure
        bytes.extend_from_slice(&[0; 2 + 2 + 8 + 8 + 8 + 32]);
        bytes.extend_from_slice(&(TRANSACTIONS_PER_CLAIM_MAX as u64 + 1).to_le_bytes());
        assert_eq!(
            decode_evidence(&bytes),
            Err(DecodeError::Malformed {
                reason: MalformedReason::InvalidValue
            })
        );
    }

    #[test]
    fn an_unknown_evidence_variant_is_an_invalid_value() {
        let mut bytes = encode_evidence(&Evidence::Liveness { shard: ShardId(0) });
        bytes[..4].copy_from_slice(&7u32.to_le_bytes());
        assert_eq!(
            decode_evidence(&bytes),
            Err(DecodeError::Malformed {
                reason: MalformedReason::InvalidValue
            })
        );
        assert_eq!(
            decode_evidence(&vec![0; MESSAGE_BYTES_MAX + 1]),
            Err(DecodeError::TooLarge {
                len: MESSAGE_BYTES_MAX + 1
            })
        );
    }

    #[test]
    fn mutated_evidence_decodes_canonically_or_fails_without_panicking() {
        let mut rng = XorShift::new(0x6576_6964);
        let samples: Vec<Vec<u8>> = sample_evidence().iter().map(encode_evidence).collect();
        let mut decoded = 0usize;
        for round in 0..20_000 {
            let mut bytes = samples[rng.below(samples.len())].clone();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            if round % 7 == 0 {
                bytes.truncate(rng.below(bytes.len() + 1));
            }
            if let Ok(evidence) = decode_evidence(&bytes) {
                assert_eq!(encode_evidence(&evidence), bytes, "round {round}");
                decoded += 1;
            }
        }
        assert!(decoded > 0);
    }

    #[test]
    fn a_checkpoint_body_encodes_field_by_field_with_fixed_width_integers() {
        let body = CheckpointBody {
            shard: ShardId(0x0102),
            epoch: Epoch(3),
            height: Height(4),
            state_root: [7; 32],
            parent: Some([9; 32]),
        };
        let mut expected = vec![0x02, 0x01];
        expected.extend_from_slice(&3u64.to_le_bytes());
        expected.extend_from_slice(&4u64.to_le_bytes());
        expected.extend_from_slice(&[7; 32]);
        expected.push(1);
        expected.extend_from_slice(&[9; 32]);
        assert_eq!(bincode::serialize(&body).unwrap(), expected);

        let genesis_child = CheckpointBody {
            parent: None,
            ..body
        };
        let encoded = bincode::serialize(&genesis_child).unwrap();
        assert_eq!(encoded.len(), 2 + 8 + 8 + 32 + 1);
        assert_eq!(encoded.last(), Some(&0));
    }

    #[test]
    fn a_signature_encodes_as_sixty_four_raw_bytes() {
        let mut raw = [0u8; 64];
        for (i, b) in raw.iter_mut().enumerate() {
            *b = i as u8;
        }
        let encoded = bincode::serialize(&SignatureBytes(raw)).unwrap();
        assert_eq!(encoded, raw.to_vec());
    }

    #[test]
    fn every_proper_prefix_of_every_message_is_refused_as_truncated() {
        for message in sample_messages() {
            let bytes = encode_message(&message);
            for len in 0..bytes.len() {
                assert_eq!(
                    decode_message(&bytes[..len]),
                    Err(DecodeError::Malformed {
                        reason: MalformedReason::Truncated
                    }),
                    "prefix of {len} bytes of {message:?}"
                );
            }
        }
    }

    #[test]
    fn a_message_followed_by_any_byte_is_refused_for_trailing_bytes() {
        for message in sample_messages() {
            let mut bytes = encode_message(&message);
            bytes.push(0);
            assert_eq!(decode_message(&bytes), Err(DecodeError::TrailingBytes));
        }
    }

    #[test]
    fn input_over_sixty_four_kib_is_refused_before_it_is_read() {
        let bytes = vec![0u8; MESSAGE_BYTES_MAX + 1];
        assert_eq!(
            decode_message(&bytes),
            Err(DecodeError::TooLarge {
                len: MESSAGE_BYTES_MAX + 1
            })
        );
    }

    #[test]
    fn the_largest_block_that_fits_round_trips_and_one_more_transaction_is_too_large() {
        let mut block = sample_block();
        block.transactions = vec![Transaction { key: 1, value: 2 }; TRANSACTIONS_PER_BLOCK_MAX];
        let message = Message::Block(block.clone());
        let bytes = encode_message(&message);
        assert!(bytes.len() <= MESSAGE_BYTES_MAX);
        assert_eq!(decode_message(&bytes), Ok(message));

        block.transactions.push(Transaction { key: 3, value: 4 });
        let bytes = encode_message(&Message::Block(block));
        assert_eq!(
            decode_message(&bytes),
            Err(DecodeError::TooLarge { len: bytes.len() })
        );
    }

    #[test]
    fn an_unknown_variant_index_is_an_invalid_value() {
        let mut bytes = encode_message(&Message::AdvanceEpoch { epoch: Epoch(1) });
        bytes[..4].copy_from_slice(&9u32.to_le_bytes());
        assert_eq!(
            decode_message(&bytes),
            Err(DecodeError::Malformed {
                reason: MalformedReason::InvalidValue
            })
        );
    }

    #[test]
    fn a_parent_tag_other_than_zero_or_one_is_an_invalid_tag() {
        let messages = sample_messages();
        let Some(proposal @ Message::Proposal(_)) = messages.get(1).cloned() else {
            panic!("sample_messages()[1] is a proposal");
        };
        let mut bytes = encode_message(&proposal);
        // Variant index, proposer, generation, then the body: the parent tag
        // follows shard, epoch, height and root.
        let parent_tag = 4 + 2 + 8 + 2 + 8 + 8 + 32;
        assert!(bytes[parent_tag] <= 1);
        bytes[parent_tag] = 2;
        assert_eq!(
            decode_message(&bytes),
            Err(DecodeError::Malformed {
                reason: MalformedReason::InvalidTag
            })
        );
    }

    #[test]
    fn a_huge_declared_transaction_count_is_refused_without_allocating_it() {
        for declared in [
            TRANSACTIONS_PER_BLOCK_MAX as u64 + 1,
            u32::MAX as u64,
            u64::MAX,
        ] {
            let mut bytes = 0u32.to_le_bytes().to_vec(); // Message::Block
            bytes.extend_from_slice(&0u16.to_le_bytes());
            bytes.extend_from_slice(&1u64.to_le_bytes());
            bytes.extend_from_slice(&[0; 32]);
            bytes.extend_from_slice(&declared.to_le_bytes());
            assert_eq!(
                decode_message(&bytes),
                Err(DecodeError::Malformed {
                    reason: MalformedReason::InvalidValue
                }),
                "declared {declared}"
            );
        }
    }

    #[test]
    fn a_plausible_declared_count_with_missing_transactions_is_truncated() {
        let mut bytes = 0u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&0u16.to_le_bytes());
        bytes.extend_from_slice(&1u64.to_le_bytes());
        bytes.extend_from_slice(&[0; 32]);
        bytes.extend_from_slice(&(TRANSACTIONS_PER_BLOCK_MAX as u64).to_le_bytes());
        assert_eq!(
            decode_message(&bytes),
            Err(DecodeError::Malformed {
                reason: MalformedReason::Truncated
            })
        );
    }

    #[test]
    fn random_bytes_and_mutated_messages_decode_or_fail_without_panicking() {
        let mut rng = XorShift::new(0x6d65_6e64);
        let mut decoded = 0usize;
        for round in 0..20_000 {
            let bytes: Vec<u8> = if round % 2 == 0 {
                let len = rng.below(300);
                (0..len).map(|_| rng.next() as u8).collect()
            } else {
                let messages = sample_messages();
                let pick = rng.below(messages.len());
                let mut bytes = encode_message(&messages[pick]);
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(bytes.len());
                    bytes[at] = rng.next() as u8;
                }
                bytes
            };
            if let Ok(message) = decode_message(&bytes) {
                // Whatever decodes must be canonical: it re-encodes to the
                // same bytes.
                assert_eq!(encode_message(&message), bytes, "round {round}");
                decoded += 1;
            }
        }
        // Mutating a payload byte of a valid message usually yields another
        // valid message; the check above must have run.
        assert!(decoded > 0);
    }

    #[test]
    fn the_three_cross_shard_messages_encode_field_by_field_after_their_index() {
        let prepare = Message::PrepareXtx(XtxPrepare {
            id: XtxId(0x0102_0304),
            source: ShardId(1),
            destination: ShardId(2),
            key: 9,
        });
        let mut expected = 5u32.to_le_bytes().to_vec();
        expected.extend_from_slice(&0x0102_0304u32.to_le_bytes());
        expected.extend_from_slice(&[1, 0, 2, 0]);
        expected.extend_from_slice(&9u32.to_le_bytes());
        assert_eq!(encode_message(&prepare), expected);
        assert_eq!(decode_message(&expected), Ok(prepare));

        let vote = SignedXtxVote {
            vote: XtxVoteBody {
                voter: ValidatorId(3),
                id: XtxId(7),
                shard: ShardId(1),
                generation: Generation(2),
                decision: XtxDecision::Abort,
            },
            signature: SignatureBytes([0x5a; 64]),
        };
        let mut expected = 6u32.to_le_bytes().to_vec();
        expected.extend_from_slice(&[3, 0]);
        expected.extend_from_slice(&7u32.to_le_bytes());
        expected.extend_from_slice(&[1, 0]);
        expected.extend_from_slice(&2u64.to_le_bytes());
        expected.extend_from_slice(&1u32.to_le_bytes());
        expected.extend_from_slice(&[0x5a; 64]);
        assert_eq!(encode_message(&Message::XtxVote(vote)), expected);
        assert_eq!(decode_message(&expected), Ok(Message::XtxVote(vote)));

        let tick = Message::AdvanceRollback { shard: ShardId(4) };
        let expected = vec![7, 0, 0, 0, 4, 0];
        assert_eq!(encode_message(&tick), expected);
        assert_eq!(decode_message(&expected), Ok(tick));

        let heal = Message::AdvanceHealing {
            shard: ShardId(0x0102),
        };
        let expected = vec![8, 0, 0, 0, 2, 1];
        assert_eq!(encode_message(&heal), expected);
        assert_eq!(decode_message(&expected), Ok(heal));
        for len in 0..expected.len() {
            assert_eq!(
                decode_message(&expected[..len]),
                Err(DecodeError::Malformed {
                    reason: MalformedReason::Truncated
                })
            );
        }
        let mut long = expected.clone();
        long.push(0);
        assert_eq!(decode_message(&long), Err(DecodeError::TrailingBytes));
    }

    #[test]
    fn an_xtx_decision_other_than_commit_or_abort_is_an_invalid_value() {
        let vote = Message::XtxVote(SignedXtxVote {
            vote: XtxVoteBody {
                voter: ValidatorId(0),
                id: XtxId(0),
                shard: ShardId(0),
                generation: Generation(0),
                decision: XtxDecision::Commit,
            },
            signature: SignatureBytes([0; 64]),
        });
        let mut bytes = encode_message(&vote);
        // Index, voter, id, shard, generation, then the decision.
        let at = 4 + 2 + 4 + 2 + 8;
        assert_eq!(bytes[at..at + 4], [0, 0, 0, 0]);
        for decision in [2u32, 7, u32::MAX] {
            bytes[at..at + 4].copy_from_slice(&decision.to_le_bytes());
            assert_eq!(
                decode_message(&bytes),
                Err(DecodeError::Malformed {
                    reason: MalformedReason::InvalidValue
                }),
                "decision {decision}"
            );
        }
    }

    #[test]
    fn a_patterned_input_of_every_length_up_to_a_kib_never_panics() {
        for fill in [0x00u8, 0x01, 0x02, 0x03, 0x7f, 0xff] {
            for len in 0..1024 {
                let bytes = vec![fill; len];
                let _ = decode_message(&bytes);
            }
        }
    }
}
