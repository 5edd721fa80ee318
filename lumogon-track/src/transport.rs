//! Sending request bodies to the collector over HTTP(S). The only module
//! that touches the network.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::blocking::Client;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(3);

/// A built client and the two endpoints it posts to.
#[derive(Debug)]
pub(crate) struct Transport {
    client: Client,
    collect: Url,
    batch: Url,
}

/// How a request ended, when it got an answer.
pub(crate) type Answer = reqwest::StatusCode;

impl Transport {
    /// Builds the client. Call this on the worker thread only: building (or
    /// dropping) a blocking client inside an async context panics, and
    /// building one costs milliseconds that no command should wait for.
    pub(crate) fn new(endpoint: &str) -> Result<Self, String> {
        let collect = Url::parse(endpoint).map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
        // "/batch beside /collect": the last path segment is replaced.
        let batch = collect
            .join("batch")
            .map_err(|e| format!("endpoint {endpoint:?}: {e}"))?;
        let client = Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            // A collector has no reason to redirect, and following one would
            // send the hit somewhere the user did not agree to.
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls_config()?)
            .build()
            .map_err(|e| format!("could not build the HTTP client: {}", root_cause(&e)))?;
        Ok(Transport {
            client,
            collect,
            batch,
        })
    }

    /// The URL a body of `hits` hits goes to.
    pub(crate) fn url(&self, hits: usize) -> &Url {
        if hits > 1 { &self.batch } else { &self.collect }
    }

    /// Posts one request body. A non-2xx answer is returned as it is, never
    /// retried: the protocol answers 2xx whenever it accepted the request.
    pub(crate) fn post(&self, hits: usize, body: String) -> Result<Answer, String> {
        let response = self
            .client
            .post(self.url(hits).clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(body)
            .send()
            .map_err(|e| root_cause(&e))?;
        // The body is never read: it says nothing the protocol needs, and a
        // collector that streams megabytes must not hold the worker.
        Ok(response.status())
    }
}

/// rustls with ring and the Mozilla root store compiled in.
///
/// Chosen deliberately over the platform verifier: on a machine without a
/// CA store (a scratch container, a minimal CI image) the platform verifier
/// makes `Client::build()` fail, which would silently lose every hit, even
/// those for a plain `http://` collector.
fn tls_config() -> Result<rustls::ClientConfig, String> {
    let roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
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
    fn batch_url_sits_beside_collect() {
        let t = Transport::new("http://127.0.0.1:9/prefix/collect").map_err(|e| e.to_string());
        let urls = t.as_ref().map(|t| (t.url(1).as_str(), t.url(2).as_str()));
        assert_eq!(
            urls,
            Ok((
                "http://127.0.0.1:9/prefix/collect",
                "http://127.0.0.1:9/prefix/batch"
            ))
        );
    }

    #[test]
    fn the_default_endpoint_builds() {
        assert!(Transport::new(crate::config::DEFAULT_ENDPOINT).is_ok());
    }
}
