//! The expansion must not trip any lint in code that denies them all.
#![deny(warnings, unused, unused_qualifications, unused_results, unreachable_pub)]
#![deny(missing_docs, trivial_casts, unused_import_braces, single_use_lifetimes)]
#![deny(clippy::all, clippy::pedantic)]

use lumogon_track::track_screen;

/// A tracked handler in a crate that denies every warning.
#[track_screen("strict")]
fn strict() -> Result<(), std::fmt::Error> {
    Ok(())
}

/// An async one.
#[track_screen("strict async")]
async fn strict_async() {}

fn main() {
    strict().unwrap_or_default();
    drop(strict_async());
}
