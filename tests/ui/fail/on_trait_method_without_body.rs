use lumogon_track::track_screen;

trait Handler {
    #[track_screen("scan")]
    fn handle(&self);
}

fn main() {}
