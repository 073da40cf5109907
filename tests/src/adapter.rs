//! The conformance adapter: abstract actions to concrete signed messages, and
//! concrete ids, roots, events and views back to abstract ones ([R-ACT-1],
//! [R-VIEW-1]).
//!
//! The model speaks of "validator 2 votes for shard 0's checkpoint at height
//! 4"; the engine needs bytes signed with validator 2's key over the vote
//! domain. The adapter builds those messages with deterministic test keys and
//! remembers which concrete hash stands for which abstract value, so that the
//! engine's concrete events and view can be mapped back and compared with
//! the model's. A concrete value the adapter never produced cannot be mapped:
//! that is reported as a divergence, never guessed.

use crate::keys::{tagged_hash, test_signing_key};
use ed25519_dalek::Signer;
use mend_impl::{
    block_claim_signing_bytes, compute_block_id, compute_checkpoint_id, compute_fault_id,
    compute_genesis_root, compute_state_root, proposal_signing_bytes, receipt_signing_bytes,
    vote_signing_bytes, xtx_vote_signing_bytes, AuditEntry as EngineAuditEntry, Block,
    BlockClaim as EngineBlockClaim, CheckpointBody, EngineEvent, EngineView,
    Evidence as EngineEvidence, Hash32, Message, Receipt as EngineReceipt, SignatureBytes,
    SignedBlockClaim, SignedProposal, SignedReceipt, SignedVote, SignedXtxVote, Transaction,
    XtxPrepare as EngineXtxPrepare, XtxVoteBody, TRANSACTIONS_PER_BLOCK_MAX,
};
use mend_spec::audit::compute_audit_hash;
use mend_spec::{
    Action, AuditEntry, AuditRecord, BlockClaim, BlockFault, Checkpoint, ClaimContent,
    Equivocation, Event, Evidence, Fault, FinalizedCheckpoint, Generation, HealingView, Height,
    Params, ParentLink, PendingCheckpoint, Proposal, RollbackPhase, RollbackView, ShardId,
    ShardView, Signature, StateRoot, ValidatorId, View, Vote, XtxVote,
};
use std::collections::BTreeMap;
use std::fmt;

/// A concrete value the adapter cannot map back to an abstract one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MappingError {
    /// The engine reports a root that no action produced.
    UnknownRoot { shard: ShardId, root: Hash32 },
    /// The engine reports a checkpoint id that no action named.
    UnknownCheckpoint { id: Hash32 },
    /// The engine reports a parent id that no action named.
    UnknownParent { id: Hash32 },
    /// A list the view requires in ascending order is not ([R-VIEW-1]).
    NotCanonical { shard: ShardId, list: &'static str },
    /// The engine reports a fault whose id is not [R-FAULT-4]'s hash of it.
    WrongFaultId { shard: ShardId, fault: Fault },
    /// A rollback record names a target id that is not the hash of the
    /// target body shown beside it ([R-CKPT-3]), or shows no body.
    WrongTargetId { shard: ShardId },
    /// An audit record that names a cause by fault id shows no fault beside
    /// it, or a record the adapter cannot map.
    MissingCause { index: u64 },
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MappingError::UnknownRoot { shard, root } => {
                write!(
                    f,
                    "engine shows root {} on {shard}, which no action produced",
                    hex(root)
                )
            }
            MappingError::UnknownCheckpoint { id } => {
                write!(
                    f,
                    "engine shows checkpoint {}, which no action named",
                    hex(id)
                )
            }
            MappingError::UnknownParent { id } => {
                write!(f, "engine shows parent {}, which no action named", hex(id))
            }
            MappingError::NotCanonical { shard, list } => {
                write!(
                    f,
                    "engine lists the {list} of {shard} out of ascending order"
                )
            }
            MappingError::MissingCause { index } => write!(
                f,
                "engine audit record #{index} shows no fault beside the fault id it names"
            ),
            MappingError::WrongFaultId { shard, fault } => {
                write!(
                    f,
                    "engine gives fault {fault} on {shard} an id that is not its fault id"
                )
            }
            MappingError::WrongTargetId { shard } => write!(
                f,
                "engine's rollback record of {shard} names a target that is not the body shown"
            ),
        }
    }
}

