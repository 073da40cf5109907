//! Model and engine in lockstep over a bounded, fuzzer-chosen action
//! sequence; any divergence, invariant violation or panic is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mend_conformance::fuzz_bodies::fuzz_differential(data);
});
