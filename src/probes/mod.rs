//! What to try: for every operation, the list of probes a scan sends (so many
//! valid, boundary, schema-violating and attack cases, undeclared methods,
//! required headers left out), and how each probe becomes a concrete case.
//!
//! - `plan`: [`Plan`] and [`PlanOptions`], the probes of a whole scan in order.
//! - `profile`: [`Profile`], how hard the probes push (`--profile`).
//! - `destructive`: [`destructive`], operations that reset or wipe state
//!   (sent once, alone, after every other probe).
//! - `discovery`: [`Discovery`], how far a scan looks for undocumented endpoints.
//! - `realise`: a [`Probe`] plus a source of choices becomes a [`Case`](crate::generate::Case).
//! - `resources`: [`Resources`], which operation produces the ids another
//!   consumes (links, creation on a collection, listing).
//! - `filter`: [`Filter`], which operations a scan covers.
//! - `shard`: [`Shard`], a deterministic part of a scan's operations (`--shard K/N`).

mod destructive;
mod discovery;
mod filter;
mod plan;
mod profile;
mod realise;
mod resources;
mod shard;

pub use destructive::{Destructive, destructive, destructive_path};
pub use discovery::Discovery;
pub use filter::{Filter, FilterError, Matcher};
pub(crate) use plan::is_read_only;
pub use plan::{Plan, PlanOptions, Probe, ProbeKind};
pub use profile::Profile;
pub(crate) use realise::probe_seed;
pub use realise::{adapt, realise};
pub use resources::{Binding, IdSource, Inference, Resources};
pub use shard::{MAX_SHARDS, Shard, ShardError, ShardSpec, key as shard_key, partition, weights};
