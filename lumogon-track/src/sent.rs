//! One line of the sent log (`{app} analytics log`): a hit that was sent or
//! spooled, when, where to, and how it ended. Pure: the type only.

/// A hit this application sent or spooled, as the app directory's
/// `sent.log` keeps it ([`sent_log`](crate::sent_log)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sent {
    /// When its outcome was known, in ms since the Unix epoch.
    pub at_ms: u64,
    /// The endpoint it was for (never with a secret).
    pub to: String,
    /// The hit, as the debug log names it: `screenview "scan"`, or
    /// `event "UX"/"upload"` and its parameters as `key=value`.
    pub hit: String,
    /// `sent` (the collector answered 2xx), `rejected (<status>)` (it
    /// answered with another status), `failed` (the request broke off after
    /// it was written), `handed over` (written, and the command ended before
    /// the answer came: the collector has it or never will) or `spooled`
    /// (kept for a later run).
    pub outcome: String,
    /// Sent late, from the spool of an earlier run.
    pub late: bool,
}
