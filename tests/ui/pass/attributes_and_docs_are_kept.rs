#![deny(unused_must_use)]

use lumogon_track::track_screen;

/// Documented.
///
/// Still documented after the attribute.
#[track_screen("attributes")]
#[inline]
#[must_use = "the answer matters"]
#[cfg_attr(test, allow(dead_code))]
#[allow(clippy::needless_return)]
pub fn answer() -> u32 {
    #![allow(unused_variables)]
    let unused = 1;
    return 42;
}

#[cfg(any())]
#[track_screen("compiled away")]
fn gone() -> DoesNotExist {}

fn main() {
    let a = answer();
    assert_eq!(a, 42);
}
