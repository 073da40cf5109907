//! Roots, ids and signing domains: everything the engine hashes or verifies
//! ([R-BLK-2], [R-CKPT-2], [R-CKPT-3], [R-CKPT-5]).
//!
//! Each hash is SHA3-256 over a distinct ASCII tag followed by the canonical
//! encoding of the value ([R-CKPT-2]). The tags keep a value of one kind from
//! ever hashing to the id of another kind. The encoding is fed straight into
//! the hasher by `Canonical` instead of through bincode, so that hashing
//! cannot fail and does not allocate; the tests pin it byte for byte to the
//! bincode encoding that [`crate::wire`] puts on the wire.

use crate::wire::{Block, CheckpointBody, Hash32, SignatureBytes, Transaction};
use ed25519_dalek::{Signature, VerifyingKey};
use mend_spec::{Epoch, Generation, ShardId};
use sha3::{Digest, Sha3_256};

/// [R-BLK-2] Domain tag of the genesis root.
pub const GENESIS_ROOT_TAG: &[u8] = b"mend/genesis-root/v1";
/// [R-BLK-2] Domain tag of a post-state root.
pub const STATE_ROOT_TAG: &[u8] = b"mend/state-root/v1";
/// Domain tag of a block id (the value a child block names as parent).
pub const BLOCK_ID_TAG: &[u8] = b"mend/block/v1";
/// [R-CKPT-3] Domain tag of a checkpoint id.
pub const CHECKPOINT_ID_TAG: &[u8] = b"mend/checkpoint/v1";
/// [R-CKPT-5] Domain tag a proposal signs under.
pub const PROPOSAL_DOMAIN_TAG: &[u8] = b"mend/ckpt-proposal/v1";
/// [R-CKPT-5] Domain tag a vote signs under.
pub const VOTE_DOMAIN_TAG: &[u8] = b"mend/ckpt-vote/v1";

/// Where canonical bytes go: a hasher, or a buffer in the tests.
pub(crate) trait CanonicalSink {
    fn put(&mut self, bytes: &[u8]);
}

impl CanonicalSink for Sha3_256 {
    fn put(&mut self, bytes: &[u8]) {
        Digest::update(self, bytes);
    }
}

impl CanonicalSink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// [R-CKPT-2] A value with a canonical encoding: declared field order,
/// fixed-width little-endian integers, raw 32-byte ids, `u64` list lengths,
/// a `0`/`1` byte before an optional id.
pub(crate) trait Canonical {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink);
}

impl Canonical for Transaction {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        sink.put(&self.key.to_le_bytes());
        sink.put(&self.value.to_le_bytes());
    }
}

impl Canonical for [Transaction] {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        // usize is at most 64 bits on every target Rust supports, so the
        // length is exact.
        sink.put(&(self.len() as u64).to_le_bytes());
        for transaction in self {
            transaction.encode_canonical(sink);
        }
    }
}

impl Canonical for Block {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        sink.put(&self.shard.0.to_le_bytes());
        sink.put(&self.height.0.to_le_bytes());
        sink.put(&self.parent);
        self.transactions.encode_canonical(sink);
        sink.put(&self.state_root);
    }
}

impl Canonical for CheckpointBody {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        sink.put(&self.shard.0.to_le_bytes());
        sink.put(&self.epoch.0.to_le_bytes());
        sink.put(&self.height.0.to_le_bytes());
        sink.put(&self.state_root);
        match &self.parent {
            None => sink.put(&[0]),
            Some(parent) => {
                sink.put(&[1]);
                sink.put(parent);
            }
        }
    }
}

fn finish(hasher: Sha3_256) -> Hash32 {
    hasher.finalize().into()
}

/// [R-BLK-2] The root of a shard's genesis state:
/// `SHA3-256("mend/genesis-root/v1" || shard as u16 LE)`.
pub fn compute_genesis_root(shard: ShardId) -> Hash32 {
    let mut hasher = Sha3_256::new();
    hasher.put(GENESIS_ROOT_TAG);
    hasher.put(&shard.0.to_le_bytes());
    finish(hasher)
}

/// [R-BLK-2] The root after executing `transactions` on the state whose root
/// is `previous`: `SHA3-256("mend/state-root/v1" || previous || canonical
/// list)`. Executing a block applies its transactions in order; the root
/// commits to the previous root and that order, so it is all the engine needs
/// to keep of the state.
pub fn compute_state_root(previous: &Hash32, transactions: &[Transaction]) -> Hash32 {
    let mut hasher = Sha3_256::new();
    hasher.put(STATE_ROOT_TAG);
    hasher.put(previous);
    transactions.encode_canonical(&mut hasher);
    finish(hasher)
}

