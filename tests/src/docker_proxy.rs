//! A Docker daemon that is the real one, seen through a proxy on a Unix
//! socket that can act between two of lumogon's requests: after it has
//! forwarded the container list and before lumogon asks about a container,
//! it can remove that container. This makes "a container disappears during
//! the scan" happen every time, with the real daemon's real answers.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

const DAEMON: &str = "/var/run/docker.sock";

/// A running proxy; stopped on drop.
pub struct DockerProxy {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl DockerProxy {
    /// Forwards every request to the machine's daemon; runs `after_list`
    /// once the daemon has answered the first container list, before the
    /// answer goes back.
    pub fn start(after_list: impl FnOnce() + Send + 'static) -> DockerProxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docker.sock");
        let server = Arc::new(tiny_http::Server::http_unix(&path).expect("bind the proxy"));
        let thread = {
            let server = Arc::clone(&server);
            std::thread::spawn(move || {
                let mut after_list = Some(after_list);
                for mut request in server.incoming_requests() {
                    let mut body = Vec::new();
                    let _ = request.as_reader().read_to_end(&mut body);
                    let (status, content_type, answer) =
                        forward(request.method().as_str(), request.url(), &body);
                    let is_list = request
                        .url()
                        .split('?')
                        .next()
                        .is_some_and(|p| p.ends_with("/containers/json"));
                    if let Some(hook) = after_list.take_if(|_| is_list) {
                        hook();
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
        DockerProxy {
            server,
            thread: Some(thread),
            _dir: dir,
            path,
        }
    }

    /// The `DOCKER_HOST` that reaches the daemon through this proxy.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.path.display())
    }
}

impl Drop for DockerProxy {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One request to the real daemon over HTTP/1.0, so that it answers with a
/// plain body and closes the connection: no chunked encoding to undo.
pub(crate) fn forward(method: &str, url: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let failed = |why: String| (502, "text/plain".to_owned(), why.into_bytes());
    let Ok(mut daemon) = UnixStream::connect(DAEMON) else {
        return failed(format!("cannot connect to {DAEMON}"));
    };
    let head = format!(
        "{method} {url} HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut answer = Vec::new();
    let sent = daemon
        .write_all(head.as_bytes())
        .and_then(|()| daemon.write_all(body));
    if let Err(e) = sent.and_then(|()| daemon.read_to_end(&mut answer).map(drop)) {
        return failed(e.to_string());
    }
    let Some(split) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return failed("no header end in the daemon's answer".to_owned());
    };
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(502);
    let content_type = head
        .lines()
        .find_map(|l| {
            l.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        })
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_else(|| "application/octet-stream".to_owned());
    (status, content_type, answer[split + 4..].to_vec())
}
