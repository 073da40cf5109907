//! The engine's half of the determinism check ([R-DET-5], [INV-5 Determinism]):
//! a property test that shuffles the gossiped inputs within each segment of a
//! trace and compares the views after every step.
//!
//! A trace is a list of steps: a sequenced input (a block, a proposal, an
//! epoch advance), or a segment, the set of gossiped inputs (votes and
//! evidence) received between two sequenced ones ([R-DET-1]). The trace below
//! is built to meet every rule [R-DET-2] makes order-free: a checkpoint
//! finalizes while a Byzantine member's vote for it may come before or after
//! the quorum (a late vote), that member also votes for a forged sibling at
//! the same height (a stale sibling once the honest one finalizes, and
//! equivocation against a pending or a finalized checkpoint depending on the
//! order), evidence of each of its faults arrives in the same segment as the
//! votes it is about (a state-root mismatch before or after the quorum, an
//! equivocation twice, in both orders of its pair, so that one copy is a
//! duplicate whichever comes first), a duplicate vote, a vote for a
//! checkpoint of a closed epoch; and each epoch boundary prunes (`K = 1`)
//! and slashes.
//!
//! The reference replica receives each segment in the order it was written;
//! every other replica receives each segment in an order proptest draws.
//! After every step, the two must have the same view ([`EngineView`]) and,
//! since no vote of this trace is signed twice with different bytes, the
//! same state ([R-DET-4]: the claim is about the view; of two differently
//! signed copies of one vote the engine keeps the first). The runner's seed
//! is fixed, so a failure reproduces; it
//! prints the orders (one permutation of indices per segment) that shrinking
//! reached.

use crate::crypto::compute_state_root;
use crate::engine::Engine;
use crate::testkit::{forged_root, sign_proposal, sign_vote, test_keys, Harness};
use crate::view::EngineView;
use crate::wire::{Block, CheckpointBody, Evidence, Message};
use mend_spec::{Epoch, Generation, Height, Params, ShardId, ShardStatus, ValidatorId};
use proptest::strategy::{Just, Strategy};
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};

/// One step of a trace ([R-DET-1]).
#[derive(Clone, Debug)]
enum Step {
    /// An input every replica receives in the same order. Boxed: a trace
    /// holds few, and a block is much larger than a segment's list.
    Sequenced(Box<Message>),
    /// The gossiped inputs between two sequenced ones, in any order.
    Segment(Vec<Message>),
}

/// [R-DET-1] The gossiped inputs: checkpoint votes and evidence.
fn is_gossiped(message: &Message) -> bool {
    matches!(message, Message::Vote(_) | Message::Evidence(_))
}

/// Two shards, committees of 4 (the Byzantine member of shard `s` is
/// `4s + 3`), a checkpoint every 2 blocks, one retained, two pending.
fn params() -> Params {
    match Params::new(2, 4, 2, 1, 2) {
        Ok(params) => params,
        Err(e) => panic!("the trace's parameters are within bounds: {e:?}"),
    }
}

/// Builds a trace by applying it, in the written order, to its own engine.
struct Builder {
    engine: Engine,
    steps: Vec<Step>,
}

impl Builder {
    fn new(engine: Engine) -> Builder {
        Builder {
            engine,
            steps: Vec::new(),
        }
    }

    /// Appends a sequenced input; it must be accepted.
    fn sequenced(&mut self, message: Message) {
        assert!(!is_gossiped(&message), "{message:?} is gossiped");
        if let Err(e) = self.engine.apply(&message) {
            panic!("sequenced input {} refused: {e}", self.steps.len());
        }
        self.steps.push(Step::Sequenced(Box::new(message)));
    }

    /// Appends a segment of gossiped inputs, some of which may be refused
    /// (in every order, [R-DET-2]).
    fn segment(&mut self, messages: Vec<Message>) {
        for message in &messages {
            assert!(is_gossiped(message), "{message:?} is sequenced");
            // A refusal changes nothing ([R-OUT-2]); which inputs are
            // refused is part of what the property compares.
            let _ = self.engine.apply(message);
        }
        self.steps.push(Step::Segment(messages));
    }

    /// Appends the honest successor of `shard`'s head.
    fn block(&mut self, shard: ShardId) {
        let Some((height, parent, root)) = self.engine.head(shard) else {
            panic!("{shard} exists");
        };
        let height = Height(height.0 + 1);
        let transactions = Harness::honest_transactions(shard, height);
        self.sequenced(Message::Block(Block {
            shard,
            height,
            parent,
            state_root: compute_state_root(&root, &transactions),
            transactions,
        }));
    }

