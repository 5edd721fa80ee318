use std::future::Future;

use lumogon_track::track_screen;

#[track_screen("scan", outcome)]
fn handler() -> impl Future<Output = String> {
    async { String::new() }
}

fn main() {
    drop(handler());
}
