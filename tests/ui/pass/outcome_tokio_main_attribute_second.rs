// The attribute sees `async fn main` and hands #[tokio::main] an async one.
#[lumogon_track::track_screen("main", outcome)]
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let n = async { 21 }.await;
    if n * 2 != 42 {
        return Err("arithmetic".to_owned());
    }
    Ok(())
}
