//! apk's database: `/lib/apk/db/installed`. Every stanza is an installed
//! package: `P:` its name, `V:` its version.

use super::{Packages, field, insert, stanzas};

/// The packages in an `installed` file.
pub fn parse(text: &str) -> Result<Packages, String> {
    let mut packages = Packages::new();
    for stanza in stanzas(&text.replace("\r\n", "\n")) {
        match (field(&stanza, "P"), field(&stanza, "V")) {
            (Some(name), Some(version)) if !name.is_empty() && !version.is_empty() => {
                insert(&mut packages, name, version);
            }
            (Some(name), _) => {
                return Err(format!(
                    "apk database: package {name:?} has no version (V:)"
                ));
            }
            (None, _) => {
                let first = stanza
                    .first()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .unwrap_or_default();
                return Err(format!(
                    "apk database: an entry has no package name (P:), near {first:?}"
                ));
            }
        }
    }
    Ok(packages)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages() {
        let text = "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:407155\nI:667648\nT:the musl c library\n\n\
                    C:Q1def=\nP:busybox\nV:1.36.1-r29\nA:x86_64\nD:so:libc.musl-x86_64.so.1\n\n";
        let packages = parse(text);
        assert_eq!(
            packages.as_ref().map(|p| p.get("busybox").cloned()),
            Ok(Some("1.36.1-r29".to_owned()))
        );
        assert_eq!(packages.map(|p| p.len()), Ok(2));
    }

    #[test]
    fn broken_entries_are_errors_not_panics() {
        assert!(parse("P:musl\nA:x86_64\n").is_err());
        assert!(parse("V:1.0\n").is_err());
        assert_eq!(parse("").map(|p| p.len()), Ok(0));
    }
}
