//! Where an engine listens: a Docker engine in every form the docker CLI
//! accepts for `DOCKER_HOST` or a context's endpoint, and containerd's
//! socket. Pure: the environment and the context store are read by the
//! caller.

use std::fmt;
use std::path::{Path, PathBuf};

/// The engine lumogon talks to when nothing says otherwise.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// containerd's socket where every distribution and Kubernetes node puts
/// it: the engine of a machine without Docker (see `choose::default`).
pub const CONTAINERD_HOST: &str = "containerd:///run/containerd/containerd.sock";

/// One engine's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// As given (`DOCKER_HOST`, `--host`, or a context's endpoint), for
    /// reports and messages.
    pub host: String,
    /// The context it came from, if any.
    pub context: Option<String>,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// `unix:///path/to/docker.sock`
    Unix(PathBuf),
    /// `tcp://host:port`, plain or TLS.
    Tcp { address: String, tls: Option<Tls> },
    /// `ssh://[user@]host[:port]`, through the system `ssh`, which runs
    /// `docker system dial-stdio` on the other side (as the docker CLI does).
    Ssh { destination: String },
    /// `containerd:///run/containerd/containerd.sock`: containerd's own
    /// gRPC API, on this machine only (its containers' files are read from
    /// `/proc`), in one namespace or (`None`) `k8s.io` when it exists, else
    /// every namespace.
    Containerd {
        socket: PathBuf,
        namespace: Option<String>,
    },
}

/// The files that `DOCKER_TLS_VERIFY` asks for: the CA that signed the
/// engine's certificate, and the client's own certificate and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tls {
    pub ca: PathBuf,
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl Tls {
    /// `ca.pem`, `cert.pem` and `key.pem` in `dir`.
    pub fn in_dir(dir: &Path) -> Tls {
        Tls {
            ca: dir.join("ca.pem"),
            cert: dir.join("cert.pem"),
            key: dir.join("key.pem"),
        }
    }

    /// The files, each with what it is, for messages.
    pub fn files(&self) -> [(&Path, &'static str); 3] {
        [
            (&self.ca, "the CA certificate"),
            (&self.cert, "the client certificate"),
            (&self.key, "the client key"),
        ]
    }
}

impl Endpoint {
    /// Whether the engine is a Docker engine on this machine, reached
    /// without a network: only such an engine may be asked for the
    /// analytics client id.
    pub fn is_local(&self) -> bool {
        matches!(self.kind, Kind::Unix(_))
    }

    /// Whether the engine is containerd (else a Docker Engine API).
    pub fn is_containerd(&self) -> bool {
        matches!(self.kind, Kind::Containerd { .. })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(context) => write!(f, "{} (context {context})", self.host),
            None => f.write_str(&self.host),
        }
    }
}

/// `host` in one of the docker CLI's forms. `tls` is the TLS material when
/// TLS is asked for (`DOCKER_TLS_VERIFY`, or a context that holds it);
/// it applies to `tcp://` only.
///
/// # Errors
///
/// A form lumogon does not know, or one missing its parts: one line naming
/// the forms it knows.
pub fn parse(host: &str, tls: Option<Tls>, context: Option<&str>) -> Result<Endpoint, String> {
    let unknown = || {
        format!(
            "{host:?} is not a Docker host lumogon can reach: use unix:///path/to/docker.sock, \
             tcp://host:port (TLS with DOCKER_TLS_VERIFY=1), ssh://[user@]host[:port] \
             or containerd:///path/to/containerd.sock"
        )
    };
    let (scheme, rest) = host.split_once("://").ok_or_else(unknown)?;
    let kind = match scheme {
        "unix" if rest.starts_with('/') => Kind::Unix(PathBuf::from(rest)),
        "unix" => {
            return Err(format!(
                "{host:?} needs an absolute socket path: unix:///path/to/docker.sock"
            ));
        }
        "tcp" => {
            let authority = rest.trim_end_matches('/');
            if authority.is_empty() || authority.contains('/') || authority.contains('@') {
                return Err(format!("{host:?} needs a host and port: tcp://host:port"));
            }
            // The docker CLI's default ports: 2376 for TLS, 2375 without.
            let address = if has_port(authority) {
                authority.to_owned()
            } else if tls.is_some() {
                format!("{authority}:2376")
            } else {
                format!("{authority}:2375")
            };
            Kind::Tcp { address, tls }
        }
        "ssh" => {
            let destination = rest.trim_end_matches('/');
            let host_part = destination.rsplit('@').next().unwrap_or_default();
            if host_part.is_empty() || destination.contains('/') {
                return Err(format!(
                    "{host:?} needs a host, and no path: ssh://[user@]host[:port]"
                ));
            }
            Kind::Ssh {
                destination: destination.to_owned(),
            }
        }
        "containerd" if rest.starts_with('/') => Kind::Containerd {
            socket: PathBuf::from(rest),
            namespace: None,
        },
        "containerd" => {
            return Err(format!(
                "{host:?} needs an absolute socket path: containerd:///run/containerd/containerd.sock"
            ));
        }
        "npipe" => {
            return Err(format!(
                "{host:?} is a Windows named pipe, which this system does not have"
            ));
        }
        _ => return Err(unknown()),
    };
    Ok(Endpoint {
        host: host.to_owned(),
        context: context.map(str::to_owned),
        kind,
    })
}

