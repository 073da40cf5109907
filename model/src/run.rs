//! Running the checker and reporting what it found.
//!
//! [`check`] explores every reachable view of a configuration breadth
//! first; [`check_symmetric`] explores them depth first, one view per class
//! of views that differ only by a renaming of honest committee members
//! ([`crate::symmetry`]); [`simulate`] walks random runs from a seed. All
//! return a [`CheckReport`]: the counts, each property's result, and for a
//! broken `always` property a shrunk counterexample
//! ([`crate::counterexample`]).
//! The binary prints reports and writes traces; tests call these functions
//! directly.

use crate::behaviour::{
    compute_properties, AcceptedStepsModel, AlwaysProperty, CheckpointModel, ModelState,
    PropertyKind,
};
use crate::config::{ByzantineCheckpoints, XtxVoters};
use crate::counterexample::{minimise, Counterexample};
use crate::rules::ModelConfig;
use crate::symmetry::{check_symmetric_config, compute_state_representative, SymmetryError};
use mend_spec::{compute_fault_tolerance, compute_quorum, Action};
use stateright::{Checker, HasDiscoveries, Model, UniformChooser};
use std::fmt;
use std::time::{Duration, Instant};

/// How often the progress callback is called while a check runs.
pub const PROGRESS_INTERVAL: Duration = Duration::from_secs(2);

/// How often the run loop looks whether the checker is done.
const POLL_INTERVAL: Duration = Duration::from_millis(20);

/// Counts while a check runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    pub states: usize,
    pub unique_states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
}

/// How the state space was explored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// Exhaustive breadth-first search.
    Bfs { threads: usize },
    /// Exhaustive depth-first search with symmetry reduction: one view of
    /// every class of views that differ by a renaming of the honest
    /// members of a committee.
    DfsSymmetric { threads: usize },
    /// Exhaustive breadth-first search of the two-replica model
    /// ([`crate::determinism`]), at most `gossip_per_segment` gossiped
    /// inputs per segment.
    BfsReplicas {
        threads: usize,
        gossip_per_segment: usize,
    },
    /// About `runs` random runs of at most `steps` steps from `seed`.
    Simulation {
        seed: u64,
        steps: usize,
        runs: usize,
        threads: usize,
    },
}

/// What the search says about one property.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// An `always` property held in every state searched.
    Holds,
    /// An `always` property failed in some state.
    Violated,
    /// A `sometimes` property held in some state.
    ExampleFound,
    /// A `sometimes` property held in no state of a search that ran to its
    /// end: the invariants may hold only because nothing happens.
    NoExample,
    /// A `sometimes` property held in no state searched before the search
    /// stopped at a violation.
    NotReached,
    /// A `sometimes` property held in no state of the random runs. A
    /// simulation samples the state space; missing an example there says
    /// nothing about vacuity, which the exhaustive check answers.
    NotSampled,
}

/// One property's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PropertyResult {
    pub name: &'static str,
    pub kind: PropertyKind,
    pub verdict: Verdict,
}

impl PropertyResult {
    /// Whether the result is the one the property wants.
    pub fn passed(&self) -> bool {
        matches!(
            self.verdict,
            Verdict::Holds | Verdict::ExampleFound | Verdict::NotSampled
        )
    }

    /// The result in words.
    pub fn describe(&self) -> &'static str {
        match self.verdict {
            Verdict::Holds => "holds",
            Verdict::Violated => "VIOLATED",
            Verdict::ExampleFound => "example found",
            Verdict::NoExample => "NO EXAMPLE (vacuous?)",
            Verdict::NotReached => "not reached (the search stopped at the violation)",
            Verdict::NotSampled => "not seen in these runs",
        }
    }
}

/// What one check found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckReport {
    pub cfg: ModelConfig,
    pub strategy: Strategy,
    /// States generated, repeats included.
    pub states: usize,
    /// Distinct states (the simulation checker does not track them and
    /// reports its state count; under symmetry reduction, distinct classes
    /// of states).
    pub unique_states: usize,
    pub max_depth: usize,
    pub elapsed: Duration,
    /// Every property, in the model's order.
    pub properties: Vec<PropertyResult>,
    /// The shrunk counterexample of the first broken `always` property.
    pub counterexample: Option<Counterexample>,
}

