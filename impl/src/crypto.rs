//! Roots, ids and signing domains: everything the engine hashes or verifies
//! ([R-BLK-2], [R-CKPT-2], [R-CKPT-3], [R-CKPT-5], [R-FAULT-1], [R-FAULT-4],
//! [R-XTX-3], [R-AUDIT-2]).
//!
//! Each hash is SHA3-256 over a distinct ASCII tag followed by the canonical
//! encoding of the value ([R-CKPT-2]). The tags keep a value of one kind from
//! ever hashing to the id of another kind. The encoding is fed straight into
//! the hasher by `Canonical` instead of through bincode, so that hashing
//! cannot fail and does not allocate; the tests pin it byte for byte to the
//! bincode encoding that [`crate::wire`] puts on the wire.

use crate::audit::AuditEntry;
use crate::wire::{
    Block, BlockClaim, CheckpointBody, Hash32, Receipt, SignatureBytes, Transaction, XtxVoteBody,
};
use ed25519_dalek::{Signature, VerifyingKey};
use mend_spec::protocol::{ReassignmentStrategy, SlashReason};
use mend_spec::{
    Epoch, Fault, FaultKind, Generation, ShardId, ShardStatus, ValidatorId, XtxDecision,
};
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
/// [R-FAULT-1] Domain tag a block claim signs under.
pub const BLOCK_CLAIM_DOMAIN_TAG: &[u8] = b"mend/block-claim/v1";
/// [R-FAULT-1] Domain tag a receipt signs under.
pub const RECEIPT_DOMAIN_TAG: &[u8] = b"mend/receipt/v1";
/// [R-XTX-3] Domain tag a cross-shard vote signs under.
pub const XTX_VOTE_DOMAIN_TAG: &[u8] = b"mend/xtx-vote/v1";
/// [R-FAULT-4] Domain tag of a fault id.
pub const FAULT_ID_TAG: &[u8] = b"mend/fault/v1";
/// [R-AUDIT-2] Domain tag of an audit record's chain hash.
pub const AUDIT_TAG: &[u8] = b"mend/audit/v1";

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

impl Canonical for BlockClaim {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        sink.put(&self.producer.0.to_le_bytes());
        sink.put(&self.shard.0.to_le_bytes());
        sink.put(&self.epoch.0.to_le_bytes());
        sink.put(&self.generation.0.to_le_bytes());
        sink.put(&self.height.0.to_le_bytes());
        sink.put(&self.parent_root);
        self.transactions.encode_canonical(sink);
        sink.put(&self.post_root);
    }
}

impl Canonical for Receipt {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        sink.put(&self.signer.0.to_le_bytes());
        sink.put(&self.source.0.to_le_bytes());
        sink.put(&self.destination.0.to_le_bytes());
        sink.put(&self.epoch.0.to_le_bytes());
        sink.put(&self.generation.0.to_le_bytes());
        sink.put(&self.height.0.to_le_bytes());
        sink.put(&self.root);
    }
}

impl Canonical for XtxVoteBody {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        sink.put(&self.voter.0.to_le_bytes());
        sink.put(&self.id.0.to_le_bytes());
        sink.put(&self.shard.0.to_le_bytes());
        sink.put(&self.generation.0.to_le_bytes());
        put_variant(sink, decision_index(self.decision));
    }
}

/// [R-XTX-3] A decision's variant index: `0` commit, `1` abort, as the spec
/// states and as bincode encodes `XtxDecision`.
fn decision_index(decision: XtxDecision) -> u32 {
    match decision {
        XtxDecision::Commit => 0,
        XtxDecision::Abort => 1,
    }
}

/// A unit enum as bincode encodes it: its `u32` variant index.
fn put_variant(sink: &mut impl CanonicalSink, index: u32) {
    sink.put(&index.to_le_bytes());
}

