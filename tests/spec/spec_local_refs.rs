//! Which local files a `$ref` may read: regular files in the spec's folder
//! tree; a FIFO, `/dev/stdin` or a directory never (they hang or are no
//! document); a file elsewhere (`/etc/passwd`, `../shared/x.yaml`) only
//! with `Loader::allow_external_refs` (`--allow-external-refs`).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use apiprobe::spec::Loader;

/// A fresh folder for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "apiprobe-spec-local-refs-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("api/schemas")).expect("temp dir");
        std::fs::create_dir_all(dir.join("shared")).expect("temp dir");
        Scratch(dir)
    }

    /// The spec `api/openapi.yaml`, whose request body is `$ref: REF`.
    fn spec(&self, reference: &str) -> PathBuf {
        let path = self.0.join("api/openapi.yaml");
        let text = format!(
            "openapi: 3.0.3\ninfo: {{title: refs, version: '1'}}\npaths:\n  /pets:\n    post:\n      operationId: addPet\n      requestBody:\n        content:\n          application/json:\n            schema: {{$ref: '{reference}'}}\n      responses:\n        '201': {{description: created}}\n"
        );
        std::fs::write(&path, text).expect("write spec");
        path
    }

    fn write(&self, relative: &str, text: &str) {
        std::fs::write(self.0.join(relative), text).expect("write");
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const PET: &str = "type: object\nrequired: [name]\nproperties:\n  name: {type: string}\n";

/// Loads `spec` strictly on a thread, failing the test if it does not end
/// within 60 s (a FIFO read would block forever); the error text, if any.
fn load_within_a_minute(spec: &Path, allow_external: bool) -> Result<usize, String> {
    let (tx, rx) = mpsc::channel();
    let spec = spec.to_path_buf();
    std::thread::spawn(move || {
        let loaded = Loader::new()
            .strict(true)
            .allow_external_refs(allow_external)
            .load_path(&spec)
            .map(|api| api.operations.len())
            .map_err(|e| format!("{e:?} {e}"));
        let _ = tx.send(loaded);
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("the load ended (a $ref that blocks must be refused, not read)")
}

#[test]
fn a_ref_inside_the_spec_folder_tree_is_read() {
    let dir = Scratch::new("inside");
    dir.write("api/schemas/pet.yaml", PET);
    let spec = dir.spec("./schemas/pet.yaml");
    assert_eq!(load_within_a_minute(&spec, false), Ok(1));
    let api = Loader::new().load_path(&spec).expect("loads");
    let schema = api.operations[0].body.as_ref().expect("body").content[0]
        .schema
        .expect("schema");
    assert!(api.schemas.get(schema).properties.contains_key("name"));
}

#[test]
fn a_ref_outside_the_folder_needs_the_permission() {
    let dir = Scratch::new("outside");
    dir.write("shared/pet.yaml", PET);
    let spec = dir.spec("../shared/pet.yaml");
    let refused = load_within_a_minute(&spec, false).expect_err("refused");
    assert!(refused.contains("outside the spec's folder"), "{refused}");
    assert!(refused.contains("--allow-external-refs"), "{refused}");
    assert_eq!(load_within_a_minute(&spec, true), Ok(1));
    // without strict, the operation is still there, its error said
    let api = Loader::new().load_path(&spec).expect("loads");
    let said = format!("{:?} {:?}", api.warnings, api.skipped);
    assert!(said.contains("outside the spec's folder"), "{said}");
}

#[test]
fn a_ref_to_etc_passwd_is_refused() {
    if !Path::new("/etc/passwd").is_file() {
        return;
    }
    let dir = Scratch::new("passwd");
    let spec = dir.spec("file:///etc/passwd");
    let refused = load_within_a_minute(&spec, false).expect_err("refused");
    assert!(refused.contains("outside the spec's folder"), "{refused}");
    let relative = dir.spec("../../../../../../../../../../etc/passwd");
    let refused = load_within_a_minute(&relative, false).expect_err("refused");
    assert!(refused.contains("outside the spec's folder"), "{refused}");
}

#[cfg(unix)]
#[test]
fn a_ref_to_a_fifo_is_refused_without_blocking() {
    let dir = Scratch::new("fifo");
    let fifo = dir.0.join("api/schemas/pet.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo {}", fifo.display());
    let spec = dir.spec("./schemas/pet.yaml");
    for allow_external in [false, true] {
        let refused = load_within_a_minute(&spec, allow_external).expect_err("refused");
        assert!(refused.contains("FIFO"), "{refused}");
    }
}

#[cfg(unix)]
#[test]
fn a_ref_to_dev_stdin_or_a_folder_is_refused() {
    let dir = Scratch::new("stdin");
    for (reference, allow_external) in [
        ("file:///dev/stdin", true),
        ("file:///dev/zero", true),
        ("./schemas", false),
    ] {
        let spec = dir.spec(reference);
        let refused = load_within_a_minute(&spec, allow_external).expect_err("refused");
        assert!(refused.contains("regular file"), "{reference}: {refused}");
    }
}
