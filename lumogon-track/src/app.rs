//! The application's identity as the user meets it: the environment
//! variables and the directory derived from its name. Pure logic: the
//! environment is passed in.

use std::path::PathBuf;

/// The variables one application answers to, derived from its name so that
/// setting one tool's variable never changes another tool built on this
/// library. `DO_NOT_TRACK` is shared on purpose: it is the cross-tool
/// convention (<https://consoledonottrack.com>).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Names {
    /// `{APP}_DISABLE_ANALYTICS`
    pub(crate) disable: String,
    /// `{APP}_ANALYTICS_URL`
    pub(crate) url: String,
    /// `{APP}_ANALYTICS_DEBUG`
    pub(crate) debug: String,
    /// `{APP}_CONFIG_DIR`
    pub(crate) config_dir: String,
}

/// The cross-tool opt-out.
pub(crate) const DO_NOT_TRACK: &str = "DO_NOT_TRACK";

impl Names {
    pub(crate) fn of(app: &str) -> Names {
        let prefix = prefix(app);
        Names {
            disable: format!("{prefix}_DISABLE_ANALYTICS"),
            url: format!("{prefix}_ANALYTICS_URL"),
            debug: format!("{prefix}_ANALYTICS_DEBUG"),
            config_dir: format!("{prefix}_CONFIG_DIR"),
        }
    }
}

/// The app name upper-cased, every character that cannot be part of a
/// portable variable name made `_` (POSIX names are letters, digits and `_`).
fn prefix(app: &str) -> String {
    app.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// The application's directory: `{APP}_CONFIG_DIR`, else
/// `$XDG_CONFIG_HOME/{app}`, else `~/.config/{app}`. Nothing is created.
pub(crate) fn config_dir(
    app: &str,
    names: &Names,
    var: impl Fn(&str) -> Option<String>,
) -> Option<PathBuf> {
    let var = |key: &str| var(key).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var(&names.config_dir) {
        return Some(dir);
    }
    // The XDG spec says a relative XDG_CONFIG_HOME is invalid and ignored.
    let base = var("XDG_CONFIG_HOME")
        .filter(|dir| dir.is_absolute())
        .or_else(|| var("HOME").map(|home| home.join(".config")))?;
    Some(base.join(app.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |key| {
            pairs
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    // lumogon's own names are held by its end-to-end tests
    // (tests/tests/analytics_command.rs, dry_run.rs): the library's code
    // names no application's variables but those of the example below.
    #[test]
    fn an_app_name_gives_its_four_names() {
        let names = Names::of("mytool");
        assert_eq!(names.disable, "MYTOOL_DISABLE_ANALYTICS");
        assert_eq!(names.url, "MYTOOL_ANALYTICS_URL");
        assert_eq!(names.debug, "MYTOOL_ANALYTICS_DEBUG");
        assert_eq!(names.config_dir, "MYTOOL_CONFIG_DIR");
    }

    #[test]
    fn other_characters_become_underscores() {
        assert_eq!(
            Names::of("my-tool.rs").disable,
            "MY_TOOL_RS_DISABLE_ANALYTICS"
        );
        assert_eq!(Names::of("größe").url, "GR__E_ANALYTICS_URL");
    }

    #[test]
    fn directory_precedence() {
        let names = Names::of("greeter");
        let all = env(&[
            ("GREETER_CONFIG_DIR", "/c"),
            ("MYTOOL_CONFIG_DIR", "/l"),
            ("XDG_CONFIG_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(
            config_dir("greeter", &names, all),
            Some(PathBuf::from("/c"))
        );
        // Another tool's variable is not this one's.
        let other = env(&[("MYTOOL_CONFIG_DIR", "/l"), ("HOME", "/h")]);
        assert_eq!(
            config_dir("greeter", &names, other),
            Some(PathBuf::from("/h/.config/greeter"))
        );
        let xdg = env(&[("XDG_CONFIG_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(
            config_dir("greeter", &names, xdg),
            Some(PathBuf::from("/x/greeter"))
        );
        let relative_xdg = env(&[("XDG_CONFIG_HOME", "x"), ("HOME", "/h")]);
        assert_eq!(
            config_dir("greeter", &names, relative_xdg),
            Some(PathBuf::from("/h/.config/greeter"))
        );
        assert_eq!(config_dir("greeter", &names, env(&[])), None);
    }
}
