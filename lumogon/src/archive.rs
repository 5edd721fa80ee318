//! Files out of the tar streams that the Engine API's archive endpoint
//! returns. Pure: bytes in, files out.

use std::io::Read;

/// No file is read beyond this size: a container could hold anything.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// What the archive of one path held.
#[derive(Debug, PartialEq, Eq)]
pub enum Entry {
    /// A regular file's contents.
    File(Vec<u8>),
    /// A symbolic link's target, as written in the link.
    Symlink(String),
    /// A directory's regular files: (name relative to it, contents), sorted.
    Directory(Vec<(String, Vec<u8>)>),
}

/// Reads the archive of one path: its first entry says what the path is.
pub fn read(tar_bytes: &[u8]) -> Result<Entry, String> {
    let mut archive = tar::Archive::new(tar_bytes);
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
        return contents(&mut first).map(Entry::File);
    }
    if !kind.is_dir() {
        return Err("not a regular file, directory or symlink".to_owned());
    }
    let root = first.path().map_err(|e| e.to_string())?.into_owned();
    let mut files = Vec::new();
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("unreadable archive: {e}"))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path().map_err(|e| e.to_string())?.into_owned();
        let name = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .into_owned();
        files.push((name, contents(&mut entry)?));
    }
    files.sort();
    Ok(Entry::Directory(files))
}

fn contents(entry: &mut tar::Entry<'_, &[u8]>) -> Result<Vec<u8>, String> {
    let size = entry.header().size().map_err(|e| e.to_string())?;
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "the file is {size} bytes; lumogon reads at most {MAX_FILE_BYTES}"
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    entry
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
        assert_eq!(read(&bytes), Ok(Entry::File(b"Package: x\n".to_vec())));
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
            read(&bytes),
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
        assert_eq!(read(&bytes), Ok(Entry::Directory(expected)));
    }

    #[test]
    fn truncated_and_garbage_archives_are_errors() {
        let bytes = tar_of(|b| file(b, "status", &[b'x'; 4096]));
        assert!(read(&bytes[..1024]).is_err());
        assert!(read(b"not a tar").is_err());
        assert!(read(&[]).is_err());
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