/// [R-FAULT-4] A fault kind's index in [R-FAULT-2]'s table, counted from 0.
pub fn compute_fault_kind_index(kind: FaultKind) -> u32 {
    match kind {
        FaultKind::StateRootMismatch => 0,
        FaultKind::ValidatorEquivocation => 1,
        FaultKind::InvalidCrossShardReceipt => 2,
        FaultKind::ExecutionFailure => 3,
        FaultKind::LivenessFailure => 4,
        FaultKind::CheckpointStateMismatch => 5,
        FaultKind::TransactionOrderingViolation => 6,
    }
}

/// A status's variant index in `ShardStatus`'s declaration order, which is
/// how bincode encodes it ([R-CKPT-2]).
fn status_index(status: ShardStatus) -> u32 {
    match status {
        ShardStatus::Normal => 0,
        ShardStatus::Investigating => 1,
        ShardStatus::Frozen => 2,
        ShardStatus::Isolated => 3,
        ShardStatus::Recovering => 4,
        ShardStatus::Healing => 5,
    }
}

impl Canonical for AuditEntry {
    fn encode_canonical(&self, sink: &mut impl CanonicalSink) {
        match self {
            AuditEntry::StatusChange {
                shard,
                from,
                to,
                cause,
                root_before,
                root_after,
            } => {
                put_variant(sink, 0);
                sink.put(&shard.0.to_le_bytes());
                put_variant(sink, status_index(*from));
                put_variant(sink, status_index(*to));
                sink.put(cause);
                sink.put(root_before);
                sink.put(root_after);
            }
            AuditEntry::Rollback {
                shard,
                cause,
                target,
                height_before,
                root_before,
                root_after,
                generation,
            } => {
                put_variant(sink, 1);
                sink.put(&shard.0.to_le_bytes());
                sink.put(cause);
                sink.put(target);
                sink.put(&height_before.0.to_le_bytes());
                sink.put(root_before);
                sink.put(root_after);
                sink.put(&generation.0.to_le_bytes());
            }
            AuditEntry::Slash {
                validator,
                shard,
                reason,
                fault,
                window,
                stake_before,
                stake_after,
                tombstoned,
            } => {
                put_variant(sink, 2);
                sink.put(&validator.0.to_le_bytes());
                sink.put(&shard.0.to_le_bytes());
                put_variant(sink, slash_reason_index(*reason));
                sink.put(fault);
                sink.put(&window.0.to_le_bytes());
                sink.put(&stake_before.to_le_bytes());
                sink.put(&stake_after.to_le_bytes());
                sink.put(&[u8::from(*tombstoned)]);
            }
            AuditEntry::Reassignment {
                shard,
                strategy,
                before,
                after,
            } => {
                put_variant(sink, 3);
                sink.put(&shard.0.to_le_bytes());
                put_variant(sink, strategy_index(*strategy));
                put_validators(sink, before);
                put_validators(sink, after);
            }
        }
    }
}

/// [R-AUDIT-1] A slash reason's index in [R-SLASH-2]'s table.
fn slash_reason_index(reason: SlashReason) -> u32 {
    match reason {
        SlashReason::Equivocation => 0,
        SlashReason::FalseStateRoot => 1,
        SlashReason::CrossShardViolation => 2,
        SlashReason::MissedProposals => 3,
        SlashReason::TransactionMisbehaviour => 4,
    }
}

/// [R-AUDIT-1] A strategy's index in [R-ASSIGN-1]'s list.
fn strategy_index(strategy: ReassignmentStrategy) -> u32 {
    match strategy {
        ReassignmentStrategy::DeterministicReshuffle => 0,
        ReassignmentStrategy::PrioritizeSlashed => 1,
        ReassignmentStrategy::StakeBalance => 2,
    }
}

