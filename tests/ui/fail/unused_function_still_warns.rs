#![deny(dead_code)]

use lumogon_track::track_screen;

#[track_screen("unused")]
fn never_called() {}

fn main() {}
