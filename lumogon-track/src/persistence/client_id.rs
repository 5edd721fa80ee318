//! The client id: found once, kept in the application's directory, and
//! read from there on every later run, so that a run asks nothing of the
//! application's source (lumogon's is the Docker daemon) once it has an
//! answer.
//!
//! - With a source that answers: a name-based UUID (v5) of its answer
//!   under a namespace of the application's own, itself the v5 UUID of
//!   `lumogon-track:<app name>` in the URL namespace. Stable for one source
//!   and one application, it cannot be turned back into the source's answer
//!   nor linked to another application's id for the same source.
//! - Without one (no source, or no answer within its budget): a random
//!   UUIDv4. A later run uses it at once and asks the source again in the
//!   background (never waiting for it): an answer replaces it for the runs
//!   after that. A daemon that never answers costs one run its 200 ms, not
//!   every run.
//!
//! The file holds the id, then `derived` for one of the first kind
//! (`35009a79-… derived`); an id alone is a random one (as kept before ids
//! were derived).

use uuid::Uuid;

use super::AppDir;

/// The file's name.
pub(crate) const FILE: &str = "client_id";
/// Marks a derived id in the file.
const DERIVED: &str = "derived";

/// A kept id and how it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Kept {
    pub(crate) id: String,
    pub(crate) derived: bool,
}

/// What a run uses, and what it must keep for the next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub(crate) id: String,
    /// `Some` when the file must be written: a new random id.
    pub(crate) keep: Option<Kept>,
}

/// The id for this run, given what is kept and, when nothing is, the id
/// derived from the application's source's answer if it came in time
/// (`answer`, which keeps it itself). A kept random id is used at once: the
/// source is asked in the background, and its answer is for later runs.
pub(crate) fn resolve(kept: Option<Kept>, answer: impl FnOnce() -> Option<String>) -> Resolved {
    if let Some(kept) = kept {
        return Resolved {
            id: kept.id,
            keep: None,
        };
    }
    if let Some(id) = answer() {
        return Resolved { id, keep: None };
    }
    let id = Uuid::new_v4().hyphenated().to_string();
    Resolved {
        keep: Some(Kept {
            id: id.clone(),
            derived: false,
        }),
        id,
    }
}

/// Whether the source must be asked: unless a derived id is kept.
pub(crate) fn ask_source(kept: Option<&Kept>) -> bool {
    !kept.is_some_and(|k| k.derived)
}

/// The id derived from the source's answer `seed`, or `None` for no usable
/// answer.
pub(crate) fn from_answer(app: &str, seed: Option<String>) -> Option<Kept> {
    let seed = seed?;
    let seed = seed.trim();
    (!seed.is_empty()).then(|| Kept {
        id: derive(app, seed),
        derived: true,
    })
}

/// The id of every run of `app` in the CI `vendor`: derived like any other
/// from the application's own namespace, never kept (a CI machine is
/// thrown away), so that CI runs count as one client per vendor.
pub(crate) fn for_ci(app: &str, vendor: &str) -> Kept {
    Kept {
        id: derive(app, &format!("ci:{vendor}")),
        derived: true,
    }
}

/// The id derived from `seed` for the application `app`.
pub(crate) fn derive(app: &str, seed: &str) -> String {
    let namespace = Uuid::new_v5(
        &Uuid::NAMESPACE_URL,
        format!("lumogon-track:{app}").as_bytes(),
    );
    Uuid::new_v5(&namespace, seed.as_bytes())
        .hyphenated()
        .to_string()
}

/// The file's text.
pub(crate) fn format(kept: &Kept) -> String {
    if kept.derived {
        format!("{} {DERIVED}\n", kept.id)
    } else {
        format!("{}\n", kept.id)
    }
}

/// The file's id; anything but a UUID, optionally marked, reads as none.
pub(crate) fn parse(text: &str) -> Option<Kept> {
    let mut words = text.split_whitespace();
    let id = Uuid::try_parse(words.next()?)
        .ok()?
        .hyphenated()
        .to_string();
    let derived = match (words.next(), words.next()) {
        (None, _) => false,
        (Some(DERIVED), None) => true,
        _ => return None,
    };
    Some(Kept { id, derived })
}

impl AppDir {
    /// The kept client id, if any.
    pub(crate) fn client_id(&self) -> Option<Kept> {
        parse(&self.read(FILE)?)
    }

