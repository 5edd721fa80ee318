//! Where lumogon keeps its files: `LUMOGON_CONFIG_DIR`, else
//! `$XDG_CONFIG_HOME/lumogon`, else `~/.config/lumogon`.

use std::path::PathBuf;

/// The configuration directory, if one can be named. Nothing is created.
pub fn config_dir() -> Option<PathBuf> {
    resolve(|key| {
        std::env::var_os(key)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

fn resolve(var: impl Fn(&str) -> Option<PathBuf>) -> Option<PathBuf> {
    if let Some(dir) = var("LUMOGON_CONFIG_DIR") {
        return Some(dir);
    }
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and ignored.
    let base = var("XDG_CONFIG_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| home.join(".config")))?;
    Some(base.join("lumogon"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<PathBuf> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| PathBuf::from(v))
        }
    }

    #[test]
    fn precedence() {
        let all = env(&[
            ("LUMOGON_CONFIG_DIR", "/c"),
            ("XDG_CONFIG_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(resolve(all), Some(PathBuf::from("/c")));
        let xdg = env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(resolve(xdg), Some(PathBuf::from("/x/lumogon")));
        let home = env(&[("HOME", "/h")]);
        assert_eq!(resolve(home), Some(PathBuf::from("/h/.config/lumogon")));
        let relative_xdg = env(&[("XDG_CONFIG_HOME", "x"), ("HOME", "/h")]);
        assert_eq!(
            resolve(relative_xdg),
            Some(PathBuf::from("/h/.config/lumogon"))
        );
        assert_eq!(resolve(env(&[])), None);
    }
}
