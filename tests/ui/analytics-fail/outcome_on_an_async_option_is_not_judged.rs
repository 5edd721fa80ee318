use lumogon_track::track_screen;

#[track_screen("scan", outcome)]
async fn handler() -> Option<u8> {
    None
}

fn main() {
    drop(handler());
}
