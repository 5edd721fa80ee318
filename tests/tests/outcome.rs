//! `#[track_screen("name", outcome)]` on every form of function the attribute
//! takes, captured in-process: the screenview when the body starts, then one
//! `command` event with how the handler ended (`ok`, `error`, `panic`,
//! `cancelled`) and a coarse duration. Compiled out, nothing is captured.

// The expansion must stay quiet under pedantic lints too (clippy runs on
// this file with -D warnings).
#![warn(clippy::pedantic)]

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::{Pin, pin};
use std::process::ExitCode;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use async_trait::async_trait;
use lumogon_tests::ANALYTICS;
use lumogon_track::Value;
use lumogon_track::testing::Hit;
use lumogon_track::track_screen;

/// What `f` records, as `lumogon_track::testing::capture` gives it, with a
/// quick handler's `<1s` read as `<0.1s`: on a loaded machine a handler
/// that returns at once may still be descheduled past 0.1 s, and what
/// these tests check is the outcome (the buckets' bounds are checked
/// beside the code, and a slow handler's below).
fn capture<R>(f: impl FnOnce() -> R) -> (R, Vec<Hit>) {
    let (returned, mut hits) = lumogon_track::testing::capture(f);
    for hit in &mut hits {
        if let Hit::Event { params, .. } = hit {
            for (key, value) in params.iter_mut() {
                if *key == "duration" && *value == Value::Str("<1s") {
                    *value = Value::Str("<0.1s");
                }
            }
        }
    }
    (returned, hits)
}

/// What a handler for `screen` that ended with `outcome` within 0.1 s
/// records: the screenview, then the outcome event. Nothing compiled out.
fn tracked(screen: &'static str, outcome: &'static str) -> Vec<Hit> {
    tracked_for(screen, outcome, "<0.1s")
}

fn tracked_for(screen: &'static str, outcome: &'static str, duration: &'static str) -> Vec<Hit> {
    if !ANALYTICS {
        return Vec::new();
    }
    vec![
        Hit::Screen(screen),
        Hit::Event {
            category: "command",
            action: screen,
            params: vec![
                ("outcome", Value::Str(outcome)),
                ("duration", Value::Str(duration)),
            ],
        },
    ]
}

/// The hits `f` records, `f` being expected to panic.
fn hits_of_panic<R>(f: impl FnOnce() -> R) -> Vec<Hit> {
    quiet_expected_panics();
    let (unwound, hits) = capture(|| catch_unwind(AssertUnwindSafe(f)).is_err());
    assert!(unwound, "the handler did not panic");
    hits
}

/// Our handlers' panics are expected: their message and backtrace would
/// only slow the unwinding (past the first bucket, with `RUST_BACKTRACE` set)
/// and fill the output. Any other panic is shown as before.
fn quiet_expected_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let shown = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .copied()
                .unwrap_or_default();
            if !message.ends_with("handler panics") {
                shown(info);
            }
        }));
    });
}

// --- sync free functions: every return type judged ---

#[track_screen("result", outcome)]
fn result(fail: bool) -> Result<u32, String> {
    if fail {
        return Err("the secret path /home/ada".to_owned());
    }
    Ok(1)
}

#[track_screen("question mark", outcome)]
fn question_mark(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    Ok(n)
}

#[track_screen("exit code", outcome)]
fn exit_code(code: u8) -> ExitCode {
    if code == 0 {
        return ExitCode::SUCCESS;
    }
    ExitCode::from(code)
}

#[track_screen("boolean", outcome)]
fn boolean(ok: bool) -> bool {
    ok
}

#[track_screen("unit", outcome)]
fn unit(panic: bool) {
    assert!(!panic, "the handler panics");
}

#[track_screen("boxed error", outcome)]
fn boxed_error(fail: bool) -> Result<(), Box<dyn std::error::Error>> {
    if fail {
        // Coerced to the declared type: the closure is typed as the fn is.
        return Err("a boxed error".into());
    }
    Ok(())
}

#[track_screen("impl trait", outcome)]
fn impl_trait(fail: bool) -> Result<impl std::fmt::Display, String> {
    if fail { Err(String::new()) } else { Ok(7) }
}

#[track_screen("slow", outcome)]
fn slow() {
    std::thread::sleep(Duration::from_millis(120));
}

