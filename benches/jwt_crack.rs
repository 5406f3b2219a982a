//! How fast weak_jwt_secret tests HMAC keys against one token (a 178-byte
//! signed part, as a sign-in's token with a few claims).
//!
//! - `precomputed_one_core`: `Target::matches`, the message padded once,
//!   SHA-256 compressed directly (what the cracker runs), one thread.
//! - `hmac_crate_one_core`: `Hmac<Sha256>` keyed anew for each key and
//!   verified, one thread (the way it was done before).
//! - `six_digits_all_cores`: the whole space of 6-digit numbers (1,000,000
//!   keys) on every core, as a scan runs it.
//! - `hs512_precomputed_one_core`: `Target::matches` for an HS512 token.
//!
//! Reported in keys per second.
//!
//! ```text
//! cargo bench --bench jwt_crack
//! ```

use std::time::{Duration, Instant};

use apiprobe::checks::jwt_crack::{Alg, Limits, Step, Target, numbers};
use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

/// A token's signed part: header and claims, base64url.
const MESSAGE: &[u8] = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJ1c2VyIiwiaWF0IjoxNzY0NzM2MDAwLCJleHAiOjE3NjQ3Mzk2MDAsImlzcyI6InBhcnRuZXItZ2F0ZXdheSJ9";

/// The signature under a key no search finds.
fn signature256() -> Vec<u8> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(b"a key that is not a number").expect("any length");
    mac.update(MESSAGE);
    mac.finalize().into_bytes().to_vec()
}

/// Keys tried per iteration of the one-core benches.
const KEYS: u64 = 10_000;

fn keys() -> Vec<Vec<u8>> {
    (0..KEYS).map(|i| format!("{i:06}").into_bytes()).collect()
}

fn main() {
    divan::main();
}

#[divan::bench]
fn precomputed_one_core(bencher: Bencher) {
    let target = Target::new(Alg::Hs256, MESSAGE, &signature256()).expect("32 bytes");
    let keys = keys();
    bencher
        .counter(ItemsCount::new(KEYS))
        .bench(|| keys.iter().filter(|k| target.matches(black_box(k))).count());
}

#[divan::bench]
fn hmac_crate_one_core(bencher: Bencher) {
    let signature = signature256();
    let keys = keys();
    bencher.counter(ItemsCount::new(KEYS)).bench(|| {
        keys.iter()
            .filter(|k| {
                let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(black_box(k)) else {
                    return false;
                };
                mac.update(MESSAGE);
                mac.verify_slice(&signature).is_ok()
            })
            .count()
    });
}

#[divan::bench]
fn hs512_precomputed_one_core(bencher: Bencher) {
    let mut mac =
        Hmac::<Sha512>::new_from_slice(b"a key that is not a number").expect("any length");
    mac.update(MESSAGE);
    let target = Target::new(Alg::Hs512, MESSAGE, &mac.finalize().into_bytes()).expect("64 bytes");
    let keys = keys();
    bencher
        .counter(ItemsCount::new(KEYS))
        .bench(|| keys.iter().filter(|k| target.matches(black_box(k))).count());
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn six_digits_all_cores(bencher: Bencher) {
    let target = Target::new(Alg::Hs256, MESSAGE, &signature256()).expect("32 bytes");
    bencher.counter(ItemsCount::new(1_000_000u64)).bench(|| {
        let limits = Limits::all_cores(Instant::now() + Duration::from_secs(600));
        let step = numbers(&target, 6, limits);
        assert_eq!(step, Step::Exhausted(1_000_000));
    });
}
