use super::*;
use crate::checks::jwt::encode;
use serde_json::json;

fn api() -> Api {
    crate::spec::Loader::new()
        .load_str(
        r#"{"openapi": "3.0.0", "info": {"title": "Orbit Ledger", "version": "1"},
            "servers": [{"url": "https://books.example.org/v1"}],
            "paths": {"/a": {"get": {"tags": ["invoices"], "responses": {"200": {"description": "ok"}}}}}}"#,
        "t.json",
    )
    .expect("the spec loads")
}

fn token(alg: &str, iss: &str, secret: &[u8]) -> String {
    encode(
        &json!({"alg": alg, "typ": "JWT"}),
        &json!({"sub": "ada", "iss": iss, "iat": 1_700_000_000}),
        Some(secret),
    )
}

fn cracker(profile: Profile) -> Cracker {
    Cracker::new(JwtCracking::for_profile(profile))
}

#[test]
fn each_source_finds_its_secret_and_names_itself() {
    let api = api();
    let cases: [(&str, &[u8], &str); 8] = [
        ("HS256", b"", "apiprobe's list"),
        ("HS256", b"482913", "numbers of up to 6 digits"),
        ("HS384", b"keyboard", "common passwords (zxcvbn)"),
        ("HS512", b"your-256-bit-secret", "apiprobe's list"),
        ("HS256", b"orbitledger_secret", "the spec's words"),
        ("HS256", b"invoices-key", "the spec's words"),
        ("HS256", b"parliament", "common English words (zxcvbn)"),
        ("HS512", b"07", "numbers of up to 6 digits"),
    ];
    for (alg, secret, source) in cases {
        let c = cracker(Profile::Standard);
        let found = c
            .crack(&api, &token(alg, "x", secret), "POST /token")
            .expect("cracked");
        assert_eq!(found.secret.as_bytes(), secret, "{alg}");
        assert_eq!(
            found.source,
            source,
            "{:?}",
            String::from_utf8_lossy(secret)
        );
        assert!(c.notes().is_empty());
    }
}

#[test]
fn the_profile_bounds_the_numbers() {
    let api = api();
    let t = token("HS256", "x", b"4829");
    assert!(cracker(Profile::Quick).crack(&api, &t, "GET /a").is_some());
    let t = token("HS256", "x", b"048291");
    assert!(cracker(Profile::Quick).crack(&api, &t, "GET /a").is_none());
    assert!(
        cracker(Profile::Standard)
            .crack(&api, &t, "GET /a")
            .is_some()
    );
}

#[test]
fn a_random_secret_resists_and_the_note_says_what_was_tried() {
    let api = api();
    let c = cracker(Profile::Standard);
    let random: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(97).wrapping_add(13));
    let t = token("HS256", "vault", &random);
    assert!(c.crack(&api, &t, "POST /login").is_none());
    // a second token of the same deployment is not cracked again
    let t2 = encode(
        &json!({"alg": "HS256", "typ": "JWT"}),
        &json!({"sub": "bob", "iss": "vault", "iat": 1_700_000_001}),
        Some(&random),
    );
    assert!(c.crack(&api, &t2, "POST /login").is_none());
    let notes = c.notes();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let note = &notes[0];
    assert!(
        note.contains("HS256 token seen in POST /login (issuer \"vault\")"),
        "{note}"
    );
    assert!(note.contains("numbers of up to 6 digits"), "{note}");
    assert!(note.contains("the JWT secrets list"), "{note}");
    assert!(note.contains("gave up"), "{note}");
    // 235 own + the spec's words + 103,781 + 60,000 + 1,111,110 numbers
    let tried: u64 = note
        .split(" resisted ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .map(|n| n.replace(',', ""))
        .and_then(|n| n.parse().ok())
        .expect("a count");
    assert!(tried > 1_270_000, "{note}");
}

#[test]
fn words_learnt_from_answers_crack_a_token_that_resisted() {
    let api = api();
    let c = cracker(Profile::Quick);
    let t = token("HS256", "x", b"Zq7-orbital-Harbour");
    assert!(c.crack(&api, &t, "GET /a").is_none());
    c.learn(r#"{"status": "ok", "build": "Zq7-orbital-Harbour", "n": 12345}"#);
    let found = c
        .crack(&api, &t, "GET /a")
        .expect("cracked from the answer");
    assert_eq!(found.secret, "Zq7-orbital-Harbour");
    assert_eq!(found.source, FROM_ANSWERS);
    assert!(c.notes().is_empty());
}

#[test]
fn the_users_list_is_tried() {
    let api = api();
    let t = token("HS256", "x", b"Zq7-orbital-Harbour");
    let options = JwtCracking::for_profile(Profile::Quick)
        .with_words(vec!["nope".into(), "Zq7-orbital-Harbour".into()]);
    let found = Cracker::new(options)
        .crack(&api, &t, "GET /a")
        .expect("cracked");
    assert_eq!(found.source, "your list (--jwt-wordlist)");
}

#[test]
fn other_tokens_are_ignored() {
    let api = api();
    let c = cracker(Profile::Quick);
    assert!(c.crack(&api, "not a token", "GET /a").is_none());
    let rs = encode(&json!({"alg": "RS256"}), &json!({"sub": "a"}), None);
    assert!(c.crack(&api, &rs, "GET /a").is_none());
    assert!(c.notes().is_empty());
}
