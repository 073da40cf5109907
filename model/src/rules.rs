//! The rules of `spec/SPEC.md` §4, §5 and §6 as one pure transition
//! function.
//!
//! The model's state is the abstract [`View`] itself: nothing is hidden, so
//! two views that compare equal behave the same from then on. [`apply`] takes
//! a view and an action and returns the outcome and the next view; a
//! rejection returns the view unchanged ([R-OUT-2]). Each rule is written the
//! way the spec states it, check by check and in the spec's order, so that a
//! reader can hold this file and the spec side by side. Speed is not a goal
//! here; being obviously right is.
//!
//! This file holds blocks, checkpoints, votes and the epoch clock (§4);
//! [`detect`] holds evidence and fault detection ([R-FAULT-1] ..
//! [R-FAULT-8]); [`isolate`] holds the status changes of the epoch boundary
//! and the audit log ([R-ISO-1] .. [R-ISO-3], [R-AUDIT-1]); [`xtx`] holds
//! cross-shard transactions ([R-XTX-1] .. [R-XTX-6]) and [`rollback`] the
//! rollback of an isolated shard ([R-RB-1] .. [R-RB-6]); §7 is in
//! [`slash`] (slashing, [R-SLASH-1] .. [R-SLASH-6]), [`assign`] (committee
//! reassignment, [R-ASSIGN-1] .. [R-ASSIGN-4]) and [`heal`] (healing and the
//! recovery pipeline, [R-HEAL-1] .. [R-HEAL-6], [R-PIPE-1] .. [R-PIPE-4]).
//!
//! The abstract world has no bytes, keys or hashes: a checkpoint's content is
//! its id, a `Signature::Valid` verifies and anything else does not, and a
//! faulty block simply *is* the defect its fault names ([R-ACT-1]). Every
//! accepted block is honest, so the root a block at height `h` gets is
//! `Block{h, g}`, `g` being the shard's generation when it is appended
//! ([R-BLK-2]); [`compute_chain_root`] says what the root of a shard's
//! chain at a height is after rollbacks, from the branch points the audit
//! log records.

pub mod assign;
pub mod detect;
pub mod heal;
pub mod isolate;
pub mod rollback;
pub mod slash;
pub mod xtx;

use mend_spec::params::STAKE_GENESIS;
use mend_spec::protocol::HealingStage;
use mend_spec::view::ValidatorView;
use mend_spec::{
    compute_genesis_committee, Action, AuditEntry, BlockFault, BlockRejection, Checkpoint, Epoch,
    EpochRejection, Equivocation, Event, FinalizedCheckpoint, Generation, Height, Outcome, Params,
    ParentLink, PendingCheckpoint, Proposal, ProposalRejection, Rejection, SeededBug, ShardId,
    ShardStatus, ShardView, Signature, StateRoot, ValidatorId, View, Vote, VoteRejection,
};

pub use crate::config::ModelConfig;

/// The view ([R-VIEW-1]) before any step: epoch 0; every shard `Normal`, in generation 0,
/// at height 0 with the genesis root and last block epoch 0 ([R-BLK-1]), its
/// genesis committee ([R-CKPT-5]), and nothing pending, finalized or
/// recorded, no open fault, no lock, no rollback, no healing and no
/// pipeline; one record per registered validator, the reserve included,
/// ascending, each with the genesis stake, not tombstoned and never slashed
/// ([R-SLASH-1]); no cross-shard transaction ([R-XTX-1]); an empty audit
/// log.
pub fn init_view(params: &Params) -> View {
    View {
        epoch: Epoch(0),
        shards: params
            .shard_ids()
            .map(|shard| ShardView {
                shard,
                status: ShardStatus::Normal,
                generation: Generation(0),
                height: Height(0),
                head_root: StateRoot::Genesis,
                committee: compute_genesis_committee(params, shard),
                pending: vec![],
                finalized: vec![],
                equivocations: vec![],
                last_block_epoch: Epoch(0),
                faults: vec![],
                locks: vec![],
                rollback: None,
                healing: None,
                pipeline: None,
            })
            .collect(),
        validators: params
            .validator_ids()
            .map(|validator| ValidatorView {
                validator,
                stake: STAKE_GENESIS,
                tombstoned: false,
                slashed_windows: vec![],
            })
            .collect(),
        transactions: vec![],
        audit: vec![],
    }
}

/// The root an honest execution produces at `height` in `generation`
/// ([R-BLK-2]): the genesis root at height 0, else `Block{height, generation}`.
pub fn compute_honest_root(height: Height, generation: Generation) -> StateRoot {
    if height.0 == 0 {
        StateRoot::Genesis
    } else {
        StateRoot::Block { height, generation }
    }
}

/// [R-FAULT-2] "The root of `s` at `h`": the post-state root of the block
/// at height `h` on the shard's current chain, the genesis root at 0.
///
/// Every block is honest, so that root is `Block{h, g}` with `g` the
/// generation of the branch that produced height `h`. Generation 0 starts
/// at genesis; each restoration ([R-RB-4]) starts a new generation that
/// branches off at its target: it keeps the heights up to the target and
/// produces every height above it again (healing re-syncs them,
/// [R-HEAL-3]). The audit log records every branch point: one `Rollback`
/// record per restoration, with its target and new generation, in order
/// ([R-AUDIT-1]). So the generation of height `h` is the one of the latest
/// record of `s` whose target lies below `h`, or 0 if there is none: each
/// later restoration re-produces exactly the heights above its target. The
/// model keeps no branch points of its own, so its state is the view.
pub fn compute_chain_root(view: &View, shard: &ShardView, height: Height) -> StateRoot {
    let generation = view
        .audit
        .iter()
        .filter_map(|record| match record.entry {
            AuditEntry::Rollback {
                shard: s,
                target,
                generation,
                ..
            } if s == shard.shard && target.height < height => Some(generation),
            _ => None,
        })
        .next_back()
        .unwrap_or(Generation(0));
    compute_honest_root(height, generation)
}

/// [R-CKPT-1] The next checkpoint height of a shard: `N` if it has never
/// finalized a checkpoint, else the latest finalized height plus `N`; `None`
/// if that sum overflows (then no height is the next one).
///
/// Retention keeps at least one finalized checkpoint once there was one
/// (`K >= 1`), so "never finalized" is "no retained finalized checkpoint".
pub fn compute_next_checkpoint_height(params: &Params, shard: &ShardView) -> Option<Height> {
    let interval = params.checkpoint_interval_blocks;
    match shard.latest_finalized() {
        None => Some(Height(interval)),
        Some(latest) => latest.checkpoint.height.0.checked_add(interval).map(Height),
    }
}

/// [R-CKPT-4] The parent a new checkpoint of this shard must name: the link
/// of its latest finalized checkpoint, or genesis if there is none.
pub fn compute_expected_parent(shard: &ShardView) -> ParentLink {
    match shard.latest_finalized() {
        None => ParentLink::Genesis,
        Some(latest) => latest.checkpoint.link(),
    }
}

