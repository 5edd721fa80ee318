//! Unary gRPC calls to containerd over its Unix socket: HTTP/2 (hyper's,
//! already under bollard) carrying length-prefixed protobuf messages
//! (prost). lumogon makes only unary calls, which is all of gRPC it needs:
//! one framed message out, one back, and a status in the trailers.

use std::path::Path;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http2::{self, SendRequest};
use hyper::header::HeaderMap;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::UnixStream;

/// The most one answer may hold: containerd's own default for the messages
/// it receives. A node's container list with every OCI spec in it is well
/// below.
pub const MAX_MESSAGE: usize = 16 << 20;

/// A stuck containerd fails a call after this long rather than hanging; the
/// scan's `--timeout` bounds everything else.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);

/// gRPC's status code for a thing that does not exist.
pub const NOT_FOUND: u32 = 5;

/// Why a call failed.
#[derive(Debug, PartialEq, Eq)]
pub enum Error {
    /// containerd answered with a gRPC status other than OK.
    Status { code: u32, message: String },
    /// Something else answered, or nothing did.
    Transport(String),
}

impl Error {
    pub fn is_not_found(&self) -> bool {
        matches!(
            self,
            Error::Status {
                code: NOT_FOUND,
                ..
            }
        )
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Status { code, message } => write!(f, "{message} (gRPC status {code})"),
            Error::Transport(e) => f.write_str(e),
        }
    }
}

/// An HTTP/2 connection to containerd; cheap to clone, and calls on clones
/// share the connection.
#[derive(Debug, Clone)]
pub struct Channel {
    sender: SendRequest<Full<Bytes>>,
}

impl Channel {
    /// Connects to the socket at `path`. The outer error: the socket
    /// cannot be opened; the inner one: what is there does not speak
    /// HTTP/2. Each is the underlying error's text.
    pub async fn connect(path: &Path) -> Result<Result<Channel, String>, String> {
        let stream = UnixStream::connect(path).await.map_err(|e| e.to_string())?;
        let (sender, connection) =
            match http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await {
                Ok(handshake) => handshake,
                Err(e) => return Ok(Err(crate::error::root_cause(&e))),
            };
        // The connection is driven on the scan's runtime until the sender
        // is dropped or the runtime shuts down.
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                log::debug!("containerd connection ended: {e}");
            }
        });
        Ok(Ok(Channel { sender }))
    }

    /// Calls `method` (`/package.Service/Method`) in containerd
    /// `namespace` (none for calls that have none) with `request`.
    pub async fn call<Req: prost::Message, Resp: prost::Message + Default>(
        &self,
        method: &str,
        namespace: Option<&str>,
        request: &Req,
    ) -> Result<Resp, Error> {
        tokio::time::timeout(
            CALL_TIMEOUT,
            self.call_unbounded(method, namespace, request),
        )
        .await
        .map_err(|_| {
            Error::Transport(format!(
                "containerd did not answer {method} within {} s",
                CALL_TIMEOUT.as_secs()
            ))
        })?
    }

    async fn call_unbounded<Req: prost::Message, Resp: prost::Message + Default>(
        &self,
        method: &str,
        namespace: Option<&str>,
        request: &Req,
    ) -> Result<Resp, Error> {
        let transport =
            |e: &(dyn std::error::Error + 'static)| Error::Transport(crate::error::root_cause(e));
        let mut builder = hyper::Request::post(format!("http://containerd{method}"))
            .header("content-type", "application/grpc")
            .header("te", "trailers");
        if let Some(namespace) = namespace {
            // containerd reads the namespace of a call from this header.
            builder = builder.header("containerd-namespace", namespace);
        }
        let http_request = builder
            .body(Full::new(frame(request)))
            .map_err(|e| transport(&e))?;
        let mut sender = self.sender.clone();
        sender.ready().await.map_err(|e| transport(&e))?;
        let response = sender
            .send_request(http_request)
            .await
            .map_err(|e| transport(&e))?;
        let (parts, body) = response.into_parts();
        if parts.status != hyper::StatusCode::OK {
            return Err(Error::Transport(format!(
                "the answer is HTTP {}, not gRPC",
                parts.status
            )));
        }
        // A failed call may carry its status in the headers alone.
        status(&parts.headers)?;
        let collected = Limited::new(body, MAX_MESSAGE + 5)
            .collect()
            .await
            .map_err(|e| Error::Transport(format!("reading the answer: {e}")))?;
        match collected.trailers() {
            Some(trailers) => status(trailers)?,
            None if parts.headers.contains_key("grpc-status") => {}
            None => return Err(Error::Transport("the answer has no gRPC status".to_owned())),
        }
        let message = unframe(collected.to_bytes())?;
        Resp::decode(message).map_err(|e| Error::Transport(format!("undecodable answer: {e}")))
    }
}

