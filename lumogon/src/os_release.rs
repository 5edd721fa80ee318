//! `/etc/os-release` (os-release(5)): what operating system a container's
//! files say it is. Pure parsing.

use std::collections::BTreeMap;

/// The fields of an os-release file, unquoted.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct OsRelease(BTreeMap<String, String>);

impl OsRelease {
    /// Parses the file. Lines that are not `KEY=value` are skipped, as the
    /// format asks of readers.
    pub fn parse(text: &str) -> OsRelease {
        let fields = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .filter_map(|line| line.split_once('='))
            .filter(|(key, _)| {
                !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .map(|(key, value)| (key.to_owned(), unquote(value.trim())))
            .collect();
        OsRelease(fields)
    }

    /// A field's value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// `ID`: `debian`, `alpine`, `rocky`; `linux` when absent, as the format
    /// says.
    pub fn platform(&self) -> &str {
        self.get("ID").unwrap_or("linux")
    }

    /// The first `ID_LIKE` entry (`rocky` is `rhel`-like), else the platform.
    pub fn family(&self) -> &str {
        self.get("ID_LIKE")
            .and_then(|like| like.split_whitespace().next())
            .unwrap_or_else(|| self.platform())
    }

    /// `VERSION_ID`: `12`, `3.20.3`.
    pub fn version(&self) -> Option<&str> {
        self.get("VERSION_ID")
    }
}

/// Shell-style quoting: `"..."` with backslash escapes, or `'...'` taken
/// literally.
fn unquote(value: &str) -> String {
    if let Some(inner) = value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
        return inner.to_owned();
    }
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = r#"PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"#;

    #[test]
    fn debian() {
        let os = OsRelease::parse(DEBIAN);
        assert_eq!(
            (os.platform(), os.family(), os.version()),
            ("debian", "debian", Some("12"))
        );
        assert_eq!(
            os.get("PRETTY_NAME"),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
    }

    #[test]
    fn id_like_gives_the_family() {
        let os =
            OsRelease::parse("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n");
        assert_eq!(
            (os.platform(), os.family(), os.version()),
            ("rocky", "rhel", Some("9.4"))
        );
    }

    #[test]
    fn quoting_comments_and_junk() {
        let os = OsRelease::parse(
            "# comment\nA='it''s'\nB=\"say \\\"hi\\\" \\$HOME\"\nnot a field\n=x\nC=plain\n",
        );
        assert_eq!(os.get("A"), Some("it''s"));
        assert_eq!(os.get("B"), Some("say \"hi\" $HOME"));
        assert_eq!(os.get("C"), Some("plain"));
        assert_eq!(OsRelease::parse("").platform(), "linux");
        assert_eq!(OsRelease::parse("").version(), None);
    }
}
