//! docker contexts, read from the store the docker CLI writes:
//! `$DOCKER_CONFIG/config.json` names the current context, and each context
//! keeps its endpoint in `contexts/meta/<sha256 of its name>/meta.json` and
//! its TLS files in `contexts/tls/<sha256 of its name>/docker/`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::engines::endpoint::{self, DEFAULT_HOST, Endpoint, Tls};

/// The docker CLI's configuration directory.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

#[derive(Debug, Deserialize)]
struct Config {
    #[serde(rename = "currentContext", default)]
    current_context: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Meta {
    #[serde(rename = "Endpoints", default)]
    endpoints: Endpoints,
}

#[derive(Debug, Default, Deserialize)]
struct Endpoints {
    docker: Option<DockerEndpoint>,
}

#[derive(Debug, Deserialize)]
struct DockerEndpoint {
    #[serde(rename = "Host", default)]
    host: String,
    #[serde(rename = "SkipTLSVerify", default)]
    skip_tls_verify: bool,
}

impl Store {
    /// `$DOCKER_CONFIG`, else `~/.docker`.
    pub fn new(docker_config: Option<&str>, home: Option<&Path>) -> Store {
        let dir = match docker_config.filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => home.unwrap_or(Path::new("/")).join(".docker"),
        };
        Store { dir }
    }

    /// The context `config.json` makes current; `None` without one (or for
    /// `default`, which is no context).
    ///
    /// # Errors
    ///
    /// A `config.json` that is there but not JSON.
    pub fn current(&self) -> Result<Option<String>, String> {
        let path = self.dir.join("config.json");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let config: Config = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not valid JSON ({e}); fix or remove it",
                path.display()
            )
        })?;
        Ok(config
            .current_context
            .filter(|name| !name.is_empty() && name != "default"))
    }

    /// The endpoint of the context called `name`.
    ///
    /// # Errors
    ///
    /// No such context, or one without a Docker endpoint: one line naming
    /// the context and what to do.
    pub fn endpoint(&self, name: &str) -> Result<Endpoint, String> {
        if name == "default" {
            return endpoint::parse(DEFAULT_HOST, None, Some(name));
        }
        let id = context_id(name);
        let meta_path = self.dir.join("contexts/meta").join(&id).join("meta.json");
        let text = std::fs::read_to_string(&meta_path).map_err(|_| {
            format!(
                "there is no docker context called {name:?} in {}; `docker context ls` lists them",
                self.dir.display()
            )
        })?;
        let meta: Meta = serde_json::from_str(&text).map_err(|e| {
            format!(
                "the docker context {name:?} is damaged ({}: {e})",
                meta_path.display()
            )
        })?;
        let docker = meta
            .endpoints
            .docker
            .filter(|d| !d.host.is_empty())
            .ok_or_else(|| format!("the docker context {name:?} has no Docker endpoint"))?;
        // TLS material, when the context has it: the docker CLI stores it
        // beside the metadata, under the same hash.
        let tls_dir = self.dir.join("contexts/tls").join(&id).join("docker");
        let tls = tls_dir.is_dir().then(|| Tls::in_dir(&tls_dir));
        if docker.skip_tls_verify && tls.is_some() {
            return Err(format!(
                "the docker context {name:?} skips TLS verification, which lumogon does not do; \
                 give the context the engine's CA (docker context update --docker ca=…)"
            ));
        }
        endpoint::parse(&docker.host, tls, Some(name))
    }
}

/// A context's directory name: the hex SHA-256 of its name.
fn context_id(name: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, name.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_context_lives_under_the_sha256_of_its_name() {
        // What `printf ci | sha256sum` prints.
        assert_eq!(
            context_id("ci"),
            "1b158839f8aa339e89bb50b1603e90ec68e0fd5565fe10a7cb32729fddf7070a"
        );
    }

    fn store_with(name: &str, meta: &str, tls: bool) -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("a temporary DOCKER_CONFIG");
        let id = context_id(name);
        let meta_dir = dir.path().join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta_dir).expect("meta dir");
        std::fs::write(meta_dir.join("meta.json"), meta).expect("meta.json");
        if tls {
            let tls_dir = dir.path().join("contexts/tls").join(&id).join("docker");
            std::fs::create_dir_all(tls_dir).expect("tls dir");
        }
        std::fs::write(
            dir.path().join("config.json"),
            format!(r#"{{"auths": {{}}, "currentContext": "{name}"}}"#),
        )
        .expect("config.json");
        let store = Store::new(dir.path().to_str(), None);
        (dir, store)
    }

    #[test]
    fn a_context_written_by_the_docker_cli_is_read() {
        let meta = r#"{"Name":"ci","Metadata":{"Description":"CI"},"Endpoints":{"docker":{"Host":"tcp://127.0.0.1:2376","SkipTLSVerify":false}}}"#;
        let (dir, store) = store_with("ci", meta, true);
        assert_eq!(store.current(), Ok(Some("ci".to_owned())));
        let endpoint = store.endpoint("ci").expect("the context");
        let tls_dir = dir
            .path()
            .join("contexts/tls")
            .join(context_id("ci"))
            .join("docker");
        assert_eq!(
            endpoint.kind,
            endpoint::Kind::Tcp {
                address: "127.0.0.1:2376".to_owned(),
                tls: Some(Tls::in_dir(&tls_dir))
            }
        );
        assert_eq!(endpoint.context.as_deref(), Some("ci"));
    }

    #[test]
    fn missing_and_damaged_contexts_say_so() {
        let (_dir, store) = store_with("broken", "{not json", false);
        let error = store.endpoint("broken").expect_err("damaged");
        assert!(
            error.starts_with("the docker context \"broken\" is damaged"),
            "{error}"
        );
        let error = store.endpoint("nope").expect_err("missing");
        assert!(
            error.starts_with("there is no docker context called \"nope\""),
            "{error}"
        );
        let (_dir, store) = store_with("empty", r#"{"Name":"empty","Endpoints":{}}"#, false);
        assert_eq!(
            store.endpoint("empty"),
            Err("the docker context \"empty\" has no Docker endpoint".to_owned())
        );
        // `default` is no context at all.
        assert_eq!(
            store.endpoint("default").map(|e| e.host),
            Ok(DEFAULT_HOST.to_owned())
        );
        let nothing = Store::new(Some("/nonexistent/lumogon"), None);
        assert_eq!(nothing.current(), Ok(None));
    }
}
