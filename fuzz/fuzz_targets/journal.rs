//! Arbitrary bytes read as a journal file ([R-JOURNAL-4]): a clear error or
//! a valid prefix that re-encodes to itself, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    mend_conformance::fuzz_bodies::fuzz_journal(data);
});