    /// The honest checkpoint at `shard`'s head, in the current epoch, on
    /// `parent`.
    fn head_checkpoint(&self, shard: ShardId, parent: Option<&CheckpointBody>) -> CheckpointBody {
        let Some((height, _, root)) = self.engine.head(shard) else {
            panic!("{shard} exists");
        };
        CheckpointBody {
            shard,
            epoch: self.engine.epoch(),
            height,
            state_root: root,
            parent: parent.map(crate::crypto::compute_checkpoint_id),
        }
    }

    fn propose(&mut self, proposer: u16, body: CheckpointBody) {
        self.sequenced(Message::Proposal(sign_proposal(
            ValidatorId(proposer),
            Generation(0),
            body,
        )));
    }

    fn advance_epoch(&mut self) {
        let epoch = Epoch(self.engine.epoch().0 + 1);
        self.sequenced(Message::AdvanceEpoch { epoch });
    }

    fn view(&self) -> EngineView {
        self.engine.snapshot()
    }
}

/// `validator`'s vote for `body`, signed in `body`'s epoch.
fn vote(validator: u16, body: CheckpointBody) -> Message {
    Message::Vote(signed_vote(validator, body))
}

fn signed_vote(validator: u16, body: CheckpointBody) -> crate::wire::SignedVote {
    sign_vote(
        ValidatorId(validator),
        body.shard,
        body.epoch,
        Generation(0),
        body,
    )
}

/// `body` with a root no honest execution produces.
fn forged(body: CheckpointBody, nonce: u8) -> CheckpointBody {
    CheckpointBody {
        state_root: forged_root(nonce),
        ..body
    }
}

