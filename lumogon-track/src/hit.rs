//! The domain: what is recorded ([`Hit`]) and what the worker holds
//! ([`Entry`]), whatever the backend. Pure logic: no I/O.

use std::fmt;

use crate::params::Param;

/// What happened, as the application recorded it.
///
/// The strings are `'static` on purpose: screen names come from the
/// `#[track_screen]` literal and event names from the application's code, so
/// nothing a user typed at run time can reach the wire.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Hit {
    Screenview {
        screen: &'static str,
    },
    Event {
        category: &'static str,
        action: &'static str,
        /// Keys and values fixed at compile time or numbers
        /// ([`params`](crate::params)); usually none.
        params: Vec<Param>,
    },
}

#[cfg(test)]
impl Hit {
    /// An event without parameters.
    pub(crate) const fn event(category: &'static str, action: &'static str) -> Hit {
        Hit::Event {
            category,
            action,
            params: Vec::new(),
        }
    }
}

impl fmt::Display for Hit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Hit::Screenview { screen } => write!(f, "screenview {screen:?}"),
            Hit::Event {
                category,
                action,
                params,
            } => {
                write!(f, "event {category:?}/{action:?}")?;
                for (key, value) in params {
                    write!(f, " {key}={value}")?;
                }
                Ok(())
            }
        }
    }
}

/// A hit as the worker holds it: when it was recorded and, for one sent
/// late from the spool, what the protocol needs to place it in time.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    pub(crate) hit: Hit,
    /// When the worker took it from the queue, in ms since the Unix epoch.
    pub(crate) at_ms: u64,
    /// Read back from the spool: sent with its age (v1 `qt`, GA4
    /// `timestamp_micros`). A hit of this run is sent without one.
    pub(crate) late: bool,
    /// Its GA4 session, when it was recorded in an earlier run.
    pub(crate) session: Option<String>,
}

impl Entry {
    /// A hit of this run, taken at `at_ms`.
    pub(crate) fn fresh(hit: Hit, at_ms: u64) -> Entry {
        Entry {
            hit,
            at_ms,
            late: false,
            session: None,
        }
    }

    /// Its age at `now_ms`, for a late hit.
    pub(crate) fn age_ms(&self, now_ms: u64) -> Option<u64> {
        self.late.then(|| now_ms.saturating_sub(self.at_ms))
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.late {
            write!(f, "spooled {}", self.hit)
        } else {
            self.hit.fmt(f)
        }
    }
}

/// The current time in ms since the Unix epoch (0 before it).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}
