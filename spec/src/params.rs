//! Protocol parameters and their bounds ([R-PARAM-1] .. [R-PARAM-3]).

use crate::ids::{ShardId, ValidatorId};
use crate::protocol::ReassignmentStrategy;
use serde::{Deserialize, Serialize};

/// Smallest number of shards.
pub const SHARDS_MIN: u16 = 1;
/// Largest number of shards.
pub const SHARDS_MAX: u16 = 1024;
/// Smallest committee: `3f+1` with `f = 1` ([R-CKPT-6]).
pub const COMMITTEE_SIZE_MIN: u16 = 4;
/// Largest committee.
pub const COMMITTEE_SIZE_MAX: u16 = 64;
/// Largest checkpoint interval `N`, in blocks.
pub const CHECKPOINT_INTERVAL_BLOCKS_MAX: u64 = 1024;
/// Largest retention bound `K`, in finalized checkpoints.
pub const RETENTION_CHECKPOINTS_MAX: u32 = 64;
/// Largest number of pending checkpoints one shard may hold at once.
pub const PENDING_CHECKPOINTS_MAX: u32 = 16;
/// Largest liveness bound `L`, in epochs without a block ([R-FAULT-2]).
pub const LIVENESS_EPOCHS_MAX: u64 = 64;
/// Largest evidence age `A_e`, in epochs ([R-FAULT-3]).
pub const EVIDENCE_AGE_EPOCHS_MAX: u64 = 64;
/// Largest evidence age `A_b`, in blocks ([R-FAULT-3], [R-FAULT-7]).
pub const EVIDENCE_AGE_BLOCKS_MAX: u64 = 1024;
/// Largest rollback window `W`, in blocks ([R-RB-3]).
pub const ROLLBACK_WINDOW_BLOCKS_MAX: u64 = 1024;
/// Default `W`.
pub const ROLLBACK_WINDOW_BLOCKS_DEFAULT: u64 = 4;
const _: () = assert!(
    ROLLBACK_WINDOW_BLOCKS_DEFAULT >= 1
        && ROLLBACK_WINDOW_BLOCKS_DEFAULT <= ROLLBACK_WINDOW_BLOCKS_MAX
);
/// Largest reserve `R`, in validators outside every committee at genesis
/// ([R-SLASH-1]).
pub const RESERVE_VALIDATORS_MAX: u16 = 1024;
/// Default `R`.
pub const RESERVE_VALIDATORS_DEFAULT: u16 = 0;
/// Every validator's stake at genesis ([R-SLASH-1]).
pub const STAKE_GENESIS: u64 = 1_000_000;
/// Penalties are in basis points of the stake ([R-SLASH-2]).
pub const BASIS_POINTS: u64 = 10_000;
/// Default `L`.
pub const LIVENESS_EPOCHS_DEFAULT: u64 = 1;
/// Default `A_e`.
pub const EVIDENCE_AGE_EPOCHS_DEFAULT: u64 = 2;
/// Default `A_b`.
pub const EVIDENCE_AGE_BLOCKS_DEFAULT: u64 = 4;
const _: () =
    assert!(LIVENESS_EPOCHS_DEFAULT >= 1 && LIVENESS_EPOCHS_DEFAULT <= LIVENESS_EPOCHS_MAX);
const _: () = assert!(
    EVIDENCE_AGE_EPOCHS_DEFAULT >= 1 && EVIDENCE_AGE_EPOCHS_DEFAULT <= EVIDENCE_AGE_EPOCHS_MAX
);
const _: () = assert!(
    EVIDENCE_AGE_BLOCKS_DEFAULT >= 1 && EVIDENCE_AGE_BLOCKS_DEFAULT <= EVIDENCE_AGE_BLOCKS_MAX
);

const _: () = assert!(SHARDS_MIN >= 1);
const _: () = assert!(COMMITTEE_SIZE_MIN >= 4);
// Validator ids are u16 and `Params::validators` counts them in a u16, so
// `Params::new` refuses shard and committee counts whose product exceeds
// `VALIDATORS_MAX`; at least the smallest committee fits on every shard.
/// Most validators registered at genesis (`shards * committee_size`).
pub const VALIDATORS_MAX: u32 = u16::MAX as u32;
const _: () = assert!(
    (SHARDS_MAX as u32) * (COMMITTEE_SIZE_MIN as u32) + RESERVE_VALIDATORS_MAX as u32
        <= VALIDATORS_MAX
);

