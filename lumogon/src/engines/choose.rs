//! Which engines a run talks to, decided as the docker CLI decides:
//! `--host`/`--context` on the command line, else `DOCKER_HOST`, else
//! `DOCKER_CONTEXT`, else the current context of the docker CLI's
//! configuration, else the local socket; and on a machine without Docker's
//! socket but with containerd's (a Kubernetes node), containerd.

use std::path::{Path, PathBuf};

use super::docker::contexts::Store;
use super::endpoint::{self, CONTAINERD_HOST, DEFAULT_HOST, Endpoint, Kind, Tls};

/// The variables that decide it, read once.
#[derive(Debug, Default, Clone)]
pub struct Env {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    pub docker_tls_verify: Option<String>,
    pub docker_cert_path: Option<String>,
    pub docker_config: Option<String>,
    pub home: Option<PathBuf>,
    /// Whether Docker's and containerd's sockets exist at their usual
    /// paths, which decides the engine when nothing names one.
    pub docker_socket: bool,
    pub containerd_socket: bool,
}

impl Env {
    /// This process's environment.
    pub fn read() -> Env {
        let var = |name| std::env::var(name).ok();
        Env {
            docker_host: var("DOCKER_HOST"),
            docker_context: var("DOCKER_CONTEXT"),
            docker_tls_verify: var("DOCKER_TLS_VERIFY"),
            docker_cert_path: var("DOCKER_CERT_PATH"),
            docker_config: var("DOCKER_CONFIG"),
            home: std::env::home_dir(),
            docker_socket: socket_exists(DEFAULT_HOST),
            containerd_socket: socket_exists(CONTAINERD_HOST),
        }
    }

    fn store(&self) -> Store {
        Store::new(self.docker_config.as_deref(), self.home.as_deref())
    }

    /// TLS for a `DOCKER_HOST` or `--host`: when `DOCKER_TLS_VERIFY` is set,
    /// the files in `DOCKER_CERT_PATH` (default `~/.docker`).
    fn tls(&self) -> Option<Tls> {
        endpoint::is_set(self.docker_tls_verify.as_deref()).then(|| {
            Tls::in_dir(&endpoint::cert_dir(
                self.docker_cert_path.as_deref(),
                self.home.as_deref(),
            ))
        })
    }
}

/// Whether the socket of `host` (a `scheme:///path` constant) exists.
fn socket_exists(host: &str) -> bool {
    host.split_once("://")
        .is_some_and(|(_, path)| Path::new(path).exists())
}

/// The engines for this run, in the order given, each once. `namespace`
/// (`--namespace`) applies to every containerd engine.
///
/// # Errors
///
/// A host in no known form, or a context that does not exist.
pub fn choose(
    hosts: &[String],
    contexts: &[String],
    namespace: Option<&str>,
    env: &Env,
) -> Result<Vec<Endpoint>, String> {
    let mut chosen = Vec::new();
    for host in hosts {
        chosen.push(endpoint::parse(host, env.tls(), None).map_err(|e| format!("--host {e}"))?);
    }
    for context in contexts {
        chosen.push(env.store().endpoint(context)?);
    }
    if chosen.is_empty() {
        chosen.push(default(env)?);
    }
    let mut unique: Vec<Endpoint> = Vec::new();
    for mut endpoint in chosen {
        if let Kind::Containerd { namespace: ns, .. } = &mut endpoint.kind {
            *ns = namespace.filter(|n| !n.is_empty()).map(str::to_owned);
        }
        if !unique.iter().any(|e| e.kind == endpoint.kind) {
            unique.push(endpoint);
        }
    }
    Ok(unique)
}

/// The one engine when the command line names none: the Docker engine
/// [`docker_default`] finds, except on a machine where nothing chose one,
/// Docker's socket does not exist and containerd's does (a Kubernetes
/// node): containerd there.
///
/// # Errors
///
/// As [`choose`].
pub fn default(env: &Env) -> Result<Endpoint, String> {
    let nothing_chose = env.docker_host.as_deref().is_none_or(str::is_empty)
        && env.docker_context.as_deref().is_none_or(str::is_empty)
        && env.store().current()?.is_none();
    if nothing_chose && !env.docker_socket && env.containerd_socket {
        return endpoint::parse(CONTAINERD_HOST, None, None);
    }
    docker_default(env)
}

