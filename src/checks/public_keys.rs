//! RSA public keys as a server publishes them (a JWKS, a JWK, a PEM file, a
//! certificate) and the byte forms a careless HS256 verifier may use as its
//! HMAC key: the key confusion probe (`jwt_alg_confusion`) signs with each.
//!
//! Only what that needs: a small DER reader (SubjectPublicKeyInfo, PKCS#1,
//! the public key of an X.509 certificate) and writer. No RSA arithmetic.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

/// The DER encoding of the rsaEncryption OID (1.2.840.113549.1.1.1).
const RSA_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/// Keys kept at most from one source (a JWKS may list many).
const MAX_KEYS: usize = 4;

/// One RSA public key and the byte forms tried as an HMAC secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublicKey {
    /// Where it came from (`/.well-known/jwks.json`, `--jwt-public-key`).
    pub(crate) source: String,
    /// The JWK's `kid`, if it has one.
    pub(crate) kid: Option<String>,
    /// The forms, each named (`PEM (SPKI) with a trailing newline`), in
    /// the order they are tried; no two hold the same bytes.
    pub(crate) forms: Vec<(String, Vec<u8>)>,
}

/// A DER element: its tag, its content and what follows it.
fn element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The elements of a constructed element's content.
fn children(mut content: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let Some((tag, inner, rest)) = element(content) {
        out.push((tag, inner));
        content = rest;
        if out.len() > 64 {
            break;
        }
    }
    out
}

/// A DER element with `tag` around `content`.
fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A DER INTEGER of the unsigned big-endian `bytes`.
fn integer(bytes: &[u8]) -> Vec<u8> {
    let trimmed: &[u8] = match bytes.iter().position(|b| *b != 0) {
        Some(i) => &bytes[i..],
        None => &[0],
    };
    let mut content = Vec::with_capacity(trimmed.len() + 1);
    if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    der(0x02, &content)
}

/// The PKCS#1 `RSAPublicKey` of a modulus and an exponent.
pub(crate) fn pkcs1_of(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut content = integer(n);
    content.extend(integer(e));
    der(0x30, &content)
}

/// The SubjectPublicKeyInfo around a PKCS#1 key.
fn spki_of(pkcs1: &[u8]) -> Vec<u8> {
    let mut algorithm = der(0x06, &RSA_OID);
    algorithm.extend([0x05, 0x00]);
    let mut content = der(0x30, &algorithm);
    let mut bits = vec![0u8];
    bits.extend_from_slice(pkcs1);
    content.extend(der(0x03, &bits));
    der(0x30, &content)
}

/// Whether `der` is a PKCS#1 `RSAPublicKey` (a sequence of two integers).
fn is_pkcs1(der: &[u8]) -> bool {
    match element(der) {
        Some((0x30, content, [])) => {
            let parts = children(content);
            parts.len() == 2 && parts.iter().all(|(tag, _)| *tag == 0x02)
        }
        _ => false,
    }
}

/// The PKCS#1 key inside an RSA SubjectPublicKeyInfo.
fn pkcs1_in_spki(spki: &[u8]) -> Option<Vec<u8>> {
    let (0x30, content, _) = element(spki)? else {
        return None;
    };
    let parts = children(content);
    let (0x30, algorithm) = *parts.first()? else {
        return None;
    };
    let (0x06, oid) = *children(algorithm).first()? else {
        return None;
    };
    if oid != RSA_OID {
        return None;
    }
    let (0x03, bits) = *parts.get(1)? else {
        return None;
    };
    let key = bits.get(1..)?;
    is_pkcs1(key).then(|| key.to_vec())
}

/// The RSA key of an X.509 certificate (the first SubjectPublicKeyInfo
/// among the fields of its `tbsCertificate`).
fn pkcs1_in_certificate(cert: &[u8]) -> Option<Vec<u8>> {
    let (0x30, content, _) = element(cert)? else {
        return None;
    };
    let (0x30, tbs) = *children(content).first()? else {
        return None;
    };
    children(tbs)
        .into_iter()
        .filter(|(tag, _)| *tag == 0x30)
        .find_map(|(_, inner)| pkcs1_in_spki(&der(0x30, inner)))
}

