//! rpm's SQLite package database: `/var/lib/rpm/rpmdb.sqlite`, the default
//! backend since rpm 4.16 (Fedora 33, RHEL 9, openSUSE Tumbleweed). The
//! older Berkeley DB (`Packages`) and ndb (`Packages.db`) formats are only
//! recognised, not read.
//!
//! The table `Packages(hnum INTEGER PRIMARY KEY, blob BLOB)` holds one rpm
//! header per installed package, stored without the 8-byte header magic:
//!
//! ```text
//! il: u32 BE   number of index entries
//! dl: u32 BE   number of data bytes
//! il × { tag: u32, type: u32, offset: i32, count: u32 }   (all BE)
//! dl bytes of data; an entry's offset is relative to the start of the data
//! ```

use std::cmp::Ordering;
use std::collections::BTreeMap;

use super::rpm_sqlite::{self, Blob};
use crate::stop::Stop;

const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_STRING_ARRAY: u32 = 8;
const TYPE_I18NSTRING: u32 = 9;
/// Types above this do not exist; an entry carrying one is corruption.
const TYPE_MAX: u32 = 9;

/// rpm's own sanity limits (`HEADER_TAGS_MAX`, `HEADER_DATA_MAX`): no header
/// rpm wrote exceeds them, and with them in force the size arithmetic below
/// cannot overflow even on 32-bit targets.
const MAX_INDEX_ENTRIES: u32 = 0x0000_ffff;
const MAX_DATA_BYTES: u32 = 0x0fff_ffff;

const PREAMBLE_LEN: usize = 8;
const ENTRY_LEN: usize = 16;

/// The fields of an rpm header this crate reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub name: String,
    /// `None` when the header has no EPOCH tag, which rpm distinguishes from
    /// an explicit `Epoch: 0` when printing (`%{EVR}` shows `0:` for the
    /// latter), though both compare equal.
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// `None` for headers without one: `gpg-pubkey` pseudo-packages, which
    /// `rpm --import` creates and `rpm -qa` lists.
    pub arch: Option<String>,
}

