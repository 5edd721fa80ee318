//! Why [`init`](crate::init) refuses a configuration.

use std::fmt;

#[cfg(feature = "analytics")]
use crate::backends::BadIdentity;

/// Why [`init`](crate::init) refused a configuration. The message names the
/// field and what a valid value looks like.
#[derive(Debug)]
pub struct ConfigError(pub(crate) ErrorKind);

#[cfg(feature = "analytics")]
#[derive(Debug)]
pub(crate) enum ErrorKind {
    Identity(BadIdentity),
    AppName,
    AppVersion,
    Endpoint {
        from: String,
        value: String,
        ending: &'static str,
    },
    AlreadyInitialized,
    Invalid(String),
    NoValidationServer(String),
}

// Without analytics `init` cannot fail: an uninhabited kind lets the compiler
// drop every error path, so the error type leaves no code in the binary.
#[cfg(not(feature = "analytics"))]
#[derive(Debug)]
pub(crate) enum ErrorKind {}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "analytics")]
        match &self.0 {
            ErrorKind::Identity(bad) => bad.fmt(f),
            ErrorKind::AppName => f.write_str("invalid app name: it must not be empty"),
            ErrorKind::AppVersion => f.write_str("invalid app version: it must not be empty"),
            ErrorKind::Endpoint {
                from,
                value,
                ending,
            } => write!(
                f,
                "invalid endpoint {value:?} (from {from}): expected an http:// or https:// URL \
                 ending in {ending}"
            ),
            ErrorKind::AlreadyInitialized => {
                f.write_str("lumogon_track::init was already called in this process")
            }
            ErrorKind::Invalid(why) => f.write_str(why),
            ErrorKind::NoValidationServer(why) => write!(f, "validate mode: {why}"),
        }
        #[cfg(not(feature = "analytics"))]
        {
            let _ = f;
            match self.0 {}
        }
    }
}

impl std::error::Error for ConfigError {}
