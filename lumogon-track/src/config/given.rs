//! What the application gave the builder, as it gave it. Nothing here reads
//! the environment but [`Given::var`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::backends::{Backend, StreamKind};
use crate::consent::{self, Inputs, Names, Off};
use crate::limits::DEFAULT_FLUSH_BUDGET;
use crate::persistence::AppDir;

/// Where the client id comes from, tried on the worker thread.
pub(crate) type ClientIdSource = Box<dyn FnOnce() -> Option<String> + Send>;
/// Where variables are read from: the process's environment unless the
/// application passed one in.
type Environment = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub(crate) struct Given {
    pub(crate) backend: Backend,
    /// [`crate::Config::backend_from_env`]: the `{APP}_GA4_*` and
    /// `{APP}_POSTHOG_*` variables may replace the backend.
    pub(crate) backend_from_env: bool,
    pub(crate) app_name: String,
    pub(crate) app_version: String,
    /// `None`: the backend's own.
    pub(crate) endpoint: Option<String>,
    pub(crate) flush_budget: Duration,
    pub(crate) client_id: Option<ClientIdSource>,
    /// What the client id is derived from, in words, for `analytics status`
    /// and `analytics disable`.
    pub(crate) client_id_origin: Option<String>,
    /// The variables this application answers to, from its name.
    pub(crate) names: Names,
    /// The application's directory, when it names one itself.
    pub(crate) config_dir: Option<PathBuf>,
    /// The first-run notice (`None`: the default) and its version.
    pub(crate) notice: Option<String>,
    pub(crate) notice_version: u32,
    /// Why the application says its own configuration is unusable.
    pub(crate) invalid: Option<String>,
    /// [`crate::Config::count_ci_runs`].
    pub(crate) count_ci: bool,
    /// [`crate::Config::platform_context`].
    pub(crate) platform: bool,
    environment: Option<Environment>,
}

impl Given {
    pub(crate) fn v1(
        tracking_id: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        let backend = Backend::V1 {
            tracking_id: tracking_id.into(),
        };
        Given::with(backend, app_name.into(), app_version.into())
    }

    pub(crate) fn ga4(
        app_stream: bool,
        stream_id: impl Into<String>,
        api_secret: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        let backend = Backend::Ga4 {
            stream: if app_stream {
                StreamKind::App
            } else {
                StreamKind::Web
            },
            stream_id: stream_id.into(),
            api_secret: api_secret.into(),
        };
        Given::with(backend, app_name.into(), app_version.into())
    }

    fn with(backend: Backend, app_name: String, app_version: String) -> Self {
        Given {
            backend,
            backend_from_env: false,
            names: Names::of(&app_name),
            app_name,
            app_version,
            endpoint: None,
            flush_budget: DEFAULT_FLUSH_BUDGET,
            client_id: None,
            client_id_origin: None,
            config_dir: None,
            notice: None,
            notice_version: 1,
            invalid: None,
            count_ci: false,
            platform: false,
            environment: None,
        }
    }

    pub(crate) fn posthog(
        api_key: impl Into<String>,
        app_name: impl Into<String>,
        app_version: impl Into<String>,
    ) -> Self {
        let backend = Backend::PostHog {
            api_key: api_key.into(),
        };
        Given::with(backend, app_name.into(), app_version.into())
    }

    pub(crate) fn backend_from_env(&mut self) {
        self.backend_from_env = true;
    }

    pub(crate) fn endpoint(&mut self, url: impl Into<String>) {
        self.endpoint = Some(url.into());
    }

    pub(crate) fn posthog_host(&mut self, host: &str) {
        self.endpoint = Some(crate::backends::posthog::batch_url(host));
    }

    pub(crate) fn flush_budget(&mut self, budget: Duration) {
        self.flush_budget = budget;
    }

    pub(crate) fn client_id<F>(&mut self, source: F)
    where
        F: FnOnce() -> Option<String> + Send + 'static,
    {
        self.client_id = Some(Box::new(source));
    }