/// Whether `authority` (`host`, `host:port`, `[v6]`, `[v6]:port`) names a
/// port.
fn has_port(authority: &str) -> bool {
    match authority.rsplit_once(']') {
        Some((_, after)) => after.starts_with(':'),
        None => authority.contains(':'),
    }
}

/// Where `DOCKER_TLS_VERIFY` finds its files: `DOCKER_CERT_PATH`, else
/// `~/.docker`.
pub fn cert_dir(cert_path: Option<&str>, home: Option<&Path>) -> PathBuf {
    match cert_path.filter(|p| !p.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => home.unwrap_or(Path::new("/")).join(".docker"),
    }
}

/// Whether an environment variable that switches something on is set, as
/// the docker CLI reads `DOCKER_TLS_VERIFY`: set and not empty.
pub fn is_set(value: Option<&str>) -> bool {
    value.is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(host: &str) -> Result<Kind, String> {
        parse(host, None, None).map(|e| e.kind)
    }

    #[test]
    fn every_form_the_docker_cli_accepts() {
        assert_eq!(
            kind("unix:///var/run/docker.sock"),
            Ok(Kind::Unix(PathBuf::from("/var/run/docker.sock")))
        );
        assert_eq!(
            kind("tcp://127.0.0.1:2375"),
            Ok(Kind::Tcp {
                address: "127.0.0.1:2375".to_owned(),
                tls: None
            })
        );
        assert_eq!(
            kind("tcp://docker.example"),
            Ok(Kind::Tcp {
                address: "docker.example:2375".to_owned(),
                tls: None
            })
        );
        let tls = Tls::in_dir(Path::new("/certs"));
        assert_eq!(
            parse("tcp://[::1]", Some(tls.clone()), None).map(|e| e.kind),
            Ok(Kind::Tcp {
                address: "[::1]:2376".to_owned(),
                tls: Some(tls)
            })
        );
        assert_eq!(
            kind("ssh://root@127.0.0.1:2222"),
            Ok(Kind::Ssh {
                destination: "root@127.0.0.1:2222".to_owned()
            })
        );
        assert_eq!(
            kind(CONTAINERD_HOST),
            Ok(Kind::Containerd {
                socket: PathBuf::from("/run/containerd/containerd.sock"),
                namespace: None
            })
        );
        assert_eq!(
            kind("ssh://host"),
            Ok(Kind::Ssh {
                destination: "host".to_owned()
            })
        );
    }

    #[test]
    fn bad_forms_say_which_forms_work() {
        for host in [
            "docker.sock",
            "http://x",
            "fd://",
            "tcp://",
            "tcp://a/b",
            "ssh://",
            "ssh://h/path",
            "unix://relative",
            "containerd://run/containerd.sock",
            "containerd://",
        ] {
            let error = kind(host).expect_err(host);
            assert!(error.starts_with(&format!("{host:?}")), "{error}");
            assert!(!error.contains('\n'), "{error}");
        }
        assert!(
            kind("npipe:////./pipe/docker_engine")
                .expect_err("no pipes here")
                .contains("Windows named pipe")
        );
    }

    #[test]
    fn only_a_unix_socket_is_local() {
        let local = parse(DEFAULT_HOST, None, None).expect("the default");
        assert!(local.is_local());
        let ssh = parse("ssh://127.0.0.1", None, None).expect("ssh");
        assert!(!ssh.is_local());
        let tcp = parse("tcp://127.0.0.1:2375", None, Some("ci")).expect("tcp");
        assert!(!tcp.is_local());
        let containerd = parse(CONTAINERD_HOST, None, None).expect("containerd");
        assert!(!containerd.is_local() && containerd.is_containerd());
        assert_eq!(tcp.to_string(), "tcp://127.0.0.1:2375 (context ci)");
    }

    #[test]
    fn certificates_come_from_docker_cert_path_else_home() {
        assert_eq!(
            cert_dir(Some("/c"), Some(Path::new("/home/a"))),
            PathBuf::from("/c")
        );
        assert_eq!(
            cert_dir(Some(""), Some(Path::new("/home/a"))),
            PathBuf::from("/home/a/.docker")
        );
        assert_eq!(cert_dir(None, None), PathBuf::from("/.docker"));
        assert!(is_set(Some("1")) && !is_set(Some("")) && !is_set(None));
    }
}
