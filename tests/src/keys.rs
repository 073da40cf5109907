//! Deterministic test keys ([R-CKPT-5]).
//!
//! The seed convention lives in `mend_spec::test_keys`, shared with the
//! engine's own tests and benchmarks. These keys are for tests and fuzzing
//! only.

use ed25519_dalek::{SigningKey, VerifyingKey};
use mend_spec::test_keys::compute_test_key_seed;
use mend_spec::{Params, ValidatorId};
use sha3::{Digest, Sha3_256};

/// The test signing key of validator `v` (defined for every `u16`, so that
/// actions naming unregistered validators can still be signed).
pub fn test_signing_key(v: ValidatorId) -> SigningKey {
    SigningKey::from_bytes(&compute_test_key_seed(v))
}

/// The genesis registry of verifying keys for `params`, indexed by id.
pub fn test_verifying_keys(params: &Params) -> Vec<VerifyingKey> {
    params
        .validator_ids()
        .map(|v| test_signing_key(v).verifying_key())
        .collect()
}

/// A small deterministic digest helper for synthetic concrete values.
pub fn tagged_hash(tag: &str, parts: &[u64]) -> [u8; 32] {
    let mut h = Sha3_256::new();
    h.update(tag.as_bytes());
    for p in parts {
        h.update(p.to_le_bytes());
    }
    h.finalize().into()
}
