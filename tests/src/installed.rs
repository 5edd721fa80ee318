//! The oracle for dpkg payloads read from a container's root directly
//! (containerd, Podman): what Debian's own `dpkg-query` says is installed
//! in the very bytes lumogon reads.

use std::collections::BTreeMap;
use std::process::Command;

/// `dpkg-query -W` on a copy of `status`: one version per installed
/// package (the greater string when a package is installed for two
/// architectures, as lumogon does). Panics when dpkg-query fails or finds
/// too few packages to prove anything.
pub fn dpkg(status: &[u8]) -> BTreeMap<String, String> {
    let admindir = tempfile::tempdir().expect("tempdir");
    std::fs::write(admindir.path().join("status"), status).expect("write the status");
    let out = Command::new("dpkg-query")
        .arg("--admindir")
        .arg(admindir.path())
        .args(["-W", "-f", "${Status}\t${Package}\t${Version}\n"])
        .output()
        .expect("dpkg-query (Debian's dpkg) is the oracle");
    assert!(out.status.success(), "{out:?}");
    let mut packages = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        if let [status, name, version] = fields[..]
            && status == "install ok installed"
        {
            let entry: &mut String = packages.entry(name.to_owned()).or_default();
            if entry.as_str() < version {
                *entry = version.to_owned();
            }
        }
    }
    assert!(packages.len() > 10, "too few packages to prove anything");
    packages
}

/// [`dpkg`] of the database in the root of the process `pid` (a
/// container's), plus the one package the fixtures put in `status.d`.
pub fn dpkg_in_root(pid: u32) -> BTreeMap<String, String> {
    let status = std::fs::read(format!("/proc/{pid}/root/var/lib/dpkg/status"))
        .expect("the container's dpkg status");
    let mut packages = dpkg(&status);
    packages.insert(
        crate::fixtures::DISTROLESS_PACKAGE.to_owned(),
        crate::fixtures::DISTROLESS_VERSION.to_owned(),
    );
    packages
}