/// Builds the trace (module header) on an honest engine, checking on the
/// way that it reaches what it is meant to (late votes, stale siblings,
/// equivocation against finalized checkpoints, pruning at the boundary), and
/// returns its steps. The inputs depend only on the chains and the epoch,
/// which no seeded bug of the checkpoint rules changes, so the same trace
/// serves every rule set.
fn build_trace() -> Vec<Step> {
    let s0 = ShardId(0);
    let s1 = ShardId(1);
    let mut b = Builder::new(honest_engine());

    // Epoch 0. Both shards reach height 2; shard 0 has an honest and a
    // forged checkpoint pending there, shard 1 an honest one.
    for shard in [s0, s0, s1, s1] {
        b.block(shard);
    }
    let a0 = b.head_checkpoint(s0, None);
    let f0 = forged(a0, 1);
    let a1 = b.head_checkpoint(s1, None);
    b.propose(0, a0);
    b.propose(3, f0);
    b.propose(4, a1);
    b.segment(vec![
        vote(0, a0),
        vote(1, a0),
        vote(2, a0),
        // Late in this order: the quorum came first.
        vote(3, a0),
        vote(3, f0),
        // The same vote twice: the second copy is a duplicate.
        vote(0, a0),
        vote(4, a1),
        vote(5, a1),
        vote(6, a1),
        vote(7, a1),
        Message::Evidence(Evidence::Equivocation(
            signed_vote(3, a0),
            signed_vote(3, f0),
        )),
        // The same fault: a duplicate whichever copy comes first.
        Message::Evidence(Evidence::Equivocation(
            signed_vote(3, f0),
            signed_vote(3, a0),
        )),
        Message::Evidence(Evidence::StateRootMismatch(signed_vote(3, f0))),
    ]);
    // Non-vacuous: the late vote is in the certificate, the forged sibling
    // is pending and stale, and the equivocation is recorded against the
    // finalized checkpoint.
    let view = b.view();
    let everyone = |first: u16| (first..first + 4).map(ValidatorId).collect::<Vec<_>>();
    assert_eq!(view.shards[0].finalized, vec![(a0, everyone(0))]);
    assert_eq!(view.shards[0].pending, vec![(f0, vec![ValidatorId(3)])]);
    assert_eq!(
        view.shards[0].equivocations,
        vec![(ValidatorId(3), a0.min(f0), a0.max(f0))]
    );
    assert_eq!(view.shards[0].faults.len(), 2);
    assert_eq!(view.shards[1].finalized, vec![(a1, everyone(4))]);

    // Shard 0 goes on to height 4 and finalizes again in the same epoch,
    // beside a second forged sibling; the first forged one stays stale.
    b.block(s0);
    b.block(s0);
    let b0 = b.head_checkpoint(s0, Some(&a0));
    let g0 = forged(b0, 2);
    b.propose(0, b0);
    b.propose(3, g0);
    b.segment(vec![
        vote(3, g0),
        vote(0, b0),
        vote(1, b0),
        vote(2, b0),
        vote(3, b0),
        // A vote for the stale sibling of the first round: counted, and an
        // equivocation against the finalized checkpoint at height 2. (It
        // makes v1 a second equivocator, beyond the fault model; the stale
        // sibling can never finalize, so no order can tell.)
        vote(1, f0),
        Message::Evidence(Evidence::Equivocation(
            signed_vote(3, b0),
            signed_vote(3, g0),
        )),
    ]);
    let view = b.view();
    assert_eq!(
        view.shards[0].finalized.len(),
        2,
        "K + 1 before the boundary"
    );
    assert_eq!(view.shards[0].pending.len(), 2);
    assert_eq!(view.shards[0].equivocations.len(), 3);

    // The boundary: pending checkpoints expire, `a0` and `a1` stay (K = 1
    // keeps the latest), shard 0's `a0` is pruned; v3 is slashed and shard
    // 0 isolated.
    b.advance_epoch();
    let view = b.view();
    assert_eq!(view.shards[0].finalized, vec![(b0, everyone(0))]);
    assert_eq!(view.shards[0].status, ShardStatus::Isolated);

    // Epoch 1. Shard 1 goes to height 4 with an honest and a forged
    // checkpoint; its Byzantine member votes for both.
    b.block(s1);
    b.block(s1);
    let b1 = b.head_checkpoint(s1, Some(&a1));
    let f1 = forged(b1, 3);
    b.propose(4, b1);
    b.propose(7, f1);
    b.segment(vec![
        vote(7, f1),
        vote(4, b1),
        vote(5, b1),
        vote(6, b1),
        vote(7, b1),
        // A vote of the closed epoch 0 replayed, and one for its checkpoint
        // signed in epoch 1: refused in every order.
        vote(7, a1),
        Message::Vote(sign_vote(ValidatorId(7), s1, Epoch(1), Generation(0), a1)),
        Message::Evidence(Evidence::StateRootMismatch(signed_vote(7, f1))),
        Message::Evidence(Evidence::Equivocation(
            signed_vote(7, f1),
            signed_vote(7, b1),
        )),
    ]);
    let view = b.view();
    assert_eq!(view.shards[1].finalized.len(), 2);
    assert_eq!(view.shards[1].faults.len(), 2);
    b.advance_epoch();
    let view = b.view();
    assert_eq!(view.shards[1].finalized, vec![(b1, everyone(4))]);
    assert_eq!(view.shards[0].status, ShardStatus::Recovering);
    b.steps
}

/// The reference replica after every step of `steps`, each segment in its
/// written order, on a fresh `engine`.
fn replay_in_written_order(mut engine: Engine, steps: &[Step]) -> Vec<Engine> {
    let mut after = Vec::with_capacity(steps.len());
    for step in steps {
        match step {
            Step::Sequenced(message) => {
                if let Err(e) = engine.apply(message) {
                    panic!("sequenced input refused on replay: {e}");
                }
            }
            Step::Segment(messages) => {
                for message in messages {
                    let _ = engine.apply(message);
                }
            }
        }
        after.push(engine.clone());
    }
    after
}

/// One order per segment: a permutation of its indices.
fn orders_strategy(steps: &[Step]) -> Vec<proptest::strategy::Shuffle<Just<Vec<usize>>>> {
    steps
        .iter()
        .filter_map(|step| match step {
            Step::Segment(messages) => Some(Just((0..messages.len()).collect()).prop_shuffle()),
            Step::Sequenced(_) => None,
        })
        .collect()
}

