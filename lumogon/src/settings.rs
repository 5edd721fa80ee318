//! What lumogon remembers between runs, in `analytics.json` in its config
//! directory: the saved analytics choice and the version of the first-run
//! notice last shown. Survives upgrades: unknown fields are kept out of the
//! way, missing ones default.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The saved state.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    /// `Some(false)` after `lumogon analytics disable`, `Some(true)` after
    /// `enable`, `None` when the person never chose.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analytics: Option<bool>,
    /// The version of the first-run notice last shown; 0 when never.
    #[serde(default)]
    pub notice_version: u32,
}

/// The settings file in `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join("analytics.json")
}

impl Settings {
    /// The saved settings; defaults when there are none or the file is not
    /// readable as settings (a damaged file must not break a command).
    pub fn load(dir: &Path) -> Settings {
        std::fs::read(path(dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Writes the settings, creating the directory. Through a temporary file
    /// and a rename, so that a crash never leaves half a file.
    pub fn save(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        let tmp = dir.join(format!(".analytics.json.{}", std::process::id()));
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, path(dir)).inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_defaults() {
        let dir = std::env::temp_dir().join(format!("lumogon-settings-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(Settings::load(&dir), Settings::default());
        let saved = Settings {
            analytics: Some(false),
            notice_version: 1,
        };
        assert!(saved.save(&dir.join("nested")).is_ok());
        assert_eq!(Settings::load(&dir.join("nested")), saved);
        // Damaged, or from a newer lumogon with more fields.
        let _ = std::fs::write(path(&dir), "{not json");
        assert_eq!(Settings::load(&dir), Settings::default());
        let _ = std::fs::write(path(&dir), r#"{"notice_version": 3, "future": [1]}"#);
        assert_eq!(Settings::load(&dir).notice_version, 3);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
