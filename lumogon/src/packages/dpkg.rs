//! dpkg's database: `/var/lib/dpkg/status`, and the `status.d/` directory
//! that distroless images use instead.

use super::{Packages, field, insert, stanzas};

/// Installed packages (`Status: install ok installed`) in a `status` file.
///
/// A stanza without a `Status` field counts as installed only when
/// `status_optional` is set: distroless `status.d/` files are copies of the
/// packages' control files, which never carry one.
pub fn parse(text: &str, packages: &mut Packages, status_optional: bool) -> Result<(), String> {
    let text = text.replace("\r\n", "\n");
    for stanza in stanzas(&text) {
        let installed = match field(&stanza, "Status") {
            Some(status) => status.split_whitespace().eq(["install", "ok", "installed"]),
            None => status_optional,
        };
        if !installed {
            continue;
        }
        let name = field(&stanza, "Package").filter(|n| !n.is_empty());
        let version = field(&stanza, "Version").filter(|v| !v.is_empty());
        match (name, version) {
            (Some(name), Some(version)) => insert(packages, name, version),
            (Some(name), None) => {
                return Err(format!("dpkg status: package {name:?} has no Version"));
            }
            (None, _) => {
                let first = stanza
                    .first()
                    .map(|(k, v)| format!("{k}: {v}"))
                    .unwrap_or_default();
                return Err(format!(
                    "dpkg status: an installed entry has no Package field (near {first:?})"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_one(text: &str, optional: bool) -> Result<Packages, String> {
        let mut packages = Packages::new();
        parse(text, &mut packages, optional).map(|()| packages)
    }

    const STATUS: &str = "Package: bash
Status: install ok installed
Priority: required
Version: 5.2.15-2+b2
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.
 Version: not a field

Package: removed
Status: deinstall ok config-files
Version: 1.0

Package: half
Status: install reinstreq half-installed
Version: 2.0

Package: libc6
Status: install ok installed
Architecture: amd64
Version: 2.36-9+deb12u7
";

    #[test]
    fn only_installed_packages() {
        let packages = parse_one(STATUS, false);
        let expected: Packages = [("bash", "5.2.15-2+b2"), ("libc6", "2.36-9+deb12u7")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(packages, Ok(expected));
    }

    #[test]
    fn distroless_status_d_stanzas_have_no_status() {
        let text = "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n";
        assert_eq!(parse_one(text, true).map(|p| p.len()), Ok(1));
        assert_eq!(parse_one(text, false).map(|p| p.len()), Ok(0));
    }

    #[test]
    fn crlf_and_trailing_blank_lines() {
        let text = "Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n\r\n\n\n";
        assert_eq!(parse_one(text, false).map(|p| p.len()), Ok(1));
    }

    #[test]
    fn broken_entries_are_errors_not_panics() {
        let no_version = "Package: x\nStatus: install ok installed\n";
        assert!(parse_one(no_version, false).is_err_and(|e| e.contains("\"x\" has no Version")));
        let no_name = "Status: install ok installed\nVersion: 1\n";
        assert!(parse_one(no_name, false).is_err());
        // Truncated mid-field, or garbage: nothing installed, no panic.
        assert_eq!(parse_one("Package: x\nStat", false).map(|p| p.len()), Ok(0));
        assert_eq!(parse_one("\u{0}\u{1}binary", false).map(|p| p.len()), Ok(0));
    }
}
