//! Trace files: every ITF trace in `tests/traces/` (and in
//! `$MEND_TRACE_DIR`, if set) parses with the `itf` crate and replays on
//! model and engine in lockstep, each recorded outcome and view matching.

use mend_conformance::trace_io::{read_trace, replay_trace, trace_files};
use mend_spec::check_view;
use std::path::{Path, PathBuf};

/// The committed traces, and `$MEND_TRACE_DIR` if set. A relative
/// `MEND_TRACE_DIR` is taken from the workspace root (cargo runs tests from
/// the crate's folder); if it is set, it must hold at least one trace.
fn trace_dirs() -> Vec<(PathBuf, bool)> {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs = vec![(crate_dir.join("traces"), false)];
    if let Some(extra) = std::env::var_os("MEND_TRACE_DIR") {
        let extra = PathBuf::from(extra);
        let extra = if extra.is_absolute() {
            extra
        } else {
            crate_dir.join("..").join(extra)
        };
        dirs.push((extra, true));
    }
    dirs
}

#[test]
fn every_trace_file_parses_as_itf_and_replays_on_model_and_engine() {
    let mut replayed = 0;
    for (dir, must_exist) in trace_dirs() {
        let files = match trace_files(&dir) {
            Ok(files) => files,
            Err(e) => panic!("cannot read trace directory {}: {e}", dir.display()),
        };
        assert!(
            !must_exist || !files.is_empty(),
            "MEND_TRACE_DIR {} holds no *.itf.json trace",
            dir.display()
        );
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let generic: itf::Trace<serde_json::Value> = itf::trace_from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not ITF: {e}", path.display()));
            assert!(
                !generic.states.is_empty(),
                "{} has no states",
                path.display()
            );
            let trace = read_trace(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let run = replay_trace(&trace).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            // A trace that records a violation must still end in one.
            if trace.meta.violation != "none" {
                let violation = check_view(&run.model_view)
                    .expect_err("a counterexample trace must end in a violation");
                assert_eq!(
                    violation.to_string(),
                    trace.meta.violation,
                    "{}",
                    path.display()
                );
            }
            replayed += 1;
        }
    }
    mend_conformance::announce(&format!("{replayed} ITF trace files parsed and replayed"));
    assert!(
        replayed >= 4,
        "only {replayed} trace files found: the seeded-bug traces are missing"
    );
}
