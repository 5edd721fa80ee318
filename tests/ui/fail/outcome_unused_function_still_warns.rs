#![deny(dead_code)]

use lumogon_track::track_screen;

#[track_screen("unused", outcome)]
fn never_called() -> Result<(), String> {
    Ok(())
}

#[track_screen("unused async", outcome)]
async fn never_called_async() {}

fn main() {}
