//! The client id: found once, kept in the application's directory, and
//! read from there on every later run, so that a run asks nothing of the
//! application's source (lumogon's is the Docker daemon) once it has an
//! answer. Pure logic; `store.rs` reads and writes the file.
//!
//! - With a source that answers: a name-based UUID (v5) of its answer
//!   under a namespace of the application's own, itself the v5 UUID of
//!   `lumogon-track:<app name>` in the URL namespace. Stable for one source
//!   and one application, it cannot be turned back into the source's answer
//!   nor linked to another application's id for the same source.
//! - Without one (no source, or no answer within its budget): a random
//!   UUIDv4. A later run asks the source again, and an answer replaces it.
//!
//! The file holds the id, then `derived` for one of the first kind
//! (`35009a79-… derived`); an id alone is a random one (as kept before ids
//! were derived).

use uuid::Uuid;

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
    /// `Some` when the file must be (re)written.
    pub(crate) keep: Option<Kept>,
}

/// The id for this run, given what is kept and the application's source
/// (`ask`, called only when nothing derived is kept).
pub(crate) fn resolve(
    kept: Option<Kept>,
    app: &str,
    ask: impl FnOnce() -> Option<String>,
) -> Resolved {
    if let Some(kept) = kept.as_ref().filter(|k| k.derived) {
        return Resolved {
            id: kept.id.clone(),
            keep: None,
        };
    }
    if let Some(seed) = ask().filter(|seed| !seed.trim().is_empty()) {
        let id = derive(app, seed.trim());
        return Resolved {
            keep: Some(Kept {
                id: id.clone(),
                derived: true,
            }),
            id,
        };
    }
    match kept {
        Some(kept) => Resolved {
            id: kept.id,
            keep: None,
        },
        None => {
            let id = Uuid::new_v4().hyphenated().to_string();
            Resolved {
                keep: Some(Kept {
                    id: id.clone(),
                    derived: false,
                }),
                id,
            }
        }
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

    #[test]
    fn a_kept_derived_id_asks_nothing() {
        let kept = Kept {
            id: derive("mytool", DAEMON),
            derived: true,
        };
        let resolved = resolve(Some(kept.clone()), "mytool", || {
            panic!("the source must not be asked")
        });
        assert_eq!(
            resolved,
            Resolved {
                id: kept.id,
                keep: None
            }
        );
    }

    #[test]
    fn the_first_answer_is_derived_and_kept() {
        let resolved = resolve(None, "mytool", || Some(format!(" {DAEMON}\n")));
        let id = derive("mytool", DAEMON);
        assert_eq!(
            resolved,
            Resolved {
                id: id.clone(),
                keep: Some(Kept { id, derived: true })
            }
        );
    }

    #[test]
    fn without_an_answer_a_random_id_is_kept_and_later_replaced() {
        let first = resolve(None, "mytool", || None);
        let kept = first.keep.clone().expect("kept");
        assert!(!kept.derived);
        assert_eq!(
            Uuid::try_parse(&first.id).map(|u| u.get_version_num()).ok(),
            Some(4)
        );
        let second = resolve(Some(kept.clone()), "mytool", || Some(String::new()));
        assert_eq!(
            second,
            Resolved {
                id: kept.id.clone(),
                keep: None
            }
        );
        let third = resolve(Some(kept), "mytool", || Some(DAEMON.to_owned()));
        assert_eq!(third.id, derive("mytool", DAEMON));
        assert!(third.keep.is_some_and(|k| k.derived));
    }

    #[test]
    fn the_file_round_trips_and_reads_what_earlier_versions_kept() {
        for derived in [false, true] {
            let kept = Kept {
                id: derive("mytool", DAEMON),
                derived,
            };
            assert_eq!(parse(&format(&kept)), Some(kept));
        }
        let old = "35009A79-1A05-49D7-B876-2B884D0F825B\n";
        assert_eq!(
            parse(old),
            Some(Kept {
                id: "35009a79-1a05-49d7-b876-2b884d0f825b".to_owned(),
                derived: false
            })
        );
        for bad in [
            "",
            "not a uuid",
            "35009a79-1a05-49d7-b876-2b884d0f825b maybe",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
