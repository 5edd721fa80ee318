//! A running containerd container's files, read from its task's root,
//! `/proc/<pid>/root`, on this machine. Blocking: the engine calls these
//! off the async executor.
//!
//! The container is hostile: every path is resolved by the kernel inside
//! that root (`openat2` with `RESOLVE_IN_ROOT`), so that an absolute
//! symlink or a `..` lands inside the container as it would for its own
//! processes, and never on the node's files; magic links (`/proc/self/root`
//! in the container's own `/proc`, which would lead to lumogon's root) are
//! refused (`RESOLVE_NO_MAGICLINKS`). What is found is opened as a bare
//! path first (`O_PATH`) and read only once it is known to be a regular
//! file or a directory: opening a device node or a FIFO can have effects
//! (a watchdog, a blocked read), so they are never opened for reading.

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

use crate::stop::Stop;

/// Resolution inside the container's root, as its processes resolve paths.
const IN_ROOT: ResolveFlags = ResolveFlags::IN_ROOT.union(ResolveFlags::NO_MAGICLINKS);

/// Resolution of one directory entry below a directory already opened:
/// no symlinks at all (a directory's listing holds its regular files, as
/// Docker's archive of it does).
const ENTRY: ResolveFlags = ResolveFlags::BENEATH
    .union(ResolveFlags::NO_SYMLINKS)
    .union(ResolveFlags::NO_MAGICLINKS);

/// The kernel asks to retry a resolution that raced with a rename; a
/// container renaming in a loop gets an error after this many.
const RETRIES: usize = 16;

/// Entries a directory walk looks at, and how deep it goes: far more than
/// any package directory, and a bound on a crafted one.
const MAX_ENTRIES: usize = 100_000;
const MAX_DEPTH: usize = 16;

/// A directory's regular files: names relative to it, and contents.
pub type DirFiles = Vec<(String, Vec<u8>)>;

/// An open handle on a task's root directory.
#[derive(Debug)]
pub struct Root {
    dir: OwnedFd,
    pid: u32,
}

