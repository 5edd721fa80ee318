use async_trait::async_trait;
use lumogon_track::track_screen;

#[async_trait]
trait Handler {
    async fn handle(&self, input: u32) -> Result<u32, String>;
}

struct Double;

#[async_trait]
impl Handler for Double {
    #[track_screen("handle")]
    async fn handle(&self, input: u32) -> Result<u32, String> {
        let n = input.checked_mul(2).ok_or("overflow")?;
        Ok(n)
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let handler: Box<dyn Handler> = Box::new(Double);
    assert_eq!(rt.block_on(handler.handle(4)), Ok(8));
    assert_eq!(rt.block_on(handler.handle(u32::MAX)), Err("overflow".to_owned()));
}