#[test]
fn sync_handlers_report_ok_and_error_by_what_they_return() {
    assert_eq!(capture(|| result(false)), (Ok(1), tracked("result", "ok")));
    let (returned, hits) = capture(|| result(true));
    assert!(returned.is_err());
    assert_eq!(hits, tracked("result", "error"));

    assert_eq!(
        capture(|| question_mark("5")).1,
        tracked("question mark", "ok")
    );
    assert_eq!(
        capture(|| question_mark("x")).1,
        tracked("question mark", "error")
    );

    assert_eq!(capture(|| exit_code(0)).1, tracked("exit code", "ok"));
    assert_eq!(capture(|| exit_code(1)).1, tracked("exit code", "error"));
    assert_eq!(capture(|| exit_code(101)).1, tracked("exit code", "error"));

    assert_eq!(capture(|| boolean(true)), (true, tracked("boolean", "ok")));
    assert_eq!(
        capture(|| boolean(false)),
        (false, tracked("boolean", "error"))
    );

    assert_eq!(capture(|| unit(false)).1, tracked("unit", "ok"));
    assert_eq!(
        capture(|| boxed_error(false)).1,
        tracked("boxed error", "ok")
    );
    assert_eq!(
        capture(|| boxed_error(true)).1,
        tracked("boxed error", "error")
    );
    assert_eq!(capture(|| impl_trait(false)).1, tracked("impl trait", "ok"));
    assert_eq!(
        capture(|| impl_trait(true)).1,
        tracked("impl trait", "error")
    );
}

#[test]
fn a_panicking_handler_reports_panic_and_still_unwinds() {
    assert_eq!(hits_of_panic(|| unit(true)), tracked("unit", "panic"));
}

#[test]
fn no_error_text_is_ever_a_parameter() {
    let (_, hits) = capture(|| result(true));
    assert!(!format!("{hits:?}").contains("secret"), "{hits:?}");
}

#[test]
fn the_duration_is_a_coarse_bucket_of_the_handlers_time() {
    assert_eq!(
        lumogon_track::testing::capture(slow).1,
        tracked_for("slow", "ok", "<1s")
    );
}

// --- methods, generics ---

struct Counter(u32);

impl Counter {
    #[track_screen("get", outcome)]
    fn get(&self) -> Result<u32, String> {
        if self.0 == 0 {
            return Err("empty".to_owned());
        }
        Ok(self.0)
    }

    #[track_screen("bump", outcome)]
    fn bump(&mut self) -> bool {
        self.0 += 1;
        self.0 < 3
    }

    #[track_screen("into inner", outcome)]
    fn into_inner(self) -> Result<u32, String> {
        if self.0 == 0 {
            return Err("empty".to_owned());
        }
        Ok(self.0)
    }

    #[track_screen("field", outcome)]
    fn field(&mut self) -> Result<&mut u32, String> {
        if self.0 > 100 {
            return Err("full".to_owned());
        }
        Ok(&mut self.0)
    }

    #[track_screen("name", outcome)]
    fn name(&self) -> Result<&str, String> {
        match self.0 {
            0 => Ok("zero"),
            1..=100 => Ok("some"),
            _ => Err("too many".to_owned()),
        }
    }
}

#[track_screen("generic", outcome)]
fn generic<T, E>(value: T, fail: E) -> Result<String, E>
where
    T: std::fmt::Display,
    E: Clone,
{
    if value.to_string().is_empty() {
        return Err(fail);
    }
    Ok(value.to_string())
}

#[test]
fn methods_and_generic_handlers_report_their_outcome() {
    let mut counter = Counter(0);
    assert_eq!(capture(|| counter.get()).1, tracked("get", "error"));
    assert_eq!(capture(|| counter.bump()), (true, tracked("bump", "ok")));
    assert_eq!(capture(|| counter.name()).1, tracked("name", "ok"));
    let (field, hits) = capture(|| counter.field().map(|n| *n));
    assert_eq!((field, hits), (Ok(1), tracked("field", "ok")));
    counter.bump();
    assert_eq!(
        capture(|| counter.bump()),
        (false, tracked("bump", "error"))
    );
    assert_eq!(capture(|| counter.get()).1, tracked("get", "ok"));
    assert_eq!(
        capture(|| counter.into_inner()),
        (Ok(3), tracked("into inner", "ok"))
    );
    assert_eq!(capture(|| generic(5, ())).1, tracked("generic", "ok"));
    assert_eq!(capture(|| generic("", 1u8)).1, tracked("generic", "error"));
}

// --- async: an executor of our own, on this thread (capture is per thread) ---

/// Pending once (waking itself), then ready: an await point.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn yield_once() -> YieldOnce {
    YieldOnce(false)
}

/// Polls `future` on this thread until it is ready.
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// Polls `future` once, expecting it to wait, then drops it: a handler
/// cancelled (by a timeout, a `select!`, Ctrl-C) halfway.
fn cancel_after_one_poll<F: Future>(future: F) {
    let mut future = Box::pin(future);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(future.as_mut().poll(&mut cx).is_pending());
    drop(future);
}

#[track_screen("async", outcome)]
async fn async_handler(fail: bool, panic: bool) -> Result<(), String> {
    yield_once().await;
    assert!(!panic, "the async handler panics");
    if fail {
        return Err("no".to_owned());
    }
    Ok(())
}

#[track_screen("async unit", outcome)]
async fn async_unit() {
    yield_once().await;
}

#[track_screen("async exit code", outcome)]
async fn async_exit_code(input: &str) -> ExitCode {
    yield_once().await;
    match input.parse::<u8>() {
        Ok(0) => ExitCode::SUCCESS,
        Ok(n) => ExitCode::from(n),
        Err(_) => ExitCode::FAILURE,
    }
}

