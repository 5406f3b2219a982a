//! Which shard a scan is: `--shard K/N` (or `APIPROBE_SHARD`, which clap
//! reads), or `--shards N` with the number from `JOB_COMPLETION_INDEX`
//! (0 to N-1), the variable a Kubernetes Indexed Job sets in each pod.

use apiprobe::probes::ShardSpec;

/// The variable a Kubernetes Indexed Job sets to each pod's index.
pub const JOB_INDEX: &str = "JOB_COMPLETION_INDEX";

/// The shard to scan, if any, from `--shard`/`APIPROBE_SHARD` (`given`),
/// `--shards` and the environment as `env` reads it (a parameter, so that
/// tests never change the process's environment).
pub fn resolve(
    given: Option<ShardSpec>,
    shards: Option<u32>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Option<ShardSpec>, String> {
    let Some(count) = shards else {
        return Ok(given);
    };
    if given.is_some() {
        return Err("give --shard K/N (or APIPROBE_SHARD) or --shards N, not both".to_owned());
    }
    let Some(text) = env(JOB_INDEX) else {
        return Err(format!(
            "--shards {count} takes this shard's number from {JOB_INDEX} (set by a Kubernetes Indexed Job), which is not set; elsewhere give --shard K/{count}"
        ));
    };
    let index = text
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|&i| i < count)
        .ok_or_else(|| {
            format!(
                "{JOB_INDEX}={text:?} is not a shard index from 0 to {} (--shards {count})",
                count - 1
            )
        })?;
    ShardSpec::new(index + 1, count)
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(value: Option<&str>) -> impl Fn(&str) -> Option<String> {
        let value = value.map(str::to_owned);
        move |name| {
            if name == JOB_INDEX {
                value.clone()
            } else {
                None
            }
        }
    }

    #[test]
    fn the_job_index_numbers_shards_from_zero() {
        let two_of_three = ShardSpec::new(2, 3).ok();
        assert_eq!(resolve(None, Some(3), env(Some("1"))), Ok(two_of_three));
        assert_eq!(resolve(two_of_three, None, env(None)), Ok(two_of_three));
        assert_eq!(resolve(None, None, env(Some("1"))), Ok(None));
        for bad in ["3", "-1", "x", ""] {
            let e = resolve(None, Some(3), env(Some(bad))).unwrap_err();
            assert!(e.contains(JOB_INDEX), "{e}");
        }
        assert!(
            resolve(None, Some(3), env(None))
                .unwrap_err()
                .contains("not set")
        );
        assert!(
            resolve(two_of_three, Some(3), env(Some("0")))
                .unwrap_err()
                .contains("not both")
        );
    }
}
