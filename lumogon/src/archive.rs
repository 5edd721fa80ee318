//! Files out of the tar streams that the Engine API's archive endpoint
//! returns. Pure: bytes in, files out.

use std::collections::BTreeMap;
use std::io::Read;

/// What the archive of one path held.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// A regular file's contents.
    File(Vec<u8>),
    /// A symbolic link's target, as written in the link.
    Symlink(String),
    /// A directory's regular files: (name relative to it, contents), sorted.
    /// A file with several names (hard links) is there under each name.
    Directory(Vec<(String, Vec<u8>)>),
}

/// Reads the archive of one path: its first entry says what the path is.
/// `limit` bounds the bytes taken out of it: one file's size, or all of a
/// directory's files together, hard links counted under each name.
pub fn read(tar: impl Read, limit: u64) -> Result<Entry, String> {
    let mut archive = tar::Archive::new(tar);
    let mut entries = archive
        .entries()
        .map_err(|e| format!("unreadable archive: {e}"))?;
    let Some(first) = entries.next() else {
        return Err("the archive is empty".to_owned());
    };
    let mut first = first.map_err(|e| format!("unreadable archive: {e}"))?;
    let kind = first.header().entry_type();
    if kind.is_symlink() {
        let target = first
            .link_name()
            .map_err(|e| format!("unreadable symlink: {e}"))?
            .ok_or("a symlink without a target")?;
        return Ok(Entry::Symlink(target.to_string_lossy().into_owned()));
    }
    if kind.is_file() {
        return contents(&mut first, limit).map(Entry::File);
    }
    if !kind.is_dir() {
        return Err("not a regular file, directory or symlink".to_owned());
    }
    let root = first.path().map_err(|e| e.to_string())?.into_owned();
    let relative = |path: &std::path::Path| {
        path.strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned()
    };
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut left = limit;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("unreadable archive: {e}"))?;
        let kind = entry.header().entry_type();
        let name = relative(&entry.path().map_err(|e| e.to_string())?);
        let bytes = if kind.is_file() {
            if entry.header().size().is_ok_and(|size| size > left) {
                return Err(too_large(limit));
            }
            contents(&mut entry, left)?
        } else if kind.is_hard_link() {
            // A second name of a file earlier in the same archive (the
            // archive holds its bytes once, under the first name).
            let target = entry
                .link_name()
                .map_err(|e| format!("unreadable hard link {name}: {e}"))?
                .ok_or_else(|| format!("hard link {name} has no target"))?;
            let target = relative(&target);
            let bytes = files.get(&target).ok_or_else(|| {
                format!("{name} is a hard link to {target}, which the archive does not hold")
            })?;
            if bytes.len() as u64 > left {
                return Err(too_large(limit));
            }
            bytes.clone()
        } else {
            continue;
        };
        left -= bytes.len() as u64;
        files.insert(name, bytes);
    }
    Ok(Entry::Directory(files.into_iter().collect()))
}

/// How many bytes the archive whose beginning is `tar` will hand over, as
/// its first header announces them: a file's size, or `limit` for a
/// directory (whose size is known only at its end) and for extended
/// headers. `None` until a whole header has arrived.
pub fn announced(mut tar: impl Read, limit: u64) -> Option<u64> {
    let mut block = [0u8; 512];
    tar.read_exact(&mut block).ok()?;
    let header = tar::Header::from_byte_slice(&block);
    let kind = header.entry_type();
    if kind.is_file() {
        // A size that does not parse, or is past the limit, is refused by
        // `read`; reserving the limit meanwhile keeps the budget honest.
        Some(header.size().map_or(limit, |size| size.min(limit)))
    } else if kind.is_symlink() || kind.is_hard_link() {
        Some(0)
    } else {
        Some(limit)
    }
}

fn too_large(limit: u64) -> String {
    format!("it holds more than lumogon reads ({limit} bytes)")
}