    /// Keeps the random id `kept` unless an id is kept already; the id kept
    /// either way (`None` when the directory cannot be written).
    pub(crate) fn keep_new_random(&self, kept: &Kept) -> Option<String> {
        match self.write_new(FILE, format(kept).as_bytes()) {
            Ok(true) => Some(kept.id.clone()),
            Ok(false) => self.client_id().map(|k| k.id),
            Err(e) => {
                log::debug!(
                    "analytics: could not keep the client id in {}: {e}",
                    self.dir.display()
                );
                None
            }
        }
    }

    /// Keeps `kept`; a random id never replaces a derived one (the source's
    /// thread may have kept one a moment before).
    pub(crate) fn keep_client_id(&self, kept: &Kept) {
        if !kept.derived && self.client_id().is_some_and(|k| k.derived) {
            return;
        }
        if let Err(e) = self.write(FILE, format(kept).as_bytes()) {
            log::debug!(
                "analytics: could not keep the client id in {}: {e}",
                self.dir.display()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAEMON: &str = "ZQ7T:ZQ7T:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF:GGGG:HHHH:IIII:JJJJ";

    #[test]
    fn a_derived_id_is_stable_per_app_and_reveals_nothing() {
        let id = derive("mytool", DAEMON);
        assert_eq!(id, derive("mytool", DAEMON));
        assert_ne!(id, derive("othertool", DAEMON));
        assert_ne!(id, derive("mytool", "another daemon"));
        let uuid = Uuid::try_parse(&id).expect("a UUID");
        assert_eq!(uuid.get_version_num(), 5);
        assert!(!id.contains("ZQ7T") && !id.to_uppercase().contains("AAAA"));
        // An oracle computed by hand: uuid5(uuid5(URL, "lumogon-track:mytool"), seed).
        let namespace = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"lumogon-track:mytool");
        assert_eq!(id, Uuid::new_v5(&namespace, DAEMON.as_bytes()).to_string());
    }

    fn kept(id: &str, derived: bool) -> Kept {
        let id = id.to_owned();
        Kept { id, derived }
    }

    /// What a run uses with nothing new to keep.
    fn used(id: &str) -> Resolved {
        let id = id.to_owned();
        Resolved { id, keep: None }
    }

    #[test]
    fn a_kept_id_is_used_at_once_and_only_a_derived_one_stops_the_asking() {
        let id = derive("mytool", DAEMON);
        for derived in [true, false] {
            let kept = kept(&id, derived);
            assert_eq!(ask_source(Some(&kept)), !derived);
            let resolved = resolve(Some(kept), || panic!("nothing is waited for"));
            assert_eq!(resolved, used(&id));
        }
        assert!(ask_source(None));
    }

    #[test]
    fn an_answer_is_derived_and_none_gives_a_random_id_to_keep() {
        let id = derive("mytool", DAEMON);
        let answer = from_answer("mytool", Some(format!(" {DAEMON}\n")));
        assert_eq!(answer, Some(kept(&id, true)));
        assert_eq!(from_answer("mytool", Some(" \n".to_owned())), None);
        assert_eq!(from_answer("mytool", None), None);
        assert_eq!(resolve(None, || Some(id.clone())), used(&id));
        let random = resolve(None, || None);
        let version = Uuid::try_parse(&random.id).map(|u| u.get_version_num());
        assert_eq!(version.ok(), Some(4));
        assert_eq!(random.keep, Some(kept(&random.id, false)));
    }

    #[test]
    fn the_file_round_trips_and_reads_what_earlier_versions_kept() {
        for derived in [false, true] {
            let kept = kept(&derive("mytool", DAEMON), derived);
            assert_eq!(parse(&format(&kept)), Some(kept));
        }
        let old = "35009A79-1A05-49D7-B876-2B884D0F825B\n";
        let lower = kept("35009a79-1a05-49d7-b876-2b884d0f825b", false);
        assert_eq!(parse(old), Some(lower));
        let maybe = "35009a79-1a05-49d7-b876-2b884d0f825b maybe";
        for bad in ["", "not a uuid", maybe] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_first_random_id_kept_is_the_one_everyone_uses() {
        let dir = super::super::tests::temp_dir("random-race");
        let random = |id: &str| Kept {
            id: id.to_owned(),
            derived: false,
        };
        let first = "35009a79-1a05-49d7-b876-2b884d0f825b";
        let second = "45009a79-1a05-49d7-b876-2b884d0f825b";
        assert_eq!(dir.keep_new_random(&random(first)).as_deref(), Some(first));
        assert_eq!(dir.keep_new_random(&random(second)).as_deref(), Some(first));
        assert_eq!(dir.client_id(), Some(random(first)));
        let _ = std::fs::remove_dir_all(&dir.dir);
    }
}