/// The parameters of one deployment. Construct with [`Params::new`], which
/// checks every bound; the fields are public for reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Params {
    /// `S`: the number of shards.
    pub shards: u16,
    /// `n`: the size of every committee at genesis.
    pub committee_size: u16,
    /// `N`: a checkpoint is taken every `N` blocks ([R-CKPT-1]).
    pub checkpoint_interval_blocks: u64,
    /// `K`: how many finalized checkpoints each shard retains ([R-CKPT-9]).
    pub retention_checkpoints: u32,
    /// How many pending checkpoints one shard may hold at once ([R-CKPT-7]).
    pub pending_checkpoints_max: u32,
    /// `L`: whole epochs without a block before liveness evidence is valid
    /// ([R-FAULT-2] kind 5).
    pub liveness_epochs: u64,
    /// `A_e`: evidence from an epoch `e` is valid while `e + A_e` is at least
    /// the current epoch ([R-FAULT-3] check 6).
    pub evidence_age_epochs: u64,
    /// `A_b`: evidence at height `h` is valid while `h + A_b` exceeds the
    /// head height; also the number of past roots kept ([R-FAULT-7]).
    pub evidence_age_blocks: u64,
    /// `W`: a rollback may undo at most this many blocks ([R-RB-3]); the
    /// engine keeps the roots of `A_b + W` blocks ([R-RB-4]).
    pub rollback_window_blocks: u64,
    /// `R`: validators registered at genesis outside every committee, ids
    /// `S*n .. S*n + R` ([R-SLASH-1]).
    pub reserve_validators: u16,
    /// How committees with vacancies are refilled ([R-ASSIGN-1]).
    pub reassignment: ReassignmentStrategy,
}

/// Why a parameter set was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamsError {
    /// `shards` outside `SHARDS_MIN..=SHARDS_MAX`.
    Shards { shards: u16 },
    /// `committee_size` outside `COMMITTEE_SIZE_MIN..=COMMITTEE_SIZE_MAX`.
    CommitteeSize { committee_size: u16 },
    /// `checkpoint_interval_blocks` outside `1..=CHECKPOINT_INTERVAL_BLOCKS_MAX`.
    CheckpointInterval { blocks: u64 },
    /// `retention_checkpoints` outside `1..=RETENTION_CHECKPOINTS_MAX`.
    Retention { checkpoints: u32 },
    /// `pending_checkpoints_max` outside `1..=PENDING_CHECKPOINTS_MAX`.
    PendingMax { checkpoints: u32 },
    /// `shards * committee_size + reserve` exceeds `VALIDATORS_MAX`.
    Validators { shards: u16, committee_size: u16 },
    /// `reserve_validators` above `RESERVE_VALIDATORS_MAX`, or the reserve
    /// does not fit beside the committees in `VALIDATORS_MAX` ids.
    Reserve { validators: u16 },
    /// `liveness_epochs` outside `1..=LIVENESS_EPOCHS_MAX`.
    Liveness { epochs: u64 },
    /// `evidence_age_epochs` outside `1..=EVIDENCE_AGE_EPOCHS_MAX`.
    EvidenceAgeEpochs { epochs: u64 },
    /// `evidence_age_blocks` outside `1..=EVIDENCE_AGE_BLOCKS_MAX`.
    EvidenceAgeBlocks { blocks: u64 },
    /// `rollback_window_blocks` outside `1..=ROLLBACK_WINDOW_BLOCKS_MAX`.
    RollbackWindow { blocks: u64 },
}