fn contents(entry: &mut tar::Entry<'_, impl Read>, limit: u64) -> Result<Vec<u8>, String> {
    let size = entry.header().size().map_err(|e| e.to_string())?;
    if size > limit {
        return Err(format!(
            "the file is {size} bytes; lumogon reads at most {limit}"
        ));
    }
    // Exactly the size: growing a vector as it fills would hold up to twice
    // the file for a moment.
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    entry
        .take(size)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("the archive is truncated: {e}"))?;
    // A short stream reads as a short file, without an error: compare.
    if bytes.len() as u64 != size {
        return Err(format!(
            "the archive is truncated: {} of {size} bytes",
            bytes.len()
        ));
    }
    Ok(bytes)
}

/// The chunks of an archive as they came off the wire, read as one stream
/// without first copying them into one buffer.
#[derive(Debug)]
pub struct Chunks<'a> {
    rest: &'a [bytes::Bytes],
    at: usize,
}

impl<'a> Chunks<'a> {
    pub fn new(chunks: &'a [bytes::Bytes]) -> Chunks<'a> {
        Chunks {
            rest: chunks,
            at: 0,
        }
    }
}

impl Read for Chunks<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while let Some((chunk, later)) = self.rest.split_first() {
            let left = chunk.get(self.at..).unwrap_or_default();
            if left.is_empty() {
                self.rest = later;
                self.at = 0;
                continue;
            }
            let n = left.len().min(buf.len());
            buf[..n].copy_from_slice(&left[..n]);
            self.at += n;
            return Ok(n);
        }
        Ok(0)
    }
}

