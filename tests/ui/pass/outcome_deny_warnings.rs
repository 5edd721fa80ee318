//! The outcome expansion must not trip any lint in code that denies them all.
#![deny(warnings, unused, unused_qualifications, unused_results, unreachable_pub)]
#![deny(missing_docs, trivial_casts, unused_import_braces, single_use_lifetimes)]
#![deny(clippy::all, clippy::pedantic)]

use lumogon_track::track_screen;

/// A tracked handler in a crate that denies every warning.
#[track_screen("strict", outcome)]
fn strict() -> Result<(), std::fmt::Error> {
    Ok(())
}

/// One returning nothing.
#[track_screen("strict unit", outcome)]
fn strict_unit() {}

/// An async one.
#[track_screen("strict async", outcome)]
async fn strict_async() {}

/// One returning a future.
#[track_screen("strict future", outcome)]
fn strict_future() -> impl Future<Output = bool> {
    async { true }
}

fn main() {
    strict().unwrap_or_default();
    strict_unit();
    drop(strict_async());
    drop(strict_future());
}