/// A message with gRPC's prefix: not compressed, then its length.
fn frame(message: &impl prost::Message) -> Bytes {
    let len = message.encoded_len();
    let mut bytes = BytesMut::with_capacity(5 + len);
    bytes.put_u8(0);
    bytes.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
    // Encoding into a buffer with room for it cannot fail.
    let _ = message.encode(&mut bytes);
    bytes.freeze()
}

/// The one message of a unary answer.
fn unframe(mut body: Bytes) -> Result<Bytes, Error> {
    let bad = |why: &str| Error::Transport(format!("a malformed gRPC answer: {why}"));
    if body.len() < 5 {
        return Err(bad("shorter than its prefix"));
    }
    if body.get_u8() != 0 {
        // lumogon announces no compression, so none may come back.
        return Err(bad("compressed although no compression was offered"));
    }
    let len = body.get_u32() as usize;
    if len > MAX_MESSAGE {
        return Err(bad("larger than lumogon reads"));
    }
    if body.len() != len {
        return Err(bad("its length prefix does not match"));
    }
    Ok(body)
}

/// `Err` for a gRPC status other than OK in `headers`; `Ok` for OK or none.
fn status(headers: &HeaderMap) -> Result<(), Error> {
    let Some(code) = headers.get("grpc-status") else {
        return Ok(());
    };
    let code: u32 = code
        .to_str()
        .ok()
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| Error::Transport("an unreadable gRPC status".to_owned()))?;
    if code == 0 {
        return Ok(());
    }
    let message = headers
        .get("grpc-message")
        .map(|m| percent_decode(m.as_bytes()))
        .unwrap_or_default();
    Err(Error::Status { code, message })
}

/// gRPC percent-encodes its status messages.
fn percent_decode(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engines::containerd::api::{GetContainerRequest, VersionResponse};
    use prost::Message;

    #[test]
    fn a_message_goes_out_framed_and_comes_back() {
        let request = GetContainerRequest {
            id: "c1".to_owned(),
        };
        let framed = frame(&request);
        assert_eq!(&framed[..5], &[0, 0, 0, 0, 4]);
        let back = unframe(framed).expect("well framed");
        assert_eq!(GetContainerRequest::decode(back), Ok(request));
    }

    #[test]
    fn malformed_answers_are_errors_not_panics() {
        for body in [
            &b""[..],
            &[0, 0, 0, 0][..],
            &[1, 0, 0, 0, 0][..],
            &[0, 0, 0, 0, 9, 1][..],
            &[0, 0xff, 0xff, 0xff, 0xff][..],
        ] {
            assert!(unframe(Bytes::copy_from_slice(body)).is_err(), "{body:?}");
        }
        let empty = unframe(Bytes::from_static(&[0, 0, 0, 0, 0])).expect("an empty message");
        assert_eq!(
            VersionResponse::decode(empty).map(|v| v.version),
            Ok(String::new())
        );
    }

    #[test]
    fn a_status_is_read_from_headers_or_trailers() {
        let mut headers = HeaderMap::new();
        assert_eq!(status(&headers), Ok(()));
        headers.insert("grpc-status", "0".parse().expect("a header"));
        assert_eq!(status(&headers), Ok(()));
        headers.insert("grpc-status", "5".parse().expect("a header"));
        headers.insert(
            "grpc-message",
            "container%20%22x%22%3A%20not%20found"
                .parse()
                .expect("a header"),
        );
        let error = status(&headers).expect_err("not found");
        assert!(error.is_not_found());
        assert_eq!(
            error.to_string(),
            "container \"x\": not found (gRPC status 5)"
        );
        headers.insert("grpc-status", "five".parse().expect("a header"));
        assert!(matches!(status(&headers), Err(Error::Transport(_))));
        assert_eq!(percent_decode(b"100%"), "100%");
    }
}
