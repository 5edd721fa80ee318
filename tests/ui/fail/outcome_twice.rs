use lumogon_track::track_screen;

#[track_screen("scan", outcome, outcome)]
fn handler() {}

fn main() {
    handler();
}
