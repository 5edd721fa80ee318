use lumogon_track::track_screen;

#[track_screen("scan", outcome = true)]
fn handler() {}

fn main() {
    handler();
}
