//! The `#[track_screen("name")]` attribute of [lumogon-track].
//!
//! Use it through `lumogon_track::track_screen`: this crate only generates
//! code, and the code it generates calls into `lumogon_track`.
//!
//! With the `analytics` feature on, the attribute puts one statement before the
//! first statement of the function body, which queues a screenview for `name`
//! when the body starts (for an `async fn`: when its future is first polled).
//! With `#[track_screen("name", outcome)]` it also wraps the body, to record
//! how it ended. With the feature off, the function comes back exactly as
//! written, with or without the option. In both modes the arguments are
//! validated the same way, so code that compiles in one mode compiles in the
//! other.
//!
//! [lumogon-track]: https://docs.rs/lumogon-track

mod attr;
mod expand;

use proc_macro::TokenStream;

/// Queues an analytics screenview named by the argument each time the
/// function's body starts; with `outcome`, also an event when it ends.
///
/// The first argument is one string literal: not empty, at most 2048 bytes, no
/// control characters. The name is fixed at compile time, so nothing a user
/// types can end up in it.
///
/// ```
/// #[lumogon_track::track_screen("capabilities")]
/// fn capabilities() -> Result<(), std::io::Error> {
///     Ok(())
/// }
/// # capabilities().unwrap();
/// ```
///
/// On an `async fn` the hit is queued when the future is first polled. The
/// same holds for an `#[async_trait]` method when `#[async_trait]` is listed
/// first: a function that is not `async` and whose whole body is
/// `Box::pin(async move { .. })` gets the call inside that async block.
///
/// # `outcome`
///
/// `#[track_screen("name", outcome)]` records, when the handler ends, one
/// event: category `command`, action `name`, and the parameters `outcome`
/// and `duration`. The outcome is `ok`; `error` for an `Err`, an `ExitCode`
/// other than `ExitCode::SUCCESS`, or `false`; `panic` when the body
/// unwound; `cancelled` when an async handler's future was dropped before
/// it completed. The duration, from the start of the body, is one of
/// `<0.1s`, `<1s`, `<10s`, `<1min`, `>=1min`. Nothing the handler returned
/// is sent, only the verdict.
///
/// ```
/// #[lumogon_track::track_screen("scan", outcome)]
/// fn scan(target: &str) -> std::process::ExitCode {
///     if target.is_empty() {
///         return std::process::ExitCode::FAILURE; // outcome=error
///     }
///     std::process::ExitCode::SUCCESS
/// }
/// # let _ = scan("web");
/// ```
///
/// How the body is wrapped, so that `return` and `?` are seen too:
///
/// - a sync `fn`: the body runs in a closure typed as the function (an
///   `impl Trait` in the return type is inferred) and called once, then the
///   value it returned is judged and handed back;
/// - an `async fn`, or an `#[async_trait]` method's `async move` block: the
///   body runs in an inner `async move` block awaited by the future, so a
///   future dropped halfway records `cancelled`;
/// - a sync `fn` returning `impl Future<Output = T>`: the future it returns
///   is wrapped, so the screenview is queued at its first poll and its
///   output judged when it completes (`+ Send` still holds).
///
/// The return type (or the future's output) must be `()`, `bool`,
/// `Result<T, E>` or `std::process::ExitCode`; any other is a compile error
/// at that type, in a build with the `analytics` feature. Compiled out, the
/// function comes back exactly as written, so its return type is not
/// looked at (it may be `impl Trait` or `Self`, which no check written
/// beside the function could name): build with analytics to check it.
#[proc_macro_attribute]
pub fn track_screen(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::track_screen(args.into(), item.into()).into()
}
