//! The real Docker daemon behind a proxy on a Unix socket that, for the
//! archive endpoint of chosen containers (`GET /containers/{id}/archive`),
//! sends the response's headers and then stalls: nothing more, or a little
//! of the tar and then nothing, with the connection held open. Everything
//! else is forwarded to the daemon, one request at a time, keep-alive
//! included, so a scan through it sees the real daemon's real answers.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

const DAEMON: &str = "/var/run/docker.sock";

/// Which archive requests stall, and how.
#[derive(Debug, Clone)]
pub struct Stall {
    /// The container's full id, as lumogon puts it in the URL.
    pub container: String,
    /// The `path=` asked for; `None`: every path of that container.
    pub path: Option<String>,
    /// Body bytes sent before the stall (empty: headers only).
    pub prefix: Vec<u8>,
}

impl Stall {
    /// Every archive request for `container` gets headers and nothing else.
    pub fn headers_only(container: &str) -> Stall {
        Stall {
            container: container.to_owned(),
            path: None,
            prefix: Vec::new(),
        }
    }

    /// The archive of `path` in `container` gets headers, the tar header of
    /// a 1 MiB file and 1000 bytes of it, and then nothing.
    pub fn after_a_little(container: &str, path: &str) -> Stall {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(1024 * 1024);
        header.set_mode(0o644);
        let name = path.rsplit('/').next().unwrap_or("file");
        let _ = header.set_path(name);
        header.set_cksum();
        let mut prefix = header.as_bytes().to_vec();
        prefix.extend_from_slice(&[b'x'; 1000]);
        Stall {
            container: container.to_owned(),
            path: Some(path.to_owned()),
            prefix,
        }
    }

    fn matches(&self, method: &str, target: &str) -> bool {
        let (route, query) = target.split_once('?').unwrap_or((target, ""));
        let archive = format!("/containers/{}/archive", self.container);
        if !matches!(method, "GET" | "HEAD") || !route.ends_with(&archive) {
            return false;
        }
        match &self.path {
            None => true,
            Some(wanted) => form_urlencoded::parse(query.as_bytes())
                .any(|(key, value)| key == "path" && value == wanted.as_str()),
        }
    }
}

/// A running proxy; stopped on drop (stalled connections are then closed).
pub struct StallProxy {
    stop: Arc<AtomicBool>,
    stalled: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl StallProxy {
    pub fn start(stalls: Vec<Stall>) -> StallProxy {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docker.sock");
        let listener = UnixListener::bind(&path).expect("bind the stall proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let stop = Arc::new(AtomicBool::new(false));
        let stalled = Arc::new(AtomicUsize::new(0));
        let stalls = Arc::new(stalls);
        let thread = {
            let (stop, stalled) = (Arc::clone(&stop), Arc::clone(&stalled));
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((client, _)) => {
                            let _ = client.set_nonblocking(false);
                            let (stop, stalled, stalls) =
                                (Arc::clone(&stop), Arc::clone(&stalled), Arc::clone(&stalls));
                            std::thread::spawn(move || {
                                serve(client, &stalls, &stop, &stalled);
                            });
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        StallProxy {
            stop,
            stalled,
            thread: Some(thread),
            _dir: dir,
            path,
        }
    }

    /// The `DOCKER_HOST` that reaches the daemon through this proxy.
    pub fn docker_host(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// How many requests were stalled so far: a test that stalled none
    /// proved nothing.
    pub fn stalled(&self) -> usize {
        self.stalled.load(Ordering::Relaxed)
    }
}

impl Drop for StallProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// One client connection: request after request until it closes.
fn serve(client: UnixStream, stalls: &[Stall], stop: &AtomicBool, stalled: &AtomicUsize) {
    let Ok(mut writer) = client.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(client);
    while let Some((method, target, headers, body)) = read_request(&mut reader) {
        if let Some(stall) = stalls.iter().find(|s| s.matches(&method, &target)) {
            stalled.fetch_add(1, Ordering::Relaxed);
            if method == "GET" {
                let mut head = b"HTTP/1.1 200 OK\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
                if !stall.prefix.is_empty() {
                    head.extend_from_slice(format!("{:x}\r\n", stall.prefix.len()).as_bytes());
                    head.extend_from_slice(&stall.prefix);
                    head.extend_from_slice(b"\r\n");
                }
                let _ = writer.write_all(&head).and_then(|()| writer.flush());
            }
            // Hold the connection open, sending nothing more, until the
            // proxy stops (or the client goes away, which a write would
            // notice; nothing is written, so only the stop ends it).
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
            }
            return;
        }
        let answer = forward(&method, &target, &headers, &body);
        if writer
            .write_all(&answer)
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

type Request = (String, String, Vec<(String, String)>, Vec<u8>);

/// One HTTP/1.1 request: method, target, headers, body (by Content-Length
/// or chunked). `None` at the end of the connection or on garbage.
fn read_request(reader: &mut BufReader<UnixStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (key, value) = line.split_once(':')?;
        headers.push((key.trim().to_owned(), value.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).ok()?;
            let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..size]);
        }
    } else if let Some(length) = header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        body.resize(length, 0);
        reader.read_exact(&mut body).ok()?;
    }
    Some((method, target, headers, body))
}

/// The request sent to the real daemon over HTTP/1.0 (a plain body, then
/// the connection closes), and its answer rewrapped as an HTTP/1.1 response
/// with a Content-Length, so the client's connection stays usable.
fn forward(method: &str, target: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let failed = |why: String| {
        format!(
            "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{why}",
            why.len()
        )
        .into_bytes()
    };
    let Ok(mut daemon) = UnixStream::connect(DAEMON) else {
        return failed(format!("cannot connect to {DAEMON}"));
    };
    let mut head = format!("{method} {target} HTTP/1.0\r\nHost: docker\r\n");
    for (key, value) in headers {
        let hop = ["host", "connection", "content-length", "transfer-encoding"];
        if !hop.iter().any(|h| key.eq_ignore_ascii_case(h)) {
            head.push_str(&format!("{key}: {value}\r\n"));
        }
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
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
    let daemon_head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let payload = if method == "HEAD" {
        &[][..]
    } else {
        &answer[split + 4..]
    };
    let mut lines = daemon_head.lines();
    let status = lines.next().unwrap_or("HTTP/1.0 502 Bad Gateway");
    let status = status.split_once(' ').map_or("502 Bad Gateway", |(_, s)| s);
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for line in lines {
        let Some((key, _)) = line.split_once(':') else {
            continue;
        };
        let hop = [
            "connection",
            "content-length",
            "transfer-encoding",
            "keep-alive",
        ];
        if !hop.iter().any(|h| key.trim().eq_ignore_ascii_case(h)) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(payload);
    out
}
