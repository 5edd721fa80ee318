use lumogon_track::track_screen;

#[track_screen(42)]
enum Handler {}

fn main() {}
