//! Build facts for `lumogon version` and the report's `client_version` (the
//! commit a binary was built from, and that commit's time, so two builds of
//! one commit print the same thing), and the list of screen names behind
//! `lumogon analytics screens`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use syn::visit::Visit;

#[path = "src/built_in.rs"]
#[allow(dead_code)] // the build checks the choice; lumogon makes it
mod built_in;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .env("TZ", "UTC")
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_owned())
}

fn main() {
    let sha = git(&["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".to_owned());
    let time = git(&[
        "log",
        "-1",
        "--date=format-local:%Y-%m-%d %H:%M:%S +0000 UTC",
        "--format=%cd",
    ])
    .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=LUMOGON_BUILD_SHA={sha}");
    println!("cargo:rustc-env=LUMOGON_BUILD_TIME={time}");
    // Rebuild when HEAD moves, not on every build. Only paths that exist:
    // cargo takes a missing one for changed, and would rebuild every time
    // (a repository without packed refs has no `packed-refs`).
    for path in ["HEAD", "refs/heads", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path])
            && Path::new(&p).exists()
        {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src");
    check_built_in();
    write_screens();
}

/// Fails the build, naming the variables, when they name half an analytics
/// backend or two (see `src/built_in.rs`): a build must not bake in a guess.
fn check_built_in() {
    for name in built_in::VARIABLES {
        println!("cargo:rerun-if-env-changed={name}");
    }
    let values: Vec<(&str, String)> = built_in::VARIABLES
        .iter()
        .filter_map(|name| std::env::var(name).ok().map(|v| (*name, v)))
        .collect();
    let var = |name: &str| {
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    };
    if let Err(why) = built_in::choose(var) {
        println!("cargo::error={why}");
    }
}

/// Every `#[track_screen("…")]` literal in `src/`, sorted, as a constant.
///
/// Read from the parsed sources rather than registered by the macro at link
/// time: a link-section registry (linkme, inventory) trips
/// `forbid(unsafe_code)` in the annotated crate, and the attribute's
/// expansion stays the one statement it promises to be.
fn write_screens() {
    let mut screens = BTreeSet::new();
    let mut files = Vec::new();
    collect_rs_files(Path::new("src"), &mut files);
    for file in files {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        // A file that does not parse fails the real compilation with a
        // better message than this script could give.
        let Ok(ast) = syn::parse_file(&text) else {
            continue;
        };
        let mut finder = ScreenFinder(&mut screens);
        finder.visit_file(&ast);
    }
    let list: Vec<String> = screens.iter().map(|s| format!("{s:?}")).collect();
    let code = format!(
        "/// Every screen name in this binary's sources.\npub const SCREENS: &[&str] = &[{}];\n",
        list.join(", ")
    );
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default()).join("screens.rs");
    if let Err(e) = std::fs::write(&out, code) {
        panic!("cannot write {}: {e}", out.display());
    }
}

fn collect_rs_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

struct ScreenFinder<'a>(&'a mut BTreeSet<String>);

impl<'ast> Visit<'ast> for ScreenFinder<'_> {
    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        let is_track_screen = attr
            .path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "track_screen");
        if !is_track_screen {
            return;
        }
        // The screen name is the first argument; `outcome` may follow it.
        let args = attr.parse_args_with(
            syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated,
        );
        if let Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(name),
            ..
        })) = args.ok().and_then(|args| args.into_iter().next())
        {
            self.0.insert(name.value());
        }
    }
}