impl CheckReport {
    /// Whether every `always` property held and every `sometimes` property
    /// had an example.
    pub fn passed(&self) -> bool {
        self.properties.iter().all(PropertyResult::passed)
    }

    /// States generated per second of the run.
    pub fn states_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.states as f64 / seconds
        } else {
            0.0
        }
    }
}

/// Explores every reachable view of `cfg` breadth first on `threads`
/// threads, stopping at the first violation of an `always` property (whose
/// path is then nearly the shortest: breadth first visits short paths
/// first). With one thread the counts and the discovered paths are the
/// same on every run.
pub fn check(cfg: &ModelConfig, threads: usize) -> CheckReport {
    check_with_progress(cfg, threads, |_| {})
}

/// [`check`], calling `progress` about every [`PROGRESS_INTERVAL`].
pub fn check_with_progress(
    cfg: &ModelConfig,
    threads: usize,
    progress: impl FnMut(&Progress),
) -> CheckReport {
    let start = Instant::now();
    let checker = CheckpointModel::new(cfg.clone())
        .checker()
        .threads(threads.max(1))
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_bfs();
    finish(cfg, Strategy::Bfs { threads }, checker, start, progress)
}

/// Explores every reachable view of `cfg` depth first on `threads`
/// threads, up to renaming the honest members of each committee
/// ([`crate::symmetry`]), stopping at the first violation of an `always`
/// property. The path the checker reports is a run of the model from the
/// initial view (it continues every path with the view an action produced,
/// not with its representative), so it is cut and shrunk like a
/// breadth-first one. Symmetry reduction by sorting can make the counts
/// depend on the thread count; with one thread they are the same on every
/// run. (The representative here is canonical, so every class of views is
/// visited exactly once whatever the order, and 1 and 2 threads were
/// measured to give the same counts; the tests still pin one thread.)
///
/// Refuses a configuration whose Byzantine validators are not the
/// highest-numbered member of each committee, for which the
/// representative function would be wrong.
pub fn check_symmetric(cfg: &ModelConfig, threads: usize) -> Result<CheckReport, SymmetryError> {
    check_symmetric_with_progress(cfg, threads, |_| {})
}

/// [`check_symmetric`], calling `progress` about every
/// [`PROGRESS_INTERVAL`].
pub fn check_symmetric_with_progress(
    cfg: &ModelConfig,
    threads: usize,
    progress: impl FnMut(&Progress),
) -> Result<CheckReport, SymmetryError> {
    check_symmetric_config(cfg)?;
    let start = Instant::now();
    let checker = CheckpointModel::new(cfg.clone())
        .checker()
        .threads(threads.max(1))
        .symmetry_fn(compute_state_representative)
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_dfs();
    Ok(finish(
        cfg,
        Strategy::DfsSymmetric { threads },
        checker,
        start,
        progress,
    ))
}

/// Walks random runs of `cfg` from `seed`, each at most `steps` steps
/// long, until about `runs` runs' worth of states (`runs * steps`) were
/// visited or every property was discovered. With one thread a seed always
/// gives the same runs.
pub fn simulate(
    cfg: &ModelConfig,
    seed: u64,
    steps: usize,
    runs: usize,
    threads: usize,
    progress: impl FnMut(&Progress),
) -> CheckReport {
    let start = Instant::now();
    let model = AcceptedStepsModel { cfg: cfg.clone() };
    // The simulation checker stops a run once it holds more than
    // `target_max_depth` states counting the initial one.
    let checker = model
        .checker()
        .threads(threads.max(1))
        .target_max_depth(steps.saturating_add(1))
        .target_state_count(runs.saturating_mul(steps).max(1))
        .finish_when(HasDiscoveries::AnyFailures)
        .spawn_simulation(seed, UniformChooser);
    finish(
        cfg,
        Strategy::Simulation {
            seed,
            steps,
            runs,
            threads,
        },
        checker,
        start,
        progress,
    )
}

/// Waits until `checker` is done, calling `progress` about every
/// [`PROGRESS_INTERVAL`].
pub fn wait_with_progress<M: Model, C: Checker<M>>(
    checker: &C,
    start: Instant,
    progress: &mut impl FnMut(&Progress),
) {
    let mut last_report = Instant::now();
    while !checker.is_done() {
        std::thread::sleep(POLL_INTERVAL);
        if last_report.elapsed() >= PROGRESS_INTERVAL {
            last_report = Instant::now();
            progress(&Progress {
                states: checker.state_count(),
                unique_states: checker.unique_state_count(),
                max_depth: checker.max_depth(),
                elapsed: start.elapsed(),
            });
        }
    }
}

