//! Trace files in the Informal Trace Format (ITF) ([R-TRACE-1]).
//!
//! A trace is an initial view and a sequence of steps; each ITF state records
//! the action that led to it, its outcome and the view after it. Variants are
//! encoded as `{"tag": .., "value": ..}` records, as Quint emits them; lists
//! are JSON arrays; integers are JSON numbers. `docs/trace-format.md`
//! describes the format for readers. This module holds only the types; the
//! binaries and tests do the JSON I/O.

use crate::action::Action;
use crate::bugs::SeededBug;
use crate::ids::ValidatorId;
use crate::outcome::Outcome;
use crate::params::Params;
use crate::protocol::ReassignmentStrategy;
use crate::view::View;
use serde::{Deserialize, Serialize};

/// What led to an ITF state: nothing for the initial state, else an action.
// Only the first state of a trace is `Init`, so the unused space of that
// one variant costs nothing; boxing `Action` would only make every step
// harder to build and match.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum TraceAction {
    Init,
    Step(Action),
}

/// Trace-wide metadata, in the ITF `#meta` record.
///
/// ITF readers (such as the `itf` crate) accept only string values in
/// `#meta`, so the configuration is written as text; the `parse_*` methods
/// read it back and [`TraceMeta::new`] writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceMeta {
    /// Always `"ITF"`.
    pub format: String,
    /// Where the format is described.
    #[serde(rename = "format-description")]
    pub format_description: String,
    /// What wrote the trace, such as `mend-model check`.
    pub source: String,
    /// A sentence for the reader.
    pub description: String,
    /// The parameters, as `shards=2 committee_size=4 checkpoint_interval_blocks=2
    /// retention_checkpoints=2 pending_checkpoints_max=2`.
    #[serde(rename = "mend-params")]
    pub params: String,
    /// The validators that behaved Byzantine, ascending, space-separated.
    #[serde(rename = "mend-byzantine")]
    pub byzantine: String,
    /// The seeded bug the producer ran with (its command-line name), or `none`.
    #[serde(rename = "mend-seeded-bug")]
    pub seeded_bug: String,
    /// The violation the last state shows, as text, or `none`.
    #[serde(rename = "mend-violation")]
    pub violation: String,
}

/// Why a trace's `#meta` could not be read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceMetaError {
    /// `mend-params` is missing a field, has an unknown one, or a bad number.
    Params { text: String },
    /// The parameters are out of bounds.
    ParamsOutOfBounds(crate::params::ParamsError),
    /// `mend-byzantine` holds something other than validator numbers.
    Byzantine { text: String },
    /// `mend-seeded-bug` names no known bug.
    SeededBug { text: String },
}

impl std::fmt::Display for TraceMetaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TraceMetaError::Params { text } => write!(f, "bad mend-params {text:?}"),
            TraceMetaError::ParamsOutOfBounds(e) => write!(f, "mend-params out of bounds: {e}"),
            TraceMetaError::Byzantine { text } => write!(f, "bad mend-byzantine {text:?}"),
            TraceMetaError::SeededBug { text } => write!(f, "unknown mend-seeded-bug {text:?}"),
        }
    }
}

impl std::error::Error for TraceMetaError {}

impl TraceMeta {
    /// Writes the metadata of a trace produced with this configuration.
    pub fn new(
        source: &str,
        description: &str,
        params: &Params,
        byzantine: &[ValidatorId],
        seeded_bug: Option<SeededBug>,
        violation: Option<String>,
    ) -> TraceMeta {
        let byz: Vec<String> = byzantine.iter().map(|v| v.0.to_string()).collect();
        TraceMeta {
            format: "ITF".into(),
            format_description: "https://apalache-mc.org/docs/adr/015adr-trace.html".into(),
            source: source.into(),
            description: description.into(),
            params: format!(
                "shards={} committee_size={} checkpoint_interval_blocks={} \
                 retention_checkpoints={} pending_checkpoints_max={} liveness_epochs={} \
                 evidence_age_epochs={} evidence_age_blocks={} rollback_window_blocks={} \
                 reserve_validators={} reassignment={}",
                params.shards,
                params.committee_size,
                params.checkpoint_interval_blocks,
                params.retention_checkpoints,
                params.pending_checkpoints_max,
                params.liveness_epochs,
                params.evidence_age_epochs,
                params.evidence_age_blocks,
                params.rollback_window_blocks,
                params.reserve_validators,
                params.reassignment.name()
            ),
            byzantine: byz.join(" "),
            seeded_bug: seeded_bug.map_or("none", SeededBug::name).into(),
            violation: violation.unwrap_or_else(|| "none".into()),
        }
    }