impl std::fmt::Display for ParamsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamsError::Shards { shards } => {
                write!(f, "shards = {shards}: must be in {SHARDS_MIN}..={SHARDS_MAX}")
            }
            ParamsError::CommitteeSize { committee_size } => write!(
                f,
                "committee size = {committee_size}: must be in {COMMITTEE_SIZE_MIN}..={COMMITTEE_SIZE_MAX}"
            ),
            ParamsError::CheckpointInterval { blocks } => write!(
                f,
                "checkpoint interval = {blocks} blocks: must be in 1..={CHECKPOINT_INTERVAL_BLOCKS_MAX}"
            ),
            ParamsError::Retention { checkpoints } => write!(
                f,
                "retention = {checkpoints} checkpoints: must be in 1..={RETENTION_CHECKPOINTS_MAX}"
            ),
            ParamsError::PendingMax { checkpoints } => write!(
                f,
                "pending checkpoints max = {checkpoints}: must be in 1..={PENDING_CHECKPOINTS_MAX}"
            ),
            ParamsError::Validators { shards, committee_size } => write!(
                f,
                "{shards} shards of {committee_size} validators: at most {VALIDATORS_MAX} validators"
            ),
            ParamsError::Reserve { validators } => write!(
                f,
                "reserve = {validators} validators: must be in 0..={RESERVE_VALIDATORS_MAX}, \
                 with at most {VALIDATORS_MAX} validators in all"
            ),
            ParamsError::Liveness { epochs } => write!(
                f,
                "liveness bound = {epochs} epochs: must be in 1..={LIVENESS_EPOCHS_MAX}"
            ),
            ParamsError::EvidenceAgeEpochs { epochs } => write!(
                f,
                "evidence age = {epochs} epochs: must be in 1..={EVIDENCE_AGE_EPOCHS_MAX}"
            ),
            ParamsError::EvidenceAgeBlocks { blocks } => write!(
                f,
                "evidence age = {blocks} blocks: must be in 1..={EVIDENCE_AGE_BLOCKS_MAX}"
            ),
            ParamsError::RollbackWindow { blocks } => write!(
                f,
                "rollback window = {blocks} blocks: must be in 1..={ROLLBACK_WINDOW_BLOCKS_MAX}"
            ),
        }
    }
}

impl std::error::Error for ParamsError {}

impl Params {
    /// Checks every bound of [R-PARAM-1]; `L`, `A_e`, `A_b` and `W` take
    /// their defaults ([R-PARAM-3]).
    pub fn new(
        shards: u16,
        committee_size: u16,
        checkpoint_interval_blocks: u64,
        retention_checkpoints: u32,
        pending_checkpoints_max: u32,
    ) -> Result<Params, ParamsError> {
        if !(SHARDS_MIN..=SHARDS_MAX).contains(&shards) {
            return Err(ParamsError::Shards { shards });
        }
        if !(COMMITTEE_SIZE_MIN..=COMMITTEE_SIZE_MAX).contains(&committee_size) {
            return Err(ParamsError::CommitteeSize { committee_size });
        }
        if !(1..=CHECKPOINT_INTERVAL_BLOCKS_MAX).contains(&checkpoint_interval_blocks) {
            return Err(ParamsError::CheckpointInterval {
                blocks: checkpoint_interval_blocks,
            });
        }
        if !(1..=RETENTION_CHECKPOINTS_MAX).contains(&retention_checkpoints) {
            return Err(ParamsError::Retention {
                checkpoints: retention_checkpoints,
            });
        }
        if !(1..=PENDING_CHECKPOINTS_MAX).contains(&pending_checkpoints_max) {
            return Err(ParamsError::PendingMax {
                checkpoints: pending_checkpoints_max,
            });
        }
        if u32::from(shards) * u32::from(committee_size) > VALIDATORS_MAX {
            return Err(ParamsError::Validators {
                shards,
                committee_size,
            });
        }
        Ok(Params {
            shards,
            committee_size,
            checkpoint_interval_blocks,
            retention_checkpoints,
            pending_checkpoints_max,
            liveness_epochs: LIVENESS_EPOCHS_DEFAULT,
            evidence_age_epochs: EVIDENCE_AGE_EPOCHS_DEFAULT,
            evidence_age_blocks: EVIDENCE_AGE_BLOCKS_DEFAULT,
            rollback_window_blocks: ROLLBACK_WINDOW_BLOCKS_DEFAULT,
            reserve_validators: RESERVE_VALIDATORS_DEFAULT,
            reassignment: ReassignmentStrategy::PrioritizeSlashed,
        })
    }

    /// The same parameters with the reserve `R` and the reassignment
    /// strategy set, checked against their bounds ([R-PARAM-1],
    /// [R-PARAM-3]).
    pub fn with_recovery(
        self,
        reserve_validators: u16,
        reassignment: ReassignmentStrategy,
    ) -> Result<Params, ParamsError> {
        let committees = u32::from(self.shards) * u32::from(self.committee_size);
        if reserve_validators > RESERVE_VALIDATORS_MAX
            || committees + u32::from(reserve_validators) > VALIDATORS_MAX
        {
            return Err(ParamsError::Reserve {
                validators: reserve_validators,
            });
        }
        Ok(Params {
            reserve_validators,
            reassignment,
            ..self
        })
    }