/// [R-CKPT-8] Whether a pending checkpoint of `shard` is live: its parent
/// is the shard's latest finalized checkpoint, or genesis if there is none
/// ([`compute_expected_parent`]). A pending checkpoint that is not live is
/// a stale sibling: a checkpoint at its height finalized after it was
/// proposed. It stays pending and keeps counting votes, so that
/// equivocation against it is recorded whatever the order of arrival
/// ([R-DET-2]), but it can never finalize (INV-7 would see two finalized
/// checkpoints at one height) and takes no `TooManyPending` slot
/// ([R-CKPT-7] check 12).
pub fn is_live(shard: &ShardView, checkpoint: &Checkpoint) -> bool {
    checkpoint.parent == compute_expected_parent(shard)
}

/// [R-CKPT-6] How many counted votes finalize a checkpoint: the quorum `q`
/// of the configured `n`, whatever the committee's vacancies
/// ([R-SLASH-5]), or `2f` under the seeded bug `QuorumOfTwoF`.
pub fn compute_finalization_threshold(params: &Params, bug: Option<SeededBug>) -> usize {
    match bug {
        Some(SeededBug::QuorumOfTwoF) => params.fault_tolerance().saturating_mul(2),
        _ => params.quorum(),
    }
}

/// [R-OUT-1] Applies one action to a view: the outcome, with its events in
/// the order the rules state them, and the view after it. [R-OUT-2] A
/// rejection returns an unchanged copy of `view`.
///
/// `bug` selects a deliberately wrong rule ([`SeededBug`]); `None` is the
/// protocol as specified. No input makes this function panic: every lookup
/// is checked and every integer operation is checked.
pub fn apply(
    params: &Params,
    bug: Option<SeededBug>,
    view: &View,
    action: &Action,
) -> (Outcome, View) {
    match step(params, bug, view, action) {
        Ok((next, events)) => (Outcome::Accepted { events }, next),
        Err(rejection) => (Outcome::Rejected { rejection }, view.clone()),
    }
}

/// [`apply`] without the copy of an unchanged view: the next view and the
/// events, or the rejection ([R-OUT-2]: a rejection changes nothing, so
/// the caller keeps `view`). The model checker uses this form, because
/// most Byzantine attempts are rejected.
pub fn step(
    params: &Params,
    bug: Option<SeededBug>,
    view: &View,
    action: &Action,
) -> Result<(View, Vec<Event>), Rejection> {
    match action {
        Action::ProduceBlock { shard, fault } => {
            process_block(view, params, *shard, *fault).map_err(Rejection::Block)
        }
        Action::ProposeCheckpoint(proposal) => {
            process_proposal(view, params, bug, proposal).map_err(Rejection::Proposal)
        }
        Action::CastVote(vote) => process_vote(view, params, bug, vote).map_err(Rejection::Vote),
        Action::SubmitEvidence(evidence) => {
            detect::process_evidence(view, params, bug, evidence).map_err(Rejection::Evidence)
        }
        Action::AdvanceEpoch { epoch } => {
            process_epoch(view, params, bug, *epoch).map_err(Rejection::Epoch)
        }
        Action::PrepareXtx(prepare) => {
            xtx::process_prepare(view, params, prepare).map_err(Rejection::Prepare)
        }
        Action::CastXtxVote(vote) => {
            xtx::process_xtx_vote(view, params, bug, vote).map_err(Rejection::XtxVote)
        }
        Action::AdvanceRollback { shard } => {
            rollback::process_advance(view, params, bug, *shard).map_err(Rejection::Rollback)
        }
        Action::AdvanceHealing { shard } => {
            heal::process_advance(view, params, bug, *shard).map_err(Rejection::Healing)
        }
    }
}

/// The index of `shard` in the view, if `shard` is one of the deployment's
/// shards (`s` is a shard, the first check of [R-BLK-1], [R-CKPT-7],
/// [R-CKPT-8] and [R-FAULT-3]).
///
/// A view built by [`init_view`] holds shard `i` at index `i`; a view that
/// does not is treated as not having the shard, so that a malformed view is
/// rejected rather than a panic.
fn find_shard(params: &Params, view: &View, shard: ShardId) -> Option<usize> {
    if !params.is_shard(shard) {
        return None;
    }
    let index = usize::from(shard.0);
    match view.shards.get(index) {
        Some(found) if found.shard == shard => Some(index),
        _ => None,
    }
}

/// Whether `validator` was registered at genesis: one of the `S * n`
/// committee members or the `R` reserve validators ([R-CKPT-5],
/// [R-SLASH-1]).
///
/// Computed in `u32`, independently of `Params::validators`, so that the
/// model does not lean on the spec crate's arithmetic for a rule.
fn is_registered(params: &Params, validator: ValidatorId) -> bool {
    u32::from(validator.0)
        < u32::from(params.shards) * u32::from(params.committee_size)
            + u32::from(params.reserve_validators)
}

/// Whether a signature verifies ([R-CKPT-5]): only the named validator's own
/// key over the right domain does. `Corrupt` bytes and `OtherKey` (signed by
/// the next validator's key) do not.
fn is_signature_valid(signature: Signature) -> bool {
    match signature {
        Signature::Valid => true,
        Signature::Corrupt | Signature::OtherKey => false,
    }
}

/// A count for an event field. A pending list holds at most `P <= 16` live
/// checkpoints and, per checkpoint finalized in the epoch, fewer than `P`
/// stale siblings ([R-CKPT-8]), so saturation is only reachable from a
/// malformed view.
fn count_u32(count: usize) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}

/// [R-ISO-1] Whether a shard of this status takes new transactions, that
/// is, accepts blocks: only `Normal` and `Investigating` do.
pub fn is_taking_transactions(status: ShardStatus) -> bool {
    match status {
        ShardStatus::Normal | ShardStatus::Investigating => true,
        ShardStatus::Frozen
        | ShardStatus::Isolated
        | ShardStatus::Recovering
        | ShardStatus::Healing => false,
    }
}

/// [R-CKPT-7] check 2, [R-CKPT-8] check 2: whether a shard is rolling back,
/// or healing in a stage other than `VerifyingState`, so that nothing may
/// finalize on it ([R-RB-3]): a healing shard checkpoints only to verify
/// its re-synced state ([R-HEAL-4]), and a failed healing not at all.
pub fn is_recovering(shard: &ShardView) -> bool {
    match shard.status {
        ShardStatus::Recovering => true,
        ShardStatus::Healing => !shard
            .healing
            .is_some_and(|h| h.stage == HealingStage::VerifyingState && h.failure.is_none()),
        ShardStatus::Normal
        | ShardStatus::Investigating
        | ShardStatus::Frozen
        | ShardStatus::Isolated => false,
    }
}

/// [R-BLK-1] check 2: whether a shard takes a block: it takes new
/// transactions ([R-ISO-1]), or it is healing in stage `SyncingBlocks`
/// (not failed) with its head below the base's height plus `N`
/// ([R-HEAL-3]).
pub fn is_taking_blocks(params: &Params, shard: &ShardView) -> bool {
    if is_taking_transactions(shard.status) {
        return true;
    }
    shard.status == ShardStatus::Healing
        && shard.healing.is_some_and(|h| {
            h.stage == HealingStage::SyncingBlocks
                && h.failure.is_none()
                && shard.height.0
                    < h.base
                        .height
                        .0
                        .saturating_add(params.checkpoint_interval_blocks)
        })
}

