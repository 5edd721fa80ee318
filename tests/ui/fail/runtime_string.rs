use lumogon_track::track_screen;

// A screen name can only be a literal: nothing computed at run time (an
// argument, an environment variable) can become one.
#[track_screen(std::env::args().nth(1).unwrap())]
fn handler() {}

fn main() {
    handler();
}