    /// The same parameters with the rollback window `W` set, checked against
    /// its bound ([R-PARAM-1], [R-PARAM-3]).
    pub fn with_rollback_window(self, rollback_window_blocks: u64) -> Result<Params, ParamsError> {
        if !(1..=ROLLBACK_WINDOW_BLOCKS_MAX).contains(&rollback_window_blocks) {
            return Err(ParamsError::RollbackWindow {
                blocks: rollback_window_blocks,
            });
        }
        Ok(Params {
            rollback_window_blocks,
            ..self
        })
    }

    /// The same parameters with the detection bounds `L`, `A_e` and `A_b`
    /// set, each checked against its bound ([R-PARAM-1], [R-PARAM-3]).
    pub fn with_detection(
        self,
        liveness_epochs: u64,
        evidence_age_epochs: u64,
        evidence_age_blocks: u64,
    ) -> Result<Params, ParamsError> {
        if !(1..=LIVENESS_EPOCHS_MAX).contains(&liveness_epochs) {
            return Err(ParamsError::Liveness {
                epochs: liveness_epochs,
            });
        }
        if !(1..=EVIDENCE_AGE_EPOCHS_MAX).contains(&evidence_age_epochs) {
            return Err(ParamsError::EvidenceAgeEpochs {
                epochs: evidence_age_epochs,
            });
        }
        if !(1..=EVIDENCE_AGE_BLOCKS_MAX).contains(&evidence_age_blocks) {
            return Err(ParamsError::EvidenceAgeBlocks {
                blocks: evidence_age_blocks,
            });
        }
        Ok(Params {
            liveness_epochs,
            evidence_age_epochs,
            evidence_age_blocks,
            ..self
        })
    }

    /// The default configuration: 2 shards, committees of 4 (`f = 1`),
    /// a checkpoint every 2 blocks, 2 retained checkpoints, 2 pending.
    pub fn default_config() -> Params {
        Params::new(2, 4, 2, 2, 2).expect("the default parameters are within bounds")
    }

    /// The number of validators registered at genesis:
    /// `shards * committee_size + reserve_validators`.
    pub fn validators(&self) -> u16 {
        // In range: `Params::new` and `with_recovery` refuse totals above
        // VALIDATORS_MAX. The fields are public, so a hand-built `Params` is
        // clamped, not wrapped.
        self.shards
            .saturating_mul(self.committee_size)
            .saturating_add(self.reserve_validators)
    }

    /// The reserve at genesis: validators `S*n .. S*n + R`, ascending
    /// ([R-SLASH-1]).
    pub fn genesis_reserve(&self) -> impl Iterator<Item = ValidatorId> {
        (self.shards.saturating_mul(self.committee_size)..self.validators()).map(ValidatorId)
    }

    /// `f` of the configured committee size `n` ([R-PARAM-2], [R-SLASH-5]).
    pub fn fault_tolerance(&self) -> usize {
        compute_fault_tolerance(usize::from(self.committee_size))
    }

    /// `q` of the configured committee size `n` ([R-PARAM-2], [R-SLASH-5]).
    pub fn quorum(&self) -> usize {
        compute_quorum(usize::from(self.committee_size))
    }

    /// Iterates the shard ids in ascending order.
    pub fn shard_ids(&self) -> impl Iterator<Item = ShardId> {
        (0..self.shards).map(ShardId)
    }

    /// Iterates the validator ids in ascending order.
    pub fn validator_ids(&self) -> impl Iterator<Item = ValidatorId> {
        (0..self.validators()).map(ValidatorId)
    }

    /// Whether `shard` names one of this deployment's shards.
    pub fn is_shard(&self, shard: ShardId) -> bool {
        shard.0 < self.shards
    }

    /// Whether `validator` names a registered validator.
    pub fn is_validator(&self, validator: ValidatorId) -> bool {
        validator.0 < self.validators()
    }
}

/// `f`, the number of Byzantine members a committee of `n` tolerates:
/// `f = floor((n - 1) / 3)` ([R-CKPT-6]). Zero for an empty committee.
pub fn compute_fault_tolerance(committee_size: usize) -> usize {
    committee_size.saturating_sub(1) / 3
}

/// The quorum of a committee of `n`: `floor(2n / 3) + 1` ([R-CKPT-6]).
///
/// For `n = 3f + 1` this is exactly `2f + 1`; for other sizes it is the
/// smallest count for which any two quorums share at least `f + 1` members,
/// so at least one honest member.
pub fn compute_quorum(committee_size: usize) -> usize {
    committee_size * 2 / 3 + 1
}

