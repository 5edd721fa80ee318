#![deny(unsafe_op_in_unsafe_fn)]

use lumogon_track::track_screen;

/// # Safety
/// `p` must point to a valid `u32`.
#[track_screen("unsafe")]
unsafe fn read(p: *const u32) -> u32 {
    // SAFETY: the caller promises `p` is valid.
    unsafe { *p }
}

#[track_screen("extern")]
extern "C" fn callback(n: i32) -> i32 {
    n + 1
}

#[track_screen("no mangle")]
#[unsafe(no_mangle)]
pub extern "C" fn lumogon_ui_test_exported() -> i32 {
    7
}

fn main() {
    let n = 5u32;
    // SAFETY: `n` is a live u32.
    assert_eq!(unsafe { read(&n) }, 5);
    let f: extern "C" fn(i32) -> i32 = callback;
    assert_eq!(f(1), 2);
    assert_eq!(lumogon_ui_test_exported(), 7);
}
