//! The first-run notice: its default text, and showing it, which is what
//! lets later runs send.

use crate::persistence::AppDir;
use crate::persistence::choice::Saved;

/// The notice an application gets when it writes none: what the library
/// sends, and how to turn it off.
pub(crate) fn default_notice(app: &str, disable_variable: &str) -> String {
    format!(
        "{app} sends anonymous usage analytics: the name of each command you run (never its \
         arguments), {app}'s version and an anonymous id. Nothing was sent this time.\n\
         To turn it off: `{app} analytics disable` (or set {disable_variable} or DO_NOT_TRACK to 1)."
    )
}

/// Shows the notice on stderr and records that it was shown; until the
/// record is written, nothing is ever sent (the notice shows again on the
/// next run).
pub(crate) fn show_notice(text: &str, dir: &AppDir, version: u32) {
    eprintln!("{text}");
    let saved = Saved {
        notice_version: version,
        ..dir.load()
    };
    if let Err(e) = dir.save(saved) {
        log::debug!(
            "analytics: could not record the notice in {}: {e}",
            dir.dir.display()
        );
    }
}
