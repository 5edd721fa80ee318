use lumogon_track::track_screen;

#[track_screen(42)]
fn handler() {}

fn main() {
    handler();
}