/// Waits for `checker`, reporting progress, then collects the results and
/// shrinks the first counterexample.
fn finish<M, C>(
    cfg: &ModelConfig,
    strategy: Strategy,
    checker: C,
    start: Instant,
    mut progress: impl FnMut(&Progress),
) -> CheckReport
where
    M: Model<State = ModelState, Action = Action>,
    C: Checker<M>,
{
    wait_with_progress(&checker, start, &mut progress);
    let checker = checker.join();
    let elapsed = start.elapsed();
    let discoveries = checker.discoveries();
    let listed = compute_properties(cfg);
    let is_violated = listed
        .iter()
        .any(|&(name, kind)| kind == PropertyKind::Always && discoveries.contains_key(name));
    let properties: Vec<PropertyResult> = listed
        .iter()
        .map(|&(name, kind)| {
            let discovered = discoveries.contains_key(name);
            let verdict = match (kind, discovered) {
                (PropertyKind::Always, false) => Verdict::Holds,
                (PropertyKind::Always, true) => Verdict::Violated,
                (PropertyKind::Sometimes, true) => Verdict::ExampleFound,
                (PropertyKind::Sometimes, false) if is_violated => Verdict::NotReached,
                (PropertyKind::Sometimes, false) => match strategy {
                    Strategy::Bfs { .. }
                    | Strategy::DfsSymmetric { .. }
                    | Strategy::BfsReplicas { .. } => Verdict::NoExample,
                    Strategy::Simulation { .. } => Verdict::NotSampled,
                },
            };
            PropertyResult {
                name,
                kind,
                verdict,
            }
        })
        .collect();
    // The shortest shrunk counterexample of any broken property, the first
    // in property order among equals: one step can break several (a slash
    // of an honest validator breaks INV-6 (b) one boundary after the
    // evidence that named it broke INV-6 (d)).
    let counterexample = properties
        .iter()
        .filter(|p| p.verdict == Verdict::Violated)
        .filter_map(|p| {
            let property = AlwaysProperty::from_name(p.name)?;
            let path = discoveries.get(p.name)?.clone();
            minimise(cfg, property, &path.into_actions())
        })
        .min_by_key(|c| c.actions.len());
    // The simulation checker counts one step past the depth it stops at;
    // no state that deep was checked.
    let max_depth = match strategy {
        Strategy::Bfs { .. } | Strategy::DfsSymmetric { .. } | Strategy::BfsReplicas { .. } => {
            checker.max_depth()
        }
        Strategy::Simulation { steps, .. } => checker.max_depth().min(steps),
    };
    CheckReport {
        cfg: cfg.clone(),
        strategy,
        states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        max_depth,
        elapsed,
        properties,
        counterexample,
    }
}

/// The configuration in one block of text, for reports.
pub struct ConfigSummary<'a>(pub &'a ModelConfig);

