//! Which distribution a container's files say it is: platform, family and
//! version by the original Lumogon's rules, which came from gopsutil's
//! `PlatformInformation`. Release files are looked at first, in a fixed
//! order, and `os-release` only when none of them exists; so Debian 12 is
//! `12.11` (from `debian_version`), not `12`, and CentOS 7 is `7.3.1611`
//! (from `redhat-release`), as the original reported them. Pure: the caller
//! reads the files and hands their bytes over.

use std::collections::{BTreeMap, BTreeSet};

use crate::os_release::OsRelease;

/// The release files, in the original's order: the first one that exists
/// decides. `os-release` is last.
pub const RELEASE_FILES: [&str; 10] = [
    ORACLE_RELEASE,
    ENTERPRISE_RELEASE,
    DEBIAN_VERSION,
    REDHAT_RELEASE,
    SYSTEM_RELEASE,
    GENTOO_RELEASE,
    SUSE_RELEASE,
    ARCH_RELEASE,
    ALPINE_RELEASE,
    OS_RELEASE,
];

/// Read besides the first release file found: they tell derivatives and
/// families apart.
pub const ALSO_READ: [&str; 3] = [LSB_RELEASE, OS_RELEASE, USR_LIB_OS_RELEASE];

/// Says which Debian derivative a `debian_version` belongs to, and gives
/// Arch its version.
pub const LSB_RELEASE: &str = "/etc/lsb-release";
/// os-release(5)'s fallback when `/etc/os-release` does not exist; the
/// original read only `/etc`.
pub const USR_LIB_OS_RELEASE: &str = "/usr/lib/os-release";
/// Its presence makes a Debian a Raspbian.
pub const RASPI_CONFIG: &str = "/usr/bin/raspi-config";

const ORACLE_RELEASE: &str = "/etc/oracle-release";
const ENTERPRISE_RELEASE: &str = "/etc/enterprise-release";
const DEBIAN_VERSION: &str = "/etc/debian_version";
const REDHAT_RELEASE: &str = "/etc/redhat-release";
const SYSTEM_RELEASE: &str = "/etc/system-release";
const GENTOO_RELEASE: &str = "/etc/gentoo-release";
const SUSE_RELEASE: &str = "/etc/SuSE-release";
const ARCH_RELEASE: &str = "/etc/arch-release";
const ALPINE_RELEASE: &str = "/etc/alpine-release";
const OS_RELEASE: &str = "/etc/os-release";

/// Release files are a line or a few; only this much of each is looked at,
/// so a hostile container cannot make the rules below slow.
const MAX_RELEASE_BYTES: usize = 64 * 1024;

/// The files of one container that the rules look at: path to contents.
#[derive(Debug, Default)]
pub struct ReleaseFiles {
    files: BTreeMap<&'static str, String>,
    /// Looked for and not there: not asked for again.
    absent: BTreeSet<&'static str>,
    raspi_config: bool,
}

impl ReleaseFiles {
    /// Records that `path` exists and holds `bytes`.
    pub fn insert(&mut self, path: &'static str, bytes: &[u8]) {
        let bytes = bytes.get(..MAX_RELEASE_BYTES).unwrap_or(bytes);
        self.files
            .insert(path, String::from_utf8_lossy(bytes).into_owned());
    }

    /// Records that `path` does not exist.
    pub fn absent(&mut self, path: &'static str) {
        self.absent.insert(path);
    }

    /// Records that [`RASPI_CONFIG`] exists.
    pub fn set_raspi_config(&mut self) {
        self.raspi_config = true;
    }

    /// Whether the rules can use `path` ([`ALSO_READ`], [`RASPI_CONFIG`])
    /// given what has been found so far.
    pub fn needs(&self, path: &str) -> bool {
        match path {
            _ if self.files.contains_key(path) || self.absent.contains(path) => false,
            USR_LIB_OS_RELEASE => !self.files.contains_key(OS_RELEASE),
            RASPI_CONFIG => self.files.contains_key(DEBIAN_VERSION),
            _ => true,
        }
    }

    fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }
}

