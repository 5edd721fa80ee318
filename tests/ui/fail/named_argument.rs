use lumogon_track::track_screen;

#[track_screen(name = "scan")]
fn handler() {}

fn main() {
    handler();
}
