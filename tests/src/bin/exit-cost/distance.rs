//! Analytics' exit cost where users are: HTTPS collectors a wide-area round
//! trip away (a [`DelayProxy`] in front of the test collector), one that
//! reads each request and never answers, and collectors that cannot be
//! reached. Each place is a series of `lumogon version` runs, each after a
//! `--disable-analytics` run (the reference, from the same series, so that
//! drift in the machine's speed is shared); after the series the collector
//! is read for [`ARRIVAL_WINDOW`], to see whether the hits arrived, by
//! when, each once and with an honest `qt`. Then whether `lumogon analytics
//! disable` stops a send already under way.

use std::path::Path;
use std::time::{Duration, Instant};

use lumogon_tests::collector::Collector;
use lumogon_tests::delay_proxy::DelayProxy;
use lumogon_tests::lumogon::Lumogon;
use lumogon_tests::networks::unresolvable_host;
use lumogon_tests::servers::refused_port;
use lumogon_tests::tls::TestCa;

use crate::arrivals::{self, Account, Arrival, Span};
use crate::stats::Summary;

/// How long after a series' end its collector is still read: hits spooled
/// at exit are due within seconds.
pub const ARRIVAL_WINDOW: Duration = Duration::from_secs(10);

/// The silent collector's distance: the shortest, so that the request is
/// surely written before the exit (the wait for an answer is what it
/// measures).
const SILENT_RTT: Duration = Duration::from_millis(20);

/// Where a series' collector is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A healthy HTTPS collector this many milliseconds' round trip away.
    Away(u64),
    /// An HTTPS collector [`SILENT_RTT`] away that completes the handshake,
    /// reads each request and never answers.
    Silent,
    /// Nothing listens (127.0.0.1, so the refusal is immediate).
    Refused,
    /// A host name that cannot be resolved (no packet sent).
    Unresolvable,
}

impl Place {
    pub const ALL: &[Place] = &[
        Place::Away(20),
        Place::Away(100),
        Place::Away(300),
        Place::Silent,
        Place::Refused,
        Place::Unresolvable,
    ];

    pub fn name(self) -> String {
        match self {
            Place::Away(ms) => format!("HTTPS, {ms} ms round trip"),
            Place::Silent => format!(
                "HTTPS, {} ms, reads and never answers",
                SILENT_RTT.as_millis()
            ),
            Place::Refused => "refused (0 ms)".to_owned(),
            Place::Unresolvable => "unresolvable host".to_owned(),
        }
    }

    fn rtt(self) -> Duration {
        match self {
            Place::Away(ms) => Duration::from_millis(ms),
            Place::Silent => SILENT_RTT,
            Place::Refused | Place::Unresolvable => Duration::ZERO,
        }
    }

    fn slug(self) -> String {
        match self {
            Place::Away(ms) => format!("https-{ms}ms"),
            Place::Silent => "silent".to_owned(),
            Place::Refused => "refused".to_owned(),
            Place::Unresolvable => "unresolvable".to_owned(),
        }
    }
}

/// A place's collector, running until dropped, and the URL that reaches it.
struct Endpoint {
    url: String,
    /// Where something listens: read after the series.
    collector: Option<Collector>,
    _proxy: Option<DelayProxy>,
}

impl Endpoint {
    fn start(place: Place) -> Endpoint {
        let behind_proxy = |collector: Collector| {
            let proxy = DelayProxy::start(collector.port(), place.rtt());
            Endpoint {
                url: proxy.collect_url("https"),
                collector: Some(collector),
                _proxy: Some(proxy),
            }
        };
        let nothing = |url| Endpoint {
            url,
            collector: None,
            _proxy: None,
        };
        match place {
            Place::Away(_) => behind_proxy(Collector::https(200, TestCa::get())),
            Place::Silent => behind_proxy(Collector::https_silent(TestCa::get())),
            Place::Refused => nothing(format!("https://127.0.0.1:{}/collect", refused_port())),
            Place::Unresolvable => nothing(format!("https://{}/collect", unresolvable_host())),
        }
    }
}

/// A `lumogon` command line with the real Docker daemon, the config
/// directory `dir` (kept as it is), and analytics sent to `url` over HTTPS
/// that trusts the test authority.
fn lumogon(binary: &Path, args: &[&str], dir: &Path, url: &str) -> Lumogon {
    Lumogon::of(binary, args)
        .env("DOCKER_HOST", crate::REAL_DOCKER)
        .env("LUMOGON_CONFIG_DIR", dir)
        .env("SSL_CERT_FILE", TestCa::get().ca_file())
        .collector(url)
        // Back to back, as a person types them: a run's detached sender
        // delivers in the background while the next command runs.
        .leave_sender()
}

/// Runs `lumogon` once, panicking unless it exits 0; returns its span and
/// wall time.
fn timed(lumogon: &mut Lumogon, what: &str) -> (Span, Duration) {
    let start = Instant::now();
    let out = lumogon.run();
    let end = Instant::now();
    assert_eq!(out.code, Some(0), "{what}: {}", out.stderr);
    (Span { start, end }, out.elapsed)
}