    /// Reads `mend-params` back, checking every bound.
    pub fn parse_params(&self) -> Result<Params, TraceMetaError> {
        let bad = || TraceMetaError::Params {
            text: self.params.clone(),
        };
        let mut fields = [None::<u64>; 10];
        let mut strategy = None;
        const NAMES: [&str; 10] = [
            "shards",
            "committee_size",
            "checkpoint_interval_blocks",
            "retention_checkpoints",
            "pending_checkpoints_max",
            "liveness_epochs",
            "evidence_age_epochs",
            "evidence_age_blocks",
            "rollback_window_blocks",
            "reserve_validators",
        ];
        for word in self.params.split_whitespace() {
            let (name, value) = word.split_once('=').ok_or_else(bad)?;
            if name == "reassignment" {
                strategy = Some(ReassignmentStrategy::from_name(value).ok_or_else(bad)?);
                continue;
            }
            let i = NAMES.iter().position(|n| *n == name).ok_or_else(bad)?;
            fields[i] = Some(value.parse().map_err(|_| bad())?);
        }
        let [Some(s), Some(n), Some(ci), Some(k), Some(p), Some(l), Some(ae), Some(ab), Some(w), Some(r)] =
            fields
        else {
            return Err(bad());
        };
        let strategy = strategy.ok_or_else(bad)?;
        let narrow16 = |x: u64| u16::try_from(x).map_err(|_| bad());
        let narrow32 = |x: u64| u32::try_from(x).map_err(|_| bad());
        let r = narrow16(r)?;
        Params::new(narrow16(s)?, narrow16(n)?, ci, narrow32(k)?, narrow32(p)?)
            .and_then(|params| params.with_detection(l, ae, ab))
            .and_then(|params| params.with_rollback_window(w))
            .and_then(|params| params.with_recovery(r, strategy))
            .map_err(TraceMetaError::ParamsOutOfBounds)
    }

    /// Reads `mend-byzantine` back.
    pub fn parse_byzantine(&self) -> Result<Vec<ValidatorId>, TraceMetaError> {
        self.byzantine
            .split_whitespace()
            .map(|w| {
                w.parse::<u16>()
                    .map(ValidatorId)
                    .map_err(|_| TraceMetaError::Byzantine {
                        text: self.byzantine.clone(),
                    })
            })
            .collect()
    }

    /// Reads `mend-seeded-bug` back.
    pub fn parse_seeded_bug(&self) -> Result<Option<SeededBug>, TraceMetaError> {
        if self.seeded_bug == "none" {
            return Ok(None);
        }
        SeededBug::from_name(&self.seeded_bug)
            .map(Some)
            .ok_or_else(|| TraceMetaError::SeededBug {
                text: self.seeded_bug.clone(),
            })
    }
}

/// One ITF state's `#meta` record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateMeta {
    pub index: u64,
}

/// One ITF state: the step that led to it and the view after it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceState {
    #[serde(rename = "#meta")]
    pub meta: StateMeta,
    pub action: TraceAction,
    pub outcome: Outcome,
    pub view: View,
}

/// A whole ITF trace.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    #[serde(rename = "#meta")]
    pub meta: TraceMeta,
    /// The state variables: always `["action", "outcome", "view"]`.
    pub vars: Vec<String>,
    pub states: Vec<TraceState>,
}

impl Trace {
    /// The ITF variable names every mend trace carries.
    pub fn var_names() -> Vec<String> {
        vec!["action".into(), "outcome".into(), "view".into()]
    }

    /// The actions of the trace's steps, without the initial state.
    pub fn actions(&self) -> Vec<Action> {
        self.states
            .iter()
            .filter_map(|s| match &s.action {
                TraceAction::Init => None,
                TraceAction::Step(a) => Some(*a),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_round_trips_the_configuration() {
        let params = Params::default_config();
        let byz = [ValidatorId(3), ValidatorId(7)];
        let meta = TraceMeta::new("t", "d", &params, &byz, Some(SeededBug::QuorumOfTwoF), None);
        assert_eq!(meta.parse_params(), Ok(params));
        assert_eq!(meta.parse_byzantine(), Ok(byz.to_vec()));
        assert_eq!(meta.parse_seeded_bug(), Ok(Some(SeededBug::QuorumOfTwoF)));
        assert_eq!(meta.violation, "none");
    }

    #[test]
    fn bad_meta_is_refused_with_the_text() {
        let mut meta = TraceMeta::new("t", "d", &Params::default_config(), &[], None, None);
        meta.params = "shards=2 committee_size=x".into();
        assert!(matches!(
            meta.parse_params(),
            Err(TraceMetaError::Params { .. })
        ));
        meta.params = "shards=0 committee_size=4 checkpoint_interval_blocks=2 \
                       retention_checkpoints=2 pending_checkpoints_max=2 liveness_epochs=1 \
                       evidence_age_epochs=2 evidence_age_blocks=4 rollback_window_blocks=4 \
                       reserve_validators=0 reassignment=stake-balance"
            .into();
        assert!(matches!(
            meta.parse_params(),
            Err(TraceMetaError::ParamsOutOfBounds(_))
        ));
        meta.byzantine = "3 seven".into();
        assert!(meta.parse_byzantine().is_err());
        meta.seeded_bug = "no-such-bug".into();
        assert!(meta.parse_seeded_bug().is_err());
    }
}
