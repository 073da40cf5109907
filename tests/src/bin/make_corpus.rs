//! Rewrites the fuzz seed corpora from model traces: the seeded-bug
//! counterexamples in `tests/traces/` replayed on the correct model as far as
//! they go, and deterministic walks of every differential configuration.

use mend_conformance::corpus::{model_walk, seeds_for};
use mend_conformance::trace_io::{read_trace, trace_files};
use std::path::Path;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let diff_dir = root.join("fuzz/corpus/differential");
    let decode_dir = root.join("fuzz/corpus/decode");
    for dir in [&diff_dir, &decode_dir] {
        std::fs::create_dir_all(dir)?;
        for entry in std::fs::read_dir(dir)? {
            std::fs::remove_file(entry?.path())?;
        }
    }
    let mut walks = Vec::new();
    for path in trace_files(&root.join("tests/traces"))? {
        let trace = read_trace(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        let name = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".itf.json", "");
        walks.push((format!("trace-{name}"), 0u8, trace.actions()));
    }
    for selector in 0..4u8 {
        for seed in 0..6u64 {
            walks.push((
                format!("walk-c{selector}-s{seed}"),
                selector,
                model_walk(selector, seed, 40),
            ));
        }
    }
    let (mut n_diff, mut n_decode) = (0, 0);
    for (name, selector, actions) in walks {
        let (input, messages) = seeds_for(selector, &actions);
        std::fs::write(diff_dir.join(&name), input)?;
        n_diff += 1;
        for (i, m) in messages.iter().enumerate().step_by(3) {
            std::fs::write(decode_dir.join(format!("{name}-m{i}")), m)?;
            n_decode += 1;
            if i % 9 == 0 && m.len() > 8 {
                std::fs::write(
                    decode_dir.join(format!("{name}-m{i}-cut")),
                    &m[..m.len() / 2],
                )?;
                n_decode += 1;
            }
        }
    }
    println!("wrote {n_diff} differential and {n_decode} decode seeds");
    Ok(())
}
