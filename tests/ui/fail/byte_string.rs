use lumogon_track::track_screen;

#[track_screen(b"scan")]
fn handler() {}

fn main() {
    handler();
}