/// [R-AUDIT-1] A committee: its `u64` length, then each id as `u16`.
fn put_validators(sink: &mut impl CanonicalSink, validators: &[ValidatorId]) {
    sink.put(&(validators.len() as u64).to_le_bytes());
    for v in validators {
        sink.put(&v.0.to_le_bytes());
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

/// [R-FAULT-1] What a block producer signs:
/// `"mend/block-claim/v1" ||` the canonical encoding of the claim.
pub fn block_claim_signing_bytes(claim: &BlockClaim) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(
        BLOCK_CLAIM_DOMAIN_TAG.len()
            + 2
            + 2
            + 8
            + 8
            + 8
            + 32
            + 8
            + 32
            + 12 * claim.transactions.len(),
    );
    bytes.put(BLOCK_CLAIM_DOMAIN_TAG);
    claim.encode_canonical(&mut bytes);
    bytes
}

/// [R-FAULT-1] What a receipt's signer signs:
/// `"mend/receipt/v1" ||` the canonical encoding of the receipt.
pub fn receipt_signing_bytes(receipt: &Receipt) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(RECEIPT_DOMAIN_TAG.len() + 2 + 2 + 2 + 8 + 8 + 8 + 32);
    bytes.put(RECEIPT_DOMAIN_TAG);
    receipt.encode_canonical(&mut bytes);
    bytes
}

/// [R-XTX-3] What a cross-shard voter signs: `"mend/xtx-vote/v1" ||` the
/// canonical encoding of `(voter: u16, id: u32, shard: u16, generation: u64,
/// decision: u32)`, the decision `0` for commit and `1` for abort.
pub fn xtx_vote_signing_bytes(vote: &XtxVoteBody) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(XTX_VOTE_DOMAIN_TAG.len() + 2 + 4 + 2 + 8 + 4);
    bytes.put(XTX_VOTE_DOMAIN_TAG);
    vote.encode_canonical(&mut bytes);
    bytes
}

/// [R-FAULT-4] The id of `fault` on `shard`:
/// `SHA3-256("mend/fault/v1" || s: u16 || kind: u32 || accused: Option<u16>
/// || g: u64 || e: u64 || h: u64)`, with `kind` the table index of
/// [R-FAULT-2] and the option as a `0`/`1` byte before the id. Evidence is
/// deduplicated by this id, and the audit log records it as a cause.
pub fn compute_fault_id(shard: ShardId, fault: &Fault) -> Hash32 {
    let mut hasher = Sha3_256::new();
    hasher.put(FAULT_ID_TAG);
    hasher.put(&shard.0.to_le_bytes());
    put_variant(&mut hasher, compute_fault_kind_index(fault.kind));
    match fault.accused {
        None => hasher.put(&[0]),
        Some(validator) => {
            hasher.put(&[1]);
            hasher.put(&validator.0.to_le_bytes());
        }
    }
    hasher.put(&fault.generation.0.to_le_bytes());
    hasher.put(&fault.epoch.0.to_le_bytes());
    hasher.put(&fault.height.0.to_le_bytes());
    finish(hasher)
}

