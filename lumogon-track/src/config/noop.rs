//! What [`Config`](super::Config) builds without the `analytics` feature:
//! nothing. Every method takes its arguments and drops them, inlined, so
//! that not one function of this crate is left in the caller's binary.

use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug)]
pub(crate) struct Given;

#[allow(clippy::unused_self)] // the same shape as the real one
impl Given {
    #[inline]
    pub(crate) fn v1(_: impl Into<String>, _: impl Into<String>, _: impl Into<String>) -> Self {
        Given
    }

    #[inline]
    pub(crate) fn ga4(
        _app_stream: bool,
        _: impl Into<String>,
        _: impl Into<String>,
        _: impl Into<String>,
        _: impl Into<String>,
    ) -> Self {
        Given
    }

    #[inline]
    pub(crate) fn posthog(
        _: impl Into<String>,
        _: impl Into<String>,
        _: impl Into<String>,
    ) -> Self {
        Given
    }

    #[inline]
    pub(crate) fn backend_from_env(&mut self) {}

    #[inline]
    pub(crate) fn endpoint(&mut self, _: impl Into<String>) {}

    #[inline]
    pub(crate) fn posthog_host(&mut self, _: &str) {}

    #[inline]
    pub(crate) fn flush_budget(&mut self, _: Duration) {}

    #[inline]
    pub(crate) fn client_id<F>(&mut self, _: F)
    where
        F: FnOnce() -> Option<String> + Send + 'static,
    {
    }

    #[inline]
    pub(crate) fn client_id_origin(&mut self, _: impl Into<String>) {}

    #[inline]
    pub(crate) fn config_dir(&mut self, _: impl Into<PathBuf>) {}

    #[inline]
    pub(crate) fn notice(&mut self, _: impl Into<String>) {}

    #[inline]
    pub(crate) fn notice_version(&mut self, _: u32) {}

    #[inline]
    pub(crate) fn invalid(&mut self, _: impl Into<String>) {}

    #[inline]
    pub(crate) fn count_ci_runs(&mut self) {}

    #[inline]
    pub(crate) fn platform_context(&mut self) {}

    #[inline]
    pub(crate) fn environment<F>(&mut self, _: F)
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
    }
}
