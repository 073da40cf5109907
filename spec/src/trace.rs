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
use crate::view::View;
use serde::{Deserialize, Serialize};

/// What led to an ITF state: nothing for the initial state, else an action.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "tag", content = "value")]
pub enum TraceAction {
    Init,
    Step(Action),
}

/// Trace-wide metadata, in the ITF `#meta` record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceMeta {
    /// Always `"ITF"`.
    pub format: String,
    /// What wrote the trace, such as `mend-model check`.
    pub source: String,
    /// A sentence for the reader.
    pub description: String,
    /// The protocol parameters the trace was produced with.
    pub params: Params,
    /// The validators that behaved Byzantine, ascending.
    pub byzantine: Vec<ValidatorId>,
    /// The seeded bug the producer ran with, or empty.
    pub seeded_bug: Vec<SeededBug>,
    /// The violation the trace ends in, as text, or empty.
    pub violation: Vec<String>,
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