    pub(crate) fn client_id_origin(&mut self, origin: impl Into<String>) {
        self.client_id_origin = Some(origin.into());
    }

    pub(crate) fn config_dir(&mut self, dir: impl Into<PathBuf>) {
        self.config_dir = Some(dir.into());
    }

    pub(crate) fn notice(&mut self, text: impl Into<String>) {
        self.notice = Some(text.into());
    }

    pub(crate) fn notice_version(&mut self, version: u32) {
        self.notice_version = version;
    }

    pub(crate) fn invalid(&mut self, reason: impl Into<String>) {
        self.invalid = Some(reason.into());
    }

    pub(crate) fn count_ci_runs(&mut self) {
        self.count_ci = true;
    }

    pub(crate) fn platform_context(&mut self) {
        self.platform = true;
    }

    /// The CI vendor this run is in, if any.
    pub(crate) fn ci(&self) -> Option<&'static str> {
        consent::ci::detect(&|key| self.var(key))
    }

    pub(crate) fn environment<F>(&mut self, var: F)
    where
        F: Fn(&str) -> Option<String> + Send + Sync + 'static,
    {
        self.environment = Some(Arc::new(var));
    }

    /// The endpoint the application chose, else its backend's.
    pub(crate) fn given_endpoint(&self) -> &str {
        self.endpoint
            .as_deref()
            .unwrap_or(self.backend.default_endpoint())
    }

    /// The variable `key`, from the environment the application passed in,
    /// else the process's.
    pub(crate) fn var(&self, key: &str) -> Option<String> {
        match &self.environment {
            Some(var) => var(key),
            None => std::env::var(key).ok(),
        }
    }

    /// The application's directory: the one it named, else the one the
    /// environment names.
    pub(crate) fn dir(&self) -> Option<AppDir> {
        AppDir::find(
            self.config_dir.as_deref().map(Path::new),
            &self.app_name,
            &self.names.config_dir,
            &|key| self.var(key),
        )
    }

    /// The one decision (does a run send, and if not, why) for this
    /// configuration in its environment, with its directory `dir`, `invalid`
    /// saying why the configuration cannot be used, and whether the
    /// application called `disable()`.
    pub(crate) fn decide(
        &self,
        dir: Option<&AppDir>,
        invalid: Option<String>,
        by_application: bool,
    ) -> Option<Off> {
        consent::decide(Inputs {
            by_application,
            environment: consent::environment(&self.names, &|key| self.var(key)),
            ci: self.ci(),
            count_ci: self.count_ci,
            app: &self.app_name,
            config_dir_variable: &self.names.config_dir,
            invalid,
            saved: || dir.map(AppDir::load),
            notice_version: self.notice_version,
        })
    }

    /// For `Config`'s `Debug`: no secret, no source.
    pub(crate) fn fields(&self, s: &mut fmt::DebugStruct<'_, '_>) {
        match &self.backend {
            Backend::V1 { tracking_id } => s.field("tracking_id", tracking_id),
            // The secret is not secret from anyone who has the binary, but
            // it has no business in logs.
            Backend::Ga4 {
                stream, stream_id, ..
            } => s
                .field(stream.id_parameter(), stream_id)
                .field("api_secret", &"<redacted>"),
            // Public and write-only: nothing to redact.
            Backend::PostHog { api_key } => s.field("posthog_api_key", api_key),
        };
        s.field("app_name", &self.app_name)
            .field("app_version", &self.app_version)
            .field("endpoint", &self.given_endpoint())
            .field("flush_budget", &self.flush_budget)
            .field("client_id", &self.client_id.as_ref().map(|_| "<source>"))
            .field("config_dir", &self.config_dir)
            .field("notice_version", &self.notice_version)
            .field("count_ci_runs", &self.count_ci)
            .field("platform_context", &self.platform);
    }
}