/// What the rules decided; an empty field is unknown (and is left out of
/// the report, as the original's payload filter dropped empty strings).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Platform {
    pub platform: String,
    pub family: String,
    pub version: String,
}

/// Platform, family and version from the files found.
pub fn decide(files: &ReleaseFiles) -> Platform {
    let lsb = files.get(LSB_RELEASE).map(Lsb::parse).unwrap_or_default();
    let os_release = files
        .get(OS_RELEASE)
        .or_else(|| files.get(USR_LIB_OS_RELEASE))
        .map(OsRelease::parse);
    let first = RELEASE_FILES
        .iter()
        .find_map(|&path| Some((path, files.get(path)?)));
    let (platform, version) = match first {
        Some((ORACLE_RELEASE | ENTERPRISE_RELEASE, text)) => {
            ("oracle".to_owned(), redhatish_version(&lines(text)))
        }
        Some((DEBIAN_VERSION, text)) => match lsb.id.as_str() {
            "Ubuntu" => ("ubuntu".to_owned(), lsb.release.clone()),
            "LinuxMint" => ("linuxmint".to_owned(), lsb.release.clone()),
            _ => {
                let platform = if files.raspi_config {
                    "raspbian"
                } else {
                    "debian"
                };
                let version = lines(text).first().copied().unwrap_or_default();
                (platform.to_owned(), version.to_owned())
            }
        },
        Some((REDHAT_RELEASE | SYSTEM_RELEASE, text)) => {
            let lines = lines(text);
            (redhatish_platform(&lines), redhatish_version(&lines))
        }
        Some((GENTOO_RELEASE, text)) => ("gentoo".to_owned(), redhatish_version(&lines(text))),
        Some((SUSE_RELEASE, text)) => {
            let lines = lines(text);
            (suse_platform(&lines), suse_version(&lines))
        }
        Some((ARCH_RELEASE, _)) => ("arch".to_owned(), lsb.release.clone()),
        Some((ALPINE_RELEASE, text)) => {
            let version = lines(text).first().copied().unwrap_or_default();
            ("alpine".to_owned(), version.to_owned())
        }
        _ => match &os_release {
            // The original took `ID` and `VERSION` with their quotes (a
            // `"12 (bookworm)"` with the quote marks in it); they are
            // unquoted here, and `VERSION_ID` stands in for a missing
            // `VERSION`.
            Some(os) => (
                os.get("ID").unwrap_or_default().to_owned(),
                os.get("VERSION")
                    .or_else(|| os.get("VERSION_ID"))
                    .unwrap_or_default()
                    .to_owned(),
            ),
            None => lsb.platform_and_version(),
        },
    };
    let family = family_of(&platform)
        .or_else(|| {
            // Where the original's table has no family (Rocky, AlmaLinux,
            // openSUSE Leap 15 without SuSE-release), the distribution's
            // own `ID_LIKE` is mapped through the same table.
            os_release
                .as_ref()?
                .get("ID_LIKE")?
                .split_whitespace()
                .find_map(|like| family_of(like).or_else(|| family_of_like(like)))
        })
        .unwrap_or_default();
    Platform {
        platform,
        family: family.to_owned(),
        version,
    }
}

/// The original's families, platform by platform.
fn family_of(platform: &str) -> Option<&'static str> {
    Some(match platform {
        "debian" | "ubuntu" | "linuxmint" | "raspbian" => "debian",
        "fedora" => "fedora",
        "oracle"
        | "centos"
        | "redhat"
        | "scientific"
        | "enterpriseenterprise"
        | "amazon"
        | "xenserver"
        | "cloudlinux"
        | "ibm_powerkvm" => "rhel",
        "suse" | "opensuse" => "suse",
        "gentoo" => "gentoo",
        "slackware" => "slackware",
        "arch" => "arch",
        "exherbo" => "exherbo",
        "alpine" => "alpine",
        "coreos" => "coreos",
        _ => return None,
    })
}

/// `ID_LIKE` names a family directly where no platform of that name exists.
fn family_of_like(like: &str) -> Option<&'static str> {
    match like {
        "rhel" => Some("rhel"),
        _ => None,
    }
}