impl fmt::Display for ConfigSummary<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cfg = self.0;
        let p = &cfg.params;
        let n = usize::from(p.committee_size);
        let byzantine: Vec<String> = cfg.byzantine.iter().map(|v| v.to_string()).collect();
        writeln!(f, "configuration {}", cfg.name)?;
        writeln!(f, "  shards                 {}", p.shards)?;
        writeln!(f, "  committee size n       {n}")?;
        writeln!(f, "  fault tolerance f      {}", compute_fault_tolerance(n))?;
        writeln!(f, "  quorum q               {}", compute_quorum(n))?;
        writeln!(
            f,
            "  checkpoint interval N  {}",
            p.checkpoint_interval_blocks
        )?;
        writeln!(f, "  retention K            {}", p.retention_checkpoints)?;
        writeln!(f, "  pending max P          {}", p.pending_checkpoints_max)?;
        writeln!(f, "  liveness bound L       {} epoch(s)", p.liveness_epochs)?;
        writeln!(
            f,
            "  evidence age A_e, A_b  {} epoch(s), {} block(s)",
            p.evidence_age_epochs, p.evidence_age_blocks
        )?;
        writeln!(
            f,
            "  rollback window W      {} block(s)",
            p.rollback_window_blocks
        )?;
        writeln!(f, "  Byzantine              {{{}}}", byzantine.join(","))?;
        if cfg.byzantine_checkpoints == ByzantineCheckpoints::Withheld {
            writeln!(
                f,
                "                         (they neither propose nor vote on checkpoints)"
            )?;
        }
        let heights: Vec<String> = cfg.max_heights.iter().map(|h| h.to_string()).collect();
        writeln!(f, "  max height per shard   {}", heights.join(", "))?;
        writeln!(f, "  max epoch              {}", cfg.max_epoch)?;
        if cfg.evidence.is_empty() {
            writeln!(f, "  evidence               none")?;
        } else {
            let kinds: Vec<String> = cfg.evidence.iter().map(|k| format!("{k:?}")).collect();
            writeln!(f, "  evidence               {}", kinds.join(", "))?;
            let bounds: Vec<String> = cfg.max_open_faults.iter().map(|b| b.to_string()).collect();
            writeln!(
                f,
                "  max open faults        {} (evidence against a shard while it holds fewer)",
                bounds.join(", ")
            )?;
        }
        if cfg.transactions.is_empty() {
            writeln!(f, "  cross-shard txs        none")?;
        } else {
            let txs: Vec<String> = cfg
                .transactions
                .iter()
                .map(|x| format!("{} {}->{} key {}", x.id, x.source, x.destination, x.key))
                .collect();
            writeln!(f, "  cross-shard txs        {}", txs.join(", "))?;
            let decisions: Vec<String> =
                cfg.xtx_decisions.iter().map(|d| format!("{d:?}")).collect();
            let voters = match cfg.xtx_voters {
                XtxVoters::FirstHonest => "the first honest member of each committee",
                XtxVoters::EveryMember => "every member of each committee",
            };
            writeln!(
                f,
                "  xtx votes              {} by {voters}",
                decisions.join(" or ")
            )?;
        }
        match cfg.bug {
            None => writeln!(f, "  seeded bug             none"),
            Some(bug) => writeln!(
                f,
                "  seeded bug             {} ({})",
                bug.name(),
                bug.description()
            ),
        }
    }
}

impl fmt::Display for CheckReport {
    /// The summary the binary prints: configuration, counts, timing, and
    /// each property's result. The counterexample is printed separately.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", ConfigSummary(&self.cfg))?;
        match self.strategy {
            Strategy::Bfs { threads } => {
                writeln!(f, "exhaustive breadth-first search on {threads} thread(s)")?;
                writeln!(f, "  states                 {}", self.states)?;
                writeln!(f, "  unique states          {}", self.unique_states)?;
            }
            Strategy::DfsSymmetric { threads } => {
                writeln!(
                    f,
                    "exhaustive depth-first search with symmetry reduction (honest members \
                     of a committee interchangeable) on {threads} thread(s)"
                )?;
                writeln!(f, "  states                 {}", self.states)?;
                writeln!(
                    f,
                    "  unique states          {} (up to symmetry)",
                    self.unique_states
                )?;
            }
            Strategy::BfsReplicas {
                threads,
                gossip_per_segment,
            } => {
                writeln!(
                    f,
                    "exhaustive breadth-first search of two replicas, the second receiving each \
                     segment's gossiped inputs (at most {gossip_per_segment}) in every order, \
                     on {threads} thread(s)"
                )?;
                writeln!(f, "  states                 {}", self.states)?;
                writeln!(f, "  unique states          {}", self.unique_states)?;
            }
            Strategy::Simulation {
                seed,
                steps,
                runs,
                threads,
            } => {
                writeln!(
                    f,
                    "simulation, seed {seed}, about {runs} runs of at most {steps} steps, \
                     on {threads} thread(s)"
                )?;
                writeln!(f, "  states                 {}", self.states)?;
                writeln!(f, "  unique states          not tracked by simulation")?;
            }
        }
        writeln!(
            f,
            "  states/second          {:.0}",
            self.states_per_second()
        )?;
        writeln!(f, "  max depth              {}", self.max_depth)?;
        writeln!(
            f,
            "  time                   {:.3} s",
            self.elapsed.as_secs_f64()
        )?;
        writeln!(f, "properties")?;
        for p in &self.properties {
            let kind = match p.kind {
                PropertyKind::Always => "always",
                PropertyKind::Sometimes => "sometimes",
            };
            writeln!(f, "  {kind:<9} {:<46} {}", p.name, p.describe())?;
        }
        Ok(())
    }
}
