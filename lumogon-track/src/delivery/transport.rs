//! Sending requests to the collector over HTTP(S). The only module that
//! touches the network. What a request holds is the backend's business
//! (`backends/`); this only posts it.

use std::future::Future;
use std::io::Read;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use reqwest::blocking::Client;

use crate::limits::{CONNECT_TIMEOUT, MAX_ANSWER_BYTES, REQUEST_TIMEOUT};

/// A built client.
#[derive(Debug)]
pub(crate) struct Transport {
    client: Client,
}

/// How a request ended, when it got an answer.
pub(crate) type Answer = reqwest::StatusCode;

/// Why a request got no answer.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    /// It failed before a connection was made: nothing was written, so the
    /// hits may be sent again later without being counted twice.
    pub(crate) before_connecting: bool,
    /// A connect or request timeout: a failure that cost time.
    pub(crate) timed_out: bool,
}

/// Asked when a connection to the collector is made, before anything is
/// written to it; `false` drops the connection unused.
pub(crate) type OnConnect = Arc<dyn Fn() -> bool + Send + Sync>;

impl Transport {
    /// Builds the client. Call this on the worker thread only: building (or
    /// dropping) a blocking client inside an async context panics, and
    /// building one costs milliseconds that no command should wait for.
    ///
    /// `ca_file` (from `SSL_CERT_FILE`) replaces the bundled roots.
    pub(crate) fn new(ca_file: Option<&Path>, on_connect: OnConnect) -> Result<Self, String> {
        let client = Client::builder()
            .connector_layer(Watch(on_connect))
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A collector has no reason to redirect, and following one would
            // send the hit somewhere the user did not agree to.
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls_config(roots(ca_file))?)
            .build()
            .map_err(|e| format!("could not build the HTTP client: {}", root_cause(&e)))?;
        Ok(Transport { client })
    }

    /// Posts one request body to `url`. A non-2xx answer is returned as it
    /// is, never retried: both protocols answer 2xx whenever they accepted
    /// the request.
    pub(crate) fn post(
        &self,
        url: &str,
        content_type: &'static str,
        body: String,
    ) -> Result<Answer, Failure> {
        // The body is never read: it says nothing the protocol needs, and a
        // collector that streams megabytes must not hold the worker.
        Ok(self.send(url, content_type, body)?.status())
    }

    /// Posts like [`Transport::post`] and reads at most
    /// [`MAX_ANSWER_BYTES`] of the answer's body, within the same timeouts:
    /// for validate mode, whose answer is the point.
    pub(crate) fn post_and_read(
        &self,
        url: &str,
        content_type: &'static str,
        body: String,
    ) -> Result<(Answer, String), String> {
        let response = self
            .send(url, content_type, body)
            .map_err(|failure| failure.message)?;
        let status = response.status();
        let mut answer = Vec::new();
        response
            .take(MAX_ANSWER_BYTES)
            .read_to_end(&mut answer)
            .map_err(|e| root_cause(&e))?;
        Ok((status, String::from_utf8_lossy(&answer).into_owned()))
    }

    /// The one request both make, its failure told apart.
    fn send(
        &self,
        url: &str,
        content_type: &'static str,
        body: String,
    ) -> Result<reqwest::blocking::Response, Failure> {
        self.client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .map_err(|e| Failure {
                message: root_cause(&e),
                before_connecting: e.is_connect() || e.is_builder(),
                timed_out: e.is_timeout(),
            })
    }
}

/// The connector layer behind [`OnConnect`]: it sees each connection made
/// (after TCP and TLS, before any byte of a request) and asks whether it may
/// be used.
#[derive(Clone)]
struct Watch(OnConnect);

impl<S> tower_layer::Layer<S> for Watch {
    type Service = Watched<S>;

    fn layer(&self, inner: S) -> Watched<S> {
        Watched {
            inner,
            on_connect: Arc::clone(&self.0),
        }
    }
}

#[derive(Clone)]
struct Watched<S> {
    inner: S,
    on_connect: OnConnect,
}

type Connecting<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

impl<S, R> tower_service::Service<R> for Watched<S>
where
    S: tower_service::Service<R>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: From<&'static str> + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Connecting<S::Response, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.inner.call(request);
        let on_connect = Arc::clone(&self.on_connect);
        Box::pin(async move {
            let connection = connecting.await?;
            if on_connect() {
                Ok(connection)
            } else {
                Err(S::Error::from(
                    "the connection is not wanted any more: the exit took over, or analytics was disabled",
                ))
            }
        })
    }
}

/// The Mozilla root store compiled in, or, when `SSL_CERT_FILE` names one,
/// the certificates of that PEM file instead (as OpenSSL reads the variable).
///
/// Bundled rather than the platform verifier: on a machine without a CA
/// store (a scratch container, a minimal CI image) the platform verifier
/// makes `Client::build()` fail, which would silently lose every hit, even
/// those for a plain `http://` collector. For the same reason a file that
/// cannot be read falls back to the bundled roots instead of failing.
fn roots(ca_file: Option<&Path>) -> rustls::RootCertStore {
    let bundled = || rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    let Some(path) = ca_file else {
        return bundled();
    };
    match read_roots(path) {
        Ok(store) => store,
        Err(why) => {
            log::debug!(
                "analytics: ignoring SSL_CERT_FILE {}: {why}; trusting the bundled roots",
                path.display()
            );
            bundled()
        }
    }
}

/// The usable certificates of a PEM bundle. Like OpenSSL, one certificate
/// it cannot use does not cost the others: system bundles hold the odd
/// expired or unusual one.
fn read_roots(path: &Path) -> Result<rustls::RootCertStore, String> {
    let pem = std::fs::read(path).map_err(|e| e.to_string())?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not a PEM file: {e}"))?;
    let mut store = rustls::RootCertStore::empty();
    let (added, skipped) = store.add_parsable_certificates(certs);
    if added == 0 {
        return Err("no usable certificate in it".to_owned());
    }
    if skipped > 0 {
        log::debug!(
            "analytics: {skipped} certificate(s) of SSL_CERT_FILE {} cannot be used; trusting the other {added}",
            path.display()
        );
    }
    Ok(store)
}

/// rustls with ring, trusting `roots`.
fn tls_config(roots: rustls::RootCertStore) -> Result<rustls::ClientConfig, String> {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| format!("could not configure TLS: {e}"))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(config)
}

/// The innermost error message: "connection refused" rather than "error
/// sending request for url (...)", which would repeat the URL in every line.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_builds_with_the_bundled_roots() {
        assert!(Transport::new(None, Arc::new(|| true)).is_ok());
    }

    #[test]
    fn an_unusable_ca_file_falls_back_to_the_bundled_roots() {
        let bundled = webpki_roots::TLS_SERVER_ROOTS.len();
        let dir = std::env::temp_dir().join(format!("lumogon-track-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let not_pem = dir.join("not.pem");
        std::fs::write(&not_pem, "hello").expect("write");
        for path in [dir.join("missing.pem"), not_pem] {
            assert_eq!(roots(Some(&path)).len(), bundled, "{}", path.display());
        }
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(roots(None).len(), bundled);
    }

    #[test]
    fn a_bad_url_is_an_error_not_a_panic() {
        let transport = Transport::new(None, Arc::new(|| true));
        let answer = transport.map(|t| t.post("not a url", "text/plain", String::new()));
        assert!(
            matches!(
                answer,
                Ok(Err(Failure {
                    before_connecting: true,
                    ..
                }))
            ),
            "{answer:?}"
        );
    }
}
