use std::panic;

use lumogon_track::track_screen;

#[track_screen("panics")]
fn explode(code: u32) -> u32 {
    if code > 0 {
        panic!("exploded with {code}");
    }
    0
}

#[track_screen("panics with a value")]
fn explode_with_value() {
    panic::panic_any(42_u64);
}

fn main() {
    panic::set_hook(Box::new(|_| {}));
    let payload = panic::catch_unwind(|| explode(3)).unwrap_err();
    assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("exploded with 3"));
    let payload = panic::catch_unwind(explode_with_value).unwrap_err();
    assert_eq!(payload.downcast_ref::<u64>(), Some(&42));
    assert_eq!(explode(0), 0);
}
