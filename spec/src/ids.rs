//! Identifiers and counters shared by every part of the protocol ([R-DEF-1]).
//!
//! Each is a newtype so that a shard id can never be passed where a validator
//! id is expected. All of them are ordered: every iteration over ids, in the
//! model and in the engine, is in ascending order ([R-DET-0]).

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(
            Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }
    };
}

id_type!(
    /// A shard, numbered `0..shards`.
    ShardId(u16),
    "s"
);
id_type!(
    /// A validator, numbered `0..shards * committee_size` at genesis.
    ValidatorId(u16),
    "v"
);
id_type!(
    /// A block height within one shard; the genesis state is height 0.
    Height(u64),
    "h"
);
id_type!(
    /// The global epoch counter; it never decreases.
    Epoch(u64),
    "e"
);
id_type!(
    /// A shard's rollback generation; it increases with every rollback.
    Generation(u64),
    "g"
);
id_type!(
    /// A cross-shard transaction ([R-XTX-1]); ids are never reused.
    XtxId(u32),
    "x"
);

impl Height {
    /// The height after this one, or `None` on overflow.
    pub fn next(self) -> Option<Height> {
        self.0.checked_add(1).map(Height)
    }
}

impl Epoch {
    /// The epoch after this one, or `None` on overflow.
    pub fn next(self) -> Option<Epoch> {
        self.0.checked_add(1).map(Epoch)
    }
}
