//! Which Docker engines a run talks to, decided as the docker CLI decides:
//! `--host`/`--context` on the command line, else `DOCKER_HOST`, else
//! `DOCKER_CONTEXT`, else the current context of the docker CLI's
//! configuration, else the local socket.

use std::path::PathBuf;

use crate::contexts::Store;
use crate::endpoint::{self, DEFAULT_HOST, Endpoint, Tls};

/// The variables that decide it, read once.
#[derive(Debug, Default, Clone)]
pub struct Env {
    pub docker_host: Option<String>,
    pub docker_context: Option<String>,
    pub docker_tls_verify: Option<String>,
    pub docker_cert_path: Option<String>,
    pub docker_config: Option<String>,
    pub home: Option<PathBuf>,
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

/// The engines for this run, in the order given, each once.
///
/// # Errors
///
/// A host in no known form, or a context that does not exist.
pub fn choose(hosts: &[String], contexts: &[String], env: &Env) -> Result<Vec<Endpoint>, String> {
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
    for endpoint in chosen {
        if !unique.iter().any(|e| e.kind == endpoint.kind) {
            unique.push(endpoint);
        }
    }
    Ok(unique)
}

/// The one engine when the command line names none.
///
/// # Errors
///
/// As [`choose`].
pub fn default(env: &Env) -> Result<Endpoint, String> {
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
    use crate::endpoint::Kind;

    fn env() -> Env {
        Env {
            docker_config: Some("/nonexistent/lumogon-docker-config".to_owned()),
            ..Env::default()
        }
    }

    #[test]
    fn the_local_socket_when_nothing_is_said() {
        let chosen = choose(&[], &[], &env()).expect("the default");
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
                tls: Some(Tls::in_dir(std::path::Path::new("/certs")))
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
        let chosen = choose(&hosts, &["default".to_owned()], &env()).expect("engines");
        let hosts: Vec<&str> = chosen.iter().map(|e| e.host.as_str()).collect();
        assert_eq!(
            hosts,
            ["unix:///var/run/docker.sock", "tcp://127.0.0.1:2375"]
        );
        let error = choose(&["docker.sock".to_owned()], &[], &env()).expect_err("bad form");
        assert!(
            error.starts_with("--host \"docker.sock\" is not a Docker host"),
            "{error}"
        );
    }
}