impl Root {
    /// Opens `/proc/<pid>/root`.
    ///
    /// # Errors
    ///
    /// No such process, or no permission (lumogon is not root, or runs in
    /// another PID namespace than containerd).
    pub fn open(pid: u32) -> Result<Root, String> {
        let path = format!("/proc/{pid}/root");
        let dir = rustix::fs::open(
            &path,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .map_err(|e| match e {
            Errno::ACCESS | Errno::PERM => format!(
                "cannot open {path}: permission denied; run lumogon as root on the machine that runs containerd"
            ),
            Errno::NOENT | Errno::SRCH => format!(
                "its task (pid {pid}) is not in this /proc: it ended during the scan, or lumogon runs in another PID namespace than containerd (in Kubernetes: hostPID: true)"
            ),
            e => format!("cannot open {path}: {e}"),
        })?;
        Ok(Root { dir, pid })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// `path` resolved inside the root as a bare handle (`O_PATH`),
    /// following symlinks (inside the root) unless `nofollow`; `None` when
    /// nothing is there.
    fn resolve(&self, path: &str, nofollow: bool) -> Result<Option<OwnedFd>, String> {
        let mut flags = OFlags::PATH | OFlags::CLOEXEC;
        if nofollow {
            flags |= OFlags::NOFOLLOW;
        }
        for _ in 0..RETRIES {
            match rustix::fs::openat2(&self.dir, path, flags, Mode::empty(), IN_ROOT) {
                Ok(fd) => return Ok(Some(fd)),
                Err(Errno::NOENT | Errno::NOTDIR) => return Ok(None),
                Err(Errno::AGAIN | Errno::INTR) => {}
                Err(e) => return Err(error(path, e)),
            }
        }
        Err(format!(
            "{path}: the container keeps renaming it while it is read"
        ))
    }

    /// Whether anything is at `path`; a final symlink counts, as it does in
    /// Docker's archive.
    pub fn exists(&self, path: &str) -> Result<bool, String> {
        self.resolve(path, true).map(|fd| fd.is_some())
    }

    /// The regular file at `path` (symlinks followed inside the root),
    /// ready to read, and its size; `None` when nothing is there.
    ///
    /// # Errors
    ///
    /// Not a regular file, larger than `cap`, a symlink loop.
    pub fn open_file(&self, path: &str, cap: u64) -> Result<Option<(File, u64)>, String> {
        let Some(fd) = self.resolve(path, false)? else {
            return Ok(None);
        };
        let stat = rustix::fs::fstat(&fd).map_err(|e| error(path, e))?;
        match FileType::from_raw_mode(stat.st_mode) {
            FileType::RegularFile => {}
            FileType::Directory => return Err(format!("{path} is a directory, not a file")),
            _ => return Err(format!("{path}: not a regular file, directory or symlink")),
        }
        let size = u64::try_from(stat.st_size).unwrap_or(0);
        if size > cap {
            return Err(format!(
                "{path}: the file is {size} bytes; lumogon reads at most {cap}"
            ));
        }
        let file = reopen(&fd, OFlags::RDONLY).map_err(|e| error(path, e))?;
        Ok(Some((file, size)))
    }

    /// The directory at `path` (symlinks followed inside the root), open
    /// for listing; `None` when nothing is there.
    ///
    /// # Errors
    ///
    /// Not a directory, a symlink loop.
    pub fn open_dir(&self, path: &str) -> Result<Option<File>, String> {
        let Some(fd) = self.resolve(path, false)? else {
            return Ok(None);
        };
        let stat = rustix::fs::fstat(&fd).map_err(|e| error(path, e))?;
        if FileType::from_raw_mode(stat.st_mode) != FileType::Directory {
            return Err(format!("{path} is not a directory"));
        }
        reopen(&fd, OFlags::RDONLY | OFlags::DIRECTORY)
            .map(Some)
            .map_err(|e| error(path, e))
    }
}

/// The regular files directly or deeply inside `dir` (opened by
/// [`Root::open_dir`] from `path`), names relative to it, sorted, at most
/// `cap` bytes together. Entries are never followed through a symlink.
///
/// # Errors
///
/// More than `cap` bytes or [`MAX_ENTRIES`] entries, deeper than
/// [`MAX_DEPTH`], or `stop` asked.
pub fn read_dir(dir: File, path: &str, cap: u64, stop: &Stop) -> Result<DirFiles, String> {
    let mut walk = Walk {
        path,
        left: cap,
        cap,
        entries: 0,
        stop,
        files: Vec::new(),
    };
    walk.dir(dir.as_fd(), "", 0)?;
    let mut files = walk.files;
    files.sort();
    Ok(files)
}

/// Reads `file` to its end, at most `cap` bytes: a file that grew past its
/// size since it was opened is refused as a larger one would have been.
pub fn read(file: File, size: u64, cap: u64, path: &str) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::with_capacity(usize::try_from(size.min(cap)).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("could not read {path}: {e}"))?;
    if bytes.len() as u64 > cap {
        return Err(format!(
            "{path}: the file grew past what lumogon reads ({cap} bytes)"
        ));
    }
    Ok(bytes)
}

/// A bare handle opened for reading, through lumogon's own `/proc`:
/// `O_NONBLOCK`, `O_NOCTTY` because the container may swap the file for a
/// FIFO or a terminal between the check and this open.
fn reopen(fd: &OwnedFd, flags: OFlags) -> Result<File, Errno> {
    let flags = flags | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    let opened = rustix::fs::open(
        format!("/proc/self/fd/{}", fd.as_raw_fd()),
        flags,
        Mode::empty(),
    )?;
    // Checked again on what was opened: a swap between the check and the
    // open must not make lumogon read a device.
    let stat = rustix::fs::fstat(&opened)?;
    match FileType::from_raw_mode(stat.st_mode) {
        FileType::RegularFile | FileType::Directory => Ok(File::from(opened)),
        _ => Err(Errno::INVAL),
    }
}

/// One line for a failed resolution, in the Docker path's words where
/// there are some.
fn error(path: &str, e: Errno) -> String {
    match e {
        // A symlink loop, or a magic link the resolution refused.
        Errno::LOOP => format!("{path}: too many levels of symbolic links"),
        Errno::ACCESS | Errno::PERM => {
            format!("could not read {path}: permission denied; run lumogon as root")
        }
        Errno::NOSYS => format!(
            "could not read {path}: this kernel has no openat2 (Linux 5.6 or later is needed to read containerd's containers safely)"
        ),
        e => format!("could not read {path}: {e}"),
    }
}

/// A directory walk's state.
struct Walk<'a> {
    path: &'a str,
    left: u64,
    cap: u64,
    entries: usize,
    stop: &'a Stop,
    files: DirFiles,
}

