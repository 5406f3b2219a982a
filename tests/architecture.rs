//! The direction of dependencies between the top-level modules of `src/`
//! (docs/ARCHITECTURE.md draws it): read from the `crate::` paths of the
//! non-test code, it has no cycle, and the lower layers name none of the
//! upper ones.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level module → the top-level modules its non-test code names.
type Graph = BTreeMap<String, BTreeSet<String>>;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The top-level modules: `src/x.rs` and `src/x/`, without lib and main.
fn modules(root: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for entry in fs::read_dir(root).expect("src/ is readable") {
        let entry = entry.expect("src/ entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        let name = name.strip_suffix(".rs").unwrap_or(&name).to_owned();
        if name != "lib" && name != "main" {
            out.insert(name);
        }
    }
    out
}

/// Every `.rs` file under `dir`, except test modules (`tests.rs`, `tests/`).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("directory is readable") {
        let path = entry.expect("entry").path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if path.is_dir() {
            if name.as_deref() != Some("tests") {
                files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") && name.as_deref() != Some("tests.rs")
        {
            out.push(path);
        }
    }
}

/// The code of a file without comments, and without the test module that
/// ends it (`#[cfg(test)] mod ...`).
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]") {
        Some(at)
            if text[at..]
                .trim_start_matches("#[cfg(test)]")
                .trim_start()
                .starts_with("mod ") =>
        {
            &text[..at]
        }
        _ => text,
    };
    text.lines()
        .map(|line| match line.find("//") {
            // a `//` inside a string literal ("http://...") keeps the line
            Some(at) if line[..at].matches('"').count() % 2 == 0 => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules that `code` names through `crate::`: in `use
/// crate::x::...`, `use crate::{x, y::z}` and inline `crate::x::` paths.
fn named(code: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$') {
            continue; // `$crate::`, `mycrate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // a grouped import: the first segment of each top-level item
            let mut depth = 0;
            let mut items = vec![String::new()];
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => items.push(String::new()),
                    _ if depth == 0 => items.last_mut().expect("one item").push(c),
                    _ => {}
                }
            }
            for item in items {
                let word: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if modules.contains(&word) {
                    out.insert(word);
                }
            }
            continue;
        }
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if modules.contains(&word) {
            out.insert(word);
        }
    }
    out
}

fn graph() -> Graph {
    let root = src();
    let modules = modules(&root);
    let mut graph = Graph::new();
    for module in &modules {
        let mut paths = Vec::new();
        let dir = root.join(module);
        if dir.is_dir() {
            files(&dir, &mut paths);
        }
        let file = root.join(format!("{module}.rs"));
        if file.is_file() {
            paths.push(file);
        }
        let mut uses = BTreeSet::new();
        for path in paths {
            let text = fs::read_to_string(&path).expect("source is readable");
            uses.extend(named(&code(&text), &modules));
        }
        uses.remove(module);
        graph.insert(module.clone(), uses);
    }
    graph
}

/// Whether `to` can be reached from `from` by following the graph's edges.
fn reaches(graph: &Graph, from: &str, to: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_owned()];
    while let Some(m) = stack.pop() {
        for next in graph.get(&m).into_iter().flatten() {
            if next == to {
                return true;
            }
            if seen.insert(next.clone()) {
                stack.push(next.clone());
            }
        }
    }
    false
}

#[test]
fn no_cycle_between_top_level_modules() {
    let graph = graph();
    let cycles: Vec<String> = graph
        .iter()
        .flat_map(|(from, tos)| tos.iter().map(move |to| (from, to)))
        .filter(|(from, to)| reaches(&graph, to, from))
        .map(|(from, to)| format!("{from} -> {to} -> ... -> {from}"))
        .collect();
    assert!(
        cycles.is_empty(),
        "the module graph has cycles:\n{}\nthe graph: {graph:#?}",
        cycles.join("\n")
    );
}

#[test]
fn lower_layers_name_no_upper_one() {
    let graph = graph();
    // each module, and what it must never depend on (directly or not)
    let rules: &[(&str, &[&str])] = &[
        (
            "model",
            &[
                "spec", "http", "generate", "identity", "probes", "checks", "engine", "report",
                "cli",
            ],
        ),
        (
            "http",
            &[
                "generate", "identity", "probes", "checks", "engine", "report", "cli", "spec",
            ],
        ),
        (
            "generate",
            &["identity", "probes", "checks", "engine", "report", "cli"],
        ),
        ("identity", &["probes", "checks", "engine", "report", "cli"]),
        ("probes", &["checks", "engine", "report", "cli"]),
        ("checks", &["engine", "report", "cli"]),
        ("engine", &["report", "cli"]),
        ("report", &["cli"]),
    ];
    let mut broken = Vec::new();
    for (module, forbidden) in rules {
        assert!(graph.contains_key(*module), "src/ has no module {module}");
        for upper in *forbidden {
            if *module != *upper && reaches(&graph, module, upper) {
                broken.push(format!("{module} depends on {upper}"));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "{}\nthe graph: {graph:#?}",
        broken.join("\n")
    );
}

#[test]
fn the_reader_of_the_graph_sees_every_form_of_path() {
    let modules: BTreeSet<String> = ["a", "b", "c", "d", "e"].map(String::from).into();
    let code = code(
        "use crate::a::X;\nuse crate::{b::Y, c};\nfn f() { crate::d::g(); }\n\
         // crate::e::commented\nconst U: &str = \"http://x\"; $crate::e::m\n\
         #[cfg(test)]\nmod tests { use crate::e::Z; }\n",
    );
    assert_eq!(
        named(&code, &modules),
        ["a", "b", "c", "d"].map(String::from).into()
    );
}
