//! What `#[track_screen]` costs per call, against the same function without
//! it, in each state a tracked call can meet (criterion group
//! `tracked_call`):
//!
//! - `untracked`: the baseline, the function without the attribute;
//! - `first_call`: analytics on, the first tracked call of a process, which
//!   also starts the worker thread (each iteration is a new process: the
//!   bench runs itself; only the call is timed);
//! - `queued`: analytics on, the hit goes on the worker's queue, in bursts
//!   of ten calls: the first wakes the idle worker, the other nine find it
//!   awake (the cost per call, averaged over the burst);
//! - `queued_wakes_worker`: analytics on, one hit into the queue of an idle
//!   worker, which the call must wake (a futex wake: on a virtual machine,
//!   most of the cost);
//! - `after_cap`: analytics on, past the per-process cap: the hit is counted
//!   and dropped;
//! - `disabled`: analytics compiled in, turned off by
//!   `lumogon_track::disable()`;
//! - `compiled_out`, instead of the cases that need analytics when built with
//!   `--no-default-features`: the attribute left the function as written.
//!
//! ```sh
//! cargo bench -p lumogon-track
//! cargo bench -p lumogon-track --no-default-features
//! cargo bench -p lumogon-track --bench track -- --verbose   # medians too
//! ```
//!
//! `tests/tests/codegen.rs` shows that `compiled_out` is not merely as fast
//! as `untracked` but the same machine code.
//!
//! The runtime is global to the process and `disable()` cannot be undone, so
//! the cases that need analytics on run before `disabled` (criterion keeps
//! the order they are registered in, whatever the filter), and each case
//! checks the state it times before timing it. Hits go to a responder the
//! bench runs on 127.0.0.1 and nowhere else.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group};
use lumogon_track::track_screen;

const INPUT: u64 = 0x5eed;

/// The work both functions do: a few instructions that the optimiser cannot
/// fold away, so that what differs between them is the tracking alone.
#[inline(never)]
fn untracked(x: u64) -> u64 {
    black_box(x).wrapping_mul(31) ^ (x >> 7)
}

#[track_screen("bench")]
#[inline(never)]
fn tracked(x: u64) -> u64 {
    black_box(x).wrapping_mul(31) ^ (x >> 7)
}

/// With the `outcome` option: a guard that reads the clock when the body
/// starts, and judges and records when it ends.
#[track_screen("bench outcome", outcome)]
#[inline(never)]
#[cfg_attr(not(feature = "analytics"), allow(dead_code))]
fn tracked_with_outcome(x: u64) -> Result<u64, ()> {
    Ok(black_box(x).wrapping_mul(31) ^ (x >> 7))
}

fn tracked_call(c: &mut Criterion) {
    let mut group = c.benchmark_group("tracked_call");
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    group.bench_function("untracked", |b| b.iter(|| untracked(black_box(INPUT))));
    #[cfg(feature = "analytics")]
    {
        // Each iteration is a process of its own (milliseconds of wall
        // time) timed only for one call (microseconds): criterion plans on
        // the timed part, so a few milliseconds of it are plenty.
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(20))
            .measurement_time(Duration::from_millis(150));
        group.bench_function("first_call", compiled_in::first_call);
        // Every ten timed calls here are followed, untimed, by a request to
        // the responder: criterion plans the iterations from the timed part
        // alone, so a short measurement keeps the wall time to seconds.
        group
            .sample_size(50)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(1));
        group.bench_function("queued", |b| compiled_in::queued(b, "queued", 10));
        // Each timed call here costs an untimed drain of ten times as long.
        group.measurement_time(Duration::from_millis(200));
        group.bench_function("queued_wakes_worker", |b| {
            compiled_in::queued(b, "queued_wakes_worker", 1);
        });
        group
            .sample_size(100)
            .measurement_time(Duration::from_secs(3));
        group.bench_function("after_cap", compiled_in::after_cap);
        group.bench_function("disabled", compiled_in::disabled);
        group.bench_function("disabled_outcome", compiled_in::disabled_outcome);
    }
    // LLVM merges `tracked` and `untracked` here, their code being the
    // same: the two cases time one function at one address.
    #[cfg(not(feature = "analytics"))]
    group.bench_function("compiled_out", |b| b.iter(|| tracked(black_box(INPUT))));
    group.finish();
}

/// The cases that need the runtime compiled in.
#[cfg(feature = "analytics")]
mod compiled_in {
    use std::hint::black_box;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::Arc;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::time::{Duration, Instant};

    use criterion::Bencher;
    use lumogon_track::{__bench, FlushGuard, stats};

    use super::{INPUT, tracked, tracked_with_outcome};

    /// How long the worker may take to send what is queued to the
    /// responder on 127.0.0.1 before the bench gives up.
    const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

    /// Variables that would send the bench's hits somewhere other than its
    /// responder (an endpoint, a proxy) or print them instead (a dry run).
    const REDIRECTING: [&str; 6] = [
        // This bench's own names: `config!` makes the app "lumogon-track".
        "LUMOGON_TRACK_ANALYTICS_URL",
        "LUMOGON_TRACK_ANALYTICS_DEBUG",
        "http_proxy",
        "HTTP_PROXY",
        "all_proxy",
        "ALL_PROXY",
    ];