/// [INV-5 Determinism] Applies `steps` to `engine`, each segment in its
/// order from `orders`, and compares the view and the state after every
/// step with the reference's.
fn check_orders(
    mut engine: Engine,
    steps: &[Step],
    reference: &[Engine],
    orders: &[Vec<usize>],
) -> Result<(), TestCaseError> {
    let mut segments = orders.iter();
    for (at, (step, expected)) in steps.iter().zip(reference).enumerate() {
        match step {
            Step::Sequenced(message) => {
                engine.apply(message).map_err(|e| {
                    TestCaseError::fail(format!("sequenced input at step {at} refused: {e}"))
                })?;
            }
            Step::Segment(messages) => {
                let Some(order) = segments.next() else {
                    return Err(TestCaseError::fail("one order per segment"));
                };
                for &index in order {
                    if let Some(message) = messages.get(index) {
                        let _ = engine.apply(message);
                    }
                }
            }
        }
        // The view names the part that differs; the state also holds the
        // signed votes kept as evidence, which the view leaves out.
        let view = engine.snapshot();
        let expected_view = expected.snapshot();
        if view != expected_view {
            return Err(TestCaseError::fail(format!(
                "the views differ after step {at}: {}",
                describe_difference(&view, &expected_view)
            )));
        }
        if engine != *expected {
            return Err(TestCaseError::fail(format!(
                "the states differ after step {at}, the views do not"
            )));
        }
    }
    Ok(())
}

/// The first part of two views that differs, for a failure message.
fn describe_difference(a: &EngineView, b: &EngineView) -> String {
    for (x, y) in a.shards.iter().zip(&b.shards) {
        if x != y {
            return format!("shard {}: {x:?} vs {y:?}", x.shard);
        }
    }
    if a.validators != b.validators {
        return format!("validators: {:?} vs {:?}", a.validators, b.validators);
    }
    if a.audit != b.audit {
        return "the audit logs".to_string();
    }
    format!("epoch or transactions: {a:?} vs {b:?}")
}

/// A runner with a fixed seed and 64 cases, persisting nothing.
fn runner() -> TestRunner {
    let mut config = Config::with_cases(64);
    config.failure_persistence = None;
    TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
}

/// Runs the property over `fresh` engines (the same rules as the reference)
/// and returns the runner's verdict.
fn run_property(fresh: &dyn Fn() -> Engine) -> Result<(), TestError<Vec<Vec<usize>>>> {
    let steps = build_trace();
    let reference = replay_in_written_order(fresh(), &steps);
    runner().run(&orders_strategy(&steps), |orders| {
        check_orders(fresh(), &steps, &reference, &orders)
    })
}

fn honest_engine() -> Engine {
    let params = params();
    match Engine::new(params, test_keys(&params)) {
        Ok(engine) => engine,
        Err(e) => panic!("genesis: {e:?}"),
    }
}

#[test]
fn every_order_of_each_segments_gossiped_inputs_gives_the_same_view_after_every_step() {
    if let Err(e) = run_property(&honest_engine) {
        panic!("{e}");
    }
}

#[test]
fn the_written_order_passes_against_itself_and_a_replica_missing_a_gossiped_input_fails() {
    // The property compares with a reference that is itself reproducible,
    // accepts the written order, and can tell two states apart: a replica
    // that missed one gossiped input (the late vote) fails it.
    let steps = build_trace();
    let once = replay_in_written_order(honest_engine(), &steps);
    let twice = replay_in_written_order(honest_engine(), &steps);
    assert!(once == twice);
    let identity: Vec<Vec<usize>> = steps
        .iter()
        .filter_map(|step| match step {
            Step::Segment(messages) => Some((0..messages.len()).collect()),
            Step::Sequenced(_) => None,
        })
        .collect();
    if let Err(e) = check_orders(honest_engine(), &steps, &once, &identity) {
        panic!("the written order fails against itself: {e}");
    }
    // Dropping one gossiped input (the late vote) is caught.
    let mut dropped = identity.clone();
    dropped[0].retain(|&index| index != 3);
    assert!(check_orders(honest_engine(), &steps, &once, &dropped).is_err());
}

#[cfg(feature = "seeded-bugs")]
#[test]
fn under_first_quorum_certificate_some_order_of_a_segment_gives_a_different_view() {
    use mend_spec::SeededBug;
    let buggy = || {
        let params = params();
        match Engine::with_seeded_bug(
            params,
            test_keys(&params),
            Some(SeededBug::FirstQuorumCertificate),
        ) {
            Ok(engine) => engine,
            Err(e) => panic!("genesis: {e:?}"),
        }
    };
    match run_property(&buggy) {
        Err(TestError::Fail(reason, orders)) => {
            // The shrunk orders reproduce the difference on their own.
            let steps = build_trace();
            let reference = replay_in_written_order(buggy(), &steps);
            assert!(
                check_orders(buggy(), &steps, &reference, &orders).is_err(),
                "{reason}: {orders:?}"
            );
            assert!(reason.message().contains("views differ"), "{reason}");
        }
        other => panic!("the seeded bug was not caught: {other:?}"),
    }
}
