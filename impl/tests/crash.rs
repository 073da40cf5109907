//! The crash test of the journal runtime (`spec/SPEC.md` §10,
//! [R-JOURNAL-3] .. [R-JOURNAL-5]).
//!
//! Runs `mend-node` as a child process over a long valid workload and kills
//! it with SIGKILL at pseudo-random points (after a seeded number of
//! acknowledgements, sometimes plus a seeded delay, sometimes before it has
//! even opened the journal), restarts it, and repeats until every input is
//! processed. Then the node's final digest must equal the digest of an
//! uninterrupted in-process run.
//!
//! Checked at every restart: every acknowledgement the node ever printed is
//! durable (the reopened position is at least the number of acknowledged
//! inputs), and at most one unacknowledged input is (the one between its
//! `fsync` and its `ack` line).
//!
//! A SIGKILL cannot tear a small `write` to the page cache, so torn tails are
//! rare from kills alone. After some kills the test therefore also leaves
//! what a power loss during the unacknowledged write would: the last record
//! cut short if it was never acknowledged, or a cut-short copy of the next
//! input's record. Nothing acknowledged is ever touched. Timing decides only
//! where a kill lands, never whether the test passes.
//!
//! The node snapshots every [`SNAPSHOT_EVERY`] inputs ([R-JOURNAL-7]), so
//! kills also land while a snapshot is written or the journal shortened,
//! and most restarts load a snapshot and replay only the records after it.
//! After some kills the test also leaves garbage in the `.tmp` files an
//! interrupted snapshot would leave, which a restart must ignore.
//!
//! `MEND_CRASH_KILLS` sets the number of kills (default 36);
//! `MEND_CRASH_SEED` the seed.

use mend_impl::journal::workload::{generate_workload, test_verifying_keys, workload_params};
use mend_impl::{
    encode_message, encode_record, read_records, snapshot_path, view_digest, Engine, Journal,
};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const INPUTS: usize = 1_200;

/// The node writes a snapshot whenever its position reaches a multiple of
/// this.
const SNAPSHOT_EVERY: u64 = 50;

/// xorshift64*: a seeded choice of kill points, no `rand` needed.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next() % bound
        }
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn spawn(journal: &Path, inputs: &Path) -> (Child, BufReader<ChildStdout>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_mend-node"))
        .arg("--journal")
        .arg(journal)
        .arg("--inputs")
        .arg(inputs)
        .arg("--snapshot-every")
        .arg(SNAPSHOT_EVERY.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("mend-node starts");
    let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    (child, stdout)
}

/// What one run of the node printed.
#[derive(Default)]
struct Run {
    torn_tail: bool,
    restored: Option<u64>,
    snapshots: Vec<u64>,
    position: Option<u64>,
    acks: Vec<u64>,
    digest: Option<String>,
}

impl Run {
    fn take(&mut self, line: &str) {
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("torn-tail"), _) => self.torn_tail = true,
            (Some("restored"), Some(p)) => self.restored = Some(p.parse().unwrap()),
            (Some("snapshot"), Some(p)) => self.snapshots.push(p.parse().unwrap()),
            (Some("position"), Some(p)) => self.position = Some(p.parse().unwrap()),
            (Some("ack"), Some(i)) => self.acks.push(i.parse().unwrap()),
            (Some("digest"), Some(d)) => self.digest = Some(d.to_string()),
            _ => panic!("unexpected line from mend-node: {line:?}"),
        }
    }
}

/// After a kill: leaves what a power loss during the unacknowledged write
/// would have left. Returns whether it changed the file.
fn tear_unacknowledged(journal: &Path, acked: u64, inputs: &[Vec<u8>], rng: &mut XorShift) -> bool {
    let Ok(bytes) = std::fs::read(journal) else {
        return false; // Killed before the journal existed.
    };
    let Ok(scan) = read_records(&bytes) else {
        return false;
    };
    if scan.torn_tail.is_some() {
        return false;
    }
    // Absolute: the journal may start after a snapshot.
    let durable = scan.base + scan.inputs.len() as u64;
    if durable > acked {
        // The last record was synced but never acknowledged: cut it.
        let Some(last) = scan.inputs.last() else {
            return false;
        };
        let len = bytes.len() as u64 - last.offset;
        let cut = last.offset + 1 + rng.below(len - 1);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(journal)
            .unwrap();
        file.set_len(cut).unwrap();
        true
    } else if (durable as usize) < inputs.len() {
        // The next input's record, cut short mid-write.
        let record = encode_record(durable + 1, &inputs[durable as usize]).unwrap();
        let cut = 1 + rng.below(record.len() as u64 - 1) as usize;
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(journal)
            .unwrap();
        file.write_all(&record[..cut]).unwrap();
        true
    } else {
        false
    }
}

