use std::io::Write;

use lumogon_track::track_screen;

use crate::error::CliError;

/// The commit and commit time this binary was built from (see build.rs).
pub const BUILD_SHA: &str = env!("LUMOGON_BUILD_SHA");
pub const BUILD_TIME: &str = env!("LUMOGON_BUILD_TIME");

#[track_screen("version")]
pub fn version(out: &mut dyn Write) -> Result<(), CliError> {
    let analytics = if cfg!(feature = "analytics") {
        "included (see ANALYTICS.md to opt out)"
    } else {
        "not included in this build"
    };
    writeln!(out, "lumogon {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(out, "BuildSHA:  {BUILD_SHA}")?;
    writeln!(out, "BuildTime: {BUILD_TIME}")?;
    writeln!(out, "Analytics: {analytics}")?;
    Ok(())
}