/// [R-BLK-1] A block's id, which its child names as parent:
/// `SHA3-256("mend/block/v1" || canonical block)`.
pub fn compute_block_id(block: &Block) -> Hash32 {
    let mut hasher = Sha3_256::new();
    hasher.put(BLOCK_ID_TAG);
    block.encode_canonical(&mut hasher);
    finish(hasher)
}

/// [R-CKPT-3] A checkpoint's content address:
/// `SHA3-256("mend/checkpoint/v1" || canonical body)`.
pub fn compute_checkpoint_id(body: &CheckpointBody) -> Hash32 {
    let mut hasher = Sha3_256::new();
    hasher.put(CHECKPOINT_ID_TAG);
    body.encode_canonical(&mut hasher);
    finish(hasher)
}

/// Length of a signing message after its tag: shard, epoch, generation, id.
const DOMAIN_FIELDS_BYTES: usize = 2 + 8 + 8 + 32;

fn signing_bytes(
    tag: &[u8],
    shard: ShardId,
    epoch: Epoch,
    generation: Generation,
    id: &Hash32,
) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(tag.len() + DOMAIN_FIELDS_BYTES);
    bytes.put(tag);
    bytes.put(&shard.0.to_le_bytes());
    bytes.put(&epoch.0.to_le_bytes());
    bytes.put(&generation.0.to_le_bytes());
    bytes.put(id);
    bytes
}

/// [R-CKPT-5] What a proposer signs:
/// `"mend/ckpt-proposal/v1" || shard u16 || epoch u64 || generation u64 || id`.
pub fn proposal_signing_bytes(
    shard: ShardId,
    epoch: Epoch,
    generation: Generation,
    id: &Hash32,
) -> Vec<u8> {
    signing_bytes(PROPOSAL_DOMAIN_TAG, shard, epoch, generation, id)
}

/// [R-CKPT-5] What a voter signs: the proposal domain's fields under the tag
/// `"mend/ckpt-vote/v1"`, so a proposal signature never verifies as a vote.
pub fn vote_signing_bytes(
    shard: ShardId,
    epoch: Epoch,
    generation: Generation,
    id: &Hash32,
) -> Vec<u8> {
    signing_bytes(VOTE_DOMAIN_TAG, shard, epoch, generation, id)
}