#[test]
fn a_node_killed_at_random_points_ends_equal_to_an_uninterrupted_run() {
    let started = Instant::now();
    let kills = env_u64("MEND_CRASH_KILLS", 36);
    let mut rng = XorShift(env_u64("MEND_CRASH_SEED", 0x6d65_6e64_6372_6173) | 1);

    let messages = generate_workload(INPUTS).unwrap();
    let inputs: Vec<Vec<u8>> = messages.iter().map(encode_message).collect();
    let dir: PathBuf = std::env::temp_dir().join(format!("mend-crash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let inputs_path = dir.join("inputs.bin");
    let mut framed = Vec::new();
    for bytes in &inputs {
        framed.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        framed.extend_from_slice(bytes);
    }
    std::fs::write(&inputs_path, &framed).unwrap();
    let journal = dir.join("node.mend");

    let params = workload_params();
    let mut engine = Engine::new(params, test_verifying_keys(&params)).unwrap();
    for message in &messages {
        engine.apply(message).unwrap();
    }
    let expected_view = engine.snapshot();
    let expected: String = view_digest(&expected_view)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();

    // The number of inputs acknowledged over every run of this pass.
    let mut acked: u64 = 0;
    let mut restarts_with_torn_tail = 0;
    let mut restarts_from_snapshot = 0;
    let mut snapshots_written = 0;
    let mut leftovers = 0;
    let mut injected = 0;
    let mut kills_done: u64 = 0;
    // A pass ends when the node gets through every input between two kills;
    // it is checked, and a new pass starts from an empty journal, until the
    // requested number of kills has interrupted something.
    let mut passes = 0;
    while kills_done < kills {
        let (mut child, mut stdout) = spawn(&journal, &inputs_path);
        let mut run = Run::default();
        let mut line = String::new();
        let immediate = rng.below(8) == 0;
        if !immediate {
            // Spread the kills over what is left of this pass.
            let remaining = INPUTS as u64 - acked.min(INPUTS as u64);
            let mean = remaining / (kills - kills_done + 1).min(12);
            let wait_acks = rng.below(2 * mean + 1);
            while (run.acks.len() as u64) < wait_acks || run.position.is_none() {
                line.clear();
                if stdout.read_line(&mut line).unwrap() == 0 {
                    break;
                }
                run.take(line.trim_end());
            }
            if rng.below(3) == 0 {
                std::thread::sleep(Duration::from_micros(rng.below(3_000)));
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix; fine if it already exited.
        child.wait().unwrap();
        // Acks printed before the kill still promise durability.
        loop {
            line.clear();
            if stdout.read_line(&mut line).unwrap() == 0 {
                break;
            }
            run.take(line.trim_end());
        }
        restarts_with_torn_tail += usize::from(run.torn_tail);
        restarts_from_snapshot += usize::from(run.restored.is_some());
        snapshots_written += run.snapshots.len();
        if let (Some(restored), Some(position)) = (run.restored, run.position) {
            // [R-JOURNAL-7] A snapshot is taken only at a multiple of the
            // period and never ahead of the durable position.
            assert_eq!(restored % SNAPSHOT_EVERY, 0, "kill {kills_done}");
            assert!(restored <= position, "kill {kills_done}");
        }
        if let Some(position) = run.position {
            // [R-JOURNAL-3] Every acknowledged input survived; at most the
            // one between its fsync and its ack line is extra.
            assert!(
                position >= acked && position <= acked + 1,
                "kill {kills_done}: position {position} after {acked} acknowledged inputs"
            );
            // [R-JOURNAL-5] The node resumed from the journal's position.
            for (i, &ack) in run.acks.iter().enumerate() {
                assert_eq!(
                    ack,
                    position + i as u64,
                    "kill {kills_done}: acks out of order"
                );
            }
            acked = position + run.acks.len() as u64;
        }
        if let Some(digest) = run.digest {
            // Finished before the kill landed: check the pass, start anew.
            assert_eq!(digest, expected, "pass {passes}: the crashed node diverged");
            passes += 1;
            std::fs::remove_file(&journal).unwrap();
            let _ = std::fs::remove_file(snapshot_path(&journal));
            acked = 0;
            continue;
        }
        kills_done += 1;
        if rng.below(3) == 0 && tear_unacknowledged(&journal, acked, &inputs, &mut rng) {
            injected += 1;
        }
        if rng.below(4) == 0 {
            // What an interrupted snapshot leaves: partial temporary files.
            let garbage = vec![0x5a; 1 + rng.below(200) as usize];
            for leftover in [".tmp", ".snapshot.tmp"] {
                let mut name = journal.as_os_str().to_owned();
                name.push(leftover);
                std::fs::write(PathBuf::from(name), &garbage).unwrap();
            }
            leftovers += 1;
        }
    }

    // The last run, uninterrupted.
    let (mut child, mut stdout) = spawn(&journal, &inputs_path);
    let mut run = Run::default();
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap() > 0 {
        run.take(line.trim_end());
        line.clear();
    }
    assert!(child.wait().unwrap().success());
    restarts_with_torn_tail += usize::from(run.torn_tail);
    restarts_from_snapshot += usize::from(run.restored.is_some());
    snapshots_written += run.snapshots.len();
    let position = run.position.expect("the node printed its position");
    assert!(position >= acked && position <= acked + 1);
    let digest = run.digest.expect("the node printed its digest");
    assert_eq!(digest, expected, "the crashed node diverged");
    let (reopened, report) = Journal::open(&journal).unwrap();
    assert_eq!(reopened.position(), INPUTS as u64);
    // The journal was shortened by a snapshot at a multiple of the period
    // (the last one, unless the last kill landed between it and the ack).
    assert!(
        report
            .snapshot
            .is_some_and(|p| p % SNAPSHOT_EVERY == 0 && p + SNAPSHOT_EVERY > INPUTS as u64),
        "{report:?}"
    );
    assert_eq!(reopened.view(), expected_view);
    // Not vacuous: restarts did load snapshots.
    assert!(restarts_from_snapshot > 0, "no restart loaded a snapshot");
    // Straight to the stderr handle, past the harness's capture, so that
    // CI logs show the numbers of a passing run too.
    let _ = writeln!(
        std::io::stderr(),
        "crash test: {INPUTS} inputs, {kills_done} SIGKILLs that interrupted \
         the node over {} passes, {restarts_with_torn_tail} restarts found a torn tail ({injected} torn writes \
         simulated after a kill), {restarts_from_snapshot} restarts loaded a snapshot, \
         {snapshots_written} snapshots written (every {SNAPSHOT_EVERY} inputs), {leftovers} \
         times leftover .tmp files were planted, {:.1} s",
        passes + 1,
        started.elapsed().as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