impl Walk<'_> {
    fn dir(
        &mut self,
        dir: std::os::fd::BorrowedFd<'_>,
        prefix: &str,
        depth: usize,
    ) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!(
                "{}: nested deeper than lumogon reads ({MAX_DEPTH})",
                self.path
            ));
        }
        let listing = rustix::fs::Dir::read_from(dir).map_err(|e| error(self.path, e))?;
        for entry in listing {
            let entry = entry.map_err(|e| error(self.path, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == "." || name == ".." {
                continue;
            }
            self.entries += 1;
            if self.entries > MAX_ENTRIES || self.stop.requested() {
                return Err(format!(
                    "{}: more than {MAX_ENTRIES} entries, or no time left to read them",
                    self.path
                ));
            }
            let relative = format!("{prefix}{name}");
            let stat = match rustix::fs::statat(dir, &*name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(stat) => stat,
                // Removed while it was listed.
                Err(Errno::NOENT) => continue,
                Err(e) => return Err(error(self.path, e)),
            };
            match FileType::from_raw_mode(stat.st_mode) {
                FileType::RegularFile => self.file(dir, &name, relative)?,
                FileType::Directory => {
                    let sub = open_entry(dir, &name, OFlags::DIRECTORY)
                        .and_then(|fd| reopen(&fd, OFlags::RDONLY | OFlags::DIRECTORY))
                        .map_err(|e| error(self.path, e))?;
                    self.dir(sub.as_fd(), &format!("{relative}/"), depth + 1)?;
                }
                // Symlinks, devices, FIFOs, sockets: not a package's file.
                _ => {}
            }
        }
        Ok(())
    }

    fn file(
        &mut self,
        dir: std::os::fd::BorrowedFd<'_>,
        name: &str,
        relative: String,
    ) -> Result<(), String> {
        let too_large = || {
            format!(
                "{}: it holds more than lumogon reads ({} bytes)",
                self.path, self.cap
            )
        };
        let fd = open_entry(dir, name, OFlags::empty()).map_err(|e| error(self.path, e))?;
        let size = rustix::fs::fstat(&fd)
            .map(|s| u64::try_from(s.st_size).unwrap_or(0))
            .map_err(|e| error(self.path, e))?;
        if size > self.left {
            return Err(too_large());
        }
        let file = reopen(&fd, OFlags::RDONLY).map_err(|e| error(self.path, e))?;
        let bytes = read(file, size, self.left, self.path).map_err(|_| too_large())?;
        self.left -= bytes.len() as u64;
        self.files.push((relative, bytes));
        Ok(())
    }
}

/// A bare handle on the entry `name` of `dir`, never through a symlink.
fn open_entry(
    dir: std::os::fd::BorrowedFd<'_>,
    name: &str,
    flags: OFlags,
) -> Result<OwnedFd, Errno> {
    let flags = flags | OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    rustix::fs::openat2(dir, name, flags, Mode::empty(), ENTRY)
}

#[cfg(test)]
mod tests {
    //! The confinement on a tree made here, with this process as the
    //! "task": `/proc/self/root` is `/`, so the tests open a directory as
    //! the root instead, through the same resolution.
    use super::*;
    use std::os::unix::fs::symlink;

