use lumogon_track::track_screen;

#[track_screen("async")]
async fn fetch(n: u32) -> Result<u32, String> {
    let doubled = async { n * 2 }.await;
    if doubled > 100 {
        return Err("too big".to_owned());
    }
    Ok(doubled)
}

struct Service;

impl Service {
    #[track_screen("async method")]
    async fn call(&self, n: u32) -> u32 {
        fetch(n).await.unwrap_or(0)
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(fetch(4)), Ok(8));
    assert_eq!(rt.block_on(fetch(51)), Err("too big".to_owned()));
    assert_eq!(rt.block_on(Service.call(3)), 6);
}
