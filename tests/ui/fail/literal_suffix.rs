use lumogon_track::track_screen;

#[track_screen("scan"suffix)]
fn handler() {}

fn main() {
    handler();
}