/// The PKCS#1 key in DER bytes of any of the three shapes.
fn pkcs1_in_der(bytes: &[u8]) -> Option<Vec<u8>> {
    if is_pkcs1(bytes) {
        return Some(bytes.to_vec());
    }
    pkcs1_in_spki(bytes).or_else(|| pkcs1_in_certificate(bytes))
}

/// `der` as PEM with `label`, lines of 64 characters, the last line ended
/// by a newline or not.
fn pem(label: &str, der: &[u8], newline: bool) -> Vec<u8> {
    let text = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----"));
    if newline {
        out.push('\n');
    }
    out.into_bytes()
}

impl PublicKey {
    /// The key with the PKCS#1 DER `pkcs1`, in every form: `given` first
    /// (the bytes of a file, as written and trimmed), then the SPKI PEM
    /// with and without a trailing newline, the PKCS#1 PEM likewise, and
    /// both DER encodings.
    fn new(source: &str, kid: Option<String>, pkcs1: &[u8], given: Option<&[u8]>) -> PublicKey {
        let spki = spki_of(pkcs1);
        let mut forms: Vec<(String, Vec<u8>)> = Vec::new();
        if let Some(given) = given {
            forms.push(("the file as given".into(), given.to_vec()));
            let trimmed = String::from_utf8_lossy(given).trim().as_bytes().to_vec();
            forms.push(("the file, trimmed".into(), trimmed));
        }
        forms.extend([
            (
                "PEM (SPKI) with a trailing newline".into(),
                pem("PUBLIC KEY", &spki, true),
            ),
            (
                "PEM (SPKI) without a trailing newline".into(),
                pem("PUBLIC KEY", &spki, false),
            ),
            (
                "PEM (PKCS#1) with a trailing newline".into(),
                pem("RSA PUBLIC KEY", pkcs1, true),
            ),
            (
                "PEM (PKCS#1) without a trailing newline".into(),
                pem("RSA PUBLIC KEY", pkcs1, false),
            ),
            ("DER (SPKI)".into(), spki.clone()),
            ("DER (PKCS#1)".into(), pkcs1.to_vec()),
        ]);
        let mut seen: Vec<Vec<u8>> = Vec::new();
        forms.retain(|(_, bytes)| {
            if bytes.is_empty() || seen.contains(bytes) {
                return false;
            }
            seen.push(bytes.clone());
            true
        });
        PublicKey {
            source: source.to_owned(),
            kid,
            forms,
        }
    }
}

fn b64url(value: &Value) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD
        .decode(value.as_str()?.trim_end_matches('='))
        .ok()
}

/// The RSA keys of a JWK or a JWK Set (`n` and `e`, or an `x5c`
/// certificate), at most four.
pub(crate) fn from_jwks(source: &str, json: &Value) -> Vec<PublicKey> {
    let keys: Vec<&Value> = match json.get("keys").and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => vec![json],
    };
    keys.into_iter()
        .filter(|k| k.get("kty").and_then(Value::as_str) == Some("RSA"))
        .filter_map(|k| {
            let kid = k.get("kid").and_then(Value::as_str).map(str::to_owned);
            let pkcs1 = match (k.get("n").and_then(b64url), k.get("e").and_then(b64url)) {
                (Some(n), Some(e)) if !n.is_empty() && !e.is_empty() => pkcs1_of(&n, &e),
                _ => {
                    let cert = k.get("x5c")?.as_array()?.first()?.as_str()?;
                    pkcs1_in_certificate(&STANDARD.decode(cert).ok()?)?
                }
            };
            Some(PublicKey::new(source, kid, &pkcs1, None))
        })
        .take(MAX_KEYS)
        .collect()
}