/// One place's series.
#[derive(Debug)]
pub struct Series {
    pub place: Place,
    /// Recorded runs.
    pub runs: u32,
    /// The unrecorded first run (it derives the client id; where the
    /// collector times out, it starts the backoff).
    pub first: Duration,
    pub times: Summary,
    /// The `--disable-analytics` runs between them.
    pub reference: Summary,
    /// `None` where nothing listens (nothing can arrive).
    pub account: Option<Account>,
}

/// `lumogon version` once unrecorded (it derives and keeps the client id),
/// then `runs` times, each after a `--disable-analytics` run, in a fresh
/// configuration directory under `dirs` in which the notice was seen.
pub fn series(binary: &Path, place: Place, runs: u32, dirs: &Path) -> Series {
    eprintln!("at a distance: {}", place.name());
    let endpoint = Endpoint::start(place);
    let dir = dirs.join(place.slug());
    let reference_dir = dirs.join(format!("{}-disabled", place.slug()));
    for dir in [&dir, &reference_dir] {
        let _ = Lumogon::of(binary, &["version"]).config_dir_at(dir);
    }
    let mut sending = lumogon(binary, &["version"], &dir, &endpoint.url);
    let mut disabled = lumogon(
        binary,
        &["version", "--disable-analytics"],
        &reference_dir,
        &endpoint.url,
    );
    let name = place.name();
    let (first_span, first) = timed(&mut sending, &name);
    let mut spans = vec![first_span];
    timed(&mut disabled, &name);
    let (mut times, mut reference) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        reference.push(timed(&mut disabled, &name).1);
        let (span, elapsed) = timed(&mut sending, &name);
        spans.push(span);
        times.push(elapsed);
    }
    let end = Instant::now();
    let account = endpoint.collector.as_ref().map(|collector| {
        // The whole window, to see duplicates too; cut short only when more
        // hits than runs have arrived (which already fails).
        collector.wait_for_hits(spans.len() + 1, ARRIVAL_WINDOW);
        let arrivals: Vec<Arrival> = collector
            .hits_with_arrival()
            .into_iter()
            .map(|(hit, at)| Arrival { qt: qt(&hit), at })
            .collect();
        arrivals::account(&arrivals, &spans, end, place.rtt() / 2)
    });
    Series {
        place,
        runs,
        first,
        times: Summary::of(&times).expect("at least one run"),
        reference: Summary::of(&reference).expect("at least one run"),
        account,
    }
}

fn qt(hit: &[(String, String)]) -> Option<u64> {
    hit.iter()
        .find(|(k, _)| k == "qt")
        .and_then(|(_, v)| v.parse().ok())
}

/// The round trip of the collector behind the gate.
const GATED_RTT: Duration = Duration::from_millis(20);

/// What became of a send held at a gate while `analytics disable` ran.
#[derive(Debug)]
pub struct AfterDisable {
    /// Whether a connection to the collector was under way (accepted by
    /// the gated proxy) before `disable` ran: without one, nothing was
    /// shown.
    pub in_flight: bool,
    /// Hits that arrived within [`ARRIVAL_WINDOW`] of the gate opening.
    pub arrived: usize,
    /// Connections that reached the collector meanwhile.
    pub connections: usize,
}

impl AfterDisable {
    pub fn met(&self) -> bool {
        self.in_flight && self.arrived == 0
    }
}

/// One `lumogon version` whose hit is held at a gated proxy; then `lumogon
/// analytics disable` in the same directory; then the gate opens, and the
/// collector is read for [`ARRIVAL_WINDOW`].
pub fn after_disable(binary: &Path, dirs: &Path) -> AfterDisable {
    eprintln!("at a distance: analytics disabled while a hit is held");
    let dir = dirs.join("disable");
    let _ = Lumogon::of(binary, &["version"]).config_dir_at(&dir);
    // The client id is derived and kept by a run of its own, to a collector
    // of its own: nothing it sends can be mistaken for the held hit.
    let warm_up = Collector::https(200, TestCa::get());
    timed(
        &mut lumogon(binary, &["version"], &dir, &warm_up.url()),
        "disable: first run",
    );
    warm_up.wait_for_hits(1, ARRIVAL_WINDOW);

    let collector = Collector::https(200, TestCa::get());
    let gate = DelayProxy::gated(collector.port(), GATED_RTT);
    let url = gate.collect_url("https");
    timed(
        &mut lumogon(binary, &["version"], &dir, &url),
        "disable: held run",
    );
    // Whoever sends it (the run itself, or a sender it left behind) has
    // connected: the gate holds its bytes.
    let in_flight = gate.wait_for_connections(1, ARRIVAL_WINDOW);
    timed(
        &mut lumogon(binary, &["analytics", "disable"], &dir, &url),
        "analytics disable",
    );
    gate.open_gate();
    collector.wait_for_hits(1, ARRIVAL_WINDOW);
    AfterDisable {
        in_flight,
        arrived: collector.hits().len(),
        connections: collector.connections(),
    }
}
