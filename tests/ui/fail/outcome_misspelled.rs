use lumogon_track::track_screen;

#[track_screen("scan", outcom)]
fn handler() {}

fn main() {
    handler();
}
