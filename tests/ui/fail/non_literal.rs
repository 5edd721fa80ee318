use lumogon_track::track_screen;

#[track_screen(scan)]
fn handler() {}

fn main() {
    handler();
}
