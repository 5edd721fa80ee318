// #[tokio::main] expands first and hands the attribute a synchronous `main`.
#[tokio::main(flavor = "current_thread")]
#[lumogon_track::track_screen("main", outcome)]
async fn main() -> std::process::ExitCode {
    let n = async { 21 }.await;
    assert_eq!(n * 2, 42);
    std::process::ExitCode::SUCCESS
}
