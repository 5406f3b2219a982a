//! Which local files a spec's `$ref`s may read.
//!
//! A `$ref` names a file the spec's author chose, not the user, so reading it
//! is held to two rules:
//! - only regular files: a FIFO, `/dev/stdin` or a device would block the
//!   load forever or read what is not a document, and a directory is no
//!   document either;
//! - only files inside the folder of the root spec (after following
//!   symbolic links and `..`), unless the loader allows external references
//!   ([`Loader::allow_external_refs`](super::Loader::allow_external_refs),
//!   `--allow-external-refs`): a spec must not read `/etc/passwd` or
//!   `~/.ssh/…` and send parts of it as values. A spec fetched over http(s)
//!   reads no local file at all (`documents.rs` refuses it first).

use std::io::Read;
use std::path::{Path, PathBuf};

use url::Url;

use super::SpecError;
use super::fetch::MAX_DOCUMENT_BYTES;

/// Reads the `file://` document `url`, which the spec at `root` refers to.
pub(crate) fn read_referenced(
    root: &Url,
    url: &Url,
    allow_external: bool,
) -> Result<Vec<u8>, SpecError> {
    let path = url.to_file_path().map_err(|()| SpecError::Read {
        path: url.to_string(),
        source: std::io::Error::other("not a local file URL"),
    })?;
    let shown = path.display().to_string();
    let refuse = |why: String| SpecError::Read {
        path: shown.clone(),
        source: std::io::Error::other(why),
    };
    let io = |source: std::io::Error| SpecError::Read {
        path: shown.clone(),
        source,
    };
    // metadata first: opening a FIFO for reading blocks until a writer comes
    let meta = std::fs::metadata(&path).map_err(io)?;
    if !meta.is_file() {
        return Err(refuse(format!(
            "a $ref may only name a regular file, and this is {}; refused",
            kind_of(&meta)
        )));
    }
    if !allow_external {
        let real = std::fs::canonicalize(&path).map_err(io)?;
        match root_folder(root) {
            Some(folder) if real.starts_with(&folder) => {}
            Some(folder) => {
                return Err(refuse(format!(
                    "the file is outside the spec's folder {}; refused (allow it with --allow-external-refs)",
                    folder.display()
                )));
            }
            None => {
                return Err(refuse(
                    "a spec fetched over http(s) may not read local files; refused".into(),
                ));
            }
        }
    }
    let file = std::fs::File::open(&path).map_err(io)?;
    // the file may have been swapped since the first look
    if !file.metadata().map_err(io)?.is_file() {
        return Err(refuse(
            "a $ref may only name a regular file; refused".into(),
        ));
    }
    let mut bytes = Vec::new();
    file.take(MAX_DOCUMENT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(SpecError::TooLarge {
            origin: shown,
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(bytes)
}

/// The folder of a local root spec, symbolic links resolved; `None` for a
/// spec fetched over http(s).
fn root_folder(root: &Url) -> Option<PathBuf> {
    if root.scheme() != "file" {
        return None;
    }
    let path = root.to_file_path().ok()?;
    let folder = path.parent().unwrap_or(Path::new("/"));
    // a spec held in memory names a file that need not exist: its folder does
    std::fs::canonicalize(folder)
        .ok()
        .or_else(|| Some(folder.to_path_buf()))
}

fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(path: &Path) -> Url {
        Url::from_file_path(path).expect("absolute")
    }

    /// A fresh folder under the system's temporary one.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("apiprobe-local-refs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::canonicalize(&dir).expect("canonical")
    }

    #[test]
    fn files_inside_the_folder_are_read_and_others_refused() {
        let dir = scratch("inside");
        let root = dir.join("api.yaml");
        std::fs::create_dir(dir.join("schemas")).expect("mkdir");
        let inside = dir.join("schemas/pet.yaml");
        std::fs::write(&inside, "type: object\n").expect("write");
        assert!(read_referenced(&url(&root), &url(&inside), false).is_ok());
        let other = scratch("outside");
        let outside = other.join("pet.yaml");
        std::fs::write(&outside, "type: object\n").expect("write");
        // `..` and symbolic links are followed before the folder is compared
        let dotdot = dir
            .join("schemas/../../")
            .join(other.file_name().expect("name"))
            .join("pet.yaml");
        assert!(read_referenced(&url(&root), &url(&dotdot), false).is_err());
        let e = read_referenced(&url(&root), &url(&outside), false).unwrap_err();
        assert!(format!("{e:?}").contains("--allow-external-refs"), "{e:?}");
        assert!(read_referenced(&url(&root), &url(&outside), true).is_ok());
        let remote = Url::parse("https://example.com/api.yaml").expect("url");
        assert!(read_referenced(&remote, &url(&inside), false).is_err());
        assert!(read_referenced(&remote, &url(&inside), true).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&other);
    }

    #[test]
    fn directories_are_refused() {
        let dir = scratch("dirs");
        let root = dir.join("api.yaml");
        let sub = dir.join("sub");
        std::fs::create_dir(&sub).expect("mkdir");
        let e = read_referenced(&url(&root), &url(&sub), true).unwrap_err();
        assert!(format!("{e:?}").contains("a directory"), "{e:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
