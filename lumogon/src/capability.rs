//! What lumogon can report about a container: the capability catalogue.
//! Names and titles are the original Lumogon's; each schema names its own
//! capability (see COMPATIBILITY.md).

/// One kind of information a scan gathers for each container.
#[derive(Debug, PartialEq, Eq)]
pub struct Capability {
    /// The key in a container's `capabilities`.
    pub name: &'static str,
    /// A human title, as in the report.
    pub title: &'static str,
    /// How it is gathered: through the engine's API (Docker's inspect,
    /// changes and archive; containerd's records and a running task's
    /// root), so that scratch and distroless containers can be inspected
    /// too: nothing runs inside the container. The original's one value,
    /// `dockerapi`, for every engine.
    pub kind: &'static str,
    /// What it reports, for `capabilities describe`.
    pub description: &'static str,
}

const DOCKER_API: &str = "dockerapi";

/// Every capability, in report order.
pub const ALL: &[Capability] = &[
    Capability {
        name: "container",
        title: "Container Information",
        kind: DOCKER_API,
        description: "The container's settings as its engine holds them: host name, domain name, user, image, attach/tty flags, privileges, capabilities added and dropped, read-only root, runtime and resource limits (the original Lumogon's 33 fields, those containerd has for its containers; never the command, environment or mounts).",
    },
    Capability {
        name: "label",
        title: "Labels",
        kind: DOCKER_API,
        description: "The container's labels, name to value.",
    },
    Capability {
        name: "host",
        title: "Host Information",
        kind: DOCKER_API,
        description: "The operating system inside the container (platform, family and version from its release files, in the original Lumogon's order, then os-release), its hostname, and the kernel it runs on.",
    },
    Capability {
        name: "docker",
        title: "Docker Server Information",
        kind: DOCKER_API,
        description: "The Docker (or Podman) daemon running the container: its version, API version, operating system and kernel. Left out for containerd's containers, whose `runtime` names containerd.",
    },
    Capability {
        name: "diff",
        title: "Changed Files",
        kind: DOCKER_API,
        description: "Files added, changed or deleted in the container since it was created (Docker and Podman; not available for containerd).",
    },
    Capability {
        name: "dpkg",
        title: "Packages (DPKG)",
        kind: DOCKER_API,
        description: "Packages installed with dpkg (/var/lib/dpkg/status and /var/lib/dpkg/status.d/*), name to version.",
    },
    Capability {
        name: "apk",
        title: "Packages (APK)",
        kind: DOCKER_API,
        description: "Packages installed with apk (/lib/apk/db/installed), name to version.",
    },
    Capability {
        name: "rpm",
        title: "Packages (RPM)",
        kind: DOCKER_API,
        description: "Packages installed with rpm (/var/lib/rpm/rpmdb.sqlite), name to version-release-arch.",
    },
];

/// The capability called `name`.
pub fn find(name: &str) -> Option<&'static Capability> {
    ALL.iter().find(|c| c.name == name)
}

impl Capability {
    /// The JSON schema URI that the report gives this capability.
    pub fn schema(&self) -> String {
        format!(
            "http://puppet.com/lumogon/capability/{}/draft-01/schema#1",
            self.name
        )
    }
}

/// The capabilities named in `names` (as `--capabilities` lists them), in
/// report order, each once.
///
/// # Errors
///
/// A name that is not a capability: one line listing the valid names.
pub fn select(names: &[String]) -> Result<Vec<&'static Capability>, String> {
    if let Some(unknown) = names.iter().find(|n| find(n.trim()).is_none()) {
        return Err(format!(
            "there is no capability called {unknown:?}; the capabilities are: {}",
            self::names()
        ));
    }
    Ok(ALL
        .iter()
        .filter(|c| names.iter().any(|n| n.trim() == c.name))
        .collect())
}

/// The names, comma-separated, for error messages.
pub fn names() -> String {
    ALL.iter().map(|c| c.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_the_designed_one() {
        let names: Vec<_> = ALL.iter().map(|c| (c.name, c.title)).collect();
        assert_eq!(
            names,
            [
                ("container", "Container Information"),
                ("label", "Labels"),
                ("host", "Host Information"),
                ("docker", "Docker Server Information"),
                ("diff", "Changed Files"),
                ("dpkg", "Packages (DPKG)"),
                ("apk", "Packages (APK)"),
                ("rpm", "Packages (RPM)"),
            ]
        );
    }

    #[test]
    fn a_selection_is_in_report_order_once_and_names_what_is_unknown() {
        let names = |list: &[&str]| list.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        let picked = select(&names(&["rpm", " dpkg", "rpm"])).expect("known names");
        assert_eq!(
            picked.iter().map(|c| c.name).collect::<Vec<_>>(),
            ["dpkg", "rpm"]
        );
        let error = select(&names(&["dpkg", "dpgk"])).expect_err("a typo");
        assert_eq!(
            error,
            "there is no capability called \"dpgk\"; the capabilities are: container, label, host, docker, diff, dpkg, apk, rpm"
        );
    }

    #[test]
    fn lookup_and_schema() {
        assert_eq!(
            find("dpkg").map(Capability::schema).as_deref(),
            Some("http://puppet.com/lumogon/capability/dpkg/draft-01/schema#1")
        );
        assert_eq!(find("DPKG"), None);
        assert_eq!(
            names(),
            "container, label, host, docker, diff, dpkg, apk, rpm"
        );
    }
}