#[track_screen("returns a future", outcome)]
fn returns_a_future(fail: bool) -> impl Future<Output = Result<u8, String>> + Send {
    let value = 4;
    async move {
        yield_once().await;
        if fail {
            Err("no".to_owned())
        } else {
            Ok(value)
        }
    }
}

/// An async handler run as `(fail, panic)` says, whether it returned `Ok`.
type Form = fn(bool, bool) -> Pin<Box<dyn Future<Output = bool>>>;

#[test]
fn async_handlers_report_ok_error_panic_and_cancelled() {
    let forms: [(&str, Form); 2] = [
        ("async", |fail, panic| {
            Box::pin(async move { async_handler(fail, panic).await.is_ok() })
        }),
        ("returns a future", |fail, panic| {
            Box::pin(async move {
                let out = returns_a_future(fail).await;
                assert!(!panic, "the caller panics while the handler is running");
                out.is_ok()
            })
        }),
    ];
    for (screen, handler) in forms {
        assert_eq!(
            capture(|| block_on(handler(false, false))),
            (true, tracked(screen, "ok"))
        );
        assert_eq!(
            capture(|| block_on(handler(true, false))),
            (false, tracked(screen, "error"))
        );
        assert_eq!(
            capture(|| cancel_after_one_poll(handler(false, false))).1,
            tracked(screen, "cancelled")
        );
        // A future never polled never started: nothing at all.
        assert_eq!(capture(|| drop(handler(false, false))).1, []);
    }
    assert_eq!(
        hits_of_panic(|| block_on(async_handler(false, true))),
        tracked("async", "panic")
    );
    assert_eq!(
        capture(|| block_on(async_unit())).1,
        tracked("async unit", "ok")
    );
    assert_eq!(
        capture(|| cancel_after_one_poll(async_unit())).1,
        tracked("async unit", "cancelled")
    );
    assert_eq!(
        capture(|| block_on(async_exit_code("0"))).1,
        tracked("async exit code", "ok")
    );
    assert_eq!(
        capture(|| block_on(async_exit_code("2"))).1,
        tracked("async exit code", "error")
    );
}

#[test]
fn a_returned_future_starts_at_its_first_poll_and_stays_send() {
    fn is_send<T: Send>(t: T) -> T {
        t
    }
    let (future, hits) = capture(|| is_send(returns_a_future(false)));
    assert_eq!(hits, []);
    assert_eq!(
        capture(|| block_on(future)),
        (Ok(4), tracked("returns a future", "ok"))
    );
}

// --- #[async_trait]: an impl's method and a trait's default method ---

// `#[async_trait]` on the impl or trait expands first: the attribute sees
// `fn .. { Box::pin(async move { .. }) }` and works inside that block.
#[async_trait]
trait Handler {
    async fn first(&self, fail: bool) -> Result<u32, String>;

    #[track_screen("second", outcome)]
    async fn second(&self, fail: bool) -> Result<u32, String> {
        yield_once().await;
        let n: u32 = if fail { "x" } else { "2" }
            .parse()
            .map_err(|_| "not a number".to_owned())?;
        Ok(n)
    }
}

struct Service;

#[async_trait]
impl Handler for Service {
    #[track_screen("first", outcome)]
    async fn first(&self, fail: bool) -> Result<u32, String> {
        yield_once().await;
        if fail {
            return Err("no".to_owned());
        }
        Ok(1)
    }
}

#[test]
fn async_trait_methods_report_their_outcome() {
    let service: Box<dyn Handler + Send + Sync> = Box::new(Service);
    assert_eq!(
        capture(|| block_on(service.first(false))),
        (Ok(1), tracked("first", "ok"))
    );
    assert_eq!(
        capture(|| block_on(service.first(true))).1,
        tracked("first", "error")
    );
    assert_eq!(
        capture(|| cancel_after_one_poll(service.first(false))).1,
        tracked("first", "cancelled")
    );
    assert_eq!(
        capture(|| block_on(service.second(false))),
        (Ok(2), tracked("second", "ok"))
    );
    assert_eq!(
        capture(|| block_on(service.second(true))).1,
        tracked("second", "error")
    );
    assert_eq!(
        capture(|| cancel_after_one_poll(service.second(false))).1,
        tracked("second", "cancelled")
    );
}

#[track_screen("waits", outcome)]
async fn waits() -> Result<(), String> {
    std::future::pending::<()>().await;
    Ok(())
}

#[test]
fn under_a_real_runtime_too() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let (_, hits) = capture(|| runtime.block_on(async_handler(true, false)));
    assert_eq!(hits, tracked("async", "error"));
    // `select!` drops the branch that lost: the handler is cancelled.
    let ((), hits) = capture(|| {
        runtime.block_on(async {
            tokio::select! {
                biased;
                _ = waits() => unreachable!("waits forever"),
                () = yield_once() => {}
            }
        });
    });
    assert_eq!(hits, tracked("waits", "cancelled"));
}
