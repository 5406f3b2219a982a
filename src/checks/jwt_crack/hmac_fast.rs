//! Testing many HMAC keys against one token fast: the token's message is
//! padded once, each key costs its inner and outer pad blocks plus the
//! message blocks, compressed directly with the `sha2` crate's compression
//! functions (no hasher objects, no allocation per key). HS256 uses
//! SHA-256; HS384 and HS512 use SHA-512's compression (SHA-384 is SHA-512
//! with another start state, cut to 48 bytes).
//!
//! The `hmac` crate cannot reuse a keyed state for another key, and
//! rebuilding `Hmac<Sha256>` per key did the same compressions plus the
//! buffering around them: benches/jwt_crack.rs measures both.

use sha2::digest::generic_array::GenericArray;
use sha2::digest::generic_array::typenum::{U64, U128};
use sha2::{Digest, Sha256, Sha384, Sha512};

const IV256: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];
const IV384: [u64; 8] = [
    0xcbbb9d5dc1059ed8,
    0x629a292a367cd507,
    0x9159015a3070dd17,
    0x152fecd8f70e5939,
    0x67332667ffc00b31,
    0x8eb44a8768581511,
    0xdb0c2e0d64f98fa7,
    0x47b5481dbefa4fa4,
];
const IV512: [u64; 8] = [
    0x6a09e667f3bcc908,
    0xbb67ae8584caa73b,
    0x3c6ef372fe94f82b,
    0xa54ff53a5f1d36f1,
    0x510e527fade682d1,
    0x9b05688c2b3e6c1f,
    0x1f83d9abfb41bd6b,
    0x5be0cd19137e2179,
];

/// The HMAC algorithms of JWTs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    /// HMAC-SHA256.
    Hs256,
    /// HMAC-SHA384.
    Hs384,
    /// HMAC-SHA512.
    Hs512,
}

impl Alg {
    /// The algorithm a JWT `alg` header names, if HMAC.
    pub fn from_header(alg: &str) -> Option<Alg> {
        match alg {
            "HS256" => Some(Alg::Hs256),
            "HS384" => Some(Alg::Hs384),
            "HS512" => Some(Alg::Hs512),
            _ => None,
        }
    }

    /// The `alg` header's name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Hs256 => "HS256",
            Alg::Hs384 => "HS384",
            Alg::Hs512 => "HS512",
        }
    }
}

/// One token's signed message and signature, prepared for testing keys.
pub struct Target {
    alg: Alg,
    /// The message padded as the second and later blocks of the inner hash
    /// (its length counts the key block before it).
    tail: Tail,
    /// The signature sought.
    signature: Vec<u8>,
}

/// The padded message as blocks of the algorithm's hash.
enum Tail {
    B64(Vec<GenericArray<u8, U64>>),
    B128(Vec<GenericArray<u8, U128>>),
}

/// `message` with SHA padding, as if `prefix` bytes had come before it.
fn padded(message: &[u8], prefix: usize, block: usize, length_bytes: usize) -> Vec<u8> {
    let mut out = message.to_vec();
    out.push(0x80);
    while !(out.len() + length_bytes).is_multiple_of(block) {
        out.push(0);
    }
    let bits = ((prefix + message.len()) as u128).wrapping_mul(8);
    out.extend_from_slice(&bits.to_be_bytes()[16 - length_bytes..]);
    out
}

impl Target {
    /// A target for the signed part `message` (`header.payload`) and the
    /// decoded `signature`; `None` when the signature has the wrong length
    /// for `alg`.
    pub fn new(alg: Alg, message: &[u8], signature: &[u8]) -> Option<Target> {
        let (block, len_bytes, out) = match alg {
            Alg::Hs256 => (64, 8, 32),
            Alg::Hs384 => (128, 16, 48),
            Alg::Hs512 => (128, 16, 64),
        };
        (signature.len() == out).then(|| Target {
            alg,
            tail: {
                let bytes = padded(message, block, block, len_bytes);
                if block == 64 {
                    Tail::B64(
                        bytes
                            .chunks(64)
                            .map(|c| *GenericArray::from_slice(c))
                            .collect(),
                    )
                } else {
                    Tail::B128(
                        bytes
                            .chunks(128)
                            .map(|c| *GenericArray::from_slice(c))
                            .collect(),
                    )
                }
            },
            signature: signature.to_vec(),
        })
    }

    /// The algorithm.
    pub fn alg(&self) -> Alg {
        self.alg
    }

    /// Whether `key` signs the token.
    pub fn matches(&self, key: &[u8]) -> bool {
        match self.alg {
            Alg::Hs256 => self.matches256(key),
            Alg::Hs384 => self.matches512(key, IV384, 48),
            Alg::Hs512 => self.matches512(key, IV512, 64),
        }
    }