    fn root_at(dir: &std::path::Path) -> Root {
        let fd = rustix::fs::open(
            dir,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .expect("open the test root");
        Root { dir: fd, pid: 0 }
    }

    fn tree() -> (tempfile::TempDir, tempfile::TempDir) {
        let outside = tempfile::tempdir().expect("a directory outside the root");
        std::fs::write(outside.path().join("secret"), "the node's own file").expect("write");
        let inside = tempfile::tempdir().expect("the root");
        let r = inside.path();
        std::fs::create_dir_all(r.join("etc")).expect("mkdir");
        std::fs::create_dir_all(r.join("var/lib/dpkg/status.d/nested")).expect("mkdir");
        std::fs::write(r.join("etc/os-release"), "ID=debian\n").expect("write");
        std::fs::write(r.join("var/lib/dpkg/status.d/a"), "Package: a\n").expect("write");
        std::fs::write(r.join("var/lib/dpkg/status.d/nested/b"), "Package: b\n").expect("write");
        let secret = outside.path().join("secret");
        // Absolute and relative ways out, which must stay inside.
        symlink(&secret, r.join("etc/absolute")).expect("symlink");
        symlink(
            "../../../../../../../../..".to_owned() + &secret.display().to_string(),
            r.join("etc/dotdot"),
        )
        .expect("symlink");
        symlink("/etc/os-release", r.join("etc/good")).expect("symlink");
        symlink("/proc/self/root/etc/hostname", r.join("etc/magic")).expect("symlink");
        symlink("loop", r.join("etc/loop")).expect("symlink");
        symlink(&secret, r.join("var/lib/dpkg/status.d/escape")).expect("symlink");
        (inside, outside)
    }

    fn read_file(root: &Root, path: &str) -> Result<Option<String>, String> {
        let Some((file, size)) = root.open_file(path, 1 << 20)? else {
            return Ok(None);
        };
        read(file, size, 1 << 20, path).map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
    }

    #[test]
    fn symlinks_resolve_inside_the_root_and_never_reach_outside() {
        let (inside, _outside) = tree();
        let root = root_at(inside.path());
        assert_eq!(
            read_file(&root, "/etc/os-release"),
            Ok(Some("ID=debian\n".to_owned()))
        );
        assert_eq!(
            read_file(&root, "/etc/good"),
            Ok(Some("ID=debian\n".to_owned()))
        );
        // The node's file is not there inside the root: nothing.
        assert_eq!(read_file(&root, "/etc/absolute"), Ok(None));
        assert_eq!(read_file(&root, "/etc/dotdot"), Ok(None));
        assert_eq!(
            read_file(&root, "/../../../../etc/os-release"),
            Ok(Some("ID=debian\n".to_owned()))
        );
        let error = read_file(&root, "/etc/loop").expect_err("a loop");
        assert_eq!(error, "/etc/loop: too many levels of symbolic links");
        // No /proc in this root: the link leads nowhere.
        assert_eq!(read_file(&root, "/etc/magic"), Ok(None));
        assert_eq!(
            root.exists("/etc/absolute"),
            Ok(true),
            "the link itself exists"
        );
        assert_eq!(root.exists("/nope"), Ok(false));
        let error = read_file(&root, "/etc").expect_err("a directory");
        assert_eq!(error, "/etc is a directory, not a file");
    }

    #[test]
    fn magic_links_are_refused() {
        // A root with a procfs in it, as a container's has: this machine's.
        // `/proc/self/root` there is lumogon's own root, a way out of a
        // container's.
        let root = root_at(std::path::Path::new("/"));
        let error = read_file(&root, "/proc/self/root/etc/os-release").expect_err("refused");
        assert_eq!(
            error,
            "/proc/self/root/etc/os-release: too many levels of symbolic links"
        );
    }

    #[test]
    fn a_directory_walk_keeps_regular_files_and_its_cap() {
        let (inside, _outside) = tree();
        let root = root_at(inside.path());
        let (stop, _guard) = Stop::new(crate::stop::Deadline::after(60));
        let walk = |cap| {
            let dir = root
                .open_dir("/var/lib/dpkg/status.d")?
                .ok_or_else(|| "absent".to_owned())?;
            read_dir(dir, "/var/lib/dpkg/status.d", cap, &stop)
        };
        let files = walk(1 << 20).expect("a directory");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "nested/b"], "the escaping symlink is not read");
        let error = walk(12).expect_err("over the cap");
        assert!(
            error.contains("more than lumogon reads (12 bytes)"),
            "{error}"
        );
        assert!(matches!(root.open_dir("/var/lib/nothing"), Ok(None)));
        let error = root.open_dir("/etc/os-release").expect_err("a file");
        assert_eq!(error, "/etc/os-release is not a directory");
    }

    #[test]
    fn files_past_the_cap_and_fifos_are_refused_without_reading() {
        let (inside, _outside) = tree();
        let root = root_at(inside.path());
        let error = root
            .open_file("/etc/os-release", 4)
            .err()
            .unwrap_or_default();
        assert_eq!(
            error,
            "/etc/os-release: the file is 10 bytes; lumogon reads at most 4"
        );
        let status = std::process::Command::new("mkfifo")
            .arg(inside.path().join("etc/fifo"))
            .status()
            .expect("mkfifo");
        assert!(status.success());
        // Opening a FIFO for reading would block until a writer came.
        let error = root
            .open_file("/etc/fifo", 1 << 20)
            .err()
            .unwrap_or_default();
        assert_eq!(error, "/etc/fifo: not a regular file, directory or symlink");
    }
}
