//! `ssh://` engines, reached the way the docker CLI reaches them: the
//! system's `ssh` runs `docker system dial-stdio` on the other machine, and
//! the Engine API's HTTP goes through that program's standard input and
//! output. The user's own `ssh` configuration, keys and agent apply; lumogon
//! never asks for a password (`BatchMode`).

use std::io;
use std::pin::Pin;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use bollard::errors::Error;
use bollard::{BollardRequest, ClientVersion, Docker};
use hyper::Uri;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connected, Connection};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::io::AsyncReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// How long `ssh` may take to connect (its own `ConnectTimeout`).
const CONNECT_TIMEOUT_SECS: u32 = 10;

/// How long to wait for `ssh` to say why it failed, once a request did.
const STDERR_WAIT: Duration = Duration::from_millis(500);

/// The last words of the `ssh` processes, for the error of a request that
/// failed because `ssh` did ("Permission denied (publickey)").
type Said = Arc<Mutex<String>>;

/// A bollard client whose every connection is one `ssh` process.
pub fn connect(destination: &str, timeout: u64, version: &ClientVersion) -> Result<Docker, Error> {
    let said: Said = Arc::default();
    let connector = Connector {
        args: args(destination),
        said: Arc::clone(&said),
    };
    let client = Arc::new(Client::builder(TokioExecutor::new()).build(connector));
    let transport = move |request: BollardRequest| {
        let client = Arc::clone(&client);
        let said = Arc::clone(&said);
        async move {
            match client.request(request).await {
                Ok(response) => Ok(response),
                Err(e) => {
                    // ssh has exited by now or is about to: give its last
                    // line a moment to arrive.
                    tokio::time::sleep(STDERR_WAIT).await;
                    let words = said.lock().unwrap_or_else(PoisonError::into_inner).clone();
                    let words = words
                        .strip_prefix("ssh: ")
                        .unwrap_or(&words)
                        .trim_end_matches('.')
                        .to_owned();
                    Err(if words.is_empty() {
                        Error::from(e)
                    } else {
                        Error::IOError {
                            err: io::Error::other(format!("ssh: {words}")),
                        }
                    })
                }
            }
        }
    };
    // The address is only what bollard writes into request lines; the
    // connector ignores it.
    Docker::connect_with_custom_transport(transport, Some("http://docker"), timeout, version)
}

/// `ssh`'s arguments for `ssh://[user@]host[:port]` (without the scheme).
fn args(destination: &str) -> Vec<String> {
    let (user_host, port) = split_port(destination);
    let mut args = vec![
        "-o".to_owned(),
        "BatchMode=yes".to_owned(),
        "-o".to_owned(),
        format!("ConnectTimeout={CONNECT_TIMEOUT_SECS}"),
        "-T".to_owned(),
    ];
    if let Some(port) = port {
        args.extend(["-p".to_owned(), port.to_owned()]);
    }
    args.extend(
        ["--", user_host, "docker", "system", "dial-stdio"]
            .iter()
            .map(|a| (*a).to_owned()),
    );
    args
}

/// `user@host:port` into `user@host` and the port; IPv6 hosts in brackets.
fn split_port(destination: &str) -> (&str, Option<&str>) {
    let host_start = destination.rfind('@').map_or(0, |at| at + 1);
    let host = &destination[host_start..];
    let colon = match host.rfind(']') {
        Some(bracket) => host[bracket..].find(':').map(|i| bracket + i),
        None => host.rfind(':'),
    };
    match colon {
        Some(i) => (&destination[..host_start + i], Some(&host[i + 1..])),
        None => (destination, None),
    }
}

#[derive(Clone)]
struct Connector {
    args: Vec<String>,
    said: Said,
}

impl tower_service::Service<Uri> for Connector {
    type Response = SshStream;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<SshStream>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: Uri) -> Self::Future {
        let args = self.args.clone();
        let said = Arc::clone(&self.said);
        Box::pin(async move {
            let mut child = Command::new("ssh")
                .args(&args)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .kill_on_drop(true)
                .spawn()?;
            let (Some(stdin), Some(stdout), Some(mut stderr)) =
                (child.stdin.take(), child.stdout.take(), child.stderr.take())
            else {
                return Err(io::Error::other("ssh started without its pipes"));
            };
            tokio::spawn(async move {
                let mut words = Vec::new();
                let _ = (&mut stderr).take(4096).read_to_end(&mut words).await;
                let words = String::from_utf8_lossy(&words);
                if let Some(last) = words.lines().rev().find(|l| !l.trim().is_empty()) {
                    *said.lock().unwrap_or_else(PoisonError::into_inner) = last.trim().to_owned();
                }
            });
            Ok(SshStream {
                _child: child,
                stdin: TokioIo::new(stdin),
                stdout: TokioIo::new(stdout),
            })
        })
    }
}

/// One `ssh` process as a byte stream: writes go to its input, reads come
/// from its output. Dropping it kills the process.
struct SshStream {
    _child: Child,
    stdin: TokioIo<ChildStdin>,
    stdout: TokioIo<ChildStdout>,
}

impl Connection for SshStream {
    fn connected(&self) -> Connected {
        Connected::new()
    }
}

impl hyper::rt::Read for SshStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdout).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for SshStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stdin).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stdin).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_port_goes_to_dash_p() {
        assert_eq!(
            split_port("root@127.0.0.1:2222"),
            ("root@127.0.0.1", Some("2222"))
        );
        assert_eq!(split_port("host"), ("host", None));
        assert_eq!(split_port("me@host"), ("me@host", None));
        assert_eq!(split_port("me@[::1]:22"), ("me@[::1]", Some("22")));
        assert_eq!(split_port("[::1]"), ("[::1]", None));
        let args = args("root@127.0.0.1:2222");
        let tail: Vec<&str> = args.iter().map(String::as_str).skip(5).collect();
        assert_eq!(
            tail,
            [
                "-p",
                "2222",
                "--",
                "root@127.0.0.1",
                "docker",
                "system",
                "dial-stdio"
            ]
        );
    }
}
