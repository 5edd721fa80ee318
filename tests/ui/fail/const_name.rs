use lumogon_track::track_screen;

const NAME: &str = "scan";

#[track_screen(NAME)]
fn handler() {}

fn main() {
    handler();
}
