//! The demo's in-memory state: one SQLite database, the login-failure log and
//! the JWT secret, fresh for every router.

use super::DemoConfig;
use super::auth;
use rusqlite::Connection;
use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// The seeded accounts: username, password, role, email.
pub(crate) const SEED_USERS: [(&str, &str, &str, &str); 5] = [
    ("alice", "wonderland", "user", "alice@example.com"),
    ("bob", "builder", "user", "bob@example.com"),
    ("admin", "sup3rs3cret", "admin", "admin@example.com"),
    ("carol", "chorister", "member", "carol@example.com"),
    ("erin", "eraser-head", "editor", "erin@example.com"),
];

/// Everything the handlers share.
pub(crate) struct AppState {
    pub(crate) config: DemoConfig,
    db: Mutex<Connection>,
    /// Key of the HS256 tokens: the weak "secret" when flawed, random bytes when fixed.
    pub(crate) secret: Vec<u8>,
    /// Failed logins by username (for the fixed mode's rate limit).
    pub(crate) failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl AppState {
    pub(crate) fn new(config: DemoConfig) -> Self {
        let secret = if config.fixed {
            random_bytes(32)
        } else {
            b"secret".to_vec()
        };
        let db = match seeded_database() {
            Ok(db) => db,
            // An in-memory database that cannot be created or seeded is a bug in
            // this file, not an input problem; an empty one keeps the server up.
            Err(_) => Connection::open_in_memory().unwrap_or_else(|_| unreachable_db()),
        };
        AppState {
            config,
            db: Mutex::new(db),
            secret,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// The database, even if a previous holder panicked.
    pub(crate) fn db(&self) -> MutexGuard<'_, Connection> {
        self.db
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The login failure log, even if a previous holder panicked.
    pub(crate) fn failures(&self) -> MutexGuard<'_, HashMap<String, Vec<Instant>>> {
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[allow(clippy::panic)]
fn unreachable_db() -> Connection {
    panic!("SQLite cannot open an in-memory database")
}

fn seeded_database() -> rusqlite::Result<Connection> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE users (
             id INTEGER PRIMARY KEY,
             username TEXT NOT NULL UNIQUE,
             password_hash TEXT NOT NULL,
             role TEXT NOT NULL,
             email TEXT NOT NULL
         );
         CREATE TABLE notes (
             id INTEGER PRIMARY KEY,
             owner TEXT NOT NULL,
             title TEXT NOT NULL,
             body TEXT NOT NULL,
             deleted INTEGER NOT NULL DEFAULT 0
         );
         CREATE TABLE products (
             id INTEGER PRIMARY KEY,
             sku TEXT NOT NULL UNIQUE,
             name TEXT NOT NULL,
             price REAL NOT NULL,
             created TEXT NOT NULL
         );
         CREATE TABLE audit (
             id INTEGER PRIMARY KEY,
             at TEXT NOT NULL,
             actor TEXT NOT NULL,
             action TEXT NOT NULL
         );
         INSERT INTO notes (owner, title, body) VALUES
             ('alice', 'Shopping', 'milk, eggs, tea'),
             ('alice', 'Diary', 'alice-private-diary: the rabbit hole is deep'),
             ('bob', 'Plans', 'build a shed'),
             ('admin', 'Ops', 'rotate the keys on Friday');
         INSERT INTO products (sku, name, price, created) VALUES
             ('SKU-1001', 'Teapot', 24.5, '2024-01-10'),
             ('SKU-1002', 'Cup', 6.0, '2024-02-14'),
             ('SKU-1003', 'Kettle', 39.9, '2024-03-01');
         INSERT INTO audit (at, actor, action) VALUES
             ('2024-05-01T09:00:00Z', 'admin', 'rotated signing key'),
             ('2024-05-02T10:30:00Z', 'admin', 'deleted user mallory');",
    )?;
    for (username, password, role, email) in SEED_USERS {
        db.execute(
            "INSERT INTO users (username, password_hash, role, email) VALUES (?1, ?2, ?3, ?4)",
            (
                username,
                auth::hash_password(username, password),
                role,
                email,
            ),
        )?;
    }
    Ok(db)
}

/// Random bytes from the standard library's randomly keyed hasher (enough for a
/// demo's signing key; no extra dependency).
fn random_bytes(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut counter = 0u64;
    while out.len() < len {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(counter);
        counter += 1;
        out.extend_from_slice(&hasher.finish().to_le_bytes());
    }
    out.truncate(len);
    out
}
