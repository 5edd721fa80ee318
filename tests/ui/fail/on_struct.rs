use lumogon_track::track_screen;

#[track_screen("scan")]
pub struct Handler;

fn main() {
    let _ = Handler;
}
