//! A deterministic mutation fuzz of every parser that reads a container's
//! bytes: rpm headers, tar archives, dpkg and apk databases, os-release
//! and the other release files.
//! Each starts from real-looking input and takes a fixed, seeded series of
//! mutations; a panic anywhere fails the suite. The run is short by
//! default; `LUMOGON_FUZZ_ITERATIONS=1000000 cargo test -p lumogon fuzz`
//! runs it longer (the seed is `LUMOGON_FUZZ_SEED`, default fixed).

use crate::archive;
use crate::os_release::OsRelease;
use crate::packages::{self, Packages};
use crate::platform::{self, ReleaseFiles};

/// Mutated inputs per parser in a normal test run.
const DEFAULT_ITERATIONS: u64 = 20_000;
const DEFAULT_SEED: u64 = 0x6c75_6d6f_676f_6e21;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// xorshift64*: small, fast, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes a parser is likely to treat specially.
const INTERESTING: &[u8] = &[
    0, 0xff, 0x7f, 0x80, b'\n', b':', b' ', b'=', b'"', b'/', b'.',
];

/// One to four mutations of `input`.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(7) {
            0 if at < bytes.len() => bytes[at] ^= 1 << rng.below(8),
            1 if at < bytes.len() => bytes[at] = INTERESTING[rng.below(INTERESTING.len())],
            2 => {
                let end = (at + rng.below(64)).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + rng.below(64)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                let to = rng.below(bytes.len() + 1);
                bytes.splice(to..to, copy);
            }
            4 => bytes.truncate(at),
            5 if at + 4 <= bytes.len() => {
                // A 32-bit count or offset set to an edge value.
                let edges = [0u32, 1, 0x7fff_ffff, 0x8000_0000, u32::MAX, 0x0fff_ffff];
                let value = edges[rng.below(edges.len())].to_be_bytes();
                bytes[at..at + 4].copy_from_slice(&value);
            }
            _ => {
                let byte = (rng.next() & 0xff) as u8;
                bytes.insert(at, byte);
            }
        }
    }
    bytes
}

/// Runs `parse` on the seeds and their mutations.
fn fuzz(name: &str, seeds: &[Vec<u8>], parse: impl Fn(&[u8])) {
    let iterations = setting("LUMOGON_FUZZ_ITERATIONS", DEFAULT_ITERATIONS);
    let mut rng = Rng(setting("LUMOGON_FUZZ_SEED", DEFAULT_SEED) ^ name.len() as u64 | 1);
    for seed in seeds {
        parse(seed);
    }
    for i in 0..iterations {
        let seed = &seeds[(i as usize) % seeds.len()];
        let input = mutate(&mut rng, seed);
        parse(&input);
    }
}

fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// An rpm header (as rpmdb.sqlite stores it) with string tags.
fn rpm_header(tags: &[(u32, &str)]) -> Vec<u8> {
    let mut index = Vec::new();
    let mut data = Vec::new();
    for (tag, value) in tags {
        for field in [*tag, 6, data.len() as u32, 1] {
            index.extend_from_slice(&field.to_be_bytes());
        }
        data.extend_from_slice(value.as_bytes());
        data.push(0);
    }
    let mut blob = Vec::new();
    blob.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
    blob.extend_from_slice(&index);
    blob.extend_from_slice(&data);
    blob
}

fn tar_of(entries: &[(&str, tar::EntryType, &[u8], &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, kind, data, link) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(*kind);
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        let appended = if link.is_empty() {
            builder.append_data(&mut header, path, *data)
        } else {
            builder.append_link(&mut header, path, link)
        };
        appended.expect("an archive in memory");
    }
    builder.into_inner().expect("an archive in memory")
}

#[test]
fn rpm_headers() {
    let seeds = [
        rpm_header(&[
            (1000, "bash"),
            (1001, "5.1.8"),
            (1002, "9.el9"),
            (1022, "x86_64"),
        ]),
        rpm_header(&[(1000, "gpg-pubkey"), (1001, "fd431d51"), (1002, "4ae0493b")]),
        rpm_header(&[(63, ""), (1000, "x"), (1001, "1"), (1002, "1"), (1003, "")]),
    ];
    fuzz("rpm", &seeds, |blob| {
        let _ = packages::rpm::parse_header(blob);
    });
}

#[test]
fn tar_archives() {
    use tar::EntryType::{Directory, Link, Regular, Symlink};
    let seeds = [
        tar_of(&[("status", Regular, b"Package: bash\nVersion: 5\n", "")]),
        tar_of(&[("os-release", Symlink, b"", "../usr/lib/os-release")]),
        tar_of(&[
            ("status.d/", Directory, b"", ""),
            ("status.d/base", Regular, b"Package: base\n", ""),
            ("status.d/other", Link, b"", "status.d/base"),
            ("status.d/link", Symlink, b"", "base"),
        ]),
    ];
    fuzz("tar", &seeds, |bytes| {
        let _ = archive::read(bytes, 4096);
    });
}

#[test]
fn dpkg_databases() {
    let seeds = [
        b"Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b7\n\n\
Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nDescription: x\n more\n\n"
            .to_vec(),
        b"Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n".to_vec(),
    ];
    fuzz("dpkg", &seeds, |bytes| {
        let mut found = Packages::new();
        let _ = packages::dpkg::parse(&text(bytes), &mut found, false);
        let _ = packages::dpkg::parse(&text(bytes), &mut found, true);
    });
}

#[test]
fn apk_databases() {
    let seeds = [
        b"C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\n\nP:busybox\nV:1.36.1-r29\n\n".to_vec(),
        b"P:\nV:\n\n\n".to_vec(),
    ];
    fuzz("apk", &seeds, |bytes| {
        let _ = packages::apk::parse(&text(bytes));
    });
}

#[test]
fn release_files() {
    let seeds = [
        b"PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n"
            .to_vec(),
        b"NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n".to_vec(),
        b"ID=alpine\nVERSION_ID=3.20.3\n# comment\n=\nX='unterminated\n".to_vec(),
        b"CentOS Linux release 7.3.1611 (Core) \n".to_vec(),
        b"openSUSE 42.3 (x86_64)\nVERSION = 42.3\nPATCHLEVEL = 1\n".to_vec(),
        b"DISTRIB_ID=Ubuntu\nDISTRIB_RELEASE=22.04\n".to_vec(),
    ];
    fuzz("release files", &seeds, |bytes| {
        let os = OsRelease::parse(&text(bytes));
        let _ = (os.get("ID"), os.get("VERSION"));
        // The same bytes as each file the platform rules read, beside a
        // debian_version so that lsb-release and os-release are used too.
        for path in platform::RELEASE_FILES
            .into_iter()
            .chain(platform::ALSO_READ)
        {
            let mut files = ReleaseFiles::default();
            files.insert(path, bytes);
            let _ = platform::decide(&files);
            files.insert(platform::RELEASE_FILES[2], bytes);
            let _ = platform::decide(&files);
        }
    });
}
