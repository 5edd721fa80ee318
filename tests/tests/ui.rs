//! trybuild UI tests of `#[track_screen]`. trybuild passes this crate's
//! features to every case and has no per-case features, so cases whose
//! expectations depend on the mode live in their own folder behind a
//! `cfg(feature)` test; `pass/` and `fail/` hold in both modes.

#[test]
fn ui_in_both_modes() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}

#[cfg(feature = "analytics")]
#[test]
fn ui_with_analytics() {
    trybuild::TestCases::new().pass("ui/analytics/*.rs");
}

#[cfg(not(feature = "analytics"))]
#[test]
fn ui_without_analytics() {
    trybuild::TestCases::new().pass("ui/no-analytics/*.rs");
}
