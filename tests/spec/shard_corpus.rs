//! Sharding over the real-world corpus: for every spec and N = 1..8 the
//! shards (`--shard K/N`, src/probes/shard.rs) partition the operations
//! exactly (none twice, none missing), balanced by probes, and the split
//! is the same when the spec is read again (no state, no random hasher).

use crate::common;

use apiprobe::generate::Payloads;
use apiprobe::probes::{PlanOptions, Shard, ShardSpec, partition, shard_key, weights};

/// FNV-1a (64-bit) of `text`, written out here so that a change of the
/// shard key (which would move operations between shards of a running
/// matrix) fails a test.
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[test]
fn shards_partition_every_corpus_spec_the_same_way_every_time() {
    let payloads = Payloads::builtin();
    let options = PlanOptions::default();
    let mut specs = 0;
    let mut operations = 0;
    for folder in common::corpus::FOLDERS {
        for (n, (path, _)) in common::corpus::specs(folder).into_iter().enumerate() {
            let Ok(api) = apiprobe::spec::load_path(&path) else {
                continue;
            };
            if api.operations.is_empty() {
                continue;
            }
            specs += 1;
            operations += api.operations.len();
            let all: Vec<usize> = (0..api.operations.len()).collect();
            for op in &api.operations {
                if op.key_rest.is_none() {
                    let text = format!("{} {}", op.method.as_str(), op.path);
                    assert_eq!(shard_key(op), fnv1a(&text), "{text}");
                }
            }
            let weighed = weights(&api, &all, &payloads, &options);
            let total: usize = weighed.iter().map(|w| w.1).sum();
            let heaviest = weighed.iter().map(|w| w.1).max().unwrap_or(0);
            for count in 1..=8u32 {
                let parts = partition(&api, &weighed, count);
                let mut seen: Vec<usize> = parts.iter().flatten().copied().collect();
                seen.sort_unstable();
                assert_eq!(seen, all, "{} in {count} shards", path.display());
                for part in &parts {
                    let load: usize = part
                        .iter()
                        .map(|&i| weighed.iter().find(|w| w.0 == i).map_or(0, |w| w.1))
                        .sum();
                    assert!(
                        load <= total / count as usize + heaviest,
                        "{} in {count} shards: a shard of {load} of {total} probes",
                        path.display()
                    );
                }
                // what the CLI computes for each shard is the same part
                for (k, part) in parts.iter().enumerate() {
                    let spec = ShardSpec::new(k as u32 + 1, count).expect("a shard");
                    let shard = Shard::of(&api, &all, &payloads, &options, spec);
                    assert_eq!(&shard.operations, part, "{}", path.display());
                    assert_eq!(shard.total, all.len());
                }
            }
            // read again (every 8th spec, to keep the test short): the same split
            if n % 8 == 0 {
                let again = apiprobe::spec::load_path(&path).expect("loads again");
                let weighed_again = weights(&again, &all, &payloads, &options);
                for count in 1..=8u32 {
                    assert_eq!(
                        partition(&api, &weighed, count),
                        partition(&again, &weighed_again, count),
                        "{}",
                        path.display()
                    );
                }
            }
        }
    }
    eprintln!("shards: {specs} corpus specs, {operations} operations, N = 1..8");
    assert!(specs > 100, "the corpus is missing: {specs} specs");
}
