// Names the expansion could collide with, if it used relative paths.
#![allow(dead_code, non_snake_case)]

mod __private {
    pub fn screen(_: &str) {
        panic!("the user's function was called");
    }
}

fn screen(_: &'static str) {
    panic!("the user's function was called");
}

struct lumogon_track;

#[::lumogon_track::track_screen("clash")]
fn handler() -> u32 {
    let _ = lumogon_track;
    1
}

fn main() {
    assert_eq!(handler(), 1);
}
