//! Without the `analytics` feature `#[track_screen]` leaves no trace in the
//! machine code: lumogon-track's `codegen_probe` example, built for release,
//! runs the same instructions for its `tracked` function as for `untracked`,
//! the same function without the attribute. A third function, `different`,
//! changes one constant and must compare unequal, to show that the
//! comparison can tell functions apart.
//!
//! LLVM merges functions whose code is identical (rustc turns its
//! MergeFunctions pass on at opt-level 2 and 3), and in this build it merges
//! `untracked` into `tracked`. So the functions are found through the
//! probe's `PROBES` table, whose entries name the code each call really
//! runs: merged, the first two entries are one and the same symbol; should a
//! compiler keep both, their instructions are compared.
//!
//! The build names its features itself, so the test runs once, in the
//! suite's run without analytics. (With analytics `tracked` starts with the
//! runtime's check and differs; that build needs reqwest and ring in release,
//! about a minute more on two cores, and is left to the command in the
//! example's documentation.)

#![cfg(not(feature = "analytics"))]

use std::collections::HashMap;

use lumogon_tests::lumogon::{cargo, target_and_profile};

/// Builds the probe for release without analytics, in a target directory of
/// its own (under this test build's), and returns its assembly.
fn probe_assembly() -> String {
    let (target, _) = target_and_profile();
    let target = target.join("codegen");
    std::fs::create_dir_all(&target).expect("create the codegen target directory");
    let asm = target.join("codegen_probe.s");
    let status = cargo()
        .args([
            "rustc",
            "--quiet",
            "-p",
            "lumogon-track",
            "--example",
            "codegen_probe",
            "--release",
            "--no-default-features",
            "--target-dir",
        ])
        .arg(&target)
        // Building an example builds every dev-dependency (criterion, clap)
        // too; unoptimised they build in half the time, and the probe uses
        // none of them: without analytics lumogon-track has no dependencies,
        // and workspace members keep the release profile.
        .args(["--config", r#"profile.release.package."*".opt-level=0"#])
        .args(["--", "-C", "codegen-units=1", "--emit"])
        .arg(format!("asm={}", asm.display()))
        .status()
        .expect("run cargo rustc");
    assert!(
        status.success(),
        "cargo rustc --example codegen_probe failed"
    );
    std::fs::read_to_string(&asm).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; if cargo found the build up to date, remove {} and run again",
            asm.display(),
            target.display()
        )
    })
}

/// A symbol name without its hash (`_ZN13codegen_probe7tracked17h…E`
/// becomes `_ZN13codegen_probe7tracked`), for messages.
fn short(symbol: &str) -> &str {
    symbol.rfind("17h").map_or(symbol, |i| &symbol[..i])
}

/// The symbols a data table in the assembly holds, in order.
fn table(asm: &str, name: &str) -> Vec<String> {
    let mut lines = asm
        .lines()
        .skip_while(|l| !(l.ends_with(':') && l.contains(name) && !l.starts_with('.')))
        .skip(1);
    let mut entries = Vec::new();
    while let Some(entry) = lines.next().and_then(|l| {
        let l = l.trim();
        [".quad", ".xword", ".8byte"]
            .iter()
            .find_map(|d| l.strip_prefix(d))
            .map(str::trim)
    }) {
        entries.push(entry.to_owned());
    }
    assert!(!entries.is_empty(), "no table {name} in the assembly");
    entries
}

/// A comment in an instruction line.
const COMMENT: &str = if cfg!(any(target_arch = "x86", target_arch = "x86_64")) {
    "#"
} else {
    "//"
};

/// The instructions of the function `symbol`: from its label to the end of
/// the function, without directives, labels or comments, and with the
/// function's own labels renamed in order of appearance (`.LBB3_2` becomes
/// `.L0`), since their numbers depend on where the function is in the file.
fn instructions(asm: &str, symbol: &str) -> Vec<String> {
    let label = format!("{symbol}:");
    let body: Vec<&str> = asm
        .lines()
        .skip_while(|l| *l != label)
        .skip(1)
        .take_while(|l| {
            let l = l.trim();
            !(l.starts_with(".Lfunc_end") || l.starts_with(".size") || l == ".cfi_endproc")
        })
        .collect();
    assert!(!body.is_empty(), "no function {symbol} in the assembly");
    let own_labels: HashMap<&str, String> = body
        .iter()
        .filter_map(|l| l.trim().strip_suffix(':'))
        .filter(|l| l.starts_with('.'))
        .enumerate()
        .map(|(i, l)| (l, format!(".L{i}")))
        .collect();
    body.iter()
        .map(|l| l.split(COMMENT).next().unwrap_or_default().trim())
        .filter(|l| !l.is_empty() && !l.starts_with('.') && !l.ends_with(':'))
        .map(|l| rename(l, &own_labels))
        .collect()
}

/// `instruction` with each operand that `names` holds replaced.
fn rename(instruction: &str, names: &HashMap<&str, String>) -> String {
    let separator = |c: char| c.is_whitespace() || ",()".contains(c);
    instruction
        .split_inclusive(separator)
        .map(|piece| {
            let name = piece.trim_end_matches(separator);
            match names.get(name) {
                Some(new) => format!("{new}{}", &piece[name.len()..]),
                None => piece.to_owned(),
            }
        })
        .collect()
}

#[test]
fn without_the_feature_a_tracked_function_is_the_same_machine_code_as_an_untracked_one() {
    let asm = probe_assembly();
    let probes = table(&asm, "PROBES");
    let [tracked, untracked, different] = probes.as_slice() else {
        panic!("PROBES should hold three functions: {probes:?}");
    };
    // Mangled names spell each segment after its length.
    assert!(
        short(tracked).ends_with("7tracked")
            && (untracked == tracked || short(untracked).ends_with("9untracked"))
            && short(different).ends_with("9different"),
        "PROBES is not [tracked, untracked, different]: {probes:?}"
    );
    let code: HashMap<&str, Vec<String>> = [tracked, untracked, different]
        .into_iter()
        .map(|symbol| (symbol.as_str(), instructions(&asm, symbol)))
        .collect();
    let report = |symbol: &str| format!("{}: {:#?}", short(symbol), code[symbol]);
    eprintln!(
        "tracked: {} instructions; untracked: {} instructions{}; different: {} instructions",
        code[tracked.as_str()].len(),
        code[untracked.as_str()].len(),
        if tracked == untracked {
            " (merged by LLVM into tracked)"
        } else {
            ""
        },
        code[different.as_str()].len(),
    );
    assert_eq!(
        code[tracked.as_str()],
        code[untracked.as_str()],
        "#[track_screen] changed the machine code without analytics:\n{}\n{}",
        report(tracked),
        report(untracked)
    );
    assert_ne!(
        code[tracked.as_str()],
        code[different.as_str()],
        "the comparison cannot tell two different functions apart:\n{}\n{}",
        report(tracked),
        report(different)
    );
}
