//! Posting the report to the report service. Plain HTTP(S), with the HTTP
//! stack that bollard already brings (reqwest belongs to analytics, and a
//! build without analytics must not contain it).

use std::time::Duration;

use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::root_cause;

/// An endpoint: where to post, and the credentials its URL carried.
#[derive(Debug)]
pub struct Endpoint {
    uri: Uri,
    basic_auth: Option<String>,
    shown: String,
}

impl Endpoint {
    /// Parses an `http://` or `https://` URL, taking `user:password@` out of
    /// it for an `Authorization: Basic` header.
    ///
    /// # Errors
    ///
    /// One line naming the URL (without its password) and the fix.
    pub fn parse(url: &str) -> Result<Endpoint, String> {
        let bad = |why: &str| {
            format!(
                "invalid report endpoint {:?}: {why}; expected a URL like https://host/api/reports",
                redact(url)
            )
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("no http:// or https://"))?;
        if scheme != "http" && scheme != "https" {
            return Err(bad("only http and https are supported"));
        }
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => (Some(userinfo), host),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let uri: Uri = format!("{scheme}://{host}{path}")
            .parse()
            .map_err(|e| bad(&format!("{e}")))?;
        let basic_auth = userinfo.map(|u| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(u)
            )
        });
        Ok(Endpoint {
            uri,
            basic_auth,
            shown: redact(url),
        })
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.shown)
    }
}

/// The URL with any password replaced, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}{}", &rest[end..])
        }
        None => url.to_owned(),
    }
}

/// Posts `json`, giving up after `timeout`; `Ok` carries the 2xx status.
///
/// # Errors
///
/// The status of a non-2xx answer, or why there was no answer.
pub async fn post(endpoint: &Endpoint, json: String, timeout: Duration) -> Result<u16, String> {
    // ring and the Mozilla roots compiled in: uploads work on a machine
    // without a CA store.
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| format!("could not configure TLS: {e}"))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let mut request = Request::post(endpoint.uri.clone())
        .header(CONTENT_TYPE, "application/json")
        .header("user-agent", concat!("lumogon/", env!("CARGO_PKG_VERSION")))
        .body(Full::new(Bytes::from(json)))
        .map_err(|e| e.to_string())?;
    if let Some(auth) = &endpoint.basic_auth {
        let value = HeaderValue::from_str(auth).map_err(|e| e.to_string())?;
        request.headers_mut().insert(AUTHORIZATION, value);
    }
    // The whole upload, connection included.
    let response = tokio::time::timeout(timeout, client.request(request))
        .await
        .map_err(|_| format!("no answer within {} s (see --timeout)", timeout.as_secs()))?
        .map_err(|e| root_cause(&e))?;
    let status = response.status();
    if status.is_success() {
        Ok(status.as_u16())
    } else {
        Err(format!("the server answered {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_become_a_header_and_leave_messages() {
        let e = Endpoint::parse("https://alice:s3cret@reports.example/api?x=1");
        let e = e
            .as_ref()
            .map(|e| (e.uri.to_string(), e.basic_auth.clone(), e.to_string()));
        assert_eq!(
            e,
            Ok((
                "https://reports.example/api?x=1".to_owned(),
                Some(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("alice:s3cret")
                )),
                "https://alice:***@reports.example/api?x=1".to_owned()
            ))
        );
    }

    #[test]
    fn bad_urls_are_one_line_errors_without_the_password() {
        for url in [
            "reports.example/api",
            "ftp://h/x",
            "http://",
            "http://u:pw@/x",
        ] {
            let err = Endpoint::parse(url).err().unwrap_or_default();
            assert!(err.starts_with("invalid report endpoint"), "{url}: {err}");
            assert!(!err.contains("pw"), "{err}");
        }
        assert_eq!(redact("http://h:1/x"), "http://h:1/x");
    }
}
