#![deny(unused_must_use)]

use lumogon_track::track_screen;

#[track_screen("scan")]
#[must_use]
fn handler() -> u32 {
    1
}

fn main() {
    handler();
}
