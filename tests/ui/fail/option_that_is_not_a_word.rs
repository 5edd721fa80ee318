use lumogon_track::track_screen;

#[track_screen("scan", 1)]
fn handler() {}

fn main() {
    handler();
}
