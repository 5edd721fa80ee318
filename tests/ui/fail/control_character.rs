use lumogon_track::track_screen;

#[track_screen("scan\nreport")]
fn handler() {}

fn main() {
    handler();
}
