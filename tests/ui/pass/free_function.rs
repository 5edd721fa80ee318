use lumogon_track::track_screen;

#[track_screen("free")]
fn add(a: u32, b: u32) -> u32 {
    a + b
}

#[track_screen("unit")]
fn nothing() {}

fn main() {
    assert_eq!(add(2, 3), 5);
    nothing();
}
