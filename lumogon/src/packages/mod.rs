//! Package databases found in a container's files, parsed without running
//! anything inside it. Pure parsing: the bytes come from elsewhere.

pub mod apk;
pub mod dpkg;
pub mod rpm;
mod rpm_sqlite;

use std::collections::BTreeMap;

/// Package name to version.
pub type Packages = BTreeMap<String, String>;

/// Records `name` at `version`; when a name appears twice (one package for
/// two architectures), the greater version string wins, so the result does
/// not depend on the order of the database.
fn insert(packages: &mut Packages, name: &str, version: &str) {
    match packages.get_mut(name) {
        Some(existing) if existing.as_str() >= version => {}
        Some(existing) => version.clone_into(existing),
        None => {
            packages.insert(name.to_owned(), version.to_owned());
        }
    }
}

/// Splits a Debian-control-style database into stanzas: blank-line
/// separated, `Key: value` fields with indented continuation lines (which
/// are dropped: no field read here spans lines).
fn stanzas(text: &str) -> impl Iterator<Item = Vec<(&str, &str)>> {
    text.split("\n\n").filter_map(|stanza| {
        let fields: Vec<(&str, &str)> = stanza
            .lines()
            .filter(|line| !line.starts_with([' ', '\t']))
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim(), v.trim()))
            .collect();
        (!fields.is_empty()).then_some(fields)
    })
}

fn field<'a>(stanza: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    stanza.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}