/// [R-BLK-1] Appends the next block to a shard's chain.
fn process_block(
    view: &View,
    params: &Params,
    shard: ShardId,
    fault: BlockFault,
) -> Result<(View, Vec<Event>), BlockRejection> {
    // [R-BLK-1] check 1: the shard exists.
    let Some(index) = find_shard(params, view, shard) else {
        return Err(BlockRejection::UnknownShard);
    };
    // [R-BLK-1] check 2: the shard takes new transactions ([R-ISO-1]), or
    // re-syncs its blocks while healing ([R-HEAL-3]).
    if !is_taking_blocks(params, &view.shards[index]) {
        return Err(BlockRejection::ShardFrozen);
    }
    // [R-BLK-1] checks 3 to 7. Abstractly a faulty block is exactly its
    // defect ([R-ACT-1]), so each fault fails the one check it names and
    // passes the ones before it.
    match fault {
        BlockFault::None => {}
        BlockFault::TooManyTransactions => return Err(BlockRejection::TooManyTransactions),
        BlockFault::Unordered => return Err(BlockRejection::UnorderedTransactions),
        BlockFault::WrongHeight => return Err(BlockRejection::WrongHeight),
        BlockFault::WrongParent => return Err(BlockRejection::WrongParent),
        BlockFault::WrongRoot => return Err(BlockRejection::StateRootMismatch),
    }
    let mut next = view.clone();
    let target = &mut next.shards[index];
    // [R-BLK-1] check 5: the head height plus one must exist; at `u64::MAX`
    // no block has that height.
    let Some(height) = target.height.next() else {
        return Err(BlockRejection::WrongHeight);
    };
    let root = compute_honest_root(height, target.generation);
    target.height = height;
    target.head_root = root;
    // [R-BLK-1] The shard's last block epoch is the current epoch.
    target.last_block_epoch = view.epoch;
    let events = vec![Event::BlockAppended {
        shard,
        height,
        root,
    }];
    Ok((next, events))
}

/// [R-CKPT-7] Makes a proposed checkpoint pending, after twelve checks in
/// the spec's order.
fn process_proposal(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    proposal: &Proposal,
) -> Result<(View, Vec<Event>), ProposalRejection> {
    let checkpoint = proposal.checkpoint;
    // [R-CKPT-7] check 1: the checkpoint's shard exists.
    let Some(index) = find_shard(params, view, checkpoint.shard) else {
        return Err(ProposalRejection::UnknownShard);
    };
    let shard = &view.shards[index];
    // [R-CKPT-7] check 2: nothing finalizes during a rollback ([R-RB-3]),
    // so a `Recovering` shard takes no proposal, nor a `Healing` one outside
    // `VerifyingState` ([R-HEAL-4]).
    if is_recovering(shard) {
        return Err(ProposalRejection::ShardRecovering);
    }
    // [R-CKPT-7] check 3: the proposer is registered.
    if !is_registered(params, proposal.proposer) {
        return Err(ProposalRejection::UnknownValidator);
    }
    // [R-CKPT-7] check 4: the proposer is in the shard's committee.
    if !shard.committee.contains(&proposal.proposer) {
        return Err(ProposalRejection::NotMember);
    }
    // [R-CKPT-7] check 5: the checkpoint is of the current epoch.
    if checkpoint.epoch != view.epoch {
        return Err(ProposalRejection::WrongEpoch);
    }
    // [R-CKPT-7] check 6: the signing domain's generation is the shard's.
    if proposal.generation != shard.generation {
        return Err(ProposalRejection::WrongGeneration);
    }
    // [R-CKPT-7] check 7: the signature verifies.
    if !is_signature_valid(proposal.signature) {
        return Err(ProposalRejection::BadSignature);
    }
    // [R-CKPT-7] check 8: the height is the next checkpoint height
    // ([R-CKPT-1]); under `RefinalizeHeight` any positive multiple of `N`.
    let is_right_height = match bug {
        Some(SeededBug::RefinalizeHeight) => {
            checkpoint.height.0 > 0
                && checkpoint
                    .height
                    .0
                    .checked_rem(params.checkpoint_interval_blocks)
                    == Some(0)
        }
        _ => compute_next_checkpoint_height(params, shard) == Some(checkpoint.height),
    };
    if !is_right_height {
        return Err(ProposalRejection::WrongHeight);
    }
    // [R-CKPT-7] check 9: the height is at most the head height.
    if checkpoint.height > shard.height {
        return Err(ProposalRejection::BeyondHead);
    }
    // [R-CKPT-7] check 10: the parent is the latest finalized checkpoint, or
    // genesis ([R-CKPT-4]). A pruned parent fails here ([R-CKPT-9]).
    if checkpoint.parent != compute_expected_parent(shard) {
        return Err(ProposalRejection::WrongParent);
    }
    // [R-CKPT-7] check 11: the checkpoint is not already pending.
    if shard.pending.iter().any(|p| p.checkpoint == checkpoint) {
        return Err(ProposalRejection::Duplicate);
    }
    // [R-CKPT-7] check 12: the shard holds fewer than `P` live pending
    // checkpoints. A stale sibling ([R-CKPT-8]) takes no slot: it can
    // never finalize, and forged siblings left behind by a finalization
    // would otherwise keep the next height's honest proposal out until the
    // boundary.
    let pending_max = usize::try_from(params.pending_checkpoints_max).unwrap_or(usize::MAX);
    let live = shard
        .pending
        .iter()
        .filter(|p| is_live(shard, &p.checkpoint))
        .count();
    if live >= pending_max {
        return Err(ProposalRejection::TooManyPending);
    }
    // Accepted: pending with no votes, kept in ascending checkpoint order.
    let mut next = view.clone();
    let target = &mut next.shards[index];
    let position = target
        .pending
        .partition_point(|p| p.checkpoint < checkpoint);
    target.pending.insert(
        position,
        PendingCheckpoint {
            checkpoint,
            votes: vec![],
        },
    );
    Ok((next, vec![Event::CheckpointProposed { checkpoint }]))
}