    /// `queued` and `queued_wakes_worker`: analytics on, each call's hit
    /// goes on the queue. Calls are timed `chunk` at a time (fewer than 20,
    /// the queue's slots and the cap), each chunk after the worker has drained
    /// and gone idle, so the first call of a chunk wakes it; reading the
    /// clock (tens of nanoseconds) is shared by the chunk's calls.
    pub(super) fn queued(b: &mut Bencher, case: &str, chunk: u64) {
        assert!(
            (1..20).contains(&chunk),
            "a chunk of {chunk} would not all be queued"
        );
        let responder = analytics_on();
        assert_enabled(case);
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let chunk = left.min(chunk);
                settle();
                let before = stats().queued;
                let start = Instant::now();
                for _ in 0..chunk {
                    black_box(tracked(black_box(INPUT)));
                }
                timed += start.elapsed();
                assert_eq!(
                    stats().queued - before,
                    chunk,
                    "`{case}` timed calls whose hits were not queued"
                );
                left -= chunk;
            }
            timed
        });
        responder.assert_received_every_hit();
    }

    /// Set in the processes `first_call` starts: the responder's URL.
    pub(super) const FIRST_CALL_CHILD: &str = "LUMOGON_TRACK_BENCH_FIRST_CALL";

    /// `first_call`: runs this bench binary as a child process per
    /// iteration, which times its own first tracked call (see
    /// [`first_call_child`]) and prints the nanoseconds.
    pub(super) fn first_call(b: &mut Bencher) {
        assert_loopback_only();
        // A responder of the children's own: the parent's counts only the
        // parent's hits.
        let responder = Responder::start();
        let exe = std::env::current_exe().expect("the bench binary's path");
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    // Nothing of this environment (an endpoint, a proxy,
                    // an opt-out) reaches the child: it sends to the
                    // responder or fails.
                    let out = std::process::Command::new(&exe)
                        .env_clear()
                        .env(FIRST_CALL_CHILD, format!("{}/collect", responder.url))
                        .output()
                        .expect("run the bench binary as a child");
                    let text = String::from_utf8_lossy(&out.stdout);
                    let nanos: u64 = text.trim().parse().unwrap_or_else(|_| {
                        panic!(
                            "the child did not time its first call: {text}{}",
                            String::from_utf8_lossy(&out.stderr)
                        )
                    });
                    Duration::from_nanos(nanos)
                })
                .sum()
        });
    }

    /// The child's side of `first_call`: analytics on for `url`, one timed
    /// call, the nanoseconds on stdout, and the flush at exit.
    pub(super) fn first_call_child(url: String) {
        let config = lumogon_track::config!(universal_analytics: "UA-12345-1")
            .endpoint(url)
            .config_dir(notice_seen())
            .flush_budget(Duration::from_millis(100));
        let _guard = lumogon_track::init(config).expect("a valid configuration");
        let start = Instant::now();
        black_box(tracked(black_box(INPUT)));
        let elapsed = start.elapsed();
        assert_eq!(stats().queued, 1, "the first call did not queue its hit");
        println!("{}", elapsed.as_nanos());
    }

    /// `after_cap`: analytics on, the per-process cap reached: each call's
    /// hit is counted and dropped.
    pub(super) fn after_cap(b: &mut Bencher) {
        let responder = analytics_on();
        assert_enabled("after_cap");
        // With the queue empty, hits are queued until the cap drops one;
        // none is dropped for a full queue, which has room for the cap.
        drain();
        let mut calls = 0;
        loop {
            let before = stats();
            black_box(tracked(black_box(INPUT)));
            let after = stats();
            if after.dropped > before.dropped {
                assert_eq!(after.queued, before.queued, "a hit both queued and dropped");
                break;
            }
            calls += 1;
            assert!(calls < 1000, "the per-process cap never dropped a hit");
        }
        // A worker busy sending would compete for the CPU with the timed
        // calls.
        drain();
        responder.assert_received_every_hit();
        b.iter(|| tracked(black_box(INPUT)));
        let before = stats();
        black_box(tracked(black_box(INPUT)));
        assert_eq!(
            (stats().queued, stats().dropped),
            (before.queued, before.dropped + 1),
            "`after_cap` timed calls that were not dropped at the cap"
        );
    }

    /// `disabled`: analytics compiled in and initialised, then turned off
    /// (as by a `--disable-analytics` flag).
    pub(super) fn disabled(b: &mut Bencher) {
        analytics_on();
        lumogon_track::disable();
        let before = stats();
        black_box(tracked(black_box(INPUT)));
        assert_eq!(
            (stats().queued, stats().dropped),
            (before.queued, before.dropped),
            "a call recorded a hit after disable()"
        );
        b.iter(|| tracked(black_box(INPUT)));
    }

    /// `disabled_outcome`: the same, for a function with the `outcome`
    /// option (its clock is read whatever the state, so that a capture in
    /// an application's tests times it too).
    pub(super) fn disabled_outcome(b: &mut Bencher) {
        analytics_on();
        lumogon_track::disable();
        let before = stats();
        black_box(tracked_with_outcome(black_box(INPUT)).ok());
        assert_eq!(
            (stats().queued, stats().dropped),
            (before.queued, before.dropped),
            "a call recorded a hit after disable()"
        );
        b.iter(|| tracked_with_outcome(black_box(INPUT)));
    }

    /// A config directory of this process's own in which the first-run
    /// notice was shown, so that analytics is on from the first run.
    fn notice_seen() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("lumogon-track-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        std::fs::write(dir.join("analytics.json"), r#"{"notice_version": 1}"#)
            .expect("a temporary file");
        dir
    }

    /// Starts the responder and `init`s analytics for it, once.
    fn analytics_on() -> &'static Responder {
        static ON: OnceLock<(Responder, FlushGuard)> = OnceLock::new();
        let (responder, _guard) = ON.get_or_init(|| {
            assert_loopback_only();
            let responder = Responder::start();
            let config = lumogon_track::config!(universal_analytics: "UA-12345-1")
                .endpoint(format!("{}/collect", responder.url))
                .config_dir(notice_seen())
                .flush_budget(Duration::from_millis(100));
            let guard = lumogon_track::init(config).expect("a valid configuration");
            (responder, guard)
        });
        responder
    }

    /// Panics if a variable would send this process's hits anywhere but to
    /// its responder on 127.0.0.1.
    fn assert_loopback_only() {
        for var in REDIRECTING {
            let value = std::env::var_os(var).unwrap_or_default();
            assert!(
                value.is_empty(),
                "{var} is set: unset it to run this bench, which sends its hits only to its \
                 own responder on 127.0.0.1"
            );
        }
    }

    /// Panics unless a call queues its hit, so that a case meant for
    /// analytics on never times the disabled path. The first call also
    /// starts the worker, which no timed call should pay for.
    fn assert_enabled(case: &str) {
        settle();
        let before = stats().queued;
        black_box(tracked(black_box(INPUT)));
        assert_eq!(
            stats().queued,
            before + 1,
            "analytics is off in this process, so `{case}` cannot be measured: {}",
            match lumogon_track::status(lumogon_track::config!(universal_analytics: "UA-12345-1"))
                .off()
            {
                Some(lumogon_track::Off::Environment(var)) => format!("unset {var}"),
                _ => "run it before `disabled`, which turns analytics off for good (criterion \
                      runs the cases in the order they are registered)"
                    .to_owned(),
            }
        );
    }

    /// Waits until the worker has sent every queued hit.
    fn drain() {
        assert!(
            __bench::drain(DRAIN_TIMEOUT),
            "the worker did not send its hits to the responder on 127.0.0.1 within \
             {DRAIN_TIMEOUT:?}"
        );
    }

    /// An empty queue and a fresh cap: the next calls are all queued.
    fn settle() {
        drain();
        __bench::reset_hit_cap();
    }

    /// A collector on 127.0.0.1 that answers every request `200 OK` and
    /// counts the hits it was sent.
    struct Responder {
        url: String,
        hits: Arc<AtomicU64>,
    }

    impl Responder {
        fn start() -> Responder {
            let listener = TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
            let url = format!(
                "http://{}",
                listener.local_addr().expect("the responder's address")
            );
            let hits = Arc::new(AtomicU64::new(0));
            let counter = Arc::clone(&hits);
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let counter = Arc::clone(&counter);
                    std::thread::spawn(move || {
                        // A connection that breaks off just ends.
                        let _ = serve(stream, &counter);
                    });
                }
            });
            Responder { url, hits }
        }

        /// Panics unless every hit the runtime counts as sent reached this
        /// responder and none failed. Drains the worker first.
        fn assert_received_every_hit(&self) {
            drain();
            let stats = stats();
            assert_eq!(stats.failed, 0, "hits failed to reach the responder");
            assert_eq!(
                self.hits.load(Ordering::SeqCst),
                stats.sent,
                "hits counted as sent did not reach the responder"
            );
        }
    }

    /// Answers the requests of one kept-alive connection, counting a hit
    /// for each line of each body (`/batch` holds one hit a line).
    fn serve(stream: TcpStream, hits: &AtomicU64) -> std::io::Result<()> {
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut writer = stream;
        let mut line = String::new();
        loop {
            let mut length = 0;
            loop {
                line.clear();
                if reader.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                let header = line.trim_end();
                if header.is_empty() {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().map_err(std::io::Error::other)?;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            let count = body
                .split(|&b| b == b'\n')
                .filter(|l| !l.is_empty())
                .count();
            hits.fetch_add(count as u64, Ordering::SeqCst);
            writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")?;
        }
    }
}

criterion_group!(benches, tracked_call);

fn main() {
    #[cfg(feature = "analytics")]
    if let Some(url) = std::env::var_os(compiled_in::FIRST_CALL_CHILD) {
        compiled_in::first_call_child(url.to_string_lossy().into_owned());
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
