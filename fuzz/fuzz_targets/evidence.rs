//! Arbitrary bytes decoded as evidence and checked against an engine with a
//! finalized checkpoint; a panic, a non-canonical decoding or a rejection
//! that changes state is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mend_conformance::fuzz_bodies::fuzz_evidence(data);
});
