//! Another Docker engine made from the one this machine has: a proxy on a
//! Unix socket that forwards every request to the real daemon but gives
//! itself a daemon `ID` of its own (`GET /info`) and lists only the
//! containers carrying its label (`GET /containers/json`). Two of them look
//! to lumogon like two engines, each running its own containers. Each records
//! the requests it forwarded.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde_json::Value;

use crate::docker_proxy::forward;

/// A running proxy; stopped on drop.
pub struct EngineProxy {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    requests: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl EngineProxy {
    /// An engine whose daemon ID is `id` and whose container list holds
    /// only the containers labelled `key=value`.
    pub fn start(id: &str, key: &str, value: &str) -> EngineProxy {
        Self::slow(id, key, value, std::time::Duration::ZERO)
    }

    /// [`EngineProxy::start`], answering each request only after `delay`:
    /// a daemon on a loaded machine.
    pub fn slow(id: &str, key: &str, value: &str, delay: std::time::Duration) -> EngineProxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docker.sock");
        let server = Arc::new(tiny_http::Server::http_unix(&path).expect("bind the proxy"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let requests = Arc::clone(&requests);
            let (id, key, value) = (id.to_owned(), key.to_owned(), value.to_owned());
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    std::thread::sleep(delay);
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let url = request.url().to_owned();
                    requests
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(format!("{} {url}", request.method()));
                    let (status, content_type, mut answer) =
                        forward(request.method().as_str(), &url, &body);
                    if status == 200 {
                        match endpoint(&url) {
                            Some("info") => answer = with_id(&answer, &id),
                            Some("containers/json") => {
                                answer = only_labelled(&answer, &key, &value);
                            }
                            _ => {}
                        }
                    }
                    let mut response =
                        tiny_http::Response::from_data(answer).with_status_code(status);
                    if let Ok(header) = tiny_http::Header::from_bytes("Content-Type", content_type)
                    {
                        response = response.with_header(header);
                    }
                    let _ = request.respond(response);
                }
            })
        };
        EngineProxy {
            server,
            thread: Some(thread),
            requests,
            _dir: dir,
            path,
        }
    }

    /// The `DOCKER_HOST` (or `--host`) of this engine.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// The requests forwarded so far, `METHOD URL` each.
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The requests so far about one container (an inspect, a file read,
    /// a `docker diff`): what an engine that is scanned receives, and one
    /// that is only listed or asked its ID does not.
    pub fn container_requests(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| {
                let url = r.split_once(' ').map_or(r.as_str(), |(_, url)| url);
                endpoint(url)
                    .is_some_and(|e| e.starts_with("containers/") && e != "containers/json")
            })
            .collect()
    }
}

impl Drop for EngineProxy {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The API endpoint of `url` without its query and its version prefix:
/// `/v1.41/containers/json?all=1` is `containers/json`.
fn endpoint(url: &str) -> Option<&str> {
    let path = url.split('?').next()?.strip_prefix('/')?;
    let unversioned = path
        .split_once('/')
        .filter(|(first, _)| {
            first
                .strip_prefix('v')
                .is_some_and(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_digit() || c == '.'))
        })
        .map_or(path, |(_, rest)| rest);
    Some(unversioned)
}

fn with_id(answer: &[u8], id: &str) -> Vec<u8> {
    let Ok(mut info) = serde_json::from_slice::<Value>(answer) else {
        return answer.to_vec();
    };
    info["ID"] = Value::String(id.to_owned());
    serde_json::to_vec(&info).unwrap_or_else(|_| answer.to_vec())
}

fn only_labelled(answer: &[u8], key: &str, value: &str) -> Vec<u8> {
    let Ok(Value::Array(containers)) = serde_json::from_slice::<Value>(answer) else {
        return answer.to_vec();
    };
    let kept: Vec<Value> = containers
        .into_iter()
        .filter(|c| c["Labels"][key].as_str() == Some(value))
        .collect();
    serde_json::to_vec(&kept).unwrap_or_else(|_| answer.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_read_past_any_version_prefix() {
        assert_eq!(endpoint("/info"), Some("info"));
        assert_eq!(endpoint("/v1.41/info"), Some("info"));
        assert_eq!(
            endpoint("/v1.47/containers/json?all=true"),
            Some("containers/json")
        );
        assert_eq!(endpoint("/containers/json"), Some("containers/json"));
        assert_eq!(endpoint("/version"), Some("version"));
    }

    #[test]
    fn the_list_keeps_only_the_label_and_the_id_is_replaced() {
        let list = br#"[{"Id":"a","Labels":{"engine":"one"}},{"Id":"b","Labels":{"engine":"two"}},{"Id":"c","Labels":null}]"#;
        let kept: Value =
            serde_json::from_slice(&only_labelled(list, "engine", "one")).expect("JSON");
        assert_eq!(
            kept,
            serde_json::json!([{"Id":"a","Labels":{"engine":"one"}}])
        );
        let info: Value =
            serde_json::from_slice(&with_id(br#"{"ID":"real","Name":"x"}"#, "fake")).expect("JSON");
        assert_eq!(info, serde_json::json!({"ID":"fake","Name":"x"}));
    }
}
