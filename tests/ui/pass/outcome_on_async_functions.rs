//! `outcome` on an `async fn`, an `#[async_trait]` method and a sync fn
//! returning `impl Future<Output = T> + Send`: the futures stay `Send`, and
//! `?`, early `return` and coercions to the declared type still work.
#![deny(warnings)]

use std::future::Future;

use async_trait::async_trait;
use lumogon_track::track_screen;

#[track_screen("async", outcome)]
async fn handler(input: &str) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    if input.is_empty() {
        return Err("empty".into());
    }
    let n: u32 = input.parse()?;
    Ok(n)
}

#[track_screen("async unit", outcome)]
async fn unit() {}

#[track_screen("returns a future", outcome)]
fn returns_a_future(n: u8) -> impl Future<Output = Result<u8, String>> + Send {
    if n == 0 {
        return std::future::ready(Err("zero".to_owned()));
    }
    std::future::ready(Ok(n))
}

#[async_trait]
trait Handler {
    async fn handle(&self, input: u32) -> Result<u32, String>;

    #[track_screen("default", outcome)]
    async fn default_handle(&self) -> bool {
        true
    }
}

struct Double;

#[async_trait]
impl Handler for Double {
    #[track_screen("handle", outcome)]
    async fn handle(&self, input: u32) -> Result<u32, String> {
        let n = input.checked_mul(2).ok_or("overflow")?;
        Ok(n)
    }
}

fn is_send<T: Send>(t: T) -> T {
    t
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
    assert_eq!(rt.block_on(is_send(handler("4"))).ok(), Some(4));
    assert!(rt.block_on(handler("")).is_err());
    rt.block_on(is_send(unit()));
    assert_eq!(rt.block_on(is_send(returns_a_future(2))), Ok(2));
    assert!(rt.block_on(returns_a_future(0)).is_err());
    let handler: Box<dyn Handler + Send + Sync> = Box::new(Double);
    assert_eq!(rt.block_on(is_send(handler.handle(4))), Ok(8));
    assert!(rt.block_on(handler.handle(u32::MAX)).is_err());
    assert!(rt.block_on(handler.default_handle()));
}
