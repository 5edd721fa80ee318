//! lumogon-track's modules import one way only: no module uses one that
//! uses it back, directly or through others (DESIGN.md: `lib` →
//! `lifecycle` → `delivery` → `backends`, `persistence`; everything may use
//! `hit`, `stats`, `limits`). Read from the sources, as a newcomer would.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules of `src/` (a file or a folder each, `lib.rs`
/// aside), with the files that make each.
fn modules(src: &Path) -> BTreeMap<String, Vec<PathBuf>> {
    let mut modules = BTreeMap::new();
    for entry in std::fs::read_dir(src).expect("read src/").flatten() {
        let path = entry.path();
        let name = path
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if path.is_dir() {
            modules.insert(name, rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") && name != "lib" {
            modules.insert(name, vec![path]);
        }
    }
    modules
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)
        .expect("read a module folder")
        .flatten()
    {
        let path = entry.path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// The top-level modules a source names in `crate::…` paths, in code (not
/// comments, whose links name items such as the function `crate::status`),
/// including grouped imports (`use crate::{a::X, b};`).
fn uses(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        let names: Vec<&str> = match rest.strip_prefix('{') {
            Some(group) => group
                .split('}')
                .next()
                .unwrap_or_default()
                .split(',')
                .collect(),
            None => vec![rest],
        };
        for name in names {
            let name: String = name
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

/// A cycle in `edges`, if there is one.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, edges, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|node| visit(node, edges, &mut Vec::new(), &mut done))
}

fn track_edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../lumogon-track/src");
    let modules = modules(&src);
    let mut edges = BTreeMap::new();
    for (name, files) in &modules {
        let mut used = BTreeSet::new();
        for file in files {
            let text = std::fs::read_to_string(file).expect("read a source");
            used.extend(
                uses(&text)
                    .into_iter()
                    .filter(|m| m != name && modules.contains_key(m)),
            );
        }
        edges.insert(name.clone(), used);
    }
    edges
}

#[test]
fn no_module_of_lumogon_track_imports_one_that_imports_it_back() {
    let edges = track_edges();
    assert!(edges.len() > 10, "too few modules found: {edges:?}");
    assert_eq!(cycle(&edges), None, "{edges:#?}");
    // The arrows DESIGN.md names.
    let uses = |a: &str, b: &str| edges.get(a).is_some_and(|used| used.contains(b));
    assert!(uses("lifecycle", "delivery") && uses("delivery", "backends"));
    assert!(uses("delivery", "persistence"));
    for low in ["backends", "persistence", "hit", "stats", "limits"] {
        for high in ["lifecycle", "delivery", "status", "cli"] {
            assert!(!uses(low, high), "{low} uses {high}");
        }
    }
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let edges: BTreeMap<String, BTreeSet<String>> = [
        ("a", &["b"][..]),
        ("b", &["c"][..]),
        ("c", &["a"][..]),
        ("d", &[][..]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.iter().map(|s| (*s).to_owned()).collect()))
    .collect();
    assert_eq!(
        cycle(&edges).map(|c| c.join(" → ")),
        Some("a → b → c → a".to_owned())
    );
    assert_eq!(
        uses("use crate::{config::Given, hit};\n// crate::status\nlet _ = crate::stats::x();"),
        ["config", "hit", "stats"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
}