/// Where a symlink at `link` pointing to `target` leads, inside the
/// container's root: relative targets resolve against the link's directory,
/// absolute ones against the container's root, never above it.
pub fn resolve_symlink(link: &str, target: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if !target.starts_with('/') {
        parts.extend(link.split('/').filter(|p| !p.is_empty()));
        parts.pop(); // the link's own name
    }
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            part => parts.push(part),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 1 << 20;

    fn tar_of(build: impl FnOnce(&mut tar::Builder<Vec<u8>>)) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        build(&mut builder);
        builder.into_inner().unwrap_or_default()
    }

    fn file(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
        let mut header = tar::Header::new_gnu();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        let _ = b.append_data(&mut header, path, data);
    }

    #[test]
    fn a_file() {
        let bytes = tar_of(|b| file(b, "status", b"Package: x\n"));
        assert_eq!(
            read(&bytes[..], LIMIT),
            Ok(Entry::File(b"Package: x\n".to_vec()))
        );
    }

    #[test]
    fn a_symlink() {
        let bytes = tar_of(|b| {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            let _ = b.append_link(&mut header, "os-release", "../usr/lib/os-release");
        });
        assert_eq!(
            read(&bytes[..], LIMIT),
            Ok(Entry::Symlink("../usr/lib/os-release".to_owned()))
        );
    }

    #[test]
    fn a_directory() {
        let bytes = tar_of(|b| {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Directory);
            header.set_size(0);
            header.set_mode(0o755);
            let _ = b.append_data(&mut header, "status.d/", &[][..]);
            file(b, "status.d/zlib", b"z");
            file(b, "status.d/base", b"b");
        });
        let expected = vec![
            ("base".to_owned(), b"b".to_vec()),
            ("zlib".to_owned(), b"z".to_vec()),
        ];
        assert_eq!(read(&bytes[..], LIMIT), Ok(Entry::Directory(expected)));
    }

    fn directory(b: &mut tar::Builder<Vec<u8>>, path: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Directory);
        header.set_size(0);
        header.set_mode(0o755);
        let _ = b.append_data(&mut header, path, &[][..]);
    }

    fn hard_link(b: &mut tar::Builder<Vec<u8>>, path: &str, target: &str) {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Link);
        header.set_size(0);
        let _ = b.append_link(&mut header, path, target);
    }

    #[test]
    fn a_hard_link_is_read_under_its_own_name_too() {
        // As Docker writes a directory holding two names of one file.
        let bytes = tar_of(|b| {
            directory(b, "status.d/");
            file(b, "status.d/base", b"Package: base");
            hard_link(b, "status.d/other", "status.d/base");
        });
        let expected = vec![
            ("base".to_owned(), b"Package: base".to_vec()),
            ("other".to_owned(), b"Package: base".to_vec()),
        ];
        assert_eq!(read(&bytes[..], LIMIT), Ok(Entry::Directory(expected)));
    }

    #[test]
    fn a_hard_link_to_nothing_is_an_error() {
        let bytes = tar_of(|b| {
            directory(b, "status.d/");
            hard_link(b, "status.d/other", "status.d/missing");
        });
        let error = read(&bytes[..], LIMIT).expect_err("a dangling hard link");
        assert!(error.contains("hard link to missing"), "{error}");
    }

    #[test]
    fn the_limit_holds_for_a_file_and_for_a_directory_with_its_hard_links() {
        let bytes = tar_of(|b| file(b, "status", &[b'x'; 100]));
        assert!(read(&bytes[..], 100).is_ok());
        let error = read(&bytes[..], 99).expect_err("over the limit");
        assert!(error.contains("at most 99"), "{error}");

        // Many names of one file cannot multiply it past the limit.
        let bytes = tar_of(|b| {
            directory(b, "d/");
            file(b, "d/a", &[b'x'; 40]);
            for n in 0..10 {
                hard_link(b, &format!("d/link{n}"), "d/a");
            }
        });
        assert!(read(&bytes[..], 440).is_ok());
        let error = read(&bytes[..], 439).expect_err("over the limit");
        assert!(
            error.contains("more than lumogon reads (439 bytes)"),
            "{error}"
        );
    }

    #[test]
    fn chunks_read_as_one_stream() {
        let bytes = tar_of(|b| file(b, "status", &[b'y'; 3000]));
        let chunks: Vec<bytes::Bytes> = bytes
            .chunks(7)
            .map(bytes::Bytes::copy_from_slice)
            .chain([bytes::Bytes::new()])
            .collect();
        assert_eq!(
            read(Chunks::new(&chunks), LIMIT),
            Ok(Entry::File(vec![b'y'; 3000]))
        );
    }

    #[test]
    fn the_first_header_announces_what_is_coming() {
        let bytes = tar_of(|b| file(b, "status", &[b'x'; 3000]));
        assert_eq!(announced(&bytes[..511], LIMIT), None);
        assert_eq!(announced(&bytes[..512], LIMIT), Some(3000));
        assert_eq!(announced(&bytes[..512], 100), Some(100));
        let link = tar_of(|b| {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            let _ = b.append_link(&mut header, "os-release", "x");
        });
        assert_eq!(announced(&link[..], LIMIT), Some(0));
        let dir = tar_of(|b| directory(b, "status.d/"));
        assert_eq!(announced(&dir[..], LIMIT), Some(LIMIT));
    }

    #[test]
    fn truncated_and_garbage_archives_are_errors() {
        let bytes = tar_of(|b| file(b, "status", &[b'x'; 4096]));
        assert!(read(&bytes[..1024], LIMIT).is_err());
        assert!(read(&b"not a tar"[..], LIMIT).is_err());
        assert!(read(&[][..], LIMIT).is_err());
    }

    #[test]
    fn symlinks_stay_inside_the_container() {
        assert_eq!(
            resolve_symlink("/etc/os-release", "../usr/lib/os-release"),
            "/usr/lib/os-release"
        );
        assert_eq!(
            resolve_symlink("/etc/os-release", "/usr/lib/os-release"),
            "/usr/lib/os-release"
        );
        assert_eq!(resolve_symlink("/etc/os-release", "../../../../x"), "/x");
        assert_eq!(resolve_symlink("/a/b", "./c/../d"), "/a/d");
    }
}
