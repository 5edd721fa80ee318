//! `analytics.json`: the person's choice (`{app} analytics enable|disable`)
//! and the version of the first-run notice last shown.

use std::io;

use serde_json::Value;

use super::AppDir;

/// The file's name.
pub(crate) const FILE: &str = "analytics.json";

/// What the file holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Saved {
    /// `Some(false)` after `disable`, `Some(true)` after `enable`, `None`
    /// when the person never chose.
    pub(crate) choice: Option<bool>,
    /// The version of the notice last shown; 0 when never.
    pub(crate) notice_version: u32,
}

impl AppDir {
    /// Where the choice is kept.
    pub(crate) fn choice_file(&self) -> std::path::PathBuf {
        self.file(FILE)
    }

    pub(crate) fn load(&self) -> Saved {
        self.read(FILE)
            .and_then(|text| parse(&text))
            .unwrap_or_default()
    }

    pub(crate) fn save(&self, saved: Saved) -> io::Result<()> {
        let mut json = serde_json::Map::new();
        if let Some(choice) = saved.choice {
            json.insert("analytics".into(), choice.into());
        }
        json.insert("notice_version".into(), saved.notice_version.into());
        let text = serde_json::to_vec_pretty(&json).map_err(io::Error::other)?;
        self.write(FILE, &text)
    }
}

fn parse(text: &str) -> Option<Saved> {
    let json: Value = serde_json::from_str(text).ok()?;
    Some(Saved {
        choice: json.get("analytics").and_then(Value::as_bool),
        notice_version: json
            .get("notice_version")
            .and_then(Value::as_u64)
            .and_then(|v| u32::try_from(v).ok())
            .unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::super::tests::temp_dir;
    use super::*;

    #[test]
    fn settings_round_trip_and_damage_reads_as_nothing() {
        let store = temp_dir("settings");
        assert_eq!(store.load(), Saved::default());
        let saved = Saved {
            choice: Some(false),
            notice_version: 1,
        };
        assert!(store.save(saved).is_ok());
        assert_eq!(store.load(), saved);
        let _ = std::fs::write(store.choice_file(), "{not json");
        assert_eq!(store.load(), Saved::default());
        // Written by lumogon before the library owned the file, or by a
        // newer version with more fields.
        let _ = std::fs::write(
            store.choice_file(),
            r#"{"notice_version": 3, "future": [1]}"#,
        );
        assert_eq!(store.load().notice_version, 3);
        let _ = std::fs::remove_dir_all(&store.dir);
    }
}
