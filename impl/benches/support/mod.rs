//! Set-up shared by the benchmarks that build a chain and a finalized
//! checkpoint through the engine's own messages: test keys, honest blocks
//! and signed proposals. Not timed.

use ed25519_dalek::{Signer, SigningKey};
use mend_impl::{
    compute_checkpoint_id, compute_state_root, proposal_signing_bytes, Block, CheckpointBody,
    Engine, Hash32, Message, SignatureBytes, SignedProposal, Transaction,
};
use mend_spec::test_keys::compute_test_key_seed;
use mend_spec::{Generation, Height, ShardId, ValidatorId};

/// The deterministic test key of `v`.
pub fn signing_key(v: ValidatorId) -> SigningKey {
    SigningKey::from_bytes(&compute_test_key_seed(v))
}

/// The honest successor of a head `(height, block id, root)` of `shard`.
pub fn successor(shard: ShardId, head: (Height, Hash32, Hash32)) -> Block {
    let (height, parent, root) = head;
    let height = height.next().expect("small heights");
    let transactions = vec![Transaction {
        key: height.0 as u32,
        value: height.0,
    }];
    Block {
        shard,
        height,
        parent,
        state_root: compute_state_root(&root, &transactions),
        transactions,
    }
}

/// Appends `count` honest blocks to `shard`.
pub fn produce(engine: &mut Engine, shard: ShardId, count: u64) {
    for _ in 0..count {
        let head = engine.head(shard).expect("the shard exists");
        engine
            .apply(&Message::Block(successor(shard, head)))
            .expect("an honest block is accepted");
    }
}

/// `proposer`'s signed proposal of `body` in generation 0.
pub fn sign_proposal(proposer: ValidatorId, body: CheckpointBody) -> SignedProposal {
    let bytes = proposal_signing_bytes(
        body.shard,
        body.epoch,
        Generation(0),
        &compute_checkpoint_id(&body),
    );
    SignedProposal {
        proposer,
        generation: Generation(0),
        checkpoint: body,
        signature: SignatureBytes(signing_key(proposer).sign(&bytes).to_bytes()),
    }
}
