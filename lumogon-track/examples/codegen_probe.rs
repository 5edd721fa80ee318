//! Three functions for `tests/tests/codegen.rs`, which reads their optimised
//! machine code: `tracked` carries `#[track_screen]`, `untracked` is the same
//! function without it, and `different` changes one constant, to show that
//! the comparison can tell two functions apart.
//!
//! ```sh
//! cargo rustc -p lumogon-track --example codegen_probe --release --no-default-features -- --emit asm -C codegen-units=1
//! ```
//!
//! The assembly is then in `target/release/examples/codegen_probe-<hash>.s`.
//! Look for `PROBES` there rather than for `untracked`: LLVM merges
//! functions whose code is identical, so in a release build without
//! analytics the table's first two entries both name `tracked` and
//! `untracked` has no code of its own.

use std::hint::black_box;

use lumogon_track::track_screen;

#[track_screen("probe")]
#[inline(never)]
pub fn tracked(x: u64) -> u64 {
    x.wrapping_mul(31) ^ (x >> 7)
}

#[inline(never)]
pub fn untracked(x: u64) -> u64 {
    x.wrapping_mul(31) ^ (x >> 7)
}

#[inline(never)]
pub fn different(x: u64) -> u64 {
    x.wrapping_mul(37) ^ (x >> 7)
}

/// The three functions in a fixed order, as a table the optimiser must keep:
/// whatever it merges, each entry names the code that call really runs.
pub static PROBES: [fn(u64) -> u64; 3] = [tracked, untracked, different];

fn main() {
    for probe in black_box(&PROBES) {
        println!("{}", probe(black_box(7)));
    }
}
