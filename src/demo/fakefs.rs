//! An in-memory fake file tree for the path traversal flaw (19); the real
//! file system is never read.

/// The directory that GET /files serves.
pub(crate) const PUBLIC_DIR: &str = "/srv/app/public";

const FILES: [(&str, &str); 5] = [
    (
        "/srv/app/public/readme.txt",
        "Welcome to the demo file area.\n",
    ),
    (
        "/srv/app/public/help.txt",
        "Ask an administrator for help.\n",
    ),
    (
        "/srv/app/config/database.yml",
        "password: demo-db-password\n",
    ),
    (
        "/etc/passwd",
        "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nwww-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n",
    ),
    ("/etc/hostname", "demo-host\n"),
];

/// The content of a file of the fake tree, by absolute path.
pub(crate) fn read(path: &str) -> Option<&'static str> {
    FILES
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, content)| *content)
}

/// `name` resolved against `base` as a POSIX system would: `.` and `..`
/// segments applied, an absolute name replacing the base.
pub(crate) fn resolve(base: &str, name: &str) -> String {
    let joined = if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("{base}/{name}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for segment in joined.split(['/', '\\']) {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}