/// The file's lines as gopsutil's `ReadLines` gave them: split at `\n`,
/// nothing else trimmed. (It dropped a last line without a newline, and
/// then failed on a one-line file without one; that line is kept here.)
fn lines(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last() == Some(&"") {
        lines.pop();
    }
    lines
}

/// `release (\d[\d.]*)` in the lowercased, joined lines; `rawhide` wins.
fn redhatish_version(lines: &[&str]) -> String {
    let text = lines.concat().to_lowercase();
    if text.contains("rawhide") {
        return "rawhide".to_owned();
    }
    let digit = |c: char| c.is_ascii_digit();
    let digit_or_dot = |c: char| c.is_ascii_digit() || c == '.';
    first_match(&text, "release ", digit, digit_or_dot)
        .unwrap_or_default()
        .to_owned()
}

/// `redhat` for Red Hat, else the first word: `centos`, `fedora`, `rocky`.
fn redhatish_platform(lines: &[&str]) -> String {
    let text = lines.concat().to_lowercase();
    if text.contains("red hat") {
        return "redhat".to_owned();
    }
    text.split(' ').next().unwrap_or_default().to_owned()
}

/// `VERSION = 42.3`, then `.PATCHLEVEL` if a later line gives one.
fn suse_version(lines: &[&str]) -> String {
    let digit = |c: char| c.is_ascii_digit();
    let digit_or_dot = |c: char| c.is_ascii_digit() || c == '.';
    let mut version = String::new();
    for line in lines {
        if let Some(v) = first_match(line, "VERSION = ", digit_or_dot, digit_or_dot) {
            v.clone_into(&mut version);
        } else if let Some(patch) = first_match(line, "PATCHLEVEL = ", digit, digit) {
            version.push('.');
            version.push_str(patch);
        }
    }
    version
}

fn suse_platform(lines: &[&str]) -> String {
    let text = lines.concat().to_lowercase();
    let platform = if text.contains("opensuse") {
        "opensuse"
    } else {
        "suse"
    };
    platform.to_owned()
}

/// The leftmost `prefix` followed by a character that `first` accepts,
/// and the run of characters after it that `rest` accepts: the regular
/// expression `prefix([first][rest]*)` without a regex engine.
fn first_match<'a>(
    text: &'a str,
    prefix: &str,
    first: impl Fn(char) -> bool,
    rest: impl Fn(char) -> bool,
) -> Option<&'a str> {
    text.match_indices(prefix).find_map(|(at, _)| {
        let tail = text.get(at + prefix.len()..)?;
        let mut chars = tail.char_indices();
        chars.next().filter(|&(_, c)| first(c))?;
        let end = chars
            .find(|&(_, c)| !rest(c))
            .map_or(tail.len(), |(i, _)| i);
        tail.get(..end)
    })
}

/// `/etc/lsb-release`, read as gopsutil did: `KEY=value`, the value up to
/// any further `=`, quotes and spaces kept.
#[derive(Debug, Default)]
struct Lsb {
    id: String,
    release: String,
}

impl Lsb {
    fn parse(text: &str) -> Lsb {
        let mut lsb = Lsb::default();
        for line in lines(text) {
            let mut fields = line.split('=');
            let (Some(key), Some(value)) = (fields.next(), fields.next()) else {
                continue;
            };
            match key {
                "DISTRIB_ID" => value.clone_into(&mut lsb.id),
                "DISTRIB_RELEASE" => value.clone_into(&mut lsb.release),
                _ => {}
            }
        }
        lsb
    }

