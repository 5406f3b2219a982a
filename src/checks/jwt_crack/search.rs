//! Trying a list of keys, or every number of some digits, against one
//! token on every core (`std::thread::scope`), stopping at the first key
//! that signs it or at the deadline.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Instant;

use super::hmac_fast::Target;

/// Keys tried between two looks at the deadline and the other threads.
const STRIDE: usize = 4096;

/// Lists shorter than this are tried on the calling thread alone.
const SMALL: usize = 4096;

/// How one search ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// This key signs the token.
    Found(Vec<u8>),
    /// No key did; this many were tried.
    Exhausted(u64),
    /// The deadline came after this many keys.
    OutOfTime(u64),
}

/// Threads and deadline of a search.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Threads to run on (at least one).
    pub threads: usize,
    /// When to give up.
    pub deadline: Instant,
}

impl Limits {
    /// Every core the machine offers, until `deadline`.
    pub fn all_cores(deadline: Instant) -> Limits {
        Limits {
            threads: thread::available_parallelism().map_or(1, |n| n.get()),
            deadline,
        }
    }
}

/// Tries each of `keys`.
pub fn list<K: AsRef<[u8]> + Sync>(target: &Target, keys: &[K], limits: Limits) -> Step {
    let threads = if keys.len() < SMALL {
        1
    } else {
        limits.threads.max(1)
    };
    let found = AtomicUsize::new(usize::MAX);
    let stop = AtomicBool::new(false);
    let late = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let chunk = keys.len().div_ceil(threads).max(1);
    let work = |start: usize, part: &[K]| {
        let mut n = 0u64;
        for (i, key) in part.iter().enumerate() {
            if i.is_multiple_of(STRIDE) && i > 0 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if Instant::now() >= limits.deadline {
                    late.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
            n += 1;
            if target.matches(key.as_ref()) {
                found.fetch_min(start + i, Ordering::Relaxed);
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
        tried.fetch_add(n, Ordering::Relaxed);
    };
    if threads == 1 {
        work(0, keys);
    } else {
        thread::scope(|s| {
            for (k, part) in keys.chunks(chunk).enumerate() {
                let work = &work;
                s.spawn(move || work(k * chunk, part));
            }
        });
    }
    let tried = tried.into_inner();
    match keys.get(found.into_inner()) {
        Some(key) => Step::Found(key.as_ref().to_vec()),
        None if late.into_inner() => Step::OutOfTime(tried),
        None => Step::Exhausted(tried),
    }
}

/// Adds one to a decimal number written in ASCII digits (wrapping).
fn increment(digits: &mut [u8]) {
    for d in digits.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return;
        }
    }
}

/// Tries every number written with exactly `width` digits, leading zeros
/// included (`000000` to `999999` for 6).
pub fn numbers(target: &Target, width: u32, limits: Limits) -> Step {
    let Some(space) = 10u64.checked_pow(width) else {
        return Step::Exhausted(0);
    };
    let threads = if space < SMALL as u64 {
        1
    } else {
        limits.threads.max(1) as u64
    };
    let chunk = space.div_ceil(threads);
    let found = AtomicU64::new(u64::MAX);
    let stop = AtomicBool::new(false);
    let late = AtomicBool::new(false);
    let tried = AtomicU64::new(0);
    let width_usize = width as usize;
    let work = |from: u64, to: u64| {
        let mut key = format!("{from:0width_usize$}").into_bytes();
        let mut n = 0u64;
        for value in from..to {
            if n.is_multiple_of(STRIDE as u64) && n > 0 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if Instant::now() >= limits.deadline {
                    late.store(true, Ordering::Relaxed);
                    stop.store(true, Ordering::Relaxed);
                    break;
                }
            }
            n += 1;
            if target.matches(&key) {
                found.fetch_min(value, Ordering::Relaxed);
                stop.store(true, Ordering::Relaxed);
                break;
            }
            increment(&mut key);
        }
        tried.fetch_add(n, Ordering::Relaxed);
    };
    if threads == 1 {
        work(0, space);
    } else {
        thread::scope(|s| {
            for k in 0..threads {
                let work = &work;
                let from = k * chunk;
                let to = ((k + 1) * chunk).min(space);
                s.spawn(move || work(from, to));
            }
        });
    }
    let tried = tried.into_inner();
    match found.into_inner() {
        u64::MAX if late.into_inner() => Step::OutOfTime(tried),
        u64::MAX => Step::Exhausted(tried),
        value => Step::Found(format!("{value:0width_usize$}").into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::hmac_fast::Alg;
    use super::*;
    use hmac::{Hmac, Mac};
    use sha2::Sha256;
    use std::time::Duration;

    fn target(key: &[u8]) -> Target {
        let message = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0";
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any length");
        mac.update(message);
        Target::new(Alg::Hs256, message, &mac.finalize().into_bytes()).expect("32 bytes")
    }

    fn limits(threads: usize) -> Limits {
        Limits {
            threads,
            deadline: Instant::now() + Duration::from_secs(600),
        }
    }

    #[test]
    fn numbers_find_leading_zeros_on_any_number_of_threads() {
        for threads in [1, 2, 3] {
            let t = target(b"0042");
            assert_eq!(
                numbers(&t, 4, limits(threads)),
                Step::Found(b"0042".to_vec())
            );
            assert_eq!(numbers(&t, 3, limits(threads)), Step::Exhausted(1000));
            let t = target(b"9999");
            assert_eq!(
                numbers(&t, 4, limits(threads)),
                Step::Found(b"9999".to_vec())
            );
        }
    }

    #[test]
    fn lists_find_the_key_and_count_what_they_tried() {
        let keys: Vec<String> = (0..10_000).map(|i| format!("word{i}")).collect();
        for threads in [1, 2, 4] {
            let t = target(b"word9876");
            assert_eq!(
                list(&t, &keys, limits(threads)),
                Step::Found(b"word9876".to_vec())
            );
            let t = target(b"absent");
            assert_eq!(list(&t, &keys, limits(threads)), Step::Exhausted(10_000));
        }
    }

    #[test]
    fn a_passed_deadline_stops_the_search() {
        let t = target(b"absent");
        let past = Limits {
            threads: 2,
            deadline: Instant::now(),
        };
        let Step::OutOfTime(tried) = numbers(&t, 6, past) else {
            panic!("should run out of time");
        };
        assert!(tried < 1_000_000);
    }
}