/// The first 8 bytes of a hash, in hex, for messages.
pub fn hex(h: &Hash32) -> String {
    h.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Translates between the abstract and the concrete world for one run.
#[derive(Clone, Debug)]
pub struct Adapter {
    params: Params,
    /// Concrete root of each abstract root, per shard.
    root_concrete: BTreeMap<(ShardId, StateRoot), Hash32>,
    /// Abstract root of each concrete root, per shard: a root is only ever
    /// mapped back on the shard it was made for.
    root_abstract: BTreeMap<(ShardId, Hash32), StateRoot>,
    /// The honest chain of each shard and generation, as the adapter itself
    /// derives it: `(block id, root)` per height, index 0 being genesis.
    honest_chains: BTreeMap<(ShardId, Generation), Vec<(Hash32, Hash32)>>,
    /// Where each generation after a rollback branches off ([R-RB-4]): the
    /// generation it continues and the height restored to. Its chain is
    /// that generation's chain up to that height, then its own blocks.
    branches: BTreeMap<(ShardId, Generation), (Generation, Height)>,
    /// Abstract checkpoint of each concrete checkpoint id.
    checkpoint_abstract: BTreeMap<Hash32, Checkpoint>,
    /// Concrete id standing for each abstract parent link, per shard.
    link_concrete: BTreeMap<(ShardId, ParentLink), Hash32>,
    /// Abstract parent link of each concrete id used as a parent.
    link_abstract: BTreeMap<Hash32, ParentLink>,
}

impl Adapter {
    /// A fresh adapter; genesis roots are known from the start.
    pub fn new(params: Params) -> Adapter {
        let mut a = Adapter {
            params,
            root_concrete: BTreeMap::new(),
            root_abstract: BTreeMap::new(),
            honest_chains: BTreeMap::new(),
            branches: BTreeMap::new(),
            checkpoint_abstract: BTreeMap::new(),
            link_concrete: BTreeMap::new(),
            link_abstract: BTreeMap::new(),
        };
        for shard in params.shard_ids() {
            a.register_root(shard, StateRoot::Genesis, compute_genesis_root(shard));
        }
        a
    }

    fn register_root(&mut self, shard: ShardId, root: StateRoot, concrete: Hash32) {
        let old = self.root_concrete.insert((shard, root), concrete);
        assert!(
            old.is_none_or(|o| o == concrete),
            "{root} on {shard} has two concrete roots"
        );
        let old = self.root_abstract.insert((shard, concrete), root);
        assert!(
            old.is_none_or(|o| o == root),
            "a concrete root on {shard} stands for two roots"
        );
    }

    /// The highest height the adapter derives an honest chain to; beyond it
    /// an honest root is only named, never produced, and gets a synthetic one.
    const HONEST_CHAIN_MAX: u64 = 100_000;

    /// Learns, from the model's view, where each rolled-back shard's new
    /// generation branches off: a rollback that has restored
    /// (`RestoringState` or later) continues generation `g - 1` from its
    /// target's height ([R-RB-4]).
    pub fn note_branches(&mut self, view: &View) {
        for s in &view.shards {
            // A healing's base is its rollback's target: the branch point of
            // the generation the rollback began, which the healing's synced
            // blocks continue ([R-HEAL-3]). The completed rollback has left
            // the view by then ([R-PIPE-2]).
            if let Some(h) = &s.healing {
                if h.failure.is_none() && s.generation.0 > 0 && s.rollback.is_none() {
                    self.branches
                        .entry((s.shard, s.generation))
                        .or_insert((Generation(s.generation.0 - 1), h.base.height));
                }
            }
            let Some(RollbackView {
                phase,
                target: Some(target),
                ..
            }) = &s.rollback
            else {
                continue;
            };
            if *phase < RollbackPhase::RestoringState || s.generation.0 == 0 {
                continue;
            }
            let parent = Generation(s.generation.0 - 1);
            self.branches
                .entry((s.shard, s.generation))
                .or_insert((parent, target.height));
        }
    }

    /// The height up to which `generation`'s chain is inherited (0 if it
    /// starts at genesis).
    fn branch_height(&self, shard: ShardId, generation: Generation) -> Height {
        self.branches
            .get(&(shard, generation))
            .map_or(Height(0), |(_, h)| *h)
    }

    /// The generation whose honest block stands at `height` on
    /// `generation`'s chain: blocks at or below a branch point were
    /// produced by the generation it branched from.
    fn owner(&self, shard: ShardId, height: Height, generation: Generation) -> Generation {
        let mut g = generation;
        while let Some((parent, at)) = self.branches.get(&(shard, g)) {
            if height > *at {
                break;
            }
            g = *parent;
        }
        g
    }

    /// The honest chain of `shard` in `generation`: genesis, or the chain
    /// it branched from up to the branch height.
    fn chain(&mut self, shard: ShardId, generation: Generation) -> &mut Vec<(Hash32, Hash32)> {
        if !self.honest_chains.contains_key(&(shard, generation)) {
            let start = match self.branches.get(&(shard, generation)).copied() {
                Some((parent, at)) => {
                    // Make sure the parent chain reaches the branch height.
                    let _ = self.honest_block(shard, at, self.owner(shard, at, parent));
                    let parent_chain = self.chain(shard, parent).clone();
                    parent_chain.into_iter().take(at.0 as usize + 1).collect()
                }
                None => vec![([0u8; 32], compute_genesis_root(shard))],
            };
            self.honest_chains.insert((shard, generation), start);
        }
        self.honest_chains
            .get_mut(&(shard, generation))
            .expect("inserted above")
    }

    /// The honest block at `height` of `shard` produced in `generation`,
    /// with its id, derived by the adapter itself (not read from the
    /// engine), so that an engine that computes heads, ids or roots
    /// differently diverges. After a rollback a generation's chain branches
    /// from the target ([R-RB-4]): heights at or below the branch point
    /// were not produced in it, and have no honest block of it.
    pub fn honest_block(
        &mut self,
        shard: ShardId,
        height: Height,
        generation: Generation,
    ) -> Option<(Block, Hash32)> {
        if height.0 == 0
            || height.0 > Self::HONEST_CHAIN_MAX
            || height <= self.branch_height(shard, generation)
        {
            return None;
        }
        let block_at = |h: Height, parent: Hash32, previous_root: &Hash32| {
            let transactions = Adapter::honest_transactions(shard, h, generation);
            let state_root = compute_state_root(previous_root, &transactions);
            Block {
                shard,
                height: h,
                parent,
                transactions,
                state_root,
            }
        };
        let chain = self.chain(shard, generation);
        while chain.len() as u64 <= height.0 {
            let (parent, previous_root) = *chain.last().expect("genesis is always there");
            let block = block_at(Height(chain.len() as u64), parent, &previous_root);
            chain.push((compute_block_id(&block), block.state_root));
        }
        let (parent, previous_root) = chain[height.0 as usize - 1];
        let (id, root) = chain[height.0 as usize];
        if self.params.is_shard(shard) {
            self.register_root(shard, StateRoot::Block { height, generation }, root);
        }
        Some((block_at(height, parent, &previous_root), id))
    }

    /// The transactions of the honest block at `height` in `generation`.
    pub fn honest_transactions(
        shard: ShardId,
        height: Height,
        generation: Generation,
    ) -> Vec<Transaction> {
        vec![Transaction {
            key: (height.0 % u64::from(u32::MAX)) as u32,
            value: u64::from(shard.0) << 48 ^ generation.0 << 32 ^ height.0,
        }]
    }

    /// The concrete root standing for `root` on `shard`. Roots of honest
    /// blocks are known once produced; others get a synthetic, deterministic
    /// hash that no execution produces.
    pub fn concrete_root(&mut self, shard: ShardId, root: StateRoot) -> Hash32 {
        if let Some(c) = self.root_concrete.get(&(shard, root)) {
            return *c;
        }
        if let StateRoot::Block { height, generation } = root {
            if let Some((block, _)) = self.honest_block(shard, height, generation) {
                // `honest_block` registered it for a known shard.
                if !self.params.is_shard(shard) {
                    self.register_root(shard, root, block.state_root);
                }
                return block.state_root;
            }
        }
        let c = match root {
            StateRoot::Genesis => compute_genesis_root(shard),
            StateRoot::Block { height, generation } => tagged_hash(
                "mend/test/unproduced-root",
                &[shard.0.into(), height.0, generation.0],
            ),
            StateRoot::Forged { height, nonce } => tagged_hash(
                "mend/test/forged-root",
                &[shard.0.into(), height.0, nonce.into()],
            ),
        };
        self.register_root(shard, root, c);
        c
    }

    fn concrete_parent(&mut self, shard: ShardId, parent: ParentLink) -> Option<Hash32> {
        match parent {
            ParentLink::Genesis => None,
            link @ ParentLink::Checkpoint {
                epoch,
                height,
                root,
            } => {
                if let Some(id) = self.link_concrete.get(&(shard, link)) {
                    return Some(*id);
                }
                // A parent no action has named yet: a synthetic id that no
                // body hashes to, remembered so it maps back.
                let root = self.concrete_root(shard, root);
                let mut parts = vec![shard.0.into(), epoch.0, height.0];
                parts.extend(root.chunks(8).map(|c| {
                    u64::from_le_bytes(
                        c.try_into()
                            .expect("a 32-byte root splits into 8-byte words"),
                    )
                }));
                let id = tagged_hash("mend/test/unnamed-parent", &parts);
                self.link_concrete.insert((shard, link), id);
                self.link_abstract.insert(id, link);
                Some(id)
            }
        }
    }

    /// The concrete body and id of an abstract checkpoint, remembered for the
    /// way back.
    pub fn concrete_checkpoint(&mut self, c: &Checkpoint) -> (CheckpointBody, Hash32) {
        let body = CheckpointBody {
            shard: c.shard,
            epoch: c.epoch,
            height: c.height,
            state_root: self.concrete_root(c.shard, c.root),
            parent: self.concrete_parent(c.shard, c.parent),
        };
        let id = compute_checkpoint_id(&body);
        self.checkpoint_abstract.entry(id).or_insert(*c);
        self.link_concrete.entry((c.shard, c.link())).or_insert(id);
        self.link_abstract.entry(id).or_insert(c.link());
        (body, id)
    }

    /// Records that the engine finalized `id`. An abstract parent link names
    /// a checkpoint by epoch, height and root only, so several concrete
    /// checkpoints (with different parents, such as a rejected proposal's)
    /// can share one link; the finalized one is the only one a later
    /// checkpoint can extend, so from now on the link stands for it.
    pub fn note_finalized(&mut self, id: &Hash32) {
        if let Some(c) = self.checkpoint_abstract.get(id) {
            self.link_concrete.insert((c.shard, c.link()), *id);
        }
    }

    fn sign(&self, signer: ValidatorId, signature: Signature, bytes: &[u8]) -> SignatureBytes {
        let key = match signature {
            Signature::Valid | Signature::Corrupt => test_signing_key(signer),
            Signature::OtherKey => {
                let total = self.params.validators().max(1);
                test_signing_key(ValidatorId((signer.0.wrapping_add(1)) % total))
            }
        };
        let mut sig = key.sign(bytes).to_bytes();
        if signature == Signature::Corrupt {
            sig[0] ^= 0x01;
        }
        SignatureBytes(sig)
    }

    /// The concrete message for `action` in the abstract state `view` (the
    /// model's view before the step). Blocks follow the head the model
    /// expects, on the adapter's own honest chain: an engine whose head went
    /// elsewhere rejects them, and the traces diverge.
    pub fn to_message(&mut self, action: &Action, view: &View) -> Message {
        self.note_branches(view);
        match *action {
            Action::ProduceBlock { shard, fault } => {
                let (head_height, generation) = view
                    .shards
                    .get(usize::from(shard.0))
                    .map_or((Height(0), Generation(0)), |s| (s.height, s.generation));
                let height = head_height.next().unwrap_or(head_height);
                let mut block = match self.honest_block(shard, height, generation) {
                    Some((block, _)) => block,
                    None => {
                        // An unknown shard or an absurd height: a block on genesis.
                        let transactions = Adapter::honest_transactions(shard, height, generation);
                        let state_root =
                            compute_state_root(&compute_genesis_root(shard), &transactions);
                        Block {
                            shard,
                            height,
                            parent: [0u8; 32],
                            transactions,
                            state_root,
                        }
                    }
                };
                match fault {
                    BlockFault::None => {}
                    BlockFault::TooManyTransactions => {
                        block.transactions = (0..=TRANSACTIONS_PER_BLOCK_MAX as u32)
                            .map(|key| Transaction { key, value: 0 })
                            .collect();
                    }
                    BlockFault::WrongHeight => block.height = head_height,
                    BlockFault::WrongParent => {
                        block.parent = tagged_hash("mend/test/wrong-parent", &[shard.0.into()])
                    }
                    BlockFault::WrongRoot => {
                        block.state_root = tagged_hash("mend/test/wrong-root", &[shard.0.into()])
                    }
                    BlockFault::Unordered => {
                        block.transactions = Adapter::unordered_transactions(shard, height)
                    }
                }
                Message::Block(block)
            }
            Action::ProposeCheckpoint(p) => Message::Proposal(self.signed_proposal(&p)),
            Action::CastVote(v) => Message::Vote(self.signed_vote(&v)),
            Action::SubmitEvidence(e) => Message::Evidence(self.concrete_evidence(&e)),
            Action::AdvanceEpoch { epoch } => Message::AdvanceEpoch { epoch },
            Action::PrepareXtx(p) => Message::PrepareXtx(EngineXtxPrepare {
                id: p.id,
                source: p.source,
                destination: p.destination,
                key: p.key,
            }),
            Action::CastXtxVote(v) => Message::XtxVote(self.signed_xtx_vote(&v)),
            Action::AdvanceRollback { shard } => Message::AdvanceRollback { shard },
            Action::AdvanceHealing { shard } => Message::AdvanceHealing { shard },
        }
    }

    /// The concrete signed cross-shard vote for an abstract one ([R-XTX-3]).
    pub fn signed_xtx_vote(&self, v: &XtxVote) -> SignedXtxVote {
        let vote = XtxVoteBody {
            voter: v.voter,
            id: v.id,
            shard: v.shard,
            generation: v.generation,
            decision: v.decision,
        };
        let signature = self.sign(v.voter, v.signature, &xtx_vote_signing_bytes(&vote));
        SignedXtxVote { vote, signature }
    }

    /// The concrete signed proposal for an abstract one.
    pub fn signed_proposal(&mut self, p: &Proposal) -> SignedProposal {
        let (body, id) = self.concrete_checkpoint(&p.checkpoint);
        let bytes =
            proposal_signing_bytes(p.checkpoint.shard, p.checkpoint.epoch, p.generation, &id);
        let signature = self.sign(p.proposer, p.signature, &bytes);
        SignedProposal {
            proposer: p.proposer,
            generation: p.generation,
            checkpoint: body,
            signature,
        }
    }

    /// The concrete signed vote for an abstract one.
    pub fn signed_vote(&mut self, v: &Vote) -> SignedVote {
        let (body, id) = self.concrete_checkpoint(&v.checkpoint);
        let bytes = vote_signing_bytes(v.shard, v.epoch, v.generation, &id);
        let signature = self.sign(v.validator, v.signature, &bytes);
        SignedVote {
            validator: v.validator,
            shard: v.shard,
            epoch: v.epoch,
            generation: v.generation,
            checkpoint: body,
            signature,
        }
    }

    /// The root of `shard` at `height` on the honest chain of `generation`
    /// ([R-FAULT-2]): genesis at 0; a height at or below a branch point has
    /// the root of the generation that produced it.
    fn chain_root(&mut self, shard: ShardId, height: Height, generation: Generation) -> Hash32 {
        if height.0 == 0 {
            return compute_genesis_root(shard);
        }
        let generation = self.owner(shard, height, generation);
        self.concrete_root(shard, StateRoot::Block { height, generation })
    }

    /// Two transactions in descending key order ([R-BLK-3] broken).
    fn unordered_transactions(shard: ShardId, height: Height) -> Vec<Transaction> {
        let value = u64::from(shard.0) << 48 ^ height.0;
        vec![Transaction { key: 2, value }, Transaction { key: 1, value }]
    }

    /// The concrete signed block claim for an abstract one ([R-FAULT-1]): its
    /// parent root is the chain's root at `height - 1`; its transactions and
    /// post root follow its content.
    pub fn signed_claim(&mut self, c: &BlockClaim) -> SignedBlockClaim {
        let parent_height = Height(c.height.0.saturating_sub(1));
        let parent_root = self.chain_root(c.shard, parent_height, c.generation);
        let transactions = match c.content {
            ClaimContent::Honest | ClaimContent::WrongRoot => {
                Adapter::honest_transactions(c.shard, c.height, c.generation)
            }
            ClaimContent::Unordered => Adapter::unordered_transactions(c.shard, c.height),
        };
        let post_root = match c.content {
            ClaimContent::Honest | ClaimContent::Unordered => {
                compute_state_root(&parent_root, &transactions)
            }
            ClaimContent::WrongRoot => tagged_hash(
                "mend/test/wrong-claim-root",
                &[c.shard.0.into(), c.height.0, c.generation.0],
            ),
        };
        let claim = EngineBlockClaim {
            producer: c.producer,
            shard: c.shard,
            epoch: c.epoch,
            generation: c.generation,
            height: c.height,
            parent_root,
            transactions,
            post_root,
        };
        let signature = self.sign(c.producer, c.signature, &block_claim_signing_bytes(&claim));
        SignedBlockClaim { claim, signature }
    }

    /// The concrete evidence for abstract evidence ([R-FAULT-1]).
    pub fn concrete_evidence(&mut self, e: &Evidence) -> EngineEvidence {
        match e {
            Evidence::StateRootMismatch { vote } => {
                EngineEvidence::StateRootMismatch(self.signed_vote(vote))
            }
            Evidence::Equivocation { first, second } => {
                EngineEvidence::Equivocation(self.signed_vote(first), self.signed_vote(second))
            }
            Evidence::InvalidReceipt { receipt: r } => {
                let receipt = EngineReceipt {
                    signer: r.signer,
                    source: r.source,
                    destination: r.destination,
                    epoch: r.epoch,
                    generation: r.generation,
                    height: r.height,
                    root: self.concrete_root(r.source, r.root),
                };
                let signature = self.sign(r.signer, r.signature, &receipt_signing_bytes(&receipt));
                EngineEvidence::InvalidReceipt(SignedReceipt { receipt, signature })
            }
            Evidence::ExecutionFailure { claim } => {
                EngineEvidence::ExecutionFailure(self.signed_claim(claim))
            }
            Evidence::Liveness { shard } => EngineEvidence::Liveness { shard: *shard },
            Evidence::CheckpointStateMismatch { proposal } => {
                EngineEvidence::CheckpointStateMismatch(self.signed_proposal(proposal))
            }
            Evidence::OrderingViolation { claim } => {
                EngineEvidence::OrderingViolation(self.signed_claim(claim))
            }
        }
    }

    fn abstract_root(&self, shard: ShardId, root: &Hash32) -> Result<StateRoot, MappingError> {
        self.root_abstract
            .get(&(shard, *root))
            .copied()
            .ok_or(MappingError::UnknownRoot { shard, root: *root })
    }

    fn abstract_checkpoint_by_id(&self, id: &Hash32) -> Result<Checkpoint, MappingError> {
        self.checkpoint_abstract
            .get(id)
            .copied()
            .ok_or(MappingError::UnknownCheckpoint { id: *id })
    }

    /// The abstract checkpoint a concrete body stands for.
    pub fn abstract_checkpoint(&self, body: &CheckpointBody) -> Result<Checkpoint, MappingError> {
        let id = compute_checkpoint_id(body);
        let c = self.abstract_checkpoint_by_id(&id)?;
        // Cross-check the parts, so that a mapping slip cannot hide a bug.
        let parent = match body.parent {
            None => ParentLink::Genesis,
            Some(p) => *self
                .link_abstract
                .get(&p)
                .ok_or(MappingError::UnknownParent { id: p })?,
        };
        let mapped = Checkpoint {
            shard: body.shard,
            epoch: body.epoch,
            height: body.height,
            root: self.abstract_root(body.shard, &body.state_root)?,
            parent,
        };
        if mapped != c {
            return Err(MappingError::UnknownCheckpoint { id });
        }
        Ok(c)
    }

    /// Maps the engine's events to abstract ones, in the engine's order.
    pub fn abstract_events(&self, events: &[EngineEvent]) -> Result<Vec<Event>, MappingError> {
        events
            .iter()
            .map(|e| {
                Ok(match e {
                    EngineEvent::BlockAppended {
                        shard,
                        height,
                        root,
                    } => Event::BlockAppended {
                        shard: *shard,
                        height: *height,
                        root: self.abstract_root(*shard, root)?,
                    },
                    EngineEvent::CheckpointProposed { body, .. } => Event::CheckpointProposed {
                        checkpoint: self.abstract_checkpoint(body)?,
                    },
                    EngineEvent::VoteCounted { validator, id } => Event::VoteCounted {
                        validator: *validator,
                        checkpoint: self.abstract_checkpoint_by_id(id)?,
                    },
                    EngineEvent::EquivocationRecorded { validator, id } => {
                        Event::EquivocationRecorded {
                            validator: *validator,
                            checkpoint: self.abstract_checkpoint_by_id(id)?,
                        }
                    }
                    EngineEvent::CheckpointFinalized { id } => Event::CheckpointFinalized {
                        checkpoint: self.abstract_checkpoint_by_id(id)?,
                    },
                    EngineEvent::PendingDropped { shard, count } => Event::PendingDropped {
                        shard: *shard,
                        count: *count,
                    },
                    EngineEvent::CheckpointPruned { id } => Event::CheckpointPruned {
                        checkpoint: self.abstract_checkpoint_by_id(id)?,
                    },
                    EngineEvent::EpochAdvanced { epoch } => Event::EpochAdvanced { epoch: *epoch },
                    EngineEvent::PendingExpired { shard, count } => Event::PendingExpired {
                        shard: *shard,
                        count: *count,
                    },
                    EngineEvent::FaultDetected { shard, fault, id } => {
                        check_fault_id(*shard, fault, id)?;
                        Event::FaultDetected {
                            shard: *shard,
                            fault: *fault,
                        }
                    }
                    EngineEvent::StatusChanged {
                        shard,
                        from,
                        to,
                        cause,
                        cause_id,
                    } => {
                        check_fault_id(*shard, cause, cause_id)?;
                        Event::StatusChanged {
                            shard: *shard,
                            from: *from,
                            to: *to,
                            cause: *cause,
                        }
                    }
                    EngineEvent::FaultsExpired { shard, count } => Event::FaultsExpired {
                        shard: *shard,
                        count: *count,
                    },
                    EngineEvent::XtxPrepared { id } => Event::XtxPrepared { id: *id },
                    EngineEvent::XtxVoteCounted {
                        id,
                        shard,
                        decision,
                    } => Event::XtxVoteCounted {
                        id: *id,
                        shard: *shard,
                        decision: *decision,
                    },
                    EngineEvent::XtxCommitted { id } => Event::XtxCommitted { id: *id },
                    EngineEvent::XtxAborted { id } => Event::XtxAborted { id: *id },
                    EngineEvent::LockReleased { shard, key, xtx } => Event::LockReleased {
                        shard: *shard,
                        key: *key,
                        xtx: *xtx,
                    },
                    EngineEvent::RollbackAdvanced { shard, phase } => Event::RollbackAdvanced {
                        shard: *shard,
                        phase: *phase,
                    },
                    EngineEvent::StateRestored {
                        shard,
                        height,
                        root,
                        generation,
                    } => Event::StateRestored {
                        shard: *shard,
                        height: *height,
                        root: self.abstract_root(*shard, root)?,
                        generation: *generation,
                    },
                    EngineEvent::RollbackFailed { shard, reason } => Event::RollbackFailed {
                        shard: *shard,
                        reason: *reason,
                    },
                    EngineEvent::ValidatorSlashed {
                        validator,
                        shard,
                        reason,
                        window,
                        penalty,
                        tombstoned,
                    } => Event::ValidatorSlashed {
                        validator: *validator,
                        shard: *shard,
                        reason: *reason,
                        window: *window,
                        penalty: *penalty,
                        tombstoned: *tombstoned,
                    },
                    EngineEvent::CommitteeReassigned { shard, committee } => {
                        Event::CommitteeReassigned {
                            shard: *shard,
                            committee: committee.clone(),
                        }
                    }
                    EngineEvent::HealingAdvanced { shard, stage } => Event::HealingAdvanced {
                        shard: *shard,
                        stage: *stage,
                    },
                    EngineEvent::HealingFailed { shard, reason } => Event::HealingFailed {
                        shard: *shard,
                        reason: *reason,
                    },
                    EngineEvent::PipelineAdvanced { shard, stage } => Event::PipelineAdvanced {
                        shard: *shard,
                        stage: *stage,
                    },
                })
            })
            .collect()
    }

    /// Maps the engine's snapshot to the abstract view, in the view's
    /// canonical orders.
    pub fn abstract_view(&self, snapshot: &EngineView) -> Result<View, MappingError> {
        let mut shards = Vec::with_capacity(snapshot.shards.len());
        for s in &snapshot.shards {
            let ascending = |ids: &[ValidatorId], list| {
                if ids.windows(2).all(|w| w[0] <= w[1]) {
                    Ok(ids.to_vec())
                } else {
                    Err(MappingError::NotCanonical {
                        shard: s.shard,
                        list,
                    })
                }
            };
            let mut pending = Vec::with_capacity(s.pending.len());
            for (body, votes) in &s.pending {
                let votes = ascending(votes, "pending votes")?;
                pending.push(PendingCheckpoint {
                    checkpoint: self.abstract_checkpoint(body)?,
                    votes,
                });
            }
            // Concrete ids order pending checkpoints differently from the
            // abstract order; re-sorting them renames, it changes no content.
            pending.sort();
            let mut finalized = Vec::with_capacity(s.finalized.len());
            for (body, signers) in &s.finalized {
                let signers = ascending(signers, "certificate signers")?;
                finalized.push(FinalizedCheckpoint {
                    checkpoint: self.abstract_checkpoint(body)?,
                    signers,
                });
            }
            let mut equivocations = Vec::with_capacity(s.equivocations.len());
            for (validator, a, b) in &s.equivocations {
                let (a, b) = (self.abstract_checkpoint(a)?, self.abstract_checkpoint(b)?);
                equivocations.push(Equivocation {
                    validator: *validator,
                    first: a.min(b),
                    second: a.max(b),
                });
            }
            equivocations.sort();
            let committee = ascending(&s.committee, "committee")?;
            if !s.faults.windows(2).all(|w| w[0] < w[1]) {
                return Err(MappingError::NotCanonical {
                    shard: s.shard,
                    list: "open faults",
                });
            }
            if !s.locks.windows(2).all(|w| w[0].key < w[1].key) {
                return Err(MappingError::NotCanonical {
                    shard: s.shard,
                    list: "locks",
                });
            }
            let rollback = match &s.rollback {
                None => None,
                Some(r) => {
                    if !r.aborted.windows(2).all(|w| w[0] < w[1]) {
                        return Err(MappingError::NotCanonical {
                            shard: s.shard,
                            list: "aborted transactions",
                        });
                    }
                    let target = match &r.target {
                        None => None,
                        Some(body) => Some(self.abstract_checkpoint(body)?),
                    };
                    Some(RollbackView {
                        phase: r.phase,
                        cause: r.cause,
                        target,
                        from_height: r.from_height,
                        from_root: self.abstract_root(s.shard, &r.from_root)?,
                        aborted: r.aborted.clone(),
                        failure: r.failure,
                    })
                }
            };
            let healing = match &s.healing {
                None => None,
                Some(h) => Some(HealingView {
                    stage: h.stage,
                    cause: h.cause,
                    base: self.abstract_checkpoint(&h.base)?,
                    failure: h.failure,
                }),
            };
            shards.push(ShardView {
                shard: s.shard,
                status: s.status,
                generation: s.generation,
                height: s.height,
                head_root: self.abstract_root(s.shard, &s.head_root)?,
                committee,
                pending,
                finalized,
                equivocations,
                last_block_epoch: s.last_block_epoch,
                faults: s.faults.clone(),
                locks: s.locks.clone(),
                rollback,
                healing,
                pipeline: s.pipeline,
            });
        }
        if !snapshot.transactions.windows(2).all(|w| w[0].id < w[1].id) {
            return Err(MappingError::NotCanonical {
                shard: ShardId(0),
                list: "cross-shard transactions",
            });
        }
        // The engine's records, with concrete roots and fault ids mapped
        // back, chained with the abstract hash ([R-AUDIT-3]). The engine's own
        // chain is checked by `Engine::verify_audit_chain` in lockstep.
        let mut audit: Vec<AuditRecord> = Vec::with_capacity(snapshot.audit.len());
        for r in &snapshot.audit {
            // The fault a status change or rollback names by id; a slash's
            // fault is checked inside `recovery_entry`.
            let fault_of = || {
                r.cause.ok_or(MappingError::MissingCause {
                    index: r.record.index,
                })
            };
            let entry = match &r.record.entry {
                EngineAuditEntry::StatusChange {
                    shard,
                    from,
                    to,
                    cause,
                    root_before,
                    root_after,
                } => {
                    let fault = fault_of()?;
                    check_fault_id(*shard, &fault, cause)?;
                    AuditEntry::StatusChange {
                        shard: *shard,
                        from: *from,
                        to: *to,
                        cause: fault,
                        root_before: self.abstract_root(*shard, root_before)?,
                        root_after: self.abstract_root(*shard, root_after)?,
                    }
                }
                EngineAuditEntry::Rollback {
                    shard,
                    cause,
                    target,
                    height_before,
                    root_before,
                    root_after,
                    generation,
                } => {
                    let fault = fault_of()?;
                    check_fault_id(*shard, &fault, cause)?;
                    let body = r
                        .target
                        .filter(|b| compute_checkpoint_id(b) == *target)
                        .ok_or(MappingError::WrongTargetId { shard: *shard })?;
                    AuditEntry::Rollback {
                        shard: *shard,
                        cause: fault,
                        target: self.abstract_checkpoint(&body)?,
                        height_before: *height_before,
                        root_before: self.abstract_root(*shard, root_before)?,
                        root_after: self.abstract_root(*shard, root_after)?,
                        generation: *generation,
                    }
                }
                EngineAuditEntry::Slash { shard, .. } => {
                    r.recovery_entry().ok_or(MappingError::WrongFaultId {
                        shard: *shard,
                        fault: fault_of()?,
                    })?
                }
                EngineAuditEntry::Reassignment { .. } => {
                    r.recovery_entry().ok_or(MappingError::MissingCause {
                        index: r.record.index,
                    })?
                }
            };
            let previous = audit
                .last()
                .map_or(mend_spec::audit::AUDIT_GENESIS_HASH, |a| a.hash);
            audit.push(AuditRecord {
                index: r.record.index,
                epoch: r.record.epoch,
                hash: compute_audit_hash(&previous, r.record.index, r.record.epoch, &entry),
                entry,
            });
        }
        if !snapshot
            .validators
            .windows(2)
            .all(|w| w[0].validator < w[1].validator)
        {
            return Err(MappingError::NotCanonical {
                shard: ShardId(0),
                list: "validators",
            });
        }
        Ok(View {
            epoch: snapshot.epoch,
            shards,
            validators: snapshot.validators.clone(),
            transactions: snapshot.transactions.clone(),
            audit,
        })
    }
}

/// Checks that `id` is the fault id of `fault` on `shard` ([R-FAULT-4]).
fn check_fault_id(shard: ShardId, fault: &Fault, id: &Hash32) -> Result<(), MappingError> {
    if compute_fault_id(shard, fault) == *id {
        Ok(())
    } else {
        Err(MappingError::WrongFaultId {
            shard,
            fault: *fault,
        })
    }
}
