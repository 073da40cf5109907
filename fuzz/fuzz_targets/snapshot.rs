//! Arbitrary bytes read as a snapshot file ([R-JOURNAL-7]), and the same
//! bytes framed with a valid checksum so that they reach the state decoder:
//! a typed refusal or a loaded state that re-encodes to itself, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mend_conformance::fuzz_bodies::fuzz_snapshot(data);
});
