//! The deterministic test-key convention, written once.
//!
//! Validator `v`'s test key pair is the ed25519 key whose 32-byte seed is
//! `SHA3-256("mend/test-key/v1" || v as u16 LE)`. Traces, corpora and
//! benchmarks sign with these keys, so every machine produces the same bytes
//! and a file replays anywhere. This is a test convention, not a protocol
//! rule: deployments register real keys at genesis.

use crate::ids::ValidatorId;
use sha3::{Digest, Sha3_256};

/// The 32-byte ed25519 seed of validator `v`'s test key.
pub fn compute_test_key_seed(validator: ValidatorId) -> [u8; 32] {
    let mut hasher = Sha3_256::new();
    hasher.update(b"mend/test-key/v1");
    hasher.update(validator.0.to_le_bytes());
    hasher.finalize().into()
}
