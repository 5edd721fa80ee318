//! The fallback client id: a random UUIDv4, kept in a file so that one
//! installation counts as one client.

use std::fs;
use std::io::Write;
use std::path::Path;

/// The id stored at `path`, or a new one, stored there if possible.
pub(crate) fn stored_or_new(path: Option<&Path>) -> String {
    let Some(path) = path else {
        return new();
    };
    if let Some(id) = fs::read_to_string(path).ok().as_deref().and_then(parse) {
        return id;
    }
    let id = new();
    if let Err(e) = store(path, &id) {
        log::debug!(
            "analytics: could not keep the client id in {}: {e}",
            path.display()
        );
    }
    id
}

fn new() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

fn parse(text: &str) -> Option<String> {
    let id = uuid::Uuid::try_parse(text.trim()).ok()?;
    Some(id.hyphenated().to_string())
}

/// Writes through a temporary file and a rename, so that two processes
/// starting at once never leave a half-written id behind.
fn store(path: &Path, id: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let mut file = fs::File::create(&tmp)?;
    file.write_all(id.as_bytes())?;
    file.write_all(b"\n")?;
    drop(file);
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lumogon-track-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn an_id_is_created_once_and_then_reused() {
        let dir = temp_dir("reuse");
        let path = dir.join("nested").join("client_id");
        let first = stored_or_new(Some(&path));
        assert!(parse(&first).is_some(), "{first}");
        assert_eq!(stored_or_new(Some(&path)), first);
        assert_eq!(fs::read_to_string(&path).ok(), Some(format!("{first}\n")));
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn a_corrupt_file_is_replaced() {
        let dir = temp_dir("corrupt");
        let path = dir.join("client_id");
        let _ = fs::create_dir_all(&dir);
        let _ = fs::write(&path, "not a uuid");
        let id = stored_or_new(Some(&path));
        assert!(parse(&id).is_some());
        assert_eq!(fs::read_to_string(&path).ok(), Some(format!("{id}\n")));
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn an_unwritable_place_still_gives_an_id() {
        // A regular file where a directory should be: create_dir_all fails.
        let dir = temp_dir("unwritable");
        let _ = fs::create_dir_all(&dir);
        let blocker = dir.join("file");
        let _ = fs::write(&blocker, "");
        let id = stored_or_new(Some(&blocker.join("client_id")));
        assert!(parse(&id).is_some());
        assert_ne!(stored_or_new(None), stored_or_new(None));
        let _ = fs::remove_dir_all(dir);
    }
}