impl Header {
    /// `[epoch:]version-release`, as rpm's `%{EVR}` prints it.
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(epoch) => format!("{epoch}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }

    /// The value the report gives a package: `VERSION-RELEASE-ARCH`, as the
    /// original Lumogon printed it with `rpm -qa --queryformat
    /// '%{NAME},%{VERSION}-%{RELEASE}-%{ARCH}'`: no epoch, and no `-(none)`
    /// for a header without an arch (`gpg-pubkey`), which it cut off.
    pub fn reported(&self) -> String {
        match &self.arch {
            Some(arch) => format!("{}-{}-{arch}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }

    /// rpm's ordering of two versions of one package: epoch (a missing one
    /// counts as 0), then version, then release, each compared like
    /// `rpmvercmp`.
    fn cmp_evr(&self, other: &Self) -> Ordering {
        self.epoch
            .unwrap_or(0)
            .cmp(&other.epoch.unwrap_or(0))
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| rpmvercmp(&self.release, &other.release))
    }
}

/// name -> `VERSION-RELEASE-ARCH` (see [`Header::reported`]) for every
/// package in an rpm sqlite db.
///
/// A name installed more than once (multilib: one per architecture;
/// install-only packages such as `kernel` or `gpg-pubkey`: one per version)
/// keeps the newest by rpm's own version comparison, epoch included, so a
/// machine with two kernels reports the newer one; on a tie (the usual
/// multilib case, same EVR) the greater reported string wins (`x86_64` over
/// `i686`), so the result never depends on row order. The original kept
/// whichever line `rpm -qa` printed last.
///
/// Error policy: one header that does not parse fails the whole database,
/// naming its `hnum`. rpm writes each header in one transaction, so a bad
/// one means the file itself is damaged (or was copied mid-write), and a
/// partial list presented as complete would be worse than an error.
pub fn packages_from_sqlite(
    db: impl Into<Vec<u8>>,
    stop: &Stop,
) -> Result<BTreeMap<String, String>, String> {
    let mut newest: BTreeMap<String, Header> = BTreeMap::new();
    // Rows come in the table's own order; the error names the lowest bad
    // header number whatever that order is.
    let mut first_bad: Option<(i64, String)> = None;
    rpm_sqlite::each_header(db.into(), stop, |hnum, blob| {
        let header = match blob {
            Blob::Bytes(blob) => parse_header(blob).map_err(|e| name_header(&e, hnum)),
            Blob::Not(kind) => Err(format!("package header {hnum} is {kind}, not a blob")),
        };
        match header {
            Ok(header) => keep_newest(&mut newest, header),
            Err(e) if first_bad.as_ref().is_none_or(|(bad, _)| hnum < *bad) => {
                first_bad = Some((hnum, e));
            }
            Err(_) => {}
        }
    })?;
    if let Some((_, e)) = first_bad {
        return Err(e);
    }
    Ok(newest
        .into_iter()
        .map(|(name, header)| (name, header.reported()))
        .collect())
}

/// "package header is truncated: …" to "package header 17 is truncated: …".
fn name_header(error: &str, hnum: i64) -> String {
    match error.strip_prefix("package header ") {
        Some(rest) => format!("package header {hnum} {rest}"),
        None => format!("package header {hnum}: {error}"),
    }
}

fn keep_newest(newest: &mut BTreeMap<String, Header>, header: Header) {
    let Some(existing) = newest.get_mut(&header.name) else {
        newest.insert(header.name.clone(), header);
        return;
    };
    let order = header
        .cmp_evr(existing)
        .then_with(|| header.reported().cmp(&existing.reported()));
    let (kept, dropped) = match order {
        Ordering::Greater => (&header, &*existing),
        _ => (&*existing, &header),
    };
    log::debug!(
        "rpm package {} is installed more than once; reporting {}.{} over {}.{}",
        header.name,
        kept.evr(),
        kept.arch.as_deref().unwrap_or("(none)"),
        dropped.evr(),
        dropped.arch.as_deref().unwrap_or("(none)"),
    );
    if order == Ordering::Greater {
        *existing = header;
    }
}

/// Classifies the rpm database files found in /var/lib/rpm so the caller can report
/// "Berkeley DB rpm database (/var/lib/rpm/Packages) is not supported" or
/// "ndb rpm database (/var/lib/rpm/Packages.db) is not supported".
///
/// `file_name` is a name in `/var/lib/rpm`, or a path (for a database found
/// elsewhere, e.g. `/usr/lib/sysimage/rpm`), which the message then quotes
/// as given. Every other file, `rpmdb.sqlite` included, yields `None`.
pub fn unsupported_database_message(file_name: &str) -> Option<String> {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    let format = match base {
        "Packages" => "Berkeley DB",
        "Packages.db" => "ndb",
        _ => return None,
    };
    let path = if file_name.contains('/') {
        file_name.to_owned()
    } else {
        format!("/var/lib/rpm/{file_name}")
    };
    Some(format!("{format} rpm database ({path}) is not supported"))
}

/// One rpm header blob (as stored in rpmdb.sqlite: no magic) to the fields
/// lumogon reports. Unknown tags, the region tag among them, are checked
/// for sane offsets and types, then ignored.
pub fn parse_header(blob: &[u8]) -> Result<Header, String> {
    parse_header_fields(blob).map_err(|e| format!("package header {e}"))
}

/// [`parse_header`], with errors worded to follow "package header ".
fn parse_header_fields(blob: &[u8]) -> Result<Header, String> {
    let (Some(il), Some(dl)) = (be_u32(blob, 0), be_u32(blob, 4)) else {
        return Err(format!(
            "is truncated: {} bytes, shorter than the 8-byte count of entries and data",
            blob.len()
        ));
    };
    if il > MAX_INDEX_ENTRIES {
        return Err(format!(
            "claims {il} index entries, more than rpm allows ({MAX_INDEX_ENTRIES})"
        ));
    }
    if dl > MAX_DATA_BYTES {
        return Err(format!(
            "claims {dl} bytes of data, more than rpm allows ({MAX_DATA_BYTES})"
        ));
    }
    // Both bounded above, so no overflow: at most 8 + 1 MiB + 256 MiB.
    let (il, dl) = (il as usize, dl as usize);
    let index_len = il * ENTRY_LEN;
    let expected = PREAMBLE_LEN + index_len + dl;
    if blob.len() < expected {
        return Err(format!(
            "is truncated: index says {il} entries and {dl} bytes of data ({expected} bytes in all), blob holds {}",
            blob.len()
        ));
    }
    if blob.len() > expected {
        return Err(format!(
            "has {} bytes past the {dl} bytes of data its index announces",
            blob.len() - expected
        ));
    }
    let (Some(index), Some(data)) = (
        blob.get(PREAMBLE_LEN..PREAMBLE_LEN + index_len),
        blob.get(PREAMBLE_LEN + index_len..),
    ) else {
        return Err("is truncated".to_owned());
    };

    let mut fields = Fields::default();
    for raw in index.chunks_exact(ENTRY_LEN) {
        let entry = Entry::parse(raw)?;
        if entry.type_ > TYPE_MAX {
            return Err(format!(
                "has tag {} with type {}, which does not exist",
                entry.tag, entry.type_
            ));
        }
        if entry.offset < 0 || entry.offset as usize > dl {
            return Err(format!(
                "has tag {} at offset {}, outside its {dl} bytes of data",
                entry.tag, entry.offset
            ));
        }
        // Later entries win: rpm appends changes made after installation
        // ("dribble" entries) behind the immutable region and lets them
        // replace the region's copy of the same tag.
        let slot = match entry.tag {
            TAG_NAME => &mut fields.name,
            TAG_VERSION => &mut fields.version,
            TAG_RELEASE => &mut fields.release,
            TAG_EPOCH => &mut fields.epoch,
            TAG_ARCH => &mut fields.arch,
            _ => continue,
        };
        *slot = Some(entry);
    }

    let string = |entry: Option<Entry>, tag_name: &str| -> Result<Option<String>, String> {
        entry.map(|e| read_string(&e, data, tag_name)).transpose()
    };
    let required = |value: Option<String>, tag_name: &str| {
        value.ok_or_else(|| format!("has no {tag_name} tag"))
    };
    Ok(Header {
        name: required(string(fields.name, "NAME")?, "NAME")?,
        epoch: fields.epoch.map(|e| read_int32(&e, data)).transpose()?,
        version: required(string(fields.version, "VERSION")?, "VERSION")?,
        release: required(string(fields.release, "RELEASE")?, "RELEASE")?,
        arch: string(fields.arch, "ARCH")?,
    })
}

#[derive(Default)]
struct Fields {
    name: Option<Entry>,
    version: Option<Entry>,
    release: Option<Entry>,
    epoch: Option<Entry>,
    arch: Option<Entry>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    tag: u32,
    type_: u32,
    offset: i32,
    count: u32,
}

impl Entry {
    fn parse(raw: &[u8]) -> Result<Self, String> {
        let field = |at| be_u32(raw, at).ok_or_else(|| "has a short index entry".to_owned());
        Ok(Self {
            tag: field(0)?,
            type_: field(4)?,
            offset: field(8)? as i32,
            count: field(12)?,
        })
    }

    /// The entry's data, from its offset to the end of the header's data;
    /// the offset was checked against the data length when the index was
    /// read.
    fn data<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        usize::try_from(self.offset)
            .ok()
            .and_then(|offset| data.get(offset..))
            .unwrap_or_default()
    }
}

/// The first string of a STRING, STRING_ARRAY or I18NSTRING entry, like
/// rpm's `headerGetString`.
fn read_string(entry: &Entry, data: &[u8], tag_name: &str) -> Result<String, String> {
    let tag = entry.tag;
    if !matches!(
        entry.type_,
        TYPE_STRING | TYPE_STRING_ARRAY | TYPE_I18NSTRING
    ) {
        return Err(format!(
            "has tag {tag_name} ({tag}) of type {}, not a string",
            entry.type_
        ));
    }
    if entry.count == 0 {
        return Err(format!("has tag {tag_name} ({tag}) with no strings"));
    }
    let bytes = entry.data(data);
    let Some(end) = bytes.iter().position(|&b| b == 0) else {
        return Err(format!(
            "has tag {tag_name} ({tag}) whose string at offset {} runs past the end of the data",
            entry.offset
        ));
    };
    // rpm itself does not insist on UTF-8; a stray Latin-1 byte in a
    // release string should not cost the whole package list.
    Ok(String::from_utf8_lossy(bytes.get(..end).unwrap_or_default()).into_owned())
}

fn read_int32(entry: &Entry, data: &[u8]) -> Result<u32, String> {
    let tag = entry.tag;
    if entry.type_ != TYPE_INT32 {
        return Err(format!(
            "has tag EPOCH ({tag}) of type {}, not INT32",
            entry.type_
        ));
    }
    // Only the first value is read, but a count whose values would not fit
    // in the data is corruption all the same.
    let bytes = entry.data(data);
    let fits = (entry.count as usize)
        .checked_mul(4)
        .is_some_and(|len| len <= bytes.len());
    if entry.count == 0 || !fits {
        return Err(format!(
            "has tag EPOCH ({tag}) with {} values at offset {}, which do not fit in its {} bytes of data",
            entry.count,
            entry.offset,
            data.len()
        ));
    }
    be_u32(bytes, 0).ok_or_else(|| format!("has tag EPOCH ({tag}) with no value"))
}

fn skip(bytes: &[u8], n: usize) -> &[u8] {
    bytes.get(n..).unwrap_or_default()
}

fn be_u32(bytes: &[u8], at: usize) -> Option<u32> {
    bytes
        .get(at..at.checked_add(4)?)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_be_bytes)
}

/// rpm's `rpmvercmp`: the strings are split into runs of digits and runs of
/// ASCII letters, other characters only separating them; digit runs compare
/// as numbers and beat letter runs; `~` sorts before everything (even the
/// end of the string, so `1.0~rc1` < `1.0`) and `^` after the end but
/// before anything else (`1.0` < `1.0^git1` < `1.0.1`).
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let is_separator = |c: &u8| !c.is_ascii_alphanumeric() && *c != b'~' && *c != b'^';
    let (mut one, mut two) = (a.as_bytes(), b.as_bytes());
    loop {
        one = skip(one, one.iter().take_while(|c| is_separator(c)).count());
        two = skip(two, two.iter().take_while(|c| is_separator(c)).count());
        let (c1, c2) = (one.first().copied(), two.first().copied());
        if c1 == Some(b'~') || c2 == Some(b'~') {
            if c1 != Some(b'~') {
                return Ordering::Greater;
            }
            if c2 != Some(b'~') {
                return Ordering::Less;
            }
            (one, two) = (skip(one, 1), skip(two, 1));
            continue;
        }
        if c1 == Some(b'^') || c2 == Some(b'^') {
            match (c1, c2) {
                (None, _) => return Ordering::Less,
                (_, None) => return Ordering::Greater,
                (Some(x), _) if x != b'^' => return Ordering::Greater,
                (_, Some(y)) if y != b'^' => return Ordering::Less,
                _ => {}
            }
            (one, two) = (skip(one, 1), skip(two, 1));
            continue;
        }
        let Some(c1) = c1 else { break };
        if c2.is_none() {
            break;
        }
        let numeric = c1.is_ascii_digit();
        let in_segment = |c: &&u8| {
            if numeric {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (len1, len2) = (
            one.iter().take_while(in_segment).count(),
            two.iter().take_while(in_segment).count(),
        );
        // A digit run always beats a letter run.
        if len2 == 0 {
            return if numeric {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        let (seg1, rest1) = one.split_at(len1);
        let (seg2, rest2) = two.split_at(len2);
        let order = if numeric {
            let zeros = |s: &[u8]| s.iter().take_while(|&&c| c == b'0').count();
            let (n1, n2) = (skip(seg1, zeros(seg1)), skip(seg2, zeros(seg2)));
            n1.len().cmp(&n2.len()).then_with(|| n1.cmp(n2))
        } else {
            seg1.cmp(seg2)
        };
        if order != Ordering::Equal {
            return order;
        }
        (one, two) = (rest1, rest2);
    }
    match (one.is_empty(), two.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, _) => Ordering::Greater,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::{Connection, MAIN_DB};

    const TAG_HEADERIMMUTABLE: u32 = 63;
    const TYPE_BIN: u32 = 7;

    /// Assembles a header blob the way rpm lays one out: an immutable
    /// region entry first (pointing at its 16-byte trailer at the end of
    /// the data), then the entries in the order they were added.
    #[derive(Default)]
    struct Blob {
        entries: Vec<[u32; 4]>,
        data: Vec<u8>,
    }

    impl Blob {
        fn string(self, tag: u32, value: &str) -> Self {
            self.strings(tag, TYPE_STRING, &[value])
        }

        fn strings(mut self, tag: u32, type_: u32, values: &[&str]) -> Self {
            let offset = self.data.len() as u32;
            for value in values {
                self.data.extend_from_slice(value.as_bytes());
                self.data.push(0);
            }
            self.entry(tag, type_, offset, values.len() as u32)
        }

        fn int32(mut self, tag: u32, value: u32) -> Self {
            while !self.data.len().is_multiple_of(4) {
                self.data.push(0);
            }
            let offset = self.data.len() as u32;
            self.data.extend_from_slice(&value.to_be_bytes());
            self.entry(tag, TYPE_INT32, offset, 1)
        }

        /// An entry taken as given, for the corrupt ones.
        fn entry(mut self, tag: u32, type_: u32, offset: u32, count: u32) -> Self {
            self.entries.push([tag, type_, offset, count]);
            self
        }

        fn build(&self) -> Vec<u8> {
            let mut data = self.data.clone();
            let region_offset = data.len() as u32;
            let il = self.entries.len() as u32 + 1;
            for word in [TAG_HEADERIMMUTABLE, TYPE_BIN, (-16 * il as i32) as u32, 16] {
                data.extend_from_slice(&word.to_be_bytes());
            }
            let region = [TAG_HEADERIMMUTABLE, TYPE_BIN, region_offset, 16];
            let mut blob = Vec::new();
            blob.extend_from_slice(&il.to_be_bytes());
            blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
            for entry in std::iter::once(&region).chain(&self.entries) {
                for word in entry {
                    blob.extend_from_slice(&word.to_be_bytes());
                }
            }
            blob.extend_from_slice(&data);
            blob
        }
    }

    fn package(name: &str, epoch: Option<u32>, version: &str, release: &str) -> Blob {
        let blob = Blob::default()
            .string(TAG_NAME, name)
            .string(TAG_VERSION, version)
            .string(TAG_RELEASE, release);
        let blob = match epoch {
            Some(epoch) => blob.int32(TAG_EPOCH, epoch),
            None => blob,
        };
        blob.string(1004, "a summary").string(TAG_ARCH, "x86_64")
    }

    fn header(name: &str, epoch: Option<u32>, version: &str, release: &str) -> Header {
        Header {
            name: name.to_owned(),
            epoch,
            version: version.to_owned(),
            release: release.to_owned(),
            arch: Some("x86_64".to_owned()),
        }
    }

    fn err(blob: &[u8]) -> String {
        match parse_header(blob) {
            Ok(header) => panic!("parsed a broken header as {header:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn plain_package() {
        let blob = package("bash", None, "5.1.8", "9.el9").build();
        let parsed = parse_header(&blob);
        assert_eq!(parsed, Ok(header("bash", None, "5.1.8", "9.el9")));
        assert_eq!(parsed.map(|h| h.evr()), Ok("5.1.8-9.el9".to_owned()));
    }

    #[test]
    fn the_reported_value_is_the_originals_version_release_arch() {
        let bash = header("bash", Some(1), "4.2.46", "21.el7_3");
        assert_eq!(bash.reported(), "4.2.46-21.el7_3-x86_64");
        let key = Header {
            arch: None,
            ..header("gpg-pubkey", None, "f4a80eb5", "53a7ff4b")
        };
        assert_eq!(key.reported(), "f4a80eb5-53a7ff4b");
    }

    #[test]
    fn epoch_is_printed_whenever_the_tag_is_present() {
        let blob = package("openssl", Some(1), "3.0.7", "27.el9").build();
        assert_eq!(
            parse_header(&blob).map(|h| h.evr()),
            Ok("1:3.0.7-27.el9".to_owned())
        );
        let blob = package("zero", Some(0), "1.0", "1").build();
        assert_eq!(
            parse_header(&blob).map(|h| h.evr()),
            Ok("0:1.0-1".to_owned())
        );
    }

    #[test]
    fn i18n_and_array_strings_give_their_first_string() {
        let blob = Blob::default()
            .strings(TAG_NAME, TYPE_I18NSTRING, &["tzdata", "tzdata-fr"])
            .strings(TAG_VERSION, TYPE_STRING_ARRAY, &["2024a", "ignored"])
            .string(TAG_RELEASE, "1.el9")
            .build();
        let parsed = parse_header(&blob);
        assert_eq!(parsed.as_ref().map(|h| h.name.as_str()), Ok("tzdata"));
        assert_eq!(parsed.map(|h| h.evr()), Ok("2024a-1.el9".to_owned()));
    }

    #[test]
    fn gpg_pubkey_has_no_arch() {
        let blob = Blob::default()
            .string(TAG_NAME, "gpg-pubkey")
            .string(TAG_VERSION, "fd431d51")
            .string(TAG_RELEASE, "4ae0493b")
            .build();
        assert_eq!(parse_header(&blob).map(|h| h.arch), Ok(None));
    }

    #[test]
    fn a_later_entry_replaces_an_earlier_one() {
        let blob = package("bash", None, "5.1.8", "9.el9")
            .string(TAG_RELEASE, "10.el9")
            .build();
        assert_eq!(
            parse_header(&blob).map(|h| h.release),
            Ok("10.el9".to_owned())
        );
    }

    #[test]
    fn missing_fields_are_errors() {
        let blob = Blob::default()
            .string(TAG_VERSION, "1")
            .string(TAG_RELEASE, "1")
            .build();
        assert_eq!(err(&blob), "package header has no NAME tag");
        let blob = Blob::default()
            .string(TAG_NAME, "x")
            .string(TAG_VERSION, "1")
            .build();
        assert_eq!(err(&blob), "package header has no RELEASE tag");
    }

    #[test]
    fn truncated_blobs_are_errors() {
        let blob = package("bash", None, "5.1.8", "9.el9").build();
        for len in [0, 3, 7, 8, 24, blob.len() - 1] {
            let e = err(&blob[..len]);
            assert!(e.starts_with("package header is truncated: "), "{len}: {e}");
        }
        let e = err(&blob[..blob.len() - 10]);
        assert!(
            e.contains(&format!("blob holds {}", blob.len() - 10)),
            "{e}"
        );
        let mut long = blob.clone();
        long.push(0);
        assert_eq!(
            err(&long),
            format!(
                "package header has 1 bytes past the {} bytes of data its index announces",
                u32::from_be_bytes([blob[4], blob[5], blob[6], blob[7]])
            )
        );
    }

    #[test]
    fn offsets_outside_the_data_are_errors() {
        let good = package("bash", None, "5.1.8", "9.el9");
        let dl = good.data.len() as u32 + 16;
        for offset in [dl + 1, u32::MAX, 0x8000_0000] {
            let blob = package("bash", None, "5.1.8", "9.el9")
                .entry(1010, TYPE_STRING, offset, 1)
                .build();
            assert!(
                err(&blob).contains("outside its"),
                "{offset}: {}",
                err(&blob)
            );
        }
        // A NAME whose string starts in bounds but has no NUL before the
        // end of the data.
        let mut blob = Blob::default()
            .string(TAG_VERSION, "1")
            .string(TAG_RELEASE, "1");
        blob.data.extend_from_slice(b"unterminated");
        let offset = blob.data.len() as u32 - 12;
        let mut bytes = blob.entry(TAG_NAME, TYPE_STRING, offset, 1).build();
        // The region trailer that follows holds zero bytes, which would end
        // the string; overwrite it so the string runs to the end of the data.
        let end = bytes.len();
        bytes[end - 16..].fill(b'x');
        assert!(
            err(&bytes).contains("runs past the end of the data"),
            "{}",
            err(&bytes)
        );
    }

    #[test]
    fn absurd_counts_are_errors() {
        let mut blob = package("bash", None, "5.1.8", "9.el9").build();
        blob[..4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(
            err(&blob),
            "package header claims 4294967295 index entries, more than rpm allows (65535)"
        );
        blob[..4].copy_from_slice(&1u32.to_be_bytes());
        blob[4..8].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(
            err(&blob).contains("4294967295 bytes of data"),
            "{}",
            err(&blob)
        );
        // Within rpm's limits, but far more than the blob holds.
        blob[..4].copy_from_slice(&0xffffu32.to_be_bytes());
        blob[4..8].copy_from_slice(&0x0fff_ffffu32.to_be_bytes());
        assert!(err(&blob).starts_with("package header is truncated: index says 65535 entries"));

        let huge_epoch = Blob::default()
            .string(TAG_NAME, "x")
            .string(TAG_VERSION, "1")
            .string(TAG_RELEASE, "1")
            .entry(TAG_EPOCH, TYPE_INT32, 0, u32::MAX)
            .build();
        assert!(
            err(&huge_epoch).contains("4294967295 values"),
            "{}",
            err(&huge_epoch)
        );
        let no_strings = Blob::default()
            .entry(TAG_NAME, TYPE_STRING, 0, 0)
            .string(TAG_VERSION, "1")
            .string(TAG_RELEASE, "1")
            .build();
        assert!(
            err(&no_strings).contains("with no strings"),
            "{}",
            err(&no_strings)
        );
    }

    #[test]
    fn wrong_types_are_errors() {
        let blob = Blob::default()
            .int32(TAG_NAME, 7)
            .string(TAG_VERSION, "1")
            .string(TAG_RELEASE, "1")
            .build();
        assert_eq!(
            err(&blob),
            "package header has tag NAME (1000) of type 4, not a string"
        );
        let blob = package("x", None, "1", "1").string(TAG_EPOCH, "1").build();
        assert!(err(&blob).contains("not INT32"), "{}", err(&blob));
        let blob = package("x", None, "1", "1").entry(1010, 10, 0, 1).build();
        assert!(
            err(&blob).contains("type 10, which does not exist"),
            "{}",
            err(&blob)
        );
    }

    #[test]
    fn every_prefix_and_every_flipped_byte_is_handled() {
        let blob = package("python3.11-pip", Some(3), "22.3.1", "4.el9").build();
        for len in 0..blob.len() {
            assert!(parse_header(&blob[..len]).is_err());
        }
        for at in 0..blob.len() {
            for value in [0x00, 0x7f, 0x80, 0xff] {
                let mut bytes = blob.clone();
                bytes[at] = value;
                let _ = parse_header(&bytes);
            }
        }
    }

    #[test]
    fn rpmvercmp_matches_rpm() {
        // Cases from rpm's own test suite (tests/rpmvercmp.at), each
        // checked against `rpm --eval '%{lua: print(rpm.vercmp(a, b))}'`.
        let cases = [
            ("1.0", "1.0", 0),
            ("1.0", "2.0", -1),
            ("2.0.1", "2.0", 1),
            ("2.0.1a", "2.0.1", 1),
            ("5.5p1", "5.5p2", -1),
            ("5.5p10", "5.5p1", 1),
            ("10xyz", "10.1xyz", -1),
            ("xyz10", "xyz10.1", -1),
            ("xyz.4", "8", -1),
            ("2", "xyz.4", 1),
            ("5.6p1", "5.5p2", 1),
            ("6.0.rc1", "6.0", 1),
            ("10b2", "10a1", 1),
            ("1.0a", "1.0aa", -1),
            ("10.0001", "10.1", 0),
            ("10.0039", "10.0001", 1),
            ("4.999.9", "5.0", -1),
            ("20101122", "20101121", 1),
            ("2.0", "2_0", 0),
            ("a+", "a_", 0),
            ("+_", "_+", 0),
            ("+", "_", 0),
            ("1.0~rc1", "1.0", -1),
            ("1.0~rc1", "1.0~rc2", -1),
            ("1.0~rc1~git123", "1.0~rc1", -1),
            ("1.0^", "1.0", 1),
            ("1.0^git1", "1.0", 1),
            ("1.0^git1", "1.0^git2", -1),
            ("1.0^git1", "1.01", -1),
            ("1.0^20160101", "1.0.1", -1),
            ("1.0^20160102", "1.0^20160101^git1", 1),
            ("1.0~rc1^git1", "1.0~rc1", 1),
            ("1.0^git1", "1.0^git1~pre", 1),
            ("5.14.0", "5.14.0", 0),
            ("9", "10", -1),
            ("1.9", "1.10", -1),
        ];
        for (a, b, expected) in cases {
            let expected = expected.cmp(&0);
            assert_eq!(rpmvercmp(a, b), expected, "{a} vs {b}");
            assert_eq!(rpmvercmp(b, a), expected.reverse(), "{b} vs {a}");
        }
    }

    /// An in-memory database with rpm's Packages table holding `blobs`, as
    /// the bytes of its file.
    fn sqlite(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch(
            "CREATE TABLE 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);
             CREATE TABLE 'Name' (key 'TEXT' NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL);",
        )
        .expect("schema");
        for blob in blobs {
            conn.execute("INSERT INTO Packages (blob) VALUES (?1)", [blob])
                .expect("insert");
        }
        conn.serialize(MAIN_DB).expect("serialize").to_vec()
    }

    fn expected(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn arch(blob: Blob, arch: &str) -> Vec<u8> {
        blob.string(TAG_ARCH, arch).build()
    }

    #[test]
    fn packages_from_a_database() {
        let db = sqlite(&[
            package("bash", None, "5.1.8", "9.el9").build(),
            package("openssl-libs", Some(1), "3.0.7", "27.el9").build(),
            package("libstdc++", None, "11.4.1", "3.el9").build(),
            // Install-only: the newest by rpm's comparison, not by string.
            package("kernel", None, "5.14.0", "362.8.1.el9_3").build(),
            package("kernel", None, "5.14.0", "70.13.1.el9_0").build(),
            package("tool", None, "1.0~rc1", "1").build(),
            package("tool", None, "1.0", "1").build(),
            // Multilib: the same version for two architectures.
            arch(package("glibc", None, "2.34", "83.el9"), "i686"),
            package("glibc", None, "2.34", "83.el9").build(),
            // No epoch loses to any epoch, even against a greater version.
            package("perl-Time", Some(1), "1.0", "1").build(),
            package("perl-Time", None, "9.0", "1").build(),
            // Equal by rpm (no epoch = epoch 0): the greater string wins.
            package("zlib", None, "1.2.11", "40.el9").build(),
            package("zlib", Some(0), "1.2.11", "40.el9").build(),
            // No arch: no `-(none)`.
            Blob::default()
                .string(TAG_NAME, "gpg-pubkey")
                .string(TAG_VERSION, "fd431d51")
                .string(TAG_RELEASE, "4ae0493e")
                .build(),
        ]);
        assert_eq!(
            packages_from_sqlite(db.as_slice(), &Stop::never()),
            Ok(expected(&[
                ("bash", "5.1.8-9.el9-x86_64"),
                ("glibc", "2.34-83.el9-x86_64"),
                // The original's `TrimRight(v, "-(none)")` would have cut
                // this release's final `e` too.
                ("gpg-pubkey", "fd431d51-4ae0493e"),
                ("kernel", "5.14.0-362.8.1.el9_3-x86_64"),
                ("libstdc++", "11.4.1-3.el9-x86_64"),
                ("openssl-libs", "3.0.7-27.el9-x86_64"),
                ("perl-Time", "1.0-1-x86_64"),
                ("tool", "1.0-1-x86_64"),
                ("zlib", "1.2.11-40.el9-x86_64"),
            ]))
        );
    }

    #[test]
    fn an_empty_database_has_no_packages() {
        assert_eq!(
            packages_from_sqlite(sqlite(&[]), &Stop::never()),
            Ok(BTreeMap::new())
        );
    }

    #[test]
    fn a_wal_mode_database_is_read() {
        let mut db = sqlite(&[package("bash", None, "5.1.8", "9.el9").build()]);
        db[18] = 2;
        db[19] = 2;
        assert_eq!(
            packages_from_sqlite(db.as_slice(), &Stop::never()),
            Ok(expected(&[("bash", "5.1.8-9.el9-x86_64")]))
        );
    }

    #[test]
    fn a_bad_header_fails_the_database_and_is_named() {
        let mut short = package("bash", None, "5.1.8", "9.el9").build();
        short.truncate(100);
        let db = sqlite(&[package("zsh", None, "5.8", "9.el9").build(), short]);
        let e =
            packages_from_sqlite(db.as_slice(), &Stop::never()).expect_err("a truncated header");
        assert!(
            e.starts_with("package header 2 is truncated: index says"),
            "{e}"
        );
        assert!(e.ends_with("blob holds 100"), "{e}");
    }

    #[test]
    fn a_blob_column_holding_text_is_an_error() {
        let db = sqlite(&[]);
        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.deserialize_read_exact(MAIN_DB, db.as_slice(), db.len(), false)
            .expect("deserialize");
        conn.execute("INSERT INTO Packages (hnum, blob) VALUES (7, 'text')", [])
            .expect("insert");
        let db = conn.serialize(MAIN_DB).expect("serialize").to_vec();
        assert_eq!(
            packages_from_sqlite(db.as_slice(), &Stop::never()),
            Err("package header 7 is text, not a blob".to_owned())
        );
    }

    #[test]
    fn other_files_are_errors() {
        let not_sqlite = "rpmdb.sqlite is not an SQLite database".to_owned();
        assert_eq!(
            packages_from_sqlite(b"", &Stop::never()),
            Err(not_sqlite.clone())
        );
        assert_eq!(
            packages_from_sqlite(b"SQLite format 3\0", &Stop::never()),
            Err(not_sqlite.clone())
        );
        let mut bdb = vec![0u8; 4096];
        bdb[12..16].copy_from_slice(&0x0006_1561u32.to_le_bytes());
        assert_eq!(
            packages_from_sqlite(bdb.as_slice(), &Stop::never()),
            Err(not_sqlite)
        );

        let mut conn = Connection::open_in_memory().expect("in-memory database");
        conn.execute_batch("CREATE TABLE Other (x)")
            .expect("schema");
        let db = conn.serialize(MAIN_DB).expect("serialize").to_vec();
        assert_eq!(
            packages_from_sqlite(db.as_slice(), &Stop::never()),
            Err("rpmdb.sqlite is not an rpm database: it has no Packages table".to_owned())
        );
    }

    #[test]
    fn truncated_and_damaged_databases_are_errors_not_panics() {
        let blobs: Vec<Vec<u8>> = (0..200)
            .map(|i| package(&format!("package-{i}"), None, "1.0", "1").build())
            .collect();
        let db = sqlite(&blobs);
        assert_eq!(
            packages_from_sqlite(db.as_slice(), &Stop::never()).map(|p| p.len()),
            Ok(200)
        );
        for len in [100, 4096, db.len() / 2, db.len() - 1] {
            let e =
                packages_from_sqlite(&db[..len], &Stop::never()).expect_err("a truncated database");
            assert!(e.starts_with("rpmdb.sqlite is truncated: "), "{len}: {e}");
        }
        // Garbage over the pages after the first: SQLite's errors, passed on.
        let mut damaged = db.clone();
        for (i, byte) in damaged.iter_mut().enumerate().skip(4096) {
            *byte = (i % 251) as u8;
        }
        let e = packages_from_sqlite(damaged.as_slice(), &Stop::never())
            .expect_err("a damaged database");
        assert!(e.starts_with("rpmdb.sqlite cannot be read: "), "{e}");
    }

    #[test]
    fn unsupported_databases_are_named() {
        assert_eq!(
            unsupported_database_message("Packages").as_deref(),
            Some("Berkeley DB rpm database (/var/lib/rpm/Packages) is not supported")
        );
        assert_eq!(
            unsupported_database_message("Packages.db").as_deref(),
            Some("ndb rpm database (/var/lib/rpm/Packages.db) is not supported")
        );
        assert_eq!(
            unsupported_database_message("/usr/lib/sysimage/rpm/Packages.db").as_deref(),
            Some("ndb rpm database (/usr/lib/sysimage/rpm/Packages.db) is not supported")
        );
        for other in [
            "rpmdb.sqlite",
            "rpmdb.sqlite-wal",
            "Name",
            "Index.db",
            ".rpm.lock",
            "",
        ] {
            assert_eq!(unsupported_database_message(other), None, "{other}");
        }
    }
}
