//! The states a network can leave an analytics collector in, each set up for
//! real on 127.0.0.1: the fault suite runs every command against each, and
//! the exit-cost benchmark times them.

use std::time::Duration;

use crate::collector::Collector;
use crate::lumogon::Lumogon;
use crate::servers::{Firewalled, refused_port};
use crate::tls::TestCa;

/// How long the slow collector takes to answer: far past any flush budget.
pub const SLOW: Duration = Duration::from_secs(5);

/// A host name that no resolver can resolve: a 64-character label is longer
/// than DNS allows, so the lookup fails on this machine, without a packet
/// sent to any name server.
pub fn unresolvable_host() -> String {
    format!("{}.invalid", "a".repeat(64))
}

/// A collector's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Answers 200 over plain HTTP.
    Http,
    /// Answers 200 over HTTPS, with a certificate the process is told to
    /// trust through `SSL_CERT_FILE`.
    Https,
    /// HTTPS with a certificate the process does not trust.
    HttpsUntrusted,
    /// Nothing listens: the connection is refused.
    Refused,
    /// Reads each request and never answers.
    Silent,
    /// Answers 200 after [`SLOW`].
    Slow,
    /// A host name no resolver can resolve ([`unresolvable_host`]).
    Unresolvable,
    /// Answers 500.
    Status500,
    /// Answers 200 with a 10 MiB body.
    HugeBody,
    /// Drops the connection in the middle of the request.
    Reset,
    /// Drops every connection attempt, as a firewall does: `connect()`
    /// never completes ([`Firewalled`]).
    Firewalled,
}

impl Kind {
    /// The scenarios of the exit-cost benchmark, in its order.
    pub const BENCHMARKED: &[Kind] = &[
        Kind::Http,
        Kind::Https,
        Kind::Refused,
        Kind::Silent,
        Kind::Slow,
        Kind::Unresolvable,
        Kind::Firewalled,
    ];

    /// A short name for tables and messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Http => "healthy HTTP",
            Kind::Https => "healthy HTTPS",
            Kind::HttpsUntrusted => "untrusted HTTPS",
            Kind::Refused => "refused",
            Kind::Silent => "never answers",
            Kind::Slow => "answers after 5 s",
            Kind::Unresolvable => "unresolvable host",
            Kind::Status500 => "answers 500",
            Kind::HugeBody => "10 MiB body",
            Kind::Reset => "connection reset",
            Kind::Firewalled => "firewalled (drops packets)",
        }
    }
}

/// A collector in one state, running until dropped.
pub struct Network {
    kind: Kind,
    url: String,
    /// The server, where something listens.
    collector: Option<Collector>,
    /// The port whose connection attempts are dropped.
    _firewall: Option<Firewalled>,
}

impl Network {
    /// Sets up `kind`.
    pub fn start(kind: Kind) -> Network {
        let listening = |collector: Collector| Network {
            kind,
            url: collector.url(),
            collector: Some(collector),
            _firewall: None,
        };
        let nothing_listens = |url: String| Network {
            kind,
            url,
            collector: None,
            _firewall: None,
        };
        match kind {
            Kind::Http => listening(Collector::start(200)),
            Kind::Https | Kind::HttpsUntrusted => listening(Collector::https(200, TestCa::get())),
            Kind::Silent => listening(Collector::silent()),
            Kind::Slow => listening(Collector::slow(SLOW)),
            Kind::Status500 => listening(Collector::start(500)),
            Kind::Refused => {
                nothing_listens(format!("http://127.0.0.1:{}/collect", refused_port()))
            }
            Kind::Unresolvable => {
                nothing_listens(format!("http://{}/collect", unresolvable_host()))
            }
            Kind::HugeBody => listening(Collector::huge_body()),
            Kind::Reset => listening(Collector::reset()),
            Kind::Firewalled => {
                let firewall = Firewalled::start();
                Network {
                    kind,
                    url: firewall.collect_url(),
                    collector: None,
                    _firewall: Some(firewall),
                }
            }
        }
    }

    /// Which state this is.
    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// Points `lumogon`'s analytics at this collector, trusting its
    /// certificate where the scenario says so.
    pub fn apply(&self, lumogon: Lumogon) -> Lumogon {
        let lumogon = lumogon.collector(&self.url);
        match self.kind {
            Kind::Https => lumogon.env("SSL_CERT_FILE", TestCa::get().ca_file()),
            _ => lumogon,
        }
    }

    /// Hits the collector has received whole so far (0 where none can
    /// arrive).
    pub fn hits_received(&self) -> usize {
        self.collector.as_ref().map_or(0, |c| c.hits().len())
    }

    /// Connections the collector has accepted so far (0 where nothing
    /// listens).
    pub fn connections(&self) -> usize {
        self.collector.as_ref().map_or(0, Collector::connections)
    }
}