/// The RSA keys in a file's bytes: PEM blocks (`PUBLIC KEY`, `RSA PUBLIC
/// KEY`, `CERTIFICATE`), JSON (a JWK or a JWK Set), or DER. The file's
/// own bytes are the first forms tried for its first key.
pub(crate) fn from_file(source: &str, bytes: &[u8]) -> Vec<PublicKey> {
    if let Ok(json) = serde_json::from_slice::<Value>(bytes) {
        return from_jwks(source, &json);
    }
    let text = String::from_utf8_lossy(bytes);
    let mut keys = Vec::new();
    let mut rest: &str = &text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start..];
        let Some(end) = after.find("-----END ") else {
            break;
        };
        let body: String = after[..end]
            .lines()
            .skip(1)
            .filter(|l| !l.contains(':'))
            .collect::<Vec<_>>()
            .concat();
        rest = after.get(end + 9..).unwrap_or_default();
        let Some(pkcs1) = STANDARD
            .decode(body.trim())
            .ok()
            .and_then(|der| pkcs1_in_der(&der))
        else {
            continue;
        };
        let given = keys.is_empty().then_some(bytes);
        keys.push(PublicKey::new(source, None, &pkcs1, given));
        if keys.len() >= MAX_KEYS {
            break;
        }
    }
    if keys.is_empty()
        && let Some(pkcs1) = pkcs1_in_der(bytes)
    {
        keys.push(PublicKey::new(source, None, &pkcs1, Some(bytes)));
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A 2048-bit public key written by `openssl pkey -pubout` (the demo's).
    const PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA1WSZnEqPetMq2+XpLoer
mB5qGxrhvguwDdUUmTCltjoky8/e2SKsjPhBSg+SGcBKk9eYtKL2O/HF60rdo9m2
sCRiemTaznDReYLHgWzCsfHnDCzsdXu6cNz+4UD9as4fYhX1ugxhMyXdPyjXRZCt
/fFLEyoIB0tqLjBiZ0y5IImr5joBvw7JlugljYtgYVS1lAGqbxL81Chnrwcegxcz
CQvFtkVSGSbli2gn1PaW7XpQu57nea4yqodPf9OOsqHmTwNhcsA3B7GtlLlEjAJR
gsoYhDYmSKNFbohSkI3aENukDbjbNGRe4UdwF0cskSHtlfwGkMq8WuZuV+Oexnkg
/wIDAQAB
-----END PUBLIC KEY-----
";

    fn pkcs1_of_pem() -> Vec<u8> {
        let body: String = PEM.lines().filter(|l| !l.starts_with("-----")).collect();
        pkcs1_in_der(&STANDARD.decode(body).unwrap()).unwrap()
    }

    #[test]
    fn a_jwk_gives_the_pem_openssl_writes() {
        let pkcs1 = pkcs1_of_pem();
        let parts = children(element(&pkcs1).unwrap().1);
        let n = parts[0].1;
        let e = parts[1].1;
        let jwk = json!({"keys": [
            {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
            {"kty": "RSA", "kid": "k1", "n": URL_SAFE_NO_PAD.encode(n), "e": URL_SAFE_NO_PAD.encode(e)}
        ]});
        let keys = from_jwks("jwks", &jwk);
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].kid.as_deref(), Some("k1"));
        assert_eq!(keys[0].forms[0].1, PEM.as_bytes());
        assert_eq!(keys[0].forms[1].1, PEM.trim_end().as_bytes());
        assert_eq!(keys[0].forms.len(), 6);
        // the PKCS#1 PEM and the DER forms round-trip to the same key
        for (_, form) in &keys[0].forms {
            let again = from_file("again", form);
            assert_eq!(again.len(), 1, "{}", String::from_utf8_lossy(form));
            assert!(again[0].forms.iter().any(|(_, f)| f == PEM.as_bytes()));
        }
    }

    #[test]
    fn a_pem_file_is_tried_as_written_first() {
        let crlf = PEM.replace('\n', "\r\n");
        let keys = from_file("--jwt-public-key", crlf.as_bytes());
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].forms[0].1, crlf.as_bytes());
        assert_eq!(keys[0].forms[1].1, crlf.trim().as_bytes());
        assert!(keys[0].forms.iter().any(|(_, f)| f == PEM.as_bytes()));
        assert!(from_file("x", b"not a key").is_empty());
        assert!(
            from_file(
                "x",
                b"-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn integers_keep_their_sign_byte() {
        assert_eq!(integer(&[0x80]), vec![0x02, 0x02, 0x00, 0x80]);
        assert_eq!(integer(&[0x00, 0x01]), vec![0x02, 0x01, 0x01]);
        assert_eq!(integer(&[]), vec![0x02, 0x01, 0x00]);
        // a long length takes more bytes
        assert_eq!(&der(0x04, &[0; 300])[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }
}