/// The genesis committee of `shard`: validators `shard * n .. shard * n + n`
/// in ascending order ([R-CKPT-5]).
pub fn compute_genesis_committee(params: &Params, shard: ShardId) -> Vec<ValidatorId> {
    let n = params.committee_size;
    (0..n).map(|i| ValidatorId(shard.0 * n + i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quorum_is_two_f_plus_one_for_three_f_plus_one_committees() {
        for f in 1..=21usize {
            let n = 3 * f + 1;
            assert_eq!(compute_fault_tolerance(n), f);
            assert_eq!(compute_quorum(n), 2 * f + 1);
        }
    }

    #[test]
    fn two_quorums_always_share_an_honest_member() {
        for n in 4..=64usize {
            let q = compute_quorum(n);
            let f = compute_fault_tolerance(n);
            assert!(2 * q - n > f, "n = {n}: overlap {} <= f = {f}", 2 * q - n);
            assert!(q <= n - f, "n = {n}: quorum {q} needs Byzantine votes");
        }
    }

    #[test]
    fn params_out_of_bounds_are_refused_with_the_field_named() {
        assert_eq!(
            Params::new(0, 4, 2, 2, 2),
            Err(ParamsError::Shards { shards: 0 })
        );
        assert_eq!(
            Params::new(2, 3, 2, 2, 2),
            Err(ParamsError::CommitteeSize { committee_size: 3 })
        );
        assert_eq!(
            Params::new(2, 4, 0, 2, 2),
            Err(ParamsError::CheckpointInterval { blocks: 0 })
        );
        assert_eq!(
            Params::new(2, 4, 2, 0, 2),
            Err(ParamsError::Retention { checkpoints: 0 })
        );
        assert_eq!(
            Params::new(2, 4, 2, 2, 0),
            Err(ParamsError::PendingMax { checkpoints: 0 })
        );
        let p = Params::default_config();
        assert_eq!(
            p.with_detection(0, 2, 4),
            Err(ParamsError::Liveness { epochs: 0 })
        );
        assert_eq!(
            p.with_detection(1, 65, 4),
            Err(ParamsError::EvidenceAgeEpochs { epochs: 65 })
        );
        assert_eq!(
            p.with_detection(1, 2, 0),
            Err(ParamsError::EvidenceAgeBlocks { blocks: 0 })
        );
        assert_eq!(p.with_detection(3, 4, 5).map(|q| q.liveness_epochs), Ok(3));
        assert_eq!(
            p.with_rollback_window(0),
            Err(ParamsError::RollbackWindow { blocks: 0 })
        );
        assert_eq!(
            p.with_rollback_window(ROLLBACK_WINDOW_BLOCKS_MAX + 1),
            Err(ParamsError::RollbackWindow {
                blocks: ROLLBACK_WINDOW_BLOCKS_MAX + 1
            })
        );
        assert_eq!(
            p.with_rollback_window(7).map(|q| q.rollback_window_blocks),
            Ok(7)
        );
        assert_eq!(
            p.with_recovery(
                RESERVE_VALIDATORS_MAX + 1,
                ReassignmentStrategy::StakeBalance
            ),
            Err(ParamsError::Reserve {
                validators: RESERVE_VALIDATORS_MAX + 1
            })
        );
        let big = Params::new(1023, 64, 2, 2, 2).unwrap();
        assert_eq!(
            big.with_recovery(64, ReassignmentStrategy::StakeBalance),
            Err(ParamsError::Reserve { validators: 64 })
        );
        assert!(big
            .with_recovery(63, ReassignmentStrategy::StakeBalance)
            .is_ok());
        let r = p
            .with_recovery(3, ReassignmentStrategy::StakeBalance)
            .unwrap();
        assert_eq!(r.validators(), 11);
        assert_eq!(
            r.genesis_reserve().collect::<Vec<_>>(),
            vec![ValidatorId(8), ValidatorId(9), ValidatorId(10)]
        );
    }

    #[test]
    fn genesis_committees_partition_the_validators() {
        let p = Params::new(3, 7, 2, 2, 2).unwrap();
        let all: Vec<_> = p
            .shard_ids()
            .flat_map(|s| compute_genesis_committee(&p, s))
            .collect();
        assert_eq!(all, p.validator_ids().collect::<Vec<_>>());
    }
}