/// [R-CKPT-8] Counts a vote after eleven checks in the spec's order, in a
/// pending checkpoint's votes or, as a late vote, in the certificate of a
/// checkpoint finalized in the current epoch; then records equivocation
/// evidence against every other checkpoint of the shard at the same epoch
/// and height, pending or retained finalized ([R-CKPT-10]); then
/// finalizes a live pending checkpoint ([`is_live`]) at the threshold.
///
/// Nothing else happens here: the other pending checkpoints stay (stale
/// siblings now) and retention waits for the boundary ([R-CKPT-9],
/// [`process_epoch`]). Both rules make the state after a set of votes
/// independent of their order ([R-DET-2]): a vote that arrives after the
/// quorum's is counted as if it had come first, and no vote of an epoch
/// finds its checkpoint dropped or pruned by another vote of that epoch.
fn process_vote(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    vote: &Vote,
) -> Result<(View, Vec<Event>), VoteRejection> {
    let checkpoint = vote.checkpoint;
    // [R-CKPT-8] check 1: the vote's shard exists.
    let Some(index) = find_shard(params, view, vote.shard) else {
        return Err(VoteRejection::UnknownShard);
    };
    let shard = &view.shards[index];
    // [R-CKPT-8] check 2: a `Recovering` shard takes no vote ([R-RB-3]),
    // nor a `Healing` one outside `VerifyingState` ([R-HEAL-4]).
    if is_recovering(shard) {
        return Err(VoteRejection::ShardRecovering);
    }
    // [R-CKPT-8] check 3: the voter is registered.
    if !is_registered(params, vote.validator) {
        return Err(VoteRejection::UnknownValidator);
    }
    // [R-CKPT-8] check 4: the checkpoint belongs to the vote's shard.
    if checkpoint.shard != vote.shard {
        return Err(VoteRejection::WrongShard);
    }
    // [R-CKPT-8] check 5: the voter is in the shard's committee; skipped
    // under `CountNonMemberVote`.
    if bug != Some(SeededBug::CountNonMemberVote) && !shard.committee.contains(&vote.validator) {
        return Err(VoteRejection::NotMember);
    }
    // [R-CKPT-8] check 6: the signing domain's epoch is the current epoch.
    if vote.epoch != view.epoch {
        return Err(VoteRejection::WrongEpoch);
    }
    // [R-CKPT-8] check 7: the signing domain's generation is the shard's.
    if vote.generation != shard.generation {
        return Err(VoteRejection::WrongGeneration);
    }
    // [R-CKPT-8] check 8: the signature verifies.
    if !is_signature_valid(vote.signature) {
        return Err(VoteRejection::BadSignature);
    }
    // [R-CKPT-8] check 9: a certificate closes with its epoch, so a retained
    // finalized checkpoint of an earlier epoch takes no more votes. (No
    // retained checkpoint is of a later epoch: a checkpoint finalizes in
    // the epoch it was proposed in.) Under `FirstQuorumCertificate` every
    // retained finalized checkpoint is refused, the first-come rule that
    // makes a certificate depend on the order of arrival.
    let finalized = shard
        .finalized
        .iter()
        .position(|f| f.checkpoint == checkpoint);
    let is_closed = |f: &FinalizedCheckpoint| match bug {
        Some(SeededBug::FirstQuorumCertificate) => true,
        _ => f.checkpoint.epoch < view.epoch,
    };
    if finalized.is_some_and(|i| is_closed(&shard.finalized[i])) {
        return Err(VoteRejection::AlreadyFinalized);
    }
    // [R-CKPT-8] check 10: the checkpoint is pending, or finalized in the
    // current epoch (by check 9). A pruned, expired or rolled-back
    // checkpoint fails here ([R-CKPT-9]).
    let pending = shard
        .pending
        .iter()
        .position(|p| p.checkpoint == checkpoint);
    let slot = match (pending, finalized) {
        (Some(i), _) => Slot::Pending(i),
        (None, Some(i)) => Slot::Finalized(i),
        (None, None) => return Err(VoteRejection::UnknownCheckpoint),
    };
    // [R-CKPT-8] check 11: the voter's vote is not already counted, in the
    // votes or in the certificate; skipped under `CountDuplicateVote`,
    // which then counts it again.
    let counted = match slot {
        Slot::Pending(i) => &shard.pending[i].votes,
        Slot::Finalized(i) => &shard.finalized[i].signers,
    };
    if bug != Some(SeededBug::CountDuplicateVote) && counted.contains(&vote.validator) {
        return Err(VoteRejection::Duplicate);
    }
    // [R-CKPT-8] Whether this vote may finalize its checkpoint: a late
    // vote's checkpoint is final already, and a stale sibling's parent is
    // no longer the latest finalized checkpoint.
    let is_live_pending = matches!(slot, Slot::Pending(_)) && is_live(shard, &checkpoint);

    let mut next = view.clone();
    let target = &mut next.shards[index];
    let mut events = Vec::new();

    // [R-CKPT-8] The vote is counted, in the pending checkpoint's votes or,
    // a late vote, in the certificate; voters stay ascending (a sorted
    // multiset only under `CountDuplicateVote`).
    let voters = match slot {
        Slot::Pending(i) => &mut target.pending[i].votes,
        Slot::Finalized(i) => &mut target.finalized[i].signers,
    };
    let position = voters.partition_point(|v| *v <= vote.validator);
    voters.insert(position, vote.validator);
    events.push(Event::VoteCounted {
        validator: vote.validator,
        checkpoint,
    });

    // [R-CKPT-10] Every other checkpoint of the shard at the same epoch and
    // height, pending (live or stale) or retained finalized, that already
    // counts this voter is a conflict: the pair is kept as evidence (once,
    // ascending, first < second), and the step emits one
    // `EquivocationRecorded` however many checkpoints the vote conflicts
    // with. Both votes stay counted. Looking at certificates too is what
    // makes the evidence independent of whether the other vote arrived
    // before or after its checkpoint finalized ([R-DET-2]).
    let is_conflict = |other: &Checkpoint, voters: &[ValidatorId]| {
        *other != checkpoint
            && other.epoch == checkpoint.epoch
            && other.height == checkpoint.height
            && voters.contains(&vote.validator)
    };
    let conflicts: Vec<Checkpoint> = target
        .pending
        .iter()
        .filter(|p| is_conflict(&p.checkpoint, &p.votes))
        .map(|p| p.checkpoint)
        .chain(
            target
                .finalized
                .iter()
                .filter(|f| is_conflict(&f.checkpoint, &f.signers))
                .map(|f| f.checkpoint),
        )
        .collect();
    for other in &conflicts {
        let evidence = Equivocation {
            validator: vote.validator,
            first: checkpoint.min(*other),
            second: checkpoint.max(*other),
        };
        if let Err(position) = target.equivocations.binary_search(&evidence) {
            target.equivocations.insert(position, evidence);
        }
    }
    if !conflicts.is_empty() {
        events.push(Event::EquivocationRecorded {
            validator: vote.validator,
            checkpoint,
        });
    }

    // [R-CKPT-8] Finalization at the threshold ([R-CKPT-6]), `q` of the
    // configured `n` however many seats are empty ([R-SLASH-5]), of a live
    // pending checkpoint only: a stale sibling's parent is no longer the
    // latest finalized checkpoint, and a late vote's checkpoint is final
    // already. The other pending checkpoints stay, and retention waits for
    // the boundary ([R-CKPT-9]).
    let threshold = compute_finalization_threshold(params, bug);
    if let Slot::Pending(i) = slot {
        if is_live_pending && target.pending[i].votes.len() >= threshold {
            let finalized = target.pending.remove(i);
            target.finalized.push(FinalizedCheckpoint {
                checkpoint: finalized.checkpoint,
                signers: finalized.votes,
            });
            events.push(Event::CheckpointFinalized { checkpoint });
        }
    }
    Ok((next, events))
}

/// Where a vote is counted ([R-CKPT-8]): the index of a pending checkpoint,
/// or of a retained finalized checkpoint of the current epoch, whose
/// certificate a late vote joins.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Pending(usize),
    Finalized(usize),
}