    /// The original's last resort, when not even os-release exists.
    fn platform_and_version(&self) -> (String, String) {
        let platform = match self.id.as_str() {
            "RedHat" => "redhat".to_owned(),
            "Amazon" => "amazon".to_owned(),
            "ScientificSL" => "scientific".to_owned(),
            "XenServer" => "xenserver".to_owned(),
            id => id.to_lowercase(),
        };
        (platform, self.release.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real file contents, as the distributions' images ship them.
    const DEBIAN_12_OS_RELEASE: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\nHOME_URL=\"https://www.debian.org/\"\nSUPPORT_URL=\"https://www.debian.org/support\"\nBUG_REPORT_URL=\"https://bugs.debian.org/\"\n";
    const UBUNTU_2204_LSB: &str = "DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\nDISTRIB_CODENAME=jammy\nDISTRIB_DESCRIPTION=\"Ubuntu 22.04.4 LTS\"\n";
    const UBUNTU_2204_OS_RELEASE: &str = "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION=\"22.04.4 LTS (Jammy Jellyfish)\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\nHOME_URL=\"https://www.ubuntu.com/\"\nUBUNTU_CODENAME=jammy\n";
    const CENTOS_7_RELEASE: &str = "CentOS Linux release 7.3.1611 (Core) \n";
    const CENTOS_7_OS_RELEASE: &str = "NAME=\"CentOS Linux\"\nVERSION=\"7 (Core)\"\nID=\"centos\"\nID_LIKE=\"rhel fedora\"\nVERSION_ID=\"7\"\nPRETTY_NAME=\"CentOS Linux 7 (Core)\"\nANSI_COLOR=\"0;31\"\nCPE_NAME=\"cpe:/o:centos:centos:7\"\nHOME_URL=\"https://www.centos.org/\"\n";
    const FEDORA_40_RELEASE: &str = "Fedora release 40 (Forty)\n";
    const FEDORA_40_OS_RELEASE: &str = "NAME=\"Fedora Linux\"\nVERSION=\"40 (Container Image)\"\nID=fedora\nVERSION_ID=40\nVERSION_CODENAME=\"\"\nPLATFORM_ID=\"platform:f40\"\nPRETTY_NAME=\"Fedora Linux 40 (Container Image)\"\nVARIANT=\"Container Image\"\nVARIANT_ID=container\n";
    const OPENSUSE_423_SUSE_RELEASE: &str = "openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n# /etc/SuSE-release is deprecated and will be removed in a future service pack or release.\n# Please check /etc/os-release for details about this release.\n";
    const SLES_12_SUSE_RELEASE: &str = "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n# This file is deprecated and will be removed in a future service pack or release.\n";
    const OPENSUSE_LEAP_155_OS_RELEASE: &str = "NAME=\"openSUSE Leap\"\nVERSION=\"15.5\"\nID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\nVERSION_ID=\"15.5\"\nPRETTY_NAME=\"openSUSE Leap 15.5\"\nANSI_COLOR=\"0;32\"\nCPE_NAME=\"cpe:/o:opensuse:leap:15.5\"\n";
    const ALPINE_320_RELEASE: &str = "3.20.3\n";
    const ALPINE_320_OS_RELEASE: &str = "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME=\"Alpine Linux v3.20\"\nHOME_URL=\"https://alpinelinux.org/\"\nBUG_REPORT_URL=\"https://gitlab.alpinelinux.org/alpine/aports/-/issues\"\n";
    const ROCKY_94_RELEASE: &str = "Rocky Linux release 9.4 (Blue Onyx)\n";
    const ROCKY_94_OS_RELEASE: &str = "NAME=\"Rocky Linux\"\nVERSION=\"9.4 (Blue Onyx)\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.4\"\n";
    const RHEL_79_RELEASE: &str = "Red Hat Enterprise Linux Server release 7.9 (Maipo)\n";
    const AMAZON_2023_RELEASE: &str = "Amazon Linux release 2023 (Amazon Linux)\n";
    const ORACLE_8_RELEASE: &str = "Oracle Linux Server release 8.9\n";

    fn decide_on(files: &[(&'static str, &str)]) -> (String, String, String) {
        let mut found = ReleaseFiles::default();
        for (path, contents) in files {
            found.insert(path, contents.as_bytes());
        }
        let p = decide(&found);
        (p.platform, p.family, p.version)
    }

    fn triple(platform: &str, family: &str, version: &str) -> (String, String, String) {
        (platform.to_owned(), family.to_owned(), version.to_owned())
    }

    #[test]
    fn debian_takes_its_version_from_debian_version() {
        let files = [
            (DEBIAN_VERSION, "12.11\n"),
            (OS_RELEASE, DEBIAN_12_OS_RELEASE),
        ];
        assert_eq!(decide_on(&files), triple("debian", "debian", "12.11"));
    }

    #[test]
    fn a_debian_with_raspi_config_is_raspbian() {
        let mut found = ReleaseFiles::default();
        found.insert(DEBIAN_VERSION, b"11.9\n");
        found.set_raspi_config();
        let p = decide(&found);
        assert_eq!(
            (p.platform.as_str(), p.family.as_str()),
            ("raspbian", "debian")
        );
    }

    #[test]
    fn ubuntu_is_told_apart_by_lsb_release() {
        let files = [
            (DEBIAN_VERSION, "bookworm/sid\n"),
            (LSB_RELEASE, UBUNTU_2204_LSB),
            (OS_RELEASE, UBUNTU_2204_OS_RELEASE),
        ];
        assert_eq!(decide_on(&files), triple("ubuntu", "debian", "22.04"));
        let mint = [
            (DEBIAN_VERSION, "bookworm/sid\n"),
            (LSB_RELEASE, "DISTRIB_ID=LinuxMint\nDISTRIB_RELEASE=21.3\n"),
        ];
        assert_eq!(decide_on(&mint), triple("linuxmint", "debian", "21.3"));
        // Without lsb-release an Ubuntu is a Debian of its debian_version,
        // as in the original.
        let bare = [(DEBIAN_VERSION, "bookworm/sid\n")];
        assert_eq!(decide_on(&bare), triple("debian", "debian", "bookworm/sid"));
    }

    #[test]
    fn centos_7_takes_the_full_release_from_redhat_release() {
        let files = [
            (REDHAT_RELEASE, CENTOS_7_RELEASE),
            (SYSTEM_RELEASE, CENTOS_7_RELEASE),
            (OS_RELEASE, CENTOS_7_OS_RELEASE),
        ];
        assert_eq!(decide_on(&files), triple("centos", "rhel", "7.3.1611"));
    }

    #[test]
    fn fedora_red_hat_amazon_and_oracle() {
        let fedora = [
            (REDHAT_RELEASE, FEDORA_40_RELEASE),
            (SYSTEM_RELEASE, FEDORA_40_RELEASE),
            (OS_RELEASE, FEDORA_40_OS_RELEASE),
        ];
        assert_eq!(decide_on(&fedora), triple("fedora", "fedora", "40"));
        let rhel = [(REDHAT_RELEASE, RHEL_79_RELEASE)];
        assert_eq!(decide_on(&rhel), triple("redhat", "rhel", "7.9"));
        let amazon = [(SYSTEM_RELEASE, AMAZON_2023_RELEASE)];
        assert_eq!(decide_on(&amazon), triple("amazon", "rhel", "2023"));
        let oracle = [
            (ORACLE_RELEASE, ORACLE_8_RELEASE),
            (REDHAT_RELEASE, RHEL_79_RELEASE),
        ];
        assert_eq!(decide_on(&oracle), triple("oracle", "rhel", "8.9"));
        let rawhide = [(REDHAT_RELEASE, "Fedora release 41 (Rawhide)\n")];
        assert_eq!(decide_on(&rawhide), triple("fedora", "fedora", "rawhide"));
    }

    #[test]
    fn opensuse_and_sles_from_suse_release() {
        let opensuse = [(SUSE_RELEASE, OPENSUSE_423_SUSE_RELEASE)];
        assert_eq!(decide_on(&opensuse), triple("opensuse", "suse", "42.3"));
        let sles = [(SUSE_RELEASE, SLES_12_SUSE_RELEASE)];
        assert_eq!(decide_on(&sles), triple("suse", "suse", "12.3"));
    }

    #[test]
    fn alpine_takes_its_version_from_alpine_release() {
        let files = [
            (ALPINE_RELEASE, ALPINE_320_RELEASE),
            (OS_RELEASE, ALPINE_320_OS_RELEASE),
        ];
        assert_eq!(decide_on(&files), triple("alpine", "alpine", "3.20.3"));
    }

    #[test]
    fn os_release_alone_decides_last_and_id_like_fills_a_missing_family() {
        let leap = [(OS_RELEASE, OPENSUSE_LEAP_155_OS_RELEASE)];
        assert_eq!(decide_on(&leap), triple("opensuse-leap", "suse", "15.5"));
        let rocky = [
            (REDHAT_RELEASE, ROCKY_94_RELEASE),
            (USR_LIB_OS_RELEASE, ROCKY_94_OS_RELEASE),
        ];
        assert_eq!(decide_on(&rocky), triple("rocky", "rhel", "9.4"));
        let wolfi = [(
            OS_RELEASE,
            "ID=wolfi\nNAME=\"Wolfi\"\nVERSION_ID=20230201\n",
        )];
        assert_eq!(decide_on(&wolfi), triple("wolfi", "", "20230201"));
    }

    #[test]
    fn the_order_is_the_originals() {
        // Every file present: the first in the original's order wins.
        let mut found = ReleaseFiles::default();
        for path in RELEASE_FILES {
            found.insert(path, b"Fedora release 40 (Forty)\n");
        }
        assert_eq!(decide(&found).platform, "oracle");
        let arch = [
            (ARCH_RELEASE, ""),
            (LSB_RELEASE, "DISTRIB_ID=Arch\nDISTRIB_RELEASE=rolling\n"),
        ];
        assert_eq!(decide_on(&arch), triple("arch", "arch", "rolling"));
        let gentoo = [(GENTOO_RELEASE, "Gentoo Base System release 2.14\n")];
        assert_eq!(decide_on(&gentoo), triple("gentoo", "gentoo", "2.14"));
    }

    #[test]
    fn nothing_known_is_empty_and_hostile_contents_are_bounded() {
        assert_eq!(decide(&ReleaseFiles::default()), Platform::default());
        let lsb_only = [(
            LSB_RELEASE,
            "DISTRIB_ID=ScientificSL\nDISTRIB_RELEASE=6.10\n",
        )];
        assert_eq!(decide_on(&lsb_only), triple("scientific", "rhel", "6.10"));
        let junk = "release \u{1F600}release 7é\u{0}\nVERSION = \nPATCHLEVEL = x\n".repeat(10_000);
        for path in RELEASE_FILES {
            let _ = decide_on(&[(path, junk.as_str())]);
        }
        let big = "x".repeat(MAX_RELEASE_BYTES * 2);
        let mut found = ReleaseFiles::default();
        found.insert(ALPINE_RELEASE, big.as_bytes());
        assert_eq!(decide(&found).version.len(), MAX_RELEASE_BYTES);
        // A cut through a multi-byte character is not a panic.
        found.insert(ALPINE_RELEASE, "é".repeat(MAX_RELEASE_BYTES).as_bytes());
        assert_eq!(decide(&found).platform, "alpine");
    }

    #[test]
    fn only_what_the_rules_use_is_needed() {
        let mut found = ReleaseFiles::default();
        assert!(found.needs(LSB_RELEASE) && found.needs(OS_RELEASE));
        assert!(found.needs(USR_LIB_OS_RELEASE));
        assert!(!found.needs(RASPI_CONFIG));
        found.insert(DEBIAN_VERSION, b"12.11\n");
        found.insert(OS_RELEASE, DEBIAN_12_OS_RELEASE.as_bytes());
        assert!(found.needs(RASPI_CONFIG));
        assert!(!found.needs(OS_RELEASE) && !found.needs(USR_LIB_OS_RELEASE));
        let mut none = ReleaseFiles::default();
        none.absent(OS_RELEASE);
        assert!(!none.needs(OS_RELEASE) && none.needs(USR_LIB_OS_RELEASE));
    }

    #[test]
    fn first_match_is_the_regex() {
        let digit = |c: char| c.is_ascii_digit();
        let dotted = |c: char| c.is_ascii_digit() || c == '.';
        assert_eq!(
            first_match("release x release 7.3 (c)", "release ", digit, dotted),
            Some("7.3")
        );
        assert_eq!(first_match("release .1", "release ", digit, dotted), None);
        assert_eq!(
            first_match("release 12", "release ", digit, dotted),
            Some("12")
        );
        assert_eq!(first_match("release ", "release ", digit, dotted), None);
    }
}