    fn matches256(&self, key: &[u8]) -> bool {
        let hashed;
        let key = if key.len() > 64 {
            hashed = Sha256::digest(key);
            hashed.as_slice()
        } else {
            key
        };
        let mut ipad = GenericArray::<u8, U64>::from([0x36; 64]);
        let mut opad = GenericArray::<u8, U64>::from([0x5c; 64]);
        for (i, b) in key.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        let mut inner = IV256;
        sha2::compress256(&mut inner, std::slice::from_ref(&ipad));
        if let Tail::B64(blocks) = &self.tail {
            sha2::compress256(&mut inner, blocks);
        }
        // the outer hash: opad block, then the inner digest padded (96 bytes in all)
        let mut last = GenericArray::<u8, U64>::default();
        for (i, w) in inner.iter().enumerate() {
            last[i * 4..i * 4 + 4].copy_from_slice(&w.to_be_bytes());
        }
        last[32] = 0x80;
        last[62..64].copy_from_slice(&((64u16 + 32) * 8).to_be_bytes());
        let mut outer = IV256;
        sha2::compress256(&mut outer, &[opad, last]);
        // compare the first word before building the rest
        let first = outer[0].to_be_bytes();
        if first[..] != self.signature[..4] {
            return false;
        }
        outer
            .iter()
            .enumerate()
            .all(|(i, w)| w.to_be_bytes()[..] == self.signature[i * 4..i * 4 + 4])
    }

    fn matches512(&self, key: &[u8], iv: [u64; 8], out: usize) -> bool {
        let hashed;
        let key = if key.len() > 128 {
            hashed = if out == 48 {
                Sha384::digest(key).to_vec()
            } else {
                Sha512::digest(key).to_vec()
            };
            hashed.as_slice()
        } else {
            key
        };
        let mut ipad = GenericArray::<u8, U128>::from([0x36; 128]);
        let mut opad = GenericArray::<u8, U128>::from([0x5c; 128]);
        for (i, b) in key.iter().enumerate() {
            ipad[i] ^= b;
            opad[i] ^= b;
        }
        let mut inner = iv;
        sha2::compress512(&mut inner, std::slice::from_ref(&ipad));
        if let Tail::B128(blocks) = &self.tail {
            sha2::compress512(&mut inner, blocks);
        }
        let mut last = GenericArray::<u8, U128>::default();
        for (i, w) in inner.iter().enumerate().take(out / 8) {
            last[i * 8..i * 8 + 8].copy_from_slice(&w.to_be_bytes());
        }
        last[out] = 0x80;
        last[126..128].copy_from_slice(&((128u16 + out as u16) * 8).to_be_bytes());
        let mut outer = iv;
        sha2::compress512(&mut outer, &[opad, last]);
        outer
            .iter()
            .take(out / 8)
            .enumerate()
            .all(|(i, w)| w.to_be_bytes()[..] == self.signature[i * 8..i * 8 + 8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hmac::{Hmac, Mac};

    fn reference(alg: Alg, key: &[u8], message: &[u8]) -> Vec<u8> {
        fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], message: &[u8]) -> Vec<u8> {
            let mut m = <M as Mac>::new_from_slice(key).expect("any key length");
            m.update(message);
            m.finalize().into_bytes().to_vec()
        }
        match alg {
            Alg::Hs256 => mac::<Hmac<Sha256>>(key, message),
            Alg::Hs384 => mac::<Hmac<Sha384>>(key, message),
            Alg::Hs512 => mac::<Hmac<Sha512>>(key, message),
        }
    }

    #[test]
    fn agrees_with_the_hmac_crate_for_every_length() {
        let long_key = vec![b'k'; 200];
        let keys: [&[u8]; 7] = [
            b"", b"1", b"secret", &[7; 64], &[9; 65], &[3; 128], &long_key,
        ];
        for alg in [Alg::Hs256, Alg::Hs384, Alg::Hs512] {
            for len in [
                0usize, 1, 54, 55, 56, 63, 64, 111, 112, 119, 120, 127, 128, 300,
            ] {
                let message: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
                for key in keys {
                    let sig = reference(alg, key, &message);
                    let target = Target::new(alg, &message, &sig).expect("right length");
                    assert!(target.matches(key), "{alg:?} len {len} key {}", key.len());
                    assert!(!target.matches(b"other"), "{alg:?} len {len}");
                }
            }
        }
        assert!(Target::new(Alg::Hs256, b"m", &[0; 48]).is_none());
    }
}
