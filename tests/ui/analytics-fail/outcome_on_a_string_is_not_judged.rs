use lumogon_track::track_screen;

// A String says nothing about success: with analytics on, an error at the
// return type; compiled out, the function is left as written and builds.
#[track_screen("scan", outcome)]
fn handler() -> String {
    String::new()
}

fn main() {
    drop(handler());
}