/// [R-AUDIT-2] The chain hash of the audit record `(index, epoch, entry)`
/// that follows a record whose hash is `previous` (32 zero bytes before the
/// first): `SHA3-256("mend/audit/v1" || previous || canonical record)`, the
/// record encoded as `index: u64 || epoch: u64 || entry` with the entry a
/// `u32` variant index (`0` status change, `1` rollback) then its fields
/// ([R-AUDIT-1]).
pub fn compute_audit_record_hash(
    previous: &Hash32,
    index: u64,
    epoch: Epoch,
    entry: &AuditEntry,
) -> Hash32 {
    let mut hasher = Sha3_256::new();
    hasher.put(AUDIT_TAG);
    hasher.put(previous);
    hasher.put(&index.to_le_bytes());
    hasher.put(&epoch.0.to_le_bytes());
    entry.encode_canonical(&mut hasher);
    finish(hasher)
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
    use crate::testkit::{sample_block, sample_body, sample_claim, test_signing_key};
    use ed25519_dalek::Signer;
    use mend_spec::{Height, ValidatorId, XtxId};

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

    fn sample_receipt() -> Receipt {
        Receipt {
            signer: ValidatorId(5),
            source: ShardId(1),
            destination: ShardId(0),
            epoch: Epoch(3),
            generation: Generation(2),
            height: Height(4),
            root: [0x77; 32],
        }
    }

    #[test]
    fn claims_and_receipts_sign_their_tag_and_wire_encoding() {
        let claim = sample_claim();
        assert_eq!(canonical(&claim), bincode::serialize(&claim).unwrap());
        let mut expected = b"mend/block-claim/v1".to_vec();
        expected.extend_from_slice(&bincode::serialize(&claim).unwrap());
        assert_eq!(block_claim_signing_bytes(&claim), expected);

        let receipt = sample_receipt();
        assert_eq!(canonical(&receipt), bincode::serialize(&receipt).unwrap());
        let mut expected = b"mend/receipt/v1".to_vec();
        expected.extend_from_slice(&bincode::serialize(&receipt).unwrap());
        assert_eq!(receipt_signing_bytes(&receipt), expected);
    }

    #[test]
    fn a_claim_signature_does_not_verify_over_another_domain() {
        let key = test_signing_key(ValidatorId(5));
        let claim_bytes = block_claim_signing_bytes(&sample_claim());
        let signature = SignatureBytes(key.sign(&claim_bytes).to_bytes());
        assert!(is_valid_signature(
            &key.verifying_key(),
            &claim_bytes,
            &signature
        ));
        // The same bytes after another tag.
        let mut as_receipt = RECEIPT_DOMAIN_TAG.to_vec();
        as_receipt.extend_from_slice(&claim_bytes[BLOCK_CLAIM_DOMAIN_TAG.len()..]);
        assert!(!is_valid_signature(
            &key.verifying_key(),
            &as_receipt,
            &signature
        ));
    }

    #[test]
    fn the_fault_id_hashes_shard_kind_index_accused_generation_epoch_height() {
        let fault = Fault {
            kind: FaultKind::CheckpointStateMismatch,
            accused: Some(ValidatorId(0x0201)),
            generation: Generation(3),
            epoch: Epoch(4),
            height: Height(5),
        };
        let encoded = bincode::serialize(&(7u16, 5u32, Some(0x0201u16), 3u64, 4u64, 5u64)).unwrap();
        assert_eq!(
            compute_fault_id(ShardId(7), &fault),
            sha3(&[b"mend/fault/v1", &encoded])
        );
        let liveness = Fault {
            kind: FaultKind::LivenessFailure,
            accused: None,
            ..fault
        };
        let encoded = bincode::serialize(&(7u16, 4u32, None::<u16>, 3u64, 4u64, 5u64)).unwrap();
        assert_eq!(
            compute_fault_id(ShardId(7), &liveness),
            sha3(&[b"mend/fault/v1", &encoded])
        );
    }

    #[test]
    fn fault_kind_indices_are_the_table_order() {
        let indices: Vec<u32> = FaultKind::ALL
            .iter()
            .map(|k| compute_fault_kind_index(*k))
            .collect();
        assert_eq!(indices, (0..7).collect::<Vec<u32>>());
    }

    #[test]
    fn fault_ids_differ_in_every_field_and_shard() {
        let base = Fault {
            kind: FaultKind::ValidatorEquivocation,
            accused: Some(ValidatorId(3)),
            generation: Generation(0),
            epoch: Epoch(1),
            height: Height(2),
        };
        let id = compute_fault_id(ShardId(0), &base);
        let variants = [
            Fault {
                kind: FaultKind::ExecutionFailure,
                ..base
            },
            Fault {
                accused: Some(ValidatorId(2)),
                ..base
            },
            Fault {
                accused: None,
                ..base
            },
            Fault {
                generation: Generation(1),
                ..base
            },
            Fault {
                epoch: Epoch(2),
                ..base
            },
            Fault {
                height: Height(3),
                ..base
            },
        ];
        for variant in variants {
            assert_ne!(compute_fault_id(ShardId(0), &variant), id, "{variant}");
        }
        assert_ne!(compute_fault_id(ShardId(1), &base), id);
    }

    #[test]
    fn the_audit_entry_hashes_as_its_bincode_encoding() {
        let entry = AuditEntry::StatusChange {
            shard: ShardId(1),
            from: ShardStatus::Investigating,
            to: ShardStatus::Isolated,
            cause: [1; 32],
            root_before: [2; 32],
            root_after: [3; 32],
        };
        assert_eq!(canonical(&entry), bincode::serialize(&entry).unwrap());
        let mut bytes = 0u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&1u16.to_le_bytes());
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&3u32.to_le_bytes());
        bytes.extend_from_slice(&[1; 32]);
        bytes.extend_from_slice(&[2; 32]);
        bytes.extend_from_slice(&[3; 32]);
        assert_eq!(canonical(&entry), bytes);
        for status in [
            ShardStatus::Normal,
            ShardStatus::Investigating,
            ShardStatus::Frozen,
            ShardStatus::Isolated,
            ShardStatus::Recovering,
            ShardStatus::Healing,
        ] {
            assert_eq!(
                status_index(status).to_le_bytes().to_vec(),
                bincode::serialize(&status).unwrap()
            );
        }
    }

    #[test]
    fn a_rollback_entry_hashes_as_its_bincode_encoding_after_index_one() {
        let entry = AuditEntry::Rollback {
            shard: ShardId(2),
            cause: [1; 32],
            target: [2; 32],
            height_before: Height(9),
            root_before: [3; 32],
            root_after: [4; 32],
            generation: Generation(5),
        };
        assert_eq!(canonical(&entry), bincode::serialize(&entry).unwrap());
        let mut bytes = 1u32.to_le_bytes().to_vec();
        bytes.extend_from_slice(&2u16.to_le_bytes());
        bytes.extend_from_slice(&[1; 32]);
        bytes.extend_from_slice(&[2; 32]);
        bytes.extend_from_slice(&9u64.to_le_bytes());
        bytes.extend_from_slice(&[3; 32]);
        bytes.extend_from_slice(&[4; 32]);
        bytes.extend_from_slice(&5u64.to_le_bytes());
        assert_eq!(canonical(&entry), bytes);
    }

    #[test]
    fn an_xtx_vote_signs_its_tag_and_the_fixint_encoding_of_voter_id_shard_generation_decision() {
        for (decision, index) in [(XtxDecision::Commit, 0u32), (XtxDecision::Abort, 1)] {
            let vote = XtxVoteBody {
                voter: ValidatorId(0x0102),
                id: XtxId(0x0304_0506),
                shard: ShardId(7),
                generation: Generation(8),
                decision,
            };
            let mut expected = b"mend/xtx-vote/v1".to_vec();
            expected.extend_from_slice(
                &bincode::serialize(&(0x0102u16, 0x0304_0506u32, 7u16, 8u64, index)).unwrap(),
            );
            assert_eq!(xtx_vote_signing_bytes(&vote), expected);
            assert_eq!(canonical(&vote), bincode::serialize(&vote).unwrap());
        }
    }

    #[test]
    fn an_xtx_vote_signature_does_not_verify_for_another_shard_generation_or_decision() {
        let key = test_signing_key(ValidatorId(1));
        let vote = XtxVoteBody {
            voter: ValidatorId(1),
            id: XtxId(3),
            shard: ShardId(0),
            generation: Generation(0),
            decision: XtxDecision::Commit,
        };
        let signature = SignatureBytes(key.sign(&xtx_vote_signing_bytes(&vote)).to_bytes());
        let verifies = |v: &XtxVoteBody| {
            is_valid_signature(&key.verifying_key(), &xtx_vote_signing_bytes(v), &signature)
        };
        assert!(verifies(&vote));
        for other in [
            XtxVoteBody {
                shard: ShardId(1),
                ..vote
            },
            XtxVoteBody {
                generation: Generation(1),
                ..vote
            },
            XtxVoteBody {
                decision: XtxDecision::Abort,
                ..vote
            },
            XtxVoteBody {
                id: XtxId(4),
                ..vote
            },
        ] {
            assert!(!verifies(&other), "{other:?}");
        }
    }
}