/// [R-EPOCH-1] Ticks the epoch clock; [R-EPOCH-2] at the boundary, for
/// each shard in ascending order: expires its pending checkpoints, live
/// and stale; prunes its finalized checkpoints down to `K`, oldest first
/// ([R-CKPT-9]); slashes
/// the validators its open faults name ([`slash`], [R-SLASH-3]); refills
/// its committee ([`assign`], [R-ASSIGN-2]); then the first that applies
/// of: starts its rollback if it is `Isolated` ([R-RB-1], [`rollback`]),
/// adjusts its validators if its pipeline is at `ValidatorAdjustment`
/// ([R-PIPE-2]), checks its verification if its healing is in
/// `VerifyingState` ([R-HEAL-4], both in [`heal`]), and otherwise applies
/// its detection status change ([R-ISO-3], [`isolate`]); expires its old
/// faults ([R-FAULT-6]).
fn process_epoch(
    view: &View,
    params: &Params,
    bug: Option<SeededBug>,
    epoch: Epoch,
) -> Result<(View, Vec<Event>), EpochRejection> {
    // [R-EPOCH-1] Only the current epoch plus one; there is none after
    // `u64::MAX`.
    if view.epoch.next() != Some(epoch) {
        return Err(EpochRejection::NotNextEpoch);
    }
    let mut next = view.clone();
    next.epoch = epoch;
    let mut events = vec![Event::EpochAdvanced { epoch }];
    for index in 0..next.shards.len() {
        // [R-EPOCH-2] One event per shard that had pending checkpoints:
        // their votes were signed in the old epoch's domain.
        let shard = &mut next.shards[index];
        if !shard.pending.is_empty() {
            events.push(Event::PendingExpired {
                shard: shard.shard,
                count: count_u32(shard.pending.len()),
            });
            shard.pending.clear();
        }
        // [R-CKPT-9] Retention, counted at the boundary: the oldest
        // finalized checkpoints go first until `K` remain. Pruning waits
        // for the boundary so that no vote of the epoch finds its
        // checkpoint pruned by another vote of the same epoch ([R-DET-2]);
        // it comes before the rollback and healing rules below, which read
        // only the latest finalized checkpoint, never pruned with `K >= 1`.
        let retention = usize::try_from(params.retention_checkpoints).unwrap_or(usize::MAX);
        let excess = shard.finalized.len().saturating_sub(retention);
        for pruned in shard.finalized.drain(..excess) {
            events.push(Event::CheckpointPruned {
                checkpoint: pruned.checkpoint,
            });
        }
        // [R-SLASH-3] The validators its open faults name, in fault order;
        // then [R-ASSIGN-2] its vacancies, from the reserve as it stands
        // after the shards before it drew.
        slash::process_slashes(&mut next, params, index, bug, &mut events);
        assign::process_reassignment(&mut next, params, index, bug, &mut events);
        // [R-EPOCH-2] The first that applies: an `Isolated` shard starts
        // its rollback ([R-RB-1]); a shard whose rollback completed has its
        // validators adjusted ([R-PIPE-2]); a healing in `VerifyingState`
        // has its verification checked ([R-HEAL-4]); any other shard takes
        // the change its open faults force ([R-ISO-3]). Each appends its
        // audit records and emits its events.
        if next.shards[index].status == ShardStatus::Isolated {
            rollback::process_start(&mut next, index, &mut events);
        } else if heal::is_adjusting(&next.shards[index]) {
            heal::process_adjustment(&mut next, params, index, &mut events);
        } else if heal::is_verifying(&next.shards[index]) {
            heal::process_verification(&mut next, params, index, bug, &mut events);
        } else {
            isolate::process_status_change(&mut next, index, bug, &mut events);
        }
        // [R-FAULT-6] Faults whose evidence is now too old to be proven
        // again: `e + A_e` below the new epoch.
        let shard = &mut next.shards[index];
        let before = shard.faults.len();
        shard
            .faults
            .retain(|f| !detect::is_fault_expired(params, f.epoch, epoch));
        let expired = before - shard.faults.len();
        if expired > 0 {
            events.push(Event::FaultsExpired {
                shard: shard.shard,
                count: count_u32(expired),
            });
        }
    }
    Ok((next, events))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mend_spec::VoteRejection as V;

    fn params() -> Params {
        Params::default_config()
    }

    fn block(shard: u16) -> Action {
        Action::ProduceBlock {
            shard: ShardId(shard),
            fault: BlockFault::None,
        }
    }

    fn honest(shard: u16, epoch: u64, height: u64, parent: ParentLink) -> Checkpoint {
        Checkpoint {
            shard: ShardId(shard),
            epoch: Epoch(epoch),
            height: Height(height),
            root: compute_honest_root(Height(height), Generation(0)),
            parent,
        }
    }

    fn forged(checkpoint: Checkpoint, nonce: u8) -> Checkpoint {
        Checkpoint {
            root: StateRoot::Forged {
                height: checkpoint.height,
                nonce,
            },
            ..checkpoint
        }
    }

    fn propose(proposer: u16, checkpoint: Checkpoint) -> Proposal {
        Proposal {
            proposer: ValidatorId(proposer),
            generation: Generation(0),
            checkpoint,
            signature: Signature::Valid,
        }
    }

    fn vote(validator: u16, checkpoint: Checkpoint) -> Vote {
        Vote {
            validator: ValidatorId(validator),
            shard: checkpoint.shard,
            epoch: checkpoint.epoch,
            generation: Generation(0),
            checkpoint,
            signature: Signature::Valid,
        }
    }

    /// Applies every action, asserting each is accepted; returns the view
    /// and the events of the last one.
    fn run_with(bug: Option<SeededBug>, view: &View, actions: &[Action]) -> (View, Vec<Event>) {
        let mut view = view.clone();
        let mut last = vec![];
        for action in actions {
            let (outcome, next) = apply(&params(), bug, &view, action);
            match outcome {
                Outcome::Accepted { events } => last = events,
                Outcome::Rejected { rejection } => panic!("{action} rejected: {rejection:?}"),
            }
            view = next;
        }
        (view, last)
    }

    fn run(view: &View, actions: &[Action]) -> (View, Vec<Event>) {
        run_with(None, view, actions)
    }

    /// Asserts that `action` is rejected with `rejection` and changes
    /// nothing.
    fn assert_rejected(view: &View, action: Action, rejection: Rejection) {
        let (outcome, next) = apply(&params(), None, view, &action);
        assert_eq!(outcome, Outcome::Rejected { rejection }, "{action}");
        assert_eq!(&next, view, "a rejection changed the view: {action}");
    }

    fn proposal_rejected(view: &View, p: Proposal, code: ProposalRejection) {
        assert_rejected(
            view,
            Action::ProposeCheckpoint(p),
            Rejection::Proposal(code),
        );
    }

    fn vote_rejected(view: &View, v: Vote, code: VoteRejection) {
        assert_rejected(view, Action::CastVote(v), Rejection::Vote(code));
    }

    /// Shard 0 at height 2 with its honest checkpoint at height 2 pending.
    fn with_pending() -> (View, Checkpoint) {
        let c = honest(0, 0, 2, ParentLink::Genesis);
        let actions = [block(0), block(0), Action::ProposeCheckpoint(propose(0, c))];
        (run(&init_view(&params()), &actions).0, c)
    }

    /// Finalizes `c` with the votes of validators 0, 1 and 2.
    fn finalize(view: &View, c: Checkpoint) -> View {
        let votes: Vec<Action> = [0, 1, 2]
            .iter()
            .map(|&v| Action::CastVote(vote(v + 4 * c.shard.0, c)))
            .collect();
        run(view, &votes).0
    }

    #[test]
    fn the_initial_view_has_genesis_committees_and_nothing_else() {
        let view = init_view(&params());
        assert_eq!(view.epoch, Epoch(0));
        assert_eq!(view.shards.len(), 2);
        assert_eq!(
            view.shards[1].committee,
            (4..8).map(ValidatorId).collect::<Vec<_>>()
        );
        assert_eq!(view.shards[1].head_root, StateRoot::Genesis);
        assert!(view
            .shards
            .iter()
            .all(|s| s.pending.is_empty() && s.finalized.is_empty() && s.equivocations.is_empty()));
    }

    #[test]
    fn a_block_extends_the_head_with_the_honest_root() {
        let (view, events) = run(&init_view(&params()), &[block(1), block(1)]);
        let root = StateRoot::Block {
            height: Height(2),
            generation: Generation(0),
        };
        assert_eq!(
            events,
            vec![Event::BlockAppended {
                shard: ShardId(1),
                height: Height(2),
                root
            }]
        );
        assert_eq!(view.shards[1].height, Height(2));
        assert_eq!(view.shards[1].head_root, root);
        assert_eq!(view.shards[0].height, Height(0));
    }

    #[test]
    fn every_block_rejection_leaves_the_view_unchanged() {
        let view = run(&init_view(&params()), &[block(0)]).0;
        let cases = [
            (ShardId(2), BlockFault::None, BlockRejection::UnknownShard),
            (
                ShardId(2),
                BlockFault::WrongRoot,
                BlockRejection::UnknownShard,
            ),
            (
                ShardId(0),
                BlockFault::WrongHeight,
                BlockRejection::WrongHeight,
            ),
            (
                ShardId(0),
                BlockFault::WrongParent,
                BlockRejection::WrongParent,
            ),
            (
                ShardId(0),
                BlockFault::WrongRoot,
                BlockRejection::StateRootMismatch,
            ),
        ];
        for (shard, fault, code) in cases {
            assert_rejected(
                &view,
                Action::ProduceBlock { shard, fault },
                Rejection::Block(code),
            );
        }
    }

    #[test]
    fn a_block_past_the_largest_height_is_rejected_without_overflow() {
        let mut view = init_view(&params());
        view.shards[0].height = Height(u64::MAX);
        assert_rejected(
            &view,
            block(0),
            Rejection::Block(BlockRejection::WrongHeight),
        );
    }

    #[test]
    fn a_view_without_the_named_shard_rejects_rather_than_panics() {
        let mut view = init_view(&params());
        view.shards.truncate(1);
        assert_rejected(
            &view,
            block(1),
            Rejection::Block(BlockRejection::UnknownShard),
        );
        let c = honest(1, 0, 2, ParentLink::Genesis);
        proposal_rejected(&view, propose(4, c), ProposalRejection::UnknownShard);
        vote_rejected(&view, vote(4, c), V::UnknownShard);
    }

    #[test]
    fn an_accepted_proposal_is_pending_without_votes() {
        let (view, c) = with_pending();
        assert_eq!(
            view.shards[0].pending,
            vec![PendingCheckpoint {
                checkpoint: c,
                votes: vec![]
            }]
        );
    }

    #[test]
    fn every_proposal_rejection_leaves_the_view_unchanged() {
        let (view, c) = with_pending();
        let ok = propose(3, forged(c, 0));
        let p = |f: &dyn Fn(&mut Proposal)| {
            let mut p = ok;
            f(&mut p);
            p
        };
        use ProposalRejection as P;
        proposal_rejected(
            &view,
            p(&|p| p.checkpoint.shard = ShardId(9)),
            P::UnknownShard,
        );
        proposal_rejected(
            &view,
            p(&|p| p.proposer = ValidatorId(8)),
            P::UnknownValidator,
        );
        proposal_rejected(&view, p(&|p| p.proposer = ValidatorId(4)), P::NotMember);
        proposal_rejected(&view, p(&|p| p.checkpoint.epoch = Epoch(1)), P::WrongEpoch);
        proposal_rejected(
            &view,
            p(&|p| p.generation = Generation(1)),
            P::WrongGeneration,
        );
        proposal_rejected(
            &view,
            p(&|p| p.signature = Signature::Corrupt),
            P::BadSignature,
        );
        proposal_rejected(
            &view,
            p(&|p| p.signature = Signature::OtherKey),
            P::BadSignature,
        );
        proposal_rejected(
            &view,
            p(&|p| p.checkpoint.height = Height(4)),
            P::WrongHeight,
        );
        proposal_rejected(
            &view,
            p(&|p| p.checkpoint.height = Height(1)),
            P::WrongHeight,
        );
        let link = honest(0, 0, 2, ParentLink::Genesis).link();
        proposal_rejected(&view, p(&|p| p.checkpoint.parent = link), P::WrongParent);
        proposal_rejected(&view, propose(1, c), P::Duplicate);
        // P = 2: a second forgery fills the pending set, a third is refused.
        let full = run(&view, &[Action::ProposeCheckpoint(ok)]).0;
        proposal_rejected(&full, propose(3, forged(c, 1)), P::TooManyPending);
        // Below the head: shard 0 at height 1.
        let low = run(&init_view(&params()), &[block(0)]).0;
        proposal_rejected(&low, propose(0, c), P::BeyondHead);
    }

    #[test]
    fn a_proposal_with_several_defects_gets_the_first_code() {
        let (view, c) = with_pending();
        let mut p = propose(4, c); // not a member of shard 0 ...
        p.checkpoint.epoch = Epoch(5); // ... in the wrong epoch ...
        p.signature = Signature::Corrupt; // ... and badly signed.
        proposal_rejected(&view, p, ProposalRejection::NotMember);
        p.proposer = ValidatorId(0);
        proposal_rejected(&view, p, ProposalRejection::WrongEpoch);
    }

    #[test]
    fn every_vote_rejection_leaves_the_view_unchanged() {
        let (view, c) = with_pending();
        let ok = vote(0, c);
        let v = |f: &dyn Fn(&mut Vote)| {
            let mut v = ok;
            f(&mut v);
            v
        };
        vote_rejected(&view, v(&|v| v.shard = ShardId(2)), V::UnknownShard);
        vote_rejected(
            &view,
            v(&|v| v.validator = ValidatorId(8)),
            V::UnknownValidator,
        );
        vote_rejected(&view, v(&|v| v.shard = ShardId(1)), V::WrongShard);
        vote_rejected(&view, v(&|v| v.validator = ValidatorId(7)), V::NotMember);
        vote_rejected(&view, v(&|v| v.epoch = Epoch(1)), V::WrongEpoch);
        vote_rejected(
            &view,
            v(&|v| v.generation = Generation(1)),
            V::WrongGeneration,
        );
        vote_rejected(
            &view,
            v(&|v| v.signature = Signature::Corrupt),
            V::BadSignature,
        );
        vote_rejected(
            &view,
            v(&|v| v.signature = Signature::OtherKey),
            V::BadSignature,
        );
        vote_rejected(&view, vote(0, forged(c, 0)), V::UnknownCheckpoint);
        let voted = run(&view, &[Action::CastVote(ok)]).0;
        vote_rejected(&voted, ok, V::Duplicate);
        // A certificate of the current epoch refuses only a voter it
        // already holds; one of a closed epoch refuses every vote.
        let finalized = finalize(&view, c);
        vote_rejected(&finalized, vote(0, c), V::Duplicate);
        let closed = run(&finalized, &[Action::AdvanceEpoch { epoch: Epoch(1) }]).0;
        let next_epoch = Vote {
            epoch: Epoch(1),
            ..vote(3, c)
        };
        vote_rejected(&closed, next_epoch, V::AlreadyFinalized);
    }

    #[test]
    fn a_vote_with_several_defects_gets_the_first_code() {
        let (view, c) = with_pending();
        let mut v = vote(7, c); // not a member of shard 0 ...
        v.epoch = Epoch(3); // ... in the wrong epoch.
        vote_rejected(&view, v, V::NotMember);
        v.checkpoint.shard = ShardId(1); // the shard check comes first
        vote_rejected(&view, v, V::WrongShard);
    }

    #[test]
    fn a_quorum_finalizes_keeps_the_other_pending_checkpoint_and_emits_events_in_order() {
        let (view, c) = with_pending();
        let f = forged(c, 0);
        let (view, _) = run(
            &view,
            &[
                Action::ProposeCheckpoint(propose(3, f)),
                Action::CastVote(vote(3, c)),
                Action::CastVote(vote(0, c)),
                Action::CastVote(vote(3, f)),
            ],
        );
        assert_eq!(
            view.shards[0].pending[0].votes,
            vec![ValidatorId(0), ValidatorId(3)]
        );
        let (view, events) = run(&view, &[Action::CastVote(vote(1, c))]);
        // No `PendingDropped` and no `CheckpointPruned`: a finalization
        // changes nothing but its own checkpoint ([R-CKPT-8]).
        assert_eq!(
            events,
            vec![
                Event::VoteCounted {
                    validator: ValidatorId(1),
                    checkpoint: c
                },
                Event::CheckpointFinalized { checkpoint: c },
            ]
        );
        let shard = &view.shards[0];
        assert_eq!(
            shard.finalized,
            vec![FinalizedCheckpoint {
                checkpoint: c,
                signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(3)]
            }]
        );
        // The forged sibling stays pending with its vote, and is stale now.
        assert_eq!(
            shard.pending,
            vec![PendingCheckpoint {
                checkpoint: f,
                votes: vec![ValidatorId(3)]
            }]
        );
        assert!(!is_live(shard, &f));
    }

    #[test]
    fn pending_checkpoints_stay_in_ascending_order() {
        let (view, c) = with_pending();
        let f = forged(c, 0);
        let view = run(&view, &[Action::ProposeCheckpoint(propose(3, f))]).0;
        let order: Vec<Checkpoint> = view.shards[0]
            .pending
            .iter()
            .map(|p| p.checkpoint)
            .collect();
        let mut sorted = order.clone();
        sorted.sort();
        assert_eq!(order, sorted);
        assert_eq!(order.len(), 2);
    }

    /// Finalizes the honest checkpoints of shard 0 at heights 2, 4, ..
    /// `2 * count` in epoch 0, each with the votes of validators 0, 1 and 2;
    /// returns the view, the checkpoints in finalization order and the
    /// events of the last vote.
    fn finalize_chain(count: u64) -> (View, Vec<Checkpoint>, Vec<Event>) {
        let blocks = vec![block(0); usize::try_from(2 * count).unwrap()];
        let mut view = run(&init_view(&params()), &blocks).0;
        let mut parent = ParentLink::Genesis;
        let mut finalized = vec![];
        let mut events = vec![];
        for height in (1..=count).map(|i| 2 * i) {
            let c = honest(0, 0, height, parent);
            (view, events) = run(
                &view,
                &[
                    Action::ProposeCheckpoint(propose(0, c)),
                    Action::CastVote(vote(0, c)),
                    Action::CastVote(vote(1, c)),
                    Action::CastVote(vote(2, c)),
                ],
            );
            finalized.push(c);
            parent = c.link();
        }
        (view, finalized, events)
    }

    fn retained(view: &View) -> Vec<Checkpoint> {
        view.shards[0]
            .finalized
            .iter()
            .map(|f| f.checkpoint)
            .collect()
    }

    #[test]
    fn the_k_plus_first_finalization_prunes_nothing_until_the_boundary() {
        let (view, finalized, events) = finalize_chain(3);
        assert_eq!(
            events,
            vec![
                Event::VoteCounted {
                    validator: ValidatorId(2),
                    checkpoint: finalized[2]
                },
                Event::CheckpointFinalized {
                    checkpoint: finalized[2]
                },
            ]
        );
        // `K + 1` retained within the epoch; the oldest still takes a late
        // vote, as it would had that vote arrived before the third quorum.
        assert_eq!(retained(&view), finalized);
        let (view, _) = run(&view, &[Action::CastVote(vote(3, finalized[0]))]);
        let (next, events) = run(&view, &[Action::AdvanceEpoch { epoch: Epoch(1) }]);
        assert_eq!(
            events,
            vec![
                Event::EpochAdvanced { epoch: Epoch(1) },
                Event::CheckpointPruned {
                    checkpoint: finalized[0]
                },
            ]
        );
        assert_eq!(retained(&next), finalized[1..].to_vec());
        // A vote for the pruned checkpoint is a vote for an unknown one; a
        // retained one of the closed epoch is already finalized.
        let in_epoch_1 = |c| Vote {
            epoch: Epoch(1),
            ..vote(3, c)
        };
        vote_rejected(&next, in_epoch_1(finalized[0]), V::UnknownCheckpoint);
        vote_rejected(&next, in_epoch_1(finalized[1]), V::AlreadyFinalized);
    }

    #[test]
    fn the_boundary_prunes_every_checkpoint_above_k_oldest_first_after_expiry() {
        let (view, finalized, _) = finalize_chain(4);
        // One checkpoint pending at the boundary, so that its expiry comes
        // before the pruning in the step's events.
        let c = honest(0, 0, 10, finalized[3].link());
        let view = run(
            &view,
            &[block(0), block(0), Action::ProposeCheckpoint(propose(0, c))],
        )
        .0;
        let (next, events) = run(&view, &[Action::AdvanceEpoch { epoch: Epoch(1) }]);
        assert_eq!(
            events,
            vec![
                Event::EpochAdvanced { epoch: Epoch(1) },
                Event::PendingExpired {
                    shard: ShardId(0),
                    count: 1
                },
                Event::CheckpointPruned {
                    checkpoint: finalized[0]
                },
                Event::CheckpointPruned {
                    checkpoint: finalized[1]
                },
            ]
        );
        assert_eq!(retained(&next), finalized[2..].to_vec());
    }

    #[test]
    fn expiry_empties_every_pending_set_with_one_event_per_shard_ascending() {
        let (view, c0) = with_pending();
        let c1 = honest(1, 0, 2, ParentLink::Genesis);
        let view = run(
            &view,
            &[
                block(1),
                block(1),
                Action::ProposeCheckpoint(propose(4, c1)),
                Action::ProposeCheckpoint(propose(3, forged(c0, 0))),
                Action::CastVote(vote(5, c1)),
            ],
        )
        .0;
        let (next, events) = run(&view, &[Action::AdvanceEpoch { epoch: Epoch(1) }]);
        assert_eq!(
            events,
            vec![
                Event::EpochAdvanced { epoch: Epoch(1) },
                Event::PendingExpired {
                    shard: ShardId(0),
                    count: 2
                },
                Event::PendingExpired {
                    shard: ShardId(1),
                    count: 1
                },
            ]
        );
        assert_eq!(next.epoch, Epoch(1));
        assert!(next.shards.iter().all(|s| s.pending.is_empty()));
        // The expired checkpoint is unknown now; the epoch-1 one is new.
        let mut stale = vote(0, c0);
        stale.epoch = Epoch(1);
        vote_rejected(&next, stale, V::UnknownCheckpoint);
        let fresh = honest(0, 1, 2, ParentLink::Genesis);
        run(&next, &[Action::ProposeCheckpoint(propose(0, fresh))]);
    }

    #[test]
    fn an_epoch_tick_must_be_the_next_epoch() {
        let view = init_view(&params());
        for epoch in [0, 2, u64::MAX] {
            assert_rejected(
                &view,
                Action::AdvanceEpoch {
                    epoch: Epoch(epoch),
                },
                Rejection::Epoch(EpochRejection::NotNextEpoch),
            );
        }
        let mut last = view.clone();
        last.epoch = Epoch(u64::MAX);
        for epoch in [0, u64::MAX] {
            assert_rejected(
                &last,
                Action::AdvanceEpoch {
                    epoch: Epoch(epoch),
                },
                Rejection::Epoch(EpochRejection::NotNextEpoch),
            );
        }
    }

    #[test]
    fn an_epoch_tick_without_pending_checkpoints_emits_only_the_tick() {
        let (_, events) = run(
            &init_view(&params()),
            &[Action::AdvanceEpoch { epoch: Epoch(1) }],
        );
        assert_eq!(events, vec![Event::EpochAdvanced { epoch: Epoch(1) }]);
    }

    #[test]
    fn a_second_vote_at_one_height_is_recorded_as_equivocation_and_both_count() {
        let (view, c) = with_pending();
        let f = forged(c, 0);
        let view = run(
            &view,
            &[
                Action::ProposeCheckpoint(propose(3, f)),
                Action::CastVote(vote(3, f)),
            ],
        )
        .0;
        let (view, events) = run(&view, &[Action::CastVote(vote(3, c))]);
        assert_eq!(
            events,
            vec![
                Event::VoteCounted {
                    validator: ValidatorId(3),
                    checkpoint: c
                },
                Event::EquivocationRecorded {
                    validator: ValidatorId(3),
                    checkpoint: c
                },
            ]
        );
        let shard = &view.shards[0];
        assert_eq!(
            shard.equivocations,
            vec![Equivocation {
                validator: ValidatorId(3),
                first: c.min(f),
                second: c.max(f),
            }]
        );
        assert!(shard
            .pending
            .iter()
            .all(|p| p.votes == vec![ValidatorId(3)]));
    }

    #[test]
    fn a_next_checkpoint_height_that_overflows_accepts_no_height() {
        let mut view = init_view(&params());
        let top = honest(0, 0, u64::MAX - 1, ParentLink::Genesis);
        view.shards[0].height = Height(u64::MAX);
        view.shards[0].finalized.push(FinalizedCheckpoint {
            checkpoint: top,
            signers: vec![ValidatorId(0), ValidatorId(1), ValidatorId(2)],
        });
        assert_eq!(
            compute_next_checkpoint_height(&params(), &view.shards[0]),
            None
        );
        let c = honest(0, 0, u64::MAX, top.link());
        proposal_rejected(&view, propose(0, c), ProposalRejection::WrongHeight);
    }

    #[test]
    fn the_quorum_of_two_f_bug_finalizes_with_two_votes() {
        let (view, c) = with_pending();
        let votes = [Action::CastVote(vote(0, c)), Action::CastVote(vote(3, c))];
        let (buggy, events) = run_with(Some(SeededBug::QuorumOfTwoF), &view, &votes);
        assert!(events.contains(&Event::CheckpointFinalized { checkpoint: c }));
        assert_eq!(buggy.shards[0].finalized.len(), 1);
        let (correct, _) = run(&view, &votes);
        assert!(correct.shards[0].finalized.is_empty());
        assert_eq!(compute_finalization_threshold(&params(), None), 3);
        assert_eq!(
            compute_finalization_threshold(&params(), Some(SeededBug::QuorumOfTwoF)),
            2
        );
    }

    #[test]
    fn the_count_non_member_vote_bug_counts_a_vote_from_another_committee() {
        let (view, c) = with_pending();
        let (buggy, _) = run_with(
            Some(SeededBug::CountNonMemberVote),
            &view,
            &[Action::CastVote(vote(7, c))],
        );
        assert_eq!(buggy.shards[0].pending[0].votes, vec![ValidatorId(7)]);
        // An unregistered validator is still refused.
        let (outcome, _) = apply(
            &params(),
            Some(SeededBug::CountNonMemberVote),
            &view,
            &Action::CastVote(vote(8, c)),
        );
        assert_eq!(
            outcome,
            Outcome::Rejected {
                rejection: Rejection::Vote(V::UnknownValidator)
            }
        );
    }

    #[test]
    fn the_count_duplicate_vote_bug_keeps_a_sorted_multiset() {
        let (view, c) = with_pending();
        let votes = [
            Action::CastVote(vote(3, c)),
            Action::CastVote(vote(0, c)),
            Action::CastVote(vote(3, c)),
        ];
        let (buggy, events) = run_with(Some(SeededBug::CountDuplicateVote), &view, &votes);
        assert!(events.contains(&Event::CheckpointFinalized { checkpoint: c }));
        assert_eq!(
            buggy.shards[0].finalized[0].signers,
            vec![ValidatorId(0), ValidatorId(3), ValidatorId(3)]
        );
    }

    #[test]
    fn the_refinalize_height_bug_accepts_a_finalized_height_again() {
        let (view, c) = with_pending();
        let view = finalize(&view, c);
        let again = honest(0, 0, 2, c.link());
        proposal_rejected(&view, propose(0, again), ProposalRejection::WrongHeight);
        let (buggy, _) = run_with(
            Some(SeededBug::RefinalizeHeight),
            &view,
            &[Action::ProposeCheckpoint(propose(0, again))],
        );
        assert_eq!(buggy.shards[0].pending.len(), 1);
        // The parent check still applies under the bug.
        let (outcome, _) = apply(
            &params(),
            Some(SeededBug::RefinalizeHeight),
            &view,
            &Action::ProposeCheckpoint(propose(0, honest(0, 0, 2, ParentLink::Genesis))),
        );
        assert_eq!(
            outcome,
            Outcome::Rejected {
                rejection: Rejection::Proposal(ProposalRejection::WrongParent)
            }
        );
    }

    #[test]
    fn the_last_validator_of_the_largest_deployment_is_registered() {
        // 1023 shards of 64: validator ids 0..=65471 are registered.
        let largest = Params::new(1023, 64, 2, 2, 2).unwrap();
        assert!(is_registered(&largest, ValidatorId(65471)));
        assert!(!is_registered(&largest, ValidatorId(65472)));
        assert!(!is_registered(&params(), ValidatorId(8)));
        assert!(is_registered(&params(), ValidatorId(7)));
    }

    #[test]
    fn configurations_name_the_highest_member_of_each_committee_byzantine() {
        let cfg = ModelConfig::default_config();
        assert_eq!(cfg.byzantine, vec![ValidatorId(3), ValidatorId(7)]);
        assert_eq!(cfg.bug, None);
        let large = ModelConfig::large(3, 7);
        assert_eq!(
            large.byzantine,
            vec![ValidatorId(6), ValidatorId(13), ValidatorId(20)]
        );
        assert_eq!(large.max_heights, vec![8, 8, 8]);
        assert!(ModelConfig::try_large(0, 4).is_err());
        let buggy = cfg.with_bug(Some(SeededBug::QuorumOfTwoF));
        assert_eq!(buggy.bug, Some(SeededBug::QuorumOfTwoF));
    }
}
