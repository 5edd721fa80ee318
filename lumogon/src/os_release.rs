//! `/etc/os-release` (os-release(5)): the last of the release files the
//! platform rules (`platform`) look at. Pure parsing.

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
            (os.get("ID"), os.get("VERSION"), os.get("VERSION_ID")),
            (Some("debian"), Some("12 (bookworm)"), Some("12"))
        );
        assert_eq!(
            os.get("PRETTY_NAME"),
            Some("Debian GNU/Linux 12 (bookworm)")
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
        assert_eq!(OsRelease::parse("ID=\n").get("ID"), None);
    }
}
