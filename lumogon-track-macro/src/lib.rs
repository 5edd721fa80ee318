//! The `#[track_screen("name")]` attribute of [lumogon-track].
//!
//! Use it through `lumogon_track::track_screen`: this crate only generates
//! code, and the code it generates calls into `lumogon_track`.
//!
//! With the `analytics` feature on, the attribute puts one statement before the
//! first statement of the function body, which queues a screenview for `name`
//! when the body starts (for an `async fn`: when its future is first polled).
//! With the feature off, the function comes back exactly as written. In both
//! modes the argument is validated the same way, so code that compiles in one
//! mode compiles in the other.
//!
//! [lumogon-track]: https://docs.rs/lumogon-track

mod attr;
mod expand;

use proc_macro::TokenStream;

/// Queues an analytics screenview named by the argument each time the
/// function's body starts.
///
/// The argument is one string literal: not empty, at most 2048 bytes, no
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
#[proc_macro_attribute]
pub fn track_screen(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::track_screen(args.into(), item.into()).into()
}
