//! lumogon's use of lumogon-track: who it reports as and where its client id
//! comes from.

use lumogon_track::{Config, FlushGuard};

use crate::{config_dir, docker};

/// The Universal Analytics property of the original Lumogon.
const TRACKING_ID: &str = "UA-54263865-7";

/// Starts analytics unless `--disable-analytics` (or the environment) says
/// otherwise, and returns the guard that flushes at exit.
pub fn start(disable_analytics: bool) -> Option<FlushGuard> {
    if disable_analytics {
        lumogon_track::disable();
    }
    let mut config =
        Config::new(TRACKING_ID, "lumogon", env!("CARGO_PKG_VERSION")).client_id(docker::daemon_id);
    if let Some(dir) = config_dir::config_dir() {
        config = config.client_id_file(dir.join("client_id"));
    }
    match lumogon_track::init(config) {
        Ok(guard) => Some(guard),
        Err(e) => {
            // A bad LUMOGON_ANALYTICS_URL must not break the command.
            log::debug!("analytics: off: {e}");
            None
        }
    }
}
