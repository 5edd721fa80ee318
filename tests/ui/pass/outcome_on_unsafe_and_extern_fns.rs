//! `outcome` on `unsafe fn` (its unsafe operations still need their own
//! block, as in edition 2024) and `extern "C"` functions.
#![deny(unsafe_op_in_unsafe_fn, warnings)]

use lumogon_track::track_screen;

/// # Safety
/// `p` must point to a valid `u32`.
#[track_screen("unsafe", outcome)]
unsafe fn read(p: *const u32) -> Result<u32, String> {
    // SAFETY: the caller promises `p` is valid.
    Ok(unsafe { *p })
}

#[track_screen("extern", outcome)]
extern "C" fn callback(n: i32) -> bool {
    n > 0
}

#[track_screen("no mangle", outcome)]
#[unsafe(no_mangle)]
pub extern "C" fn lumogon_ui_test_outcome_exported() -> bool {
    true
}

fn main() {
    let n = 5u32;
    // SAFETY: `n` is a live u32.
    assert_eq!(unsafe { read(&n) }, Ok(5));
    let f: extern "C" fn(i32) -> bool = callback;
    assert!(f(1));
    assert!(lumogon_ui_test_outcome_exported());
}
