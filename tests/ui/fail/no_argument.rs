use lumogon_track::track_screen;

#[track_screen]
fn handler() {}

fn main() {
    handler();
}
