#![deny(unused_must_use)]

use lumogon_track::track_screen;

// The wrapped body leaves the signature's attributes as written.
#[track_screen("scan", outcome)]
#[must_use]
fn handler() -> bool {
    true
}

fn main() {
    handler();
}