/// The Docker engine the docker CLI would talk to.
///
/// # Errors
///
/// As [`choose`].
pub fn docker_default(env: &Env) -> Result<Endpoint, String> {
    if let Some(host) = env.docker_host.as_deref().filter(|h| !h.is_empty()) {
        return endpoint::parse(host, env.tls(), None).map_err(|e| format!("DOCKER_HOST={e}"));
    }
    let store = env.store();
    let context = match env.docker_context.as_deref().filter(|c| !c.is_empty()) {
        Some(context) => Some(context.to_owned()),
        None => store.current()?,
    };
    match context {
        Some(context) => store.endpoint(&context),
        None => endpoint::parse(DEFAULT_HOST, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        Env {
            docker_config: Some("/nonexistent/lumogon-docker-config".to_owned()),
            ..Env::default()
        }
    }

    #[test]
    fn the_local_socket_when_nothing_is_said() {
        let chosen = choose(&[], &[], None, &env()).expect("the default");
        assert_eq!(chosen.len(), 1);
        assert_eq!(chosen[0].host, DEFAULT_HOST);
    }

    #[test]
    fn docker_host_wins_over_a_context_and_tls_follows_docker_tls_verify() {
        let env = Env {
            docker_host: Some("tcp://127.0.0.1:9999".to_owned()),
            docker_context: Some("does-not-exist".to_owned()),
            docker_tls_verify: Some("1".to_owned()),
            docker_cert_path: Some("/certs".to_owned()),
            ..env()
        };
        let chosen = default(&env).expect("DOCKER_HOST");
        assert_eq!(
            chosen.kind,
            Kind::Tcp {
                address: "127.0.0.1:9999".to_owned(),
                tls: Some(Tls::in_dir(Path::new("/certs")))
            }
        );
        let env = Env {
            docker_host: None,
            ..env
        };
        let error = default(&env).expect_err("no such context");
        assert!(
            error.contains("no docker context called \"does-not-exist\""),
            "{error}"
        );
    }

    #[test]
    fn hosts_and_contexts_from_the_command_line_each_once() {
        let hosts = [
            "unix:///var/run/docker.sock".to_owned(),
            "tcp://127.0.0.1:2375".to_owned(),
            "unix:///var/run/docker.sock".to_owned(),
        ];
        let chosen = choose(&hosts, &["default".to_owned()], None, &env()).expect("engines");
        let hosts: Vec<&str> = chosen.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(
            hosts,
            ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]
        );
        let error = choose(&["docker.sock".to_owned()], &[], None, &env()).expect_err("bad form");
        assert!(
            error.starts_with("--host \"docker.sock\" is not a Docker host"),
            "{error}"
        );
    }

    #[test]
    fn containerd_when_nothing_chose_docker_and_only_containerd_is_there() {
        let node = Env {
            containerd_socket: true,
            ..env()
        };
        assert_eq!(
            default(&node).map(|e| e.host),
            Ok(CONTAINERD_HOST.to_owned())
        );
        // Docker's socket there too: Docker, as before.
        let both = Env {
            docker_socket: true,
            ..node.clone()
        };
        assert_eq!(default(&both).map(|e| e.host), Ok(DEFAULT_HOST.to_owned()));
        // DOCKER_HOST said so: Docker, even when its socket is missing.
        let said = Env {
            docker_host: Some(DEFAULT_HOST.to_owned()),
            ..node.clone()
        };
        assert_eq!(default(&said).map(|e| e.host), Ok(DEFAULT_HOST.to_owned()));
        // The analytics id asks Docker only.
        assert_eq!(
            docker_default(&node).map(|e| e.host),
            Ok(DEFAULT_HOST.to_owned())
        );
    }

    #[test]
    fn the_namespace_goes_to_every_containerd_engine() {
        let hosts = [
            "containerd:///run/containerd/containerd.sock".to_owned(),
            "unix:///var/run/docker.sock".to_owned(),
        ];
        let chosen = choose(&hosts, &[], Some("moby"), &env()).expect("engines");
        assert_eq!(
            chosen[0].kind,
            Kind::Containerd {
                socket: PathBuf::from("/run/containerd/containerd.sock"),
                namespace: Some("moby".to_owned())
            }
        );
        assert_eq!(
            chosen[1].kind,
            Kind::Unix(PathBuf::from("/var/run/docker.sock"))
        );
    }
}
