use lumogon_track::track_screen;

#[track_screen("scan", "report")]
fn handler() {}

fn main() {
    handler();
}
