use lumogon_track::track_screen;

#[track_screen("scan")]
const fn handler() -> u32 {
    1
}

fn main() {
    let _ = handler();
}
