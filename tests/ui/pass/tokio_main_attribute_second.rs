// The attribute sees the `async fn main` before #[tokio::main] does.
#[lumogon_track::track_screen("main")]
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let n = async { 21 }.await;
    assert_eq!(n * 2, 42);
}
