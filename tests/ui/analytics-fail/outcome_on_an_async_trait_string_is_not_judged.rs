use async_trait::async_trait;
use lumogon_track::track_screen;

#[async_trait]
trait Handler {
    async fn handle(&self) -> String;
}

struct H;

#[async_trait]
impl Handler for H {
    #[track_screen("scan", outcome)]
    async fn handle(&self) -> String {
        String::new()
    }
}

fn main() {
    drop(H.handle());
}