/// [R-CKPT-5] Whether `signature` verifies strictly under `key` over
/// `message`. `verify_strict` refuses non-canonical encodings and weak keys,
/// so one signed statement has exactly one accepted signature encoding per
/// key, and a Byzantine validator cannot mint variants of a vote.
pub(crate) fn is_valid_signature(
    key: &VerifyingKey,
    message: &[u8],
    signature: &SignatureBytes,
) -> bool {
    key.verify_strict(message, &Signature::from_bytes(&signature.0))
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{sample_block, sample_body, test_signing_key};
    use ed25519_dalek::Signer;
    use mend_spec::{Height, ValidatorId};

    fn sha3(parts: &[&[u8]]) -> Hash32 {
        let mut hasher = Sha3_256::new();
        for part in parts {
            hasher.update(part);
        }
        hasher.finalize().into()
    }

    fn canonical<T: Canonical + ?Sized>(value: &T) -> Vec<u8> {
        let mut bytes = Vec::new();
        value.encode_canonical(&mut bytes);
        bytes
    }

    #[test]
    fn the_hashed_encoding_is_byte_for_byte_the_wire_encoding() {
        let block = sample_block();
        assert_eq!(canonical(&block), bincode::serialize(&block).unwrap());
        assert_eq!(
            canonical(block.transactions.as_slice()),
            bincode::serialize(&block.transactions).unwrap()
        );
        for parent in [None, Some([5; 32])] {
            let body = CheckpointBody {
                parent,
                ..sample_body()
            };
            assert_eq!(canonical(&body), bincode::serialize(&body).unwrap());
        }
    }

    #[test]
    fn the_genesis_root_hashes_its_tag_and_the_shard_as_u16_le() {
        assert_eq!(
            compute_genesis_root(ShardId(0x0201)),
            sha3(&[b"mend/genesis-root/v1", &[0x01, 0x02]])
        );
        assert_ne!(
            compute_genesis_root(ShardId(0)),
            compute_genesis_root(ShardId(1))
        );
    }

    #[test]
    fn the_state_root_hashes_the_previous_root_and_the_canonical_transaction_list() {
        let previous = [3u8; 32];
        let transactions = vec![
            Transaction { key: 1, value: 10 },
            Transaction { key: 2, value: 20 },
        ];
        let list = bincode::serialize(&transactions).unwrap();
        assert_eq!(
            compute_state_root(&previous, &transactions),
            sha3(&[b"mend/state-root/v1", &previous, &list])
        );
    }

    #[test]
    fn the_transaction_order_changes_the_state_root() {
        let a = Transaction { key: 1, value: 10 };
        let b = Transaction { key: 1, value: 20 };
        assert_ne!(
            compute_state_root(&[0; 32], &[a, b]),
            compute_state_root(&[0; 32], &[b, a])
        );
    }

    #[test]
    fn block_and_checkpoint_ids_hash_their_tag_and_wire_encoding() {
        let block = sample_block();
        assert_eq!(
            compute_block_id(&block),
            sha3(&[b"mend/block/v1", &bincode::serialize(&block).unwrap()])
        );
        let body = sample_body();
        assert_eq!(
            compute_checkpoint_id(&body),
            sha3(&[b"mend/checkpoint/v1", &bincode::serialize(&body).unwrap()])
        );
    }

    #[test]
    fn the_signing_domains_lay_out_tag_shard_epoch_generation_and_id() {
        let id = [0xab; 32];
        let bytes = vote_signing_bytes(ShardId(1), Epoch(2), Generation(3), &id);
        let mut expected = b"mend/ckpt-vote/v1".to_vec();
        expected.extend_from_slice(&1u16.to_le_bytes());
        expected.extend_from_slice(&2u64.to_le_bytes());
        expected.extend_from_slice(&3u64.to_le_bytes());
        expected.extend_from_slice(&id);
        assert_eq!(bytes, expected);
        let proposal = proposal_signing_bytes(ShardId(1), Epoch(2), Generation(3), &id);
        assert!(proposal.starts_with(b"mend/ckpt-proposal/v1"));
        assert!(proposal.ends_with(&bytes[b"mend/ckpt-vote/v1".len()..]));
    }

    #[test]
    fn a_proposal_signature_does_not_verify_as_a_vote() {
        let key = test_signing_key(ValidatorId(0));
        let id = compute_checkpoint_id(&sample_body());
        let proposal = proposal_signing_bytes(ShardId(0), Epoch(0), Generation(0), &id);
        let vote = vote_signing_bytes(ShardId(0), Epoch(0), Generation(0), &id);
        let signature = SignatureBytes(key.sign(&proposal).to_bytes());
        assert!(is_valid_signature(
            &key.verifying_key(),
            &proposal,
            &signature
        ));
        assert!(!is_valid_signature(&key.verifying_key(), &vote, &signature));
    }

    #[test]
    fn a_signature_verifies_only_under_its_own_key_and_intact() {
        let key = test_signing_key(ValidatorId(0));
        let other = test_signing_key(ValidatorId(1));
        let message = vote_signing_bytes(ShardId(0), Epoch(0), Generation(0), &[1; 32]);
        let mut signature = SignatureBytes(key.sign(&message).to_bytes());
        assert!(is_valid_signature(
            &key.verifying_key(),
            &message,
            &signature
        ));
        assert!(!is_valid_signature(
            &other.verifying_key(),
            &message,
            &signature
        ));
        signature.0[10] ^= 1;
        assert!(!is_valid_signature(
            &key.verifying_key(),
            &message,
            &signature
        ));
        // An all-ones signature has a non-canonical scalar: refused, not a panic.
        assert!(!is_valid_signature(
            &key.verifying_key(),
            &message,
            &SignatureBytes([0xff; 64])
        ));
    }

    #[test]
    fn checkpoint_ids_differ_in_every_field() {
        let base = sample_body();
        let variants = [
            CheckpointBody {
                shard: ShardId(base.shard.0 + 1),
                ..base
            },
            CheckpointBody {
                epoch: Epoch(base.epoch.0 + 1),
                ..base
            },
            CheckpointBody {
                height: Height(base.height.0 + 1),
                ..base
            },
            CheckpointBody {
                state_root: [0xee; 32],
                ..base
            },
            CheckpointBody {
                parent: None,
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(
                compute_checkpoint_id(&variant),
                compute_checkpoint_id(&base)
            );
        }
    }
}
